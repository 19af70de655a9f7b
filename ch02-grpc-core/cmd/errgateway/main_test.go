package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOnce(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-once", "-flaky", "2", "-http", "127.0.0.1:0"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"call 1 → Unavailable", "call 3 → served", `GET /users/ada → 200 {"email":"ada@example.com"`,
		`GET /users/nobody → 404 {"code":"USER_NOT_FOUND"`, `"traceId":"abc123xyz"`, `GET /users/Bad_Id → 400 {"code":"INVALID_USER_ID"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestServeUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-http", "127.0.0.1:0"}, &out) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-impl=mine"}, {"-flaky=-1"}, {"extra"}, {"-nope"}} {
		var ue *usageError
		if err := run(t.Context(), args, &bytes.Buffer{}); !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v; want a usage error (exit 2)", args, err)
		}
	}
}
