package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	shortlinkv1 "github.com/grpclabs/labs/ch05-interview/gen/shortlink/v1"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestShortenAndRedirect(t *testing.T) {
	p := demotest.Start(t, run, "-grpc-addr=127.0.0.1:0", "-http-addr=127.0.0.1:0")
	m := regexp.MustCompile(`redirects on (http://\S+)/<code>`).FindStringSubmatch(p.Stdout.String())
	if m == nil || !strings.Contains(p.Stdout.String(), "impl=solution") {
		t.Fatalf("no redirect address or impl in the banner:\n%s", p.Stdout)
	}
	conn, err := grpc.NewClient(p.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := shortlinkv1.NewShortLinkServiceClient(conn).Shorten(t.Context(), &shortlinkv1.ShortenRequest{Url: "https://go.dev/"})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, m[1]+"/"+resp.GetCode(), nil)
	hr, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hr.Body.Close()
	if hr.StatusCode != http.StatusFound || hr.Header.Get("Location") != "https://go.dev/" {
		t.Errorf("GET %s: %d, Location %q", req.URL, hr.StatusCode, hr.Header.Get("Location"))
	}
	if err := p.Stop(t); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-cache=memcached"},
		{"-cache=redis"},
		{"-redis=127.0.0.1:6379"},
		{"-impl=mine"},
		{"-ttl=0s"},
		{"extra"},
	} {
		_, _, err := demotest.Run(t.Context(), run, "", args...)
		if code := demo.ExitCode("shortlink", err, &strings.Builder{}); code != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, code, err)
		}
	}
}

func TestExerciseSaysWhichImpl(t *testing.T) {
	// A context that has already ended: unsolved, the exercise's NewServer
	// is a TODO; solved, the program stops at once. Either way it returns,
	// and a failure says whose code it was.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := demotest.Run(ctx, run, "", "-impl=exercise", "-grpc-addr=127.0.0.1:0", "-http-addr=127.0.0.1:0")
	if err != nil && !strings.Contains(err.Error(), "impl=exercise") {
		t.Errorf("error %q does not say impl=exercise", err)
	}
}
