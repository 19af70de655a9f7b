package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/ch01-overview/userservice/solution"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// userclient runs the program in process and returns its exit status, its
// output and what demo.Main would print on stderr.
func userclient(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	out, errOut, err := demotest.Run(t.Context(), run, "", args...)
	var last strings.Builder
	code = demo.ExitCode("userclient", err, &last)
	return code, out, errOut + last.String()
}

func server(t *testing.T) *labkit.Server {
	return labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) {
		userv1.RegisterUserServiceServer(g, solution.NewServer(map[string]*userv1.GetUserResponse{"42": {Name: "Grace Hopper", Age: 85}}))
	}, labkit.Options{})
}

func TestCalls(t *testing.T) {
	s := server(t)
	for _, c := range []struct {
		id, stdout, stderr string
		exit               int
	}{
		{"42", `user "42": name="Grace Hopper" age=85` + "\n", "", 0},
		{"404", "", `userclient: NotFound: user "404" not found` + "\n", 1},
		{"", "", "userclient: InvalidArgument: user_id is required\n", 1},
	} {
		code, stdout, stderr := userclient(t, "-addr", s.Addr, "-id", c.id)
		banner := `GetUser("` + c.id + `") on ` + s.Addr + " (impl=solution)\n"
		if code != c.exit || stdout != banner+c.stdout || stderr != c.stderr {
			t.Errorf("userclient -id %q: exit %d, stdout %q, stderr %q; want exit %d, %q, %q", c.id, code, stdout, stderr, c.exit, banner+c.stdout, c.stderr)
		}
	}
}

// TestUnreachable: a refused connection is Unavailable at once, not a wait
// for the deadline (a minute here, so DeadlineExceeded would mean waiting).
func TestUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now

	code, _, stderr := userclient(t, "-addr", addr, "-id", "42", "-timeout", "1m")
	if code != 1 || !strings.HasPrefix(stderr, "userclient: Unavailable: ") {
		t.Errorf("userclient to a closed port: exit %d, stderr %q; want exit 1 and an Unavailable error", code, stderr)
	}
}

// TestExerciseImpl: -impl=exercise runs the learner's GetUser, whatever
// state it is in: the banner says so, and the outcome is either the user
// or an error that says what went wrong (the TODO while it is unwritten).
func TestExerciseImpl(t *testing.T) {
	s := server(t)
	code, stdout, stderr := userclient(t, "-impl=exercise", "-addr", s.Addr, "-id", "42")
	if !strings.Contains(stdout, "(impl=exercise)") {
		t.Errorf("-impl=exercise: stdout %q; want the banner to say impl=exercise", stdout)
	}
	if code == 0 && !strings.Contains(stdout, "Grace Hopper") || code != 0 && (code != 1 || !strings.HasPrefix(stderr, "userclient: ")) {
		t.Errorf("-impl=exercise: exit %d, stdout %q, stderr %q; want the user, or exit 1 with a reason", code, stdout, stderr)
	}
}

// TestExitOnFailure: the exit status follows the call, whoever's code made it.
func TestExitOnFailure(t *testing.T) {
	s := labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) {
		userv1.RegisterUserServiceServer(g, failing{})
	}, labkit.Options{})
	if code, _, stderr := userclient(t, "-addr", s.Addr, "-id", "42"); code != 1 || !strings.Contains(stderr, "Internal: disk on fire") {
		t.Errorf("a failing server: exit %d, stderr %q; want exit 1 and the status", code, stderr)
	}
}

type failing struct {
	userv1.UnimplementedUserServiceServer
}

func (failing) GetUser(ctx context.Context, _ *userv1.GetUserRequest) (*userv1.GetUserResponse, error) {
	return nil, status.Error(codes.Internal, "disk on fire")
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args     []string
		contains string
	}{
		{[]string{"-bogus"}, "-bogus"},
		{[]string{"-impl=nope"}, "solution or exercise"},
		{[]string{"-timeout=0s"}, "-timeout"},
		{[]string{"-timeout=soon"}, "-timeout"},
		{[]string{"42"}, "-id"},
	} {
		code, _, stderr := userclient(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.contains) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("userclient %v: exit %d, stderr %q; want exit 2 and one line mentioning %q", c.args, code, stderr, c.contains)
		}
	}
	if code, _, stderr := userclient(t, "-h"); code != 0 || !strings.Contains(stderr, "-addr") {
		t.Errorf("-h: exit %d, stderr %q; want exit 0 and the flags", code, stderr)
	}
}
