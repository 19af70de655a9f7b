package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/ch01-overview/userservice/solution"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// userclient runs the program in process and returns its exit status and output.
func userclient(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = exitCode(run(t.Context(), args, &out, &errb), &errb)
	return code, out.String(), errb.String()
}

func TestCalls(t *testing.T) {
	s := labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) {
		userv1.RegisterUserServiceServer(g, solution.NewServer(map[string]*userv1.GetUserResponse{"42": {Name: "Grace Hopper", Age: 85}}))
	}, labkit.Options{})

	for _, c := range []struct {
		id, want string
		exit     int
	}{
		{"42", `user "42": name="Grace Hopper" age=85` + "\n", 0},
		{"404", `error: NotFound: user "404" not found` + "\n", 1},
		{"", "error: InvalidArgument: user_id is required\n", 1},
	} {
		code, stdout, stderr := userclient(t, "-addr", s.Addr, "-id", c.id)
		if code != c.exit || stdout+stderr != c.want {
			t.Errorf("userclient -id %q: exit %d, output %q; want exit %d, %q", c.id, code, stdout+stderr, c.exit, c.want)
		}
	}
}

func TestUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now

	start := time.Now()
	code, _, stderr := userclient(t, "-addr", addr, "-id", "42", "-timeout", "5s")
	if code != 1 || !strings.HasPrefix(stderr, "error: Unavailable: ") {
		t.Errorf("userclient to a closed port: exit %d, stderr %q; want exit 1 and an Unavailable error", code, stderr)
	}
	if took := time.Since(start); took >= 5*time.Second {
		t.Errorf("a refused connection took %v to report; want it well within the 5s timeout", took)
	}
}

func TestExerciseImpl(t *testing.T) {
	s := labkit.Serve(t, labkit.Loopback, func(g *grpc.Server) {
		userv1.RegisterUserServiceServer(g, solution.NewServer(map[string]*userv1.GetUserResponse{"42": {Name: "Grace Hopper", Age: 85}}))
	}, labkit.Options{})
	code, stdout, stderr := userclient(t, "-impl=exercise", "-addr", s.Addr, "-id", "42")
	// Until the userservice exercise is done, this is its TODO; after, the user.
	if code == 0 && !strings.Contains(stdout, "Grace Hopper") || code != 0 && !strings.Contains(stderr, "TODO: implement") {
		t.Errorf("-impl=exercise: exit %d, stdout %q, stderr %q; want the user or the exercise's TODO", code, stdout, stderr)
	}
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
