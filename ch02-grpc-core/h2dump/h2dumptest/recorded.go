package h2dumptest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/dump"
	"github.com/grpclabs/labs/ch02-grpc-core/h2dump/h2"
)

var update = flag.Bool("update", false, "rewrite the golden dumps in h2dump/testdata from the recordings")

// testdata is relative to exercise/ and solution/, where the tests run.
const testdata = "../testdata"

// recordings lists the recorded connections (testdata/*.h2rec), made with
// `go generate ./ch02-grpc-core/h2dump/h2dumptest`.
func recordings(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testdata, "*.h2rec"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no recordings in %s (%v): run go generate ./ch02-grpc-core/h2dump/h2dumptest", testdata, err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".h2rec"))
	}
	return names
}

func readRecording(t testing.TB, name string) []dump.Chunk {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, name+".h2rec"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunks, err := dump.ReadRecording(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return chunks
}

// directionBytes joins a recording's chunks into the two byte streams.
func directionBytes(t testing.TB, name string) map[dump.Dir][]byte {
	out := map[dump.Dir][]byte{}
	for _, c := range readRecording(t, name) {
		out[c.Dir] = append(out[c.Dir], c.Data...)
	}
	if !bytes.HasPrefix(out[dump.C2S], []byte(h2.ClientPreface)) {
		t.Fatalf("%s: the client's bytes do not start with the preface", name)
	}
	return out
}

type wireFrame struct {
	dir dump.Dir
	h   h2.FrameHeader
}

// framesInOrder lists a recording's frames in the order the proxy saw each
// frame complete, reading headers with x/net/http2 so that the state
// machine test does not depend on the learner's parser.
func framesInOrder(t testing.TB, name string) []wireFrame {
	t.Helper()
	var (
		bufs    = map[dump.Dir][]byte{}
		out     []wireFrame
		preface bool
	)
	for _, c := range readRecording(t, name) {
		bufs[c.Dir] = append(bufs[c.Dir], c.Data...)
		if c.Dir == dump.C2S && !preface {
			if len(bufs[c.Dir]) < len(h2.ClientPreface) {
				continue
			}
			bufs[c.Dir], preface = bufs[c.Dir][len(h2.ClientPreface):], true
		}
		for {
			b := bufs[c.Dir]
			fh, err := http2.ReadFrameHeader(bytes.NewReader(b))
			if err != nil || len(b) < 9+int(fh.Length) {
				break
			}
			out = append(out, wireFrame{c.Dir, h2.FrameHeader{Length: fh.Length, Type: h2.FrameType(fh.Type), Flags: h2.Flags(fh.Flags), StreamID: fh.StreamID}})
			bufs[c.Dir] = b[9+fh.Length:]
		}
	}
	return out
}

// replay dumps a recording with impl, text or JSON.
func replay(t testing.TB, impl dump.Impl, name string, asJSON bool) []byte {
	var buf bytes.Buffer
	d := dump.New(dump.Options{Impl: impl, Out: &buf, JSON: asJSON, Start: time.Unix(0, 0)})
	d.Replay(readRecording(t, name))
	return buf.Bytes()
}

// TestGoldenDump: step 6, each recorded grpc-go connection gives exactly
// the committed dump, as text and as JSON.
func TestGoldenDump(t *testing.T, impl dump.Impl) {
	requireAll(t, impl)
	for _, name := range recordings(t) {
		for _, asJSON := range []bool{false, true} {
			golden := filepath.Join(testdata, name+".golden")
			if asJSON {
				golden += ".jsonl"
			}
			t.Run(filepath.Base(golden), func(t *testing.T) {
				got := replay(t, impl, name, asJSON)
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run the solution's tests with -update to write it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("dump of %s differs from %s at line %d:\n got  %s\n want %s\n(to see it all: go run ./ch02-grpc-core/cmd/h2dump -impl=%s -replay ch02-grpc-core/h2dump/testdata/%s.h2rec)",
						name, golden, diffLine(got, want), lineAt(got, diffLine(got, want)), lineAt(want, diffLine(got, want)), impl.Name, name)
				}
			})
		}
	}
}

func diffLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range max(len(la), len(lb)) {
		if i >= len(la) || i >= len(lb) || la[i] != lb[i] {
			return i + 1
		}
	}
	return 0
}

func lineAt(b []byte, n int) string {
	ls := strings.Split(string(b), "\n")
	if n < 1 || n > len(ls) {
		return "(end of dump)"
	}
	return ls[n-1]
}
