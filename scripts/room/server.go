package room

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/netutil"
)

// Defaults for a Config's zero fields.
const (
	DefaultMaxAttendees = 200
	maxConns            = 256  // connections served at once; more wait in the kernel's backlog
	maxAddrs            = 4096 // client addresses the rate limiter tracks
	rate, burst         = 5, 30
	maxHeader           = 8 << 10
)

// The http.Server's timeouts: a client that sends its request slowly, or
// reads the answer slowly, is cut off instead of holding a connection.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownGrace     = 5 * time.Second
)

//go:embed page
var page embed.FS

// Config is a room's setup.
type Config struct {
	Code         string // the join code, normalised (NormalizeCode); required
	MaxAttendees int    // 0 means DefaultMaxAttendees
	Labs         []Lab  // the course, in order: step titles, and ties between labs
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// Server holds a room: its attendees live in memory only, and a restart
// loses nothing an attendee's next check does not send again.
type Server struct {
	cfg   Config
	limit *limiter
	mux   *http.ServeMux

	mu        sync.Mutex
	attendees map[string]*attendee
}

// NewServer checks the configuration and builds the room.
func NewServer(cfg Config) (*Server, error) {
	code, err := NormalizeCode(cfg.Code)
	if err != nil {
		return nil, err
	}
	cfg.Code = code
	if cfg.MaxAttendees == 0 {
		cfg.MaxAttendees = DefaultMaxAttendees
	}
	if cfg.MaxAttendees < 0 {
		return nil, fmt.Errorf("max attendees %d: want 1 or more", cfg.MaxAttendees)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, limit: newLimiter(rate, burst, maxAddrs), attendees: map[string]*attendee{}}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /{$}", s.static("page/index.html", "text/html; charset=utf-8"))
	s.mux.HandleFunc("GET /room.css", s.static("page/room.css", "text/css; charset=utf-8"))
	s.mux.HandleFunc("GET /room.js", s.static("page/room.js", "text/javascript; charset=utf-8"))
	s.mux.HandleFunc("GET /api/room", s.authed(s.getRoom))
	s.mux.HandleFunc("POST /api/report", s.authed(s.postReport))
	s.mux.HandleFunc("POST /api/leave", s.authed(s.postLeave))
	return s, nil
}

// Serve answers on ln until ctx is done, then shuts down, giving requests
// in flight a few seconds. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error { return serve(ctx, s, ln) }

func serve(ctx context.Context, h http.Handler, ln net.Listener) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeader,
		// Garbage from the network is the clients' problem, not a line on
		// the projected terminal.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(netutil.LimitListener(ln, maxConns)) }()
	select {
	case err := <-errc:
		hs.Close() // the listener failed: the connections go with it
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		hs.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// ServeHTTP rate-limits every request by client address, then routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ok, wait := s.limit.allow(host, s.cfg.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		http.Error(w, "too many requests: slow down", http.StatusTooManyRequests)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// static serves an embedded file with a policy that allows only the page's
// own script and style: an attendee's name is text, never markup.
func (s *Server) static(name, ctype string) http.HandlerFunc {
	b, err := page.ReadFile(name)
	if err != nil {
		panic(err) // the files are embedded at build time
	}
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}

// authed requires the join code in "Authorization: Bearer <code>".
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !codeMatches(given, s.cfg.Code) {
			http.Error(w, "wrong or missing join code", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// body reads a request body of at most MaxBody bytes.
func body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("body larger than %d bytes", MaxBody), http.StatusRequestEntityTooLarge)
		return nil, false
	case err != nil:
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return nil, false
	}
	return b, true
}

func (s *Server) postReport(w http.ResponseWriter, r *http.Request) {
	b, ok := body(w, r)
	if !ok {
		return
	}
	rep, err := DecodeUpdate(b)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.attendees[rep.ID]
	switch {
	case a == nil && len(s.attendees) >= s.cfg.MaxAttendees:
		http.Error(w, fmt.Sprintf("the room is full (%d attendees)", s.cfg.MaxAttendees), http.StatusForbidden)
		return
	case a == nil:
		a = &attendee{changed: now}
		s.attendees[rep.ID] = a
	case !sameProgress(a.Update, rep):
		a.changed = now
	}
	a.Update, a.seen = rep, now
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) postLeave(w http.ResponseWriter, r *http.Request) {
	b, ok := body(w, r)
	if !ok {
		return
	}
	l, err := DecodeGoodbye(b)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	delete(s.attendees, l.ID)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	lab := r.URL.Query().Get("lab")
	if lab != "" && (len(lab) > MaxLabID || !labRe.MatchString(lab)) {
		http.Error(w, "lab: not a lab id", http.StatusBadRequest)
		return
	}
	v := s.View(lab)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// View is the page's data for a lab ("" for the lab most attendees are on).
func (s *Server) View(lab string) View {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]*attendee, 0, len(s.attendees))
	for _, a := range s.attendees {
		all = append(all, a)
	}
	return view(all, s.cfg.Labs, lab, s.cfg.Now(), s.cfg.MaxAttendees)
}
