// Package questions holds the quiz drill's programs. Each question is a
// function that prints to w (standing for standard output); the suite runs
// it and compares what it printed with the learner's prediction. The
// README shows these functions verbatim: a test in this package checks
// that it does.
package questions

import (
	"fmt"
	"io"
	"sync"
)

// Question is one predict-the-output question.
type Question struct {
	ID   string // "slices/append-shares": a heading in answers.go
	Step int    // the README step it belongs to
	Run  func(w io.Writer)
	// Show names the declarations the README prints for it, in order.
	Show []string
	// Possible, for a program whose output can differ from run to run, is
	// every output it can print; the learner lists them. Empty: the output
	// is always the same.
	Possible []string
	// Varies: Go promises the output changes between runs (select picks a
	// ready case at random, map iteration order is randomised), so many
	// runs must show more than one of Possible.
	Varies bool
	// Crashes: the program takes its process down (a fatal error, which
	// recover cannot stop), so it runs in a child process and the outcome
	// includes the fatal error's first line.
	Crashes bool
}

// All is every question, in README order.
var All = []Question{
	{ID: "slices/append-shares", Step: 1, Run: appendShares, Show: []string{"appendShares"}},
	{ID: "slices/append-grows", Step: 1, Run: appendGrows, Show: []string{"appendGrows"}},
	{ID: "slices/subslice-append", Step: 1, Run: subsliceAppend, Show: []string{"subsliceAppend"}},
	{ID: "slices/range-array", Step: 1, Run: rangeArray, Show: []string{"rangeArray"}},

	{ID: "maps/print", Step: 2, Run: printMap, Show: []string{"printMap"}},
	{ID: "maps/iteration-order", Step: 2, Run: iterationOrder, Show: []string{"iterationOrder"},
		Possible: []string{"abc", "acb", "bac", "bca", "cab", "cba"}, Varies: true},
	{ID: "maps/nil-map", Step: 2, Run: nilMap, Show: []string{"nilMap"}},
	{ID: "maps/concurrent-writes", Step: 2, Run: concurrentWrites, Show: []string{"concurrentWrites"}, Crashes: true},

	{ID: "defer/order-and-arguments", Step: 3, Run: deferOrder, Show: []string{"deferOrder"}},
	{ID: "defer/named-result", Step: 3, Run: namedResult, Show: []string{"namedResult", "doubled", "notDoubled"}},

	{ID: "nil/interface-holding-nil", Step: 4, Run: nilInterface, Show: []string{"myErr", "find", "nilInterface"}},
	{ID: "nil/nil-receiver", Step: 4, Run: nilReceiver, Show: []string{"node", "nilReceiver"}},

	{ID: "loops/closures", Step: 5, Run: loopClosures, Show: []string{"loopClosures"}},
	{ID: "loops/goroutines", Step: 5, Run: loopGoroutines, Show: []string{"loopGoroutines"},
		Possible: []string{"012", "021", "102", "120", "201", "210"}},

	{ID: "chans/select-ready", Step: 6, Run: selectReady, Show: []string{"selectReady"},
		Possible: []string{"a", "b"}, Varies: true},
	{ID: "chans/closed", Step: 6, Run: closedChannel, Show: []string{"closedChannel"}},
	{ID: "chans/nil-channel", Step: 6, Run: nilChannel, Show: []string{"nilChannel"}},
	{ID: "chans/deadlock", Step: 6, Run: deadlock, Show: []string{"deadlock"}, Crashes: true},
}

