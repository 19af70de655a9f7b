// Package usertest is the userservice lab's suite. The exercise and the
// solution both run it, through their one-screen *_test.go files, so every
// assertion is written once.
package usertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch01-overview/userservice"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Server.GetUser"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Server.GetUser"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Server.GetUser"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "GetUser (the client)"}
)

// NewServerFunc builds a server from users keyed by id.
type NewServerFunc[S userv1.UserServiceServer] func(map[string]*userv1.GetUserResponse) S

// GetUserFunc is the lab's typed client call.
type GetUserFunc func(ctx context.Context, c userv1.UserServiceClient, id string, timeout time.Duration) (*userv1.GetUserResponse, error)

// fixtures returns the users every test starts from, fresh each call.
func fixtures() map[string]*userv1.GetUserResponse {
	return map[string]*userv1.GetUserResponse{
		"1":     {Name: "Ada Lovelace", Age: 36},
		"2":     {Name: "Alan Turing", Age: 41},
		"42":    {Name: "Grace Hopper", Age: 85},
		"zero":  {Name: "", Age: 0}, // a stored user whose fields are all defaults
		"émile": {Name: "Émilie du Châtelet", Age: 42},
	}
}

func serve[S userv1.UserServiceServer](t *testing.T, tr labkit.Transport, srv S) userv1.UserServiceClient {
	s := labkit.Serve(t, tr, func(g *grpc.Server) { userv1.RegisterUserServiceServer(g, srv) }, labkit.Options{})
	return userv1.NewUserServiceClient(s.Conn)
}

// TestGetUser: step 1, known users come back over the network.
func TestGetUser[S userv1.UserServiceServer](t *testing.T, newServer NewServerFunc[S]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		client := serve(t, tr, newServer(fixtures()))
		for id, want := range fixtures() {
			resp, err := client.GetUser(t.Context(), &userv1.GetUserRequest{UserId: id})
			step1.Require(t, err)
			if !proto.Equal(resp, want) {
				t.Errorf("GetUser(%q) = {%v}, want {%v}", id, resp, want)
			}
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		// Many callers at once, as a real server sees them; -race checks the store.
		client := serve(t, labkit.Bufconn, newServer(fixtures()))
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			wg.Go(func() {
				id := []string{"1", "2", "42"}[i%3]
				resp, err := client.GetUser(t.Context(), &userv1.GetUserRequest{UserId: id})
				switch {
				case err != nil:
					errs <- err
				case !proto.Equal(resp, fixtures()[id]):
					errs <- fmt.Errorf("GetUser(%q) = {%v}, want {%v}", id, resp, fixtures()[id])
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step1.Require(t, err)
		}
	})

	t.Run("store_is_private", func(t *testing.T) {
		// Called in process, no serialisation protects the store: neither the
		// caller's map, nor the messages in it, nor a returned response may
		// alias the server's copy. Each way of sharing gets its own message,
		// so a learner who copied only the map (maps.Clone) learns that the
		// messages are shared too.
		users := fixtures()
		srv := newServer(users)
		get := func(id string) *userv1.GetUserResponse {
			t.Helper()
			resp, err := srv.GetUser(t.Context(), &userv1.GetUserRequest{UserId: id})
			step1.Require(t, err)
			return resp
		}

		// 1. The map: the caller puts another message under a key.
		users["2"] = &userv1.GetUserResponse{Name: "put into the caller's map after NewServer"}
		if got := get("2").GetName(); got != "Alan Turing" {
			t.Fatalf("after the caller stored a new message under users[\"2\"], GetUser(2).name = %q: the server still uses the caller's map. "+
				"NewServer must copy the map, and the messages in it too: a map of pointers shares its messages", got)
		}

		// 2. The messages: the caller edits a message it still points to.
		users["1"].Name = "edited through the caller's pointer after NewServer"
		if got := get("1").GetName(); got != "Ada Lovelace" {
			t.Fatalf("after the caller edited the message it passed as users[\"1\"], GetUser(1).name = %q: the map is copied but the messages are shared. "+
				"maps.Clone copies only the *GetUserResponse pointers; NewServer must copy each message too (proto.Clone)", got)
		}

		// 3. The response: the caller edits what GetUser returned.
		get("1").Name = "edited through a response"
		if got := get("1").GetName(); got != "Ada Lovelace" {
			t.Fatalf("after the caller edited a response, GetUser(1).name = %q: GetUser returns the stored message itself. "+
				"Return a copy (proto.Clone)", got)
		}
	})
}

// TestGetUserErrors: step 2, bad and unknown ids get the right status.
func TestGetUserErrors[S userv1.UserServiceServer](t *testing.T, newServer NewServerFunc[S]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		client := serve(t, tr, newServer(fixtures()))

		_, err := client.GetUser(t.Context(), &userv1.GetUserRequest{UserId: ""})
		if step2.Check(t, err) == nil {
			t.Fatal("GetUser(\"\") succeeded; an empty user_id must be InvalidArgument")
		}
		if got := status.Code(err); got != codes.InvalidArgument {
			t.Errorf("GetUser(\"\"): code %v, want InvalidArgument (%v)", got, err)
		}

		for _, id := range []string{"7", "nobody", "1 "} {
			_, err := client.GetUser(t.Context(), &userv1.GetUserRequest{UserId: id})
			if step2.Check(t, err) == nil {
				t.Fatalf("GetUser(%q) succeeded; an unknown id must be NotFound", id)
			}
			s := status.Convert(err)
			if s.Code() != codes.NotFound {
				t.Errorf("GetUser(%q): code %v, want NotFound (%v)", id, s.Code(), err)
			}
			if !strings.Contains(s.Message(), id) {
				t.Errorf("GetUser(%q): message %q does not name the id; a caller reading logs needs it", id, s.Message())
			}
		}
	})
}

