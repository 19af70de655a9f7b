// Package restvsgrpctest is the restvsgrpc lab's suite and benchmark. The
// exercise and the solution both run it through their one-screen *_test.go
// files, so every assertion is written once.
//
// Everything here runs over real loopback TCP: httptest.NewServer for
// HTTP/1.1 and labkit.Serve(Loopback) for gRPC, because connection reuse
// and bytes on the wire are the point of the lab.
package restvsgrpctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	usersol "github.com/grpclabs/labs/ch01-overview/userservice/solution"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch01-overview/restvsgrpc"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "routeUsers, getUser and writeJSON"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "writeError"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "GetUser (the JSON client)"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "Release"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "NewHandler and GetUser"}
)

// NewHandlerFunc builds the JSON front door over the same service value
// the gRPC server registers.
type NewHandlerFunc func(users userv1.UserServiceServer) http.Handler

// GetUserFunc is the lab's JSON client call.
type GetUserFunc func(ctx context.Context, hc *http.Client, baseURL, id string) (*userv1.GetUserResponse, error)

// ReleaseFunc is done with a response body, leaving its connection
// reusable.
type ReleaseFunc func(body io.ReadCloser) error

// guard bounds every wait on something a wrong implementation may never
// do; it is a failure deadline, never a way to synchronise.
const guard = 10 * time.Second

// fixtures returns the users every test starts from, fresh each call.
func fixtures() map[string]*userv1.GetUserResponse {
	return map[string]*userv1.GetUserResponse{
		"1":     {Name: "Ada Lovelace", Age: 36},
		"2":     {Name: "Alan Turing", Age: 41},
		"42":    {Name: "Grace Hopper", Age: 85},
		"zero":  {Name: "", Age: 0}, // every field at its default: JSON must still show both
		"émile": {Name: "Émilie du Châtelet", Age: 42},
		"a/b":   {Name: "Slash in the id", Age: 7}, // one path segment only if escaped
	}
}

// statusCoder is what the lab's *HTTPError offers; errors.As finds it
// without the suite knowing the exercise's or the solution's type.
type statusCoder interface{ HTTPStatus() int }

// todoIn turns a TODO message that crossed HTTP (a 501 whose body says
// "TODO: implement X") back into the TODO signal, so a Step reports it.
func todoIn(err error) error {
	if err == nil || labkit.IsTODO(err) {
		return err
	}
	msg := err.Error()
	if i := strings.Index(msg, "TODO: implement "); i >= 0 {
		return labkit.TODO(strings.TrimSuffix(strings.TrimSpace(msg[i+len("TODO: implement "):]), `"}`))
	}
	return err
}

// answer is one raw HTTP answer.
type answer struct {
	code   int
	header http.Header
	body   []byte
}

// todo reports a 501 TODO answer as the TODO signal.
func (a answer) todo() error {
	if a.code != http.StatusNotImplemented {
		return nil
	}
	return todoIn(errors.New(string(a.body)))
}

// do sends one raw request and reads the whole answer.
func do(t *testing.T, hc *http.Client, method, u string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, u, err)
	}
	return answer{resp.StatusCode, resp.Header, body}
}

