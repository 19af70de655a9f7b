// Command lab is the course's lab runner. It wraps `go test -json` and
// speaks in labs and README steps instead of packages, so a learner sees
// "step 2: TODO" rather than a wall of test output. Run it from anywhere
// inside the repository:
//
//	go run ./scripts/lab                  # progress of every lab, and what to do next
//	go run ./scripts/lab check [lab]      # one line per step, the first failure, how to re-run it
//	go run ./scripts/lab watch [lab]      # check again on every save
//	go run ./scripts/lab hint <lab>       # the next hint (--all: the ones seen so far)
//	go run ./scripts/lab diff <lab>       # your exercise against the solution
//	go run ./scripts/lab reset <lab>      # back up the exercise, then restore it
//	go run ./scripts/lab doctor           # is this machine ready? (paste its block when asking for help)
//	go run ./scripts/lab verify           # what CI runs: vet, solutions, exercises, TODO rule, codegen
//
// A lab is a directory under a chapter (ch*/) holding exercise/ and
// solution/; its id is that path, e.g. ch01-overview/userservice, and its
// last element is enough when unique. Progress and revealed hints are kept
// in .lab/state.json at the repository root. It is plain Go with no shell
// scripts, so it runs the same on Linux, macOS and Windows.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

// app is what every command shares; tests build their own.
type app struct {
	out    *Out
	errOut *Out
	dir    string   // where to start looking for go.work
	env    []string // extra environment for child go commands (tests use it)
	now    func() time.Time
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

var commands []command

func init() {
	// Assigned here rather than in the declaration: the commands refer to
	// the table (usage), which would otherwise be an initialisation cycle.
	commands = []command{
		{"check", "[lab]", "run a lab's exercise tests, one line per step", cmdCheck},
		{"watch", "[lab]", "run check again whenever a .go file in the lab changes", cmdWatch},
		{"hint", "<lab> [--all]", "show the next hint (--all: every hint revealed so far)", cmdHint},
		{"diff", "<lab>", "compare your exercise with the solution", cmdDiff},
		{"reset", "<lab>", "back up your exercise, then restore it to the committed version", cmdReset},
		{"doctor", "", "check that Go, cgo (for -race), the module cache, ports and git are ready", cmdDoctor},
		{"verify", "", "what CI runs: vet, solutions with -race, exercises in CI mode, the TODO rule, codegen", cmdVerify},
	}
}

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	wd, _ := os.Getwd()
	a := &app{
		out:    newOut(os.Stdout),
		errOut: newOut(os.Stderr),
		dir:    wd,
		now:    time.Now,
	}
	// Ctrl-C cancels the context: running go commands stop and we exit cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := a.main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// main dispatches and turns errors into exit codes: 2 for usage mistakes,
// 1 for everything else.
func (a *app) main(ctx context.Context, args []string) int {
	args, noColor := stripNoColor(args)
	if noColor {
		a.out.Color, a.errOut.Color = false, false
	}
	err := a.dispatch(ctx, args)
	var ee exitError
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		a.errOut.Printf("lab: %s\nrun 'go run ./scripts/lab -h' for usage\n", ue.msg)
		return 2
	case errors.Is(err, errFlags):
		return 2
	}
	a.errOut.Printf("lab: %v\n", err)
	return 1
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return cmdStatus(ctx, a, nil)
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		a.usage(a.out.W)
		return nil
	}
	if strings.HasPrefix(name, "-") {
		return usagef("unknown flag %q (flags go after the command, e.g. `check -h`)", name)
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, a, args[1:])
		}
	}
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return usagef("%s\ncommands: %s", msg, strings.Join(names, ", "))
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: go run ./scripts/lab [command] [--no-color]")
	fmt.Fprintln(w, "\nWith no command: the progress of every lab and the next command to run.")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-7s %-14s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nA lab is its id (ch01-overview/userservice) or, when unique, its last part (userservice).")
	fmt.Fprintln(w, "Colour is used on a terminal unless NO_COLOR is set or --no-color is given.")
	fmt.Fprintln(w, "Run 'go run ./scripts/lab <command> -h' for a command's flags.")
}

// stripNoColor removes --no-color wherever it appears, so it works with
// every command without each one declaring it.
func stripNoColor(args []string) ([]string, bool) {
	out := args[:0:0]
	found := false
	for _, s := range args {
		if s == "--no-color" || s == "-no-color" {
			found = true
			continue
		}
		out = append(out, s)
	}
	return out, found
}

// errFlags means the flag package already printed the problem.
var errFlags = errors.New("bad flags")

