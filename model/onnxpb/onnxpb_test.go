package onnxpb

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func sample() *Model {
	return &Model{
		IRVersion: 7, ProducerName: "syntx", ModelVersion: 3, DocString: "doc",
		OpsetImports:  []OpsetID{{Version: 13}, {Domain: "ai.onnx.ml", Version: 2}},
		MetadataProps: []StringPair{{Key: "k", Value: "v"}},
		Graph: &Graph{
			Name: "g",
			Nodes: []Node{{
				Name: "n", OpType: "Gemm", Inputs: []string{"x", "w", "b"}, Outputs: []string{"y"},
				Attributes: []Attribute{
					{Name: "alpha", Type: AttrFloat, F: 0.5},
					{Name: "transB", Type: AttrInt, I: 1},
					{Name: "ints", Type: AttrInts, Ints: []int64{1, -2}},
					{Name: "s", Type: AttrString, S: []byte("str")},
				},
			}},
			Initializers: []Tensor{FloatTensor("w", []int64{2, 3}, []float32{1, 2, 3, 4, 5, -6})},
			Inputs:       []ValueInfo{{Name: "x", HasType: true, ElemType: DataTypeFloat, HasShape: true, Dims: []Dim{ParamDim("N"), FixedDim(3)}}},
			Outputs:      []ValueInfo{{Name: "y", HasType: true, ElemType: DataTypeFloat, HasShape: true, Dims: []Dim{ParamDim("N"), FixedDim(2)}}},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	b := sample().Marshal()
	m, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Marshal(), b) {
		t.Fatal("decode/encode is not the identity")
	}
	g := m.Graph
	if m.IRVersion != 7 || len(m.OpsetImports) != 2 || g.Nodes[0].OpType != "Gemm" || len(g.Nodes[0].Attributes) != 4 {
		t.Fatalf("decoded %+v", m)
	}
	if a := g.Nodes[0].Attributes[2]; !slices.Equal(a.Ints, []int64{1, -2}) {
		t.Fatalf("ints %v", a.Ints)
	}
	v, err := g.Initializers[0].Floats()
	if err != nil || !slices.Equal(v, []float32{1, 2, 3, 4, 5, -6}) {
		t.Fatalf("initializer %v, %v", v, err)
	}
	if d := g.Inputs[0].Dims; d[0].Param != "N" || d[0].HasValue || !d[1].HasValue || d[1].Value != 3 {
		t.Fatalf("dims %+v", d)
	}
}

func TestDecodeUnpackedAndFloatData(t *testing.T) {
	t.Parallel()
	// TensorProto with unpacked dims, float_data and a name.
	var tb []byte
	tb = protowire.AppendTag(tb, 1, protowire.VarintType)
	tb = protowire.AppendVarint(tb, 2)
	tb = protowire.AppendTag(tb, 2, protowire.VarintType)
	tb = protowire.AppendVarint(tb, 1)
	for _, f := range []uint32{0x3f800000, 0x40000000} {
		tb = protowire.AppendTag(tb, 4, protowire.Fixed32Type)
		tb = protowire.AppendFixed32(tb, f)
	}
	tb = appendStringField(tb, 8, "t")
	gb := appendMessage(nil, 5, tb)
	mb := appendMessage(nil, 7, gb)
	m, err := Unmarshal(mb)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.Graph.Initializers[0].Floats()
	if err != nil || !slices.Equal(v, []float32{1, 2}) {
		t.Fatalf("floats %v, %v", v, err)
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	t.Parallel()
	good := sample().Marshal()
	for _, b := range [][]byte{
		good[:len(good)-3],
		{0xff},
		{0x0a, 0x05, 0x01},                     // ir_version sent as bytes
		append([]byte{0x3a, 0x02}, 0x08, 0x80), // truncated varint inside graph
	} {
		if _, err := Unmarshal(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("Unmarshal(%x) = %v, want ErrMalformed", b, err)
		}
	}
	bad := FloatTensor("w", []int64{2, 2}, []float32{1, 2, 3})
	if _, err := bad.Floats(); err == nil {
		t.Error("raw_data shorter than dims accepted")
	}
	if _, err := NumElements([]int64{-1}); err == nil {
		t.Error("negative dimension accepted")
	}
	if _, err := NumElements([]int64{1 << 40, 1 << 40}); err == nil {
		t.Error("overflowing dimensions accepted")
	}
}
