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

// maxGuessDepth bounds how many levels of length-delimited values are
// tried as messages: each level reads its payload again, so without a bound
// a crafted input of nested lengths would take time quadratic in its size.
const maxGuessDepth = 32

// maxPacked is how many packed values a summary shows.
const maxPacked = 8

type palette struct{ off, tag, num, typ, val, bad, reset string }

func newPalette(color bool) palette {
	if !color {
		return palette{}
	}
	return palette{off: "\x1b[2m", tag: "\x1b[36m", num: "\x1b[33m", typ: "\x1b[35m", val: "\x1b[32m", bad: "\x1b[31m", reset: "\x1b[0m"}
}

type explainer struct {
	w    *output
	data []byte
	lab  *lab
	c    palette
	line []byte
}

const bytesPerRow = 8

// row prints one token; long byte runs continue on rows of their own.
// It appends into one reused line: explain prints a row per token, so
// this is the hot path.
func (e *explainer) row(off int, b []byte, color, fieldCol, typ, value string) {
	for first := true; first || len(b) > 0; first = false {
		chunk := b[:min(len(b), bytesPerRow)]
		b = b[len(chunk):]
		l := append(e.line[:0], e.c.off...)
		l = padLeftInt(l, off, 6)
		l = append(l, e.c.reset...)
		l = append(l, "  "...)
		l = append(l, color...)
		n := len(l)
		for i, c := range chunk {
			if i > 0 {
				l = append(l, ' ')
			}
			l = append(l, hexDigits[c>>4], hexDigits[c&0xf])
		}
		l = pad(l, 24-(len(l)-n))
		l = append(l, e.c.reset...)
		if first {
			l = append(l, ' ')
			l = append(l, e.c.num...)
			l = append(l, fieldCol...)
			l = pad(l, 8-len(fieldCol))
			l = append(l, e.c.reset...)
			l = append(l, ' ')
			l = append(l, e.c.typ...)
			l = append(l, typ...)
			l = pad(l, 6-len(typ))
			l = append(l, e.c.reset...)
			l = append(l, ' ')
			l = append(l, value...)
		}
		for len(l) > 0 && l[len(l)-1] == ' ' {
			l = l[:len(l)-1]
		}
		l = append(l, '\n')
		e.w.Write(l)
		e.line = l
		off += len(chunk)
	}
}

const hexDigits = "0123456789abcdef"

// pad appends n spaces (none when n <= 0).
func pad(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// padLeftInt is %*d.
func padLeftInt(b []byte, v, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], int64(v), 10)
	return append(pad(b, width-len(s)), s...)
}

func (e *explainer) mark(ok bool) string {
	if ok {
		return e.c.val + "✓" + e.c.reset
	}
	return e.c.bad + "✗" + e.c.reset
}

// fields prints the tokens of the message p (at base in the input), one
// level of length-delimited nesting at depth. Groups indent within it.
func (e *explainer) fields(p []byte, base int, indent string, depth int) {
	w := e.lab.walk(p, base)
	ind := []string{indent} // one per open group
	for f, ok := w.next(); ok && e.w.err == nil; f, ok = w.next() {
		cur := ind[len(ind)-1]
		col := cur + strconv.Itoa(int(f.Num))
		if f.Type == protowire.EndGroupType {
			ind = ind[:len(ind)-1]
			col = ind[len(ind)-1] + strconv.Itoa(int(f.Num))
			e.row(f.Offset, e.data[f.Offset:f.End], e.c.tag, col, "EGROUP", "end of group "+strconv.Itoa(int(f.Num)))
			continue
		}
		note := "tag"
		if f.Num >= protowire.FirstReservedNumber && f.Num <= protowire.LastReservedNumber {
			note += " (number in the reserved range 19000-19999: valid on the wire, no .proto may declare it)"
		}
		e.row(f.Offset, e.data[f.Offset:f.Value], e.c.tag, col, typeName(f.Type), note)
		v := f.Value
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
			e.payload(f, p, cur, depth)
		case protowire.StartGroupType:
			ind = append(ind, cur+"  ")
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

// payload prints the three readings of a length-delimited value, and its
// fields when it reads as a message.
func (e *explainer) payload(f field, p int, indent string, depth int) {
	if len(f.Bytes) == 0 {
		e.row(p, nil, "", "", "", "empty: \"\", an empty message or an empty list")
		return
	}
	isUTF8 := utf8.Valid(f.Bytes)
	str := "string " + e.mark(isUTF8)
	if isUTF8 {
		str += " " + quote(f.Bytes, 40)
	}
	n, msgOK := 0, false
	if depth < maxGuessDepth {
		n, msgOK = e.lab.message(f.Bytes)
	}
	msg := "message " + e.mark(msgOK)
	if depth >= maxGuessDepth {
		msg = fmt.Sprintf("message not tried (more than %d levels deep)", maxGuessDepth)
	}
	if msgOK {
		msg += fmt.Sprintf(" (%d fields)", n)
	}
	var first [maxPacked]uint64
	vals, count, packOK := packedVarints(f.Bytes, first[:], maxPacked)
	packed := "packed varints " + e.mark(packOK)
	if packOK {
		nums := make([]string, 0, maxPacked+1)
		for _, v := range vals {
			nums = append(nums, strconv.FormatUint(v, 10))
		}
		if count > maxPacked {
			nums = append(nums, "…")
		}
		packed += " [" + strings.Join(nums, " ") + "]"
	}
	summary := strings.Join([]string{msg, str, packed}, " · ")
	if msgOK {
		// Show the nested fields; the payload bytes appear on their rows.
		fmt.Fprintf(e.w, "%6s  %-24s %s%s%s\n", "", "", indent, "  ↳ ", summary)
		e.fields(f.Bytes, p, indent+"  ", depth+1)
		return
	}
	e.row(p, f.Bytes, "", "", "", summary)
}

// explain is the annotated hex view: one row per token.
func explain(w *output, data []byte, l *lab, color bool) {
	e := &explainer{w: w, data: data, lab: l, c: newPalette(color)}
	fmt.Fprintf(w, "%6s  %-24s %-8s %-6s %s\n", "offset", "bytes", "field", "type", "value")
	e.fields(data, 0, "", 0)
	fmt.Fprintf(w, "%6d  (end, %d bytes)\n", len(data), len(data))
}
