package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	wirev1 "github.com/grpclabs/labs/ch02-grpc-core/gen/wire/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiremsg"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/wiretest"
	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/demo/demotest"
	"github.com/grpclabs/labs/scripts/labkit"
)

func TestMain(m *testing.M) {
	demotest.MainAs("protodump", run) // whole processes, to measure
	goleak.VerifyTestMain(m)
}

// protodump runs the test binary as protodump on the file in, its output
// discarded, and returns its peak memory (max RSS) and how long it ran.
func protodump(t testing.TB, in string, args ...string) (maxRSS int64, took time.Duration) {
	t.Helper()
	cmd := demotest.Command("protodump", append(args, in)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("protodump %v %s: %v: %s", args, in, err, stderr.String())
	}
	took = time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no rusage on this system: the memory test runs on Linux")
	}
	return ru.Maxrss << 10, took // Linux reports KiB
}

// tinyFields is a valid message of n bytes: two-byte varint fields, the
// most fields a size can hold (and the worst case for a decoder that
// keeps a tree).
func tinyFields(n int) []byte {
	return bytes.Repeat([]byte{0x08, 0x01}, n/2)
}

// nestedChains is n bytes of fields nested depth levels deep around a
// small message: every level is readable as a message, a string and a
// packed list at once, the worst case for views that show every reading.
func nestedChains(n, depth int) []byte {
	leaf := bytes.Repeat([]byte{0x08, 0x01}, 30)
	chain := leaf
	for range depth {
		chain = protowire.AppendBytes([]byte{0x0a}, chain)
	}
	var b []byte
	for len(b) < n {
		b = append(b, chain...)
	}
	return b
}

// TestMemoryLinear: the peak memory of a whole protodump process grows
// with the input by less than the input's own size per format: no tree of
// the message, no output held in memory. (It once needed 1.1 GB for 5 MB.)
func TestMemoryLinear(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("runs protodump as a process on megabytes, and not under the race detector, which multiplies memory")
	}
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := file("empty.bin", nil)
	const size = 2 << 20
	for _, tc := range []struct {
		name, file string
		format     string
	}{
		{"tiny fields", file("tiny.bin", tinyFields(size)), "protoc"},
		{"tiny fields", file("tiny.bin", tinyFields(size)), "json"},
		{"tiny fields, a quarter", file("tiny4.bin", tinyFields(size/4)), "explain"},
		{"nested chains", file("nested.bin", nestedChains(size, 32)), "json"},
	} {
		base, _ := protodump(t, empty, "-format="+tc.format)
		rss, _ := protodump(t, tc.file, "-format="+tc.format)
		st, _ := os.Stat(tc.file)
		if grown := rss - base; grown > 3*st.Size() {
			t.Errorf("%s (%d bytes), -format=%s: peak memory %d MB, %d MB above an empty input's; want under 3 times the input",
				tc.name, st.Size(), tc.format, rss>>20, grown>>20)
		}
	}
}

// TestOutputLinear: for every format, four times the input gives about
// four times the output, and a bounded multiple of the input, however the
// input nests. (26 KB of nested fields once gave 60 MB of JSON.)
func TestOutputLinear(t *testing.T) {
	inputs := map[string]func(n int) []byte{
		"tiny fields":       tinyFields,
		"chains 32 deep":    func(n int) []byte { return nestedChains(n, 32) },
		"chains 200 deep":   func(n int) []byte { return nestedChains(n, 200) },
		"one chain":         func(n int) []byte { return nest(strings.Repeat("m", n/4), []byte{0x08, 0x01}) },
		"groups 100 deep":   func(n int) []byte { return bytes.Repeat(nest(strings.Repeat("g", 100), []byte{0x08, 0x01}), n/204) },
		"groups in strings": func(n int) []byte { return bytes.Repeat(nest("m", nest(strings.Repeat("g", 50), nil)), n/104) },
	}
	// The most output per input byte each format may print: explain's
	// row per token is the widest, and protoc's own text indents two
	// spaces per level of up to 100 groups.
	maxFactor := map[string]int{"protoc": 256, "json": 64, "explain": 256}
	for name, make := range inputs {
		for format, factor := range maxFactor {
			var sizes [2]int
			for i, n := range []int{8 << 10, 32 << 10} {
				in := make(n)
				code, out, stderr := dump(t, in, "-format="+format)
				if code != 0 {
					t.Fatalf("%s, -format=%s: exit %d: %s", name, format, code, stderr)
				}
				if len(out) > factor*len(in) {
					t.Errorf("%s (%d bytes), -format=%s: %d bytes of output, more than %d× the input", name, len(in), format, len(out), factor)
				}
				sizes[i] = len(out) * (8 << 10) / len(in) // per 8 KiB of input
			}
			if sizes[1] > sizes[0]*5/4+64 {
				t.Errorf("%s, -format=%s: %d bytes of output per 8 KiB of input at 32 KiB, %d at 8 KiB: the output grows faster than the input", name, format, sizes[1], sizes[0])
			}
		}
	}
}

