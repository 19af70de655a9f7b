package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readmeFixture(t *testing.T, name string) (*Guide, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "readme", name))
	if err != nil {
		t.Fatal(err)
	}
	return parseGuide(string(b))
}

func TestParseSteps(t *testing.T) {
	g, err := readmeFixture(t, "good.md")
	if err != nil {
		t.Fatalf("unexpected README problems: %v", err)
	}
	want := []StepDef{
		{1, "Store the users", []string{"TestStore"}},
		{2, "Answer GetUser", []string{"TestGetUser", "TestGetUserErrors/empty_id"}},
		{3, "List them", []string{"TestList"}},
	}
	if !reflect.DeepEqual(g.Steps, want) {
		t.Errorf("steps:\n got %+v\nwant %+v", g.Steps, want)
	}
	for test, step := range map[string]int{
		"TestStore":                     0,
		"TestStore/sub":                 0,
		"TestStoreMore":                 -1, // a prefix only counts at a / boundary
		"TestGetUser/bufconn":           1,
		"TestGetUserErrors/empty_id":    1,
		"TestGetUserErrors/empty_id/x":  1,
		"TestGetUserErrors/not_found":   -1,
		"TestList":                      2,
		"TestNope":                      -1, // listed outside the Steps section
		"TestGetUserErrors":             -1,
		"TestGetUserErrors/empty_idish": -1,
	} {
		if got := g.StepOf(test); got != step {
			t.Errorf("StepOf(%s) = %d, want %d", test, got, step)
		}
	}
}

func TestParseHints(t *testing.T) {
	g, _ := readmeFixture(t, "good.md")
	want := []Hint{
		{Step: 2, Title: "Step 2 · Hint 1: the map", Body: "Use `s.users[id]`."},
		{Step: 3, Title: "Step 3 · Hint 1: streaming", Body: "Call `stream.Send` per user."},
		{Step: 0, Title: "General advice", Body: "Read the tests."},
	}
	if !reflect.DeepEqual(g.Hints, want) {
		t.Errorf("hints:\n got %+v\nwant %+v", g.Hints, want)
	}
}

func TestMalformedREADME(t *testing.T) {
	g, err := readmeFixture(t, "malformed.md")
	if err == nil {
		t.Fatal("no error for a malformed README")
	}
	for _, want := range []string{
		"TestB is listed by step 1 and again by step 2",
		`"not a test", which is not a test name`,
		"numbered 4 but is item 3",
		`step 4 ("Numbered wrong, names nothing") names no tests`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	// Still usable: the first claim of TestB wins.
	if len(g.Steps) != 3 || g.StepOf("TestB") != 0 {
		t.Errorf("steps = %+v", g.Steps)
	}
	if len(g.Hints) != 0 {
		t.Errorf("hints = %+v, want none", g.Hints)
	}

	g, err = readmeFixture(t, "nosteps.md")
	if err == nil || !strings.Contains(err.Error(), `no "## Steps" section`) {
		t.Errorf("error = %v, want one about the missing Steps section", err)
	}
	if len(g.Steps) != 0 {
		t.Errorf("steps = %+v, want none", g.Steps)
	}

	if _, err := readGuide(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no README.md") {
		t.Errorf("missing README: error = %v", err)
	}
}

// TestEvaluate maps a recorded stream onto steps: done, TODO, failing, and
// tests the README does not list.
func TestEvaluate(t *testing.T) {
	p := parseRecorded(t, "subtests").Packages[0]
	g, err := parseGuide("## Steps\n\n1. **Get.** Tests: `TestGetUser/bufconn`\n\n" +
		"2. **Get over TCP.** Tests: `TestGetUser/loopback`\n\n3. **List.** Tests: `TestList`\n\n" +
		"4. **Delete.** Tests: `TestDelete`\n")
	if err != nil {
		t.Fatal(err)
	}
	lab := &Lab{ID: "ch01-overview/userservice", Name: "userservice"}
	r := evaluate(lab, g, nil, p)
	var got []string
	for _, s := range r.Steps {
		got = append(got, s.Status)
	}
	want := []string{stDone, stFailing, stTODO, stNotRun}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("statuses = %q, want %q", got, want)
	}
	if done, total := r.StepsDone(); done != 1 || total != 4 || r.Progress() != "in progress" || r.Done {
		t.Errorf("done %d/%d, progress %q, Done %v", done, total, r.Progress(), r.Done)
	}
	test, text, title, _ := r.firstFailure()
	if test != "TestGetUser/loopback/not_found" || !strings.Contains(strings.Join(text, ""), "want NotFound") ||
		!strings.Contains(title, "step 2") {
		t.Errorf("firstFailure = %q, %q, %q", test, text, title)
	}
	if cmd := reproduce(lab, test, false); cmd != "go test -run '^TestGetUser$/^loopback$/^not_found$' ./ch01-overview/userservice/exercise" {
		t.Errorf("reproduce = %s", cmd)
	}

	// Without Steps, every test is a line of its own; nothing is hidden.
	r = evaluate(lab, &Guide{}, err, parseRecorded(t, "todofail").Packages[0])
	if len(r.Steps) != 2 || r.Steps[0].Title != "TestStore" || r.Steps[1].Status != stTODO {
		t.Errorf("steps without README = %+v", r.Steps)
	}
	_, _, title, _ = r.firstFailure()
	if !strings.Contains(title, "TODO: implement Server.GetUser") {
		t.Errorf("first TODO title = %q", title)
	}

	// A build failure fails every step, and shows the compiler's words.
	r = evaluate(lab, g, nil, parseRecorded(t, "build").Packages[0])
	for _, s := range r.Steps {
		if s.Status != stFailing {
			t.Errorf("step %d = %s, want failing after a build error", s.N, s.Status)
		}
	}
	if _, text, _, _ := r.firstFailure(); !strings.Contains(strings.Join(text, ""), "undefined: undefinedThing") {
		t.Errorf("build failure text = %q", text)
	}
}

