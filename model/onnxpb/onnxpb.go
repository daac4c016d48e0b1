// Package onnxpb encodes and decodes the subset of the ONNX protobuf schema
// that SyntX writes and reads: ModelProto, GraphProto, NodeProto,
// TensorProto, ValueInfoProto (tensor types only), AttributeProto,
// OperatorSetIdProto and StringStringEntryProto.
//
// It deliberately does not register any protobuf message type: onnx-go links
// its own generated "onnx.*" messages, and a second registration of the same
// full names panics at program start-up. The wire format is written and read
// with google.golang.org/protobuf/encoding/protowire, using the field numbers
// of onnx/onnx.proto (IR version 7+, proto3 field numbering is identical).
//
// The encoder is deterministic: fields are written in a fixed order, so the
// same Model always yields the same bytes. The decoder is strict about wire
// types of known fields, skips unknown fields, records the presence of
// features it does not decode (subgraphs, sparse tensors, external data,
// segments, non-tensor value types) so that callers can refuse them, and never
// panics on malformed input.
package onnxpb

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Tensor element types (TensorProto.DataType).
const (
	DataTypeUndefined int32 = 0
	DataTypeFloat     int32 = 1
	DataTypeInt32     int32 = 6
	DataTypeInt64     int32 = 7
	DataTypeDouble    int32 = 11
)

// Attribute types (AttributeProto.AttributeType).
const (
	AttrUndefined int32 = 0
	AttrFloat     int32 = 1
	AttrInt       int32 = 2
	AttrString    int32 = 3
	AttrTensor    int32 = 4
	AttrGraph     int32 = 5
	AttrFloats    int32 = 6
	AttrInts      int32 = 7
	AttrStrings   int32 = 8
	AttrTensors   int32 = 9
	AttrGraphs    int32 = 10
)

// Model is ModelProto.
type Model struct {
	IRVersion       int64        // 1
	ProducerName    string       // 2
	ProducerVersion string       // 3
	Domain          string       // 4
	ModelVersion    int64        // 5
	DocString       string       // 6
	Graph           *Graph       // 7
	OpsetImports    []OpsetID    // 8
	MetadataProps   []StringPair // 14
	// Unsupported is set by the decoder when the model uses a feature this
	// package does not decode (training_info, functions).
	Unsupported []string
}

// OpsetID is OperatorSetIdProto.
type OpsetID struct {
	Domain  string // 1
	Version int64  // 2
}

// StringPair is StringStringEntryProto.
type StringPair struct {
	Key   string // 1
	Value string // 2
}

// Graph is GraphProto.
type Graph struct {
	Nodes        []Node      // 1
	Name         string      // 2
	Initializers []Tensor    // 5
	DocString    string      // 10
	Inputs       []ValueInfo // 11
	Outputs      []ValueInfo // 12
	ValueInfo    []ValueInfo // 13
	// Unsupported lists features present in the encoded graph that this
	// package does not decode (sparse initializers, quantization annotations).
	Unsupported []string
}

// Node is NodeProto.
type Node struct {
	Inputs     []string    // 1
	Outputs    []string    // 2
	Name       string      // 3
	OpType     string      // 4
	Attributes []Attribute // 5
	DocString  string      // 6
	Domain     string      // 7
}

// Attribute is AttributeProto. Only scalar and list values are decoded;
// tensor, graph and sparse values set HasNested.
type Attribute struct {
	Name      string    // 1
	F         float32   // 2
	I         int64     // 3
	S         []byte    // 4
	Floats    []float32 // 7
	Ints      []int64   // 8
	Strings   [][]byte  // 9
	Type      int32     // 20
	RefAttr   string    // 21
	HasNested bool      // t (5), g (6), tensors (10), graphs (11), sparse (22, 23), tp (14, 15)
}

// Tensor is TensorProto. Float tensors written by this package use RawData
// (little-endian IEEE 754), as ONNX exporters do.
type Tensor struct {
	Dims       []int64   // 1
	DataType   int32     // 2
	FloatData  []float32 // 4
	Int32Data  []int32   // 5
	Int64Data  []int64   // 7
	Name       string    // 8
	RawData    []byte    // 9
	DoubleData []float64 // 10
	DocString  string    // 12
	// HasRawData distinguishes an empty raw_data field from an absent one.
	HasRawData bool
	// External is set when the tensor has external_data (13) or
	// data_location (14) EXTERNAL; Segmented when it has a segment (3);
	// HasOtherData when string_data (6) or uint64_data (11) are present.
	External     bool
	Segmented    bool
	HasOtherData bool
}

