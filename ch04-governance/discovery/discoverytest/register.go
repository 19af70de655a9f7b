package discoverytest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/naming/endpoints"

	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestRegister: step 1, an instance under a lease, in etcd's layout, and
// gone at once on Deregister.
func TestRegister(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	cli, obs := s.Client(t), s.Client(t)
	svc := service(t)
	inst := registry.Instance{Service: svc, ID: "b1", Addr: "127.0.0.1:5001", Version: "1.2.0", Zone: "eu-1a", Weight: 3}
	reg, err := l.NewRegistrar(cli).Register(t.Context(), inst, 10*time.Second)
	step1.Require(t, err)

	resp, err := obs.Get(t.Context(), registry.Key(svc, "b1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 {
		t.Fatalf("after Register, %s holds %d keys, want 1", registry.Key(svc, "b1"), len(resp.Kvs))
	}
	kv := resp.Kvs[0]
	if got, err := registry.DecodeEtcd(kv.Key, kv.Value); err != nil || got != inst {
		t.Errorf("the stored value %s decodes to %+v, %v; want %+v (write it with registry.EncodeEtcd)", kv.Value, got, err, inst)
	}
	if kv.Lease == 0 {
		t.Fatal("the key has no lease: an instance that dies would stay registered forever")
	}
	ttl, err := obs.TimeToLive(t.Context(), clientv3.LeaseID(kv.Lease))
	if err != nil {
		t.Fatal(err)
	}
	if ttl.GrantedTTL != 10 {
		t.Errorf("the lease was granted for %ds, want the 10s Register was asked for", ttl.GrantedTTL)
	}
	// etcd's own naming/endpoints manager reads the registration.
	em, err := endpoints.NewManager(obs, registry.Root+svc)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := em.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ep, ok := listed[registry.Key(svc, "b1")]; !ok || ep.Addr != inst.Addr {
		t.Errorf("etcd's endpoints manager lists %v, want %s at %s", listed, registry.Key(svc, "b1"), inst.Addr)
	}

	select {
	case <-reg.Done():
		if !labkit.IsTODO(reg.Err()) { // keep is step 2
			t.Fatalf("Done is closed while the registration runs (Err: %v)", reg.Err())
		}
	default:
	}
	step1.Require(t, reg.Deregister(t.Context()))
	if resp, _ := obs.Get(t.Context(), registry.Key(svc, "b1")); len(resp.Kvs) != 0 {
		t.Error("the key is still there after Deregister: revoke the lease, so watchers see the instance leave now and not a TTL later")
	}
	if ttl, err := obs.TimeToLive(t.Context(), clientv3.LeaseID(kv.Lease)); err != nil || ttl.TTL != -1 {
		t.Errorf("after Deregister the lease has TTL %v (%v); want it revoked (-1)", ttl.TTL, err)
	}
	select {
	case <-reg.Done():
	case <-time.After(etcdtest.Wait):
		t.Fatal("Done is not closed after Deregister returned")
	}
	if !errors.Is(reg.Err(), registry.ErrDeregistered) {
		t.Errorf("Err after Deregister = %v, want registry.ErrDeregistered", reg.Err())
	}
	if err := reg.Deregister(t.Context()); err != nil {
		t.Errorf("a second Deregister = %v, want nil", err)
	}

	// Bad input is an error, and writes nothing.
	r := l.NewRegistrar(cli)
	for name, bad := range map[string]registry.Instance{
		"no address":     {Service: svc, ID: "bad1"},
		"slash in id":    {Service: svc, ID: "a/b", Addr: "127.0.0.1:1"},
		"no service":     {ID: "bad2", Addr: "127.0.0.1:1"},
		"invalid weight": {Service: svc, ID: "bad3", Addr: "127.0.0.1:1", Weight: -2},
	} {
		if g, err := r.Register(t.Context(), bad, 10*time.Second); step1.Check(t, err) == nil {
			g.Deregister(t.Context())
			t.Errorf("Register(%s: %+v) succeeded, want an error", name, bad)
		}
	}
	if g, err := r.Register(t.Context(), instance(svc, "short", "127.0.0.1:1"), 0); step1.Check(t, err) == nil {
		g.Deregister(t.Context())
		t.Error("Register with a zero ttl succeeded, want an error")
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if g, err := r.Register(cancelled, instance(svc, "late", "127.0.0.1:1"), 10*time.Second); step1.Check(t, err) == nil {
		g.Deregister(t.Context())
		t.Error("Register with a cancelled context succeeded, want the context's error")
	}
	if resp, _ := obs.Get(t.Context(), registry.Prefix(svc), clientv3.WithPrefix()); len(resp.Kvs) != 0 {
		t.Errorf("failed registrations left %d keys under %s", len(resp.Kvs), registry.Prefix(svc))
	}
}

// TestRegisterExpires: step 1, a registrant that dies without
// deregistering disappears when its lease runs out.
func TestRegisterExpires(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	obs := s.Client(t)
	dying := etcdtest.NewClient(t, s.Endpoint())
	svc := service(t)
	_, err := l.NewRegistrar(dying).Register(t.Context(), instance(svc, "b1", "127.0.0.1:5001"), 2*time.Second)
	step1.Require(t, err)
	if leaseOf(t, obs, svc, "b1") == 0 {
		t.Fatal("the instance is not registered under a lease")
	}
	// The process dies: its connection goes, nobody revokes anything.
	dying.Close()
	start := time.Now()
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		if leaseOf(t, obs, svc, "b1") != 0 {
			return errors.New("a registrant that died without deregistering is still registered: its key must live under a lease of the ttl asked for (2s)")
		}
		return nil
	})
	t.Logf("the dead instance vanished %v after its client closed (ttl 2s)", time.Since(start).Round(100*time.Millisecond))
}