// The first unfinished step comes first, even when a later one fails; the
// later failure is still named.
func TestFirstUnfinishedStep(t *testing.T) {
	p := parseRecorded(t, "subtests").Packages[0]
	g, err := parseGuide("## Steps\n\n1. **List.** Tests: `TestList`\n\n2. **Get.** Tests: `TestGetUser`\n")
	if err != nil {
		t.Fatal(err)
	}
	r := evaluate(&Lab{ID: "ch01-overview/userservice"}, g, nil, p)
	test, text, title, also := r.firstFailure()
	if test != "TestList" || len(text) != 0 || !strings.HasPrefix(title, "next (step 1): TODO: implement") {
		t.Errorf("firstFailure = %q, %q, %q", test, text, title)
	}
	if len(also) != 1 || also[0] != "TestGetUser/loopback/not_found fails too (step 2)" {
		t.Errorf("also = %q", also)
	}
}

// next is the lab in progress before a new one, and none when all are done.
func TestNextLab(t *testing.T) {
	repo := &Repo{}
	for _, id := range []string{"ch01/a", "ch01/b", "ch02/c"} {
		repo.Labs = append(repo.Labs, &Lab{ID: id, Chapter: id[:4], Name: id[5:]})
	}
	a, b, c := repo.Labs[0], repo.Labs[1], repo.Labs[2]
	st := &State{Labs: map[string]*LabState{}}
	todo := []StepState{{N: 1, Status: stTODO}}
	started := []StepState{{N: 1, Status: stDone}, {N: 2, Status: stTODO}}
	for _, tc := range []struct {
		states map[string]*LabState
		skip   *Lab
		want   *Lab
	}{
		{nil, nil, a},
		{map[string]*LabState{"ch01/a": {Steps: todo}, "ch02/c": {Steps: started}}, nil, c},
		{map[string]*LabState{"ch01/a": {Done: true}, "ch01/b": {Steps: todo}}, nil, b},
		{map[string]*LabState{"ch01/a": {Done: true}}, a, b},
		{map[string]*LabState{"ch01/a": {Done: true}, "ch01/b": {Done: true}, "ch02/c": {Done: true}}, nil, nil},
	} {
		st.Labs = map[string]*LabState{}
		for id, ls := range tc.states {
			st.Labs[id] = ls
		}
		if got := nextLab(repo, st, tc.skip); got != tc.want {
			t.Errorf("nextLab(%v) = %v, want %v", tc.states, got, tc.want)
		}
	}
	if got := nextCommand(repo, st, nil); got != "go run ./scripts/lab verify" {
		t.Errorf("all done: next = %q", got)
	}
}
