package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/grpclabs/labs/scripts/room"
)

// The status words are the runner's own, so a report needs no mapping.
func TestRoomStatusWords(t *testing.T) {
	for runner, wire := range map[string]string{stDone: room.Done, stTODO: room.TODO, stFailing: room.Failing, stNotRun: room.NotRun} {
		if runner != wire {
			t.Errorf("runner status %q is %q on the wire", runner, wire)
		}
	}
}

// wireRoom is a room whose server keeps every request body it gets.
type wireRoom struct {
	*room.Server
	http   *httptest.Server
	got    chan string // each body, as it arrives
	mu     sync.Mutex
	bodies []string
}

func startWireRoom(t *testing.T) *wireRoom {
	t.Helper()
	srv, err := room.NewServer(room.Config{Code: "4829-1736"})
	if err != nil {
		t.Fatal(err)
	}
	w := &wireRoom{Server: srv, got: make(chan string, 64)}
	w.http = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		w.mu.Lock()
		w.bodies = append(w.bodies, string(b))
		w.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		srv.ServeHTTP(rw, r)
		select {
		case w.got <- string(b):
		default:
		}
	}))
	t.Cleanup(w.http.Close)
	return w
}

func (w *wireRoom) Addr() string { return strings.TrimPrefix(w.http.URL, "http://") }

func (w *wireRoom) Bodies() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.bodies)
}