// TestLimits: each limit ends the run with one line and exit status 1.
func TestLimits(t *testing.T) {
	big := tinyFields(64<<10 + 2)
	file := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(file, big, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		in   []byte
		args []string
		want string
	}{
		{"input on stdin over -max-input", big, []string{"-max-input", "64K"}, "more than -max-input=65536"},
		{"input file over -max-input", nil, []string{"-max-input", "1K", file}, "more than -max-input=1024"},
		{"output over -max-output", big, []string{"-format=explain", "-max-output", "1M"}, "-max-output=1048576"},
		{"groups 101 deep", nest(strings.Repeat("g", 101), nil), []string{"-format=json"}, "groups nested more than 100 deep"},
	} {
		code, _, stderr := dump(t, tc.in, tc.args...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", tc.what, code)
		}
		wantOneLine(t, tc.what, stderr, tc.want)
	}
	if code, out, stderr := dump(t, big[:64<<10], "-max-input", "64K", "-max-output", "0", "-format=explain"); code != 0 || len(out) < 1<<20 {
		t.Errorf("exactly -max-input, no output limit: exit %d, %d bytes, %s", code, len(out), stderr)
	}
}

// BenchmarkVersusProtoc times -format=protoc against protoc --decode_raw,
// both as whole processes on the same 5 MB message, alternating (so both
// see the same machine), and reports the medians and their ratio. The
// README quotes it:
//
//	go test -run '^$' -bench VersusProtoc -count 6 ./ch02-grpc-core/cmd/protodump
func BenchmarkVersusProtoc(b *testing.B) {
	protoc := labkit.LookTool(b, "protoc", "protobuf-compiler")
	one := marshal(b, wiretest.ProtoOrderBatch(wiretest.SampleOrderBatch(50)))
	var msg []byte
	for len(msg) < 5<<20 {
		msg = protowire.AppendBytes(protowire.AppendTag(msg, 1, protowire.BytesType), one)
	}
	in := filepath.Join(b.TempDir(), "batch.bin")
	if err := os.WriteFile(in, msg, 0o600); err != nil {
		b.Fatal(err)
	}
	var ours, theirs []time.Duration
	for b.Loop() {
		f, err := os.Open(in)
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(protoc, "--decode_raw")
		cmd.Stdin = f
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		theirs = append(theirs, time.Since(start))
		f.Close()
		_, took := protodump(b, in, "-format=protoc")
		ours = append(ours, took)
	}
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return ds[len(ds)/2].Seconds() * 1000
	}
	b.ReportMetric(median(ours), "ms-protodump")
	b.ReportMetric(median(theirs), "ms-protoc")
	b.ReportMetric(median(ours)/median(theirs), "x-protoc")
	b.ReportMetric(0, "ns/op")
}

// dump runs protodump in process: its exit status, its output, and its
// stderr with the one line demo.Main would print for an error.
func dump(t testing.TB, in []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, demo.IO{In: bytes.NewReader(in), Out: &out, Err: &errb})
	code = demo.ExitCode("protodump", err, &errb)
	return code, out.String(), errb.String()
}

func wantOneLine(t testing.TB, what, stderr string, words ...string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("%s: stderr should be exactly one line, got %q", what, stderr)
	}
	for _, w := range words {
		if !strings.Contains(stderr, w) {
			t.Errorf("%s: stderr %q should mention %q", what, stderr, w)
		}
	}
}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nest wraps payload in layers, outermost first: 'm' a length-delimited
// field 1, 'g' a group 1.
func nest(spec string, payload []byte) []byte {
	for i := len(spec) - 1; i >= 0; i-- {
		if spec[i] == 'm' {
			payload = protowire.AppendBytes([]byte{0x0a}, payload)
		} else {
			payload = append(append([]byte{0x0b}, payload...), 0x0c)
		}
	}
	return payload
}

