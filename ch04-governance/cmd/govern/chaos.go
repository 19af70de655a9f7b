package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grpclabs/labs/ch04-governance/registry"
)

// backendSpec is one backend of -backends.
type backendSpec struct {
	id     string
	weight int
}

// backendsFlag is -backends b1=3,b2=2,b3=1.
type backendsFlag []backendSpec

func (f *backendsFlag) String() string {
	var parts []string
	for _, b := range *f {
		parts = append(parts, fmt.Sprintf("%s=%d", b.id, b.weight))
	}
	return strings.Join(parts, ",")
}

func (f *backendsFlag) Set(s string) error {
	var out backendsFlag
	for part := range strings.SplitSeq(s, ",") {
		id, w, hasWeight := strings.Cut(strings.TrimSpace(part), "=")
		weight := 1
		if hasWeight {
			var err error
			if weight, err = strconv.Atoi(w); err != nil {
				return fmt.Errorf("%q: the weight is not a number", part)
			}
		}
		inst := registry.Instance{Service: "greeter", ID: id, Addr: "127.0.0.1:1", Weight: weight}
		if err := inst.Validate(); err != nil {
			return fmt.Errorf("%q: %v", part, err)
		}
		if slices.ContainsFunc(out, func(b backendSpec) bool { return b.id == id }) {
			return fmt.Errorf("%s is named twice", id)
		}
		out = append(out, backendSpec{id: id, weight: weight})
	}
	*f = out
	return nil
}

// span is a stretch of the run, FROM..TO since the load started; to is
// 0 for "until the end".
type span struct{ from, to time.Duration }

func (s span) String() string {
	if s.to == 0 {
		return seconds(s.from)
	}
	return seconds(s.from) + ".." + seconds(s.to)
}

func (s span) overlaps(o span) bool {
	end := func(x span) time.Duration {
		if x.to == 0 {
			return time.Duration(1<<63 - 1)
		}
		return x.to
	}
	return s.from < end(o) && o.from < end(s)
}

// parseSpan reads T or, when ranges are allowed, FROM..TO.
func parseSpan(s string, ranges bool) (span, error) {
	a, b, isRange := strings.Cut(s, "..")
	if isRange && !ranges {
		return span{}, errors.New("want one time, e.g. 10s")
	}
	from, err := time.ParseDuration(a)
	if err != nil || from < 0 {
		return span{}, fmt.Errorf("%q is not a time since the start, e.g. 10s", a)
	}
	sp := span{from: from}
	if isRange {
		if sp.to, err = time.ParseDuration(b); err != nil || sp.to <= from {
			return span{}, fmt.Errorf("%q: want FROM..TO with TO after FROM, e.g. 20s..24s", s)
		}
	}
	return sp, nil
}

// fault is one scheduled fault on a backend.
type fault struct {
	kind string // kill, slow, fail
	id   string
	when span
}

// faultsFlag is a repeatable -kill, -slow or -fail: ID@T, or ID@FROM..TO
// for the faults a backend recovers from.
type faultsFlag struct {
	kind string
	list *[]fault
}

func (f faultsFlag) String() string {
	if f.list == nil {
		return ""
	}
	var parts []string
	for _, x := range *f.list {
		if x.kind == f.kind {
			parts = append(parts, x.id+"@"+x.when.String())
		}
	}
	return strings.Join(parts, " ")
}

func (f faultsFlag) Set(s string) error {
	id, when, ok := strings.Cut(s, "@")
	if !ok || id == "" {
		if f.kind == "kill" {
			return errors.New("want ID@T, e.g. b2@10s")
		}
		return errors.New("want ID@T or ID@FROM..TO, e.g. b3@15s or b3@15s..25s")
	}
	sp, err := parseSpan(when, f.kind != "kill")
	if err != nil {
		return err
	}
	*f.list = append(*f.list, fault{kind: f.kind, id: id, when: sp})
	return nil
}

// outagesFlag is a repeatable -etcd-down FROM..TO.
type outagesFlag []span

func (f *outagesFlag) String() string {
	var parts []string
	for _, s := range *f {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, " ")
}

func (f *outagesFlag) Set(s string) error {
	if !strings.Contains(s, "..") {
		return errors.New("want FROM..TO, e.g. 20s..24s")
	}
	sp, err := parseSpan(s, true)
	if err != nil {
		return err
	}
	*f = append(*f, sp)
	return nil
}

// checkSchedule reports faults the run cannot carry out.
func checkSchedule(backends []backendSpec, faults []fault, outages []span, duration time.Duration) error {
	known := map[string]bool{}
	for _, b := range backends {
		known[b.id] = true
	}
	late := func(s span) bool { return duration > 0 && s.from >= duration }
	for i, f := range faults {
		flag := fmt.Sprintf("-%s %s@%v", f.kind, f.id, f.when)
		switch {
		case !known[f.id]:
			return fmt.Errorf("%s: no backend %q (-backends is %v)", flag, f.id, (*backendsFlag)(&backends))
		case late(f.when):
			return fmt.Errorf("%s: the run ends at %v (-duration)", flag, duration)
		}
		for _, g := range faults[:i] {
			if g.id == f.id && (g.kind == "kill" || f.kind == "kill") && g.kind == f.kind {
				return fmt.Errorf("%s: %s is killed twice", flag, f.id)
			}
			if g.id == f.id && g.kind == f.kind && g.when.overlaps(f.when) {
				return fmt.Errorf("%s overlaps -%s %s@%v", flag, g.kind, g.id, g.when)
			}
		}
	}
	for i, o := range outages {
		if late(o) {
			return fmt.Errorf("-etcd-down %v: the run ends at %v (-duration)", o, duration)
		}
		for _, p := range outages[:i] {
			if o.overlaps(p) {
				return fmt.Errorf("-etcd-down %v overlaps -etcd-down %v", o, p)
			}
		}
	}
	return nil
}

// action is one step of the schedule.
type action struct {
	at time.Duration
	do func()
}
