package main

import (
	"context"
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
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	last := ""
	for {
		snap := snapshot(lab.Dir)
		if snap != last {
			last = snap
			if a.out.Color {
				a.out.Printf("\x1b[H\x1b[2J") // clear the screen, so only the latest run shows
			}
			a.out.Printf("%s\n", a.out.paint(dim, "── "+a.now().Format("15:04:05")+" ──"))
			if _, err := a.check(ctx, repo, st, lab, false); err != nil && ctx.Err() == nil {
				a.errOut.Printf("lab: %v\n", err)
			}
			a.out.Printf("%s\n", a.out.paint(dim, "watching "+lab.ID+" for changes; Ctrl-C to stop"))
		}
		select {
		case <-ctx.Done():
			a.out.Println("\nstopped watching.")
			return nil
		case <-tick.C:
		}
	}
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
