package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	repo, _, lab, err := a.openLab(pos)
	if err != nil {
		return err
	}
	backup, err := resetLab(ctx, repo.Root, a.dataDir(repo.Root), lab, a.now().Format("20060102-150405"))
	if backup != "" {
		a.out.Printf("your previous exercise is saved in %s\n", relSlash(repo.Root, backup))
	}
	if err != nil {
		return err
	}
	a.out.Printf("%s restored to the committed version. undo: %s\n", lab.ID+"/exercise",
		a.out.paint(cyan, "go run ./scripts/lab restore "+repo.ShortName(lab)))
	return nil
}

func relSlash(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return p
}

// resetLab does the work of reset and returns the backup directory. It
// refuses to touch anything unless git has the exercise in HEAD: cleaning
// an uncommitted directory would delete it.
func resetLab(ctx context.Context, root, dataDir string, lab *Lab, stamp string) (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", fmt.Errorf("reset needs git, which is not on PATH")
	}
	rel := lab.ID + "/exercise"
	tracked, err := git(ctx, root, "ls-tree", "-r", "--name-only", "HEAD", "--", rel)
	if err != nil || strings.TrimSpace(tracked) == "" {
		return "", fmt.Errorf("cannot reset %s: git has no committed version of it (is it committed in HEAD?)", rel)
	}
	backup, err := backupExercise(dataDir, lab, stamp)
	if err != nil {
		return "", fmt.Errorf("%w, so nothing was reset", err)
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

// backupDir holds a lab's backups, one directory per stamp.
func backupDir(dataDir string, lab *Lab) string {
	return filepath.Join(dataDir, "backup", filepath.FromSlash(lab.ID))
}

// backupExercise copies the exercise to a new backup directory and returns it.
func backupExercise(dataDir string, lab *Lab, stamp string) (string, error) {
	backup := filepath.Join(backupDir(dataDir, lab), stamp)
	for i := 2; exists(backup); i++ {
		backup = filepath.Join(backupDir(dataDir, lab), fmt.Sprintf("%s-%d", stamp, i))
	}
	if err := os.MkdirAll(filepath.Dir(backup), 0o755); err != nil {
		return "", fmt.Errorf("could not create the backup directory: %w", err)
	}
	if err := os.CopyFS(backup, os.DirFS(lab.ExerciseDir())); err != nil {
		os.RemoveAll(backup)
		return "", fmt.Errorf("could not back up %s/exercise: %w", lab.ID, err)
	}
	return backup, nil
}

// backups lists a lab's backups, oldest first (stamps sort by time).
func backups(dataDir string, lab *Lab) []string {
	entries, _ := os.ReadDir(backupDir(dataDir, lab))
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.SortFunc(names, compareStamps)
	return names
}

// compareStamps orders 20260102-030405 before 20260102-030405-2 before
// 20260102-030405-10.
func compareStamps(a, b string) int {
	split := func(s string) (string, int) {
		if len(s) > 15 && s[15] == '-' {
			n, _ := strconv.Atoi(s[16:])
			return s[:15], n
		}
		return s, 0
	}
	as, an := split(a)
	bs, bn := split(b)
	if c := strings.Compare(as, bs); c != 0 {
		return c
	}
	return an - bn
}

// cmdRestore undoes a reset: the exercise goes back to a backup, after the
// current exercise is itself backed up, so a restore can be undone too.
func cmdRestore(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("restore", "<lab> [backup]", "Bring back a backed-up exercise (the newest, or the one named), undoing\n"+
		"a reset. Your current exercise is backed up first, so a restore can be\n"+
		"undone the same way.")
	list := fs.Bool("list", false, "list the lab's backups instead, newest last")
	pos, err := parse(fs, args, 1, 2)
	if err != nil {
		return err
	}
	repo, _, lab, err := a.openLab(pos)
	if err != nil {
		return err
	}
	dataDir := a.dataDir(repo.Root)
	names := backups(dataDir, lab)
	if len(names) == 0 {
		return fmt.Errorf("%s has no backups in %s (reset makes one)", lab.ID, relSlash(repo.Root, backupDir(dataDir, lab)))
	}
	if *list {
		for _, n := range names {
			a.out.Println(n)
		}
		return nil
	}
	pick := names[len(names)-1]
	if len(pos) == 2 {
		if !slices.Contains(names, pos[1]) {
			return usagef("%s has no backup %q; it has: %s", lab.ID, pos[1], strings.Join(names, ", "))
		}
		pick = pos[1]
	}
	from := filepath.Join(backupDir(dataDir, lab), pick)
	saved, err := backupExercise(dataDir, lab, a.now().Format("20060102-150405"))
	if err != nil {
		return fmt.Errorf("%w, so nothing was restored", err)
	}
	a.out.Printf("your current exercise is saved in %s\n", relSlash(repo.Root, saved))
	if err := os.RemoveAll(lab.ExerciseDir()); err != nil {
		return err
	}
	if err := os.CopyFS(lab.ExerciseDir(), os.DirFS(from)); err != nil {
		return fmt.Errorf("restoring %s: %w (your exercise is safe in %s)", relSlash(repo.Root, from), err, relSlash(repo.Root, saved))
	}
	a.out.Printf("%s/exercise restored from %s\n", lab.ID, relSlash(repo.Root, from))
	return nil
}
