// Command benchtab runs one package's benchmarks often enough to trust a
// ratio, summarises them with benchstat, and prints the Markdown tables
// the READMEs quote: times as ratios to a base variant with benchstat's
// spread, everything else (bytes, allocations, connections) as medians.
//
//	go run ./scripts/benchtab -bench 'User|OrderBatch' -row .name,/op \
//	    -col '/codec@(protobuf vtproto hand json xml)' -units sec/op,allocs/op \
//	    ./ch02-grpc-core/wire/solution
//
// The variants compared are the values of one key in the benchmark names
// (-col, as benchstat's flag: "/codec" for BenchmarkUser/codec=hand); the
// first value is the base. The test binary is built once and run -count
// times with -test.count=1, so every variant runs once per round and the
// variants alternate: a machine that slows down for a while slows all of
// them, not only the one that happened to run then.
//
// A time cell reads "0.73× ±4%": the variant's median time over the base's,
// and the sum of the two medians' 95% confidence intervals as benchstat
// computes them. "(~)" marks a difference benchstat does not find
// significant (p ≥ 0.05). The header names the machine: cores, CPU, Go,
// and the load average when the run began and ended.
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// benchstat is the release of golang.org/x/perf the tables are made with,
// run with `go run` outside the workspace so it pins nothing of ours.
const benchstat = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

func main() {
	fs := flag.NewFlagSet("benchtab", flag.ContinueOnError)
	var (
		bench     = fs.String("bench", ".", "`regexp` of the benchmarks to run (go test -bench)")
		count     = fs.Int("count", 10, "rounds; each runs every selected benchmark once")
		benchtime = fs.String("benchtime", "", "go test -benchtime for each benchmark in each round (default go test's)")
		cpu       = fs.String("cpu", "", "go test -cpu `list`")
		col       = fs.String("col", "", "benchstat -col: the `key` whose values are compared; the first value is the base")
		row       = fs.String("row", ".name", "benchstat -row: the `keys` that make a table row")
		units     = fs.String("units", "sec/op", "comma-separated `units` to print; sec/op is shown as a ratio to the base")
		layout    = fs.String("layout", "wide", "`wide`: one table per unit, a column per variant; long: one table, a row per variant, a column per unit")
		out       = fs.String("o", "", "also write the raw results to `file`")
		in        = fs.String("in", "", "read raw results from `file` instead of running benchmarks")
	)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./scripts/benchtab [flags] PACKAGE\n       go run ./scripts/benchtab [flags] -in RESULTS")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *col == "" || (*in == "") != (fs.NArg() == 1) || fs.NArg() > 1 || *count < 1 || (*layout != "wide" && *layout != "long") {
		fs.Usage()
		os.Exit(2)
	}

	results, header, err := func() ([]byte, string, error) {
		if *in != "" {
			b, err := os.ReadFile(*in)
			return b, "results from " + *in, err
		}
		return run(fs.Arg(0), *bench, *benchtime, *cpu, *count)
	}()
	if err == nil && *out != "" {
		err = os.WriteFile(*out, results, 0o644)
	}
	if err != nil {
		fail(err)
	}
	tables, err := summarise(results, *row, *col)
	if err != nil {
		fail(err)
	}
	var picked []*table
	for _, u := range strings.Split(*units, ",") {
		if u == "sec/op" {
			u = ratioUnit // times are quoted as ratios, never as absolute times
		}
		t, ok := tables[u]
		if !ok {
			fail(fmt.Errorf("no %q in the results; they have %s", u, strings.Join(sortedKeys(tables), ", ")))
		}
		picked = append(picked, t)
	}
	fmt.Println(header)
	if *layout == "long" {
		fmt.Println()
		fmt.Print(long(picked, *row, *col))
		return
	}
	for _, t := range picked {
		fmt.Println()
		fmt.Print(t.markdown(*row))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtab:", err)
	os.Exit(1)
}