// ValueInfo is ValueInfoProto restricted to tensor types.
type ValueInfo struct {
	Name      string // 1
	DocString string // 3
	// HasType reports whether the type field (2) was present.
	HasType bool
	// NotTensor is set when the type is not a tensor type (sequence, map, ...).
	NotTensor bool
	// ElemType is TypeProto.Tensor.elem_type.
	ElemType int32
	// HasShape reports whether TypeProto.Tensor.shape was present; Dims is
	// its dimensions.
	HasShape bool
	Dims     []Dim
}

// Dim is TensorShapeProto.Dimension: exactly one of Value and Param is
// meaningful; an unset dimension has neither (Param == "" and !HasValue).
type Dim struct {
	Value    int64  // 1
	Param    string // 2
	HasValue bool
}

// FixedDim returns a fixed dimension.
func FixedDim(v int64) Dim { return Dim{Value: v, HasValue: true} }

// ParamDim returns a symbolic dimension.
func ParamDim(name string) Dim { return Dim{Param: name} }

// FloatTensor returns a float32 tensor stored as raw_data.
func FloatTensor(name string, dims []int64, data []float32) Tensor {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		u := math.Float32bits(v)
		raw[4*i] = byte(u)
		raw[4*i+1] = byte(u >> 8)
		raw[4*i+2] = byte(u >> 16)
		raw[4*i+3] = byte(u >> 24)
	}
	d := make([]int64, len(dims))
	copy(d, dims)
	return Tensor{Name: name, Dims: d, DataType: DataTypeFloat, RawData: raw, HasRawData: true}
}

// Floats returns the tensor's values as float32. It fails for non-float
// tensors, external or segmented data, and when the number of values does not
// match the product of the dimensions.
func (t *Tensor) Floats() ([]float32, error) {
	if t.DataType != DataTypeFloat {
		return nil, fmt.Errorf("tensor %q has data type %d, want FLOAT (1)", t.Name, t.DataType)
	}
	if t.External {
		return nil, fmt.Errorf("tensor %q stores its data externally", t.Name)
	}
	if t.Segmented {
		return nil, fmt.Errorf("tensor %q is segmented", t.Name)
	}
	n, err := NumElements(t.Dims)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	switch {
	case t.HasRawData && len(t.FloatData) > 0:
		return nil, fmt.Errorf("tensor %q has both raw_data and float_data", t.Name)
	case t.HasRawData:
		if len(t.RawData) != 4*n {
			return nil, fmt.Errorf("tensor %q: raw_data has %d bytes, dims %v need %d", t.Name, len(t.RawData), t.Dims, 4*n)
		}
		out := make([]float32, n)
		for i := range out {
			b := t.RawData[4*i:]
			out[i] = math.Float32frombits(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
		}
		return out, nil
	default:
		if len(t.FloatData) != n {
			return nil, fmt.Errorf("tensor %q: float_data has %d values, dims %v need %d", t.Name, len(t.FloatData), t.Dims, n)
		}
		out := make([]float32, n)
		copy(out, t.FloatData)
		return out, nil
	}
}

// maxElements bounds tensor sizes so that products cannot overflow.
const maxElements = 1 << 40

// NumElements returns the product of dims, failing on negative dimensions or
// absurd sizes.
func NumElements(dims []int64) (int, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d", d)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("dimensions %v are too large", dims)
		}
		n *= d
	}
	return int(n), nil
}

// ---------------------------------------------------------------- encoding

