package room

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

var progress = Progress{Lab: "ch01-overview/userservice", Steps: []Step{{1, Done}, {2, Failing}}, Failing: "TestStatus/not_found"}

// joined makes a data directory whose attendee joined the room on ln.
func joined(t *testing.T, ln *pipeListener, name string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := join(context.Background(), pipeClient(ln), dir, "room:7077", "4829 1736", name, Progress{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestJoinAndReport(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		srv, ln := bubbleRoom(t, Config{}, nil)
		dir := t.TempDir()
		ctx := context.Background()

		_, err := join(ctx, pipeClient(ln), dir, "room:7077", "1111-2222", "Ada", Progress{}, time.Now())
		if err == nil || !strings.Contains(err.Error(), "refused the join code 1111-2222") {
			t.Errorf("a wrong code: %v", err)
		}
		if _, err := os.Stat(File(dir)); !os.IsNotExist(err) {
			t.Errorf("a refused join left %s: %v", File(dir), err)
		}
		if _, err := join(ctx, pipeClient(ln), dir, "room:7077", "4829-1736", " ", Progress{}, time.Now()); err == nil || !strings.Contains(err.Error(), "your name: the name is empty") {
			t.Errorf("no name: %v", err)
		}

		m, err := join(ctx, pipeClient(ln), dir, "room:7077", "4829 1736", "  Ada   Lovelace ", progress, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != "Ada Lovelace" || m.Code != testCode || m.URL != "http://room:7077" {
			t.Errorf("membership %+v", m)
		}
		if v := srv.View(""); len(v.Rows) != 1 || v.Rows[0].Name != "Ada Lovelace" || v.Rows[0].Failing != "TestStatus/not_found" {
			t.Fatalf("after join the room shows %+v", v)
		}

		// Rejoining the same room keeps the row: a rename, not a newcomer.
		if _, err := join(ctx, pipeClient(ln), dir, "http://room:7077/", testCode, "Ada L.", Progress{}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if v := srv.View(""); v.Attendees != 1 || v.Waiting != 1 {
			t.Fatalf("after a rejoin: %d attendees, %d waiting", v.Attendees, v.Waiting)
		}

		var hint bytes.Buffer
		r := newReporter(dir, &hint, pipeClient(ln), time.Now)
		r.Send(progress)
		r.Close()
		if v := srv.View(""); len(v.Rows) != 1 || v.Rows[0].Name != "Ada L." || v.Rows[0].At != 2 {
			t.Errorf("after a report: %+v", v.Rows)
		}
		if hint.Len() > 0 {
			t.Errorf("a report that worked printed %q", hint.String())
		}

		if _, err := leave(ctx, pipeClient(ln), dir); err != nil {
			t.Fatal(err)
		}
		if v := srv.View(""); v.Attendees != 0 {
			t.Errorf("after leave: %d attendees", v.Attendees)
		}
		if m, err := Load(dir); m != nil || err != nil {
			t.Errorf("after leave: %+v, %v", m, err)
		}
	})
}

// A room is on the workshop's network: a proxy set in the environment
// (common on company laptops) must not see reports.
func TestNoProxy(t *testing.T) {
	if tr := newClient().Transport.(*http.Transport); tr.Proxy != nil || !tr.DisableKeepAlives {
		t.Error("the reporter's transport uses a proxy or keeps connections")
	}
}

// Not joined: nothing is sent, nothing is printed, nothing waits.
func TestNotJoinedSendsNothing(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		_, ln := bubbleRoom(t, Config{}, nil)
		var hint bytes.Buffer
		start := time.Now()
		r := newReporter(t.TempDir(), &hint, pipeClient(ln), time.Now)
		r.Send(progress)
		r.Close()
		if ln.Dials() != 0 || hint.Len() != 0 || time.Since(start) != 0 {
			t.Errorf("not joined: %d connections, hint %q, took %v", ln.Dials(), hint.String(), time.Since(start))
		}
	})
}

// A report in flight holds at most one: newer progress replaces what is
// queued, so the room gets the first and the latest, never a backlog.
func TestLatestWins(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		var holding atomic.Bool
		gate := make(chan struct{})
		var reports atomic.Int32
		hold := func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if holding.Load() {
					<-gate
				}
				reports.Add(1)
				h.ServeHTTP(w, r)
			})
		}
		srv, ln := bubbleRoom(t, Config{}, hold)
		dir := joined(t, ln, "Ada")
		holding.Store(true)
		reports.Store(0)
		r := newReporter(dir, &bytes.Buffer{}, pipeClient(ln), time.Now)
		r.Send(Progress{Lab: "ch01-overview/userservice", Steps: []Step{{1, TODO}}})
		synctest.Wait() // the first is in flight, held
		r.Send(Progress{Lab: "ch01-overview/userservice", Steps: []Step{{1, Failing}}})
		r.Send(Progress{Lab: "ch01-overview/userservice", Steps: []Step{{1, Done}}})
		close(gate)
		r.Close()
		if v := srv.View(""); v.Rows[0].Steps[0] != Done {
			t.Errorf("the room shows step 1 %s, want the latest (done)", v.Rows[0].Steps[0])
		}
		if n := reports.Load(); n != 2 {
			t.Errorf("%d reports reached the room, want 2: the first and the latest", n)
		}
	})
}