// randomMessage builds a valid message from random fields: every wire
// type, strings that are and are not UTF-8, nested messages and groups.
func randomMessage(r *rand.Rand, depth int) []byte {
	var b []byte
	for range r.IntN(6) {
		num := protowire.Number(1 + r.IntN(20))
		if r.IntN(10) == 0 {
			num = protowire.Number(1 + r.IntN(1<<29-1))
		}
		switch k := r.IntN(7); {
		case k == 0:
			b = protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), r.Uint64()>>r.IntN(64))
		case k == 1:
			b = protowire.AppendFixed32(protowire.AppendTag(b, num, protowire.Fixed32Type), r.Uint32())
		case k == 2:
			b = protowire.AppendFixed64(protowire.AppendTag(b, num, protowire.Fixed64Type), r.Uint64())
		case k == 3 && depth < 4:
			b = protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), randomMessage(r, depth+1))
		case k == 4 && depth < 4:
			b = protowire.AppendTag(b, num, protowire.StartGroupType)
			b = append(b, randomMessage(r, depth+1)...)
			b = protowire.AppendTag(b, num, protowire.EndGroupType)
		default:
			p := make([]byte, r.IntN(12))
			for i := range p {
				switch r.IntN(3) {
				case 0:
					p[i] = byte(r.IntN(256))
				default:
					p[i] = byte(' ' + r.IntN(95))
				}
			}
			b = protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), p)
		}
	}
	return b
}

// protocInputs are the messages TestProtocFormat feeds to both tools.
func protocInputs(t testing.TB) map[string][]byte {
	ff := bytes.Repeat([]byte{0xff}, 9)
	in := map[string][]byte{
		"empty":                    {},
		"empty string":             {0x0a, 0x00},
		"escapes":                  append([]byte{0x0a, 0x0c}, "\x01\x7f\x80\"'\\\n\r\t\x00?é"...),
		"utf8 that parses":         append([]byte{0x0a, 0x04}, "h\xc3\xa9!"...),
		"invalid utf8":             {0x0a, 0x03, 0xff, 0xfe, 'x'},
		"nested":                   {0x0a, 0x02, 0x08, 0x01},
		"fixed":                    {0x0d, 1, 0, 0, 0, 0x11, 1, 0, 0, 0, 0, 0, 0, 0x80},
		"group":                    {0x0b, 0x08, 0x01, 0x0c, 0x10, 0x02},
		"empty group":              {0x0b, 0x0c},
		"group inside message":     {0x0a, 0x04, 0x0b, 0x08, 0x01, 0x0c},
		"end group in nested":      {0x0a, 0x03, 0x08, 0x01, 0x0c},
		"mismatched group nested":  {0x0a, 0x02, 0x0b, 0x14},
		"unterminated group nest":  {0x0a, 0x03, 0x0b, 0x08, 0x01},
		"tag 0 in nested":          {0x0a, 0x03, 0x08, 0x01, 0x00},
		"wire type 6 in nested":    {0x0a, 0x02, 0x0e, 0x00},
		"padded 6-byte tag nested": {0x0a, 0x07, 0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01},
		"padded 5-byte tag":        {0x88, 0x80, 0x80, 0x80, 0x00, 0x01},
		"padded 6-byte tag":        {0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01}, // protowire: fine; protoc: fails
		"padded 5-byte length":     {0x0a, 0x81, 0x80, 0x80, 0x80, 0x00, 'a'},
		"padded 6-byte length":     {0x0a, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 'a'},
		"10th byte 2 in nested":    append(append([]byte{0x0a, 0x0b, 0x08}, ff...), 0x02),
		"33-bit tag in nested":     {0x0a, 0x06, 0xf8, 0xff, 0xff, 0xff, 0x1f, 0x01},
		"reserved 19999":           protowire.AppendVarint(protowire.AppendTag(nil, 19999, protowire.VarintType), 1),
		"max field number":         protowire.AppendVarint(protowire.AppendTag(nil, 1<<29-1, protowire.VarintType), 1),
		"negative int32":           marshal(t, &wirev1.User{Id: -1}),
		"the text's User":          marshal(t, &wirev1.User{Name: "Alice", Id: 42, Emails: []string{"alice@example.com", ""}}),
		"unicode User":             marshal(t, &wirev1.User{Name: "李雷 ✓", Id: math.MinInt32}),
		"OrderBatch":               marshal(t, wiretest.ProtoOrderBatch(wiretest.SampleOrderBatch(3))),
		"packed":                   marshal(t, &wirev1.OrderBatch{ShardIds: []int64{1, 300, -1, 0}}),
		"edge Order":               marshal(t, wiretest.ProtoOrderBatch(&wiremsg.OrderBatch{Orders: []wiremsg.Order{{Total: -1.5, Priority: -3, TraceID: math.MaxUint64, ShipTo: &wiremsg.Address{}}}})),
		"groups 100 deep":          nest(strings.Repeat("g", 100), nil),
		"groups 101 deep":          nest(strings.Repeat("g", 101), nil),
	}
	// The printing budget: where nesting turns into strings.
	for _, spec := range []string{"mmmmmmmmm", "mmmmmmmmmm", "mmmmmmmmmmm", "gggggggggg", "ggggggggggg", "ggggggggggm",
		"mmmmmmmmmg", "mmmmmmmmgg", "mmmmmmmmggg", "mmmmmgggggg", "mggggggggg", "mgggggggggg", "m" + strings.Repeat("g", 10), "m" + strings.Repeat("g", 11)} {
		in["nesting "+spec] = nest(spec, []byte{0x0a, 0x02, 0x08, 0x01})
	}
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 120 {
		in[fmt.Sprintf("random %d", i)] = randomMessage(r, 0)
	}
	return in
}

