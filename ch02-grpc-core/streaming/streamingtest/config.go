package streamingtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	streamingv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/streaming/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/streaming/backend"
	"github.com/grpclabs/labs/scripts/labkit"
)

// NewConfigServerFunc builds the config service over a store.
type NewConfigServerFunc[S streamingv1.ConfigServiceServer] func(*backend.ConfigStore) S

func serveConfig[S streamingv1.ConfigServiceServer](t *testing.T, tr labkit.Transport, srv S) (streamingv1.ConfigServiceClient, *labkit.Server, *probe) {
	s, p := serve(t, tr, func(g *grpc.Server) { streamingv1.RegisterConfigServiceServer(g, srv) })
	return streamingv1.NewConfigServiceClient(s.Conn), s, p
}

// TestGetConfig: step 1, the unary lookup validates and answers with the
// right status codes.
func TestGetConfig[S streamingv1.ConfigServiceServer](t *testing.T, newServer NewConfigServerFunc[S]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		store := backend.NewConfigStore()
		pool := store.Set("db/pool_size", "20")
		ui := store.Set("feature/new-ui", "on")
		client, _, _ := serveConfig(t, tr, newServer(store))

		for _, want := range []backend.Entry{pool, ui} {
			resp, err := client.GetConfig(t.Context(), &streamingv1.GetConfigRequest{Key: want.Key})
			step1.Require(t, err)
			w := &streamingv1.ConfigEntry{Key: want.Key, Value: want.Value, Version: want.Version}
			if !proto.Equal(resp.GetEntry(), w) {
				t.Errorf("GetConfig(%q) = {%v}, want {%v}", want.Key, resp.GetEntry(), w)
			}
		}
	})

	t.Run("not_found", func(t *testing.T) {
		client, _, _ := serveConfig(t, labkit.Bufconn, newServer(backend.NewConfigStore()))
		// Valid keys that are not set: NotFound, never InvalidArgument.
		for _, key := range []string{"db/missing", "a.b-c_d/0", strings.Repeat("k", 128)} {
			_, err := client.GetConfig(t.Context(), &streamingv1.GetConfigRequest{Key: key})
			wantCode(t, step1, err, codes.NotFound, fmt.Sprintf("GetConfig(%q) of a valid key that is not set", key))
			if msg := status.Convert(err).Message(); !strings.Contains(msg, key) {
				t.Errorf("GetConfig(%q): message %q does not name the key", key, msg)
			}
		}
	})

	t.Run("invalid_key", func(t *testing.T) {
		client, _, _ := serveConfig(t, labkit.Bufconn, newServer(backend.NewConfigStore()))
		for _, key := range []string{"", "DB/pool", "/db", "db/", "db//pool", "db pool", "db/pöol", "db\x00", strings.Repeat("k", 129)} {
			_, err := client.GetConfig(t.Context(), &streamingv1.GetConfigRequest{Key: key})
			wantCode(t, step1, err, codes.InvalidArgument, fmt.Sprintf("GetConfig(%q) of a malformed key", key))
			_, err = client.SetConfig(t.Context(), &streamingv1.SetConfigRequest{Key: key, Value: "x"})
			wantCode(t, step1, err, codes.InvalidArgument, fmt.Sprintf("SetConfig(%q) of a malformed key (SetConfig uses checkKey too)", key))
		}
	})

	t.Run("set_then_get", func(t *testing.T) {
		client, _, _ := serveConfig(t, labkit.Bufconn, newServer(backend.NewConfigStore()))
		set, err := client.SetConfig(t.Context(), &streamingv1.SetConfigRequest{Key: "cache/ttl", Value: "30s"})
		step1.Require(t, err)
		got, err := client.GetConfig(t.Context(), &streamingv1.GetConfigRequest{Key: "cache/ttl"})
		step1.Require(t, err)
		if !proto.Equal(got.GetEntry(), set.GetEntry()) {
			t.Fatalf("GetConfig after SetConfig = {%v}, want what SetConfig returned {%v}", got.GetEntry(), set.GetEntry())
		}
	})

	t.Run("context_ended", func(t *testing.T) {
		store := backend.NewConfigStore()
		store.Set("db/pool_size", "20")
		srv := newServer(store)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := srv.GetConfig(ctx, &streamingv1.GetConfigRequest{Key: "db/pool_size"})
		wantCode(t, step1, err, codes.Canceled, "GetConfig with a cancelled context (check ctx.Err() first)")
	})

	t.Run("concurrent", func(t *testing.T) {
		// 50 callers reading and writing at once; -race checks the server.
		store := backend.NewConfigStore()
		client, _, _ := serveConfig(t, labkit.Bufconn, newServer(store))
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := range 50 {
			wg.Go(func() {
				key := fmt.Sprintf("svc%d/replicas", i%5)
				if _, err := client.SetConfig(t.Context(), &streamingv1.SetConfigRequest{Key: key, Value: fmt.Sprint(i)}); err != nil {
					errs <- err
					return
				}
				if _, err := client.GetConfig(t.Context(), &streamingv1.GetConfigRequest{Key: key}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step1.Require(t, err)
		}
	})
}

// watch opens a watch and returns its first message.
func watch(t *testing.T, step labkit.Step, ctx context.Context, client streamingv1.ConfigServiceClient, key string) (grpc.ServerStreamingClient[streamingv1.WatchConfigResponse], *streamingv1.ConfigEntry) {
	t.Helper()
	stream, err := client.WatchConfig(ctx, &streamingv1.WatchConfigRequest{Key: key})
	step.Require(t, err)
	first, err := recvWithin(t, stream.Recv, "the current entry, the first message of a watch")
	step.Require(t, err)
	return stream, first.GetEntry()
}

func wantEntry(t *testing.T, got *streamingv1.ConfigEntry, want backend.Entry, what string) {
	t.Helper()
	w := &streamingv1.ConfigEntry{Key: want.Key, Value: want.Value, Version: want.Version}
	if !proto.Equal(got, w) {
		t.Fatalf("%s: got {%v}, want {%v}", what, got, w)
	}
}

// TestWatchConfig: step 3, the configuration watch: the current value,
// then every change, and a slow subscriber holds up nobody.
func TestWatchConfig[S streamingv1.ConfigServiceServer](t *testing.T, newServer NewConfigServerFunc[S]) {
	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		store := backend.NewConfigStore()
		v1 := store.Set("app/mode", "blue")
		client, _, _ := serveConfig(t, tr, newServer(store))

		stream, first := watch(t, step3, t.Context(), client, "app/mode")
		wantEntry(t, first, v1, "first message of a watch (the current entry)")
		for _, value := range []string{"green", "red"} {
			want := store.Set("app/mode", value)
			got, err := recvWithin(t, stream.Recv, "a change after Set")
			step3.Require(t, err)
			wantEntry(t, got.GetEntry(), want, "the change just made")
		}
		// A change to another key is not this watcher's business: the next
		// message must be the next change of app/mode.
		store.Set("app/other", "x")
		want := store.Set("app/mode", "amber")
		got, err := recvWithin(t, stream.Recv, "a change after Set")
		step3.Require(t, err)
		wantEntry(t, got.GetEntry(), want, "next message after changing another key, then this one")
	})

	t.Run("never_set", func(t *testing.T) {
		store := backend.NewConfigStore()
		client, _, _ := serveConfig(t, labkit.Bufconn, newServer(store))
		stream, first := watch(t, step3, t.Context(), client, "app/new")
		wantEntry(t, first, backend.Entry{Key: "app/new"}, "first message when watching a key that was never set (version 0)")
		want := store.Set("app/new", "created")
		got, err := recvWithin(t, stream.Recv, "the key's first value")
		step3.Require(t, err)
		wantEntry(t, got.GetEntry(), want, "the first Set of a watched key")
	})

	t.Run("invalid_key", func(t *testing.T) {
		client, _, _ := serveConfig(t, labkit.Bufconn, newServer(backend.NewConfigStore()))
		stream, err := client.WatchConfig(t.Context(), &streamingv1.WatchConfigRequest{Key: "Bad Key"})
		step3.Require(t, err) // a streaming call's error arrives with the first Recv
		_, err = recvWithin(t, stream.Recv, "the error for a malformed key")
		wantCode(t, step3, err, codes.InvalidArgument, `WatchConfig("Bad Key")`)
	})

	leakFree(t, "cancel", func(t *testing.T) {
		store := backend.NewConfigStore()
		client, _, p := serveConfig(t, labkit.Bufconn, newServer(store))
		ctx, cancel := ctxWithCancel(t)
		watch(t, step3, ctx, client, "app/mode")
		if n := store.Subscribers("app/mode"); n != 1 {
			t.Fatalf("while a watch is open: %d subscriptions, want 1 (ConfigStore.Subscribe)", n)
		}
		cancel()
		err := p.waitEnded(t, "the client cancelled the watch")
		wantCode(t, step3, err, codes.Canceled, "the handler's return after the client cancelled")
		if n := store.Subscribers("app/mode"); n != 0 {
			t.Fatalf("after the watch ended: %d subscriptions left, want 0: close the subscription when the handler returns", n)
		}
	})

	t.Run("slow_subscriber", func(t *testing.T) {
		// One watcher reads nothing for a while, on a connection whose
		// flow-control window (64 KiB) fills after a few values. Writers and
		// the other watcher must not notice; once it reads, it catches up
		// with the latest value, skipping what it missed.
		store := backend.NewConfigStore()
		client, s, _ := serveConfig(t, labkit.Bufconn, newServer(store))
		slowConn := s.Dial(grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
		slow, _ := watch(t, step3, t.Context(), streamingv1.NewConfigServiceClient(slowConn), "app/blob")
		fastCtx, stopFast := ctxWithCancel(t)
		fast, _ := watch(t, step3, fastCtx, client, "app/blob")
		type result struct {
			version uint64
			err     error
		}
		fastGot := make(chan result, 1024)
		go func() { // the fast watcher reads all along
			for {
				got, err := fast.Recv()
				fastGot <- result{got.GetEntry().GetVersion(), err}
				if err != nil {
					return
				}
			}
		}()

		const writes = 100 // 100 x 4 KiB: far more than the slow stream can buffer (about 128 KiB)
		value := strings.Repeat("v", 4000)
		var last uint64
		for i := range writes {
			// Through the service, from another client: SetConfig returning
			// shows the writer is never held up by the stuck watcher.
			resp, err := client.SetConfig(t.Context(), &streamingv1.SetConfigRequest{Key: "app/blob", Value: fmt.Sprintf("%04d%s", i, value)})
			step3.Require(t, err)
			last = resp.GetEntry().GetVersion()
		}
		catchUp := func(name string, recv func() (uint64, error)) {
			var prev uint64
			n := 0
			for prev < last {
				v, err := recv()
				step3.Require(t, err)
				if v <= prev {
					t.Fatalf("%s watcher: version %d after %d; versions must only grow (never resend or go back)", name, v, prev)
				}
				prev = v
				n++
			}
			if prev != last {
				t.Fatalf("%s watcher ended at version %d, want the last one %d", name, prev, last)
			}
			t.Logf("%s watcher received %d of %d versions", name, n, writes)
		}
		catchUp("fast", func() (uint64, error) {
			select {
			case r := <-fastGot:
				return r.version, r.err
			case <-time.After(guard):
				t.Fatalf("the fast watcher got no message within %v", guard)
				return 0, nil
			}
		})
		stopFast()
		catchUp("slow", func() (uint64, error) {
			got, err := recvWithin(t, slow.Recv, "the slow watcher catching up with the last Set")
			return got.GetEntry().GetVersion(), err
		})
	})

	t.Run("50_watchers", func(t *testing.T) {
		store := backend.NewConfigStore()
		client, _, p := serveConfig(t, labkit.Bufconn, newServer(store))
		ctx, cancel := ctxWithCancel(t)
		const n = 50
		streams := make([]grpc.ServerStreamingClient[streamingv1.WatchConfigResponse], n)
		for i := range n {
			streams[i], _ = watch(t, step3, ctx, client, "fleet/size")
		}
		var last backend.Entry
		for i := range 10 {
			last = store.Set("fleet/size", fmt.Sprint(i))
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for _, stream := range streams {
			wg.Go(func() {
				for {
					got, err := stream.Recv()
					if err != nil {
						errs <- err
						return
					}
					if got.GetEntry().GetVersion() == last.Version {
						if got.GetEntry().GetValue() != last.Value {
							errs <- fmt.Errorf("version %d has value %q, want %q", last.Version, got.GetEntry().GetValue(), last.Value)
						}
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step3.Require(t, err)
		}
		cancel()
		for range n {
			p.waitEnded(t, "the client cancelled its watches")
		}
		if got := store.Subscribers("fleet/size"); got != 0 {
			t.Fatalf("%d subscriptions left after every watch ended, want 0", got)
		}
	})
}
