package wiretest

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	wirev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/wire/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiremsg"
	"github.com/grpclabs/labs/scripts/labkit"
)

// ProtoUser is u as the generated message.
func ProtoUser(u *wiremsg.User) *wirev1.User {
	return &wirev1.User{Name: u.Name, Id: u.ID, Emails: u.Emails}
}

// ProtoOrderBatch is m as the generated message.
func ProtoOrderBatch(m *wiremsg.OrderBatch) *wirev1.OrderBatch {
	p := &wirev1.OrderBatch{BatchId: m.BatchID, CreatedUnixMs: m.CreatedUnixMs, Final: m.Final, ShardIds: m.ShardIDs}
	for _, o := range m.Orders {
		po := &wirev1.Order{
			OrderId: o.OrderID, CustomerEmail: o.CustomerEmail, Total: o.Total,
			Status: wirev1.Order_Status(o.Status), Priority: o.Priority, TraceId: o.TraceID,
			Gift: o.Gift, CouponIds: o.CouponIDs,
		}
		if a := o.ShipTo; a != nil {
			po.ShipTo = &wirev1.Address{Street: a.Street, City: a.City, PostalCode: a.PostalCode, CountryCode: a.CountryCode}
		}
		for _, li := range o.Items {
			po.Items = append(po.Items, &wirev1.LineItem{Sku: li.SKU, Quantity: li.Quantity, UnitPriceCents: li.UnitPriceCents, Title: li.Title})
		}
		p.Orders = append(p.Orders, po)
	}
	return p
}

// SampleUser is the section's User with realistic values.
func SampleUser() *wiremsg.User {
	return &wiremsg.User{Name: "Ada Lovelace", ID: 1815, Emails: []string{"ada@analytical.engine", "countess@lovelace.example"}}
}

// SampleOrderBatch is a deterministic batch of n orders, shaped like what
// an order service ships around: ids, emails, addresses, 1-4 line items
// with prices, an occasional negative priority and coupon.
func SampleOrderBatch(n int) *wiremsg.OrderBatch {
	r := rand.New(rand.NewPCG(uint64(n), 2026))
	cities := []string{"Berlin", "Lyon", "Osaka", "Porto Alegre", "Nairobi", "Toronto"}
	products := []string{"USB-C cable, 2 m", "Mechanical keyboard", "27\" monitor", "Desk lamp", "Notebook, dotted", "Coffee beans 1 kg"}
	m := &wiremsg.OrderBatch{
		BatchID:       fmt.Sprintf("batch-2026-11-23-%04d", n),
		CreatedUnixMs: 1_795_000_000_000 + int64(n),
		Final:         true,
		ShardIDs:      []int64{3, 17, 42, 1024},
	}
	for i := range n {
		o := wiremsg.Order{
			OrderID:       1_000_000 + uint64(r.IntN(9_000_000)),
			CustomerEmail: fmt.Sprintf("customer%d@example.com", r.IntN(100000)),
			ShipTo: &wiremsg.Address{
				Street:      fmt.Sprintf("%d Market Street", 1+r.IntN(400)),
				City:        cities[r.IntN(len(cities))],
				PostalCode:  fmt.Sprintf("%05d", r.IntN(100000)),
				CountryCode: "DE",
			},
			Status:   wiremsg.OrderStatus(1 + r.IntN(3)),
			Priority: int32(r.IntN(7) - 3),
			TraceID:  r.Uint64(),
			Gift:     i%5 == 0,
		}
		total := 0.0
		for range 1 + r.IntN(4) {
			li := wiremsg.LineItem{
				SKU:            fmt.Sprintf("SKU-%06d", r.IntN(1_000_000)),
				Quantity:       uint32(1 + r.IntN(5)),
				UnitPriceCents: int64(199 + r.IntN(50_000)),
				Title:          products[r.IntN(len(products))],
			}
			total += float64(li.UnitPriceCents) * float64(li.Quantity) / 100
			o.Items = append(o.Items, li)
		}
		o.Total = total
		if i%3 == 0 {
			o.CouponIDs = []int32{int32(r.IntN(500)), -1}
		}
		m.Orders = append(m.Orders, o)
	}
	return m
}