// TestProtocFormat: -format=protoc prints what protoc --decode_raw prints,
// byte for byte, and explains what protoc only calls "Failed to parse input.".
func TestProtocFormat(t *testing.T) {
	protoc := labkit.LookTool(t, "protoc", "protobuf-compiler")
	for name, in := range protocInputs(t) {
		cmd := exec.Command(protoc, "--decode_raw")
		cmd.Stdin = bytes.NewReader(in)
		var want, wantErr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &want, &wantErr
		protocErr := cmd.Run()
		code, got, stderr := dump(t, in, "-format=protoc")
		switch {
		case protocErr == nil && code != 0:
			t.Errorf("%s (% x): protoc prints\n%s\nbut protodump exits %d: %s", name, in, want.String(), code, stderr)
		case protocErr == nil && got != want.String():
			t.Errorf("%s (% x): protodump prints\n%s\nprotoc --decode_raw prints\n%s", name, in, got, want.String())
		case protocErr != nil && code == 0:
			t.Errorf("%s (% x): protoc fails (%v: %s) but protodump prints\n%s", name, in, protocErr, wantErr.String(), got)
		case protocErr != nil:
			wantOneLine(t, name, stderr, "offset")
		}
	}
}

// TestInvalidInput: every format explains bad input in one line with the
// offset, exit status 1, never a crash.
func TestInvalidInput(t *testing.T) {
	cases := []struct {
		in   []byte
		want string
	}{
		{[]byte{0x08, 0x96}, "offset 1"},
		{[]byte{0x0a, 0x05, 'a', 'b'}, "offset 1"},
		{[]byte{0x08, 0x01, 0x0e}, "offset 2"},
		{[]byte{0x08, 0x01, 0x0c}, "offset 2"},
		{[]byte{0x00}, "offset 0"},
		{append([]byte{0x08}, bytes.Repeat([]byte{0xff}, 10)...), "offset 1"},
	}
	for _, c := range cases {
		for _, format := range []string{"protoc", "explain", "json"} {
			code, out, stderr := dump(t, c.in, "-format="+format)
			if code != 1 || out != "" {
				t.Errorf("-format=%s on % x: exit %d, stdout %q; want exit 1 and nothing on stdout", format, c.in, code, out)
			}
			wantOneLine(t, fmt.Sprintf("-format=%s on % x", format, c.in), stderr, c.want)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"}, {"-in=binary"}, {"-format=yaml"}, {"-impl=mine"}, {"-color=sometimes"},
		{"a", "b"}, {"-type", "wire.v1.User"}, {"-descriptor-set", "x.binpb"},
		{"-max-input", "lots"}, {"-max-input", "0"}, {"-max-output", "-1"},
	} {
		if code, _, stderr := dump(t, nil, args...); code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("protodump %v: exit %d, stderr %q; want exit 2 and a reason", args, code, stderr)
		}
	}
}

