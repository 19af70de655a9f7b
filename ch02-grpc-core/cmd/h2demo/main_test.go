package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"-impl", "mine", "unary"}, {"-n", "0", "multiplex"}, {"record"}, {"-nope"}} {
		var stderr bytes.Buffer
		if code := run(t.Context(), args, io.Discard, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("h2demo %q: exit %d, stderr %q; want 2 and a reason", args, code, stderr.String())
		}
	}
}

func TestDemos(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"unary"}, []string{`{1: "Grace Hopper", 2: 85}`, "graceful shutdown, phase 1"}},
		{[]string{"-n", "3", "multiplex"}, []string{"stream 5", "3 calls, 1 TCP connection(s)"}},
		{[]string{"-n", "4", "http1"}, []string{"HTTP/1.1 (net/http):   4 TCP connections", "HTTP/2 (gRPC):         1 TCP connection"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var out, stderr bytes.Buffer
			if code := run(t.Context(), c.args, &out, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