func userCases() map[string]*wiremsg.User {
	return map[string]*wiremsg.User{
		"the text's example":  {Name: "Alice", ID: 42, Emails: []string{"alice@example.com", "a@work.example"}},
		"zero value":          {},
		"id -1 (10 bytes)":    {ID: -1},
		"id MinInt32":         {Name: "min", ID: math.MinInt32},
		"id MaxInt32":         {ID: math.MaxInt32},
		"an empty email":      {Emails: []string{""}},
		"unicode name":        {Name: "李雷 ✓ émile", ID: 7},
		"300-byte name":       {Name: strings.Repeat("n", 300)},
		"only emails":         {Emails: []string{"x@y", "z@w", "q@r"}},
		"sample":              SampleUser(),
		"empty string + zero": {Name: "", ID: 0, Emails: []string{"", ""}},
	}
}

// knownUser drops the unknown fields proto.Unmarshal keeps (and proto.Equal
// compares); the hand-written decoder skips them.
func knownUser(u *wirev1.User) *wirev1.User {
	return &wirev1.User{Name: u.Name, Id: u.Id, Emails: u.Emails}
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatalf("suite bug: proto.Marshal: %v", err)
	}
	return b
}

// TestUser: step 7, the text's User, both ways, byte for byte.
func TestUser(t *testing.T, impl Impl) {
	appended(t, step7, "AppendUser", nil, impl.AppendUser(nil, &wiremsg.User{Name: "x"}))
	if impl.SizeUser(&wiremsg.User{Name: "x"}) == 0 {
		step7.Check(t, labkit.TODO("SizeUser"))
	}
	for name, u := range userCases() {
		want := mustMarshal(t, ProtoUser(u))
		got := impl.AppendUser(nil, u)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: AppendUser(%+v) =\n  %s\nproto.Marshal gives\n  %s", name, *u, hexs(got), hexs(want))
			continue
		}
		if n := impl.SizeUser(u); n != len(want) {
			t.Errorf("%s: SizeUser = %d, want %d", name, n, len(want))
		}
		prefix := []byte{0xca, 0xfe}
		if got := impl.AppendUser(prefix, u); !bytes.Equal(got[2:], want) || got[0] != 0xca {
			t.Errorf("%s: AppendUser(prefix, u) must keep the prefix and append after it, got %s", name, hexs(got))
		}
		var back wiremsg.User
		step7.Require(t, impl.UnmarshalUser(want, &back))
		if !proto.Equal(ProtoUser(&back), ProtoUser(u)) {
			t.Errorf("%s: UnmarshalUser(%s) = %+v, want %+v", name, hexs(want), back, *u)
		}
	}

	// Decoding must accept everything proto.Unmarshal accepts.
	tag := func(b []byte, num protowire.Number, typ protowire.Type) []byte {
		return protowire.AppendTag(b, num, typ)
	}
	var odd []byte
	odd = protowire.AppendString(tag(odd, 3, protowire.BytesType), "first@x")
	odd = protowire.AppendVarint(tag(odd, 2, protowire.VarintType), 1<<32+7) // int32 keeps the low 32 bits
	odd = protowire.AppendString(tag(odd, 1, protowire.BytesType), "old name")
	odd = protowire.AppendVarint(tag(odd, 99, protowire.VarintType), 5) // unknown fields
	odd = protowire.AppendFixed32(tag(odd, 98, protowire.Fixed32Type), 5)
	odd = tag(tag(tag(odd, 97, protowire.StartGroupType), 1, protowire.StartGroupType), 1, protowire.EndGroupType)
	odd = tag(odd, 97, protowire.EndGroupType)
	odd = protowire.AppendVarint(tag(odd, 1, protowire.VarintType), 3)         // known number, wrong wire type: unknown
	odd = protowire.AppendString(tag(odd, 1, protowire.BytesType), "new name") // last one wins
	odd = protowire.AppendString(tag(odd, 3, protowire.BytesType), "second@x")
	var want wirev1.User
	if err := proto.Unmarshal(odd, &want); err != nil {
		t.Fatalf("suite bug: %v", err)
	}
	got := wiremsg.User{Name: "stale", ID: 9, Emails: []string{"stale@x"}} // must be replaced, not merged
	step7.Require(t, impl.UnmarshalUser(odd, &got))
	if !proto.Equal(ProtoUser(&got), knownUser(&want)) {
		t.Errorf("UnmarshalUser(out of order, unknown fields, repeated name, 2^32+7 id) = %+v\nproto.Unmarshal gives {Name:%q ID:%d Emails:%q}", got, want.Name, want.Id, want.Emails)
	}

	bad := []struct {
		name  string
		in    []byte
		off   int
		words []string
	}{
		{"truncated name", []byte{0x0a, 0x05, 'a', 'b'}, 1, []string{"past the end"}},
		{"wire type 7 after the id", []byte{0x10, 0x01, 0x0f}, 2, []string{"wire type"}},
		{"unknown field past the end", []byte{0x10, 0x01, 0xfa, 0x01, 0x05, 'a'}, 4, []string{"past the end"}},
	}
	for _, c := range bad {
		var u wiremsg.User
		err := impl.UnmarshalUser(c.in, &u)
		wantDecodeError(t, step7, "UnmarshalUser("+c.name+")", err, c.off, c.words...)
	}
	// proto3 strings must be UTF-8; proto.Unmarshal refuses them too.
	for _, in := range [][]byte{{0x0a, 0x01, 0xff}, {0x1a, 0x02, 0xc3, 0x28}} {
		var u wiremsg.User
		if step7.Check(t, impl.UnmarshalUser(in, &u)) == nil {
			t.Errorf("UnmarshalUser(%s) accepted a string that is not valid UTF-8; proto.Unmarshal rejects it (proto3 strings are UTF-8)", hexs(in))
		}
	}
}

