// Command quizrun runs one question of the quiz drill as a program of its
// own, so you can see what it prints, or how it dies:
//
//	go run ./ch05-interview/cmd/quizrun slices/append-shares
//	go run ./ch05-interview/cmd/quizrun maps/concurrent-writes   # fatal error, exit status 2
//	go run ./ch05-interview/cmd/quizrun -list
//
// It imports only the standard library and the questions, and it installs
// no signal handler (so it does not use the course's demo package): while
// a goroutine waits for signals, or a thread sits in C code (any program
// that links cgo, such as one importing net or built with -race), the
// runtime never concludes that "all goroutines are asleep", and
// chans/deadlock would hang instead of dying. The quiz's suite builds
// this program to run the questions that take their process down.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/grpclabs/labs/ch05-interview/quiz/questions"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quizrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	list := fs.Bool("list", false, "list the questions")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: quizrun [-list] <question>   (e.g. quizrun slices/append-shares)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *list {
		for _, q := range questions.All {
			fmt.Fprintln(stdout, q.ID)
		}
		return 0
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "quizrun: name one question (quizrun -list shows them)")
		return 2
	}
	q, ok := questions.ByID(fs.Arg(0))
	if !ok {
		fmt.Fprintf(stderr, "quizrun: no question %q (quizrun -list shows them)\n", fs.Arg(0))
		return 2
	}
	q.Run(stdout)
	return 0
}
