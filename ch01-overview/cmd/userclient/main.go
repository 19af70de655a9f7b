// Command userclient makes one GetUser call to a userserver with the
// userservice lab's typed client (a per-call deadline, errors that keep
// their gRPC status), and prints the user or the status code and message.
//
//	go run ./ch01-overview/cmd/userserver &
//	go run ./ch01-overview/cmd/userclient -id 42
//	go run ./ch01-overview/cmd/userclient -id 404      # error: NotFound: ..., exit 1
//	go run ./ch01-overview/cmd/userclient -impl=exercise -id 42   # your client code
//
// Exit status: 0 with a user, 1 when the call fails (the status says why:
// NotFound, InvalidArgument, Unavailable when nothing listens,
// DeadlineExceeded after -timeout), 2 for bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/ch01-overview/userservice/exercise"
	"github.com/grpclabs/labs/ch01-overview/userservice/solution"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError is a bad command line: exit status 2, like the flag package.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitCode reports err (if any) on stderr and picks the exit status.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "userclient: %v (run with -h for usage)\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
}

// getUserFunc is the lab's client call, from the solution or the exercise.
type getUserFunc func(ctx context.Context, c userv1.UserServiceClient, id string, timeout time.Duration) (*userv1.GetUserResponse, error)

// callError is a failed call, printed as "Code: message".
type callError struct{ st *status.Status }

func (e *callError) Error() string { return fmt.Sprintf("%s: %s", e.st.Code(), e.st.Message()) }

// run is main without the process, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("userclient", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by exitCode
	addr := fs.String("addr", "127.0.0.1:50051", "the userserver's `host:port`")
	id := fs.String("id", "", "the user id to fetch (empty asks the server anyway: InvalidArgument)")
	timeout := fs.Duration("timeout", 2*time.Second, "deadline for the call")
	impl := fs.String("impl", "solution", "whose client code calls: solution or exercise")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, "usage: userclient [-addr host:port] -id ID [-timeout 2s] [-impl solution|exercise]")
			fs.PrintDefaults()
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q (the id goes in -id)", fs.Arg(0))}
	}
	if *timeout <= 0 {
		return &usageError{fmt.Sprintf("-timeout must be positive, got %v", *timeout)}
	}
	var getUser getUserFunc
	switch *impl {
	case "solution":
		getUser = solution.GetUser
	case "exercise":
		getUser = exercise.GetUser
	default:
		return &usageError{fmt.Sprintf("-impl must be solution or exercise, got %q", *impl)}
	}

	// NewClient does not connect; the first call does, and a server that is
	// not there fails that call with Unavailable (well inside -timeout: the
	// call does not wait for the server to appear unless asked to).
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("bad -addr %q: %w", *addr, err)
	}
	defer conn.Close()

	resp, err := getUser(ctx, userv1.NewUserServiceClient(conn), *id, *timeout)
	if err != nil {
		return &callError{status.Convert(err)}
	}
	fmt.Fprintf(stdout, "user %q: name=%q age=%d\n", *id, resp.GetName(), resp.GetAge())
	return nil
}
