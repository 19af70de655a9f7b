package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// cmdHint reveals hints one at a time, preferring those for the first step
// the last check found unfinished, and remembers which were shown.
func cmdHint(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("hint", "<lab> [--all]", "Show the next hint for a lab, preferring hints for the first unfinished\nstep of your last check. With --all, show every hint revealed so far.")
	all := fs.Bool("all", false, "show every hint revealed so far instead of a new one")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	repo, st, lab, err := a.openLab(pos)
	if err != nil {
		return err
	}
	g, gerr := readGuide(lab.Dir)
	if len(g.Hints) == 0 {
		if gerr != nil && len(g.Steps) == 0 {
			return fmt.Errorf("no hints for %s: %v", lab.ID, gerr)
		}
		return fmt.Errorf("the README of %s has no hints (a \"## Hints\" section with <details> blocks)", lab.ID)
	}
	ls := st.Lab(lab.ID)
	revealed := map[int]bool{}
	for _, h := range ls.Hints {
		revealed[h.Index] = true
	}
	if *all {
		if len(revealed) == 0 {
			a.out.Printf("no hints revealed yet for %s; run `go run ./scripts/lab hint %s` for the first.\n", lab.ID, repo.ShortName(lab))
			return nil
		}
		for i, h := range g.Hints {
			if revealed[i] {
				printHint(a.out, g, i, h)
			}
		}
		return nil
	}
	i := nextHint(g, ls, revealed)
	if i < 0 {
		a.out.Printf("all %d hints for %s are revealed: `hint %s --all` shows them again, `diff %s` compares with the solution.\n",
			len(g.Hints), lab.ID, repo.ShortName(lab), repo.ShortName(lab))
		return nil
	}
	// Recorded before it is printed: if the output is cut short (a pager
	// quit early, a closed pipe), the next call still moves on.
	ls.Hints = append(ls.Hints, RevealedHint{Index: i, At: a.now()})
	if err := st.save(a.dataDir(repo.Root)); err != nil {
		return err
	}
	printHint(a.out, g, i, g.Hints[i])
	if left := len(g.Hints) - len(revealed) - 1; left > 0 {
		a.out.Printf("%s\n", a.out.paint(dim, fmt.Sprintf("(%d more; run hint again for the next)", left)))
	}
	return nil
}

// nextHint picks the first unrevealed hint for the first step that the last
// check left unfinished, else the first unrevealed hint of all; -1 if none.
func nextHint(g *Guide, ls *LabState, revealed map[int]bool) int {
	idx := slices.IndexFunc(ls.Steps, func(s StepState) bool { return s.N > 0 && s.Status != stDone })
	if idx >= 0 {
		step := ls.Steps[idx].N
		for i, h := range g.Hints {
			if h.Step == step && !revealed[i] {
				return i
			}
		}
	}
	for i := range g.Hints {
		if !revealed[i] {
			return i
		}
	}
	return -1
}

func printHint(o *Out, g *Guide, i int, h Hint) {
	o.Printf("%s\n", o.paint(bold, fmt.Sprintf("Hint %d of %d · %s", i+1, len(g.Hints), h.Title)))
	o.Printf("%s\n\n", strings.TrimSpace(h.Body))
}
