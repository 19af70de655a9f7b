package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// cmdReset backs the exercise up under .lab/backup, then restores it to the
// committed version, so a learner can always start over without losing work.
func cmdReset(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("reset", "<lab>", "Copy your exercise to .lab/backup/<lab>/<time>/, then restore exercise/ to\nthe committed version (git checkout HEAD) and remove files git does not know.")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	repo, _, err := a.open()
	if err != nil {
		return err
	}
	lab, err := repo.FindLab(pos[0])
	if err != nil {
		return err
	}
	backup, err := resetLab(ctx, repo.Root, lab, a.now().Format("20060102-150405"))
	if backup != "" {
		rel, _ := filepath.Rel(repo.Root, backup)
		a.out.Printf("your previous exercise is saved in %s\n", filepath.ToSlash(rel))
	}
	if err != nil {
		return err
	}
	a.out.Printf("%s restored to the committed version.\n", lab.ID+"/exercise")
	return nil
}

// resetLab does the work of reset and returns the backup directory. It
// refuses to touch anything unless git has the exercise in HEAD: cleaning
// an uncommitted directory would delete it.
func resetLab(ctx context.Context, root string, lab *Lab, stamp string) (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", fmt.Errorf("reset needs git, which is not on PATH")
	}
	rel := lab.ID + "/exercise"
	tracked, err := git(ctx, root, "ls-tree", "-r", "--name-only", "HEAD", "--", rel)
	if err != nil || strings.TrimSpace(tracked) == "" {
		return "", fmt.Errorf("cannot reset %s: git has no committed version of it (is it committed in HEAD?)", rel)
	}
	backup := filepath.Join(root, ".lab", "backup", filepath.FromSlash(lab.ID), stamp)
	for i := 2; exists(backup); i++ {
		backup = filepath.Join(root, ".lab", "backup", filepath.FromSlash(lab.ID), fmt.Sprintf("%s-%d", stamp, i))
	}
	if err := os.MkdirAll(filepath.Dir(backup), 0o755); err != nil {
		return "", fmt.Errorf("could not create the backup directory: %w", err)
	}
	if err := os.CopyFS(backup, os.DirFS(lab.ExerciseDir())); err != nil {
		return "", fmt.Errorf("could not back up %s, so nothing was reset: %w", rel, err)
	}
	if _, err := git(ctx, root, "checkout", "HEAD", "--", rel); err != nil {
		return backup, err
	}
	if _, err := git(ctx, root, "clean", "-f", "-d", "-q", "--", rel); err != nil {
		return backup, err
	}
	return backup, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s failed: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
