// Command protodump shows what is inside one protobuf message, with or
// without its schema. It is the wire lab's decoder (section 2.1, Protocol
// Buffers序列化机制) turned into a tool.
//
//	go run ./ch02-grpc-core/cmd/protodump msg.bin                 # annotated hex on a terminal
//	echo '0a 05 41 6c 69 63 65 10 2a' | go run ./ch02-grpc-core/cmd/protodump -in=hex -format=explain
//	go run ./ch02-grpc-core/cmd/protodump -format=protoc msg.bin  # what `protoc --decode_raw` prints, byte for byte
//	go run ./ch02-grpc-core/cmd/protodump -format=json msg.bin    # the field tree, with offsets
//	buf build ch02-grpc-core/proto -o set.binpb
//	go run ./ch02-grpc-core/cmd/protodump -descriptor-set set.binpb -type wire.v1.OrderBatch msg.bin
//
// The input is one message: a file argument or stdin, read as raw bytes or,
// with -in=hex or -in=base64, as text (whitespace is ignored). Invalid input
// gets one line naming the offset and what is wrong, and exit status 1; bad
// flags exit with 2. -impl=exercise decodes with your ch02-grpc-core/wire
// exercise instead of the solution.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/grpclabs/labs/scripts/demo"
	"github.com/grpclabs/labs/scripts/labkit"
)

func main() { demo.Main("protodump", run) }

// The limits a flag can raise. Within them, memory is the input plus a
// few buffers, and time and output are linear in the input.
const (
	defaultMaxInput  = 256 << 20 // bytes of message read
	defaultMaxOutput = 1 << 30   // bytes printed
)

const usage = "protodump [-in raw|hex|base64] [-format protoc|explain|json] [-impl solution|exercise] [-descriptor-set FILE -type NAME] [FILE]    (no FILE or - reads stdin)"

// run is main without the process, for tests.
func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("protodump")
	in := fs.String("in", "raw", "how the input is written: raw, hex or base64 (whitespace ignored)")
	format := fs.String("format", "", "protoc, explain or json; default explain on a terminal, else protoc")
	color := fs.String("color", "auto", "colour the explain view: auto (a terminal without NO_COLOR), always, never")
	impl := demo.ImplFlag(fs)
	descSet := fs.String("descriptor-set", "", "a FileDescriptorSet (protoc -o, buf build -o) to decode with a schema")
	typeName := fs.String("type", "", "with -descriptor-set: the message type, e.g. wire.v1.User")
	maxInput := fs.String("max-input", "256M", "the largest message read, in bytes (K, M, G suffixes)")
	maxOutput := fs.String("max-output", "1G", "stop with an error once this much is printed (0: no limit)")
	if err := demo.Parse(fs, args, usage, 1, stdio.Err); err != nil {
		return err
	}
	l, err := demo.Pick(*impl, &solutionLab, &exerciseLab)
	if err != nil {
		return err
	}
	switch *in {
	case "raw", "hex", "base64":
	default:
		return demo.Usagef("-in must be raw, hex or base64, not %q", *in)
	}
	if (*descSet == "") != (*typeName == "") {
		return demo.Usagef("-descriptor-set and -type go together")
	}
	inLimit, err := parseSize("-max-input", *maxInput)
	if err != nil {
		return err
	}
	if inLimit == 0 {
		return demo.Usagef("-max-input must be positive")
	}
	outLimit, err := parseSize("-max-output", *maxOutput)
	if err != nil {
		return err
	}
	stdout, _ := stdio.Out.(*os.File)
	useColor := false
	switch *color {
	case "always":
		useColor = true
	case "never":
	case "auto":
		useColor = stdout != nil && os.Getenv("NO_COLOR") == "" && isTerminal(stdout)
	default:
		return demo.Usagef("-color must be auto, always or never, not %q", *color)
	}
	switch *format {
	case "":
		*format = "protoc"
		if stdout != nil && isTerminal(stdout) {
			*format = "explain"
		}
	case "protoc", "explain", "json":
	default:
		return demo.Usagef("-format must be protoc, explain or json, not %q", *format)
	}

	data, err := readInput(fs.Arg(0), stdio.In, inLimit)
	if err != nil {
		return err
	}
	if data, err = parseInput(*in, data); err != nil {
		return err
	}
	// Every format checks the whole message before it prints a byte: bad
	// input gets one line with the offset, and nothing on stdout.
	if err := l.check(data, 0); err != nil {
		return explainTODO(*impl, err)
	}
	if *impl == demo.Exercise {
		fmt.Fprintln(stdio.Err, "protodump: decoding with your wire exercise (impl=exercise)")
	}

	w := newOutput(stdio.Out, outLimit)
	switch {
	case *descSet != "":
		md, err := loadType(*descSet, *typeName)
		if err != nil {
			return err
		}
		// A schema can find the bytes wrong half-way (a message field that
		// is not a message): find out on a dry run, so that an error still
		// leaves stdout empty.
		if err := schemaText(newOutput(io.Discard, 0), data, l, md); err != nil {
			return err
		}
		err = schemaText(w, data, l, md)
	case *format == "protoc":
		err = protocText(w, data)
	case *format == "explain":
		explain(w, data, l, useColor)
	case *format == "json":
		jsonTree(w, data, l)
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// explainTODO says what to do about an exercise that is not written yet.
func explainTODO(impl string, err error) error {
	if labkit.IsTODO(err) {
		return fmt.Errorf("-impl=%s: %v (ch02-grpc-core/wire/README.md); -impl=solution decodes meanwhile", impl, err)
	}
	return err
}

// parseSize reads a byte count: 1024, 64K, 256M, 1G.
func parseSize(flag, s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, demo.Usagef("%s wants a size like 256M, got %q", flag, s)
	}
	return n * mult, nil
}

// readInput reads the message, refusing more than max bytes.
func readInput(name string, stdin io.Reader, max int64) ([]byte, error) {
	what, size := "stdin", int64(-1)
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if st.Size() > max {
				return nil, fmt.Errorf("%s is %d bytes, more than -max-input=%d", name, st.Size(), max)
			}
			size = st.Size()
		}
		stdin, what = f, name
	}
	var buf bytes.Buffer
	if size >= 0 {
		buf.Grow(int(size) + 1) // read a file into exactly its size, not a doubling buffer
	}
	_, err := buf.ReadFrom(io.LimitReader(stdin, max+1))
	b := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s holds more than -max-input=%d bytes", what, max)
	}
	return b, nil
}

// isTerminal reports whether f is a character device, which a terminal is
// and a pipe or a file is not.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
