package etcdtest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/grpclabs/labs/ch04-governance/etcdtest"
)

func TestMain(m *testing.M) { etcdtest.VerifyTestMain(m) }

func get(ctx context.Context, cli *clientv3.Client, key string) (string, error) {
	resp, err := cli.Get(ctx, key)
	if err != nil {
		return "", err
	}
	if len(resp.Kvs) == 0 {
		return "", fmt.Errorf("%s: not found", key)
	}
	return string(resp.Kvs[0].Value), nil
}

func short(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

func TestServer(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := etcdtest.Start(t)
	t.Logf("single member ready in %v", time.Since(start))
	cli := s.Client(t)
	ctx := t.Context()
	if _, err := cli.Put(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}

	s.Partition()
	if _, err := cli.Get(short(t), "k"); err == nil {
		t.Fatal("a Get succeeded through a partition")
	}
	direct := etcdtest.NewClient(t, s.Direct())
	if v, err := get(ctx, direct, "k"); err != nil || v != "v1" {
		t.Fatalf("a direct client during the partition read %q, %v", v, err)
	}
	s.Heal()
	etcdtest.Eventually(t, etcdtest.Wait, func() error { _, err := get(short(t), cli, "k"); return err })

	s.Stop()
	if _, err := cli.Get(short(t), "k"); err == nil {
		t.Fatal("a Get succeeded while the member was stopped")
	}
	start = time.Now()
	s.Restart(t)
	t.Logf("restarted in %v", time.Since(start))
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		v, err := get(short(t), cli, "k")
		if err == nil && v != "v1" {
			return fmt.Errorf("read %q after the restart, want v1", v)
		}
		return err
	})
}

func TestCluster(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := etcdtest.StartCluster(t, 3)
	lead := c.Leader(t)
	t.Logf("3 members ready in %v, leader m%d", time.Since(start), lead)
	cli := c.Client(t)
	if _, err := cli.Put(t.Context(), "k", "v1"); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	c.Members[lead].Stop()
	next := c.Leader(t)
	t.Logf("re-elected m%d in %v", next, time.Since(start))
	if next == lead {
		t.Fatalf("the stopped member m%d is still the leader", lead)
	}
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		_, err := cli.Put(short(t), "k", "v2")
		return err
	})
	c.Members[lead].Restart(t)
	follower := etcdtest.NewClient(t, c.Members[lead].Endpoint())
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		v, err := get(short(t), follower, "k")
		if err == nil && v != "v2" {
			return fmt.Errorf("the restarted member reads %q, want v2", v)
		}
		return err
	})
}

func TestProxy(t *testing.T) {
	t.Parallel()
	s := etcdtest.Start(t)
	p, err := etcdtest.NewProxy(s.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cli := etcdtest.NewClient(t, p.Addr())
	if _, err := cli.Put(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	_, err = cli.Get(short(t), "k")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("a Get through a cut proxy: %v", err)
	}
	if err == nil {
		t.Fatal("a Get succeeded through a cut proxy")
	}
	p.Heal()
	etcdtest.Eventually(t, etcdtest.Wait, func() error { _, err := get(short(t), cli, "k"); return err })
}
