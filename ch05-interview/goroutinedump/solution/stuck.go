package solution

import (
	"cmp"
	"slices"
	"strings"
)

// Stuck groups the goroutines that are blocked inside package pkg (an
// import path, e.g. "example.com/ledger"): those with a frame in pkg whose
// state is anything but running or runnable. Goroutines stuck in the same
// state at the same line of pkg form one group, keyed by the innermost
// frame in pkg: a thousand requests queued on one lock are one line of the
// answer, and the single goroutine holding that lock (stuck somewhere else)
// is another. Largest group first; ties by longest wait, then by place.
func Stuck(gs []Goroutine, pkg string) []Group {
	type key struct {
		state string
		frame Frame
	}
	groups := map[key]*Group{}
	for _, g := range gs {
		if g.State == "running" || g.State == "runnable" {
			continue
		}
		f, ok := innermost(g.Frames, pkg)
		if !ok {
			continue
		}
		k := key{g.State, f}
		gr := groups[k]
		if gr == nil {
			gr = &Group{State: g.State, Frame: f}
			groups[k] = gr
		}
		gr.Count++
		gr.IDs = append(gr.IDs, g.ID)
		gr.Wait = max(gr.Wait, g.Wait)
	}
	out := make([]Group, 0, len(groups))
	for _, gr := range groups {
		slices.Sort(gr.IDs)
		out = append(out, *gr)
	}
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(b.Wait, a.Wait),
			strings.Compare(a.Frame.Func, b.Frame.Func),
			cmp.Compare(a.Frame.Line, b.Frame.Line),
			strings.Compare(a.State, b.State),
		)
	})
	return out
}

// innermost is the first frame whose function is in pkg: "pkg.F",
// "pkg.(*T).M", "pkg.F.func1", but not "pkg/sub.F" or "pkgextra.F".
func innermost(frames []Frame, pkg string) (Frame, bool) {
	for _, f := range frames {
		if rest, ok := strings.CutPrefix(f.Func, pkg+"."); ok && rest != "" {
			return f, true
		}
	}
	return Frame{}, false
}