// run builds pkg's test binary once and runs its benchmarks count times,
// one round after the other. It returns the results and the machine line.
func run(pkg, bench, benchtime, cpu string, count int) ([]byte, string, error) {
	dir, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return nil, "", fmt.Errorf("go list %s: %w", pkg, stderrOf(err))
	}
	tmp, err := os.MkdirTemp("", "benchtab-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	progress("building %s", pkg)
	if b, err := exec.Command("go", "test", "-c", "-o", bin, pkg).CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("go test -c %s: %v\n%s", pkg, err, b)
	}
	args := []string{"-test.run=^$", "-test.bench=" + bench, "-test.benchmem", "-test.count=1"}
	if benchtime != "" {
		args = append(args, "-test.benchtime="+benchtime)
	}
	if cpu != "" {
		args = append(args, "-test.cpu="+cpu)
	}
	load := loadAverage()
	start := time.Now()
	var all bytes.Buffer
	for i := 1; i <= count; i++ {
		progress("round %d of %d (%s so far)", i, count, time.Since(start).Round(time.Second))
		cmd := exec.Command(bin, args...)
		cmd.Dir = strings.TrimSpace(string(dir))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, "", fmt.Errorf("round %d: %v\n%s%s", i, err, stdout.Bytes(), stderr.Bytes())
		}
		if !bytes.Contains(stdout.Bytes(), []byte("ns/op")) {
			return nil, "", fmt.Errorf("-bench %q ran no benchmark in %s:\n%s", bench, pkg, stdout.Bytes())
		}
		all.Write(stdout.Bytes())
	}
	progress("done in %s", time.Since(start).Round(time.Second))
	fmt.Fprintln(os.Stderr)
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()
	header := fmt.Sprintf("%d cores (%s), %s %s/%s, load average %s at the start and %s at the end; %d rounds",
		runtime.NumCPU(), cpuName(all.Bytes()), strings.TrimSpace(string(goVersion)), runtime.GOOS, runtime.GOARCH,
		load, loadAverage(), count)
	return all.Bytes(), header, nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "\rbenchtab: "+format+"\033[K", args...)
}

func stderrOf(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return errors.New(strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

// cpuName is the "cpu:" line go test prints, if any.
func cpuName(results []byte) string {
	for _, line := range strings.Split(string(results), "\n") {
		if name, ok := strings.CutPrefix(line, "cpu: "); ok {
			return strings.TrimSpace(name)
		}
	}
	return runtime.GOARCH
}

// loadAverage is the one-minute load average where the system shows it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// summarise runs benchstat over the results and reads its CSV tables, one
// per unit.
func summarise(results []byte, row, col string) (map[string]*table, error) {
	paired, err := pairRatios(results, col)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "benchtab-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, "results.txt")
	if err := os.WriteFile(file, paired, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "run", benchstat, "-format=csv", "-row="+row, "-col="+col, file)
	cmd.Dir = tmp // outside the workspace: `go run pkg@version` resolves on its own
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("benchstat: %v\n%s", err, stderr.Bytes())
	}
	return parseCSV(&stdout)
}

// ratioUnit is the metric pairRatios adds: a run's time over the base
// variant's time in the same round.
const ratioUnit = "time/base"

// pairRatios adds ratioUnit to every result line: its ns/op over the ns/op
// of the same benchmark with the -col key set to the base value, from the
// same round. A ratio of two runs made seconds apart is far steadier on a
// busy machine than a ratio of medians taken minutes apart, and benchstat
// then gives its median and confidence interval like any other metric. A
// round ends where a benchmark name repeats.
func pairRatios(results []byte, col string) ([]byte, error) {
	key, base, ok := strings.Cut(strings.TrimPrefix(col, "/"), "@")
	if !strings.HasPrefix(col, "/") || key == "" {
		return nil, fmt.Errorf("-col %q: want a benchmark name key such as /codec", col)
	}
	if ok {
		if !strings.HasPrefix(base, "(") {
			return nil, fmt.Errorf("-col %q: give the base first with @(base other ...)", col)
		}
		base = strings.Fields(strings.Trim(base, "()"))[0]
	}
	lines := strings.Split(string(results), "\n")
	type result struct {
		line int
		ns   float64
	}
	var rounds []map[string]result
	cur := map[string]result{}
	for i, l := range lines {
		name, ns, ok := nsPerOp(l)
		if !ok {
			continue
		}
		if _, seen := cur[name]; seen {
			rounds = append(rounds, cur)
			cur = map[string]result{}
		}
		cur[name] = result{i, ns}
		if base == "" {
			base, _ = keyValue(name, key)
		}
	}
	rounds = append(rounds, cur)
	for _, round := range rounds {
		for name, r := range round {
			v, found := keyValue(name, key)
			if !found {
				continue
			}
			b, ok := round[strings.Replace(name, key+"="+v, key+"="+base, 1)]
			if !ok || b.ns == 0 {
				continue
			}
			lines[r.line] += fmt.Sprintf("\t%g %s", r.ns/b.ns, ratioUnit)
		}
	}
	return []byte(strings.Join(lines, "\n")), nil
}

// nsPerOp reads a benchmark result line: its name and its ns/op.
func nsPerOp(line string) (string, float64, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", 0, false
	}
	for i := 2; i+1 < len(f); i += 2 {
		if f[i+1] == "ns/op" {
			v, err := strconv.ParseFloat(f[i], 64)
			return f[0], v, err == nil
		}
	}
	return "", 0, false
}

