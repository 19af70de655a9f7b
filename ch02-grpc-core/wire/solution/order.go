package solution

// This file is the same in the exercise: the OrderBatch codec is given, and
// built only from the functions you write, so once they work it matches
// proto.Marshal byte for byte and the benchmarks can compare it.

import (
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiremsg"
)

// Every field number below 16 has a one-byte tag.
const tagLen = 1

func sizeString(s string) int { return tagLen + SizeVarint(uint64(len(s))) + len(s) }

// sizeMessage is the size of a nested message field whose payload is n bytes.
func sizeMessage(n int) int { return tagLen + SizeVarint(uint64(n)) + n }

func sizePacked[T Integer](vs []T) int {
	if len(vs) == 0 {
		return 0
	}
	return sizeMessage(SizePackedVarints(vs))
}

// SizeOrderBatch is len(AppendOrderBatch(nil, m)).
func SizeOrderBatch(m *wiremsg.OrderBatch) int {
	n := 0
	if m.BatchID != "" {
		n += sizeString(m.BatchID)
	}
	if m.CreatedUnixMs != 0 {
		n += tagLen + SizeVarint(uint64(m.CreatedUnixMs))
	}
	for i := range m.Orders {
		n += sizeMessage(sizeOrder(&m.Orders[i]))
	}
	if m.Final {
		n += tagLen + 1
	}
	return n + sizePacked(m.ShardIDs)
}

func sizeOrder(o *wiremsg.Order) int {
	n := 0
	if o.OrderID != 0 {
		n += tagLen + SizeVarint(o.OrderID)
	}
	if o.CustomerEmail != "" {
		n += sizeString(o.CustomerEmail)
	}
	if o.ShipTo != nil {
		n += sizeMessage(sizeAddress(o.ShipTo))
	}
	for i := range o.Items {
		n += sizeMessage(sizeLineItem(&o.Items[i]))
	}
	if math.Float64bits(o.Total) != 0 { // -0.0 is not the zero value
		n += tagLen + 8
	}
	if o.Status != 0 {
		n += tagLen + SizeVarint(uint64(o.Status))
	}
	if o.Priority != 0 {
		n += tagLen + SizeVarint(EncodeZigZag(int64(o.Priority)))
	}
	if o.TraceID != 0 {
		n += tagLen + 8
	}
	if o.Gift {
		n += tagLen + 1
	}
	return n + sizePacked(o.CouponIDs)
}

func sizeLineItem(li *wiremsg.LineItem) int {
	n := 0
	if li.SKU != "" {
		n += sizeString(li.SKU)
	}
	if li.Quantity != 0 {
		n += tagLen + SizeVarint(uint64(li.Quantity))
	}
	if li.UnitPriceCents != 0 {
		n += tagLen + SizeVarint(uint64(li.UnitPriceCents))
	}
	if li.Title != "" {
		n += sizeString(li.Title)
	}
	return n
}

func sizeAddress(a *wiremsg.Address) int {
	n := 0
	for _, s := range [...]string{a.Street, a.City, a.PostalCode, a.CountryCode} {
		if s != "" {
			n += sizeString(s)
		}
	}
	return n
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return AppendString(AppendTag(b, num, protowire.BytesType), s)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return AppendVarint(AppendTag(b, num, protowire.VarintType), v)
}

// AppendOrderBatch encodes m exactly as proto.Marshal encodes wire.v1.OrderBatch.
func AppendOrderBatch(b []byte, m *wiremsg.OrderBatch) []byte {
	b = appendStringField(b, 1, m.BatchID)
	b = appendVarintField(b, 2, uint64(m.CreatedUnixMs))
	for i := range m.Orders {
		o := &m.Orders[i]
		// A nested message is length-delimited: its size comes first.
		b = AppendTag(b, 3, protowire.BytesType)
		b = AppendVarint(b, uint64(sizeOrder(o)))
		b = appendOrder(b, o)
	}
	if m.Final {
		b = appendVarintField(b, 4, 1)
	}
	if len(m.ShardIDs) > 0 {
		b = AppendPackedVarints(AppendTag(b, 5, protowire.BytesType), m.ShardIDs)
	}
	return b
}

