package idempotencytest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
	"github.com/grpclabs/labs/ch05-interview/idempotency/psp"
	"github.com/grpclabs/labs/scripts/labkit"
)

// charge calls Charge over gRPC, handing a TODO to step.
func (e *env) charge(t *testing.T, step labkit.Step, r *paymentv1.ChargeRequest) (*paymentv1.ChargeResponse, error) {
	t.Helper()
	resp, err := e.client.Charge(t.Context(), r)
	return resp, step.Check(t, err)
}

// TestCharge: step 2, a charge, its replay, and the requests that must not
// charge.
func TestCharge(t *testing.T, l Lab) {
	e := newEnv(t, l, labkit.Options{})
	first, err := e.charge(t, step2, req("order-1", 1999))
	if err != nil {
		t.Fatal(err)
	}
	if first.GetChargeId() == "" || first.GetAmountCents() != 1999 || first.GetReplayed() {
		t.Errorf("first Charge = %v; want the processor's charge id, the amount, replayed=false", first)
	}
	again, err := e.charge(t, step2, req("order-1", 1999))
	if err != nil {
		t.Fatal(err)
	}
	if again.GetChargeId() != first.GetChargeId() || !again.GetReplayed() {
		t.Errorf("the same Charge again = %v; want the first one's charge id %q with replayed=true", again, first.GetChargeId())
	}
	if e.psp.Calls() != 1 || e.psp.Debits() != 1 || e.charges(t, "order-1") != 1 {
		t.Errorf("after a charge and its replay: %d calls to the processor, %d debits, %d charge rows; want 1, 1, 1 (a replay answers from the database)",
			e.psp.Calls(), e.psp.Debits(), e.charges(t, "order-1"))
	}

	_, err = e.charge(t, step2, req("order-1", 2999))
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("the key of order-1 with another amount = %v, want InvalidArgument (a reused key)", err)
	}
	for _, bad := range []*paymentv1.ChargeRequest{
		req("", 100),
		req(strings.Repeat("k", 65), 100),
		req("order-2", 0),
		req("order-3", -5),
		{IdempotencyKey: "order-4", AmountCents: 100, Currency: "EUR"},
		{IdempotencyKey: "order-5", Customer: "cus_42", AmountCents: 100, Currency: "euro"},
	} {
		if _, err := e.charge(t, step2, bad); status.Code(err) != codes.InvalidArgument {
			t.Errorf("Charge(%v) = %v, want InvalidArgument", bad, err)
		}
	}
	if e.psp.Calls() != 1 {
		t.Errorf("refused requests reached the processor: %d calls", e.psp.Calls())
	}

	// A declined card is a final answer: replayed, never retried.
	e.psp.Inject(psp.Declined)
	for i := range 2 {
		_, err := e.charge(t, step2, req("order-6", 500))
		if status.Code(err) != codes.FailedPrecondition {
			t.Errorf("Charge #%d with a declined card = %v, want FailedPrecondition", i+1, err)
		}
	}
	if e.psp.Calls() != 2 || e.charges(t, "order-6") != 0 {
		t.Errorf("a declined charge and its retry: %d processor calls (want 2: one each), %d charge rows (want 0)", e.psp.Calls(), e.charges(t, "order-6"))
	}
}

