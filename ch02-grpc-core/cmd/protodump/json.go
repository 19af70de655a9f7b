package main

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// jsonField is one field in -format=json. 64-bit numbers are strings, as in
// protobuf's JSON mapping, so JavaScript readers do not lose digits.
type jsonField struct {
	Offset   int          `json:"offset"`
	End      int          `json:"end"`
	Field    int32        `json:"field"`
	WireType string       `json:"wireType"`
	Varint   string       `json:"varint,omitempty"`
	Sint     string       `json:"sint,omitempty"`
	Fixed32  string       `json:"fixed32,omitempty"`
	Float    string       `json:"float,omitempty"`
	Fixed64  string       `json:"fixed64,omitempty"`
	Double   string       `json:"double,omitempty"`
	Length   *int         `json:"length,omitempty"`
	Hex      *string      `json:"hex,omitempty"`
	String   *string      `json:"string,omitempty"`  // when the payload is UTF-8
	Message  []jsonField  `json:"message,omitempty"` // when it parses as a message
	Packed   []string     `json:"packed,omitempty"`  // when it parses as packed varints
	Group    *[]jsonField `json:"group,omitempty"`
}

type jsonDoc struct {
	Size   int         `json:"size"`
	Fields []jsonField `json:"fields"`
}

func toJSON(fs []field, decode decoder, depth int) []jsonField {
	out := make([]jsonField, 0, len(fs))
	for _, f := range fs {
		j := jsonField{Offset: f.Offset, End: f.End, Field: int32(f.Num), WireType: typeName(f.Type)}
		switch f.Type {
		case protowire.VarintType:
			j.Varint = strconv.FormatUint(f.Varint, 10)
			j.Sint = strconv.FormatInt(protowire.DecodeZigZag(f.Varint), 10)
		case protowire.Fixed32Type:
			j.Fixed32 = "0x" + strconv.FormatUint(f.Fixed, 16)
			j.Float = strconv.FormatFloat(float64(math.Float32frombits(uint32(f.Fixed))), 'g', -1, 32)
		case protowire.Fixed64Type:
			j.Fixed64 = "0x" + strconv.FormatUint(f.Fixed, 16)
			j.Double = strconv.FormatFloat(math.Float64frombits(f.Fixed), 'g', -1, 64)
		case protowire.BytesType:
			n, h := len(f.Bytes), hex.EncodeToString(f.Bytes)
			j.Length, j.Hex = &n, &h
			if utf8.Valid(f.Bytes) {
				s := string(f.Bytes)
				j.String = &s
			}
			r := readPayload(f.Bytes, f.End-len(f.Bytes), decode, depth)
			if r.msgOK {
				j.Message = toJSON(r.message, decode, depth+1)
			}
			if r.packOK {
				for _, v := range r.packed {
					j.Packed = append(j.Packed, strconv.FormatUint(v, 10))
				}
			}
		case protowire.StartGroupType:
			g := toJSON(f.Group, decode, depth)
			j.Group = &g
		}
		out = append(out, j)
	}
	return out
}

// jsonTree is -format=json: the decoded tree with offsets into the input.
func jsonTree(data []byte, fs []field, decode decoder) (string, error) {
	b, err := json.MarshalIndent(jsonDoc{Size: len(data), Fields: toJSON(fs, decode, 0)}, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}
