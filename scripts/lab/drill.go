package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// drillChapter holds the interview drills: a drill is a lab there. Any
// other lab may be timed too, for practice.
const drillChapter = "ch05-interview"

// How a drill ended.
const (
	drillDone    = "done"    // every step passed in time
	drillTimeUp  = "time up" // the budget ran out first
	drillDropped = "dropped" // a new attempt (-reset) replaced an open one
)

// cmdDrill times a lab: it shows the question and the budget, runs the
// suite on every save as watch does, and ends when every step passes or
// the time is up, with the time taken, the steps done and where the model
// answer is. Ctrl-C pauses the screen, not the clock: the attempt stays
// open and `drill <lab>` resumes it.
func cmdDrill(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("drill", "[lab] [-reset]", a.tr("Time yourself on an interview drill (a lab of ch05-interview): the question and\n"+
		"the time budget from its README, then the suite on every save, as watch\n"+
		"does, until every step passes or the time is up. Without a lab, a drill\n"+
		"you have not done yet. Ctrl-C stops watching but not the clock: run drill\n"+
		"again to resume. Any other lab can be timed the same way, for practice."))
	reset := fs.Bool("reset", false, a.tr("start afresh: back up your exercise (restore brings it back), restore the committed one, and start a new clock"))
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	repo, st, err := a.open()
	if err != nil {
		return err
	}
	var lab *Lab
	if len(pos) == 1 {
		if lab, err = repo.FindLab(pos[0]); err != nil {
			return err
		}
	} else if lab = pickDrill(repo, st, a.drillChapter()); lab == nil {
		a.printDrillsDone(repo, st)
		return nil
	}
	g, _ := readGuide(lab.Dir)
	if g.Minutes == 0 {
		return fmt.Errorf(a.tr("%s has no time budget: its README has no \"Time: about N minutes\" line"), lab.ID)
	}
	ls := st.Lab(lab.ID)
	d := openDrill(ls)
	if d != nil && *reset {
		d.End, d.Result = a.now(), drillDropped
		d = nil
	}
	if d == nil {
		changed, ok := changedExercises(ctx, repo.Root, []*Lab{lab})
		if ok && len(changed[lab]) > 0 {
			if !*reset {
				return fmt.Errorf(a.tr("your %s exercise has changes, and a drill starts from the committed one:\n"+
					"  %s backs yours up and starts afresh (restore brings it back)"), lab.ID,
					"go run ./scripts/lab drill "+repo.ShortName(lab)+" -reset")
			}
			backup, err := resetLab(ctx, repo.Root, a.dataDir(repo.Root), lab, a.now().Format("20060102-150405"))
			if backup != "" {
				a.out.Printf(a.tr("your previous exercise is saved in %s\n"), relSlash(repo.Root, backup))
			}
			if err != nil {
				return err
			}
		}
		ls.Drills = append(ls.Drills, Drill{Start: a.now(), Minutes: g.Minutes})
		d = &ls.Drills[len(ls.Drills)-1]
		a.saveState(repo, st)
	}
	a.drillHeader(repo, lab, g, d)
	budget := time.Duration(d.Minutes) * time.Minute
	finish := func(result string) {
		d.End, d.Result = a.now(), result
		d.Steps, d.Of = 0, 0
		for _, s := range ls.Steps { // the last check's, as check remembered them
			if s.N > 0 {
				d.Of++
				if s.Status == stDone {
					d.Steps++
				}
			}
		}
		a.saveState(repo, st)
		a.drillSummary(repo, lab, ls, d)
	}
	stopped := a.watchLoop(ctx, repo, st, lab, func() {
		a.out.Printf("%s\n", a.out.paint(bold, fmt.Sprintf(a.tr("drill %s · %s of %s"), repo.ShortName(lab),
			clock(a.now().Sub(d.Start)), clock(budget))))
	}, func(done bool) bool {
		if done {
			finish(drillDone)
			return true
		}
		return false
	}, func(changed bool) bool {
		if a.now().Sub(d.Start) < budget {
			return false
		}
		if changed { // a last save before the bell counts
			return false
		}
		finish(drillTimeUp)
		return true
	})
	if !stopped {
		a.out.Printf(a.tr("paused: the clock keeps running (%s of %s used). resume: %s\n"),
			clock(a.now().Sub(d.Start)), clock(budget), a.out.paint(cyan, "go run ./scripts/lab drill "+repo.ShortName(lab)))
	}
	return nil
}

func (a *app) drillChapter() string {
	if a.drills != "" {
		return a.drills
	}
	return drillChapter
}

// openDrill is the lab's attempt still running, if any.
func openDrill(ls *LabState) *Drill {
	if n := len(ls.Drills); n > 0 && ls.Drills[n-1].End.IsZero() {
		return &ls.Drills[n-1]
	}
	return nil
}

// bestDrill is the fastest attempt that passed every step, if any.
func bestDrill(ls *LabState) *Drill {
	var best *Drill
	for i := range ls.Drills {
		d := &ls.Drills[i]
		if d.Result == drillDone && (best == nil || d.End.Sub(d.Start) < best.End.Sub(best.Start)) {
			best = d
		}
	}
	return best
}