// TestGetUserContext: step 3, the handler honours a context that already ended.
func TestGetUserContext[S userv1.UserServiceServer](t *testing.T, newServer NewServerFunc[S]) {
	srv := newServer(fixtures())
	req := &userv1.GetUserRequest{UserId: "1"}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := srv.GetUser(ctx, req)
	if step3.Check(t, err) == nil {
		t.Fatal("GetUser with a cancelled context succeeded; check ctx.Err() first")
	}
	if got := status.Code(err); got != codes.Canceled {
		t.Errorf("cancelled context: code %v, want Canceled (%v)", got, err)
	}

	ctx, cancel = context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = srv.GetUser(ctx, req)
	if step3.Check(t, err) == nil {
		t.Fatal("GetUser with an expired deadline succeeded; check ctx.Err() first")
	}
	if got := status.Code(err); got != codes.DeadlineExceeded {
		t.Errorf("expired deadline: code %v, want DeadlineExceeded (%v)", got, err)
	}
}

// blockingServer answers only when its caller gives up, and reports the
// deadline it saw, so the client's deadline can be observed on the server.
type blockingServer struct {
	userv1.UnimplementedUserServiceServer
	deadlines chan time.Duration
}

func (b *blockingServer) GetUser(ctx context.Context, _ *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Time{}
	}
	b.deadlines <- time.Until(d)
	<-ctx.Done()
	return nil, status.FromContextError(ctx.Err()).Err()
}

// TestClient: step 4, the typed client call with a per-call deadline.
func TestClient[S userv1.UserServiceServer](t *testing.T, newServer NewServerFunc[S], getUser GetUserFunc) {
	t.Run("found", func(t *testing.T) {
		client := serve(t, labkit.Bufconn, newServer(fixtures()))
		resp, err := getUser(t.Context(), client, "42", time.Second)
		step4.Require(t, err)
		if !proto.Equal(resp, fixtures()["42"]) {
			t.Fatalf("GetUser(42) = {%v}, want {%v}", resp, fixtures()["42"])
		}
	})

	t.Run("not_found", func(t *testing.T) {
		client := serve(t, labkit.Bufconn, newServer(fixtures()))
		resp, err := getUser(t.Context(), client, "404", time.Second)
		if step4.Check(t, err) == nil {
			t.Fatalf("GetUser(404) = {%v}, nil; want a NotFound error", resp)
		}
		if resp != nil {
			t.Errorf("GetUser(404) returned a response with its error: %v", resp)
		}
		if got := status.Code(err); got != codes.NotFound {
			t.Errorf("status.Code(err) = %v, want NotFound; keep the status inspectable (%v)", got, err)
		}
		if !strings.Contains(err.Error(), "404") {
			t.Errorf("error %q does not name the user id", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a NotFound error claims to be context.DeadlineExceeded: %v", err)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		srv := &blockingServer{deadlines: make(chan time.Duration, 1)}
		client := serve(t, labkit.Bufconn, srv)
		const timeout = 200 * time.Millisecond
		_, err := getUser(t.Context(), client, "1", timeout)
		if step4.Check(t, err) == nil {
			t.Fatal("a call to a server that never answers succeeded")
		}
		if got := status.Code(err); got != codes.DeadlineExceeded {
			t.Errorf("status.Code(err) = %v, want DeadlineExceeded (%v)", got, err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(err, context.DeadlineExceeded) = false for %v; callers test for it", err)
		}
		if left := <-srv.deadlines; left <= 0 || left > timeout {
			t.Errorf("the server saw %v left; want the client's deadline (0 < left <= %v) carried in grpc-timeout", left, timeout)
		}
	})

	t.Run("caller_deadline_wins", func(t *testing.T) {
		srv := &blockingServer{deadlines: make(chan time.Duration, 1)}
		client := serve(t, labkit.Bufconn, srv)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := getUser(ctx, client, "1", time.Hour)
		if step4.Check(t, err) == nil {
			t.Fatal("a call to a server that never answers succeeded")
		}
		if left := <-srv.deadlines; left > 100*time.Millisecond {
			t.Errorf("the server saw %v left; the caller's shorter deadline must win over the per-call timeout", left)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		srv := &blockingServer{deadlines: make(chan time.Duration, 1)}
		client := serve(t, labkit.Bufconn, srv)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			select {
			case <-srv.deadlines: // the call reached the server: now give up
				cancel()
			case <-ctx.Done(): // the call never got there
			}
		}()
		_, err := getUser(ctx, client, "1", time.Hour)
		if step4.Check(t, err) == nil {
			t.Fatal("a cancelled call succeeded")
		}
		if got := status.Code(err); got != codes.Canceled {
			t.Errorf("status.Code(err) = %v, want Canceled (%v)", got, err)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(err, context.Canceled) = false for %v", err)
		}
	})

	t.Run("no_server", func(t *testing.T) {
		// A port that was just closed: nothing listens there.
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := lis.Addr().String()
		lis.Close()
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, err = getUser(t.Context(), userv1.NewUserServiceClient(conn), "1", 5*time.Second)
		if step4.Check(t, err) == nil {
			t.Fatal("a call with no server succeeded")
		}
		if got := status.Code(err); got != codes.Unavailable {
			t.Errorf("status.Code(err) = %v, want Unavailable (%v)", got, err)
		}
	})
}