// TestDuplicates: step 2, the same charge arriving many times at once (a
// double click, an impatient retry): one debit, the rest told to retry.
func TestDuplicates(t *testing.T, l Lab) {
	const n = 30
	e := newEnv(t, l, labkit.Options{})
	if _, err := e.charge(t, step2, req("probe", 100)); err != nil {
		t.Fatal(err)
	}
	// The processor holds the first debit until every duplicate has had
	// its answer: all of them arrive while it is in progress.
	e.psp.Inject(psp.Hang)
	results := make(chan error, n)
	var ids atomic.Value
	for range n {
		go func() {
			resp, err := e.srv.Charge(context.Background(), req("order-7", 4200))
			if err == nil {
				ids.Store(resp.GetChargeId())
			}
			results <- err
		}()
	}
	codesSeen := map[codes.Code]int{}
	timeout := time.After(guard)
	for range n - 1 {
		select {
		case err := <-results:
			codesSeen[status.Code(err)]++
		case <-timeout:
			e.psp.Release()
			t.Fatalf("only %v of %d duplicates answered while the first charge was in progress: a duplicate must not wait for it (answer Aborted)", codesSeen, n-1)
		}
	}
	e.psp.Release()
	codesSeen[status.Code(<-results)]++
	if codesSeen[codes.OK] != 1 || codesSeen[codes.Aborted] != n-1 {
		t.Errorf("%d concurrent charges with one key: %v; want 1 OK and %d Aborted", n, codesSeen, n-1)
	}
	if d := e.psp.Debits(); d != 2 { // the probe and order-7
		t.Errorf("the processor made %d debits, want 2 (the probe, and order-7 once)", d)
	}
	resp, err := e.charge(t, step2, req("order-7", 4200))
	if err != nil || !resp.GetReplayed() || resp.GetChargeId() != ids.Load() {
		t.Errorf("a retry after the duplicates = %v, %v; want the replay of charge %v", resp, err, ids.Load())
	}
}

// retrying is grpc-go's own retry policy, as a client would configure it:
// UNAVAILABLE and ABORTED are retried with the same request, which means
// the same idempotency key.
var retrying = grpc.WithDefaultServiceConfig(`{"methodConfig": [{
	"name": [{"service": "payment.v1.PaymentService"}],
	"retryPolicy": {
		"maxAttempts": 5, "initialBackoff": "0.01s", "maxBackoff": "0.05s", "backoffMultiplier": 2,
		"retryableStatusCodes": ["UNAVAILABLE", "ABORTED"]
	}}]}`)

// loseFirst is a server interceptor that lets the first Charge run and
// then loses its answer, as a connection that drops just then would.
func loseFirst(lost *atomic.Int64) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, r any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		resp, err := h(ctx, r)
		if err == nil && lost.Add(1) == 1 {
			return nil, status.Error(codes.Unavailable, "connection reset by peer (the answer was lost)")
		}
		return resp, err
	}
}

// TestRetries: step 2, a client that retries on its own (grpc-go's retry
// policy) after its answer was lost: charged once, and told so.
func TestRetries(t *testing.T, l Lab) {
	var lost atomic.Int64
	e := newEnv(t, l, labkit.Options{
		Server: []grpc.ServerOption{grpc.UnaryInterceptor(loseFirst(&lost))},
		Client: []grpc.DialOption{retrying},
	})
	resp, err := e.charge(t, step2, req("order-8", 750))
	if err != nil {
		t.Fatalf("a charge whose first answer was lost: %v; the client's retry should have succeeded", err)
	}
	if !resp.GetReplayed() || e.psp.Debits() != 1 || e.charges(t, "order-8") != 1 {
		t.Errorf("after a lost answer and grpc-go's retry: %v, %d debits, %d charge rows; want the replay of the one charge", resp, e.psp.Debits(), e.charges(t, "order-8"))
	}
}

