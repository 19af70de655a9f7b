package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// State is what the runner remembers between runs, in .lab/state.json at
// the repository root (git-ignored). Losing it loses nothing that a fresh
// `check` cannot recompute, except which hints were revealed. The last
// results themselves are kept beside it, one file per lab (results.go).
type State struct {
	Version  int                  `json:"version"`
	Labs     map[string]*LabState `json:"labs"`
	readOnly bool                 // written by a newer runner: never overwritten
}

// LabState is the last check of one lab and the hints revealed so far.
type LabState struct {
	Checked time.Time      `json:"checked,omitzero"`
	Done    bool           `json:"done"`
	Steps   []StepState    `json:"steps,omitempty"`
	Hints   []RevealedHint `json:"hints,omitempty"`
}

// StepState is one step's outcome at the last check.
type StepState struct {
	N      int    `json:"n"`
	Title  string `json:"title"`
	Status string `json:"status"` // "done", "todo", "failing", "not run"
}

// RevealedHint records that hint Index (0-based, README order) was shown.
type RevealedHint struct {
	Index int       `json:"index"`
	At    time.Time `json:"at"`
}

// stateVersion is the layout this runner writes. A change that old files
// cannot be read as gets a new version and an entry in migrations, so a
// learner's revealed hints survive an update of the course.
const stateVersion = 1

// migrations[v] turns a version-v file into a version-v+1 one.
var migrations = map[int]func(map[string]any) error{}

// State keeps the file's version it was read from; a file written by a
// newer runner is used but never overwritten, so nothing it added is lost.
func statePath(dataDir string) string { return filepath.Join(dataDir, "state.json") }

// loadState never fails: a missing file is a fresh start, and a corrupt one
// is set aside as empty with a warning the caller shows.
func loadState(dataDir string) (*State, error) {
	p := statePath(dataDir)
	st := &State{Version: stateVersion, Labs: map[string]*LabState{}}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("could not read %s (%v); starting from an empty state", p, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return st, fmt.Errorf("%s is corrupt (%v); starting from an empty state, it will be overwritten", p, err)
	}
	v, _ := doc["version"].(float64)
	version := int(v)
	var warn error
	switch {
	case version > stateVersion:
		// Fields are only ever added, so a newer file reads well enough.
		st.readOnly = true
		warn = fmt.Errorf("%s was written by a newer lab runner (version %d, this one writes %d); it is used but not updated", p, version, stateVersion)
	case version < stateVersion:
		for ; version < stateVersion; version++ {
			m := migrations[version]
			if m == nil {
				return st, fmt.Errorf("%s has version %d, which this runner cannot read; starting from an empty state", p, version)
			}
			if err := m(doc); err != nil {
				return st, fmt.Errorf("%s: updating it from version %d failed (%v); starting from an empty state", p, version, err)
			}
		}
		doc["version"] = stateVersion
		if b, err = json.Marshal(doc); err != nil {
			return st, err
		}
	}
	var got State
	if err := json.Unmarshal(b, &got); err != nil {
		return st, fmt.Errorf("%s is corrupt (%v); starting from an empty state, it will be overwritten", p, err)
	}
	for id, l := range got.Labs {
		if l != nil {
			st.Labs[id] = l
		}
	}
	return st, warn
}

// Lab returns the state of one lab, creating it if needed.
func (s *State) Lab(id string) *LabState {
	l := s.Labs[id]
	if l == nil {
		l = &LabState{}
		s.Labs[id] = l
	}
	return l
}

// save writes the state atomically, so an interrupted run cannot leave a
// half-written file behind.
func (s *State) save(dataDir string) error {
	if s.readOnly {
		return nil
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("could not save progress: %w", err)
	}
	s.Version = stateVersion
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(statePath(dataDir), append(b, '\n')); err != nil {
		return fmt.Errorf("could not save progress: %w", err)
	}
	return nil
}
