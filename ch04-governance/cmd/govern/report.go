package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grpclabs/labs/ch04-governance/resilience/policy"
)

// screen prints the live view: on a terminal, a table redrawn in place
// every tick under the events, which scroll above it; anywhere else
// (a file, a pipe, a test), the events and one plain line per tick.
type screen struct {
	w        io.Writer
	tty      bool
	header   string
	duration time.Duration // of the run, 0 for none
	last     *tick         // the table on screen (a terminal)
	drawn    int           // its lines, to draw over
}

// isTerminal reports whether w is a terminal that understands cursor
// movement.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

const (
	ansiUp    = "\x1b[%dA\r\x1b[J" // cursor up n lines, then clear to the end of the screen
	ansiRed   = "\x1b[31m"
	ansiAmber = "\x1b[33m"
	ansiDim   = "\x1b[2m"
	ansiOff   = "\x1b[0m"
)

// show prints a tick and the events that came before it.
func (s *screen) show(t tick, evs []event) {
	s.last = &t
	s.flush(evs)
	if !s.tty {
		fmt.Fprintln(s.w, plainLine(t))
	}
}

// flush prints events; on a terminal it draws the table again under them.
func (s *screen) flush(evs []event) {
	if s.tty && s.drawn > 0 {
		fmt.Fprintf(s.w, ansiUp, s.drawn)
	}
	for _, e := range evs {
		fmt.Fprintf(s.w, "%7s  %s\n", seconds(e.At), e.Text)
	}
	if s.tty && s.last != nil {
		table := s.table(*s.last)
		fmt.Fprint(s.w, table)
		s.drawn = strings.Count(table, "\n")
	}
}

// table is the terminal's view of one tick.
func (s *screen) table(t tick) string {
	var b strings.Builder
	of := ""
	if s.duration > 0 {
		of = " of " + seconds(s.duration)
	}
	etcd := "etcd up"
	if t.Etcd == "down" {
		etcd = colour(ansiRed, "etcd DOWN")
	}
	fmt.Fprintf(&b, "\n%s  %s%s  %s\n", s.header, seconds(t.At), of, etcd)
	fmt.Fprintf(&b, "client: %d calls/s  %d ok  %d failed  %d limited  p99 %s\n", t.Client.Calls, t.Client.OK, t.Client.Failed, t.Client.Limited, ms(t.P99))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "backend\tweight\tlisted\tstate\tattempts/s\tok\tfailed\tlimited\tp99\ttotal\tbreaker")
	for _, r := range t.Backends {
		listed := "yes"
		if !r.Listed {
			listed = "no"
		}
		// The breaker is after the last tab, outside the columns: its
		// colour codes take bytes but no width.
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%d\t%s\n",
			r.ID, r.Weight, listed, r.State, r.Tick.Calls, r.Tick.OK, r.Tick.Failed, r.Tick.Limited, ms(r.P99), r.Total.Calls, paint(r.Breaker))
	}
	tw.Flush()
	return b.String()
}

// paint colours a breaker state for a terminal.
func paint(s policy.State) string {
	switch s {
	case policy.Open:
		return colour(ansiRed, s.String())
	case policy.HalfOpen:
		return colour(ansiAmber, s.String())
	}
	return colour(ansiDim, s.String())
}

// colour wraps s in an ANSI colour, unless NO_COLOR says not to.
func colour(code, s string) string {
	if os.Getenv("NO_COLOR") != "" {
		return s
	}
	return code + s + ansiOff
}

// plainLine is one tick on one line, saying only what is not the usual:
//
//	12s  calls 100: 100 ok, p99 1.1ms | b1 75 | b2 0, killed, breaker open | b3 1, 1 failed, failing, breaker open
func plainLine(t tick) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%7s  calls %d: %d ok", seconds(t.At), t.Client.Calls, t.Client.OK)
	if t.Client.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", t.Client.Failed)
	}
	if t.Client.Limited > 0 {
		fmt.Fprintf(&b, ", %d limited", t.Client.Limited)
	}
	fmt.Fprintf(&b, ", p99 %s", ms(t.P99))
	if t.Etcd == "down" {
		b.WriteString(", etcd down")
	}
	for _, r := range t.Backends {
		fmt.Fprintf(&b, " | %s %d", r.ID, r.Tick.Calls)
		if r.Tick.Failed > 0 {
			fmt.Fprintf(&b, ", %d failed", r.Tick.Failed)
		}
		if r.Tick.Limited > 0 {
			fmt.Fprintf(&b, ", %d limited", r.Tick.Limited)
		}
		if r.State != "up" {
			b.WriteString(", " + r.State)
		}
		if !r.Listed {
			b.WriteString(", unlisted")
		}
		if r.Breaker != policy.Closed {
			fmt.Fprintf(&b, ", breaker %v", r.Breaker)
		}
	}
	return b.String()
}