// client returns a plain HTTP/1.1 client whose idle connections close
// with the test.
func client(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// serveHTTP starts h on a loopback port and counts the connections it
// accepts.
func serveHTTP(t testing.TB, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func userURL(base, id string) string { return base + "/v1/users/" + url.PathEscape(id) }

func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// blockingStore holds every call until its caller gives up (or the test
// ends), and reports what it saw.
type blockingStore struct {
	userv1.UnimplementedUserServiceServer
	entered chan struct{} // one value per call that reached the store
	ended   chan error    // the store's ctx.Err() once it ended
	stop    chan struct{} // closed by the test's cleanup: never hang
}

func newBlockingStore() *blockingStore {
	return &blockingStore{entered: make(chan struct{}, 16), ended: make(chan error, 16), stop: make(chan struct{})}
}

func (s *blockingStore) GetUser(ctx context.Context, _ *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	s.entered <- struct{}{}
	select {
	case <-ctx.Done():
		s.ended <- ctx.Err()
		return nil, status.FromContextError(ctx.Err()).Err()
	case <-s.stop:
		return nil, status.Error(codes.Unavailable, "test over")
	}
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("waited %v for %s", guard, what)
		panic("unreachable")
	}
}

// TestHandler: step 1, GET /v1/users/{id} answers 200 with a JSON user.
func TestHandler(t *testing.T, newHandler NewHandlerFunc) {
	srv, _ := serveHTTP(t, newHandler(usersol.NewServer(fixtures())))
	hc := client(t)

	for id, want := range fixtures() {
		a := do(t, hc, http.MethodGet, userURL(srv.URL, id))
		step1.Require(t, a.todo())
		if a.code != http.StatusOK {
			t.Fatalf("GET /v1/users/%s: status %d, want 200 (body %q)", url.PathEscape(id), a.code, a.body)
		}
		if !isJSON(a.header) {
			t.Errorf("GET /v1/users/%s: Content-Type %q, want application/json; set it before WriteHeader", url.PathEscape(id), a.header.Get("Content-Type"))
		}
		// Exactly two fields, both present even at their zero values.
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(a.body, &fields); err != nil {
			t.Fatalf("GET /v1/users/%s: body %q is not a JSON object: %v", url.PathEscape(id), a.body, err)
		}
		if _, ok := fields["name"]; !ok || len(fields) != 2 {
			t.Errorf("GET /v1/users/%s: body %s, want exactly the fields \"name\" and \"age\"", url.PathEscape(id), a.body)
		}
		if _, ok := fields["age"]; !ok {
			t.Errorf("GET /v1/users/%s: body %s has no \"age\"; omitempty (or the proto's own JSON tags) drops zero values", url.PathEscape(id), a.body)
		}
		var got struct {
			Name string `json:"name"`
			Age  int32  `json:"age"`
		}
		_ = json.Unmarshal(a.body, &got)
		if got.Name != want.GetName() || got.Age != want.GetAge() {
			t.Errorf("GET /v1/users/%s: got %s, want name %q age %d", url.PathEscape(id), a.body, want.GetName(), want.GetAge())
		}
	}

	t.Run("request_context", func(t *testing.T) {
		// When the client goes away, the store's ctx must end: the handler
		// passes r.Context() on, just as a gRPC handler passes its ctx.
		store := newBlockingStore()
		srv, _ := serveHTTP(t, newHandler(store))
		t.Cleanup(func() { close(store.stop) }) // runs before srv.Close
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, userURL(srv.URL, "1"), nil)
		hc := client(t)
		done := make(chan answer, 1)
		go func() {
			defer close(done)
			resp, err := hc.Do(req)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				done <- answer{resp.StatusCode, resp.Header, body}
			}
		}()
		select {
		case <-store.entered:
		case a, ok := <-done:
			if ok {
				step1.Require(t, a.todo())
			}
			t.Fatalf("the request finished (%d %q) without reaching the store", a.code, a.body)
		case <-time.After(guard):
			t.Fatal("the request never reached the store")
		}
		cancel()
		if err := recv(t, store.ended, "the store's context to end after the client cancelled; pass r.Context() to users.GetUser"); !errors.Is(err, context.Canceled) {
			t.Errorf("the store's context ended with %v, want context.Canceled", err)
		}
		<-done
	})
}

// failingStore answers every call with err.
type failingStore struct {
	userv1.UnimplementedUserServiceServer
	err error
}

func (s failingStore) GetUser(context.Context, *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	return nil, s.err
}