// keyValue finds key=value among a benchmark name's parts, without the
// -GOMAXPROCS suffix go test adds to the last one.
func keyValue(name, key string) (string, bool) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		v, ok := strings.CutPrefix(p, key+"=")
		if !ok {
			continue
		}
		if i == len(parts)-1 {
			if j := strings.LastIndex(v, "-"); j > 0 {
				if _, err := strconv.Atoi(v[j+1:]); err == nil {
					v = v[:j]
				}
			}
		}
		return v, true
	}
	return "", false
}

// cell is one benchstat summary: a median, its confidence interval, and
// for a non-base column the comparison with the base.
type cell struct {
	center float64
	ci     string // "3%", or "∞" with too few samples
	delta  string // "-26.52%", or "~" when not significant; "" for the base
	ok     bool
}

// table is one unit's summary: rows by -row, columns by -col.
type table struct {
	unit string
	cols []string
	rows []string
	data map[string][]cell // row -> one cell per column
}

// parseCSV reads benchstat's CSV: configuration lines ("goos: linux"),
// then per unit a line of column labels, a line of units, the rows and a
// geomean row.
func parseCSV(r io.Reader) (map[string]*table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading benchstat's CSV: %w", err)
	}
	tables := map[string]*table{}
	var t *table
	for i := 0; i < len(records); i++ {
		rec := records[i]
		if len(rec) < 2 {
			continue // a configuration line
		}
		if rec[0] == "" { // column labels, then units
			if i+1 >= len(records) || len(records[i+1]) < 2 {
				return nil, fmt.Errorf("benchstat's CSV: column labels without units at line %d", i+1)
			}
			units := records[i+1]
			i++
			t = &table{unit: units[1], data: map[string][]cell{}}
			for c := 0; ; c++ {
				at := start(c)
				if at >= len(rec) {
					break
				}
				t.cols = append(t.cols, rec[at])
			}
			tables[t.unit] = t
			continue
		}
		if t == nil || rec[0] == "geomean" {
			continue
		}
		cells := make([]cell, len(t.cols))
		for c := range t.cols {
			at := start(c)
			if at+1 >= len(rec) || rec[at] == "" {
				continue
			}
			v, err := strconv.ParseFloat(rec[at], 64)
			if err != nil {
				return nil, fmt.Errorf("benchstat's CSV: %q in row %q: %w", rec[at], rec[0], err)
			}
			cells[c] = cell{center: v, ci: rec[at+1], ok: true}
			if c > 0 && at+2 < len(rec) {
				cells[c].delta = rec[at+2]
			}
		}
		t.rows = append(t.rows, rec[0])
		t.data[rec[0]] = cells
	}
	if len(tables) == 0 {
		return nil, errors.New("benchstat printed no table: do the benchmark names carry the -col key?")
	}
	return tables, nil
}

