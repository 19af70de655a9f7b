// Package idempotencytest is the idempotency drill's suite. The exercise
// and the solution both run it through their one-screen *_test.go files.
//
// The pieces are real: SQLite through modernc.org/sqlite, the payment
// service and the card processor as gRPC servers, grpc-go's own retry
// policy on the client. The clock the keys' leases read is a settable one,
// so "the first attempt crashed and its lease passed" takes no time.
package idempotencytest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
	"github.com/grpclabs/labs/ch05-interview/idempotency/psp"
	"github.com/grpclabs/labs/ch05-interview/idempotency/store"
	"github.com/grpclabs/labs/ch05-interview/internal/clock"
	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch05-interview/idempotency"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "Keys.Claim"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "Server.Charge"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "Server.Charge (unknown outcomes)"}
)

// Keys is what the suite needs of the drill's key table.
type Keys interface {
	Claim(ctx context.Context, key string, fp []byte) (store.Claim, error)
	Complete(ctx context.Context, key string, attempt int64, response []byte, code int, message string, effect func(*sql.Tx) error) error
	Release(ctx context.Context, key string, attempt int64) error
}

// Config mirrors the drill's Config.
type Config struct {
	DB      *sql.DB
	Gateway paymentv1.GatewayServiceClient
	Now     func() time.Time
	Lease   time.Duration
}

// Lab is one implementation of the drill.
type Lab struct {
	Fingerprint func(*paymentv1.ChargeRequest) []byte
	NewKeys     func(db *sql.DB, now func() time.Time, lease time.Duration) Keys
	NewServer   func(Config) paymentv1.PaymentServiceServer
}

// lease is the fixtures' attempt lease.
const lease = 30 * time.Second

// guard bounds waits on something a broken implementation may never do.
const guard = 30 * time.Second

func newClock() *clock.Clock { return clock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)) }

// openDB opens a fresh database in the test's directory.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "payments.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// env is a payment service on a fresh database, with its processor, both
// served over gRPC.
type env struct {
	db     *sql.DB
	clock  *clock.Clock
	psp    *psp.Gateway
	srv    paymentv1.PaymentServiceServer
	client paymentv1.PaymentServiceClient
}

func newEnv(t *testing.T, l Lab, opts labkit.Options) *env {
	t.Helper()
	e := &env{db: openDB(t), clock: newClock(), psp: psp.New()}
	gw := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { paymentv1.RegisterGatewayServiceServer(g, e.psp) }, labkit.Options{})
	t.Cleanup(e.psp.Release) // nothing may hang past the test
	e.srv = l.NewServer(Config{DB: e.db, Gateway: paymentv1.NewGatewayServiceClient(gw.Conn), Now: e.clock.Now, Lease: lease})
	s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { paymentv1.RegisterPaymentServiceServer(g, e.srv) }, opts)
	e.client = paymentv1.NewPaymentServiceClient(s.Conn)
	return e
}

// charges counts the charge rows stored for key.
func (e *env) charges(t *testing.T, key string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(`SELECT count(*) FROM charges WHERE key = ?`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func req(key string, cents int64) *paymentv1.ChargeRequest {
	return &paymentv1.ChargeRequest{IdempotencyKey: key, Customer: "cus_42", AmountCents: cents, Currency: "EUR"}
}
