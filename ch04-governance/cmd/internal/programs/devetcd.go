package programs

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	"go.etcd.io/etcd/server/v3/embed"
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
	logger := zap.NewNop()
	if *verbose {
		enc := zap.NewDevelopmentEncoderConfig()
		logger = zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(stdio.Err), zapcore.WarnLevel))
	}
	e, err := StartEtcd(ctx, EtcdConfig{Listen: *listen, DataDir: *dataDir, Logger: logger})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	kept := "removed at exit"
	if !e.Temporary {
		kept = "kept"
	}
	fmt.Fprintf(stdio.Out, "etcd %s serving clients on http://%s, data in %s (%s)\n", version.Version, e.Addr, e.Dir, kept)
	fmt.Fprintf(stdio.Out, "try: etcdctl --endpoints %s get --prefix services/\n", e.Addr)
	fmt.Fprintf(stdio.Out, "listening on %s\n", e.Addr)
	select {
	case <-ctx.Done():
	case err := <-e.Err():
		e.Close(stdio.Err)
		return fmt.Errorf("etcd stopped: %v", err)
	}
	e.Close(stdio.Err)
	fmt.Fprintln(stdio.Out, "etcd stopped")
	return nil
}

// EtcdConfig describes an embedded single-member etcd for [StartEtcd].
type EtcdConfig struct {
	Listen  string      // host:port clients connect to; port 0 picks a free one
	DataDir string      // empty: a temporary directory, removed by Close
	Logger  *zap.Logger // etcd's own logs; nil discards them
}

// Etcd is a running embedded etcd v3.7 member: cmd/devetcd's, and the one
// cmd/govern runs the chapter on.
type Etcd struct {
	Addr      string // where clients connect, host:port
	Dir       string // its data
	Temporary bool   // Dir is removed by Close
	e         *embed.Etcd
}

// StartEtcd starts a member and returns once it serves clients.
func StartEtcd(ctx context.Context, cfg EtcdConfig) (*Etcd, error) {
	e := &Etcd{Dir: cfg.DataDir}
	if e.Dir == "" {
		tmp, err := os.MkdirTemp("", "devetcd-")
		if err != nil {
			return nil, err
		}
		e.Dir, e.Temporary = tmp, true
	}
	startCtx, cancel := context.WithTimeout(ctx, etcdtest.StartTimeout)
	defer cancel()
	m, err := etcdtest.StartMember(startCtx, etcdtest.MemberConfig{Dir: e.Dir, Client: cfg.Listen, Logger: cfg.Logger})
	if err != nil {
		e.removeTemp()
		return nil, fmt.Errorf("cannot start etcd on %s: %w", cfg.Listen, err)
	}
	e.e, e.Addr = m, m.Clients[0].Addr().String()
	return e, nil
}

// Err delivers an error if etcd fails while it runs.
func (e *Etcd) Err() <-chan error { return e.e.Err() }

// Close stops etcd and removes a temporary data directory. Close clients
// first: one still holding a watch can delay the close by seconds, and if
// it does, Close says so on slow.
func (e *Etcd) Close(slow io.Writer) {
	stopped := make(chan struct{})
	go func() { e.e.Close(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(15 * time.Second):
		fmt.Fprintln(slow, "etcd is slow to close (a client still holds a watch); a second Ctrl-C stops it at once")
		<-stopped
	}
	e.removeTemp()
}

func (e *Etcd) removeTemp() {
	if e.Temporary {
		os.RemoveAll(e.Dir)
	}
}