// TestHandlerErrors: step 2, failures are HTTP status codes with JSON bodies.
func TestHandlerErrors(t *testing.T, newHandler NewHandlerFunc) {
	srv, _ := serveHTTP(t, newHandler(usersol.NewServer(fixtures())))
	hc := client(t)

	jsonError := func(t *testing.T, what string, a answer, wantCode int) string {
		t.Helper()
		step2.Require(t, a.todo())
		if a.code != wantCode {
			t.Fatalf("%s: status %d, want %d (body %q)", what, a.code, wantCode, a.body)
		}
		if !isJSON(a.header) {
			t.Errorf("%s: Content-Type %q, want application/json: clients parse error bodies too", what, a.header.Get("Content-Type"))
		}
		var eb struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(a.body, &eb); err != nil || eb.Error == "" {
			t.Errorf("%s: body %q, want a JSON object {\"error\": \"...\"}", what, a.body)
		}
		return eb.Error
	}

	t.Run("empty_id", func(t *testing.T) {
		// {id} never matches an empty segment: without a route of its own,
		// /v1/users/ is the mux's plain-text 404.
		jsonError(t, "GET /v1/users/", do(t, hc, http.MethodGet, srv.URL+"/v1/users/"), http.StatusBadRequest)
	})

	t.Run("not_found", func(t *testing.T) {
		for _, id := range []string{"7", "nobody", "no/such", "1 "} {
			what := "GET /v1/users/" + url.PathEscape(id)
			msg := jsonError(t, what, do(t, hc, http.MethodGet, userURL(srv.URL, id)), http.StatusNotFound)
			if !strings.Contains(msg, id) {
				t.Errorf("%s: error %q does not name the id %q", what, msg, id)
			}
		}
	})

	t.Run("method_not_allowed", func(t *testing.T) {
		// A method in the pattern ("GET /v1/users/{id}") makes the mux
		// answer everything else with 405 and an Allow header.
		a := do(t, hc, http.MethodPost, userURL(srv.URL, "1"))
		step2.Require(t, a.todo())
		if a.code != http.StatusMethodNotAllowed {
			t.Fatalf("POST /v1/users/1: status %d, want 405; put the method in the route pattern", a.code)
		}
		if allow := a.header.Get("Allow"); !strings.Contains(allow, "GET") {
			t.Errorf("POST /v1/users/1: Allow %q, want it to list GET", allow)
		}
	})

	t.Run("internal", func(t *testing.T) {
		// A store failure is the server's problem, 500, and its message may
		// hold details (hosts, queries, secrets) that stay in the server.
		for _, err := range []error{
			status.Error(codes.Internal, "db at 10.0.0.7 said: password=hunter2"),
			errors.New("plain error with password=hunter2"),
		} {
			srv, _ := serveHTTP(t, newHandler(failingStore{err: err}))
			a := do(t, hc, http.MethodGet, userURL(srv.URL, "1"))
			jsonError(t, fmt.Sprintf("store error %q", err), a, http.StatusInternalServerError)
			if bytes.Contains(a.body, []byte("hunter2")) {
				t.Errorf("store error %q: the 500 body %q leaks the internal message", err, a.body)
			}
		}
	})
}

// padding follows every body of fakeAPI. JSON allows trailing whitespace,
// and a decoder stops at the closing brace, so a client that closes the body
// without reading it to EOF leaves these bytes unread, and the transport
// must throw the connection away.
var padding = strings.Repeat(" ", 8<<10)

// fakeAPI is the JSON API as the suite writes it, so the client is tested
// on its own, before (or without) the learner's handler.
func fakeAPI() http.Handler {
	users := fixtures()
	write := func(w http.ResponseWriter, code int, contentType, body string) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body+padding)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		switch id {
		case "busy":
			write(w, http.StatusServiceUnavailable, "text/plain; charset=utf-8", "overloaded, try later")
			return
		case "garbage":
			write(w, http.StatusOK, "application/json", `{"name": "cut off`)
			return
		case "html":
			write(w, http.StatusOK, "text/html; charset=utf-8", `<html>{"name":"x","age":1}</html>`)
			return
		}
		u, ok := users[id]
		if !ok {
			b, _ := json.Marshal(map[string]string{"error": fmt.Sprintf("user %q not found", id)})
			write(w, http.StatusNotFound, "application/json", string(b))
			return
		}
		b, _ := json.Marshal(map[string]any{"name": u.GetName(), "age": u.GetAge()})
		write(w, http.StatusOK, "application/json; charset=utf-8", string(b))
	})
	mux.HandleFunc("GET /v1/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		write(w, http.StatusBadRequest, "application/json", `{"error":"user_id is required"}`)
	})
	return mux
}

func wantHTTPStatus(t *testing.T, call string, err error, want int) {
	t.Helper()
	var sc statusCoder
	if !errors.As(err, &sc) {
		t.Errorf("%s: error %v (%T) carries no HTTP status; return an *HTTPError", call, err, err)
		return
	}
	if got := sc.HTTPStatus(); got != want {
		t.Errorf("%s: HTTPStatus() = %d, want %d (%v)", call, got, want, err)
	}
}