// TestUserAllocs: step 7, encoding into a sized buffer allocates nothing.
func TestUserAllocs(t *testing.T, impl Impl) {
	u := SampleUser()
	appended(t, step7, "AppendUser", nil, impl.AppendUser(nil, u))
	buf := make([]byte, 0, impl.SizeUser(u))
	allocs := testing.AllocsPerRun(100, func() {
		buf = impl.AppendUser(buf[:0], u)
		_ = impl.SizeUser(u)
	})
	if allocs != 0 {
		t.Errorf("AppendUser into a buffer of SizeUser bytes: %v allocations per call, want 0 (append only; no []byte(string), no fmt)", allocs)
	}
	if !bytes.Equal(buf, mustMarshal(t, ProtoUser(u))) {
		t.Errorf("AppendUser(buf[:0], u) = %s, want proto.Marshal's bytes", hexs(buf))
	}
}

// FuzzUserRoundTrip: step 7, any User encodes like proto.Marshal and back.
func FuzzUserRoundTrip(f *testing.F, impl Impl) {
	f.Add("Alice", int32(42), "alice@example.com\nbob@example.com")
	f.Add("", int32(-1), "")
	f.Add("李雷", int32(math.MinInt32), "\n\n")
	// A stub stops the target here, once, rather than in every seed.
	appended(f, step7, "AppendUser", nil, impl.AppendUser(nil, SampleUser()))
	step7.Check(f, impl.UnmarshalUser(nil, new(wiremsg.User)))
	f.Fuzz(func(t *testing.T, name string, id int32, emails string) {
		u := &wiremsg.User{Name: name, ID: id}
		if emails != "" {
			u.Emails = strings.Split(emails, "\n")
		}
		if !utf8.ValidString(name) || !utf8.ValidString(emails) {
			return // proto.Marshal refuses invalid UTF-8 in proto3 strings
		}
		got := impl.AppendUser(nil, u)
		want := mustMarshal(t, ProtoUser(u))
		if len(want) > 0 {
			appended(t, step7, "AppendUser", nil, got)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendUser(%+v) = %s, proto.Marshal gives %s", *u, hexs(got), hexs(want))
		}
		var back wiremsg.User
		step7.Require(t, impl.UnmarshalUser(got, &back))
		if !proto.Equal(ProtoUser(&back), ProtoUser(u)) {
			t.Fatalf("UnmarshalUser(AppendUser(%+v)) = %+v", *u, back)
		}
	})
}