// keys collects every object key in a JSON document, at any depth.
func keys(t *testing.T, doc string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("a report is not JSON: %v\n%s", err, doc)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				out = append(out, k)
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// What leaves an attendee's machine, end to end through check: only the
// allowlisted fields, and none of the learner's code, output or paths,
// although the exercise's source and its test output are full of them.
func TestRoomReportsOnlyStepStates(t *testing.T) {
	t.Parallel()
	const leaky = "package exercise\n\nimport \"fmt\"\n\n" +
		"// SECRET-SOURCE: the learner's own words\n" +
		"func Add(a, b int) (int, error) { fmt.Println(\"SECRET-OUTPUT\"); return a * b, nil }\n\n" +
		"func Sub(a, b int) (int, error) { return 0, fmt.Errorf(\"SECRET-ERROR\") }\n"
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": leaky})
	rm := startWireRoom(t)

	// Not joined: nothing is sent.
	a, out, errOut := testApp(root)
	if code := run(t, a, "check", "adder"); code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	if n := len(rm.Bodies()); n != 0 {
		t.Fatalf("%d requests to a room nobody joined", n)
	}

	a, out, errOut = testApp(root)
	if code := run(t, a, "room", "join", "-name", "Ada", rm.Addr(), "4829 1736"); code != 0 {
		t.Fatalf("join: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "joined the room at "+rm.Addr()+" as Ada") {
		t.Errorf("join said:\n%s", out)
	}
	a, out, errOut = testApp(root)
	if code := run(t, a, "check", "-fresh", "adder"); code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "SECRET-OUTPUT") || strings.Contains(errOut.String(), "room:") {
		t.Fatalf("check should show the learner their output, and say nothing of the room:\n%s%s", out, errOut)
	}

	bodies := rm.Bodies()
	if len(bodies) != 2 { // join, check
		t.Fatalf("%d reports, want 2 (join, check): %q", len(bodies), bodies)
	}
	allowed := []string{"v", "id", "name", "lab", "steps", "n", "status", "failing", "build"}
	leak := regexp.MustCompile(`SECRET|Add\(|\.go\b|` + regexp.QuoteMeta(root))
	for _, b := range bodies {
		for _, k := range keys(t, b) {
			if !slices.Contains(allowed, k) {
				t.Errorf("a report has the field %q, not in the allowlist %q:\n%s", k, allowed, b)
			}
		}
		if m := leak.FindString(b); m != "" {
			t.Errorf("a report carries %q from the learner's machine:\n%s", m, b)
		}
	}
	v := rm.View("")
	if v.Lab != "ch99-fixture/adder" || len(v.Rows) != 1 {
		t.Fatalf("the room shows %+v", v)
	}
	if r := v.Rows[0]; r.Name != "Ada" || strings.Join(r.Steps, ",") != "failing,failing" || r.Failing != "TestAdd/small" {
		t.Errorf("the room's row: %+v", r)
	}

	a, out, _ = testApp(root)
	run(t, a, "room", "status")
	if !strings.Contains(out.String(), "in the room at "+rm.Addr()+" as Ada") {
		t.Errorf("room status:\n%s", out)
	}
	a, out, _ = testApp(root)
	if code := run(t, a, "room", "leave"); code != 0 || !strings.Contains(out.String(), "left the room") {
		t.Errorf("leave: exit %d\n%s", code, out)
	}
	if v := rm.View(""); v.Attendees != 0 {
		t.Errorf("after leave the room still has %d attendees", v.Attendees)
	}
	a, out, _ = testApp(root)
	if run(t, a, "check", "adder"); len(rm.Bodies()) != 3 { // join, check, leave
		t.Errorf("reported after leaving: %q", rm.Bodies()[3:])
	}
}

// A room that went away never fails a check: one hint line, then silence
// (the pause) for the next checks.
func TestRoomGoneIsOneHint(t *testing.T) {
	t.Parallel()
	root := fixture(t, map[string]string{"ch99-fixture/adder/exercise/adder.go": addDone})
	rm := startWireRoom(t)
	a, out, errOut := testApp(root)
	if code := run(t, a, "room", "join", "-name", "Ada", rm.Addr(), "4829-1736"); code != 0 {
		t.Fatalf("join: exit %d\n%s%s", code, out, errOut)
	}
	rm.http.Close()
	for i, want := range []int{1, 0} {
		a, out, errOut := testApp(root)
		if code := run(t, a, "check", "adder"); code != 0 {
			t.Fatalf("check %d with the room gone: exit %d\n%s%s", i+1, code, out, errOut)
		}
		if n := strings.Count(errOut.String(), "room: "); n != want {
			t.Errorf("check %d: %d room lines, want %d:\n%s", i+1, n, want, errOut)
		}
		if i == 0 && !strings.Contains(errOut.String(), "cannot reach the room at "+rm.Addr()) {
			t.Errorf("the hint does not say what happened:\n%s", errOut)
		}
	}
	a, out, _ = testApp(root)
	run(t, a, "room", "status")
	if !strings.Contains(out.String(), "the last report failed") {
		t.Errorf("room status after a failure:\n%s", out)
	}
}

// A watch reports after every run, while it runs (not only at its end).
func TestWatchReportsEachRun(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	rm := startWireRoom(t)
	a, out, errOut := testApp(root)
	if code := run(t, a, "room", "join", "-name", "Ada", rm.Addr(), "4829-1736"); code != 0 {
		t.Fatalf("join: exit %d\n%s%s", code, out, errOut)
	}
	<-rm.got
	a, out, errOut = testApp(root)
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() { exit <- a.main(ctx, []string{"watch", "adder"}) }()
	defer func() {
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("watch: exit %d\n%s", code, errOut)
		}
	}()
	wait := func(want string) {
		t.Helper()
		for {
			select {
			case b := <-rm.got:
				if strings.Contains(b, want) {
					return
				}
			case <-exit:
				t.Fatalf("watch ended early:\n%s", errOut)
			}
		}
	}
	wait(`"steps":[{"n":1,"status":"todo"},{"n":2,"status":"todo"}]`)
	p := filepath.Join(root, "ch99-fixture", "adder", "exercise", "adder.go")
	if err := os.WriteFile(p, []byte(addDone), 0o644); err != nil {
		t.Fatal(err)
	}
	wait(`"steps":[{"n":1,"status":"done"},{"n":2,"status":"todo"}]`)
}