// TestInputs: files, stdin, hex and base64 as people paste them.
func TestInputs(t *testing.T) {
	msg := marshal(t, &wirev1.User{Name: "Alice", Id: 42, Emails: []string{"a@b"}})
	_, want, _ := dump(t, msg, "-format=protoc")
	if want == "" {
		t.Fatal("no output for the raw message")
	}
	h := hex.EncodeToString(msg)
	b64 := base64.StdEncoding.EncodeToString(msg)
	inputs := map[string][]string{
		"spaced hex":       {"-in=hex", strings.ToUpper(h[:4]) + " \n\t" + h[4:10] + "\r\n" + h[10:] + "\n"},
		"hex dump style":   {"-in=hex", fmt.Sprintf("% x\n", msg)},
		"base64":           {"-in=base64", b64[:8] + "\n" + b64[8:] + "\n"},
		"base64 unpadded":  {"-in=base64", strings.TrimRight(b64, "=")},
		"base64url":        {"-in=base64", base64.URLEncoding.EncodeToString(append(msg, 0xfb, 0xff)[:len(msg)])},
		"raw on stdin":     {"-in=raw", string(msg)},
		"stdin named as -": {"-", string(msg)},
	}
	for name, in := range inputs {
		code, got, stderr := dump(t, []byte(in[len(in)-1]), append([]string{"-format=protoc"}, in[:len(in)-1]...)...)
		if code != 0 || got != want {
			t.Errorf("%s: exit %d, %q (%s); want %q", name, code, got, stderr, want)
		}
	}
	file := filepath.Join(t.TempDir(), "msg.bin")
	if err := os.WriteFile(file, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, got, stderr := dump(t, nil, "-format=protoc", file); code != 0 || got != want {
		t.Errorf("file argument: exit %d, %q (%s); want %q", code, got, stderr, want)
	}
	for name, c := range map[string]struct{ args []string }{
		"missing file":     {[]string{filepath.Join(t.TempDir(), "nope.bin")}},
		"not hex":          {[]string{"-in=hex", "0a 05 zz"}},
		"odd hex":          {[]string{"-in=hex", "0a 0"}},
		"not base64":       {[]string{"-in=base64", "@@@@"}},
		"non-UTF-8 as hex": {[]string{"-in=hex", "0a\xff"}},
	} {
		args := c.args
		var stdin []byte
		if strings.HasPrefix(args[0], "-in=") {
			stdin, args = []byte(args[1]), args[:1]
		}
		code, _, stderr := dump(t, stdin, args...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", name, code)
		}
		wantOneLine(t, name, stderr)
	}
	if _, _, stderr := dump(t, []byte("0a 0"), "-in=hex"); !strings.Contains(stderr, "offset 3") {
		t.Errorf("odd hex: %q should name the offset of the lonely digit (3)", stderr)
	}
}

func TestExplain(t *testing.T) {
	var in []byte
	in = protowire.AppendString(protowire.AppendTag(in, 1, protowire.BytesType), "Alice")
	in = protowire.AppendVarint(protowire.AppendTag(in, 2, protowire.VarintType), protowire.EncodeZigZag(-3))
	in = protowire.AppendFixed32(protowire.AppendTag(in, 3, protowire.Fixed32Type), math.Float32bits(1.5))
	in = protowire.AppendBytes(protowire.AppendTag(in, 4, protowire.BytesType), []byte{0x08, 0x96, 0x01})
	in = append(protowire.AppendTag(in, 5, protowire.StartGroupType), 0x08, 0x01)
	in = protowire.AppendTag(in, 5, protowire.EndGroupType)
	code, out, stderr := dump(t, in, "-format=explain", "-color=never")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		`string ✓ "Alice"`, "message ✗", // field 1
		"uint 5 · sint -3", // field 2, zigzag
		"float 1.5",        // field 3
		"message ✓",        // field 4 is a nested message
		"uint 150",         // ... whose field 1 is shown
		"SGROUP", "EGROUP", "end of group 5",
		fmt.Sprintf("(end, %d bytes)", len(in)),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("-color=never printed escape sequences")
	}
	if _, colored, _ := dump(t, in, "-format=explain", "-color=always"); !strings.Contains(colored, "\x1b[") {
		t.Error("-color=always printed no colour")
	}
	t.Setenv("NO_COLOR", "1")
	if _, plain, _ := dump(t, in, "-format=explain"); strings.Contains(plain, "\x1b[") {
		t.Error("NO_COLOR is set, but the output has colour")
	}
	// Not a terminal: the default format is protoc's.
	if _, def, _ := dump(t, in); !strings.HasPrefix(def, `1: "Alice"`) {
		t.Errorf("default format on a pipe should be protoc's, got %q", def)
	}
}

