package greeter_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/orca"
	"google.golang.org/grpc/status"

	greeterv1 "github.com/grpclabs/labs/ch04-governance/gen/greeter/v1"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestServer(t *testing.T) {
	// With and without ORCA load reports: the server works either way.
	for name, opts := range map[string][]grpc.ServerOption{"plain": nil, "orca": {orca.CallMetricsServerOption(nil)}} {
		t.Run(name, func(t *testing.T) {
			srv := greeter.New("b1", "eu-1a")
			s := labkit.Serve(t, labkit.Bufconn, func(g *grpc.Server) { greeterv1.RegisterGreeterServer(g, srv) }, labkit.Options{Server: opts})
			c := greeterv1.NewGreeterClient(s.Conn)
			resp, err := c.SayHello(t.Context(), &greeterv1.SayHelloRequest{Name: "ada"})
			if err != nil || resp.GetBackendId() != "b1" || resp.GetZone() != "eu-1a" || resp.GetMessage() != "hello ada, from b1" {
				t.Fatalf("SayHello = %v, %v", resp, err)
			}
			srv.SetFailRate(1)
			if _, err := c.SayHello(t.Context(), &greeterv1.SayHelloRequest{}); status.Code(err) != codes.Unavailable {
				t.Errorf("with fail rate 1: %v, want Unavailable", err)
			}
			srv.SetFailRate(0)
			srv.SetLatency(time.Hour)
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			if _, err := c.SayHello(ctx, &greeterv1.SayHelloRequest{}); status.Code(err) != codes.DeadlineExceeded {
				t.Errorf("a slow backend past the caller's deadline: %v, want DeadlineExceeded", err)
			}
			if srv.Served() != 1 {
				t.Errorf("Served = %d, want 1", srv.Served())
			}
		})
	}
}

func TestLoadMeter(t *testing.T) {
	labkit.Bubble(t, func(t *testing.T) {
		m := &greeter.LoadMeter{Workers: 2}
		var util, qps float64
		for range 10 {
			util, qps = m.Record(100 * time.Millisecond)
			time.Sleep(100 * time.Millisecond)
		}
		// 10 calls of 100ms each in the last second, on 2 workers.
		if qps != 10 || util != 0.5 {
			t.Errorf("utilization %v, qps %v; want 0.5 and 10", util, qps)
		}
		time.Sleep(2 * time.Second)
		if util, qps = m.Record(0); qps != 1 || util != 0 {
			t.Errorf("after 2s idle: utilization %v, qps %v; want only the new call", util, qps)
		}
	})
}