// FuzzUnmarshalUser: step 7, any bytes: the same verdict and the same User
// as proto.Unmarshal.
func FuzzUnmarshalUser(f *testing.F, impl Impl) {
	for _, u := range userCases() {
		f.Add(mustMarshal(f, ProtoUser(u)))
	}
	for _, c := range decodeCases() {
		if len(c.in) < 100 {
			f.Add(c.in)
		}
	}
	step7.Check(f, impl.UnmarshalUser(nil, new(wiremsg.User))) // a stub stops here, once
	f.Fuzz(func(t *testing.T, in []byte) {
		var got wiremsg.User
		err := impl.UnmarshalUser(in, &got)
		var want wirev1.User
		refErr := proto.Unmarshal(in, &want)
		switch {
		case step7.Check(t, err) != nil && refErr == nil:
			t.Fatalf("UnmarshalUser(%s) failed: %v; proto.Unmarshal reads it", hexs(in), err)
		case err == nil && refErr != nil:
			t.Fatalf("UnmarshalUser(%s) accepted what proto.Unmarshal rejects (%v)", hexs(in), refErr)
		case err == nil && !proto.Equal(ProtoUser(&got), knownUser(&want)):
			t.Fatalf("UnmarshalUser(%s) = %+v, proto.Unmarshal gives {%q %d %q}", hexs(in), got, want.Name, want.Id, want.Emails)
		}
	})
}

// TestOrderBatch: step 8, the given OrderBatch codec, built on your
// functions, matches proto.Marshal and allocates nothing to encode.
func TestOrderBatch(t *testing.T, impl Impl) {
	requireSteps(t, impl, 6)
	odd := &wiremsg.OrderBatch{Orders: []wiremsg.Order{
		{Total: math.Copysign(0, -1), Priority: -1, CouponIDs: []int32{-1, math.MinInt32}, ShipTo: &wiremsg.Address{}},
		{Priority: math.MinInt32, TraceID: math.MaxUint64, Items: []wiremsg.LineItem{{}}},
	}, ShardIDs: []int64{-1, 0}}
	for name, m := range map[string]*wiremsg.OrderBatch{"1 order": SampleOrderBatch(1), "50 orders": SampleOrderBatch(50), "edge values": odd, "empty": {}} {
		want := mustMarshal(t, ProtoOrderBatch(m))
		got := impl.AppendOrderBatch(nil, m)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: AppendOrderBatch =\n  %s\nproto.Marshal gives\n  %s\n(the codec is given: a difference means a step 1-5 function is off)", name, hexs(got), hexs(want))
		}
		if n := impl.SizeOrderBatch(m); n != len(want) {
			t.Fatalf("%s: SizeOrderBatch = %d, want %d", name, n, len(want))
		}
		var back wiremsg.OrderBatch
		step8.Require(t, impl.UnmarshalOrderBatch(want, &back))
		if !proto.Equal(ProtoOrderBatch(&back), ProtoOrderBatch(m)) {
			t.Fatalf("%s: UnmarshalOrderBatch(proto.Marshal(m)) differs from m", name)
		}
	}

	// Parsers must accept repeated integers unpacked, too (older encoders).
	var unpacked []byte
	for _, v := range []int64{5, -6} {
		unpacked = protowire.AppendVarint(protowire.AppendTag(unpacked, 5, protowire.VarintType), uint64(v))
	}
	unpacked = protowire.AppendBytes(protowire.AppendTag(unpacked, 5, protowire.BytesType), protowire.AppendVarint(nil, 7))
	var back wiremsg.OrderBatch
	step8.Require(t, impl.UnmarshalOrderBatch(unpacked, &back))
	if fmt.Sprint(back.ShardIDs) != "[5 -6 7]" {
		t.Errorf("UnmarshalOrderBatch(shard_ids unpacked 5, -6, then packed [7]) = %v, want [5 -6 7]", back.ShardIDs)
	}

	m := SampleOrderBatch(20)
	buf := make([]byte, 0, impl.SizeOrderBatch(m))
	if allocs := testing.AllocsPerRun(50, func() { buf = impl.AppendOrderBatch(buf[:0], m) }); allocs != 0 {
		t.Errorf("AppendOrderBatch into a sized buffer: %v allocations per call, want 0", allocs)
	}
}