// pickDrill is the drill to do next: one left open, else the first drill
// with no finished attempt whose lab is not done; nil when there is none.
func pickDrill(repo *Repo, st *State, chapter string) *Lab {
	var drills []*Lab
	for _, l := range repo.Labs {
		if l.Chapter == chapter {
			drills = append(drills, l)
		}
	}
	for _, l := range drills {
		if ls := st.Labs[l.ID]; ls != nil && openDrill(ls) != nil {
			return l
		}
	}
	i := slices.IndexFunc(drills, func(l *Lab) bool {
		ls := st.Labs[l.ID]
		return ls == nil || bestDrill(ls) == nil && !ls.Done
	})
	if i < 0 {
		return nil
	}
	return drills[i]
}

// drillHeader shows the question, the budget and the clock.
func (a *app) drillHeader(repo *Repo, lab *Lab, g *Guide, d *Drill) {
	o := a.out
	if lab.Chapter != a.drillChapter() {
		o.Printf("%s\n", o.paint(dim, fmt.Sprintf(a.tr("(%s is a lab, not an interview drill: timed anyway, for practice)"), lab.ID)))
	}
	o.Printf("%s\n\n", o.paint(bold, fmt.Sprintf(a.tr("Drill: %s, %d minutes"), lab.ID, d.Minutes)))
	if q := a.localGuide(lab, g).Goal; q != "" {
		o.Printf("%s\n\n", indent(wrap(q, 72), "  "))
	}
	started := fmt.Sprintf(a.tr("clock started at %s"), d.Start.Local().Format("15:04:05"))
	if used := a.now().Sub(d.Start); used >= time.Second {
		started += fmt.Sprintf(a.tr(" (resumed: %s used)"), clock(used))
	}
	o.Printf(a.tr("%s. %s\n"), started, fmt.Sprintf(a.tr("Steps and hints: %s/README.md. Edit %s/exercise/: the suite runs on every save."), lab.ID, lab.ID))
	o.Printf("%s\n\n", o.paint(dim, a.tr("Ctrl-C stops watching; the clock runs on until you are done or the time is up.")))
}

// drillSummary is the end of an attempt: the time, the steps, the model
// answer, the best time.
func (a *app) drillSummary(repo *Repo, lab *Lab, ls *LabState, d *Drill) {
	o := a.out
	took := d.End.Sub(d.Start)
	budget := time.Duration(d.Minutes) * time.Minute
	o.Println()
	if d.Result == drillDone {
		o.Printf("%s %s\n", o.paint(green, "✓"), o.paint(bold, fmt.Sprintf(a.tr("%s done in %s (budget %s), %d/%d steps."), lab.ID, clock(took), clock(budget), d.Steps, d.Of)))
	} else {
		o.Printf("%s %s\n", o.paint(yellow, "⏱"), o.paint(bold, fmt.Sprintf(a.tr("time is up: %s, %d/%d steps done in %s."), lab.ID, d.Steps, d.Of, clock(took))))
	}
	if best := bestDrill(ls); best != nil {
		o.Printf(a.tr("best time: %s (%s)\n"), clock(best.End.Sub(best.Start)), best.Start.Local().Format("2006-01-02"))
	}
	o.Printf(a.tr("model answer: %s/solution/ and the Explanation in %s/README.md\n"), lab.ID, lab.ID)
	o.Printf(a.tr("compare: %s   again: %s\n"), o.paint(cyan, "go run ./scripts/lab diff "+repo.ShortName(lab)),
		o.paint(cyan, "go run ./scripts/lab drill "+repo.ShortName(lab)+" -reset"))
}

// printDrillsDone answers `drill` when every drill has a finished attempt.
func (a *app) printDrillsDone(repo *Repo, st *State) {
	a.out.Printf("%s\n", a.tr("every drill is done; your best times:"))
	for _, l := range repo.Labs {
		if l.Chapter != a.drillChapter() {
			continue
		}
		best := "-"
		if ls := st.Labs[l.ID]; ls != nil {
			if b := bestDrill(ls); b != nil {
				best = clock(b.End.Sub(b.Start))
			}
		}
		a.out.Printf("  %-16s %s\n", repo.ShortName(l), best)
	}
	a.out.Printf(a.tr("again: %s\n"), a.out.paint(cyan, "go run ./scripts/lab drill <drill> -reset"))
}

// drillNote is the progress view's word on a lab's drills, "" if none.
func drillNote(o *Out, ls *LabState, now time.Time) string {
	if ls == nil {
		return ""
	}
	if d := openDrill(ls); d != nil {
		return fmt.Sprintf(o.tr("drill running: %s of %d min"), clock(now.Sub(d.Start)), d.Minutes)
	}
	if b := bestDrill(ls); b != nil {
		return fmt.Sprintf(o.tr("drill best %s of %d min"), clock(b.End.Sub(b.Start)), b.Minutes)
	}
	return ""
}

// clock formats a duration as m:ss, or h:mm:ss past an hour.
func clock(d time.Duration) string {
	d = max(d, 0).Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// wrap breaks text into lines of at most width runes, at spaces.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
