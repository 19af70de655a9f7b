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
// `check` cannot recompute, except which hints were revealed.
type State struct {
	Version int                  `json:"version"`
	Labs    map[string]*LabState `json:"labs"`
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

const stateVersion = 1

func statePath(root string) string { return filepath.Join(root, ".lab", "state.json") }

// loadState never fails: a missing file is a fresh start, and a corrupt one
// is set aside as empty with a warning the caller shows.
func loadState(root string) (*State, error) {
	st := &State{Version: stateVersion, Labs: map[string]*LabState{}}
	b, err := os.ReadFile(statePath(root))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("could not read %s (%v); starting from an empty state", statePath(root), err)
	}
	var got State
	if err := json.Unmarshal(b, &got); err != nil {
		return st, fmt.Errorf("%s is corrupt (%v); starting from an empty state, it will be overwritten", statePath(root), err)
	}
	if got.Version != stateVersion {
		return st, fmt.Errorf("%s has version %d, this runner writes %d; starting from an empty state", statePath(root), got.Version, stateVersion)
	}
	for id, l := range got.Labs {
		if l != nil {
			st.Labs[id] = l
		}
	}
	return st, nil
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
func (s *State) save(root string) error {
	p := statePath(root)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("could not save progress: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "state-*.json")
	if err != nil {
		return fmt.Errorf("could not save progress: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("could not save progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("could not save progress: %w", err)
	}
	return nil
}
