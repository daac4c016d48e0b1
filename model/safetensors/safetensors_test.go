package safetensors

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	in := map[string]Tensor{
		"b": FromFloat32([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		"a": FromFloat32([]int{1}, []float32{-1.5}),
		"z": {DType: U8, Shape: []int{0}, Data: nil},
	}
	enc, err := Encode(in, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	if hl := binary.LittleEndian.Uint64(enc); hl%8 != 0 {
		t.Errorf("header length %d is not padded to 8", hl)
	}
	f, err := Parse(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Names(), []string{"a", "b", "z"}) || f.Metadata["format"] != "pt" {
		t.Fatalf("names %v metadata %v", f.Names(), f.Metadata)
	}
	v, err := f.Tensors["b"].Float32s()
	if err != nil || !slices.Equal(v, []float32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("b = %v, %v", v, err)
	}
	again, _ := Encode(f.Tensors, f.Metadata)
	if string(again) != string(enc) {
		t.Fatal("encoding is not deterministic")
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	four := make([]byte, 4)
	eight := make([]byte, 8)
	huge := binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "shorter than the 8-byte header length"},
		{"header beyond file", file(`{}`, nil)[:9], "exceeds the 1 bytes after it"},
		{"header too large", append(huge, '{', '}'), "exceeds the limit"},
		{"not an object", file(`[]`, nil), `expected "{"`},
		{"trailing data", file(`{} x`, nil), "trailing data"},
		{"duplicate key", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four), "appears twice"},
		{"missing field", file(`{"a":{"dtype":"F32","shape":[1]}}`, four), "needs dtype, shape and data_offsets"},
		{"unknown dtype", file(`{"a":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}`, four), `unknown dtype "F7"`},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, four), "bad dimension"},
		{"size mismatch", file(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, four), "needs 8"},
		{"beyond buffer", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, four), "but the buffer has 4 bytes"},
		{"reversed offsets", file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, four), "begin after end"},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), "overlaps"},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), "gap of 4 bytes"},
		{"uncovered tail", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, eight), "cover 4 bytes but the buffer has 8"},
		{"overflowing shape", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, four), "too large"},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, nil), "__metadata__ must map strings to strings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.b)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	t.Parallel()
	if _, err := Encode(map[string]Tensor{"a": {DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}, nil); err == nil {
		t.Error("size mismatch accepted")
	}
	if _, err := Encode(map[string]Tensor{"a": {DType: "X", Shape: []int{1}, Data: make([]byte, 4)}}, nil); err == nil {
		t.Error("unknown dtype accepted")
	}
	if _, err := Encode(map[string]Tensor{"__metadata__": FromFloat32([]int{1}, []float32{1})}, nil); err == nil {
		t.Error("reserved name accepted")
	}
}