// newFlags makes a command's flag set; usage lines follow the same shape.
func (a *app) newFlags(name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.errOut.W)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./scripts/lab %s %s\n\n%s\n", name, args, about)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(fs.Output(), "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse allows flags before and after positional arguments
// (`hint userservice --all` and `hint --all userservice`), and checks the
// number of positional arguments.
func parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errFlags
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minPos {
		fs.Usage()
		return nil, usagef("%s: missing argument (which lab? e.g. `%s userservice`)", fs.Name(), fs.Name())
	}
	if len(pos) > maxPos {
		return nil, usagef("%s: unexpected argument %q", fs.Name(), pos[maxPos])
	}
	return pos, nil
}

// open finds the repository and reads its labs and state; a state problem
// is a warning, never a failure.
func (a *app) open() (*Repo, *State, error) {
	root, err := findRoot(a.dir)
	if err != nil {
		return nil, nil, err
	}
	repo, err := openRepo(root)
	if err != nil {
		return nil, nil, err
	}
	st, werr := loadState(root)
	if werr != nil {
		a.errOut.Printf("%s %v\n", a.errOut.paint(yellow, "warning:"), werr)
	}
	return repo, st, nil
}

// lab resolves the positional argument, or picks the default.
func (a *app) lab(repo *Repo, st *State, pos []string) (*Lab, error) {
	if len(pos) > 0 {
		return repo.FindLab(pos[0])
	}
	return defaultLab(repo, st)
}

// cmdStatus is the no-argument view: every lab, one line each, grouped by
// chapter, from one `go test` run over all exercises.
func cmdStatus(ctx context.Context, a *app, args []string) error {
	repo, st, err := a.open()
	if err != nil {
		return err
	}
	if len(repo.Labs) == 0 {
		a.out.Println("no labs yet: no ch*/ directory holds a lab with exercise/ and solution/.")
		return nil
	}
	race, _ := raceSupport(ctx)
	reports, err := runExercises(ctx, repo, repo.Labs, race, a.env)
	if err != nil {
		return err
	}
	now := a.now()
	chapter := ""
	var next *Lab
	width := 0
	for _, l := range repo.Labs {
		width = max(width, len(l.ID)-len(l.Chapter)-1)
	}
	for _, r := range reports {
		if r.Lab.Chapter != chapter {
			chapter = r.Lab.Chapter
			a.out.Printf("%s\n", a.out.paint(bold, chapter))
		}
		done, total := r.StepsDone()
		word := r.Progress()
		colour := dim
		switch word {
		case "done":
			colour = green
		case "in progress":
			colour = yellow
		case "build fails":
			colour = red
		}
		rest := strings.TrimPrefix(r.Lab.ID, r.Lab.Chapter+"/")
		pass, tests := r.TestsPassing()
		a.out.Printf("  %-*s  %s  %d/%d steps  %s\n", width, rest, a.out.paint(colour, fmt.Sprintf("%-11s", word)),
			done, total, a.out.paint(dim, fmt.Sprintf("(%d/%d tests passing)", pass, tests)))
		if r.GuideErr != nil && total == 0 {
			a.out.Printf("    %s %v\n", a.out.paint(yellow, "README:"), firstLine(r.GuideErr.Error()))
		}
		if next == nil && !r.Done {
			next = r.Lab
		}
		r.remember(st, now)
	}
	if err := st.save(repo.Root); err != nil {
		a.errOut.Printf("%s %v\n", a.errOut.paint(yellow, "warning:"), err)
	}
	a.out.Println()
	if next == nil {
		a.out.Printf("every lab is done. next: %s\n", a.out.paint(cyan, "go run ./scripts/lab verify"))
		return nil
	}
	a.out.Printf("next: %s\n", a.out.paint(cyan, "go run ./scripts/lab check "+repo.ShortName(next)))
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// cmdCheck runs one lab and exits 1 unless every step is done.
func cmdCheck(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("check", "[lab]", "Run the lab's exercise tests and show one line per step, the first\nfailure in full, and the command that reproduces it. Without a lab,\nthe first lab not done yet. Exits 0 only when every step is done.")
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	repo, st, err := a.open()
	if err != nil {
		return err
	}
	lab, err := a.lab(repo, st, pos)
	if err != nil {
		return err
	}
	done, err := a.check(ctx, repo, st, lab)
	if err != nil {
		return err
	}
	if !done {
		return exitError{1}
	}
	return nil
}

// check runs and prints one lab, records the result, and says whether the
// lab is done.
func (a *app) check(ctx context.Context, repo *Repo, st *State, lab *Lab) (bool, error) {
	race, why := raceSupport(ctx)
	if !race {
		a.out.Printf("%s\n", a.out.paint(dim, "note: running without -race: "+why))
	}
	reports, err := runExercises(ctx, repo, []*Lab{lab}, race, a.env)
	if err != nil {
		return false, err
	}
	r := reports[0]
	printCheck(a.out, r, race)
	r.remember(st, a.now())
	if err := st.save(repo.Root); err != nil {
		a.errOut.Printf("%s %v\n", a.errOut.paint(yellow, "warning:"), err)
	}
	return r.Done, nil
}