// Marshal encodes the model.
func (m *Model) Marshal() []byte {
	var b []byte
	b = appendVarintField(b, 1, uint64(m.IRVersion))
	b = appendStringField(b, 2, m.ProducerName)
	b = appendStringField(b, 3, m.ProducerVersion)
	b = appendStringField(b, 4, m.Domain)
	b = appendVarintField(b, 5, uint64(m.ModelVersion))
	b = appendStringField(b, 6, m.DocString)
	if m.Graph != nil {
		b = protowire.AppendTag(b, 7, protowire.BytesType)
		b = protowire.AppendBytes(b, m.Graph.marshal())
	}
	for _, o := range m.OpsetImports {
		var ob []byte
		ob = appendStringField(ob, 1, o.Domain)
		ob = appendVarintField(ob, 2, uint64(o.Version))
		b = appendMessage(b, 8, ob)
	}
	for _, p := range m.MetadataProps {
		b = appendMessage(b, 14, p.marshal())
	}
	return b
}

func (p StringPair) marshal() []byte {
	var b []byte
	b = appendStringField(b, 1, p.Key)
	b = appendStringField(b, 2, p.Value)
	return b
}

func (g *Graph) marshal() []byte {
	var b []byte
	for i := range g.Nodes {
		b = appendMessage(b, 1, g.Nodes[i].marshal())
	}
	b = appendStringField(b, 2, g.Name)
	for i := range g.Initializers {
		b = appendMessage(b, 5, g.Initializers[i].marshal())
	}
	b = appendStringField(b, 10, g.DocString)
	for i := range g.Inputs {
		b = appendMessage(b, 11, g.Inputs[i].marshal())
	}
	for i := range g.Outputs {
		b = appendMessage(b, 12, g.Outputs[i].marshal())
	}
	for i := range g.ValueInfo {
		b = appendMessage(b, 13, g.ValueInfo[i].marshal())
	}
	return b
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range n.Outputs {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendStringField(b, 3, n.Name)
	b = appendStringField(b, 4, n.OpType)
	for i := range n.Attributes {
		b = appendMessage(b, 5, n.Attributes[i].marshal())
	}
	b = appendStringField(b, 6, n.DocString)
	b = appendStringField(b, 7, n.Domain)
	return b
}

func (a *Attribute) marshal() []byte {
	var b []byte
	b = appendStringField(b, 1, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.I))
	case AttrString:
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, a.S)
	case AttrFloats:
		if len(a.Floats) > 0 {
			var p []byte
			for _, f := range a.Floats {
				p = protowire.AppendFixed32(p, math.Float32bits(f))
			}
			b = appendMessage(b, 7, p)
		}
	case AttrInts:
		if len(a.Ints) > 0 {
			var p []byte
			for _, v := range a.Ints {
				p = protowire.AppendVarint(p, uint64(v))
			}
			b = appendMessage(b, 8, p)
		}
	case AttrStrings:
		for _, s := range a.Strings {
			b = protowire.AppendTag(b, 9, protowire.BytesType)
			b = protowire.AppendBytes(b, s)
		}
	}
	b = appendVarintField(b, 20, uint64(a.Type))
	return b
}

func (t *Tensor) marshal() []byte {
	var b []byte
	if len(t.Dims) > 0 {
		var p []byte
		for _, d := range t.Dims {
			p = protowire.AppendVarint(p, uint64(d))
		}
		b = appendMessage(b, 1, p)
	}
	b = appendVarintField(b, 2, uint64(t.DataType))
	if len(t.FloatData) > 0 {
		var p []byte
		for _, f := range t.FloatData {
			p = protowire.AppendFixed32(p, math.Float32bits(f))
		}
		b = appendMessage(b, 4, p)
	}
	if len(t.Int32Data) > 0 {
		var p []byte
		for _, v := range t.Int32Data {
			p = protowire.AppendVarint(p, uint64(int64(v)))
		}
		b = appendMessage(b, 5, p)
	}
	if len(t.Int64Data) > 0 {
		var p []byte
		for _, v := range t.Int64Data {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = appendMessage(b, 7, p)
	}
	b = appendStringField(b, 8, t.Name)
	if t.HasRawData || len(t.RawData) > 0 {
		b = protowire.AppendTag(b, 9, protowire.BytesType)
		b = protowire.AppendBytes(b, t.RawData)
	}
	if len(t.DoubleData) > 0 {
		var p []byte
		for _, f := range t.DoubleData {
			p = protowire.AppendFixed64(p, math.Float64bits(f))
		}
		b = appendMessage(b, 10, p)
	}
	b = appendStringField(b, 12, t.DocString)
	return b
}

func (v *ValueInfo) marshal() []byte {
	var b []byte
	b = appendStringField(b, 1, v.Name)
	if v.HasType || v.ElemType != 0 || v.HasShape {
		// TypeProto { tensor_type (1): TypeProto.Tensor { elem_type (1), shape (2) } }
		var tt []byte
		tt = appendVarintField(tt, 1, uint64(v.ElemType))
		if v.HasShape {
			var sh []byte
			for _, d := range v.Dims {
				var db []byte
				switch {
				case d.HasValue:
					db = protowire.AppendTag(db, 1, protowire.VarintType)
					db = protowire.AppendVarint(db, uint64(d.Value))
				case d.Param != "":
					db = appendStringField(db, 2, d.Param)
				}
				sh = appendMessage(sh, 1, db)
			}
			tt = appendMessage(tt, 2, sh)
		}
		var tp []byte
		tp = appendMessage(tp, 1, tt)
		b = appendMessage(b, 2, tp)
	}
	b = appendStringField(b, 3, v.DocString)
	return b
}

func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// ---------------------------------------------------------------- decoding

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed onnx protobuf")

// field is one decoded wire field.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64 // varint, fixed32, fixed64
	b   []byte // bytes
}

