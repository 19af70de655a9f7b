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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/grpclabs/labs/ch02-grpc-core/wire/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/wire/solution"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// field is the lab's Field, one type for the exercise's and the solution's.
type field struct {
	Num    protowire.Number
	Type   protowire.Type
	Offset int
	End    int
	Varint uint64
	Fixed  uint64
	Bytes  []byte
	Group  []field
}

// decoder is DecodeRaw from the lab package picked with -impl.
type decoder func([]byte) ([]field, error)

func fromSolution(fs []solution.Field) []field {
	out := make([]field, len(fs))
	for i, f := range fs {
		out[i] = field{f.Num, f.Type, f.Offset, f.End, f.Varint, f.Fixed, f.Bytes, fromSolution(f.Group)}
	}
	return out
}

func fromExercise(fs []exercise.Field) []field {
	out := make([]field, len(fs))
	for i, f := range fs {
		out[i] = field{f.Num, f.Type, f.Offset, f.End, f.Varint, f.Fixed, f.Bytes, fromExercise(f.Group)}
	}
	return out
}

var decoders = map[string]decoder{
	"solution": func(b []byte) ([]field, error) { fs, err := solution.DecodeRaw(b); return fromSolution(fs), err },
	"exercise": func(b []byte) ([]field, error) { fs, err := exercise.DecodeRaw(b); return fromExercise(fs), err },
}

// run is main without the process, for tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("protodump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "raw", "how the input is written: raw, hex or base64 (whitespace ignored)")
	format := fs.String("format", "", "protoc, explain or json; default explain on a terminal, else protoc")
	color := fs.String("color", "auto", "colour the explain view: auto (a terminal without NO_COLOR), always, never")
	impl := fs.String("impl", "solution", "whose DecodeRaw runs: solution or exercise")
	descSet := fs.String("descriptor-set", "", "a FileDescriptorSet (protoc -o, buf build -o) to decode with a schema")
	typeName := fs.String("type", "", "with -descriptor-set: the message type, e.g. wire.v1.User")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: protodump [flags] [FILE]    (no FILE or - reads stdin)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "protodump: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 1 {
		return usage("one input at most, got %d arguments", fs.NArg())
	}
	decode, ok := decoders[*impl]
	if !ok {
		return usage("-impl must be solution or exercise, not %q", *impl)
	}
	switch *in {
	case "raw", "hex", "base64":
	default:
		return usage("-in must be raw, hex or base64, not %q", *in)
	}
	if (*descSet == "") != (*typeName == "") {
		return usage("-descriptor-set and -type go together")
	}
	useColor := false
	switch *color {
	case "always":
		useColor = true
	case "never":
	case "auto":
		f, ok := stdout.(*os.File)
		useColor = ok && os.Getenv("NO_COLOR") == "" && isTerminal(f)
	default:
		return usage("-color must be auto, always or never, not %q", *color)
	}
	switch *format {
	case "":
		*format = "protoc"
		if f, ok := stdout.(*os.File); ok && isTerminal(f) {
			*format = "explain"
		}
	case "protoc", "explain", "json":
	default:
		return usage("-format must be protoc, explain or json, not %q", *format)
	}

	fail := func(err error) int {
		// One line, whatever the error says.
		fmt.Fprintln(stderr, "protodump: "+strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	data, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		return fail(err)
	}
	if data, err = parseInput(*in, data); err != nil {
		return fail(err)
	}
	fields, err := decode(data)
	if err != nil {
		return fail(err)
	}
	if off, deep := tooDeep(fields, 0); deep {
		// Valid, but every view indents per level: output would grow with
		// the square of the depth. protoc's parser stops at 100 as well.
		return fail(fmt.Errorf("offset %d: groups nested more than %d deep; protodump, like protoc, shows at most %d levels", off, protocTopGroups, protocTopGroups))
	}

	var out string
	switch {
	case *descSet != "":
		out, err = schemaText(data, fields, decode, *descSet, *typeName)
	case *format == "protoc":
		out, err = protocText(data)
	case *format == "explain":
		out = explain(data, fields, decode, useColor)
	case *format == "json":
		out, err = jsonTree(data, fields, decode)
	}
	if err != nil {
		return fail(err)
	}
	if _, err := io.WriteString(stdout, out); err != nil && !errors.Is(err, os.ErrClosed) {
		return fail(err)
	}
	return 0
}

// tooDeep finds a group nested deeper than protoc's limit.
func tooDeep(fs []field, depth int) (int, bool) {
	for _, f := range fs {
		if f.Type != protowire.StartGroupType {
			continue
		}
		if depth >= protocTopGroups {
			return f.Offset, true
		}
		if off, deep := tooDeep(f.Group, depth+1); deep {
			return off, true
		}
	}
	return 0, false
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "" || name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading stdin: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(name)
}

// isTerminal reports whether f is a character device, which a terminal is
// and a pipe or a file is not.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
