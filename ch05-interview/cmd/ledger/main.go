// Command ledger serves the goroutinedump drill's ledger over gRPC, with
// /debug/pprof next to it, so you can take its goroutine dump yourself.
// By default it runs the shipped code that hung in production (package
// incident) and replays the traffic that hung it.
//
//	go run ./ch05-interview/cmd/ledger                       # the incident, replayed
//	curl 'http://127.0.0.1:6061/debug/pprof/goroutine?debug=2'
//	kill -QUIT <pid>                                          # the same dump, on stderr (the process exits)
//	go run ./ch05-interview/cmd/ledger -impl=solution         # the fixed ledger: the replay completes
//	go run ./ch05-interview/cmd/ledger -impl=exercise -replay=false
//	grpcurl -plaintext -d '{"from":"alice","to":"bob","amount":5}' 127.0.0.1:50052 ledger.v1.LedgerService/Transfer
//
// Exit status: 0 after a clean stop, 1 when it cannot serve, 2 for bad
// flags. A deadlocked incident cannot stop cleanly: after -grace the
// remaining calls are cut.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	ledgerv1 "github.com/grpclabs/labs/ch05-interview/gen/ledger/v1"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/exercise"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/incident"
	"github.com/grpclabs/labs/ch05-interview/goroutinedump/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("ledger", run) }

var balances = map[string]int64{"alice": 100, "bob": 100, "carol": 100}

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("ledger")
	addr := fs.String("addr", "127.0.0.1:50052", "`host:port` for gRPC (port 0 picks one)")
	debugAddr := fs.String("debug-addr", "127.0.0.1:6061", "`host:port` for /debug/pprof (port 0 picks one)")
	impl := fs.String("impl", "incident", "whose ledger serves: incident (as shipped), solution or exercise (yours)")
	replay := fs.Bool("replay", true, "replay the incident's traffic once serving: 3 watches that hang up, an overdraft, 2 transfers")
	grace := fs.Duration("grace", 2*time.Second, "on shutdown, how long calls in flight may take before they are cut")
	usage := "ledger [-addr host:port] [-debug-addr host:port] [-impl incident|solution|exercise] [-replay=true] [-grace 2s]"
	if err := demo.Parse(fs, args, usage, 0, stdio.Err); err != nil {
		return err
	}
	var ledger ledgerv1.LedgerServiceServer
	switch *impl {
	case "incident":
		ledger = incident.New(balances)
	case demo.Solution:
		ledger = solution.NewLedger(balances)
	case demo.Exercise:
		ledger = exercise.NewLedger(balances)
	default:
		return demo.Usagef("-impl must be incident, solution or exercise, got %q", *impl)
	}
	if *grace <= 0 {
		return demo.Usagef("-grace must be positive")
	}
	dl, err := net.Listen("tcp", *debugAddr)
	if err != nil {
		return fmt.Errorf("cannot listen for /debug/pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(dl)
	defer hs.Close()
	gl, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	fmt.Fprintf(stdio.Out, "ledger (impl=%s, pid %d): goroutine dump at http://%s/debug/pprof/goroutine?debug=2\n", *impl, os.Getpid(), dl.Addr())

	replayed := make(chan struct{})
	ctx, stop := context.WithCancel(ctx)
	defer func() { stop(); <-replayed }()
	go func() {
		defer close(replayed)
		if *replay {
			replayIncident(ctx, gl.Addr().String(), stdio.Out)
		}
	}()
	served := make(chan error, 1)
	go func() {
		served <- demo.Serve(ctx, demo.Server{
			Listener: gl,
			Register: func(g *grpc.Server) { ledgerv1.RegisterLedgerServiceServer(g, ledger) },
			Services: []string{ledgerv1.LedgerService_ServiceDesc.ServiceName},
			Grace:    *grace,
			Out:      stdio.Out,
		})
	}()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// grpc-go's server waits for every handler before it finishes
	// stopping, even after a hard Stop; a deadlocked handler never returns.
	select {
	case err := <-served:
		return err
	case <-time.After(*grace + time.Second):
		return errors.New("calls still stuck after the grace period: their handlers will never return (that is the deadlock); exiting anyway")
	}
}

// replayIncident sends the traffic that hung the shipped ledger and says
// what came back. Calls that hang are given up after a second.
func replayIncident(ctx context.Context, addr string, out io.Writer) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(out, "replay:", err)
		return
	}
	defer conn.Close()
	client := ledgerv1.NewLedgerServiceClient(conn)
	for i := range 3 {
		wctx, cancel := context.WithCancel(ctx)
		stream, err := client.Watch(wctx, &ledgerv1.BalanceRequest{Account: "bob"})
		if err == nil {
			_, err = stream.Recv()
		}
		cancel()
		fmt.Fprintf(out, "replay: watch bob #%d, then hang up: %v\n", i+1, errText(err))
	}
	for _, t := range []*ledgerv1.TransferRequest{
		{From: "alice", To: "bob", Amount: 1000},
		{From: "alice", To: "carol", Amount: 1},
		{From: "alice", To: "carol", Amount: 2},
	} {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := client.Transfer(cctx, t)
		cancel()
		fmt.Fprintf(out, "replay: transfer %d from %s to %s: %v\n", t.Amount, t.From, t.To, errText(err))
	}
	fmt.Fprintln(out, "replay: done; now read the goroutine dump")
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
