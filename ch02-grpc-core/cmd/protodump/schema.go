package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// loadType finds a message type in a FileDescriptorSet file.
func loadType(path, name string) (protoreflect.MessageDescriptor, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("%s is not a FileDescriptorSet (write one with protoc -o or buf build -o): %v", path, err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return nil, fmt.Errorf("%s: %v (protoc needs --include_imports for a complete set)", path, err)
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(strings.TrimPrefix(name, ".")))
	if err != nil {
		return nil, fmt.Errorf("type %q is not in %s", name, path)
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, fmt.Errorf("%q is a %T, not a message", name, d)
	}
	return md, nil
}

// schemaText decodes the message with its schema: field names, exact types
// and values read the way the declared type says.
func schemaText(w *output, data []byte, l *lab, md protoreflect.MessageDescriptor) error {
	s := &schemaPrinter{w: w, lab: l}
	fmt.Fprintf(w, "# %s, %d bytes\n", md.FullName(), len(data))
	return s.message(md, l.walk(data, 0), "", 0)
}

type schemaPrinter struct {
	w   *output
	lab *lab
}

// kindName is the declared type as written in a .proto file.
func kindName(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(fd.Message().FullName())
	case protoreflect.EnumKind:
		return "enum " + string(fd.Enum().FullName())
	}
	return fd.Kind().String()
}

// wireTypeOf is the wire type a field of this kind is written with.
func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

// scalar formats one value of a numeric, bool or enum field from its raw bits.
func scalar(fd protoreflect.FieldDescriptor, v uint64) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.FormatBool(v != 0)
	case protoreflect.Int32Kind:
		return strconv.FormatInt(int64(int32(v)), 10)
	case protoreflect.Int64Kind:
		return strconv.FormatInt(int64(v), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.FormatUint(uint64(uint32(v)), 10)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v, 10)
	case protoreflect.Sint32Kind:
		return strconv.FormatInt(int64(int32(protowire.DecodeZigZag(v&math.MaxUint32))), 10)
	case protoreflect.Sint64Kind:
		return strconv.FormatInt(protowire.DecodeZigZag(v), 10)
	case protoreflect.Sfixed32Kind:
		return strconv.FormatInt(int64(int32(v)), 10)
	case protoreflect.Sfixed64Kind:
		return strconv.FormatInt(int64(v), 10)
	case protoreflect.FloatKind:
		return strconv.FormatFloat(float64(math.Float32frombits(uint32(v))), 'g', -1, 32)
	case protoreflect.DoubleKind:
		return strconv.FormatFloat(math.Float64frombits(v), 'g', -1, 64)
	case protoreflect.EnumKind:
		n := protoreflect.EnumNumber(int32(v))
		if ev := fd.Enum().Values().ByNumber(n); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(n)) + " (not a declared value)"
	}
	return strconv.FormatUint(v, 10)
}

// maxSchemaDepth bounds nested messages, as every protobuf runtime does
// (C++ allows 100): a recursive type and a crafted input could otherwise
// nest as deep as the input is long.
const maxSchemaDepth = 100

// message prints md's fields from w until w's message ends, or, inside a
// group (w.Depth() > 0 at the start), until the group's end token.
func (s *schemaPrinter) message(md protoreflect.MessageDescriptor, w *walker, indent string, depth int) error {
	level := w.Depth()
	for f, ok := w.next(); ok; f, ok = w.next() {
		if s.w.err != nil {
			return nil // the output budget: reported by the caller
		}
		if f.Type == protowire.EndGroupType {
			if w.Depth() < level {
				return nil // the end of this group
			}
			continue // the end of a group skipped below
		}
		if depth > maxSchemaDepth {
			return fmt.Errorf("offset %d: messages nested deeper than %d levels", f.Offset, maxSchemaDepth)
		}
		fd := md.Fields().ByNumber(f.Num)
		if fd == nil {
			s.unknown(f, w, indent, "unknown field")
			continue
		}
		want := wireTypeOf(fd.Kind())
		comment := fmt.Sprintf("  # %s, field %d", kindName(fd), f.Num)
		switch {
		case f.Type == want && f.Type == protowire.BytesType:
			if err := s.bytesField(fd, f, indent, comment, depth); err != nil {
				return err
			}
		case f.Type == want && f.Type == protowire.StartGroupType:
			fmt.Fprintf(s.w, "%s%s {%s\n", indent, fd.Name(), comment)
			if err := s.message(fd.Message(), w, indent+"  ", depth+1); err != nil {
				return err
			}
			fmt.Fprintf(s.w, "%s}\n", indent)
		case f.Type == want:
			v := f.Varint
			if f.Type != protowire.VarintType {
				v = f.Fixed
			}
			fmt.Fprintf(s.w, "%s%s: %s%s\n", indent, fd.Name(), scalar(fd, v), comment)
		case f.Type == protowire.BytesType && fd.IsList() && want != protowire.BytesType:
			if err := s.packed(fd, f, indent, comment); err != nil {
				return err
			}
		default:
			s.unknown(f, w, indent, fmt.Sprintf("%s is declared %s, but arrived as %s", fd.Name(), kindName(fd), typeName(f.Type)))
		}
	}
	return w.Err()
}