func walk(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: bad tag: %v", ErrMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.u = uint64(v)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			// Groups (deprecated) and invalid types: skip or fail.
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return fmt.Errorf("%w: field %d: %v", ErrMalformed, num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %v", ErrMalformed, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func wantType(f field, typ protowire.Type, name string) error {
	if f.typ != typ {
		return fmt.Errorf("%w: field %s (%d) has wire type %d, want %d", ErrMalformed, name, f.num, f.typ, typ)
	}
	return nil
}

func str(f field, name string) (string, error) {
	if err := wantType(f, protowire.BytesType, name); err != nil {
		return "", err
	}
	return string(f.b), nil
}

func varint(f field, name string) (uint64, error) {
	if err := wantType(f, protowire.VarintType, name); err != nil {
		return 0, err
	}
	return f.u, nil
}

// int32Of decodes an int32 carried as a varint (negative values are sign
// extended to 64 bits on the wire).
func int32Of(f field, name string) (int32, error) {
	u, err := varint(f, name)
	if err != nil {
		return 0, err
	}
	return int32(int64(u)), nil
}

// Unmarshal decodes a ModelProto.
func Unmarshal(b []byte) (*Model, error) {
	m := &Model{}
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			var u uint64
			u, err = varint(f, "ir_version")
			m.IRVersion = int64(u)
		case 2:
			m.ProducerName, err = str(f, "producer_name")
		case 3:
			m.ProducerVersion, err = str(f, "producer_version")
		case 4:
			m.Domain, err = str(f, "domain")
		case 5:
			var u uint64
			u, err = varint(f, "model_version")
			m.ModelVersion = int64(u)
		case 6:
			m.DocString, err = str(f, "doc_string")
		case 7:
			if err = wantType(f, protowire.BytesType, "graph"); err != nil {
				return err
			}
			if m.Graph != nil {
				return fmt.Errorf("%w: more than one graph", ErrMalformed)
			}
			m.Graph, err = unmarshalGraph(f.b)
		case 8:
			if err = wantType(f, protowire.BytesType, "opset_import"); err != nil {
				return err
			}
			var o OpsetID
			o, err = unmarshalOpset(f.b)
			m.OpsetImports = append(m.OpsetImports, o)
		case 14:
			if err = wantType(f, protowire.BytesType, "metadata_props"); err != nil {
				return err
			}
			var p StringPair
			p, err = unmarshalPair(f.b)
			m.MetadataProps = append(m.MetadataProps, p)
		case 20:
			m.Unsupported = append(m.Unsupported, "training_info")
		case 25:
			m.Unsupported = append(m.Unsupported, "functions")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func unmarshalOpset(b []byte) (OpsetID, error) {
	var o OpsetID
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			o.Domain, err = str(f, "opset_import.domain")
		case 2:
			var u uint64
			u, err = varint(f, "opset_import.version")
			o.Version = int64(u)
		}
		return err
	})
	return o, err
}

