package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// statusDelay is how long a command runs quietly before it says what it is
// doing: a quick answer stays clean, a slow one is never silent.
const statusDelay = time.Second

// Status tells the learner, on stderr, what a slow command is doing. On a
// terminal it is one line redrawn with a spinner and the latest detail,
// erased when the work is done. Elsewhere (a pipe, a CI log) each phase is
// printed once as a plain line and details are left out.
type Status struct {
	w     io.Writer
	tty   bool
	delay time.Duration

	mu      sync.Mutex
	phase   string
	detail  string
	shown   bool // the delay has passed: phases are printed as they come
	printed string
	drawn   bool // a terminal line is on screen
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
}

// status starts a status line for one piece of work; Stop it when done.
func (a *app) status(phase string) *Status {
	s := &Status{w: a.errOut.W, tty: isTerminal(a.errOut.W), delay: a.statusDelay,
		phase: phase, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	if s.delay <= 0 { // no waiting (tests): the first line is out before status returns
		s.shown = true
		s.render(0)
	}
	go s.loop()
	return s
}

func (s *Status) loop() {
	defer close(s.done)
	if !s.shown {
		timer := time.NewTimer(s.delay)
		defer timer.Stop()
		select {
		case <-s.stop:
			return
		case <-timer.C:
		}
		s.mu.Lock()
		s.shown = true
		s.render(0)
		s.mu.Unlock()
	}
	if !s.tty {
		<-s.stop
		return
	}
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for i := 1; ; i++ {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.mu.Lock()
			s.render(i)
			s.mu.Unlock()
		}
	}
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// render draws the line (terminal) or prints a phase not printed yet.
// Callers hold mu.
func (s *Status) render(frame int) {
	if !s.tty {
		if s.printed != s.phase {
			fmt.Fprintf(s.w, "lab: %s\n", s.phase)
			s.printed = s.phase
		}
		return
	}
	line := s.phase
	if s.detail != "" {
		line += " · " + s.detail
	}
	// One line that never wraps, or \r could not redraw it: 80 columns is
	// the narrowest terminal worth caring about.
	if r := []rune(line); len(r) > 68 {
		line = string(r[:67]) + "…"
	}
	fmt.Fprintf(s.w, "\r\x1b[2K%s %s (%ds)", spinner[frame%len(spinner)], line, int(time.Since(s.start).Seconds()))
	s.drawn = true
}

// Phase replaces what the work is doing, e.g. building, then testing.
func (s *Status) Phase(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase, s.detail = msg, ""
	if s.shown && !s.tty {
		s.render(0)
	}
}

// Detail adds the finest-grained news (the test running now); only a
// terminal shows it.
func (s *Status) Detail(msg string) {
	s.mu.Lock()
	s.detail = msg
	s.mu.Unlock()
}

// Stop ends the status line and erases it from a terminal. It is safe to
// call more than once.
func (s *Status) Stop() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drawn {
		fmt.Fprint(s.w, "\r\x1b[2K")
		s.drawn = false
	}
}
