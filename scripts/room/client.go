package room

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Reporting must never slow a learner down: a report gets Timeout, a
// check waits for it at most that long before exiting, and after a failure
// reporting pauses for Pause, so an instructor's closed laptop costs the
// room one short wait a minute, not one per check.
const (
	Timeout     = time.Second
	Pause       = time.Minute
	joinTimeout = 5 * time.Second // join is interactive: worth a clear answer
)

// Membership is an attendee's room, kept in .lab/room.json. Its presence is
// the opt-in: without the file nothing is ever sent.
type Membership struct {
	Version int       `json:"version"`
	URL     string    `json:"url"`  // http://host:port of the room
	Code    string    `json:"code"` // the join code's digits
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Joined  time.Time `json:"joined"`
	// FailedAt is when the last report failed, and Failure why; reporting
	// pauses until FailedAt+Pause. Zero after a success.
	FailedAt time.Time `json:"failedAt,omitzero"`
	Failure  string    `json:"failure,omitempty"`
}

const membershipVersion = 1

// File is where the membership lives in the runner's data directory.
func File(dataDir string) string { return filepath.Join(dataDir, "room.json") }

// Load returns the attendee's membership, nil when they have not joined.
func Load(dataDir string) (*Membership, error) {
	b, err := os.ReadFile(File(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Membership
	if err := json.Unmarshal(b, &m); err != nil || m.Version != membershipVersion || m.URL == "" || !idRe.MatchString(m.ID) {
		return nil, fmt.Errorf("%s is unreadable; join again (room join ADDR CODE) or leave (room leave)", File(dataDir))
	}
	return &m, nil
}

func (m *Membership) save(dataDir string) error {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	// Written beside the target and renamed, so a reader never sees half.
	f, err := os.CreateTemp(dataDir, "room-*.json")
	if err != nil {
		return err
	}
	_, werr := f.Write(append(b, '\n'))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), File(dataDir)); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// BaseURL turns what the instructor printed (host:port, or the page's
// http:// address) into the room's base URL.
func BaseURL(addr string) (string, error) {
	s := strings.TrimSpace(addr)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not an address: want host:port, as room serve printed it", addr)
	}
	if u.Scheme != "http" {
		return "", fmt.Errorf("%q: a room speaks plain http on the workshop's network", addr)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q: want only host:port, as room serve printed it", addr)
	}
	return "http://" + u.Host, nil
}

// Progress is what a run found: the lab, each step's status, and the first
// failing test's name. It is all a report says besides the attendee's name.
type Progress struct {
	Lab     string
	Steps   []Step
	Failing string
	Build   bool
}

// report makes the wire form, dropping what would not pass the server's
// checks rather than failing the whole report (a test name too long, say).
func (m *Membership) report(p Progress) (Update, bool) {
	r := Update{V: Version, ID: m.ID, Name: m.Name, Lab: p.Lab, Steps: p.Steps, Failing: p.Failing, Build: p.Build}
	if len(r.Steps) > MaxSteps {
		r.Steps = r.Steps[:MaxSteps]
	}
	if r.Check() != nil {
		r.Failing = ""
	}
	return r, r.Check() == nil
}

// Join checks the room and the code by sending a first report, then
// records the membership in dataDir. A membership of the same room keeps
// its id, so rejoining renames the attendee's row instead of adding one.
func Join(ctx context.Context, dataDir, addr, code, name string, first Progress) (*Membership, error) {
	hc := newClient()
	defer hc.CloseIdleConnections()
	return join(ctx, hc, dataDir, addr, code, name, first, time.Now())
}

func join(ctx context.Context, hc *http.Client, dataDir, addr, code, name string, first Progress, now time.Time) (*Membership, error) {
	base, err := BaseURL(addr)
	if err != nil {
		return nil, err
	}
	digits, err := NormalizeCode(code)
	if err != nil {
		return nil, err
	}
	name, err = CleanName(name)
	if err != nil {
		return nil, fmt.Errorf("your name: %v", err)
	}
	m := &Membership{Version: membershipVersion, URL: base, Code: digits, Name: name, ID: NewID(), Joined: now.UTC()}
	if old, _ := Load(dataDir); old != nil && old.URL == base {
		m.ID = old.ID
	}
	r, ok := m.report(first)
	if !ok {
		r = Update{V: Version, ID: m.ID, Name: m.Name}
	}
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	if err := post(ctx, hc, m, "/api/report", r); err != nil {
		return nil, err
	}
	if err := m.save(dataDir); err != nil {
		return nil, fmt.Errorf("joined, but could not record it: %w", err)
	}
	return m, nil
}

