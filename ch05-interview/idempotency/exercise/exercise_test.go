package exercise_test

import (
	"database/sql"
	"testing"
	"time"

	"go.uber.org/goleak"

	paymentv1 "github.com/grpclabs/labs/ch05-interview/gen/payment/v1"
	"github.com/grpclabs/labs/ch05-interview/idempotency/exercise"
	"github.com/grpclabs/labs/ch05-interview/idempotency/idempotencytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = idempotencytest.Lab{
	Fingerprint: exercise.Fingerprint,
	NewKeys: func(db *sql.DB, now func() time.Time, lease time.Duration) idempotencytest.Keys {
		return exercise.NewKeys(db, now, lease)
	},
	NewServer: func(c idempotencytest.Config) paymentv1.PaymentServiceServer {
		return exercise.NewServer(exercise.Config(c))
	},
}

func TestFingerprint(t *testing.T)    { idempotencytest.TestFingerprint(t, lab) }
func TestKeys(t *testing.T)           { idempotencytest.TestKeys(t, lab) }
func TestCharge(t *testing.T)         { idempotencytest.TestCharge(t, lab) }
func TestDuplicates(t *testing.T)     { idempotencytest.TestDuplicates(t, lab) }
func TestRetries(t *testing.T)        { idempotencytest.TestRetries(t, lab) }
func TestUnknownOutcome(t *testing.T) { idempotencytest.TestUnknownOutcome(t, lab) }