// TestUnknownOutcome: step 3, when the processor does not answer, nobody
// knows whether the money moved; the retry must find out, with the same
// key, and not charge again.
func TestUnknownOutcome(t *testing.T, l Lab) {
	t.Run("processor down", func(t *testing.T) {
		e := newEnv(t, l, labkit.Options{Client: []grpc.DialOption{retrying}})
		e.psp.Inject(psp.Down)
		resp, err := e.charge(t, step3, req("order-9", 300))
		if err != nil || resp.GetReplayed() || e.psp.Debits() != 1 {
			t.Errorf("a charge whose first debit found the processor down, retried by the client: %v, %v, %d debits; want one fresh charge",
				resp, err, e.psp.Debits())
		}
	})
	t.Run("answer lost", func(t *testing.T) {
		e := newEnv(t, l, labkit.Options{})
		e.psp.Inject(psp.Lost) // the money moves, the answer does not come back
		_, err := e.charge(t, step3, req("order-10", 300))
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("a charge whose debit answer was lost = %v; want Unavailable (the outcome is unknown: the client should retry)", err)
		}
		resp, err := e.charge(t, step3, req("order-10", 300))
		if err != nil {
			t.Fatalf("the retry at once: %v; an attempt that does not know the outcome releases the key", err)
		}
		if e.psp.Debits() != 1 || e.psp.Calls() != 2 || e.charges(t, "order-10") != 1 {
			t.Errorf("after a lost debit answer and a retry: %v, %d debits in %d processor calls, %d charge rows; want 1 debit found by the second call with the same key",
				resp, e.psp.Debits(), e.psp.Calls(), e.charges(t, "order-10"))
		}
	})
	t.Run("crashed attempt", func(t *testing.T) {
		e := newEnv(t, l, labkit.Options{})
		r := req("order-11", 800)
		// A process claimed the key, debited the card, and died.
		k := l.NewKeys(e.db, e.clock.Now, lease)
		dead := claim(t, k, "order-11", l.Fingerprint(r))
		gw := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { paymentv1.RegisterGatewayServiceServer(g, e.psp) }, labkit.Options{})
		debit, err := paymentv1.NewGatewayServiceClient(gw.Conn).Debit(t.Context(), &paymentv1.DebitRequest{Key: "order-11", Customer: r.Customer, AmountCents: 800, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.charge(t, step3, r); status.Code(err) != codes.Aborted {
			t.Errorf("a retry while the dead attempt's lease runs = %v, want Aborted", err)
		}
		e.clock.Advance(lease)
		resp, err := e.charge(t, step3, r)
		if err != nil || resp.GetChargeId() != debit.GetChargeId() || e.psp.Debits() != 1 {
			t.Errorf("a retry after the lease passed = %v, %v (%d debits); want the dead attempt's charge %s, found by debiting with the same key",
				resp, err, e.psp.Debits(), debit.GetChargeId())
		}
		if err := k.Complete(t.Context(), "order-11", dead.Attempt, []byte("ghost"), 0, "", nil); err == nil {
			t.Error("the dead attempt, coming back, could still complete the key")
		}
	})
	t.Run("slow attempt overtaken", func(t *testing.T) {
		e := newEnv(t, l, labkit.Options{})
		if _, err := e.charge(t, step3, req("probe", 100)); err != nil { // a TODO stops here
			t.Fatal(err)
		}
		r := req("order-12", 900)
		e.psp.Inject(psp.Hang) // the first debit moves the money, then stalls
		slow := make(chan error, 1)
		go func() { _, err := e.srv.Charge(context.Background(), r); slow <- err }()
		deadline := time.Now().Add(guard)
		for e.psp.Calls() == 1 {
			if time.Now().After(deadline) {
				t.Fatal("the first attempt never called the processor")
			}
			time.Sleep(time.Millisecond) // polling another goroutine's progress
		}
		e.clock.Advance(lease)
		resp, err := e.charge(t, step3, r)
		if err != nil {
			t.Fatalf("a retry after the slow attempt's lease passed: %v", err)
		}
		e.psp.Release()
		if err := <-slow; status.Code(err) == codes.OK {
			t.Error("the overtaken attempt reported success; it lost the key and must not record or report its outcome")
		}
		if e.psp.Debits() != 2 || e.charges(t, "order-12") != 1 {
			t.Errorf("%d debits (the probe's included) and %d charge rows for order-12; want 2 and 1", e.psp.Debits(), e.charges(t, "order-12"))
		}
		again, err := e.charge(t, step3, r)
		if err != nil || again.GetChargeId() != resp.GetChargeId() {
			t.Errorf("a replay = %v, %v; want the charge the retry recorded, %s", again, err, resp.GetChargeId())
		}
	})
}
