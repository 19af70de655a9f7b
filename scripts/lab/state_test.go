package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	root := filepath.Join(t.TempDir(), ".lab") // no .lab directory yet: save must create it
	st, err := loadState(root)
	if err != nil || len(st.Labs) != 0 {
		t.Fatalf("missing state: %v, %+v", err, st)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := st.Lab("ch01-overview/userservice")
	l.Checked = at
	l.Steps = []StepState{{N: 1, Title: "Store", Status: stDone}, {N: 2, Title: "Get", Status: stTODO}}
	l.Hints = []RevealedHint{{Index: 1, At: at}}
	if err := st.save(root); err != nil {
		t.Fatal(err)
	}
	got, err := loadState(root)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, st)
	}
	// Saving leaves no temporary files behind.
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf(".lab holds %d entries, want just state.json", len(entries))
	}
}

func TestStateCorrupt(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":     "{not json",
		"truncated":   `{"version":1,"labs":{"a":{"done":tr`,
		"wrong type":  `{"version":1,"labs":[1,2]}`,
		"old version": `{"version":0,"labs":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			os.WriteFile(statePath(root), []byte(content), 0o644)
			st, err := loadState(root)
			if err == nil || !strings.Contains(err.Error(), "starting from an empty state") {
				t.Errorf("warning = %v", err)
			}
			if st == nil || len(st.Labs) != 0 {
				t.Fatalf("state = %+v, want empty", st)
			}
			st.Lab("x").Done = true
			if err := st.save(root); err != nil {
				t.Fatal(err)
			}
			if st, err := loadState(root); err != nil || !st.Labs["x"].Done {
				t.Errorf("after overwrite: %v %+v", err, st)
			}
		})
	}
}

func TestStateUnwritable(t *testing.T) {
	root := filepath.Join(t.TempDir(), ".lab")
	// A file where the .lab directory should be: saving fails with a sentence, no panic.
	os.WriteFile(root, nil, 0o644)
	st, _ := loadState(root)
	if err := st.save(root); err == nil || !strings.Contains(err.Error(), "could not save progress") {
		t.Errorf("save error = %v", err)
	}
}

// An older file is migrated, hints kept; a newer one is used but never
// overwritten, so what a newer runner added survives.
func TestStateVersions(t *testing.T) {
	dir := t.TempDir()
	old := `{"version":0,"labs":{"a":{"done":true,"revealed":[{"index":2,"at":"2026-01-02T03:04:05Z"}]}}}`
	os.WriteFile(statePath(dir), []byte(old), 0o644)
	migrations[0] = func(doc map[string]any) error { // as a real one would: rename a field
		for _, l := range doc["labs"].(map[string]any) {
			l := l.(map[string]any)
			l["hints"], l["revealed"] = l["revealed"], nil
		}
		return nil
	}
	defer delete(migrations, 0)
	st, err := loadState(dir)
	if err != nil || len(st.Labs["a"].Hints) != 1 || st.Labs["a"].Hints[0].Index != 2 || !st.Labs["a"].Done {
		t.Fatalf("migrated state = %+v, %v", st.Labs["a"], err)
	}

	newer := `{"version":99,"labs":{"a":{"done":true,"hints":[{"index":1,"at":"2026-01-02T03:04:05Z"}],"future":1}}}`
	os.WriteFile(statePath(dir), []byte(newer), 0o644)
	st, err = loadState(dir)
	if err == nil || !strings.Contains(err.Error(), "newer lab runner") || len(st.Labs["a"].Hints) != 1 {
		t.Fatalf("newer state = %+v, %v", st.Labs["a"], err)
	}
	st.Lab("b").Done = true
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(statePath(dir)); string(b) != newer {
		t.Errorf("a newer file was overwritten:\n%s", b)
	}
}