func TestJSON(t *testing.T) {
	batch := wiretest.ProtoOrderBatch(wiretest.SampleOrderBatch(2))
	in := marshal(t, batch)
	code, out, stderr := dump(t, in, "-format=json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc jsonDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if doc.Size != len(in) || len(doc.Fields) == 0 {
		t.Fatalf("size %d, %d fields; want %d and some", doc.Size, len(doc.Fields), len(in))
	}
	first := doc.Fields[0]
	if first.Field != 1 || first.WireType != "LEN" || first.String == nil || *first.String != batch.BatchId || first.Offset != 0 {
		t.Errorf("first field = %+v, want batch_id %q at offset 0", first, batch.BatchId)
	}
	var order *jsonField
	for i := range doc.Fields {
		if doc.Fields[i].Field == 3 {
			order = &doc.Fields[i]
			break
		}
	}
	if order == nil || len(order.Message) == 0 {
		t.Fatalf("no orders field read as a message in %s", out)
	}
	// Offsets inside nested messages are offsets in the whole input.
	id := order.Message[0]
	if id.Field != 1 || id.Varint != fmt.Sprint(batch.Orders[0].OrderId) {
		t.Errorf("first field of the first order = %+v, want order_id %d", id, batch.Orders[0].OrderId)
	}
	if v, n := protowire.ConsumeVarint(in[id.Offset+1:]); n < 0 || v != batch.Orders[0].OrderId {
		t.Errorf("order_id's offset %d does not point at its tag in the input", id.Offset)
	}
}

func writeDescriptorSet(t *testing.T) string {
	set := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(wirev1.File_wire_v1_wire_proto)}}
	path := filepath.Join(t.TempDir(), "wire.binpb")
	if err := os.WriteFile(path, marshal(t, set), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDescriptorSet(t *testing.T) {
	set := writeDescriptorSet(t)
	m := wiretest.ProtoOrderBatch(&wiremsg.OrderBatch{
		BatchID: "b-1", Final: true, ShardIDs: []int64{7, -1},
		Orders: []wiremsg.Order{{OrderID: 9, Status: wiremsg.StatusShipped, Priority: -2, Total: 12.5, TraceID: 0xfeed, CouponIDs: []int32{-1},
			ShipTo: &wiremsg.Address{City: "Lyon"}, Items: []wiremsg.LineItem{{SKU: "S-1", Quantity: 3}}}},
	})
	in := marshal(t, m)
	in = protowire.AppendVarint(protowire.AppendTag(in, 99, protowire.VarintType), 5)  // unknown
	in = protowire.AppendFixed32(protowire.AppendTag(in, 2, protowire.Fixed32Type), 1) // wrong wire type
	code, out, stderr := dump(t, in, "-descriptor-set", set, "-type", "wire.v1.OrderBatch")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		`batch_id: "b-1"  # string, field 1`,
		"orders {  # wire.v1.Order, field 3",
		"  order_id: 9  # uint64, field 1",
		"  status: STATUS_SHIPPED  # enum wire.v1.Order.Status, field 6",
		"  priority: -2  # sint32, field 7",
		"  total: 12.5  # double, field 5",
		"  trace_id: 65261  # fixed64, field 8",
		"  coupon_ids: [-1]  # int32, field 10, packed",
		"    city: \"Lyon\"  # string, field 2",
		"    quantity: 3  # uint32, field 2",
		"final: true  # bool, field 4",
		"shard_ids: [7, -1]  # int64, field 5, packed",
		"99: 5  # unknown field",
		"2: 0x00000001  # created_unix_ms is declared int64, but arrived as I32",
	} {
		if !strings.Contains(out, want+"\n") && !strings.Contains(out, want+" ") {
			t.Errorf("schema output lacks %q:\n%s", want, out)
		}
	}
	for name, args := range map[string][]string{
		"unknown type":       {"-descriptor-set", set, "-type", "wire.v1.Nope"},
		"not a descriptor":   {"-descriptor-set", os.Args[0], "-type", "wire.v1.User"},
		"missing descriptor": {"-descriptor-set", set + ".missing", "-type", "wire.v1.User"},
	} {
		code, _, stderr := dump(t, in, args...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", name, code)
		}
		wantOneLine(t, name, stderr)
	}
	// A message field whose bytes are not a message.
	bad := protowire.AppendString(protowire.AppendTag(nil, 3, protowire.BytesType), "\x0e")
	if code, _, stderr := dump(t, bad, "-descriptor-set", set, "-type", "wire.v1.OrderBatch"); code != 1 {
		t.Errorf("orders = garbage: exit %d, want 1", code)
	} else {
		wantOneLine(t, "orders = garbage", stderr, "offset 0", "orders")
	}
}

