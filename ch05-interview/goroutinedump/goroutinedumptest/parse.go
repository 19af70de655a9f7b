package goroutinedumptest

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/ch05-interview/goroutinedump/dump"
)

// cannedDump is what /debug/pprof/goroutine?debug=2 prints, shortened.
const cannedDump = `goroutine 1 [running]:
main.main()
	/src/app/main.go:31 +0x26e

goroutine 21 [sync.Mutex.Lock, 12 minutes]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
example.com/bank.(*Ledger).Balance(0xc000010000, {0x5161b8, 0xc0000a0000}, 0xc0000b0000)
	/src/bank/ledger.go:70 +0x85
example.com/bank.(*Ledger).Transfer(...)
	/src/bank/ledger.go:55
created by google.golang.org/grpc.(*Server).serveStreams.func2.1 in goroutine 18
	/go/pkg/mod/google.golang.org/grpc@v1.85.0/server.go:1058 +0x85

goroutine 22 [chan receive, 3 minutes]:
example.com/bank.(*Ledger).Watch.func1()
	/src/bank/ledger.go:88 +0x19
created by example.com/bank.(*Ledger).Watch in goroutine 19
	/src/bank/ledger.go:87 +0xd6

goroutine 40 [select, locked to thread]:
example.com/bank.loop[...](0x1)
	C:/Program Files/src/bank/loop.go:9 +0x3f
...additional frames elided...
created by example.com/bank.Start
	C:/Program Files/src/bank/start.go:4 +0x1a
`

// sigquitDump is the same kind of dump as a Go process prints on SIGQUIT:
// a preamble, extra fields on headers and locations, registers at the end,
// and, for goroutine 9, the runtime's note that it could not unwind a
// stack further (runtime/traceback.go prints it, then a hex dump of the
// stack, and stops that goroutine's trace): a busy machine made this
// suite's own SIGQUIT dump show one.
const sigquitDump = `SIGQUIT: quit
PC=0x408a4e m=0 sigcode=0

goroutine 0 gp=0x5f2620 m=0 mp=0x5f33e0 [idle]:
runtime.netpoll(0x15f8ce70b570?)
	/usr/local/go/src/runtime/netpoll_epoll.go:119 +0xd4 fp=0x7fff8bf363b0 sp=0x7fff8bf35d20 pc=0x446454

goroutine 12 gp=0xc000103dc0 m=3 mp=0xc000100008 [running]:
	goroutine running on other thread; stack unavailable
created by example.com/bank.Start in goroutine 1
	/src/bank/start.go:4 +0x1a fp=0xc00004afe0 sp=0xc00004afc8 pc=0x4da0a1

goroutine 7 gp=0xc000102380 m=nil [chan send]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/proc.go:462 +0xce fp=0xc00004af38 sp=0xc00004af18 pc=0x47dbae
example.com/bank.(*Ledger).publish(0xc000012000)
	/src/bank/ledger.go:101 +0x45 fp=0xc00004af78 sp=0xc00004af38 pc=0x4da1e5
created by example.com/bank.New in goroutine 1
	/src/bank/ledger.go:30 +0x1a fp=0xc00004afe0 sp=0xc00004afc8 pc=0x4da0a1

goroutine 9 gp=0xc000103340 m=nil [runnable]:
example.com/bank.(*Ledger).replay(0xc000012000)
	/src/bank/ledger.go:120 +0x2a fp=0xc00004bf78 sp=0xc00004bf50 pc=0x4da2aa
runtime: g 9: unexpected return pc for example.com/bank.(*Ledger).replay called from 0x0
stack: frame={sp:0xc00004bf50, fp:0xc00004bf78} stack=[0xc00004b800,0xc00004c000)
000000c00004bf40: 0000000000000000 000000c000012000  ................
000000c00004bf50: 00000000004da2aa <example.com/bank.(*Ledger).replay+0x2a>

rax    0xfffffffffffffffc
rbx    0x4
exit status 2
`

