package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// typeName is the wire type as protobuf's encoding guide names it.
func typeName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "VARINT"
	case protowire.Fixed64Type:
		return "I64"
	case protowire.BytesType:
		return "LEN"
	case protowire.StartGroupType:
		return "SGROUP"
	case protowire.EndGroupType:
		return "EGROUP"
	case protowire.Fixed32Type:
		return "I32"
	}
	return "type" + strconv.Itoa(int(t))
}

// tagLen is the length of the varint tag at b[off:] (already validated).
func tagLen(b []byte, off int) int {
	n := 1
	for b[off+n-1] >= 0x80 {
		n++
	}
	return n
}

// absolute moves the offsets of fields decoded from a payload at base.
func absolute(fs []field, base int) []field {
	for i := range fs {
		fs[i].Offset += base
		fs[i].End += base
		fs[i].Group = absolute(fs[i].Group, base)
	}
	return fs
}

// readings of a length-delimited payload: the three things it may be.
type readings struct {
	utf8    bool
	message []field // nil when it does not parse (or is empty)
	msgOK   bool
	packed  []uint64
	packOK  bool
}

// maxGuessDepth bounds how many levels of length-delimited values are
// tried as messages: each level decodes its payload again, so without a
// bound a crafted input of nested lengths would take quadratic time.
const maxGuessDepth = 32

func readPayload(p []byte, base int, decode decoder, depth int) readings {
	r := readings{utf8: utf8.Valid(p)}
	if len(p) > 0 && depth < maxGuessDepth {
		if fs, err := decode(p); err == nil {
			r.message, r.msgOK = absolute(fs, base), true
		}
	}
	r.packOK = true
	for off := 0; off < len(p); {
		v, n := protowire.ConsumeVarint(p[off:])
		if n < 0 {
			r.packed, r.packOK = nil, false
			break
		}
		r.packed = append(r.packed, v)
		off += n
	}
	return r
}

type palette struct{ off, tag, num, typ, val, bad, reset string }

func newPalette(color bool) palette {
	if !color {
		return palette{}
	}
	return palette{off: "\x1b[2m", tag: "\x1b[36m", num: "\x1b[33m", typ: "\x1b[35m", val: "\x1b[32m", bad: "\x1b[31m", reset: "\x1b[0m"}
}

type explainer struct {
	w      strings.Builder
	data   []byte
	decode decoder
	c      palette
}

const bytesPerRow = 8

// row prints one token; long byte runs continue on rows of their own.
func (e *explainer) row(off int, b []byte, color, fieldCol, typ, value string) {
	for first := true; first || len(b) > 0; first = false {
		chunk := b[:min(len(b), bytesPerRow)]
		b = b[len(chunk):]
		line := fmt.Sprintf("%s%6d%s  %s%-24s%s", e.c.off, off, e.c.reset, color, fmt.Sprintf("% x", chunk), e.c.reset)
		if first {
			line += fmt.Sprintf(" %s%-8s%s %s%-6s%s %s", e.c.num, fieldCol, e.c.reset, e.c.typ, typ, e.c.reset, value)
		}
		e.w.WriteString(strings.TrimRight(line, " ") + "\n")
		off += len(chunk)
	}
}

func (e *explainer) mark(ok bool) string {
	if ok {
		return e.c.val + "✓" + e.c.reset
	}
	return e.c.bad + "✗" + e.c.reset
}