// Leave removes the membership, telling the room (best effort: the file
// goes even when the room cannot be reached).
func Leave(ctx context.Context, dataDir string) (*Membership, error) {
	hc := newClient()
	defer hc.CloseIdleConnections()
	return leave(ctx, hc, dataDir)
}

func leave(ctx context.Context, hc *http.Client, dataDir string) (*Membership, error) {
	m, err := Load(dataDir)
	if m != nil {
		ctx, cancel := context.WithTimeout(ctx, Timeout)
		defer cancel()
		post(ctx, hc, m, "/api/leave", Goodbye{V: Version, ID: m.ID})
	}
	if rerr := os.Remove(File(dataDir)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return m, rerr
	}
	if m == nil && err != nil {
		return nil, nil // an unreadable file is gone now: that is leaving
	}
	return m, nil
}

// post sends v as JSON with the code and turns every answer but 204 into
// an error that says what to do.
func post(ctx context.Context, hc *http.Client, m *Membership, path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+m.Code)
	host := strings.TrimPrefix(m.URL, "http://")
	res, err := hc.Do(req)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the room at %s did not answer in time", host)
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("cannot reach the room at %s (%v): is room serve running there, at the address it printed?", host, err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 200))
	why := strings.TrimSpace(string(msg))
	switch res.StatusCode {
	case http.StatusNoContent:
		return nil
	case http.StatusUnauthorized:
		return fmt.Errorf("the room at %s refused the join code %s: check it with your instructor", host, FormatCode(m.Code))
	case http.StatusForbidden, http.StatusBadRequest, http.StatusTooManyRequests, http.StatusRequestEntityTooLarge:
		return fmt.Errorf("the room refused the report: %s", why)
	}
	return fmt.Errorf("the room answered %s: %s", res.Status, why)
}

// Reporter sends an attendee's progress in the background, the latest
// first: Send never blocks, at most one report is in flight, a newer
// Progress replaces one not yet sent, and Close waits at most Timeout.
// Each Send reads room.json again, so joining or leaving in another
// terminal takes effect in a running watch. A failure prints one hint line
// (only the first of a run of failures) and pauses reporting.
type Reporter struct {
	dataDir string
	hint    io.Writer
	hc      *http.Client
	now     func() time.Time
	ctx     context.Context
	cancel  context.CancelCauseFunc
	wg      sync.WaitGroup

	mu      sync.Mutex
	m       *Membership // as last read
	pending *Update
	busy    bool
	failed  error     // the last attempt's failure, nil after a success
	failAt  time.Time // when it failed
	dirty   bool      // failed or failAt changed since m was read
	hinted  bool
}

// NewReporter reports for the attendee whose runner keeps its data in
// dataDir; hint is where its one line goes (the learner's stderr).
func NewReporter(dataDir string, hint io.Writer) *Reporter {
	return newReporter(dataDir, hint, newClient(), time.Now)
}

// newClient talks to a room directly: never through an HTTP proxy from the
// environment (the room is on the workshop's own network), and with a new
// connection per report, so nothing lingers after a check exits. Every
// request's context has a deadline: that is the timeout.
func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            (&net.Dialer{}).DialContext,
			DisableKeepAlives:      true,
			MaxResponseHeaderBytes: 4 << 10,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func newReporter(dataDir string, hint io.Writer, hc *http.Client, now func() time.Time) *Reporter {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &Reporter{dataDir: dataDir, hint: hint, hc: hc, now: now, ctx: ctx, cancel: cancel}
}