var wantCanned = []dump.Goroutine{
	{ID: 1, State: "running", Frames: []dump.Frame{fr("main.main", "/src/app/main.go", 31)}},
	{ID: 21, State: "sync.Mutex.Lock", Wait: 12 * time.Minute, Frames: []dump.Frame{
		fr("internal/sync.runtime_SemacquireMutex", "/usr/local/go/src/runtime/sema.go", 95),
		fr("sync.(*Mutex).Lock", "/usr/local/go/src/sync/mutex.go", 46),
		fr("example.com/bank.(*Ledger).Balance", "/src/bank/ledger.go", 70),
		fr("example.com/bank.(*Ledger).Transfer", "/src/bank/ledger.go", 55),
	}, CreatedBy: fr("google.golang.org/grpc.(*Server).serveStreams.func2.1", "/go/pkg/mod/google.golang.org/grpc@v1.85.0/server.go", 1058), CreatorID: 18},
	{ID: 22, State: "chan receive", Wait: 3 * time.Minute, Frames: []dump.Frame{
		fr("example.com/bank.(*Ledger).Watch.func1", "/src/bank/ledger.go", 88),
	}, CreatedBy: fr("example.com/bank.(*Ledger).Watch", "/src/bank/ledger.go", 87), CreatorID: 19},
	{ID: 40, State: "select", Frames: []dump.Frame{
		fr("example.com/bank.loop[...]", "C:/Program Files/src/bank/loop.go", 9),
	}, CreatedBy: fr("example.com/bank.Start", "C:/Program Files/src/bank/start.go", 4)},
}

var wantSigquit = []dump.Goroutine{
	{ID: 0, State: "idle", Frames: []dump.Frame{fr("runtime.netpoll", "/usr/local/go/src/runtime/netpoll_epoll.go", 119)}},
	{ID: 12, State: "running", CreatedBy: fr("example.com/bank.Start", "/src/bank/start.go", 4), CreatorID: 1},
	{ID: 7, State: "chan send", Frames: []dump.Frame{
		fr("runtime.gopark", "/usr/local/go/src/runtime/proc.go", 462),
		fr("example.com/bank.(*Ledger).publish", "/src/bank/ledger.go", 101),
	}, CreatedBy: fr("example.com/bank.New", "/src/bank/ledger.go", 30), CreatorID: 1},
	{ID: 9, State: "runnable", Frames: []dump.Frame{fr("example.com/bank.(*Ledger).replay", "/src/bank/ledger.go", 120)}},
}

func fr(fn, file string, line int) dump.Frame { return dump.Frame{Func: fn, File: file, Line: line} }

// parse calls ParseDump, handing a TODO to step 1.
func parse(t *testing.T, l Lab, text string) ([]dump.Goroutine, error) {
	t.Helper()
	gs, err := l.ParseDump(strings.NewReader(text))
	return gs, step1.Check(t, err)
}

// parkedOnChannel and parkedOnLock are where the live test's goroutines wait.
func parkedOnChannel(ch chan struct{}) { <-ch }
func parkedOnLock(mu *sync.Mutex)      { mu.Lock(); mu.Unlock() }