// start is the CSV column where benchstat's column c begins: the base has
// a median and a CI, every other column also a delta and a p-value.
func start(c int) int {
	if c == 0 {
		return 1
	}
	return 3 + (c-1)*4
}

// format renders the cell in column c of row r: a time as a ratio to the
// base column's, anything else as its median.
func (t *table) format(r string, c int) string {
	cells := t.data[r]
	if c >= len(cells) {
		return ""
	}
	x := cells[c]
	switch {
	case !x.ok:
		return ""
	case t.unit != ratioUnit:
		return number(x.center) + spread(x.ci)
	case c == 0:
		return "1"
	}
	s := times(x.center) + spread(x.ci)
	if x.delta == "~" {
		s += " (~)"
	}
	return s
}

// what names the table's unit in a header.
func (t *table) what() string {
	if t.unit == ratioUnit {
		return "time relative to " + t.cols[0]
	}
	return t.unit
}

// keyNames turns benchstat keys (".name,/op", "/codec@(a b)") into header words.
func keyNames(keys string) string {
	if i := strings.Index(keys, "@"); i >= 0 {
		keys = keys[:i]
	}
	return strings.NewReplacer(",", " ", ".", "", "/", "").Replace(keys)
}

// markdown renders t with a row per benchstat row and a column per variant.
func (t *table) markdown(rowKeys string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| %s (%s) | %s |\n", keyNames(rowKeys), t.what(), strings.Join(t.cols, " | "))
	b.WriteString("|---" + strings.Repeat("|---:", len(t.cols)) + "|\n")
	for _, r := range t.rows {
		out := make([]string, len(t.cols))
		for c := range t.cols {
			out[c] = t.format(r, c)
		}
		fmt.Fprintf(&b, "| %s | %s |\n", r, strings.Join(out, " | "))
	}
	return b.String()
}

// long renders several units' tables as one: a row per benchstat row and
// variant, a column per unit.
func long(tables []*table, rowKeys, colKey string) string {
	var b strings.Builder
	head := []string{keyNames(rowKeys), keyNames(colKey)}
	for _, t := range tables {
		head = append(head, t.what())
	}
	fmt.Fprintf(&b, "| %s |\n", strings.Join(head, " | "))
	b.WriteString("|---|---" + strings.Repeat("|---:", len(tables)) + "|\n")
	first := tables[0]
	for _, r := range first.rows {
		for c, name := range first.cols {
			line := []string{r, name}
			for _, t := range tables {
				line = append(line, t.format(r, c))
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(line, " | "))
		}
	}
	return b.String()
}

// spread adds confidence intervals given as "3%": " ±5%" for 3% and 2%,
// nothing when both are 0%, " ±?" when one is unknown (too few samples).
func spread(cis ...string) string {
	sum := 0.0
	for _, ci := range cis {
		if ci == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(ci, "%"), 64)
		if err != nil {
			return " ±?"
		}
		sum += v
	}
	if sum == 0 {
		return ""
	}
	return fmt.Sprintf(" ±%.0f%%", sum)
}

// times formats a ratio with two significant digits or more.
func times(r float64) string {
	switch {
	case r < 10:
		return strconv.FormatFloat(r, 'f', 2, 64) + "×"
	case r < 100:
		return strconv.FormatFloat(r, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(r, 'f', 0, 64) + "×"
}

// number formats a median: whole numbers and anything from 1000 up as
// integers, smaller fractions to 3 significant digits.
func number(v float64) string {
	if v == math.Trunc(v) || math.Abs(v) >= 1000 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func sortedKeys(m map[string]*table) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