// Send queues p for the room, if the attendee has joined one.
func (r *Reporter) Send(p Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hintLocked()
	if r.dirty {
		r.persistLocked() // a watch: keep the pause across processes, too
	}
	m, err := Load(r.dataDir)
	if err != nil {
		if !r.hinted {
			r.hinted = true
			fmt.Fprintf(r.hint, "room: %v\n", err)
		}
		return
	}
	if m == nil || r.m != nil && (m.ID != r.m.ID || m.URL != r.m.URL) {
		r.failed, r.failAt, r.dirty = nil, time.Time{}, false // left, or joined anew: a fresh start
	}
	if m == nil {
		r.m, r.pending = nil, nil
		return
	}
	if r.failAt.IsZero() {
		r.failAt = m.FailedAt
	}
	r.m = m
	rep, ok := m.report(p)
	if !ok {
		return
	}
	r.pending = &rep
	if r.busy || r.now().Sub(r.failAt) < Pause {
		return // the loop picks it up; or paused: the next Send after the pause sends
	}
	r.busy = true
	r.wg.Add(1)
	go r.loop()
}

// loop sends the pending report until there is none.
func (r *Reporter) loop() {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		rep, m := r.pending, r.m
		r.pending = nil
		if rep == nil || m == nil || r.ctx.Err() != nil {
			r.busy = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(r.ctx, Timeout)
		err := post(ctx, r.hc, m, "/api/report", *rep)
		cancel()
		r.mu.Lock()
		if err != nil {
			switch cause := context.Cause(r.ctx); {
			case errors.Is(cause, errInterrupted):
				err = nil // Ctrl-C: not the room's fault
			case errors.Is(cause, errTooSlow):
				err = fmt.Errorf("the room at %s did not answer in time", strings.TrimPrefix(m.URL, "http://"))
			}
		}
		switch {
		case err != nil:
			r.failed, r.failAt, r.dirty = err, r.now(), true
			r.pending = nil // paused: the next Send after the pause brings the news
		case !r.failAt.IsZero():
			r.failed, r.failAt, r.dirty = nil, time.Time{}, true
		}
		r.mu.Unlock()
	}
}

// Close waits for the report in flight at most Timeout, then abandons it,
// prints the hint if a report failed, and keeps the pause in room.json.
func (r *Reporter) Close() {
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	t := time.NewTimer(Timeout)
	select {
	case <-done:
	case <-t.C:
		r.cancel(errTooSlow)
		<-done
	}
	t.Stop()
	r.cancel(errClosed)
	r.hc.CloseIdleConnections()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hintLocked()
	if r.dirty {
		r.persistLocked()
	}
}

// hintLocked prints the one hint line: only for the first failure of a
// run of them, so a closed room costs one line, not one per check.
func (r *Reporter) hintLocked() {
	if r.failed == nil || r.hinted || r.m == nil || !r.m.FailedAt.IsZero() {
		return
	}
	r.hinted = true
	fmt.Fprintf(r.hint, "room: %v (reporting pauses for a minute; 'go run ./scripts/lab room leave' stops it)\n", r.failed)
}

// persistLocked records the failure (or the recovery) in room.json, if the
// attendee is still in the same room.
func (r *Reporter) persistLocked() {
	r.dirty = false
	m, err := Load(r.dataDir)
	if err != nil || m == nil || r.m == nil || m.ID != r.m.ID || m.URL != r.m.URL {
		return
	}
	m.FailedAt, m.Failure = r.failAt, ""
	if r.failed != nil {
		m.Failure = r.failed.Error()
	}
	if m.save(r.dataDir) == nil {
		r.m = m
	}
}

// Report sends one Progress and waits for it at most Timeout (or until ctx
// is done): for a command that reports once and exits (check, drill).
func Report(ctx context.Context, dataDir string, p Progress, hint io.Writer) {
	reportOnce(ctx, NewReporter(dataDir, hint), p)
}

func reportOnce(ctx context.Context, r *Reporter, p Progress) {
	r.Send(p)
	stop := context.AfterFunc(ctx, func() { r.cancel(errInterrupted) })
	r.Close()
	stop()
}

// Why a Reporter's context ends: the command was interrupted (not the
// room's fault: no hint, no pause), the room was too slow, or it is done.
var (
	errInterrupted = errors.New("interrupted")
	errTooSlow     = errors.New("the room was too slow")
	errClosed      = errors.New("closed")
)
