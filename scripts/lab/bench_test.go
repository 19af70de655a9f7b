package main

import (
	"context"
	"io"
	"testing"
	"time"
)

// The runner's answer times over the real course, in process (a learner's
// `go run ./scripts/lab` adds about 0.1 s of go run). Records go to a
// temporary directory, so the learner's own .lab is left alone:
//
//	go test -run '^$' -bench . -benchtime 5x ./scripts/lab
func BenchmarkRunner(b *testing.B) {
	data := b.TempDir()
	newApp := func() *app {
		return &app{out: &Out{W: io.Discard}, errOut: &Out{W: io.Discard}, dir: ".",
			now: time.Now, data: data, statusDelay: time.Hour}
	}
	repo, _, err := newApp().open()
	if err != nil || len(repo.Labs) == 0 {
		b.Skip("no course here:", err)
	}
	ctx := context.Background()
	must := func(args ...string) {
		if code := newApp().main(ctx, args); code != 0 {
			b.Fatalf("lab %q: exit %d", args, code)
		}
	}
	// Every lab gets a record, as after a learner has checked them all.
	must("progress", "-refresh")
	lab := repo.Labs[0]

	b.Run("progress/unchanged", func(b *testing.B) {
		for b.Loop() {
			must()
		}
	})
	b.Run("progress/one-lab-changed", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			rec := loadRecord(data, lab)
			rec.Key.Files = "changed" // as if the learner had saved a file of the lab
			if err := rec.save(data, lab); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			must()
		}
	})
	b.Run("check/unchanged", func(b *testing.B) {
		must("check", lab.Name)
		for b.Loop() {
			must("check", lab.Name)
		}
	})
	b.Run("check/changed", func(b *testing.B) {
		for b.Loop() {
			must("check", "-fresh", lab.Name)
		}
	})
}
