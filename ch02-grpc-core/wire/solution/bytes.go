package solution

// AppendBytes appends a length-delimited value: the length as a varint, then
// the bytes. Strings, bytes, nested messages and packed lists all look so.
func AppendBytes(b []byte, v []byte) []byte {
	return append(AppendVarint(b, uint64(len(v))), v...)
}

// AppendString is AppendBytes for a string, without converting it first
// (a []byte(s) conversion would allocate).
func AppendString(b []byte, s string) []byte {
	return append(AppendVarint(b, uint64(len(s))), s...)
}

// ConsumeBytes decodes a length-delimited value. The result aliases b; its
// capacity is cut to its length, so appending to it cannot overwrite b.
func ConsumeBytes(b []byte) (v []byte, n int, err error) {
	l, n, err := ConsumeVarint(b)
	if err != nil {
		return nil, 0, err
	}
	// Compare as uint64: a huge length must not wrap around when converted.
	if l > uint64(len(b)-n) {
		return nil, 0, errorf(0, "length %d runs past the end of the input (%d bytes left)", l, len(b)-n)
	}
	end := n + int(l)
	return b[n:end:end], end, nil
}

// Integer is every Go type a varint-encoded scalar field maps to.
type Integer interface {
	~int32 | ~int64 | ~uint32 | ~uint64
}

// SizePackedVarints is the payload size of a packed list, without the
// length prefix.
func SizePackedVarints[T Integer](vs []T) int {
	n := 0
	for _, v := range vs {
		n += SizeVarint(uint64(v))
	}
	return n
}

// AppendPackedVarints appends a packed repeated field's value: the payload
// length, then every element as a varint. Converting a negative int32 to
// uint64 sign-extends it, so it takes 10 bytes, as protobuf requires.
func AppendPackedVarints[T Integer](b []byte, vs []T) []byte {
	// The length comes first, so compute it before writing: that is why
	// every protobuf encoder has a Size function.
	b = AppendVarint(b, uint64(SizePackedVarints(vs)))
	for _, v := range vs {
		b = AppendVarint(b, uint64(v))
	}
	return b
}

// ConsumePackedVarints decodes a packed list (length prefix and payload) and
// appends the elements to dst. Narrower types truncate, as protobuf does.
func ConsumePackedVarints[T Integer](b []byte, dst []T) ([]T, int, error) {
	payload, n, err := ConsumeBytes(b)
	if err != nil {
		return dst, 0, err
	}
	base := n - len(payload)
	for off := 0; off < len(payload); {
		v, m, err := ConsumeVarint(payload[off:])
		if err != nil {
			// The payload ends where the length said; a varint running
			// over that end is truncated even if more input follows.
			return dst, 0, shift(err, base+off)
		}
		dst = append(dst, T(v))
		off += m
	}
	return dst, n, nil
}