func appendOrder(b []byte, o *wiremsg.Order) []byte {
	b = appendVarintField(b, 1, o.OrderID)
	b = appendStringField(b, 2, o.CustomerEmail)
	if o.ShipTo != nil {
		b = AppendTag(b, 3, protowire.BytesType)
		b = AppendVarint(b, uint64(sizeAddress(o.ShipTo)))
		b = appendStringField(b, 1, o.ShipTo.Street)
		b = appendStringField(b, 2, o.ShipTo.City)
		b = appendStringField(b, 3, o.ShipTo.PostalCode)
		b = appendStringField(b, 4, o.ShipTo.CountryCode)
	}
	for i := range o.Items {
		li := &o.Items[i]
		b = AppendTag(b, 4, protowire.BytesType)
		b = AppendVarint(b, uint64(sizeLineItem(li)))
		b = appendStringField(b, 1, li.SKU)
		b = appendVarintField(b, 2, uint64(li.Quantity))
		b = appendVarintField(b, 3, uint64(li.UnitPriceCents))
		b = appendStringField(b, 4, li.Title)
	}
	if bits := math.Float64bits(o.Total); bits != 0 {
		b = AppendFixed64(AppendTag(b, 5, protowire.Fixed64Type), bits)
	}
	b = appendVarintField(b, 6, uint64(o.Status))
	b = appendVarintField(b, 7, EncodeZigZag(int64(o.Priority)))
	if o.TraceID != 0 {
		b = AppendFixed64(AppendTag(b, 8, protowire.Fixed64Type), o.TraceID)
	}
	if o.Gift {
		b = appendVarintField(b, 9, 1)
	}
	if len(o.CouponIDs) > 0 {
		b = AppendPackedVarints(AppendTag(b, 10, protowire.BytesType), o.CouponIDs)
	}
	return b
}

// fieldReader walks the fields of one message and turns errors into offsets
// in the outermost buffer.
type fieldReader struct {
	b    []byte
	off  int // next tag
	base int // offset of b in the outermost buffer
	val  int // start of the current value
	num  protowire.Number
	typ  protowire.Type
	err  error
}

// next reads the next tag; false at the end or on an error.
func (r *fieldReader) next() bool {
	if r.err != nil || r.off >= len(r.b) {
		return false
	}
	num, typ, n, err := ConsumeTag(r.b[r.off:])
	if err != nil {
		r.err = shift(err, r.base+r.off)
		return false
	}
	r.num, r.typ, r.val = num, typ, r.off+n
	return true
}

// done records that the value took n bytes (or failed with err).
func (r *fieldReader) done(n int, err error) {
	if err != nil {
		r.err = shift(err, r.base+r.val)
		return
	}
	r.off = r.val + n
}

func (r *fieldReader) varint() uint64 {
	v, n, err := ConsumeVarint(r.b[r.val:])
	r.done(n, err)
	return v
}

func (r *fieldReader) fixed64() uint64 {
	v, n, err := ConsumeFixed64(r.b[r.val:])
	r.done(n, err)
	return v
}

// bytes returns the payload and a reader positioned on it, for nested messages.
func (r *fieldReader) bytes() ([]byte, fieldReader) {
	v, n, err := ConsumeBytes(r.b[r.val:])
	r.done(n, err)
	return v, fieldReader{b: v, base: r.base + r.val + n - len(v)}
}

func (r *fieldReader) str() string {
	v, _ := r.bytes()
	if r.err == nil && !utf8.Valid(v) {
		r.err = errorf(r.base+r.val, "string field %d is not valid UTF-8", r.num)
	}
	return string(v)
}

func (r *fieldReader) skip() { r.done(ConsumeFieldValue(r.num, r.typ, r.b[r.val:])) }

// repeated decodes a repeated integer field, which parsers must accept both
// packed (one length-delimited record) and unpacked (one varint per element).
func repeated[T Integer](r *fieldReader, dst []T) []T {
	if r.typ == protowire.VarintType {
		return append(dst, T(r.varint()))
	}
	dst, n, err := ConsumePackedVarints(r.b[r.val:], dst)
	r.done(n, err)
	return dst
}

