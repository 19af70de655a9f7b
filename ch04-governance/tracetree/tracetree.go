// Package tracetree turns finished spans into traces and draws each one
// as a waterfall in the terminal: one line per span, indented under its
// parent, with its service, a bar for when it ran, its duration and its
// status. It reads spans from an OTLP/gRPC export (the Receiver, which is
// the collector's TraceService) or from the JSON the OpenTelemetry stdout
// exporter writes (ReadJSON). cmd/tracetree is the program around it.
package tracetree

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Span is a finished span, reduced to what a waterfall shows.
type Span struct {
	TraceID  string // 32 lowercase hex digits
	SpanID   string // 16 lowercase hex digits
	ParentID string // "" for a root
	Service  string // the resource's service.name
	Name     string
	Kind     string // server, client, internal, producer, consumer, or ""
	Start    time.Time
	End      time.Time
	Status   string // "Error", "Ok" or "" (unset)
	Message  string // the status description
}

// Duration is how long the span ran.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// check reports what makes s unusable.
func (s Span) check() error {
	if err := hexID(s.TraceID, 16, "trace id"); err != nil {
		return err
	}
	if err := hexID(s.SpanID, 8, "span id"); err != nil {
		return err
	}
	if s.ParentID != "" {
		if err := hexID(s.ParentID, 8, "parent span id"); err != nil {
			return err
		}
	}
	if s.End.Before(s.Start) {
		return fmt.Errorf("span %s ends (%v) before it starts (%v)", s.SpanID, s.End, s.Start)
	}
	return nil
}

func hexID(id string, n int, what string) error {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != n || strings.ToLower(id) != id {
		return fmt.Errorf("%s %q is not %d lowercase hex digits", what, id, 2*n)
	}
	if strings.Trim(id, "0") == "" {
		return fmt.Errorf("%s is all zeros", what)
	}
	return nil
}

// Node is a span in its trace's tree.
type Node struct {
	Span
	Children []*Node
}

// Trace is the spans of one trace id, as a tree.
type Trace struct {
	ID    string
	Roots []*Node // spans without a parent, by start time
	// Orphans are spans whose parent is not among the trace's spans (it
	// was not sampled, not exported yet, or lost); each heads a subtree.
	Orphans  []*Node
	Spans    int
	Services []string
	Start    time.Time
	End      time.Time
}

// Complete reports whether the trace has a root and no orphans.
func (t *Trace) Complete() bool { return len(t.Roots) > 0 && len(t.Orphans) == 0 }

// Assemble groups spans by trace id and builds each tree. Traces come out
// in the order they started. A span id seen twice in one trace is kept
// once (the exporter retried).
func Assemble(spans []Span) []*Trace {
	byTrace := map[string][]Span{}
	var order []string
	for _, s := range spans {
		if _, ok := byTrace[s.TraceID]; !ok {
			order = append(order, s.TraceID)
		}
		byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
	}
	var traces []*Trace
	for _, id := range order {
		traces = append(traces, build(id, byTrace[id]))
	}
	slices.SortStableFunc(traces, func(a, b *Trace) int { return a.Start.Compare(b.Start) })
	return traces
}

func build(id string, spans []Span) *Trace {
	t := &Trace{ID: id}
	nodes := map[string]*Node{}
	var all []*Node
	for _, s := range spans {
		if _, dup := nodes[s.SpanID]; dup {
			continue
		}
		n := &Node{Span: s}
		nodes[s.SpanID] = n
		all = append(all, n)
	}
	services := map[string]bool{}
	for i, n := range all {
		if i == 0 || n.Start.Before(t.Start) {
			t.Start = n.Start
		}
		if n.End.After(t.End) {
			t.End = n.End
		}
		services[n.Service] = true
		switch parent, ok := nodes[n.ParentID]; {
		case n.ParentID == "":
			t.Roots = append(t.Roots, n)
		case ok && parent != n:
			parent.Children = append(parent.Children, n)
		default:
			t.Orphans = append(t.Orphans, n)
		}
	}
	byStart := func(a, b *Node) int { return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.SpanID, b.SpanID)) }
	for _, n := range all {
		slices.SortFunc(n.Children, byStart)
	}
	slices.SortFunc(t.Roots, byStart)
	slices.SortFunc(t.Orphans, byStart)
	t.Spans = len(all)
	for s := range services {
		t.Services = append(t.Services, s)
	}
	slices.Sort(t.Services)
	return t
}

