// Package goroutinedumptest is the goroutinedump drill's suite. The
// exercise and the solution both run it through their one-screen
// *_test.go files.
//
// The incident is reproduced on a real process: the suite starts the test
// binary again as a child that serves the shipped ledger over gRPC on
// loopback, with /debug/pprof, sends it the request patterns that broke it
// in production, and reads its goroutine dump over HTTP and, on Unix, from
// SIGQUIT. A child, because a deadlocked goroutine can never be cleaned up:
// the child is killed at the end, the test process stays clean for goleak.
// Your fixed ledger runs in the test process; a deadlock in it is reported
// the moment a dump proves it, with the frames, instead of hanging.
package goroutinedumptest

import (
	"bytes"
	"io"
	"reflect"
	"runtime"
	"strings"
	"time"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/dump"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/goroutinedump"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "ParseDump"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Stuck"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Ledger.Transfer and Ledger.Balance"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Ledger.Watch"}
)

// Lab is one implementation of the drill.
type Lab struct {
	ParseDump func(r io.Reader) ([]dump.Goroutine, error)
	Stuck     func(gs []dump.Goroutine, pkg string) []dump.Group
	NewLedger func(balances map[string]int64) ledgerv1.LedgerServiceServer
}

// guard bounds waits on something a broken implementation may never do.
const guard = 30 * time.Second

// incidentPkg is the shipped ledger's import path.
const incidentPkg = "github.com/grpclabs/labs/ch05-interview/goroutinedump/incident"

// pkgOfValue is the import path of the package that defines v's type.
func pkgOfValue(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath()
}

// pkgOf is the import path of the package that defines f.
func pkgOf(f any) string {
	name := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
	return name[:strings.LastIndexByte(name, '.')]
}

// allStacks is a dump of every goroutine of this process.
func allStacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// brief is the suite's own, minimal reading of a dump: for each goroutine
// with a frame in pkg, its state and the innermost such function. It is
// what the suite waits on and detects deadlocks with, independent of the
// code under test.
type brief struct{ state, fn string }

func scan(text, pkg string) []brief {
	var out []brief
	for _, block := range strings.Split(text, "\n\n") {
		header, body, _ := strings.Cut(strings.TrimLeft(block, "\n"), "\n")
		if !strings.HasPrefix(header, "goroutine ") {
			continue
		}
		open, close := strings.IndexByte(header, '['), strings.LastIndexByte(header, ']')
		if open < 0 || close < open {
			continue
		}
		state, _, _ := strings.Cut(header[open+1:close], ",")
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, pkg+".") {
				fn := line
				if i := strings.LastIndexByte(fn, '('); i > 0 && strings.HasSuffix(fn, ")") {
					fn = fn[:i]
				}
				out = append(out, brief{state, fn})
				break
			}
		}
	}
	return out
}

// count is how many goroutines of b are in state at function fn (a
// suffix of the full name).
func count(b []brief, state, fn string) int {
	n := 0
	for _, x := range b {
		if x.state == state && strings.HasSuffix(x.fn, fn) {
			n++
		}
	}
	return n
}

// frames lists the goroutines of pkg in a dump, for a failure message.
func frames(text, pkg string) string {
	var buf bytes.Buffer
	for _, block := range strings.Split(text, "\n\n") {
		if strings.Contains(block, "\n"+pkg+".") {
			buf.WriteString(strings.TrimLeft(block, "\n"))
			buf.WriteString("\n\n")
		}
	}
	return buf.String()
}

func runtimeStack(buf []byte) int { return runtime.Stack(buf, false) }
