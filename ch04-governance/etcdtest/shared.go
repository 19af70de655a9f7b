package etcdtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var shared struct {
	once sync.Once
	s    *Server
	dir  string
	err  error
}

// Shared is one single-member etcd for the whole test binary, started on
// first use (an etcd start costs 0.3-1 s) and stopped by [VerifyTestMain]
// after the tests. Tests that share it keep to their own keys and never
// stop, partition or compact it: those start their own with [Start].
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "etcdtest-shared-")
		if shared.err != nil {
			return
		}
		m := MemberConfig{Dir: shared.dir, Client: "127.0.0.1:0"}
		p, err := NewProxy("127.0.0.1:1")
		if err != nil {
			shared.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
		defer cancel()
		e, err := StartMember(ctx, m)
		if err != nil {
			p.Close()
			shared.err = err
			return
		}
		shared.s = &Server{member: m, proxy: p}
		shared.s.started(e)
	})
	if shared.err != nil {
		t.Fatalf("etcdtest: shared member: %v", shared.err)
	}
	return shared.s
}

// closeShared stops the shared member, if one was started.
func closeShared() {
	if shared.s != nil {
		shared.s.close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
}

var uniqueN atomic.Int64

// Unique is a key-safe name of the test's own for data in a shared etcd,
// different on every call: the test's name with '/' replaced, and a
// number, so that a test repeated in one process (-count) never meets
// what its earlier runs left behind.
func Unique(t testing.TB) string {
	r := strings.NewReplacer("/", "-", "_", "-", " ", "-")
	return fmt.Sprintf("%s-%d", strings.ToLower(r.Replace(t.Name())), uniqueN.Add(1))
}