// TestClient: step 3, the client decodes users and returns typed errors.
func TestClient(t *testing.T, getUser GetUserFunc) {
	srv, _ := serveHTTP(t, fakeAPI())
	hc := client(t)

	t.Run("found", func(t *testing.T) {
		for id, want := range fixtures() {
			got, err := getUser(t.Context(), hc, srv.URL, id)
			step3.Require(t, err)
			if !proto.Equal(got, want) {
				t.Errorf("GetUser(%q) = {%v}, want {%v}", id, got, want)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			id, contains string
			code         int
		}{
			{"7", "7", http.StatusNotFound},
			{"no/such", "no/such", http.StatusNotFound}, // unescaped, it is two segments: the mux's 404, without the id
			{"", "required", http.StatusBadRequest},
			{"busy", "overloaded", http.StatusServiceUnavailable}, // plain text, like the mux's own errors
		} {
			call := fmt.Sprintf("GetUser(%q)", c.id)
			got, err := getUser(t.Context(), hc, srv.URL, c.id)
			if step3.Check(t, err) == nil {
				t.Fatalf("%s = {%v}, nil; want an HTTP %d error", call, got, c.code)
			}
			if got != nil {
				t.Errorf("%s returned a user with its error: {%v}", call, got)
			}
			wantHTTPStatus(t, call, err, c.code)
			if !strings.Contains(err.Error(), c.contains) {
				t.Errorf("%s: error %q does not contain %q from the response body", call, err, c.contains)
			}
		}
	})

	t.Run("bad_body", func(t *testing.T) {
		for _, id := range []string{"garbage", "html"} {
			got, err := getUser(t.Context(), hc, srv.URL, id)
			if step3.Check(t, err) == nil {
				t.Errorf("GetUser(%q) = {%v}, nil; a 200 whose body is not a JSON user is an error", id, got)
			}
		}
	})
}

// TestClientReuse: step 4, every answer, error or not, leaves the
// connection ready for the next call.
func TestClientReuse(t *testing.T, getUser GetUserFunc, release ReleaseFunc) {
	// Release first: GetUser calls it, and ignores what it says.
	step4.Require(t, release(io.NopCloser(strings.NewReader("left over"))))
	srv, conns := serveHTTP(t, fakeAPI())
	hc := client(t)
	ids := []string{"1", "7", "busy", "", "42", "no/such", "busy", "zero", "7", "2"}
	for _, id := range ids {
		// Errors are expected here (7 is unknown, busy is a 503); only the
		// connections count.
		_, err := getUser(t.Context(), hc, srv.URL, id)
		step3.Check(t, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d sequential calls opened %d connections, want 1: read every body to EOF (drain it) and Close it, error answers too, so keep-alive can reuse the connection", len(ids), n)
	}
}

// blockingAPI accepts a request and answers only when the client gives up.
func blockingAPI(entered chan<- struct{}, stop <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
}

// TestClientContext: step 3, the client gives up when its context ends.
func TestClientContext(t *testing.T, getUser GetUserFunc) {
	run := func(t *testing.T, ctx context.Context, onEnter func()) (error, int64) {
		t.Helper()
		entered, stop := make(chan struct{}, 1), make(chan struct{})
		srv, conns := serveHTTP(t, blockingAPI(entered, stop))
		t.Cleanup(func() { close(stop) }) // runs before srv.Close: never hang
		hc := client(t)
		done := make(chan error, 1)
		go func() {
			_, err := getUser(ctx, hc, srv.URL, "1")
			done <- err
		}()
		if onEnter != nil {
			select {
			case <-entered:
				onEnter()
			case err := <-done:
				step3.Check(t, err)
				t.Fatalf("GetUser returned %v before its request reached the server", err)
			case <-time.After(guard):
				t.Fatal("the request never reached the server")
			}
		}
		return recv(t, done, "GetUser to return after its context ended; build the request with http.NewRequestWithContext"), conns.Load()
	}

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		err, _ := run(t, ctx, cancel)
		if step3.Check(t, err) == nil {
			t.Fatal("GetUser succeeded although its context was cancelled")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(err, context.Canceled) = false for %v; wrap with %%w", err)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		err, _ := run(t, ctx, func() {})
		if step3.Check(t, err) == nil {
			t.Fatal("GetUser succeeded although its deadline passed")
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(err, context.DeadlineExceeded) = false for %v", err)
		}
	})

	t.Run("already_cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err, conns := run(t, ctx, nil)
		if step3.Check(t, err) == nil {
			t.Fatal("GetUser succeeded with a cancelled context")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(err, context.Canceled) = false for %v", err)
		}
		if conns != 0 {
			t.Errorf("a call whose context had already ended opened %d connections, want 0", conns)
		}
	})
}