func unmarshalPair(b []byte) (StringPair, error) {
	var p StringPair
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			p.Key, err = str(f, "key")
		case 2:
			p.Value, err = str(f, "value")
		}
		return err
	})
	return p, err
}

func unmarshalGraph(b []byte) (*Graph, error) {
	g := &Graph{}
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			if err = wantType(f, protowire.BytesType, "node"); err != nil {
				return err
			}
			var n Node
			n, err = unmarshalNode(f.b)
			g.Nodes = append(g.Nodes, n)
		case 2:
			g.Name, err = str(f, "graph.name")
		case 5:
			if err = wantType(f, protowire.BytesType, "initializer"); err != nil {
				return err
			}
			var t Tensor
			t, err = unmarshalTensor(f.b)
			g.Initializers = append(g.Initializers, t)
		case 10:
			g.DocString, err = str(f, "graph.doc_string")
		case 11, 12, 13:
			if err = wantType(f, protowire.BytesType, "value info"); err != nil {
				return err
			}
			var v ValueInfo
			v, err = unmarshalValueInfo(f.b)
			switch f.num {
			case 11:
				g.Inputs = append(g.Inputs, v)
			case 12:
				g.Outputs = append(g.Outputs, v)
			default:
				g.ValueInfo = append(g.ValueInfo, v)
			}
		case 14:
			g.Unsupported = append(g.Unsupported, "quantization_annotation")
		case 15:
			g.Unsupported = append(g.Unsupported, "sparse_initializer")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func unmarshalNode(b []byte) (Node, error) {
	var n Node
	err := walk(b, func(f field) error {
		var err error
		var s string
		switch f.num {
		case 1:
			s, err = str(f, "node.input")
			n.Inputs = append(n.Inputs, s)
		case 2:
			s, err = str(f, "node.output")
			n.Outputs = append(n.Outputs, s)
		case 3:
			n.Name, err = str(f, "node.name")
		case 4:
			n.OpType, err = str(f, "node.op_type")
		case 5:
			if err = wantType(f, protowire.BytesType, "node.attribute"); err != nil {
				return err
			}
			var a Attribute
			a, err = unmarshalAttribute(f.b)
			n.Attributes = append(n.Attributes, a)
		case 6:
			n.DocString, err = str(f, "node.doc_string")
		case 7:
			n.Domain, err = str(f, "node.domain")
		}
		return err
	})
	return n, err
}

func unmarshalAttribute(b []byte) (Attribute, error) {
	var a Attribute
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			a.Name, err = str(f, "attribute.name")
		case 2:
			if err = wantType(f, protowire.Fixed32Type, "attribute.f"); err != nil {
				return err
			}
			a.F = math.Float32frombits(uint32(f.u))
		case 3:
			var u uint64
			u, err = varint(f, "attribute.i")
			a.I = int64(u)
		case 4:
			if err = wantType(f, protowire.BytesType, "attribute.s"); err != nil {
				return err
			}
			a.S = append([]byte{}, f.b...)
		case 5, 6, 10, 11, 14, 15, 22, 23:
			a.HasNested = true
		case 7:
			a.Floats, err = appendFloats(a.Floats, f, "attribute.floats")
		case 8:
			a.Ints, err = appendInt64s(a.Ints, f, "attribute.ints")
		case 9:
			if err = wantType(f, protowire.BytesType, "attribute.strings"); err != nil {
				return err
			}
			a.Strings = append(a.Strings, append([]byte{}, f.b...))
		case 20:
			a.Type, err = int32Of(f, "attribute.type")
		case 21:
			a.RefAttr, err = str(f, "attribute.ref_attr_name")
		}
		return err
	})
	return a, err
}