func TestRoomUsage(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"room"}, 2, "room: which? serve, join, leave, status"},
		{[]string{"room", "srve"}, 2, `unknown subcommand "srve"; did you mean "serve"?`},
		{[]string{"room", "join"}, 2, "room join: want ADDR CODE"},
		{[]string{"room", "join", "127.0.0.1:1"}, 2, "room join: want ADDR CODE"},
		{[]string{"room", "join", "127.0.0.1:1", "12"}, 2, "a join code is 8 digits"},
		{[]string{"room", "join", "https://x:1", "48291736"}, 2, "plain http"},
		{[]string{"room", "join", "-name", "A", "127.0.0.1:1", "4829-1736"}, 1, "cannot reach the room at 127.0.0.1:1"},
		{[]string{"room", "serve", "-code", "12"}, 2, "a join code is 8 digits"},
		{[]string{"room", "serve", "-max", "0"}, 2, "want 1 or more"},
		{[]string{"room", "serve", "-addr", "nonsense"}, 1, "room serve: listen tcp"},
		{[]string{"room", "leave"}, 0, "not in a room"},
		{[]string{"room", "status"}, 0, "not in a room"},
		{[]string{"room", "-h"}, 0, "room join [-name NAME] ADDR CODE"},
	}
	for _, c := range cases {
		a, out, errOut := testApp(root)
		if code := run(t, a, c.args...); code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s%s", c.args, code, c.code, out, errOut)
		}
		if got := out.String() + errOut.String(); !strings.Contains(got, c.want) {
			t.Errorf("%q: output lacks %q:\n%s", c.args, c.want, got)
		}
	}
}

// lineWriter hands each line written to it to a channel: a test can wait
// for a line of a command that is still running.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		select {
		case w.lines <- string(w.buf[:i]):
		default: // nobody waits for this one
		}
		w.buf = w.buf[i+1:]
	}
}

// room serve prints the page and the join line, serves the course's step
// titles, and stops cleanly on Ctrl-C.
func TestRoomServe(t *testing.T) {
	t.Parallel()
	root := fixture(t, nil)
	a, _, errOut := testApp(root)
	lw := &lineWriter{lines: make(chan string, 64)}
	a.out = &Out{W: lw}
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		exit <- a.main(ctx, []string{"room", "serve", "-addr", "127.0.0.1:0", "-code", "1234-5678", "-max", "7"})
	}()

	joinRe := regexp.MustCompile(`^    go run \./scripts/lab room join (127\.0\.0\.1:\d+) 1234-5678$`)
	var addr string
	var printed []string
	for done := false; !done; {
		select {
		case l := <-lw.lines:
			printed = append(printed, l)
			if m := joinRe.FindStringSubmatch(l); m != nil {
				addr = m[1]
			}
			done = strings.Contains(l, "to restart this room") // the last line before serving
		case code := <-exit:
			cancel()
			t.Fatalf("room serve exited %d before printing a join line:\n%s\n%s", code, strings.Join(printed, "\n"), errOut)
		}
	}
	if s := strings.Join(printed, "\n"); addr == "" || !strings.Contains(s, "room: serving 1 lab for up to 7 attendees") ||
		!strings.Contains(s, "page:      http://"+addr+"/#1234-5678") || !strings.Contains(s, "loopback only") {
		cancel()
		<-exit
		t.Fatalf("room serve printed:\n%s", s)
	}

	b, _, _ := testApp(root)
	if code := run(t, b, "room", "join", "-name", "Bo", addr, "12345678"); code != 0 {
		t.Errorf("join the served room: exit %d", code)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/room", nil)
	req.Header.Set("Authorization", "Bearer 1234-5678")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v room.View
	json.NewDecoder(res.Body).Decode(&v)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if v.Lab != "ch99-fixture/adder" || len(v.Steps) != 2 || v.Steps[1].Title != "Subtract" || len(v.Rows) != 1 || v.Rows[0].Name != "Bo" {
		t.Errorf("the served room: %+v", v)
	}

	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("room serve after Ctrl-C: exit %d\n%s", code, errOut)
	}
}