func (s *schemaPrinter) bytesField(fd protoreflect.FieldDescriptor, f field, indent, comment string, depth int) error {
	switch fd.Kind() {
	case protoreflect.MessageKind:
		base := f.End - len(f.Bytes)
		if err := s.lab.check(f.Bytes, base); err != nil {
			return fmt.Errorf("field %s (%s) at offset %d does not parse as a message: %v", fd.Name(), kindName(fd), f.Offset, err)
		}
		fmt.Fprintf(s.w, "%s%s {%s\n", indent, fd.Name(), comment)
		if err := s.message(fd.Message(), s.lab.walk(f.Bytes, base), indent+"  ", depth+1); err != nil {
			return err
		}
		fmt.Fprintf(s.w, "%s}\n", indent)
	case protoreflect.StringKind:
		if !utf8.Valid(f.Bytes) {
			comment += ", NOT valid UTF-8: proto.Unmarshal rejects this message"
		}
		fmt.Fprintf(s.w, "%s%s: %s%s\n", indent, fd.Name(), strconv.Quote(string(f.Bytes)), comment)
	default:
		fmt.Fprintf(s.w, "%s%s: \"%s\"%s\n", indent, fd.Name(), cEscape(f.Bytes), comment)
	}
	return nil
}

// packed decodes a repeated scalar field sent as one length-delimited record.
func (s *schemaPrinter) packed(fd protoreflect.FieldDescriptor, f field, indent, comment string) error {
	var vals []string
	p := f.Bytes // printed on one line: as long as the payload, not longer
	for off := 0; off < len(p); {
		var v uint64
		var n int
		switch wireTypeOf(fd.Kind()) {
		case protowire.Fixed32Type:
			x, m := protowire.ConsumeFixed32(p[off:])
			v, n = uint64(x), m
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(p[off:])
		default:
			v, n = protowire.ConsumeVarint(p[off:])
		}
		if n < 0 {
			return fmt.Errorf("offset %d: packed field %s: element %d: %v", f.End-len(p)+off, fd.Name(), len(vals), protowire.ParseError(n))
		}
		vals = append(vals, scalar(fd, v))
		off += n
	}
	fmt.Fprintf(s.w, "%s%s: [%s]%s, packed\n", indent, fd.Name(), strings.Join(vals, ", "), comment)
	return nil
}

// unknown prints a field the schema does not declare (or declares with
// another wire type); a group's fields are counted and skipped.
func (s *schemaPrinter) unknown(f field, w *walker, indent, why string) {
	var v string
	switch f.Type {
	case protowire.VarintType:
		v = strconv.FormatUint(f.Varint, 10)
	case protowire.Fixed32Type:
		v = fmt.Sprintf("0x%08x", f.Fixed)
	case protowire.Fixed64Type:
		v = fmt.Sprintf("0x%016x", f.Fixed)
	case protowire.BytesType:
		v = "\"" + cEscape(f.Bytes) + "\""
	case protowire.StartGroupType:
		level, n := w.Depth(), 0
		for g, ok := w.next(); ok && w.Depth() >= level; g, ok = w.next() {
			if w.Depth() == level && g.Type != protowire.EndGroupType || w.Depth() == level+1 && g.Type == protowire.StartGroupType {
				n++
			}
		}
		v = fmt.Sprintf("{%d fields}", n)
	}
	fmt.Fprintf(s.w, "%s%d: %s  # %s (%s at offset %d)\n", indent, f.Num, v, why, typeName(f.Type), f.Offset)
}