// barrierStore holds calls until n of them are in flight at once, then
// answers them all from inner. With n concurrent callers this pins the
// moment every one of them needs the wire at the same time.
type barrierStore struct {
	userv1.UnimplementedUserServiceServer
	inner   userv1.UserServiceServer
	n       int
	mu      sync.Mutex
	arrived int
	release chan struct{}
}

func newBarrierStore(inner userv1.UserServiceServer, n int) *barrierStore {
	return &barrierStore{inner: inner, n: n, release: make(chan struct{})}
}

func (b *barrierStore) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
		return b.inner.GetUser(ctx, req)
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

// connCounter counts the connections a gRPC server accepts.
type connCounter struct{ n atomic.Int64 }

func (c *connCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (c *connCounter) HandleRPC(context.Context, stats.RPCStats)                       {}
func (c *connCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (c *connCounter) HandleConn(_ context.Context, s stats.ConnStats) {
	if _, ok := s.(*stats.ConnBegin); ok {
		c.n.Add(1)
	}
}

// concurrently runs call from n goroutines and returns the first error.
func concurrently(n int, call func() error) error {
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- call() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestCompare: step 5, one store behind both doors; what each costs in
// connections.
func TestCompare(t *testing.T, newHandler NewHandlerFunc, getUser GetUserFunc) {
	t.Run("same_data", func(t *testing.T) {
		store := usersol.NewServer(fixtures())
		srv, _ := serveHTTP(t, newHandler(store))
		g := labkit.Serve(t, labkit.Loopback, func(s *grpc.Server) { userv1.RegisterUserServiceServer(s, store) }, labkit.Options{})
		stub := userv1.NewUserServiceClient(g.Conn)
		hc := client(t)
		for id := range fixtures() {
			viaHTTP, err := getUser(t.Context(), hc, srv.URL, id)
			step5.Require(t, todoIn(err))
			viaGRPC, err := stub.GetUser(t.Context(), &userv1.GetUserRequest{UserId: id})
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(viaHTTP, viaGRPC) {
				t.Errorf("user %q: {%v} over HTTP, {%v} over gRPC; both doors read one store", id, viaHTTP, viaGRPC)
			}
		}
		_, herr := getUser(t.Context(), hc, srv.URL, "nobody")
		_, gerr := stub.GetUser(t.Context(), &userv1.GetUserRequest{UserId: "nobody"})
		step5.Check(t, todoIn(herr))
		wantHTTPStatus(t, `GetUser("nobody") over HTTP`, herr, http.StatusNotFound)
		if status.Code(gerr) != codes.NotFound {
			t.Errorf(`GetUser("nobody") over gRPC: %v, want NotFound`, gerr)
		}
	})

	t.Run("hpack", testHPACK)

	const callers = 16
	t.Run("http1_connections", func(t *testing.T) {
		// HTTP/1.1 carries one request at a time per connection, so 16
		// requests in flight at once need 16 connections.
		store := newBarrierStore(usersol.NewServer(fixtures()), callers)
		srv, conns := serveHTTP(t, newHandler(store))
		hc := client(t)
		ctx, cancel := context.WithTimeout(t.Context(), guard)
		defer cancel()
		err := concurrently(callers, func() error { _, err := getUser(ctx, hc, srv.URL, "42"); return err })
		step5.Require(t, todoIn(err))
		if n := conns.Load(); n != callers {
			t.Errorf("%d concurrent HTTP/1.1 calls used %d connections, want %d: one request per connection at a time", callers, n, callers)
		}
	})

	t.Run("grpc_connections", func(t *testing.T) {
		// HTTP/2 multiplexes: 16 calls in flight are 16 streams on one
		// connection.
		store := newBarrierStore(usersol.NewServer(fixtures()), callers)
		cc := &connCounter{}
		g := labkit.Serve(t, labkit.Loopback, func(s *grpc.Server) { userv1.RegisterUserServiceServer(s, store) },
			labkit.Options{Server: []grpc.ServerOption{grpc.StatsHandler(cc)}})
		stub := userv1.NewUserServiceClient(g.Conn)
		ctx, cancel := context.WithTimeout(t.Context(), guard)
		defer cancel()
		err := concurrently(callers, func() error {
			_, err := stub.GetUser(ctx, &userv1.GetUserRequest{UserId: "42"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := cc.n.Load(); n != 1 {
			t.Errorf("%d concurrent gRPC calls used %d connections, want 1 (HTTP/2 streams)", callers, n)
		}
	})
}

// recordingConn keeps every byte that crossed it, in both directions.
type recordingConn struct {
	net.Conn
	mu       sync.Mutex
	up, down bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.down.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.up.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// frames parses an HTTP/2 byte stream with x/net/http2's framer. It
// returns, per stream id, the sizes of its HEADERS blocks (HPACK-encoded)
// in order (for a gRPC response: the headers, then the trailers), and how
// many frames of each type there were.
func frames(t *testing.T, b []byte, client bool) (blocks map[uint32][]int, count map[http2.FrameType]int) {
	t.Helper()
	if client {
		if !bytes.HasPrefix(b, []byte(http2.ClientPreface)) {
			t.Fatalf("the client's bytes do not start with the HTTP/2 preface")
		}
		b = b[len(http2.ClientPreface):]
	}
	blocks, count = map[uint32][]int{}, map[http2.FrameType]int{}
	fr := http2.NewFramer(nil, bytes.NewReader(b))
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return blocks, count // io.EOF, or a frame cut at the end of the capture
		}
		count[f.Header().Type]++
		if h, ok := f.(*http2.HeadersFrame); ok {
			blocks[h.StreamID] = append(blocks[h.StreamID], len(h.HeaderBlockFragment()))
		}
	}
}

// testHPACK checks, on the real wire, the claim the README builds on:
// after the first call, HPACK's dynamic table turns a gRPC call's headers
// into a few index bytes. It logs what it saw (go test -v -run TestCompare/hpack).
func testHPACK(t *testing.T) {
	sizes := map[time.Duration]int{}
	for _, timeout := range []time.Duration{0, time.Minute} {
		t.Logf("calls with deadline %v:", timeout)
		var rc *recordingConn
		g := labkit.Serve(t, labkit.Loopback, func(s *grpc.Server) {
			userv1.RegisterUserServiceServer(s, usersol.NewServer(fixtures()))
		}, labkit.Options{Client: []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			rc = &recordingConn{Conn: c}
			return rc, nil
		})}})
		stub := userv1.NewUserServiceClient(g.Conn)
		// Four calls, and streams 1, 3, 5 are checked: the call on stream 7
		// returning proves every byte of the three before it was written and read.
		for range 4 {
			ctx := t.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			if _, err := stub.GetUser(ctx, &userv1.GetUserRequest{UserId: "42"}); err != nil {
				t.Fatal(err)
			}
		}
		rc.mu.Lock()
		up, down := bytes.Clone(rc.up.Bytes()), bytes.Clone(rc.down.Bytes())
		rc.mu.Unlock()
		req, upCount := frames(t, up, true)
		resp, downCount := frames(t, down, false)
		for _, id := range []uint32{1, 3, 5} { // client streams are odd, in call order
			if len(req[id]) != 1 || len(resp[id]) != 2 {
				t.Fatalf("stream %d: %d request and %d response HEADERS frames, want 1 and 2 (headers, trailers)", id, len(req[id]), len(resp[id]))
			}
			t.Logf("  stream %d: request headers %3d B, response headers %2d B, trailers %2d B (HPACK blocks; each frame adds a 9 B header)",
				id, req[id][0], resp[id][0], resp[id][1])
		}
		t.Logf("  frames over 4 calls: up %v, down %v", upCount, downCount)
		if first, later := req[1][0], req[3][0]; later*4 > first {
			t.Errorf("request header block: %d B on the first call, %d B on the second; HPACK's dynamic table should shrink repeats to a few bytes", first, later)
		}
		if first, later := resp[1][1], resp[3][1]; later >= first {
			t.Errorf("trailers block: %d B on the first call, %d B on the second; want the repeat indexed", first, later)
		}
		sizes[timeout] = req[3][0]
	}
	if sizes[time.Minute] <= sizes[0] {
		t.Errorf("request header block with a deadline %d B, without %d B; grpc-timeout changes every call, so it cannot be fully indexed", sizes[time.Minute], sizes[0])
	}
}
