package exercise_test

import (
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/grpclabs/labs/ch04-governance/metrics/exercise"
	mt "github.com/grpclabs/labs/ch04-governance/metrics/metricstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var lab = mt.Lab{
	NewServerMetrics:     func(r prometheus.Registerer) (mt.ServerMetrics, error) { return exercise.NewServerMetrics(r) },
	NewClientMetrics:     func(r prometheus.Registerer) (mt.ClientMetrics, error) { return exercise.NewClientMetrics(r) },
	Exemplar:             exercise.Exemplar,
	Handler:              exercise.Handler,
	NewGovernanceMetrics: func(r prometheus.Registerer) (mt.GovernanceMetrics, error) { return exercise.NewGovernanceMetrics(r) },
	NewTraceHandler:      func(next slog.Handler) slog.Handler { return exercise.NewTraceHandler(next) },
}

func TestServerMetrics(t *testing.T) { mt.TestServerMetrics(t, lab) }
func TestClientMetrics(t *testing.T) { mt.TestClientMetrics(t, lab) }
func TestExemplars(t *testing.T)     { mt.TestExemplars(t, lab) }
func TestGovernance(t *testing.T)    { mt.TestGovernance(t, lab) }
func TestTraceLogs(t *testing.T)     { mt.TestTraceLogs(t, lab) }
