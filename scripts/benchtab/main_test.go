package main

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestPairRatios: each result is divided by its base from the same round,
// so a machine that is twice as slow in round 2 leaves the ratio alone.
func TestPairRatios(t *testing.T) {
	in, err := os.ReadFile("testdata/results.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pairRatios(in, "/codec@(base fast)")
	if err != nil {
		t.Fatal(err)
	}
	var ratios []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[len(f)-1] == ratioUnit {
			ratios = append(ratios, f[len(f)-2])
		}
	}
	if got := strings.Join(ratios, " "); got != "1 0.5 1 0.5" {
		t.Errorf("ratios = %s, want 1 0.5 1 0.5 (base, fast, per round)", got)
	}
	if _, err := pairRatios(in, ".name"); err == nil {
		t.Error("a -col that is not a name key was accepted")
	}
}

func TestKeyValue(t *testing.T) {
	for _, c := range []struct{ name, key, want string }{
		{"BenchmarkMaps/reads=99%/map=Mutex-2", "map", "Mutex"},
		{"BenchmarkMaps/reads=99%/map=Mutex", "map", "Mutex"},
		{"BenchmarkGetUser/callers=16/proto=gRPC-deadline-2", "proto", "gRPC-deadline"},
		{"BenchmarkGetUser/callers=16/proto=gRPC-deadline", "callers", "16"},
	} {
		if got, ok := keyValue(c.name, c.key); !ok || got != c.want {
			t.Errorf("keyValue(%q, %q) = %q, %v; want %q", c.name, c.key, got, ok, c.want)
		}
	}
}

// TestMarkdown reads a benchstat CSV (as printed by the pinned release) and
// renders both layouts.
func TestMarkdown(t *testing.T) {
	f, err := os.Open("testdata/benchstat.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tables, err := parseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	ratio, allocs := tables[ratioUnit], tables["allocs/op"]
	if ratio == nil || allocs == nil {
		t.Fatalf("tables for %v, want %s and allocs/op", sortedKeys(tables), ratioUnit)
	}
	wide := ratio.markdown(".name,/op")
	for _, want := range []string{
		"| name op (time relative to protobuf) | protobuf | hand | json |",
		"| User encode | 1 | 0.15× ±4% | 1.93× ±6% |",
		"| User decode | 1 | 0.98× ±5% (~) | 5.13× ±8% |",
	} {
		if !strings.Contains(wide, want+"\n") {
			t.Errorf("wide table lacks %q:\n%s", want, wide)
		}
	}
	lg := long([]*table{allocs, ratio}, ".name,/op", "/codec@(protobuf hand json)")
	for _, want := range []string{
		"| name op | codec | allocs/op | time relative to protobuf |",
		"| User decode | json | 10 | 5.13× ±8% |",
	} {
		if !strings.Contains(lg, want+"\n") {
			t.Errorf("long table lacks %q:\n%s", want, lg)
		}
	}
}
