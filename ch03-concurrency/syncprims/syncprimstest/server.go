package syncprimstest

import (
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	syncprimsv1 "github.com/grpclabs/labs/ch03-concurrency/gen/syncprims/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestServer: step 5, the CacheService with per-key stats on sync.Map and atomics.
func TestServer[C Cache, S syncprimsv1.CacheServiceServer](t *testing.T, newCache func(LoadFunc) C, newServer func(C) S) {
	serve := func(t *testing.T, tr labkit.Transport, b *backend) syncprimsv1.CacheServiceClient {
		srv := newServer(newCache(serveBackend(t, tr, b)))
		s := labkit.Serve(t, tr, func(g *grpc.Server) { syncprimsv1.RegisterCacheServiceServer(g, srv) }, labkit.Options{})
		return syncprimsv1.NewCacheServiceClient(s.Conn)
	}

	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		client := serve(t, tr, newBackend())
		const perKey = 20
		keys := []string{"b", "missing", "a"}
		errs := make(chan error, perKey*len(keys))
		var wg sync.WaitGroup
		for i := range perKey * len(keys) {
			wg.Go(func() {
				key := keys[i%len(keys)]
				resp, err := client.Get(t.Context(), &syncprimsv1.GetRequest{Key: key})
				switch {
				case key == "missing" && status.Code(err) == codes.NotFound:
				case key == "missing" && err == nil:
					errs <- status.Errorf(codes.Internal, "Get(missing) succeeded, want NotFound")
				case err != nil:
					errs <- err
				case resp.GetValue() != map[string]string{"a": "A", "b": "B"}[key]:
					errs <- status.Errorf(codes.Internal, "Get(%q) = %q", key, resp.GetValue())
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			step5.Require(t, err)
		}

		got, err := client.Stats(t.Context(), &syncprimsv1.StatsRequest{})
		step5.Require(t, err)
		want := &syncprimsv1.StatsResponse{Keys: []*syncprimsv1.KeyStats{
			{Key: "a", Gets: perKey},
			{Key: "b", Gets: perKey},
			{Key: "missing", Gets: perKey, Failures: perKey},
		}}
		if !proto.Equal(got, want) {
			t.Fatalf("after %d Gets per key (all of missing's failing), Stats =\n  {%v}\nwant\n  {%v}\n(one entry per key, sorted by key, exact counts: count with atomics, not with a racy ++)", perKey, got, want)
		}
	})

	t.Run("in_flight", func(t *testing.T) {
		b := newBackend("slow")
		defer b.openAll()
		client := serve(t, labkit.Bufconn, b)
		done := make(chan error, 1)
		go func() {
			_, err := client.Get(t.Context(), &syncprimsv1.GetRequest{Key: "slow"})
			done <- err
		}()
		select {
		case <-b.entered: // the Get is now inside the handler, waiting for the backend
		case err := <-done:
			step5.Require(t, err)
			t.Fatal(`Get("slow") returned before the backend answered`)
		}
		during, err := client.Stats(t.Context(), &syncprimsv1.StatsRequest{})
		b.open("slow")
		step5.Require(t, <-done)
		step5.Require(t, err)
		if during.GetInFlight() != 1 {
			t.Fatalf("Stats during one slow Get: in_flight = %d, want 1 (count up when Get starts, down when it returns)", during.GetInFlight())
		}
		after, err := client.Stats(t.Context(), &syncprimsv1.StatsRequest{})
		step5.Require(t, err)
		if after.GetInFlight() != 0 {
			t.Fatalf("Stats after every Get returned: in_flight = %d, want 0", after.GetInFlight())
		}
	})
}
