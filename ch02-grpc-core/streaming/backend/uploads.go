package backend

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// PartialDir is the subdirectory of an upload directory that holds the
// uploads still in progress. Each one is a temporary file there until it
// is complete and renamed into the upload directory: the same file
// system, so the rename is atomic, and out of the way of anyone who lists
// or processes the upload directory. The leading dot keeps clients off it:
// no valid upload name starts with one.
const PartialDir = ".partial"

// CreatePartial creates a temporary file for an upload into dir, in dir's
// PartialDir (made if missing, readable by the server only).
func CreatePartial(dir string) (*os.File, error) {
	partial := filepath.Join(dir, PartialDir)
	if err := os.MkdirAll(partial, 0o700); err != nil {
		return nil, err
	}
	return os.CreateTemp(partial, "upload-*")
}

// CleanPartial removes what uploads left behind when their server was
// killed mid-write (kill -9, a crash, a power cut: no defer ran): every
// file in dir's PartialDir, and the ".upload-*" temporary files that
// earlier versions of the lab wrote into dir itself. Call it when a server
// starts, before it serves: only one server may use a directory. It
// returns how many files it removed.
func CleanPartial(dir string) (int, error) {
	removed := 0
	var errs []error
	entries, err := os.ReadDir(filepath.Join(dir, PartialDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, PartialDir, e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	old, err := os.ReadDir(dir)
	if err != nil {
		return removed, err
	}
	for _, e := range old {
		if strings.HasPrefix(e.Name(), ".upload-") && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				errs = append(errs, err)
				continue
			}
			removed++
		}
	}
	return removed, errors.Join(errs...)
}
