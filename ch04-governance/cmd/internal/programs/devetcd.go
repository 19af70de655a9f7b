package programs

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/grpclabs/labs/ch04-governance/etcdtest"
	"github.com/grpclabs/labs/scripts/demo"
)

// DevEtcd is cmd/devetcd: a single-member etcd for learners who have none
// installed. It prints "listening on ADDR" once etcd serves, and stops
// cleanly on the first Ctrl-C, removing its data unless -data-dir was
// given.
func DevEtcd(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("devetcd")
	listen := fs.String("listen", "127.0.0.1:2379", "host:port clients connect to (port 0 picks a free one)")
	dataDir := fs.String("data-dir", "", "keep etcd's data here (default: a temporary directory, removed at exit)")
	verbose := fs.Bool("v", false, "print etcd's own logs (warnings and errors) on stderr")
	if err := demo.Parse(fs, args, "devetcd [-listen host:port] [-data-dir dir] [-v]", 0, stdio.Err); err != nil {
		return err
	}
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "devetcd-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	logger := zap.NewNop()
	if *verbose {
		enc := zap.NewDevelopmentEncoderConfig()
		logger = zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(stdio.Err), zapcore.WarnLevel))
	}
	startCtx, cancel := context.WithTimeout(ctx, etcdtest.StartTimeout)
	defer cancel()
	e, err := etcdtest.StartMember(startCtx, etcdtest.MemberConfig{Dir: dir, Client: *listen, Logger: logger})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return fmt.Errorf("cannot start etcd on %s: %w", *listen, err)
	}
	addr := e.Clients[0].Addr().String()
	kept := "removed at exit"
	if *dataDir != "" {
		kept = "kept"
	}
	fmt.Fprintf(stdio.Out, "etcd %s serving clients on http://%s, data in %s (%s)\n", version.Version, addr, dir, kept)
	fmt.Fprintf(stdio.Out, "try: etcdctl --endpoints %s get --prefix services/\n", addr)
	fmt.Fprintf(stdio.Out, "listening on %s\n", addr)
	select {
	case <-ctx.Done():
	case err := <-e.Err():
		e.Close()
		return fmt.Errorf("etcd stopped: %v", err)
	}
	stopped := make(chan struct{})
	go func() { e.Close(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(15 * time.Second): // a client holding a watch can delay the close
		fmt.Fprintln(stdio.Err, "devetcd: etcd is slow to close; a second Ctrl-C stops it at once")
		<-stopped
	}
	fmt.Fprintln(stdio.Out, "etcd stopped")
	return nil
}