func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return d.String()
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
	case d < time.Second:
		return fmt.Sprintf("%.0fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Summary is the -json output, one object. Calls are the client's, after
// retries; a backend's are the attempts it got.
type Summary struct {
	Seconds float64 `json:"seconds"`
	Impl    string  `json:"impl"`
	Policy  string  `json:"policy"`
	Rate    float64 `json:"rate"`
	counts
	P99ms    float64                   `json:"p99_ms"`
	Backends map[string]BackendSummary `json:"backends"`
	EtcdDown []OutageSummary           `json:"etcd_down"`
	Events   []event                   `json:"events"`
	Ticks    []TickSummary             `json:"ticks"`
}

// BackendSummary is one backend over the run.
type BackendSummary struct {
	Weight int `json:"weight"`
	counts
	P99ms         float64 `json:"p99_ms"`
	State         string  `json:"state"`
	Listed        bool    `json:"listed"`
	Breaker       string  `json:"breaker"`
	BreakerOpened int     `json:"breaker_opened"`
}

// OutageSummary is the calls started while etcd was unreachable.
type OutageSummary struct {
	FromMS int64 `json:"from_ms"`
	ToMS   int64 `json:"to_ms"`
	counts
}

// TickSummary is one tick: the client's calls, the attempts each backend
// got, and how many of them it answered successfully.
type TickSummary struct {
	AtMS int64 `json:"at_ms"`
	counts
	AttemptsByBackend map[string]int `json:"attempts_by_backend"`
	OKByBackend       map[string]int `json:"ok_by_backend"`
}

// summary is the run as a Summary.
func (f *fleet) summary(impl, pol string, rate float64) Summary {
	f.mu.Lock()
	ids := f.order
	bs := map[string]breaker{}
	for id, b := range f.breakers {
		bs[id] = b
	}
	f.mu.Unlock()
	states := map[string]policy.State{}
	for id, b := range bs {
		states[id] = b.State()
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	s := Summary{Seconds: time.Since(f.start).Seconds(), Impl: impl, Policy: pol, Rate: rate,
		counts: f.client.total.counts, P99ms: msOf(f.client.total.lat.quantile(0.99)),
		Backends: map[string]BackendSummary{}, EtcdDown: []OutageSummary{}, Events: f.events, Ticks: []TickSummary{}}
	for _, id := range ids {
		b := f.backends[id]
		s.Backends[id] = BackendSummary{Weight: b.weight, counts: b.total.counts, P99ms: msOf(b.total.lat.quantile(0.99)),
			State: b.state, Listed: f.listed[id], Breaker: states[id].String(), BreakerOpened: b.opened}
	}
	for _, w := range f.windows {
		to := min(w.to, time.Since(f.start)) // the run may end first
		s.EtcdDown = append(s.EtcdDown, OutageSummary{FromMS: w.from.Milliseconds(), ToMS: to.Milliseconds(), counts: w.counts})
	}
	for _, t := range f.ticks {
		ts := TickSummary{AtMS: t.At.Milliseconds(), counts: t.Client, AttemptsByBackend: map[string]int{}, OKByBackend: map[string]int{}}
		for _, r := range t.Backends {
			ts.AttemptsByBackend[r.ID] = r.Tick.Calls
			ts.OKByBackend[r.ID] = r.Tick.OK
		}
		s.Ticks = append(s.Ticks, ts)
	}
	return s
}

// printSummary prints s for people.
func printSummary(w io.Writer, s Summary, order []string) {
	fmt.Fprintf(w, "\nsummary: %.1fs, impl=%s, policy=%s, %v calls/s\n", s.Seconds, s.Impl, s.Policy, s.Rate)
	fmt.Fprintf(w, "client: %d calls: %d ok, %d failed, %d limited; p99 %.2fms\n", s.Calls, s.OK, s.Failed, s.Limited, s.P99ms)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "backend\tweight\tattempts\tok\tfailed\tlimited\tp99\tstate\tlisted\tbreaker (times opened)")
	for _, id := range order {
		b := s.Backends[id]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.2fms\t%s\t%v\t%s (%d)\n", id, b.Weight, b.Calls, b.OK, b.Failed, b.Limited, b.P99ms, b.State, b.Listed, b.Breaker, b.BreakerOpened)
	}
	tw.Flush()
	for _, o := range s.EtcdDown {
		fmt.Fprintf(w, "while etcd was down (%s..%s): %d calls: %d ok, %d failed, %d limited\n",
			seconds(time.Duration(o.FromMS)*time.Millisecond), seconds(time.Duration(o.ToMS)*time.Millisecond), o.Calls, o.OK, o.Failed, o.Limited)
	}
}

func writeJSON(w io.Writer, s Summary) error {
	enc := json.NewEncoder(w)
	return enc.Encode(s)
}
