package idempotencytest

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
	"github.com/grpclabs/labs/ch05-interview/idempotency/store"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestFingerprint: step 1, what identifies a request apart from its key.
func TestFingerprint(t *testing.T, l Lab) {
	a, b := req("k1", 500), req("k2", 500)
	fa, fb := l.Fingerprint(a), l.Fingerprint(b)
	if len(fa) == 0 {
		step1.Check(t, labkit.TODO("Fingerprint"))
	}
	if len(fa) != 32 || !bytes.Equal(fa, fb) {
		t.Errorf("Fingerprint of two requests that differ only in their key: %x and %x; want the same SHA-256 (32 bytes)", fa, fb)
	}
	if a.GetIdempotencyKey() != "k1" {
		t.Errorf("Fingerprint changed the request's key to %q", a.GetIdempotencyKey())
	}
	for _, other := range []*paymentv1.ChargeRequest{
		req("k1", 501),
		{IdempotencyKey: "k1", Customer: "cus_43", AmountCents: 500, Currency: "EUR"},
		{IdempotencyKey: "k1", Customer: "cus_42", AmountCents: 500, Currency: "USD"},
	} {
		if bytes.Equal(l.Fingerprint(other), fa) {
			t.Errorf("Fingerprint(%v) equals that of %v: a reused key would go unnoticed", other, a)
		}
	}
}

// claim calls Claim, handing a TODO to step 1.
func claim(t *testing.T, k Keys, key string, fp []byte) store.Claim {
	t.Helper()
	c, err := k.Claim(t.Context(), key, fp)
	step1.Require(t, err)
	return c
}

func wantKind(t *testing.T, what string, c store.Claim, kind store.Kind, attempt int64) {
	t.Helper()
	if c.Kind != kind || (kind == store.New && c.Attempt != attempt) {
		want := kind.String()
		if kind == store.New {
			want = fmt.Sprintf("New, attempt %d", attempt)
		}
		t.Errorf("%s: %v (attempt %d), want %s", what, c.Kind, c.Attempt, want)
	}
}

// TestKeys: step 1, the key table's state machine against SQLite.
func TestKeys(t *testing.T, l Lab) {
	db := openDB(t)
	clk := newClock()
	k := l.NewKeys(db, clk.Now, lease)
	fp, other := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	ctx := t.Context()

	wantKind(t, "first claim of a key", claim(t, k, "a", fp), store.New, 1)
	wantKind(t, "a second claim while the first attempt runs", claim(t, k, "a", fp), store.Busy, 0)
	wantKind(t, "a claim with another fingerprint", claim(t, k, "a", other), store.Mismatch, 0)
	var effects int
	if err := k.Complete(ctx, "a", 1, []byte("resp"), 0, "", func(tx *sql.Tx) error { effects++; return nil }); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if effects != 1 {
		t.Errorf("Complete ran its effect %d times, want once (in its transaction)", effects)
	}
	c := claim(t, k, "a", fp)
	if c.Kind != store.Done || string(c.Response) != "resp" || c.Code != 0 {
		t.Errorf("a claim after Complete = %+v; want Done with the stored response", c)
	}
	wantKind(t, "a claim of a finished key with another fingerprint", claim(t, k, "a", other), store.Mismatch, 0)

	// An error outcome is stored and replayed too.
	claim(t, k, "declined", fp)
	if err := k.Complete(ctx, "declined", 1, nil, 9, "card declined", nil); err != nil {
		t.Fatal(err)
	}
	if c := claim(t, k, "declined", fp); c.Kind != store.Done || c.Code != 9 || c.Message != "card declined" {
		t.Errorf("a claim of a key completed with code 9 = %+v; want Done, code 9, the message", c)
	}

	// Release: the next attempt may take over at once; the released one is
	// then stale.
	claim(t, k, "b", fp)
	if err := k.Release(ctx, "b", 1); err != nil {
		t.Fatalf("Release: %v", err)
	}
	wantKind(t, "a claim after Release", claim(t, k, "b", fp), store.New, 2)
	if err := k.Complete(ctx, "b", 1, []byte("late"), 0, "", nil); !errors.Is(err, store.ErrLostKey) {
		t.Errorf("Complete by attempt 1 after attempt 2 took over = %v, want ErrLostKey", err)
	}
	if err := k.Release(ctx, "b", 1); !errors.Is(err, store.ErrLostKey) {
		t.Errorf("Release by attempt 1 after attempt 2 took over = %v, want ErrLostKey", err)
	}

	// A lease: a crashed attempt's key is taken over once it passes.
	claim(t, k, "c", fp)
	clk.Advance(lease - 1)
	wantKind(t, "a claim 1ns before the lease passes", claim(t, k, "c", fp), store.Busy, 0)
	clk.Advance(1)
	wantKind(t, "a claim once the lease has passed", claim(t, k, "c", fp), store.New, 2)

	// An effect that fails leaves the key as it was.
	claim(t, k, "d", fp)
	boom := errors.New("disk full")
	if err := k.Complete(ctx, "d", 1, []byte("x"), 0, "", func(*sql.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Complete whose effect failed = %v, want the effect's error", err)
	}
	wantKind(t, "a claim after a Complete whose effect failed (the attempt still holds the key)", claim(t, k, "d", fp), store.Busy, 0)

	// Twenty attempts at once: one wins.
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		kinds = map[store.Kind]int{}
	)
	for range 20 {
		wg.Go(func() {
			c, err := k.Claim(ctx, "e", fp)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("a concurrent Claim failed: %v", err)
				return
			}
			kinds[c.Kind]++
		})
	}
	wg.Wait()
	if kinds[store.New] != 1 || kinds[store.Busy] != 19 {
		t.Errorf("20 concurrent claims of a new key: %v; want exactly one New and 19 Busy", kinds)
	}
}