// BarWidth is the width of the waterfall's time axis, in characters.
const BarWidth = 40

// Render draws t as a waterfall.
func (t *Trace) Render(w io.Writer) error {
	total := t.End.Sub(t.Start)
	var b strings.Builder
	fmt.Fprintf(&b, "trace %s  %d spans, %d services (%s), %v\n", t.ID, t.Spans, len(t.Services), strings.Join(t.Services, ", "), round(total))
	type line struct {
		n      *Node
		prefix string
		note   string
	}
	var lines []line
	var walk func(n *Node, prefix, childPrefix, note string)
	walk = func(n *Node, prefix, childPrefix, note string) {
		lines = append(lines, line{n, prefix, note})
		for i, c := range n.Children {
			if i == len(n.Children)-1 {
				walk(c, childPrefix+"└─ ", childPrefix+"   ", "")
			} else {
				walk(c, childPrefix+"├─ ", childPrefix+"│  ", "")
			}
		}
	}
	for _, r := range t.Roots {
		walk(r, "", "", "")
	}
	for _, o := range t.Orphans {
		walk(o, "? ", "  ", fmt.Sprintf("parent %s never arrived", o.ParentID))
	}
	svcWidth, nameWidth := len("SERVICE"), len("SPAN")
	for _, l := range lines {
		svcWidth = max(svcWidth, utf8.RuneCountInString(l.n.Service))
		nameWidth = max(nameWidth, utf8.RuneCountInString(l.prefix+l.n.Name))
	}
	axis := round(total).String()
	axis = "0" + strings.Repeat(" ", max(0, BarWidth-1-utf8.RuneCountInString(axis))) + axis
	row := func(cols ...string) {
		b.WriteString(strings.TrimRight("  "+strings.Join(cols, "  "), " ") + "\n")
	}
	row(pad("SERVICE", svcWidth), pad("SPAN", nameWidth), axis, fmt.Sprintf("%9s", "DURATION"), "STATUS")
	for _, l := range lines {
		status := statusText(l.n.Span)
		if l.note != "" {
			status = strings.TrimSpace(status + " (" + l.note + ")")
		}
		row(pad(l.n.Service, svcWidth), pad(l.prefix+l.n.Name, nameWidth), bar(l.n.Span, t.Start, total), fmt.Sprintf("%9v", round(l.n.Duration())), status)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}

// bar draws when s ran on an axis from start over total.
func bar(s Span, start time.Time, total time.Duration) string {
	if total <= 0 {
		return strings.Repeat("█", BarWidth)
	}
	from := int(float64(s.Start.Sub(start)) / float64(total) * BarWidth)
	to := int(float64(s.End.Sub(start))/float64(total)*BarWidth + 0.999)
	from = min(max(from, 0), BarWidth-1)
	to = min(max(to, from+1), BarWidth) // at least one block: a span too short to see is still there
	return strings.Repeat("·", from) + strings.Repeat("█", to-from) + strings.Repeat("·", BarWidth-to)
}

func statusText(s Span) string {
	switch s.Status {
	case "Error":
		if s.Message != "" {
			return "ERROR " + s.Message
		}
		return "ERROR"
	case "Ok":
		return "ok"
	}
	return ""
}

// round keeps durations readable: microseconds below a millisecond, else
// tenths of milliseconds.
func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}
