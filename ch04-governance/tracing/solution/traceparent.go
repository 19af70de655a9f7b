package solution

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/grpclabs/labs/ch04-governance/tracing/handspan"
)

// Parse reads a W3C traceparent header, version-traceid-parentid-flags:
// "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01". It follows
// the spec (and OpenTelemetry's propagator): lowercase hex only; version
// ff is invalid; version 00 has exactly these four fields and no flag
// beyond sampled (01) and random (02); a higher version may carry more
// fields after a "-", which are ignored; all-zero ids are invalid. Only the
// two defined flag bits are kept.
func Parse(h string) (handspan.SpanContext, error) {
	var sc handspan.SpanContext
	fields := strings.SplitN(h, "-", 5)
	if len(fields) < 4 {
		return sc, fmt.Errorf("traceparent %q: want version-traceid-parentid-flags", h)
	}
	var version, flags [1]byte
	if err := hexField(version[:], fields[0], "version"); err != nil {
		return sc, err
	}
	if version[0] == 0xff {
		return sc, errors.New("traceparent: version ff is invalid")
	}
	if err := hexField(sc.TraceID[:], fields[1], "trace id"); err != nil {
		return sc, err
	}
	if err := hexField(sc.SpanID[:], fields[2], "parent id"); err != nil {
		return sc, err
	}
	if err := hexField(flags[:], fields[3], "flags"); err != nil {
		return sc, err
	}
	if version[0] == 0 {
		if len(fields) > 4 {
			return sc, errors.New("traceparent: version 00 has exactly four fields")
		}
		if flags[0] > 0x03 {
			return sc, fmt.Errorf("traceparent: version 00 defines no flag %#02x", flags[0]&^0x03)
		}
	}
	sc.Flags = flags[0] & 0x03
	if sc.TraceID == [16]byte{} {
		return sc, errors.New("traceparent: the trace id is all zeros")
	}
	if sc.SpanID == [8]byte{} {
		return sc, errors.New("traceparent: the parent id is all zeros")
	}
	return sc, nil
}

// hexField decodes exactly len(dst) bytes of lowercase hex.
func hexField(dst []byte, s, what string) error {
	if len(s) != 2*len(dst) {
		return fmt.Errorf("traceparent: %s %q: want %d hex digits", what, s, 2*len(dst))
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("traceparent: %s %q: only lowercase hex digits", what, s)
		}
	}
	_, err := hex.Decode(dst, []byte(s))
	return err
}

// Format writes sc as a version 00 traceparent header.
func Format(sc handspan.SpanContext) (string, error) {
	if !sc.IsValid() {
		return "", errors.New("traceparent: refusing to write an all-zero id")
	}
	return fmt.Sprintf("00-%x-%x-%02x", sc.TraceID, sc.SpanID, sc.Flags&0x03), nil
}
