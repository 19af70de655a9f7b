package shardingtest

import (
	"math/rand/v2"
	"testing"
	"time"
)

// order is one write of the 30-day order stream.
type order struct {
	user uint64
	id   uint64 // a Snowflake id issued at the order's time
	at   time.Time
}

// orders is the recency workload spread over 30 days, with Snowflake ids.
func orders[S Snowflake, C any](b *testing.B, sn Snow[S, C]) (out []order, start, end time.Time) {
	w := recencyWorkload()
	start = sn.Epoch.Add(1000 * time.Hour)
	end = start.Add(30 * 24 * time.Hour)
	step := end.Sub(start) / time.Duration(len(w.userWrites))
	rng := rand.New(rand.NewPCG(5, 6))
	clock := &fakeClock{now: start}
	gen, err := sn.newGen(1, clock)
	if err != nil {
		b.Fatal(err)
	}
	for i, u := range w.userWrites {
		clock.now = start.Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(step)))) // random arrivals, in order
		id, err := gen.NextID()
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, order{user: u, id: uint64(id), at: clock.now})
	}
	return out, start, end
}

// BenchmarkShardKeys tables the choice of shard key and placement for an
// orders table on 8 shards: sharded by user id (modulo, ranges, a ring
// with 1 or 100 points per shard) or by order id (a Snowflake: ranges, a ring, modulo). The workload is
// 200,000 orders over 30 days, 80% of them by the newest 10% of users. It
// reports, besides ns per Shard call:
//
//	hot×            the busiest shard's share of the last day's writes, over the mean (1 = even)
//	celebrity-hot×  the same when one user makes 30% of the writes instead
//	moved%          keys that change shard when a 9th shard is added
//	shards/user-q   shards a query for one user's orders visits
//	shards/hour-q   shards a query for the last hour's orders visits
func BenchmarkShardKeys[M, R, G Placement, S Snowflake, C any](b *testing.B, l Lab[M, R, G], sn Snow[S, C]) {
	os, start, end := orders(b, sn)
	idAt := func(t time.Time) uint64 { return uint64(t.Sub(sn.Epoch).Milliseconds()) << 22 }
	byTime := func(n int) []uint64 { // equal periods of the 30 days, as order-id bounds
		bs := make([]uint64, n-1)
		for i := range bs {
			bs[i] = idAt(start.Add(end.Sub(start) / time.Duration(n) * time.Duration(i+1)))
		}
		return bs
	}
	must := func(p Placement, err error) Placement {
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	rows := []struct {
		name  string
		byID  bool // the shard key is the order id, not the user id
		build func(n int) Placement
	}{
		{"key=user/place=modulo", false, func(n int) Placement { return must(l.NewModulo(n)) }},
		{"key=user/place=range", false, func(n int) Placement { return must(l.NewRange(equalRanges(n, users+1))) }},
		{"key=user/place=ring1", false, func(n int) Placement { return must(l.NewRing(n, 1)) }},
		{"key=user/place=ring100", false, func(n int) Placement { return must(l.NewRing(n, 100)) }},
		{"key=order/place=modulo", true, func(n int) Placement { return must(l.NewModulo(n)) }},
		{"key=order/place=range", true, func(n int) Placement { return must(l.NewRange(byTime(n))) }},
		{"key=order/place=ring1", true, func(n int) Placement { return must(l.NewRing(n, 1)) }},
		{"key=order/place=ring100", true, func(n int) Placement { return must(l.NewRing(n, 100)) }},
	}
	celeb := celebrityWorkload()
	for _, row := range rows {
		b.Run(row.name, func(b *testing.B) {
			p8, p9 := row.build(8), row.build(9)
			key := func(o order) uint64 {
				if row.byID {
					return o.id
				}
				return o.user
			}
			// The writes of the last day, with the recency skew and with
			// the celebrity's: the same order ids either way.
			var lastDay, celebLastDay, keys []uint64
			for i, o := range os {
				keys = append(keys, key(o))
				if o.at.After(end.Add(-24 * time.Hour)) {
					lastDay = append(lastDay, key(o))
					c := o
					c.user = celeb.userWrites[i]
					celebLastDay = append(celebLastDay, key(c))
				}
			}
			moved := 0
			for _, k := range keys {
				if p8.Shard(k) != p9.Shard(k) {
					moved++
				}
			}
			userQ, hourQ := 1.0, float64(len(p8.ShardsFor(idAt(end.Add(-time.Hour)), idAt(end))))
			if row.byID {
				userQ = 8 // not the shard key: every shard must be asked
			} else {
				hourQ = 8
			}
			b.ResetTimer()
			i := 0
			for b.Loop() {
				p8.Shard(keys[i%len(keys)])
				i++
			}
			b.ReportMetric(hotRatio(p8, lastDay), "hot×")
			b.ReportMetric(hotRatio(p8, celebLastDay), "celebrity-hot×")
			b.ReportMetric(100*float64(moved)/float64(len(keys)), "moved%")
			b.ReportMetric(userQ, "shards/user-q")
			b.ReportMetric(hourQ, "shards/hour-q")
		})
	}
}
