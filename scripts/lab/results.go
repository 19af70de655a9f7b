package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// record is a lab's last exercise run: what go test printed about the
// exercise package, and the inputs it ran on. It lives in
// .lab/results/<lab id>.jsonl: a header line, then go test's own JSON
// lines. Replaying them rebuilds the Package, so a result answered from
// the record (progress, or check with nothing changed) shows exactly what
// the run showed, the first failure in full included.
type record struct {
	Version int       `json:"version"`
	Lab     string    `json:"lab"`
	Key     inputKey  `json:"key"`
	Race    bool      `json:"race"`
	Vet     bool      `json:"vet"`
	At      time.Time `json:"at"`
	Package string    `json:"package"` // import path of the exercise ("" if go test said nothing)
	stream  []string
}

const recordVersion = 1

func recordPath(dataDir string, l *Lab) string {
	return filepath.Join(dataDir, "results", filepath.FromSlash(l.ID)+".jsonl")
}

// loadRecord returns the lab's record, or nil when there is none or it
// cannot be read (it is a cache: a bad one is simply not used).
func loadRecord(dataDir string, l *Lab) *record {
	f, err := os.Open(recordPath(dataDir, l))
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	if !sc.Scan() {
		return nil
	}
	var rec record
	if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Version != recordVersion || rec.Lab != l.ID {
		return nil
	}
	for sc.Scan() {
		rec.stream = append(rec.stream, sc.Text())
	}
	if sc.Err() != nil {
		return nil
	}
	return &rec
}

// loadRecordHeader reads only the header line of the lab's record.
func loadRecordHeader(dataDir string, l *Lab) *record {
	f, err := os.Open(recordPath(dataDir, l))
	if err != nil {
		return nil
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadBytes('\n')
	var rec record
	if json.Unmarshal(line, &rec) != nil || rec.Version != recordVersion || rec.Lab != l.ID {
		return nil
	}
	return &rec
}

// save writes the record atomically.
func (rec *record) save(dataDir string, l *Lab) error {
	p := recordPath(dataDir, l)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	head, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.Write(head)
	b.WriteByte('\n')
	for _, s := range rec.stream {
		b.WriteString(s + "\n")
	}
	return writeAtomic(p, []byte(b.String()))
}

// pkg replays the stored stream.
func (rec *record) pkg() *Package {
	if rec.Package == "" {
		return nil
	}
	res, err := ParseTestJSON(strings.NewReader(strings.Join(rec.stream, "\n")))
	if err != nil {
		return nil
	}
	return res.Package(rec.Package)
}

// estimate guesses how long re-running the lab takes when only its own
// files changed: compiling and linking the exercise's test binary (about
// half a second warm) plus what its tests took last time.
func (rec *record) estimate() time.Duration {
	d := 700 * time.Millisecond
	for _, s := range rec.stream {
		var ev struct {
			Action, Test string
			Elapsed      float64
		}
		if strings.Contains(s, `"Elapsed"`) && json.Unmarshal([]byte(s), &ev) == nil && ev.Test == "" &&
			(ev.Action == "pass" || ev.Action == "fail") {
			d += time.Duration(ev.Elapsed * float64(time.Second))
		}
	}
	return d
}

// writeAtomic writes through a temporary file and a rename, so an
// interrupted run never leaves half a file.
func writeAtomic(p string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+"-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("could not replace %s: %w", p, err)
	}
	return nil
}
