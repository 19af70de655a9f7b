package solution

import (
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiremsg"
)

// SizeUser is len(AppendUser(nil, u)), without encoding: a caller sizes its
// buffer once, and an encoder of a message that contains a User needs the
// length before the bytes.
func SizeUser(u *wiremsg.User) int {
	n := 0
	if u.Name != "" {
		n += 1 + SizeVarint(uint64(len(u.Name))) + len(u.Name) // tag 1 fits one byte
	}
	if u.ID != 0 {
		n += 1 + SizeVarint(uint64(u.ID)) // a negative int32 sign-extends: 10 bytes
	}
	for _, e := range u.Emails {
		n += 1 + SizeVarint(uint64(len(e))) + len(e)
	}
	return n
}

// AppendUser encodes u exactly as proto.Marshal encodes wire.v1.User: fields
// in number order, proto3 zero values (empty name, id 0) left out, every
// email written, even an empty one (an element of a list is never "unset").
func AppendUser(b []byte, u *wiremsg.User) []byte {
	if u.Name != "" {
		b = AppendTag(b, 1, protowire.BytesType)
		b = AppendString(b, u.Name)
	}
	if u.ID != 0 {
		b = AppendTag(b, 2, protowire.VarintType)
		b = AppendVarint(b, uint64(u.ID)) // int32 → uint64 sign-extends
	}
	for _, e := range u.Emails {
		b = AppendTag(b, 3, protowire.BytesType)
		b = AppendString(b, e)
	}
	return b
}

// UnmarshalUser decodes b into u, replacing what u held. It accepts what
// proto.Unmarshal accepts: fields in any order, a repeated scalar field's
// last value wins, unknown fields (and known numbers with an unexpected wire
// type) are skipped, and strings must be valid UTF-8 (a proto3 rule).
func UnmarshalUser(b []byte, u *wiremsg.User) error {
	*u = wiremsg.User{}
	for off := 0; off < len(b); {
		num, typ, n, err := ConsumeTag(b[off:])
		if err != nil {
			return shift(err, off)
		}
		v := off + n
		var m int
		switch {
		case num == 1 && typ == protowire.BytesType:
			var s []byte
			if s, m, err = ConsumeBytes(b[v:]); err == nil {
				if !utf8.Valid(s) {
					return errorf(off, "field 1 (name) is not valid UTF-8")
				}
				u.Name = string(s)
			}
		case num == 2 && typ == protowire.VarintType:
			var x uint64
			if x, m, err = ConsumeVarint(b[v:]); err == nil {
				u.ID = int32(x) // keeps the low 32 bits, like every protobuf runtime
			}
		case num == 3 && typ == protowire.BytesType:
			var s []byte
			if s, m, err = ConsumeBytes(b[v:]); err == nil {
				if !utf8.Valid(s) {
					return errorf(off, "field 3 (emails) is not valid UTF-8")
				}
				u.Emails = append(u.Emails, string(s))
			}
		default:
			m, err = ConsumeFieldValue(num, typ, b[v:])
		}
		if err != nil {
			return shift(err, v)
		}
		off = v + m
	}
	return nil
}