func unmarshalTensor(b []byte) (Tensor, error) {
	var t Tensor
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			t.Dims, err = appendInt64s(t.Dims, f, "tensor.dims")
		case 2:
			t.DataType, err = int32Of(f, "tensor.data_type")
		case 3:
			t.Segmented = true
		case 4:
			t.FloatData, err = appendFloats(t.FloatData, f, "tensor.float_data")
		case 5:
			var vs []int64
			vs, err = appendInt64s(nil, f, "tensor.int32_data")
			for _, v := range vs {
				t.Int32Data = append(t.Int32Data, int32(v))
			}
		case 6, 11:
			t.HasOtherData = true
		case 7:
			t.Int64Data, err = appendInt64s(t.Int64Data, f, "tensor.int64_data")
		case 8:
			t.Name, err = str(f, "tensor.name")
		case 9:
			if err = wantType(f, protowire.BytesType, "tensor.raw_data"); err != nil {
				return err
			}
			t.RawData = append([]byte{}, f.b...)
			t.HasRawData = true
		case 10:
			t.DoubleData, err = appendFloat64s(t.DoubleData, f, "tensor.double_data")
		case 12:
			t.DocString, err = str(f, "tensor.doc_string")
		case 13:
			t.External = true
		case 14:
			var u uint64
			u, err = varint(f, "tensor.data_location")
			if u != 0 {
				t.External = true
			}
		}
		return err
	})
	return t, err
}

func unmarshalValueInfo(b []byte) (ValueInfo, error) {
	var v ValueInfo
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			v.Name, err = str(f, "value_info.name")
		case 2:
			if err = wantType(f, protowire.BytesType, "value_info.type"); err != nil {
				return err
			}
			v.HasType = true
			err = unmarshalTypeProto(f.b, &v)
		case 3:
			v.DocString, err = str(f, "value_info.doc_string")
		}
		return err
	})
	return v, err
}

func unmarshalTypeProto(b []byte, v *ValueInfo) error {
	return walk(b, func(f field) error {
		switch f.num {
		case 1:
			if err := wantType(f, protowire.BytesType, "type.tensor_type"); err != nil {
				return err
			}
			return walk(f.b, func(f field) error {
				var err error
				switch f.num {
				case 1:
					v.ElemType, err = int32Of(f, "tensor_type.elem_type")
				case 2:
					if err = wantType(f, protowire.BytesType, "tensor_type.shape"); err != nil {
						return err
					}
					v.HasShape = true
					v.Dims = v.Dims[:0]
					err = walk(f.b, func(f field) error {
						if f.num != 1 {
							return nil
						}
						if err := wantType(f, protowire.BytesType, "shape.dim"); err != nil {
							return err
						}
						d, err := unmarshalDim(f.b)
						v.Dims = append(v.Dims, d)
						return err
					})
				}
				return err
			})
		case 4, 5, 8, 9:
			v.NotTensor = true
		}
		return nil
	})
}

func unmarshalDim(b []byte) (Dim, error) {
	var d Dim
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			var u uint64
			u, err = varint(f, "dim.dim_value")
			d.Value = int64(u)
			d.HasValue = true
			d.Param = ""
		case 2:
			d.Param, err = str(f, "dim.dim_param")
			d.HasValue = false
			d.Value = 0
		}
		return err
	})
	return d, err
}

func appendInt64s(dst []int64, f field, name string) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.u)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("%w: packed %s: %v", ErrMalformed, name, protowire.ParseError(n))
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	default:
		return nil, fmt.Errorf("%w: field %s has wire type %d", ErrMalformed, name, f.typ)
	}
}

func appendFloats(dst []float32, f field, name string) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.u))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, fmt.Errorf("%w: packed %s has %d bytes, not a multiple of 4", ErrMalformed, name, len(f.b))
		}
		for i := 0; i+4 <= len(f.b); i += 4 {
			v, _ := protowire.ConsumeFixed32(f.b[i:])
			dst = append(dst, math.Float32frombits(v))
		}
		return dst, nil
	default:
		return nil, fmt.Errorf("%w: field %s has wire type %d", ErrMalformed, name, f.typ)
	}
}

func appendFloat64s(dst []float64, f field, name string) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.u)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, fmt.Errorf("%w: packed %s has %d bytes, not a multiple of 8", ErrMalformed, name, len(f.b))
		}
		for i := 0; i+8 <= len(f.b); i += 8 {
			v, _ := protowire.ConsumeFixed64(f.b[i:])
			dst = append(dst, math.Float64frombits(v))
		}
		return dst, nil
	default:
		return nil, fmt.Errorf("%w: field %s has wire type %d", ErrMalformed, name, f.typ)
	}
}