// stall makes a room's reports hang (until the client gives up) while on.
func stall(on *atomic.Bool) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if on.Load() {
				io.Copy(io.Discard, r.Body) // then net/http notices the client hanging up
				<-r.Context().Done()
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// A room that does not answer costs a check Timeout once, one hint line,
// and then nothing for Pause: the next checks do not even dial. After the
// pause it reports again, and a success clears the failure.
func TestUnreachableRoomPauses(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		var stalled atomic.Bool
		srv, ln := bubbleRoom(t, Config{}, stall(&stalled))
		dir := joined(t, ln, "Ada")
		stalled.Store(true)

		var hint bytes.Buffer
		check := func() {
			r := newReporter(dir, &hint, pipeClient(ln), time.Now)
			r.Send(progress)
			r.Close()
		}
		start := time.Now()
		check()
		if d := time.Since(start); d != Timeout {
			t.Errorf("a stalled room held the check %v, want %v", d, Timeout)
		}
		if lines := strings.Count(hint.String(), "\n"); lines != 1 || !strings.Contains(hint.String(), "room: the room at room:7077 did not answer in time") {
			t.Errorf("hint = %q, want one line", hint.String())
		}
		m, _ := Load(dir)
		if m == nil || !m.FailedAt.Equal(start.Add(Timeout)) || !strings.Contains(m.Failure, "did not answer") {
			t.Fatalf("room.json after the failure: %+v", m)
		}

		// The next checks within the pause: no connection, no wait, no line.
		dials := ln.Dials()
		time.Sleep(Pause / 2) // in the bubble: half the pause passes at once
		before := time.Now()
		check()
		if ln.Dials() != dials || time.Since(before) != 0 || strings.Count(hint.String(), "\n") != 1 {
			t.Errorf("within the pause: %d new connections, waited %v, hint %q", ln.Dials()-dials, time.Since(before), hint.String())
		}

		// After the pause, with the room answering again: reported, cleared.
		stalled.Store(false)
		time.Sleep(Pause / 2)
		check()
		if m, _ := Load(dir); m == nil || !m.FailedAt.IsZero() || m.Failure != "" {
			t.Errorf("room.json after a success: %+v", m)
		}
		if v := srv.View(""); len(v.Rows) != 1 || v.Rows[0].At != 2 {
			t.Errorf("the room after the pause: %+v", v.Rows)
		}
		if strings.Count(hint.String(), "\n") != 1 {
			t.Errorf("hint = %q, want still one line", hint.String())
		}

		// A room that has gone (connection refused) is the same story,
		// told at once rather than after Timeout.
		ln.refuse.Store(true)
		start = time.Now()
		check()
		if d := time.Since(start); d != 0 || !strings.Contains(hint.String(), "cannot reach the room at room:7077") {
			t.Errorf("a closed room: waited %v, hint %q", d, hint.String())
		}
	})
}

// A watch is one long Reporter: leaving in another terminal stops it at
// the next run, and a refused code (the room restarted with a new one)
// gives one hint, shown at the next run, then a pause.
func TestWatchFollowsRoomFile(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		srv, ln := bubbleRoom(t, Config{}, nil)
		dir := joined(t, ln, "Ada")
		var hint bytes.Buffer
		r := newReporter(dir, &hint, pipeClient(ln), time.Now)
		r.Send(progress)
		synctest.Wait()
		if err := os.Remove(File(dir)); err != nil {
			t.Fatal(err)
		}
		r.Send(Progress{Lab: "ch02-grpc-core/wire"})
		r.Close()
		if v := srv.View(""); v.Lab != "ch01-overview/userservice" {
			t.Errorf("reported after leaving: the room shows %q", v.Lab)
		}

		dir = joined(t, ln, "Bo")
		m, _ := Load(dir)
		m.Code = "11112222"
		if err := m.save(dir); err != nil {
			t.Fatal(err)
		}
		r = newReporter(dir, &hint, pipeClient(ln), time.Now)
		r.Send(progress)
		synctest.Wait() // refused
		if hint.Len() != 0 {
			t.Errorf("the hint came from the background: %q", hint.String())
		}
		dials := ln.Dials()
		r.Send(progress) // the next run: the hint, and the pause
		r.Send(progress)
		r.Close()
		if lines := strings.Count(hint.String(), "\n"); lines != 1 || !strings.Contains(hint.String(), "refused the join code 1111-2222") {
			t.Errorf("hint = %q, want one line about the code", hint.String())
		}
		if ln.Dials() != dials {
			t.Errorf("%d connections during the pause", ln.Dials()-dials)
		}
		if m, _ := Load(dir); m == nil || m.FailedAt.IsZero() {
			t.Errorf("a watch's failure was not kept: %+v", m)
		}
	})
}

// Report gives up when its context ends (Ctrl-C), well before Timeout,
// and that is no failure of the room: no hint, no pause.
func TestReportHonoursContext(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		stalled := &atomic.Bool{}
		_, ln := bubbleRoom(t, Config{}, stall(stalled))
		dir := joined(t, ln, "Ada")
		stalled.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), Timeout/10)
		defer cancel()
		var hint bytes.Buffer
		start := time.Now()
		reportOnce(ctx, newReporter(dir, &hint, pipeClient(ln), time.Now), progress)
		if d := time.Since(start); d != Timeout/10 {
			t.Errorf("Report with a context of %v returned after %v", Timeout/10, d)
		}
		if m, _ := Load(dir); hint.Len() != 0 || m == nil || !m.FailedAt.IsZero() {
			t.Errorf("an interrupted report counted as the room's failure: hint %q, %+v", hint.String(), m)
		}
	})
}
