package tracetree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// stub is the part of the stdout exporter's JSON (tracetest.SpanStub)
// that a waterfall needs.
type stub struct {
	Name        string
	SpanContext *struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
	SpanKind    int
	StartTime   time.Time
	EndTime     time.Time
	Status      struct{ Code, Description string }
	Resource    []struct {
		Key   string
		Value struct{ Value any }
	}
}

var kinds = map[int]string{1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}

const zeroTrace, zeroSpan = "00000000000000000000000000000000", "0000000000000000"

// ReadJSON reads what the OpenTelemetry stdout exporter writes: one JSON
// object per span, one after another (pretty-printed or not). Bad input is
// an error that says which span and which line, never a panic.
func ReadJSON(r io.Reader) ([]Span, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var spans []Span
	for n := 1; ; n++ {
		start := dec.InputOffset()
		for start < int64(len(data)) && strings.ContainsRune(" \t\r\n", rune(data[start])) {
			start++ // the span starts at its first byte, not after the previous one
		}
		var st stub
		err := dec.Decode(&st)
		if errors.Is(err, io.EOF) {
			return spans, nil
		}
		at := fmt.Sprintf("span %d (line %d)", n, line(data, start))
		var syntax *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			return spans, fmt.Errorf("%s: the input ends in the middle of a span (truncated?)", at)
		case errors.As(err, &syntax):
			return spans, fmt.Errorf("%s: not JSON: %v at line %d", at, err, line(data, syntax.Offset))
		case err != nil:
			return spans, fmt.Errorf("%s: not a span from the stdout exporter: %v", at, err)
		case st.SpanContext == nil:
			return spans, fmt.Errorf("%s: not a span from the stdout exporter: it has no SpanContext", at)
		}
		s := Span{
			TraceID: st.SpanContext.TraceID, SpanID: st.SpanContext.SpanID,
			Name: st.Name, Kind: kinds[st.SpanKind], Start: st.StartTime, End: st.EndTime,
			Status: st.Status.Code, Message: st.Status.Description,
		}
		if st.Status.Code == "Unset" {
			s.Status = ""
		}
		if st.Parent.SpanID != "" && st.Parent.SpanID != zeroSpan {
			if st.Parent.TraceID != s.TraceID && st.Parent.TraceID != zeroTrace {
				return spans, fmt.Errorf("%s: its parent is in another trace (%s)", at, st.Parent.TraceID)
			}
			s.ParentID = st.Parent.SpanID
		}
		for _, kv := range st.Resource {
			if kv.Key == "service.name" {
				s.Service = fmt.Sprint(kv.Value.Value)
			}
		}
		if err := s.check(); err != nil {
			return spans, fmt.Errorf("%s: %w", at, err)
		}
		spans = append(spans, s)
	}
}

// line is the 1-based line number of byte offset off in data.
func line(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
