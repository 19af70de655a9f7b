package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// changedExercises asks git which files in the labs' exercise directories
// differ from the last commit: changed, deleted, added or untracked. It
// returns them by lab, as slash paths relative to the root. ok is false
// when git cannot tell (no git, not a repository, nothing committed); the
// caller then treats the working tree as the truth, as before.
func changedExercises(ctx context.Context, root string, labs []*Lab) (changed map[*Lab][]string, ok bool) {
	if len(labs) == 0 {
		return map[*Lab][]string{}, true
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, false
	}
	// Porcelain paths are relative to the top of the git repository, which
	// need not be the course root.
	prefix, err := git(ctx, root, "rev-parse", "--show-prefix", "--verify", "HEAD")
	if err != nil {
		return nil, false
	}
	prefix, _, _ = strings.Cut(prefix, "\n")
	args := []string{"status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--"}
	for _, l := range labs {
		args = append(args, l.ID+"/exercise")
	}
	out, err := git(ctx, root, args...)
	if err != nil {
		return nil, false
	}
	changed = map[*Lab][]string{}
	for _, entry := range strings.Split(out, "\x00") {
		if len(entry) < 4 {
			continue
		}
		p := strings.TrimPrefix(entry[3:], prefix)
		for _, l := range labs {
			if strings.HasPrefix(p, l.ID+"/exercise/") {
				changed[l] = append(changed[l], p)
			}
		}
	}
	return changed, true
}

// overlay is a `go build -overlay` file that makes the go command see
// chosen files as they are in the last commit, without touching the
// working tree: nothing to restore afterwards, nothing left behind by
// Ctrl-C but a directory in the system's temporary space, and the build
// cache keeps working because the package directories stay the same.
type overlay struct {
	dir  string // temporary directory holding the file and the old contents
	File string // the JSON file for -overlay
}

// committedOverlay builds the overlay for files (slash paths relative to
// root): each is replaced by its committed content, or hidden when the
// commit does not have it.
func committedOverlay(ctx context.Context, root string, files []string) (*overlay, error) {
	dir, err := os.MkdirTemp("", "lab-committed-")
	if err != nil {
		return nil, err
	}
	o := &overlay{dir: dir, File: filepath.Join(dir, "overlay.json")}
	replace := map[string]string{}
	for i, f := range files {
		disk := filepath.Join(root, filepath.FromSlash(f))
		content, err := gitBytes(ctx, root, "cat-file", "blob", "HEAD:./"+f)
		if err != nil {
			replace[disk] = "" // not in the commit: as if it did not exist
			continue
		}
		backing := filepath.Join(dir, fmt.Sprintf("%04d-%s", i, filepath.Base(disk)))
		if err := os.WriteFile(backing, content, 0o644); err != nil {
			o.Close()
			return nil, err
		}
		replace[disk] = backing
	}
	b, err := json.Marshal(map[string]any{"Replace": replace})
	if err == nil {
		err = os.WriteFile(o.File, b, 0o644)
	}
	if err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

// Close removes the overlay's files.
func (o *overlay) Close() error { return os.RemoveAll(o.dir) }

func gitBytes(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	return cmd.Output()
}
