// Package solution is the reference for the goroutinedump drill: read a
// goroutine dump (Go's jstack), find where the goroutines are stuck, and
// fix the deadlock and the leak the dump points at. README.md explains the
// choices.
package solution

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/grpclabs/labs/ch05-interview/goroutinedump/dump"
)

// Goroutine, Frame and Group are the dump's types.
type (
	Goroutine = dump.Goroutine
	Frame     = dump.Frame
	Group     = dump.Group
)

// ParseDump reads a goroutine dump: the text of
// /debug/pprof/goroutine?debug=2, of runtime.Stack(buf, true), or what a Go
// process prints on SIGQUIT (with its preamble, register dump and extra
// fields such as gp=, fp=, sp=, pc=). Lines outside goroutine blocks are
// skipped; a goroutine block that does not follow the format is an error
// naming the line, never a panic.
func ParseDump(r io.Reader) ([]Goroutine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var (
		out     []Goroutine
		cur     *Goroutine
		unwound bool // the runtime gave up unwinding cur's stack
		lineNo  int
	)
	// next reads the tab-indented location line that follows a function.
	next := func(what string) (Frame, error) {
		if !sc.Scan() {
			return Frame{}, fmt.Errorf("dump line %d: %s has no location line", lineNo, what)
		}
		lineNo++
		file, line, err := parseLocation(sc.Text())
		if err != nil {
			return Frame{}, fmt.Errorf("dump line %d: %w", lineNo, err)
		}
		return Frame{File: file, Line: line}, nil
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "goroutine ") && strings.HasSuffix(line, ":"):
			g, err := parseHeader(line)
			if err != nil {
				return nil, fmt.Errorf("dump line %d: %w", lineNo, err)
			}
			out = append(out, g)
			cur, unwound = &out[len(out)-1], false
		case cur == nil:
			// Outside a goroutine: a SIGQUIT preamble, registers, "exit status 2".
		case line == "":
			cur, unwound = nil, false
		case strings.HasPrefix(line, "created by "):
			fn, creator, _ := strings.Cut(strings.TrimPrefix(line, "created by "), " in goroutine ")
			loc, err := next("created by " + fn)
			if err != nil {
				return nil, err
			}
			loc.Func = fn
			cur.CreatedBy = loc
			if creator != "" {
				if cur.CreatorID, err = strconv.Atoi(creator); err != nil {
					return nil, fmt.Errorf("dump line %d: creator id in %q", lineNo, line)
				}
			}
		case unwound:
			// The rest of the block is the runtime's hex dump of the stack.
		case strings.HasPrefix(line, "runtime: ") || strings.HasPrefix(line, "stack: frame="):
			// The runtime could not unwind this stack further ("unexpected
			// return pc"): it prints why and a hex dump, and ends the trace.
			unwound = true
		case strings.HasPrefix(line, "...") || strings.HasPrefix(line, "[originating from goroutine") ||
			strings.HasPrefix(line, "\tgoroutine running on other thread"):
			// "...additional frames elided...", "...N frames elided...", and
			// a SIGQUIT caught this goroutine running on another thread: no
			// stack to print.
		case strings.HasPrefix(line, "\t"):
			return nil, fmt.Errorf("dump line %d: a location with no function before it: %q", lineNo, line)
		default:
			fn := funcName(line)
			f, err := next(fn)
			if err != nil {
				return nil, err
			}
			f.Func = fn
			cur.Frames = append(cur.Frames, f)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dump: no goroutines in it")
	}
	return out, nil
}

// parseHeader reads "goroutine 18 [chan receive, 2 minutes]:", also with
// SIGQUIT's extra fields: "goroutine 1 gp=0xc000002380 m=nil [sleep]:".
func parseHeader(line string) (Goroutine, error) {
	rest := strings.TrimSuffix(strings.TrimPrefix(line, "goroutine "), ":")
	idText, rest, _ := strings.Cut(rest, " ")
	id, err := strconv.Atoi(idText)
	if err != nil || id < 0 {
		return Goroutine{}, fmt.Errorf("goroutine id %q in %q", idText, line)
	}
	open, close := strings.IndexByte(rest, '['), strings.LastIndexByte(rest, ']')
	if open < 0 || close < open {
		return Goroutine{}, fmt.Errorf("no [state] in %q", line)
	}
	parts := strings.Split(rest[open+1:close], ", ")
	g := Goroutine{ID: id, State: parts[0]}
	for _, p := range parts[1:] {
		if n, ok := strings.CutSuffix(p, " minutes"); ok {
			m, err := strconv.Atoi(n)
			if err != nil || m < 0 {
				return Goroutine{}, fmt.Errorf("wait %q in %q", p, line)
			}
			g.Wait = time.Duration(m) * time.Minute
		}
	}
	if g.State == "" {
		return Goroutine{}, fmt.Errorf("empty state in %q", line)
	}
	return g, nil
}

// funcName strips the argument list: "main.(*T).m(0xc0, ...)" is
// "main.(*T).m". Arguments never contain parentheses, so the last '('
// of a line that ends in ')' starts them.
func funcName(line string) string {
	if strings.HasSuffix(line, ")") {
		if i := strings.LastIndexByte(line, '('); i > 0 {
			return line[:i]
		}
	}
	return line
}

// parseLocation reads "\t/src/x.go:12 +0x1d fp=0x... sp=0x... pc=0x...".
func parseLocation(line string) (string, int, error) {
	if !strings.HasPrefix(line, "\t") {
		return "", 0, fmt.Errorf("want a tab-indented file:line, got %q", line)
	}
	// The path may contain spaces; what follows it starts with " +0x" (the
	// pc offset) or, for some frames, " fp=".
	loc := strings.TrimPrefix(line, "\t")
	for _, tail := range []string{" +0x", " fp="} {
		if i := strings.Index(loc, tail); i >= 0 {
			loc = loc[:i]
			break
		}
	}
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("no :line in %q", line)
	}
	n, err := strconv.Atoi(loc[i+1:])
	if err != nil || n < 0 {
		return "", 0, fmt.Errorf("bad line number in %q", line)
	}
	return loc[:i], n, nil
}