// ByID finds a question.
func ByID(id string) (Question, bool) {
	for _, q := range All {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

func appendShares(w io.Writer) {
	a := make([]int, 3, 4)
	b := append(a, 1)
	c := append(a, 2)
	a[0] = 9
	fmt.Fprintln(w, a, b, c)
}

func appendGrows(w io.Writer) {
	a := []int{1, 2, 3}
	b := append(a, 4)
	b[0] = 9
	fmt.Fprintln(w, a, b)
}

func subsliceAppend(w io.Writer) {
	s := []int{0, 1, 2, 3, 4}
	t := s[1:3]
	t = append(t, 99)
	fmt.Fprintln(w, s, t, len(t), cap(t))
}

func rangeArray(w io.Writer) {
	arr := [3]int{1, 2, 3}
	for i, v := range arr {
		arr[2] = 10
		if i == 2 {
			fmt.Fprintln(w, v, arr[2])
		}
	}
}

func printMap(w io.Writer) {
	m := map[string]int{"b": 2, "c": 3, "a": 1}
	fmt.Fprintln(w, m)
}

func iterationOrder(w io.Writer) {
	m := map[string]bool{"a": true, "b": true, "c": true}
	for k := range m {
		fmt.Fprint(w, k)
	}
	fmt.Fprintln(w)
}

func nilMap(w io.Writer) {
	var m map[string]int
	fmt.Fprintln(w, m["x"], len(m))
	defer func() { fmt.Fprintln(w, "recovered:", recover()) }()
	m["x"] = 1
	fmt.Fprintln(w, "stored")
}

func concurrentWrites(w io.Writer) {
	m := map[int]int{}
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Go(func() {
			defer func() { recover() }()
			for i := 0; ; i++ {
				m[i%64] = g
			}
		})
	}
	wg.Wait()
	fmt.Fprintln(w, len(m))
}

func deferOrder(w io.Writer) {
	x := 1
	defer fmt.Fprintln(w, "deferred x =", x)
	for i := range 3 {
		defer fmt.Fprint(w, i, " ")
	}
	x = 2
	fmt.Fprintln(w, "x =", x)
}

func namedResult(w io.Writer) {
	fmt.Fprintln(w, doubled(), notDoubled())
}

func doubled() (n int) {
	defer func() { n *= 2 }()
	return 3
}

func notDoubled() int {
	n := 3
	defer func() { n *= 2 }()
	return n
}

type myErr struct{}

func (*myErr) Error() string { return "my error" }

func find(fail bool) error {
	var e *myErr
	if fail {
		e = &myErr{}
	}
	return e
}

func nilInterface(w io.Writer) {
	var p *myErr
	var err error = p
	fmt.Fprintln(w, p == nil, err == nil, find(false) == nil)
}

type node struct{ next *node }

func (n *node) Len() int {
	if n == nil {
		return 0
	}
	return 1 + n.next.Len()
}

func nilReceiver(w io.Writer) {
	var n *node
	fmt.Fprintln(w, n.Len(), (&node{next: &node{}}).Len())
}

func loopClosures(w io.Writer) {
	var fs []func()
	for i := 0; i < 3; i++ {
		fs = append(fs, func() { fmt.Fprint(w, i) })
	}
	for _, f := range fs {
		f()
	}
	fmt.Fprintln(w)
}

func loopGoroutines(w io.Writer) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprint(w, i)
		})
	}
	wg.Wait()
	fmt.Fprintln(w)
}

func selectReady(w io.Writer) {
	a, b := make(chan string, 1), make(chan string, 1)
	a <- "a"
	b <- "b"
	select {
	case v := <-a:
		fmt.Fprintln(w, v)
	case v := <-b:
		fmt.Fprintln(w, v)
	}
}

func closedChannel(w io.Writer) {
	ch := make(chan int, 2)
	ch <- 1
	close(ch)
	v, ok := <-ch
	fmt.Fprintln(w, v, ok)
	v, ok = <-ch
	fmt.Fprintln(w, v, ok)
	for v := range ch {
		fmt.Fprintln(w, "range", v)
	}
	defer func() { fmt.Fprintln(w, "recovered:", recover()) }()
	ch <- 2
}

func nilChannel(w io.Writer) {
	var ch chan int
	select {
	case v := <-ch:
		fmt.Fprintln(w, "received", v)
	default:
		fmt.Fprintln(w, "default")
	}
}

func deadlock(w io.Writer) {
	ch := make(chan int)
	ch <- 1
	fmt.Fprintln(w, <-ch)
}