// TestImplExercise: -impl=exercise decodes with the learner's wire code in
// whatever state it is in: a one-line TODO while a piece is missing, the
// solution's output once it is right, or one line that says what its
// decoder found wrong. Which one is for the lab's suite to judge.
func TestImplExercise(t *testing.T) {
	in := marshal(t, &wirev1.User{Name: "Alice", Id: 42})
	_, want, _ := dump(t, in, "-format=json")
	code, got, stderr := dump(t, in, "-format=json", "-impl=exercise")
	switch {
	case code == 1:
		wantOneLine(t, "-impl=exercise", stderr, "-impl=exercise")
	case code != 0 || got != want:
		t.Errorf("-impl=exercise: exit %d, %s%s; want the solution's output or one line saying why not", code, got, stderr)
	case !strings.Contains(stderr, "impl=exercise"):
		t.Errorf("-impl=exercise: stderr %q; want it to say whose code decoded", stderr)
	}
}

// FuzzInput: hex and base64 parsing never panics, and round-trips.
func FuzzInput(f *testing.F) {
	f.Add([]byte("0a 05 41 6c 69 63 65"))
	f.Add([]byte("CgVBbGljZQ==\n"))
	f.Add([]byte{0xff, 0x0a})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range []string{"hex", "base64"} {
			if _, err := parseInput(kind, data); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s error spans lines: %q", kind, err)
			}
		}
		spaced := fmt.Sprintf("% X\n", data)
		if got, err := parseInput("hex", []byte(spaced)); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("hex %q = % x, %v; want % x", spaced, got, err, data)
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
			s := enc.EncodeToString(data)
			if len(s) > 4 {
				s = s[:4] + "\n " + s[4:]
			}
			if got, err := parseInput("base64", []byte(s)); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("base64 %q = % x, %v; want % x", s, got, err, data)
			}
		}
	})
}

// FuzzRun: any bytes, any format: exit 0 with output, or 1 with one line.
func FuzzRun(f *testing.F) {
	for _, in := range [][]byte{{}, {0x0a, 0x02, 0x08, 0x01}, {0x0b, 0x0c}, {0x08, 0x96}, []byte("\x0a\x04h\xc3\xa9!")} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, format := range []string{"protoc", "explain", "json"} {
			code, out, stderr := dump(t, in, "-format="+format)
			switch code {
			case 0:
				if format == "json" && !json.Valid([]byte(out)) {
					t.Fatalf("-format=json printed invalid JSON for % x", in)
				}
				if format == "explain" && !utf8.ValidString(out) {
					t.Fatalf("-format=explain printed invalid UTF-8 for % x", in)
				}
			case 1:
				wantOneLine(t, "-format="+format, stderr)
			default:
				t.Fatalf("-format=%s on % x: exit %d", format, in, code)
			}
		}
	})
}