func (e *explainer) fields(fs []field, indent string, depth int) {
	for _, f := range fs {
		tl := tagLen(e.data, f.Offset)
		v := f.Offset + tl
		col := indent + strconv.Itoa(int(f.Num))
		note := "tag"
		if f.Num >= protowire.FirstReservedNumber && f.Num <= protowire.LastReservedNumber {
			note += " (number in the reserved range 19000-19999: valid on the wire, no .proto may declare it)"
		}
		e.row(f.Offset, e.data[f.Offset:v], e.c.tag, col, typeName(f.Type), note)
		switch f.Type {
		case protowire.VarintType:
			e.row(v, e.data[v:f.End], "", "", "", e.varintReadings(f.Varint))
		case protowire.Fixed32Type:
			x := uint32(f.Fixed)
			e.row(v, e.data[v:f.End], "", "", "", fmt.Sprintf("%s0x%08x%s  uint32 %d · int32 %d · float %s",
				e.c.val, x, e.c.reset, x, int32(x), strconv.FormatFloat(float64(math.Float32frombits(x)), 'g', -1, 32)))
		case protowire.Fixed64Type:
			e.row(v, e.data[v:f.End], "", "", "", fmt.Sprintf("%s0x%016x%s  uint64 %d · int64 %d · double %s",
				e.c.val, f.Fixed, e.c.reset, f.Fixed, int64(f.Fixed), strconv.FormatFloat(math.Float64frombits(f.Fixed), 'g', -1, 64)))
		case protowire.BytesType:
			p := f.End - len(f.Bytes) // the payload's offset
			e.row(v, e.data[v:p], "", "", "", fmt.Sprintf("length %d", len(f.Bytes)))
			e.payload(f, p, indent, depth)
		case protowire.StartGroupType:
			e.fields(f.Group, indent+"  ", depth)
			end := v // the end-group tag follows the last field of the group
			if len(f.Group) > 0 {
				end = f.Group[len(f.Group)-1].End
			}
			e.row(end, e.data[end:f.End], e.c.tag, col, "EGROUP", "end of group "+strconv.Itoa(int(f.Num)))
		}
	}
}

func (e *explainer) varintReadings(v uint64) string {
	parts := []string{e.c.val + "uint " + strconv.FormatUint(v, 10) + e.c.reset, "sint " + strconv.FormatInt(protowire.DecodeZigZag(v), 10)}
	if int64(v) < 0 {
		parts = append(parts, "int64 "+strconv.FormatInt(int64(v), 10))
	}
	if int64(v) >= math.MinInt32 && int64(v) < 0 {
		parts = append(parts, "int32 "+strconv.FormatInt(int64(v), 10))
	}
	if v <= 1 {
		parts = append(parts, "bool "+strconv.FormatBool(v == 1))
	}
	return strings.Join(parts, " · ")
}

func quote(p []byte, max int) string {
	s := strconv.Quote(string(p))
	if len(p) > max {
		s = strconv.Quote(string(p[:max])) + "…"
	}
	return s
}

func (e *explainer) payload(f field, p int, indent string, depth int) {
	r := readPayload(f.Bytes, p, e.decode, depth)
	str := "string " + e.mark(r.utf8)
	if r.utf8 {
		str += " " + quote(f.Bytes, 40)
	}
	msg := "message " + e.mark(r.msgOK)
	if depth >= maxGuessDepth {
		msg = fmt.Sprintf("message not tried (more than %d levels deep)", maxGuessDepth)
	}
	if r.msgOK {
		msg += fmt.Sprintf(" (%d fields)", len(r.message))
	}
	packed := "packed varints " + e.mark(r.packOK)
	if r.packOK && len(r.packed) > 0 {
		nums := make([]string, 0, 8)
		for i, v := range r.packed {
			if i == 8 {
				nums = append(nums, "…")
				break
			}
			nums = append(nums, strconv.FormatUint(v, 10))
		}
		packed += " [" + strings.Join(nums, " ") + "]"
	}
	summary := strings.Join([]string{msg, str, packed}, " · ")
	if len(f.Bytes) == 0 {
		e.row(p, nil, "", "", "", "empty: \"\", an empty message or an empty list")
		return
	}
	if r.msgOK {
		// Show the nested fields; the payload bytes appear on their rows.
		fmt.Fprintf(&e.w, "%6s  %-24s %s%s%s\n", "", "", indent, "  ↳ ", summary)
		e.fields(r.message, indent+"  ", depth+1)
		return
	}
	e.row(p, f.Bytes, "", "", "", summary)
}

// explain is the annotated hex view: one row per token.
func explain(data []byte, fields []field, decode decoder, color bool) string {
	e := &explainer{data: data, decode: decode, c: newPalette(color)}
	fmt.Fprintf(&e.w, "%6s  %-24s %-8s %-6s %s\n", "offset", "bytes", "field", "type", "value")
	e.fields(fields, "", 0)
	fmt.Fprintf(&e.w, "%6d  (end, %d bytes)\n", len(data), len(data))
	return e.w.String()
}
