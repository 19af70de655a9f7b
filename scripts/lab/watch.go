package main

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pollInterval is how often watch looks at file times. Polling is cheap for
// a lab's few files and behaves the same on every OS and file system.
const pollInterval = 500 * time.Millisecond

// cmdWatch runs check, then again every time a .go file in the lab changes,
// until Ctrl-C.
func cmdWatch(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("watch", "[lab]", "Run check now and again whenever a .go file in the lab changes\n(polling, every 500 ms). Stop with Ctrl-C.")
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	repo, st, lab, err := a.openLab(pos)
	if err != nil {
		return err
	}
	a.watchLoop(ctx, repo, st, lab, nil, nil, nil)
	a.out.Println(a.tr("\nstopped watching."))
	return nil
}

// watchLoop runs check now and again whenever a .go file in the lab
// changes, until ctx ends (it returns false) or a hook says to stop (true).
// header, if set, is printed before each check; after sees each check's
// verdict; poll, on every poll, whether files changed since the last check.
func (a *app) watchLoop(ctx context.Context, repo *Repo, st *State, lab *Lab,
	header func(), after func(done bool) bool, poll func(changed bool) bool) bool {
	ticks, stop := a.ticker(pollInterval)
	defer stop()
	last := ""
	for {
		snap := snapshot(lab.Dir)
		changed := snap != last
		if poll != nil && poll(changed) {
			return true
		}
		if changed {
			last = snap
			if a.out.Color {
				a.out.Printf("\x1b[H\x1b[2J") // clear the screen, so only the latest run shows
			}
			if header != nil {
				header()
			}
			a.out.Printf("%s\n", a.out.paint(dim, "── "+a.now().Format("15:04:05")+" ──"))
			done, err := a.check(ctx, repo, st, lab, false)
			if err != nil && ctx.Err() == nil {
				a.errOut.Printf("lab: %v\n", err)
			}
			if err == nil && after != nil && after(done) {
				return true
			}
			a.out.Printf("%s\n", a.out.paint(dim, fmt.Sprintf(a.tr("watching %s for changes; Ctrl-C to stop"), lab.ID)))
		}
		if a.waiting != nil {
			a.waiting()
		}
		select {
		case <-ctx.Done():
			return false
		case <-ticks:
		}
	}
}

// ticker is the poll clock: a real one, unless a test gave its own.
func (a *app) ticker(d time.Duration) (<-chan time.Time, func()) {
	if a.tick != nil {
		return a.tick(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// snapshot fingerprints the names, sizes and modification times of the
// lab's .go files; any edit, new file or deletion changes it.
func snapshot(dir string) string {
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		if info, err := d.Info(); err == nil {
			b.WriteString(p + "|" + info.ModTime().String() + "|" + strconv.FormatInt(info.Size(), 10) + "\n")
		}
		return nil
	})
	return b.String()
}