// TestParseDump: step 1, dumps in both formats, a live one from this
// process, and bad input.
func TestParseDump(t *testing.T, l Lab) {
	for _, c := range []struct {
		name, text string
		want       []dump.Goroutine
	}{{"debug=2", cannedDump, wantCanned}, {"sigquit", sigquitDump, wantSigquit}} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parse(t, l, c.text)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("ParseDump(%s dump):\n%s", c.name, diff(got, c.want))
			}
		})
	}
	t.Run("live", func(t *testing.T) {
		ch := make(chan struct{})
		var mu sync.Mutex
		mu.Lock()
		var wg sync.WaitGroup
		wg.Go(func() { parkedOnChannel(ch) })
		wg.Go(func() { parkedOnLock(&mu) })
		defer wg.Wait()
		defer mu.Unlock()
		defer close(ch)
		me := currentID()
		suite := pkgOf(parkedOnChannel)
		// Both goroutines must be parked before the dump is taken.
		waitScan(t, allStacks, suite, func(b []brief) bool {
			return count(b, "chan receive", ".parkedOnChannel") == 1 && count(b, "sync.Mutex.Lock", ".parkedOnLock") == 1
		})
		for _, source := range []string{"runtime.Stack", "pprof"} {
			text := allStacks()
			if source == "pprof" {
				var buf bytes.Buffer
				pprof.Lookup("goroutine").WriteTo(&buf, 2)
				text = buf.String()
			}
			gs, err := parse(t, l, text)
			if err != nil {
				t.Fatalf("%s dump: %v", source, err)
			}
			var found int
			for _, g := range gs {
				for _, f := range g.Frames {
					if f.Func == suite+".parkedOnChannel" || f.Func == suite+".parkedOnLock" {
						found++
						want := map[string]string{suite + ".parkedOnChannel": "chan receive", suite + ".parkedOnLock": "sync.Mutex.Lock"}[f.Func]
						if g.State != want || !strings.HasSuffix(f.File, "parse.go") || f.Line == 0 || g.CreatorID != me {
							t.Errorf("%s dump: goroutine %d in %s: state %q, %s:%d, created in goroutine %d; want %q, parse.go, a line, goroutine %d",
								source, g.ID, f.Func, g.State, f.File, f.Line, g.CreatorID, want, me)
						}
					}
				}
			}
			if found != 2 {
				t.Errorf("%s dump: found %d of the 2 parked goroutines", source, found)
			}
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, bad := range []string{
			"",
			"hello, world\n",
			"goroutine x [running]:\nmain.main()\n\t/src/x.go:1 +0x1\n",
			"goroutine 1 running:\nmain.main()\n\t/src/x.go:1 +0x1\n",
			"goroutine 1 [running]:\nmain.main()\n",
			"goroutine 1 [running]:\nmain.main()\nmain.f()\n",
			"goroutine 1 [running]:\n\t/src/x.go:1 +0x1\n",
			"goroutine 1 [running]:\nmain.main()\n\t/src/x.go:one +0x1\n",
			"goroutine 1 [running]:\nmain.main()\n\t/src/x.go +0x1\n",
		} {
			if gs, err := parse(t, l, bad); err == nil {
				t.Errorf("ParseDump(%q) = %+v, nil; want an error", bad, gs)
			}
		}
	})
}

// FuzzParseDump: step 1, a dump is text from a network endpoint or a log:
// ParseDump never panics, and what it accepts is well formed.
func FuzzParseDump(f *testing.F, l Lab) {
	f.Add(cannedDump)
	f.Add(sigquitDump)
	f.Add("goroutine 1 [running]:\nmain.main()\n\t/src/x.go:1 +0x1\n")
	f.Fuzz(func(t *testing.T, text string) {
		gs, err := l.ParseDump(strings.NewReader(text))
		if step1.Check(t, err) != nil {
			return
		}
		if len(gs) == 0 {
			t.Fatal("ParseDump accepted a dump with no goroutines")
		}
		for _, g := range gs {
			if g.State == "" || g.ID < 0 {
				t.Fatalf("ParseDump accepted goroutine %+v", g)
			}
		}
	})
}

// currentID is this goroutine's id, from the first line of its stack.
func currentID() int {
	buf := make([]byte, 64)
	buf = buf[:runtimeStack(buf)]
	f := strings.Fields(string(buf))
	id, _ := strconv.Atoi(f[1])
	return id
}

func diff(got, want []dump.Goroutine) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w any = "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !reflect.DeepEqual(g, w) {
			fmt.Fprintf(&b, "goroutine #%d:\n   got %+v\n  want %+v\n", i, g, w)
		}
	}
	return b.String()
}

// waitScan polls a dump until cond holds for pkg's goroutines, or fails
// after guard with what the dump shows.
func waitScan(t *testing.T, take func() string, pkg string, cond func([]brief) bool) string {
	t.Helper()
	deadline := time.Now().Add(guard)
	for {
		text := take()
		if cond(scan(text, pkg)) {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("the goroutines never reached the expected places; the dump shows:\n%s", frames(text, pkg))
		}
		time.Sleep(10 * time.Millisecond) // polling a condition in another goroutine's stack
	}
}