// UnmarshalOrderBatch decodes b into m, replacing what m held.
func UnmarshalOrderBatch(b []byte, m *wiremsg.OrderBatch) error {
	*m = wiremsg.OrderBatch{}
	r := fieldReader{b: b}
	for r.next() {
		switch {
		case r.num == 1 && r.typ == protowire.BytesType:
			m.BatchID = r.str()
		case r.num == 2 && r.typ == protowire.VarintType:
			m.CreatedUnixMs = int64(r.varint())
		case r.num == 3 && r.typ == protowire.BytesType:
			_, sub := r.bytes()
			var o wiremsg.Order
			if r.err == nil {
				r.err = unmarshalOrder(&sub, &o)
			}
			m.Orders = append(m.Orders, o)
		case r.num == 4 && r.typ == protowire.VarintType:
			m.Final = r.varint() != 0
		case r.num == 5 && (r.typ == protowire.VarintType || r.typ == protowire.BytesType):
			m.ShardIDs = repeated(&r, m.ShardIDs)
		default:
			r.skip()
		}
	}
	return r.err
}

func unmarshalOrder(r *fieldReader, o *wiremsg.Order) error {
	for r.next() {
		switch {
		case r.num == 1 && r.typ == protowire.VarintType:
			o.OrderID = r.varint()
		case r.num == 2 && r.typ == protowire.BytesType:
			o.CustomerEmail = r.str()
		case r.num == 3 && r.typ == protowire.BytesType:
			// A message field seen twice is merged, as protobuf does.
			if o.ShipTo == nil {
				o.ShipTo = new(wiremsg.Address)
			}
			_, sub := r.bytes()
			if r.err == nil {
				r.err = unmarshalAddress(&sub, o.ShipTo)
			}
		case r.num == 4 && r.typ == protowire.BytesType:
			_, sub := r.bytes()
			var li wiremsg.LineItem
			if r.err == nil {
				r.err = unmarshalLineItem(&sub, &li)
			}
			o.Items = append(o.Items, li)
		case r.num == 5 && r.typ == protowire.Fixed64Type:
			o.Total = math.Float64frombits(r.fixed64())
		case r.num == 6 && r.typ == protowire.VarintType:
			o.Status = wiremsg.OrderStatus(r.varint())
		case r.num == 7 && r.typ == protowire.VarintType:
			// sint32 zigzag works on 32 bits: drop the high half first.
			o.Priority = int32(DecodeZigZag(r.varint() & math.MaxUint32))
		case r.num == 8 && r.typ == protowire.Fixed64Type:
			o.TraceID = r.fixed64()
		case r.num == 9 && r.typ == protowire.VarintType:
			o.Gift = r.varint() != 0
		case r.num == 10 && (r.typ == protowire.VarintType || r.typ == protowire.BytesType):
			o.CouponIDs = repeated(r, o.CouponIDs)
		default:
			r.skip()
		}
	}
	return r.err
}

func unmarshalLineItem(r *fieldReader, li *wiremsg.LineItem) error {
	for r.next() {
		switch {
		case r.num == 1 && r.typ == protowire.BytesType:
			li.SKU = r.str()
		case r.num == 2 && r.typ == protowire.VarintType:
			li.Quantity = uint32(r.varint())
		case r.num == 3 && r.typ == protowire.VarintType:
			li.UnitPriceCents = int64(r.varint())
		case r.num == 4 && r.typ == protowire.BytesType:
			li.Title = r.str()
		default:
			r.skip()
		}
	}
	return r.err
}

func unmarshalAddress(r *fieldReader, a *wiremsg.Address) error {
	for r.next() {
		var dst *string
		switch r.num {
		case 1:
			dst = &a.Street
		case 2:
			dst = &a.City
		case 3:
			dst = &a.PostalCode
		case 4:
			dst = &a.CountryCode
		}
		if dst != nil && r.typ == protowire.BytesType {
			*dst = r.str()
		} else {
			r.skip()
		}
	}
	return r.err
}