// TestKeepAlive: step 2, the lease is renewed while the instance lives,
// and the registration stops (Done, Err) when its etcd client is closed.
func TestKeepAlive(t *testing.T, l Lab) {
	t.Parallel()
	s := etcdtest.Shared(t)
	obs := s.Client(t)
	cli := etcdtest.NewClient(t, s.Endpoint())
	svc := service(t)
	reg, err := l.NewRegistrar(cli).Register(t.Context(), instance(svc, "b1", "127.0.0.1:5001"), 2*time.Second)
	step1.Require(t, err)
	defer reg.Deregister(context.Background())
	lease := leaseOf(t, obs, svc, "b1")
	start := time.Now()
	// TimeToLive rounds the remaining TTL down to whole seconds. 1.5s
	// after the grant a 2s lease that nobody renewed has under 0.5s left,
	// which reads 0; reading 1 or more proves a renewal.
	etcdtest.Eventually(t, etcdtest.Wait, func() error {
		stopped(t, reg, step2)
		if leaseOf(t, obs, svc, "b1") == 0 {
			t.Fatalf("the instance vanished %v after Register with a 2s ttl: renew its lease (KeepAlive) for as long as the registration lives", time.Since(start).Round(100*time.Millisecond))
		}
		if time.Since(start) < 1500*time.Millisecond {
			return errors.New("waiting for the lease to need a renewal")
		}
		ttl, err := obs.TimeToLive(t.Context(), lease)
		if err != nil {
			return err
		}
		if ttl.TTL < 1 {
			return fmt.Errorf("the lease has %ds left %v after the grant: not renewed", ttl.TTL, time.Since(start).Round(100*time.Millisecond))
		}
		return nil
	})

	cli.Close()
	select {
	case <-reg.Done():
	case <-time.After(etcdtest.Wait):
		t.Fatalf("the etcd client was closed %v ago and the registration is still running: stop when the client is gone", etcdtest.Wait)
	}
	if err := reg.Err(); err == nil || errors.Is(err, registry.ErrDeregistered) || step2.Check(t, err) == nil {
		t.Errorf("Err after the client closed = %v; want an error that says the registration stopped by itself", err)
	}
}

// stopped fails the test when reg stopped by itself (with step's TODO
// message when that is why).
func stopped(t *testing.T, reg registry.Registration, step labkit.Step) {
	t.Helper()
	select {
	case <-reg.Done():
		step.Check(t, reg.Err())
		t.Fatalf("the registration stopped by itself: %v", reg.Err())
	default:
	}
}

// TestReregister: step 2, a lost lease (revoked; or expired while etcd
// was unreachable for longer than the ttl) is replaced, and the instance
// comes back without anyone restarting it.
func TestReregister(t *testing.T, l Lab) {
	t.Parallel()
	probeRegister(t, l)
	t.Run("revoked", func(t *testing.T) {
		s := etcdtest.Shared(t)
		obs := s.Client(t)
		svc := service(t)
		reg, err := l.NewRegistrar(s.Client(t)).Register(t.Context(), instance(svc, "b1", "127.0.0.1:5001"), 2*time.Second)
		step1.Require(t, err)
		defer reg.Deregister(context.Background())
		old := leaseOf(t, obs, svc, "b1")
		if _, err := obs.Revoke(t.Context(), old); err != nil {
			t.Fatal(err)
		}
		etcdtest.Eventually(t, etcdtest.Wait, func() error {
			stopped(t, reg, step2)
			if lease := leaseOf(t, obs, svc, "b1"); lease == 0 || lease == old {
				return errors.New("the instance's lease was revoked and it has not registered again under a new one")
			}
			return nil
		})
	})
	t.Run("partitioned longer than the ttl", func(t *testing.T) {
		s := etcdtest.Start(t)
		obs := etcdtest.NewClient(t, s.Direct()) // sees etcd during the partition
		svc := service(t)
		reg, err := l.NewRegistrar(s.Client(t)).Register(t.Context(), instance(svc, "b1", "127.0.0.1:5001"), 2*time.Second)
		step1.Require(t, err)
		defer reg.Deregister(context.Background())
		s.Partition()
		etcdtest.Eventually(t, etcdtest.Wait, func() error {
			if leaseOf(t, obs, svc, "b1") != 0 {
				return errors.New("waiting for the lease to expire while the registrant cannot reach etcd")
			}
			return nil
		})
		s.Heal()
		etcdtest.Eventually(t, etcdtest.Wait, func() error {
			stopped(t, reg, step2)
			if leaseOf(t, obs, svc, "b1") == 0 {
				return errors.New("etcd is reachable again and the instance whose lease expired has not registered again")
			}
			return nil
		})
	})
}
