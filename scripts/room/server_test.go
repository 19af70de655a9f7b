package room

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// clock is a settable clock for a Server's Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var testLabs = []Lab{
	{ID: "ch01-overview/userservice", Steps: []string{"Answer GetUser", "Status codes", "Deadlines", "The <b>client</b>"}},
	{ID: "ch02-grpc-core/wire", Steps: []string{"Varints", "Frames"}},
}

func newTestServer(t *testing.T, c *clock, max int) *Server {
	t.Helper()
	s, err := NewServer(Config{Code: "4829-1736", MaxAttendees: max, Labs: testLabs, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends one request to the handler from addr (host:port), with the
// code unless code is "".
func do(s http.Handler, method, path, code, addr, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = addr
	if code != "" {
		req.Header.Set("Authorization", "Bearer "+code)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

// update is an attendee's report as JSON.
func update(id, name, lab string, steps []string, failing string) string {
	u := Update{V: Version, ID: id, Name: name, Lab: lab, Failing: failing}
	for i, s := range steps {
		u.Steps = append(u.Steps, Step{i + 1, s})
	}
	b, _ := json.Marshal(u)
	return string(b)
}

// idOf makes attendee n's id; report sends from an address of its own, so
// the rate limit stays out of the way.
func idOf(n int) string { return fmt.Sprintf("%016x", n) }

func report(t *testing.T, s http.Handler, n int, name, lab string, steps []string, failing string) {
	t.Helper()
	w := do(s, "POST", "/api/report", "4829-1736", fmt.Sprintf("10.0.0.%d:5000", n), update(idOf(n), name, lab, steps, failing))
	if w.Code != http.StatusNoContent {
		t.Fatalf("report %s: %d %s", name, w.Code, w.Body)
	}
}

func getView(t *testing.T, s http.Handler, query string) View {
	t.Helper()
	w := do(s, "GET", "/api/room"+query, "4829-1736", "10.9.9.9:1", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /api/room%s: %d %s", query, w.Code, w.Body)
	}
	var v View
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewServerChecksItsConfig(t *testing.T) {
	for _, cfg := range []Config{{}, {Code: "1234"}, {Code: "4829-1736", MaxAttendees: -1}} {
		if _, err := NewServer(cfg); err == nil {
			t.Errorf("NewServer(%+v) accepted", cfg)
		}
	}
}

// The code is required on every API request; the page itself holds no
// data and loads without it, with a policy that runs only its own script.
func TestCodeRequired(t *testing.T) {
	s := newTestServer(t, newClock(), 0)
	body := update(idOf(1), "Ada", "ch01-overview/userservice", nil, "")
	for i, c := range []struct{ method, path, code string }{
		{"GET", "/api/room", ""},
		{"GET", "/api/room", "4829-1737"},
		{"GET", "/api/room", "garbage"},
		{"POST", "/api/report", ""},
		{"POST", "/api/report", "48291735"},
		{"POST", "/api/leave", ""},
	} {
		w := do(s, c.method, c.path, c.code, fmt.Sprintf("10.1.0.%d:1", i), body)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("%s %s with code %q: %d, want 401", c.method, c.path, c.code, w.Code)
		}
	}
	req := httptest.NewRequest("GET", "/api/room", nil)
	req.Header.Set("Authorization", "Basic 48291736")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("the code in another scheme: %d, want 401", w.Code)
	}
	if v := getView(t, s, ""); v.Attendees != 0 {
		t.Errorf("refused reports were counted: %d attendees", v.Attendees)
	}

	w = do(s, "GET", "/", "", "10.2.0.1:1", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<table id="grid"`) {
		t.Fatalf("GET /: %d\n%s", w.Code, w.Body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("page's policy = %q", csp)
	}
	for _, p := range []string{"/room.js", "/room.css"} {
		if w := do(s, "GET", p, "", "10.2.0.1:1", ""); w.Code != http.StatusOK || w.Body.Len() < 500 {
			t.Errorf("GET %s: %d, %d bytes", p, w.Code, w.Body.Len())
		}
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{{"GET", "/nothing", 404}, {"GET", "/api/report", 405}, {"DELETE", "/api/room", 405}, {"POST", "/", 405}} {
		if w := do(s, c.method, c.path, "4829-1736", "10.2.0.2:1", ""); w.Code != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, w.Code, c.code)
		}
	}
}

// Garbage gets a 4xx that says what is wrong, and changes nothing.
func TestGarbage(t *testing.T) {
	s := newTestServer(t, newClock(), 0)
	cases := []struct {
		body string
		code int
		want string
	}{
		{"", 400, "malformed JSON"},
		{"\x00\xff\xfe garbage", 400, "malformed JSON"},
		{`{"v":1,"id":"0123456789abcdef","name":"A","secret":"func main() {}"}`, 400, `unknown field "secret"`},
		{strings.Repeat("{", MaxBody), 400, "malformed JSON"},
		{strings.Repeat(" ", MaxBody+1), 413, "body larger than 4096 bytes"},
		{`{"v":1,"id":"0123456789abcdef","name":"` + strings.Repeat("a", 10<<20) + `"}`, 413, "body larger than"},
	}
	for i, c := range cases {
		w := do(s, "POST", "/api/report", "4829-1736", fmt.Sprintf("10.3.0.%d:1", i), c.body)
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("body %.40q: %d %q, want %d and %q", c.body, w.Code, w.Body, c.code, c.want)
		}
	}
	for _, q := range []string{"?lab=../../etc/passwd", "?lab=" + strings.Repeat("a", MaxLabID+1)} {
		if w := do(s, "GET", "/api/room"+q, "4829-1736", "10.3.1.1:1", ""); w.Code != 400 {
			t.Errorf("GET /api/room%s: %d, want 400", q, w.Code)
		}
	}
	if w := do(s, "POST", "/api/leave", "4829-1736", "10.3.1.2:1", `{"v":1}`); w.Code != 400 {
		t.Errorf("bad goodbye: %d, want 400", w.Code)
	}
	if v := getView(t, s, ""); v.Attendees != 0 {
		t.Errorf("garbage made %d attendees", v.Attendees)
	}
}

func TestRoomIsBounded(t *testing.T) {
	s := newTestServer(t, newClock(), 3)
	for n := 1; n <= 3; n++ {
		report(t, s, n, fmt.Sprint("attendee ", n), "ch01-overview/userservice", nil, "")
	}
	w := do(s, "POST", "/api/report", "4829-1736", "10.0.0.4:1", update(idOf(4), "late", "ch01-overview/userservice", nil, ""))
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "the room is full (3 attendees)") {
		t.Fatalf("a fourth attendee: %d %s", w.Code, w.Body)
	}
	report(t, s, 2, "attendee 2, renamed", "ch01-overview/userservice", nil, "") // one already in may still report
	if w := do(s, "POST", "/api/leave", "4829-1736", "10.0.0.1:1", fmt.Sprintf(`{"v":1,"id":%q}`, idOf(1))); w.Code != 204 {
		t.Fatalf("leave: %d %s", w.Code, w.Body)
	}
	report(t, s, 4, "late", "ch01-overview/userservice", nil, "") // a place is free again
	v := getView(t, s, "")
	var names []string
	for _, r := range v.Rows {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, ", "); got != "attendee 2, renamed, attendee 3, late" || v.Max != 3 {
		t.Errorf("rows = %s (max %d)", got, v.Max)
	}
}

// Each client address gets a burst, then a steady rate; the answer says
// when to come back, and another address is not affected.
func TestRateLimit(t *testing.T) {
	c := newClock()
	s := newTestServer(t, c, 0)
	get := func(addr string) *httptest.ResponseRecorder {
		return do(s, "GET", "/api/room", "4829-1736", addr, "")
	}
	for i := range burst {
		if w := get("10.4.0.1:1"); w.Code != 200 {
			t.Fatalf("request %d of the burst: %d", i+1, w.Code)
		}
	}
	w := get("10.4.0.1:2") // another port of the same machine: the same bucket
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("past the burst: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := do(s, "GET", "/api/room", "wrong", "10.4.0.1:1", ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("a guess past the burst: %d, want 429 before the code is even compared", w.Code)
	}
	if w := get("10.4.0.2:1"); w.Code != 200 {
		t.Errorf("another address: %d", w.Code)
	}
	c.Advance(time.Second / rate)
	if w := get("10.4.0.1:1"); w.Code != 200 {
		t.Errorf("after a token's time: %d", w.Code)
	}
	if w := get("10.4.0.1:1"); w.Code != http.StatusTooManyRequests {
		t.Errorf("a second request on one token: %d", w.Code)
	}
}

// The limiter tracks a bounded number of addresses: idle ones are
// forgotten, and while all are busy a new address is refused.
func TestLimiterIsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(1, 2, 3)
	for _, a := range []string{"a", "b", "c"} {
		if ok, _ := l.allow(a, now); !ok {
			t.Fatalf("%s refused", a)
		}
	}
	if ok, _ := l.allow("d", now); ok {
		t.Fatal("a fourth address while three are busy: allowed")
	}
	if ok, _ := l.allow("d", now.Add(time.Second)); !ok || len(l.buckets) > 3 {
		t.Fatalf("a fourth address once the others refilled: %v, %d tracked", ok, len(l.buckets))
	}
}

func TestView(t *testing.T) {
	c := newClock()
	s := newTestServer(t, c, 0)
	if v := getView(t, s, ""); v.Lab != "" || len(v.Rows) != 0 {
		t.Fatalf("an empty room shows %+v", v)
	}
	const us, wire = "ch01-overview/userservice", "ch02-grpc-core/wire"
	report(t, s, 1, "bob", us, []string{Done, Failing, TODO, TODO}, "TestStatus/not_found")
	report(t, s, 2, "Ada", wire, []string{Done, TODO}, "")
	report(t, s, 3, "Carol", "", nil, "")

	// One each on two labs: the earlier lab in the course wins the tie.
	v := getView(t, s, "")
	if v.Lab != us || v.Chosen || v.Attendees != 3 || v.Waiting != 1 {
		t.Fatalf("tie: lab %q chosen %v, %d attendees, %d waiting", v.Lab, v.Chosen, v.Attendees, v.Waiting)
	}

	report(t, s, 4, "dave", wire, []string{Failing, TODO}, "TestVarint")
	c.Advance(3 * time.Minute)
	report(t, s, 5, "Erin", wire, []string{Done, Done}, "")
	report(t, s, 6, "frank", wire, []string{Done, Failing}, "TestFrames/split")
	c.Advance(StuckAfter - 3*time.Minute)

	v = getView(t, s, "")
	if v.Lab != wire || len(v.Labs) != 2 || v.Labs[0] != (Count{wire, 4}) || v.Labs[1] != (Count{us, 1}) {
		t.Fatalf("majority: lab %q, labs %+v", v.Lab, v.Labs)
	}
	if len(v.Steps) != 2 || v.Steps[0].Title != "Varints" || v.Steps[0].Done != 3 || v.Steps[0].Here != 1 || v.Steps[1].Done != 1 || v.Steps[1].Here != 2 {
		t.Errorf("columns: %+v", v.Steps)
	}
	want := []Row{ // alphabetical, whatever the case
		{Name: "Ada", Steps: []string{Done, TODO}, At: 2, Since: 600, Seen: 600, Stuck: true},
		{Name: "dave", Steps: []string{Failing, TODO}, At: 1, Since: 600, Seen: 600, Stuck: true, Failing: "TestVarint"},
		{Name: "Erin", Steps: []string{Done, Done}, At: 0, Since: 420, Seen: 420},
		{Name: "frank", Steps: []string{Done, Failing}, At: 2, Since: 420, Seen: 420, Failing: "TestFrames/split"},
	}
	if got, _ := json.Marshal(v.Rows); string(got) != mustJSON(want) {
		t.Errorf("rows:\n got %s\nwant %s", got, mustJSON(want))
	}
	// One failure each: the tie goes to the first name, for a stable page.
	if v.Failing == nil || *v.Failing != (Count{"TestFrames/split", 1}) {
		t.Errorf("most common failing test: %+v", v.Failing)
	}

	// The same report again is a sign of life, not progress: the time
	// since the last step change keeps counting. A change resets it.
	report(t, s, 2, "Ada", wire, []string{Done, TODO}, "")
	report(t, s, 4, "dave", wire, []string{Done, Failing}, "TestFrames/split")
	c.Advance(time.Minute)
	v = getView(t, s, "")
	if r := v.Rows[0]; r.Since != 660 || r.Seen != 60 || !r.Stuck {
		t.Errorf("Ada after the same report again: %+v", r)
	}
	if r := v.Rows[1]; r.Since != 60 || r.Stuck || r.At != 2 {
		t.Errorf("dave after a step change: %+v", r)
	}
	if v.Failing == nil || *v.Failing != (Count{"TestFrames/split", 2}) {
		t.Errorf("most common failing test: %+v", v.Failing)
	}
	c.Advance(StuckAfter)
	if r := getView(t, s, "").Rows[2]; r.Name != "Erin" || r.Stuck {
		t.Errorf("an attendee who is done is not stuck, however long: %+v", r)
	}

	// The instructor picks a lab; one the course lacks gets as many
	// columns as its attendees report.
	if v := getView(t, s, "?lab="+us); v.Lab != us || !v.Chosen || len(v.Rows) != 1 || len(v.Steps) != 4 || v.Rows[0].At != 2 {
		t.Errorf("chosen lab: %+v", v)
	}
	report(t, s, 7, "Gus", "ch09-future/lab", []string{Done, Done, Done, TODO, TODO}, "")
	if v := getView(t, s, "?lab=ch09-future/lab"); len(v.Steps) != 5 || v.Steps[4].Title != "" || v.Rows[0].At != 4 {
		t.Errorf("a lab the course lacks: %+v", v)
	}
	if v := getView(t, s, "?lab=ch01-overview/nobody"); !v.Chosen || len(v.Rows) != 0 {
		t.Errorf("a lab nobody is on: %+v", v)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Slow clients are cut off by the http.Server's timeouts, and Serve
// returns once its context ends. In a bubble, over in-memory connections:
// the timeouts pass instantly and exactly.
func TestSlowClientsAreCutOff(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		_, ln := bubbleRoom(t, Config{}, nil)
		ctx := context.Background()

		// Half a request line, then nothing: closed at ReadHeaderTimeout.
		start := time.Now()
		c, err := ln.Dial(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "GET /api/room HTTP/1.1\r\nHost: room\r\n")
		if _, err := io.ReadAll(c); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != readHeaderTimeout {
			t.Errorf("a client stalling in its headers was cut off after %v, want %v", d, readHeaderTimeout)
		}
		c.Close()

		// Headers in time, then a body that never comes: cut off at
		// ReadTimeout, and the handler does not hang.
		start = time.Now()
		c, err = ln.Dial(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /api/report HTTP/1.1\r\nHost: room\r\nAuthorization: Bearer %s\r\nContent-Length: 100\r\n\r\n{\"v\":", testCode)
		got, _ := io.ReadAll(c)
		if d := time.Since(start); d != readTimeout {
			t.Errorf("a body that stops was cut off after %v, want %v", d, readTimeout)
		}
		// The handler's 400 races the connection's close: net/http may
		// hang up before sending it.
		if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 400 ") {
			t.Errorf("a body that stops: answered %.60q, want a 400 or nothing", got)
		}
		c.Close()

		// Headers past MaxHeaderBytes: the server stops reading and hangs
		// up, so the client cannot finish writing them. (Whether the 431
		// it writes first arrives is up to the transport: net/http says
		// so.)
		c, err = ln.Dial(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		wrote := make(chan error, 1)
		go func() {
			_, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: room\r\nX-Junk: %s\r\n\r\n", strings.Repeat("j", 1<<20))
			wrote <- err
		}()
		got, _ = io.ReadAll(c)
		if err := <-wrote; err == nil {
			t.Errorf("the server read 1 MiB of headers (and answered %.40q)", got)
		}
		if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 431 ") {
			t.Errorf("huge headers answered %.60q, want a 431 or nothing", got)
		}
		c.Close()
	})
}

// Serve on a real socket: Shutdown when the context ends, nothing left
// behind (goleak).
func TestServeLoopback(t *testing.T) {
	srv, err := NewServer(Config{Code: testCode})
	if err != nil {
		t.Fatal(err)
	}
	addr, stop := serveLoopback(t, srv)
	hc := newClient()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/room", nil)
	req.Header.Set("Authorization", "Bearer "+testCode)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /api/room: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if err := stop(); err != nil {
		t.Errorf("Serve after its context ended: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("still listening after Serve returned")
	}
}
