package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// progressBudget is how long the progress view may spend re-running labs
// whose files changed since their last result (about three labs, warm).
// Past it, or when a rebuild is due (a new Go release, changed
// dependencies), the last results are shown marked stale: answering at
// once beats waiting a minute for labs the learner is not working on.
const progressBudget = 3 * time.Second

// cmdProgress is the no-argument view: every lab, one line each, grouped
// by chapter. Labs whose inputs did not change answer from their last
// result, so an unchanged course answers without running go test. It
// never uses -race: a progress view needs outcomes, and race builds are
// the slow ones.
func cmdProgress(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("progress", "[-refresh]", "Show every lab's progress and the next command to run. A lab whose files\n"+
		"are unchanged since its last result answers from it; a changed one runs\n"+
		"again (without -race) when that takes a few seconds, else its last result\n"+
		"is shown marked stale. A lab never run whose exercise is as committed is\n"+
		"not started, with nothing to run.")
	refresh := fs.Bool("refresh", false, a.tr("run every lab again now, however long it takes"))
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	repo, st, err := a.open()
	if err != nil {
		return err
	}
	if len(repo.Labs) == 0 {
		a.out.Println(a.tr("no labs yet: no ch*/ directory holds a lab with exercise/ and solution/."))
		return nil
	}
	reports, err := a.reports(ctx, repo, repo.Labs, runMode{budget: progressBudget, refresh: *refresh})
	if err != nil {
		return err
	}
	for _, r := range reports {
		r.remember(st)
	}
	a.saveState(repo, st)
	printProgress(a.out, repo, reports, st, a.now())
	a.out.Println()
	var reasons []string
	stale := map[string][]string{} // reason → labs
	for _, r := range reports {
		if r.From == fromStale {
			if stale[r.StaleWhy] == nil {
				reasons = append(reasons, r.StaleWhy)
			}
			stale[r.StaleWhy] = append(stale[r.StaleWhy], repo.ShortName(r.Lab))
		}
	}
	for _, why := range reasons {
		a.out.Printf(a.tr("%s %s: shown from the last run (%s).\n"), a.out.paint(yellow, a.tr("stale:")), strings.Join(stale[why], ", "), a.tr(why))
	}
	if len(reasons) > 0 {
		a.out.Printf(a.tr("  %s re-runs them now; check re-runs one.\n"), a.out.paint(cyan, "go run ./scripts/lab -refresh"))
	}
	if nextLab(repo, st, nil) == nil {
		a.out.Printf(a.tr("every lab is done. next: %s\n"), a.out.paint(cyan, "go run ./scripts/lab verify"))
		return nil
	}
	a.out.Printf(a.tr("next: %s\n"), a.out.paint(cyan, nextCommand(repo, st, nil)))
	return nil
}

// printProgress prints one line per lab, grouped by chapter, with a lab's
// best drill time when it has one.
func printProgress(o *Out, repo *Repo, reports []*LabReport, st *State, now time.Time) {
	width := 0
	for _, r := range reports {
		width = max(width, len(r.Lab.ID)-len(r.Lab.Chapter)-1)
	}
	chapter := ""
	for _, r := range reports {
		if r.Lab.Chapter != chapter {
			chapter = r.Lab.Chapter
			o.Printf("%s\n", o.paint(bold, chapter))
		}
		done, total := r.StepsDone()
		word := r.Progress()
		colour := dim
		switch word {
		case "done":
			colour = green
		case "in progress":
			colour = yellow
		case "build fails":
			colour = red
		}
		rest := strings.TrimPrefix(r.Lab.ID, r.Lab.Chapter+"/")
		pass, tests := r.TestsPassing()
		note := fmt.Sprintf(o.tr("(%d/%d tests passing)"), pass, tests)
		switch r.From {
		case fromCommitted:
			note = o.tr("(as committed, not run yet)")
		case fromStale:
			note = fmt.Sprintf(o.tr("(%d/%d tests passing, stale)"), pass, tests)
		}
		if d := drillNote(o, st.Labs[r.Lab.ID], now); d != "" {
			note += "  " + d
		}
		o.Printf(o.tr("  %-*s  %s  %d/%d steps  %s\n"), width, rest, o.paint(colour, padRight(o.tr(word), 11)),
			done, total, o.paint(dim, note))
		if r.GuideErr != nil && total == 0 {
			o.Printf("    %s %v\n", o.paint(yellow, "README:"), firstLine(r.GuideErr.Error()))
		}
	}
}

// padRight pads s with spaces to width columns, a wide (CJK) rune
// counting two.
func padRight(s string, width int) string {
	w := 0
	for _, r := range s {
		w++
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 || r >= 0xf900 && r <= 0xfaff || r >= 0xff00 && r <= 0xff60) {
			w++
		}
	}
	return s + strings.Repeat(" ", max(0, width-w))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// cmdCheck runs one lab and shows it step by step.
func cmdCheck(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("check", "[lab]", "Run the lab's exercise tests and show one line per step, the first\n"+
		"unfinished step in full, and the command that reproduces it. Without a\n"+
		"lab, the lab you are on. When nothing the result depends on changed since\n"+
		"the last check, it answers from that result at once (-fresh runs anyway).\n"+
		"Exits 0 once it has shown the result, done or not; with -exit-code, 1\n"+
		"unless every step is done (for scripts).")
	fresh := fs.Bool("fresh", false, a.tr("run the tests even when nothing changed since the last check"))
	exitCode := fs.Bool("exit-code", false, a.tr("exit 1 unless every step is done"))
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	repo, st, lab, err := a.openLab(pos)
	if err != nil {
		return err
	}
	done, err := a.check(ctx, repo, st, lab, *fresh)
	if err != nil {
		return err
	}
	if *exitCode && !done {
		return exitError{1}
	}
	return nil
}

// check runs (or recalls) and prints one lab, records the result, and says
// whether the lab is done.
func (a *app) check(ctx context.Context, repo *Repo, st *State, lab *Lab, fresh bool) (bool, error) {
	race, why := raceSupport(ctx)
	if !race {
		a.out.Printf("%s\n", a.out.paint(dim, a.tr("note: running without -race: ")+why))
	}
	reports, err := a.reports(ctx, repo, []*Lab{lab}, runMode{race: race, vet: true, strict: true, refresh: fresh})
	if err != nil {
		return false, err
	}
	r := reports[0]
	if r.From == fromRecord {
		a.out.Printf("%s\n", a.out.paint(dim, fmt.Sprintf(a.tr("(unchanged since the check at %s; -fresh runs it again)"), r.At.Local().Format("15:04:05"))))
	}
	r.remember(st)
	a.saveState(repo, st)
	printCheck(a.out, a.localize(r), race, nextCommand(repo, st, lab))
	a.reportRoom(repo, r)
	return r.Done, nil
}
