// Command userclient makes one GetUser call to a userserver with the
// userservice lab's typed client (a per-call deadline, errors that keep
// their gRPC status), and prints the user or the status code and message.
//
//	go run ./ch01-overview/cmd/userserver              # in one terminal
//	go run ./ch01-overview/cmd/userclient -id 42       # in another
//	go run ./ch01-overview/cmd/userclient -id 404      # userclient: NotFound: ..., exit 1
//	go run ./ch01-overview/cmd/userclient -impl=exercise -id 42   # your client code
//
// Exit status: 0 with a user, 1 when the call fails (the status says why:
// NotFound, InvalidArgument, Unavailable when nothing listens,
// DeadlineExceeded after -timeout), 2 for bad flags.
package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/ch01-overview/userservice/exercise"
	"github.com/grpclabs/labs/ch01-overview/userservice/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("userclient", run) }

// getUserFunc is the lab's client call, from the solution or the exercise.
type getUserFunc func(ctx context.Context, c userv1.UserServiceClient, id string, timeout time.Duration) (*userv1.GetUserResponse, error)

// callError is a failed call, printed as "Code: message".
type callError struct{ st *status.Status }

func (e *callError) Error() string { return fmt.Sprintf("%s: %s", e.st.Code(), e.st.Message()) }

// run is main without the process, for tests.
func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("userclient")
	addr := fs.String("addr", "127.0.0.1:50051", "the userserver's `host:port`")
	id := fs.String("id", "", "the user id to fetch (empty asks the server anyway: InvalidArgument)")
	timeout := fs.Duration("timeout", 2*time.Second, "deadline for the call")
	impl := demo.ImplFlag(fs)
	if err := demo.Parse(fs, args, "userclient [-addr host:port] -id ID [-timeout 2s] [-impl solution|exercise]", -1, stdio.Err); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return demo.Usagef("unexpected argument %q (the id goes in -id)", fs.Arg(0))
	}
	if *timeout <= 0 {
		return demo.Usagef("-timeout must be positive, got %v", *timeout)
	}
	getUser, err := demo.Pick[getUserFunc](*impl, solution.GetUser, exercise.GetUser)
	if err != nil {
		return err
	}

	// NewClient does not connect; the first call does, and a server that is
	// not there fails that call with Unavailable (well inside -timeout: the
	// call does not wait for the server to appear unless asked to).
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return demo.Usagef("bad -addr %q: %v", *addr, err)
	}
	defer conn.Close()

	fmt.Fprintf(stdio.Out, "GetUser(%q) on %s (impl=%s)\n", *id, *addr, *impl)
	resp, err := getUser(ctx, userv1.NewUserServiceClient(conn), *id, *timeout)
	if err != nil {
		return &callError{status.Convert(err)}
	}
	fmt.Fprintf(stdio.Out, "user %q: name=%q age=%d\n", *id, resp.GetName(), resp.GetAge())
	return nil
}
