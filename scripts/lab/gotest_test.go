package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parseRecorded(t *testing.T, name string) *Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "gotest", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ParseTestJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 1 {
		t.Fatalf("%s: got %d packages, want 1", name, len(res.Packages))
	}
	return res
}

// TestParseRecordedStreams checks the model against real `go test -json`
// output recorded from small packages (see testdata/gotest).
func TestParseRecordedStreams(t *testing.T) {
	cases := []struct {
		stream   string
		action   string             // package result
		outcomes map[string]Outcome // per test
		problem  string             // substring of Package.Problem, "" for none
		output   string             // substring of the relevant output
	}{
		{"pass", "pass", map[string]Outcome{"TestAdd": Pass, "TestSub": Pass}, "", ""},
		{"fail", "fail", map[string]Outcome{"TestAdd": Fail, "TestSub": Pass}, "", "Add(1, 1) = 3, want 2"},
		{"todofail", "fail", map[string]Outcome{"TestStore": Pass, "TestGetUser": TODO}, "", "TODO: implement Server.GetUser"},
		{"todoskip", "pass", map[string]Outcome{"TestStore": Pass, "TestGetUser": TODO, "TestShort": Skip}, "", "TODO: implement Server.GetUser"},
		// CI mode over two transports: the subtests skip and the parent passes, which is not done.
		{"todoskipsub", "pass", map[string]Outcome{"TestGetUser": TODO, "TestGetUser/bufconn": TODO, "TestHalf": TODO,
			"TestHalf/done": Pass, "TestSkipped": Pass, "TestSkipped/tool": Skip}, "", "TODO: implement Other"},
		// A parallel test's panic, attributed by go test to another test that had finished.
		{"panicelsewhere", "fail", map[string]Outcome{"TestTODO": TODO, "TestServe": Fail}, "", "assignment to entry in nil map"},
		{"subtests", "fail", map[string]Outcome{
			"TestGetUser":                    Fail,
			"TestGetUser/bufconn":            Pass,
			"TestGetUser/loopback/not_found": Fail,
			"TestGetUser/loopback/found":     Pass,
			"TestList":                       TODO,
			"TestList/empty":                 TODO,
		}, "", "code = OK, want NotFound"},
		{"panic", "fail", map[string]Outcome{"TestFirst": Pass, "TestBoom": Fail, "TestNever": NotRun}, "", "assignment to entry in nil map"},
		{"race", "fail", map[string]Outcome{"TestCounter": Fail}, "", "WARNING: DATA RACE"},
		{"hang", "fail", map[string]Outcome{"TestQuick": Pass, "TestHang": Fail}, "", "test timed out after 1s"},
		{"build", "fail", map[string]Outcome{"TestAdd": NotRun}, "build failed", "undefined: undefinedThing"},
		{"leak", "fail", map[string]Outcome{"TestServe": Pass}, "goroutine leak", "found unexpected goroutines"},
	}
	for _, c := range cases {
		t.Run(c.stream, func(t *testing.T) {
			p := parseRecorded(t, c.stream).Packages[0]
			if p.Action != c.action {
				t.Errorf("package action = %q, want %q", p.Action, c.action)
			}
			for name, want := range c.outcomes {
				if got := p.Outcome(name); got != want {
					t.Errorf("Outcome(%s) = %v, want %v", name, got, want)
				}
			}
			prob := p.Problem()
			if (c.problem == "") != (prob == "") || !strings.Contains(prob, c.problem) {
				t.Errorf("Problem() = %q, want %q", prob, c.problem)
			}
			var text string
			if prob != "" {
				text = strings.Join(p.ProblemOutput(), "")
			} else {
				for _, tt := range p.Tests {
					text += strings.Join(p.Output(tt.Name), "")
				}
			}
			if !strings.Contains(text, c.output) {
				t.Errorf("output does not contain %q:\n%s", c.output, text)
			}
			if strings.Contains(text, "=== RUN") {
				t.Errorf("output keeps framing lines:\n%s", text)
			}
		})
	}
}

func TestFirstLeafFailure(t *testing.T) {
	p := parseRecorded(t, "subtests").Packages[0]
	if got, want := p.FirstLeafFailure("TestGetUser"), "TestGetUser/loopback/not_found"; got != want {
		t.Errorf("FirstLeafFailure = %q, want %q", got, want)
	}
}

func TestParseSurvivesGarbage(t *testing.T) {
	in := "go: downloading example.com/x v1.0.0\n{not json\n\n" +
		`{"Action":"run","Package":"p","Test":"TestA"}` + "\n" +
		`{"Action":"pass","Package":"p","Test":"TestA"}` + "\n"
	res, err := ParseTestJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stray) != 2 {
		t.Errorf("Stray = %q, want the 2 non-JSON lines", res.Stray)
	}
	if o := res.Package("p").Outcome("TestA"); o != Pass {
		t.Errorf("TestA = %v, want pass", o)
	}
}

func TestRunPattern(t *testing.T) {
	for in, want := range map[string]string{
		"TestGetUser":                    "^TestGetUser$",
		"TestGetUser/loopback/not_found": "^TestGetUser$/^loopback$/^not_found$",
		"TestX/a.b(c)":                   `^TestX$/^a\.b\(c\)$`,
	} {
		if got := runPattern(in); got != want {
			t.Errorf("runPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

// The panic of a test that never finished is shown with that test, even
// when go test put it in the output of another one (parallel tests).
func TestCrashShownWithTheTestThatDied(t *testing.T) {
	p := parseRecorded(t, "panicelsewhere").Packages[0]
	out := strings.Join(p.Output("TestServe"), "")
	for _, want := range []string{"panic: assignment to entry in nil map", "panicelsewhere.TestServe.func1()"} {
		if !strings.Contains(out, want) {
			t.Errorf("Output(TestServe) lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL\t") || strings.Contains(out, "=== ") {
		t.Errorf("Output(TestServe) keeps summary or framing lines:\n%s", out)
	}
	if c := p.Crash(); len(c) == 0 || !strings.HasPrefix(c[0], "panic: ") {
		t.Errorf("Crash() = %q", c)
	}
	if c := parseRecorded(t, "pass").Packages[0].Crash(); c != nil {
		t.Errorf("Crash() of a passing package = %q", c)
	}
	// Output of a test that finished is its own output only.
	if strings.Contains(strings.Join(parseRecorded(t, "panic").Packages[0].Output("TestFirst"), ""), "panic:") {
		t.Error("a passing test shows another test's panic")
	}
}
