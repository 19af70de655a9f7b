package solution

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/grpclabs/labs/ch05-interview/gcpressure/diag"
)

// Site is one allocation site of a heap profile.
type Site = diag.Site

// TopInuse reads a heap profile in the text format of
// /debug/pprof/heap?debug=1 and returns its n largest allocation sites by
// bytes in use (all of them when n <= 0): what jmap -histo:live tells a
// Java engineer, by the place the memory was allocated instead of by
// class.
//
// The profile is a sample: the runtime records about one allocation per
// MemProfileRate bytes (512 KiB by default, written as heap/<2*rate> in the
// header), so its counts are scaled back up the way go tool pprof does.
// A site is the first frame of a stack that is not in the runtime.
//
// The input comes from a network endpoint: anything malformed is an error
// that names the line, never a panic.
func TopInuse(r io.Reader, n int) ([]Site, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var (
		rate    int64   = -1
		sites           = map[string]*Site{}
		pending *record // the record whose frames are being read
		lineNo  int
	)
	flush := func() {
		if pending == nil {
			return
		}
		fn := pending.site()
		if fn != "" {
			s := sites[fn]
			if s == nil {
				s = &Site{Func: fn}
				sites[fn] = s
			}
			objs, bytes := scale(pending.objects, pending.bytes, rate)
			s.InuseObjects += objs
			s.InuseBytes += bytes
		}
		pending = nil
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch {
		case lineNo == 1:
			var err error
			if rate, err = parseHeader(line); err != nil {
				return nil, fmt.Errorf("heap profile line 1: %w", err)
			}
		case strings.HasPrefix(line, "# runtime.MemStats"):
			flush()
			return top(sites, n), nil // the rest is MemStats, for people
		case strings.HasPrefix(line, "#"):
			if pending == nil {
				return nil, fmt.Errorf("heap profile line %d: a stack frame outside a record: %q", lineNo, line)
			}
			f := strings.Fields(line)
			if len(f) < 3 {
				return nil, fmt.Errorf("heap profile line %d: want \"# pc function+offset file:line\", got %q", lineNo, line)
			}
			fn, _, _ := strings.Cut(f[2], "+0x")
			pending.frames = append(pending.frames, fn)
		case strings.TrimSpace(line) == "":
			flush()
		default:
			flush()
			rec, err := parseRecord(line)
			if err != nil {
				return nil, fmt.Errorf("heap profile line %d: %w", lineNo, err)
			}
			pending = rec
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("heap profile: %w", err)
	}
	if lineNo == 0 {
		return nil, fmt.Errorf("heap profile: empty")
	}
	flush()
	return top(sites, n), nil
}

// record is one sampled stack: its in-use objects and bytes, its frames.
type record struct {
	objects, bytes int64
	frames         []string
}

// site is the first frame outside the runtime; if every frame is in the
// runtime (its own allocations), the first one.
func (r *record) site() string {
	for _, f := range r.frames {
		if !strings.HasPrefix(f, "runtime.") && !strings.HasPrefix(f, "internal/runtime/") {
			return f
		}
	}
	if len(r.frames) > 0 {
		return r.frames[0]
	}
	return ""
}

// parseHeader reads "heap profile: 1: 2 [3: 4] @ heap/1048576" and returns
// the sampling rate (half the number after heap/).
func parseHeader(line string) (int64, error) {
	rest, ok := strings.CutPrefix(line, "heap profile: ")
	if !ok {
		return 0, fmt.Errorf("not a heap profile in the debug=1 text format (it starts %.40q)", line)
	}
	_, after, ok := strings.Cut(rest, "@ heap/")
	if !ok {
		return 0, fmt.Errorf("no \"@ heap/<rate>\" in %q", line)
	}
	r, err := strconv.ParseInt(strings.TrimSpace(after), 10, 64)
	if err != nil || r < 0 {
		return 0, fmt.Errorf("bad sampling rate in %q", line)
	}
	return r / 2, nil
}

// parseRecord reads "io: ib [ao: ab] @ 0x1 0x2".
func parseRecord(line string) (*record, error) {
	counts, _, ok := strings.Cut(line, "@")
	if !ok {
		return nil, fmt.Errorf("want \"objects: bytes [objects: bytes] @ stack\", got %.60q", line)
	}
	inuse, _, ok := strings.Cut(counts, "[")
	if !ok {
		return nil, fmt.Errorf("no [allocated] counts in %.60q", line)
	}
	o, b, ok := strings.Cut(inuse, ":")
	if !ok {
		return nil, fmt.Errorf("no \"objects: bytes\" in %.60q", line)
	}
	objs, err1 := strconv.ParseInt(strings.TrimSpace(o), 10, 64)
	bytes, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil || objs < 0 || bytes < 0 {
		return nil, fmt.Errorf("bad in-use counts in %.60q", line)
	}
	return &record{objects: objs, bytes: bytes}, nil
}

// scale undoes the sampling as pprof does: an allocation of s bytes is
// sampled with probability 1 - e^(-s/rate), so divide by that.
func scale(objects, bytes, rate int64) (int64, int64) {
	if objects == 0 || bytes == 0 || rate <= 1 {
		return objects, bytes
	}
	avg := float64(bytes) / float64(objects)
	f := 1 / (1 - math.Exp(-avg/float64(rate)))
	return int64(float64(objects) * f), int64(float64(bytes) * f)
}

// top sorts sites by bytes in use, largest first, and keeps n.
func top(sites map[string]*Site, n int) []Site {
	out := make([]Site, 0, len(sites))
	for _, s := range sites {
		if s.InuseBytes > 0 {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b Site) int {
		if c := cmp.Compare(b.InuseBytes, a.InuseBytes); c != 0 {
			return c
		}
		return strings.Compare(a.Func, b.Func)
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}
