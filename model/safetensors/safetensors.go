// Package safetensors reads and writes the safetensors format
// (https://github.com/huggingface/safetensors):
//
//	8 bytes     N, the header length, unsigned little-endian
//	N bytes     a JSON object: tensor name -> {"dtype", "shape", "data_offsets"},
//	            plus an optional "__metadata__" object of string values
//	rest        the byte buffer; data_offsets [begin, end) are relative to it
//
// Parse is strict, because adapter files come from disk and may be truncated
// or hostile: the header length must be at most MaxHeaderSize and fit in the
// file; the header must be one JSON object without duplicate keys; every
// dtype must be known; shape × dtype size must equal end − begin; offsets
// must lie in the buffer; tensors sorted by offset must be contiguous
// (no overlap, no gap) and must cover the buffer exactly.
//
// Encode writes tensors sorted by name, pads the header with spaces to a
// multiple of 8 bytes (as the reference implementation does) and is
// deterministic.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
)

// MaxHeaderSize bounds the JSON header, as the reference implementation does.
const MaxHeaderSize = 100_000_000

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid safetensors")

// DType is a safetensors element type name, e.g. "F32".
type DType string

// Known element types.
const (
	Bool   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
)

// Size returns the size in bytes of one element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case Bool, U8, I8, F8E5M2, F8E4M3:
		return 1
	case I16, U16, F16, BF16:
		return 2
	case I32, U32, F32:
		return 4
	case F64, I64, U64:
		return 8
	}
	return 0
}

// Tensor is one named tensor. Data is little-endian, row-major.
type Tensor struct {
	DType DType
	Shape []int
	Data  []byte
}

// NumElements returns the product of the shape.
func (t Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// FromFloat32 returns an F32 tensor holding data with the given shape. It
// panics if the shape does not match len(data) (a programmer error).
func FromFloat32(shape []int, data []float32) Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(data) {
		panic("safetensors: FromFloat32: shape " + fmt.Sprint(shape) + " does not hold " + strconv.Itoa(len(data)) + " values")
	}
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{DType: F32, Shape: slices.Clone(shape), Data: b}
}

// Float32s decodes an F32 tensor.
func (t Tensor) Float32s() ([]float32, error) {
	if t.DType != F32 {
		return nil, fmt.Errorf("tensor has dtype %s, want F32", t.DType)
	}
	if len(t.Data) != 4*t.NumElements() {
		return nil, fmt.Errorf("tensor has %d bytes for shape %v", len(t.Data), t.Shape)
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// File is a parsed safetensors file.
type File struct {
	Metadata map[string]string
	Tensors  map[string]Tensor
}

// Names returns the tensor names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Tensors))
	for k := range f.Tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Parse decodes and validates a safetensors file held in memory. Tensor data
// aliases b.
func Parse(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: file has %d bytes, shorter than the 8-byte header length", ErrInvalid, len(b))
	}
	hl := binary.LittleEndian.Uint64(b[:8])
	if hl > MaxHeaderSize {
		return nil, fmt.Errorf("%w: header length %d exceeds the limit of %d bytes", ErrInvalid, hl, MaxHeaderSize)
	}
	if hl > uint64(len(b)-8) {
		return nil, fmt.Errorf("%w: header length %d exceeds the %d bytes after it (truncated file?)", ErrInvalid, hl, len(b)-8)
	}
	if hl < 2 {
		return nil, fmt.Errorf("%w: header length %d is too small for a JSON object", ErrInvalid, hl)
	}
	header := b[8 : 8+hl]
	data := b[8+hl:]

	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	f := &File{Metadata: meta, Tensors: make(map[string]Tensor, len(entries))}
	type span struct {
		name       string
		begin, end uint64
	}
	spans := make([]span, 0, len(entries))
	for _, e := range entries {
		size := e.dtype.Size()
		if size == 0 {
			return nil, fmt.Errorf("%w: tensor %q has unknown dtype %q", ErrInvalid, e.name, e.dtype)
		}
		n := uint64(size)
		for _, d := range e.shape {
			hi, lo := bits.Mul64(n, d)
			if hi != 0 {
				return nil, fmt.Errorf("%w: tensor %q shape %v is too large", ErrInvalid, e.name, e.shape)
			}
			n = lo
		}
		if e.begin > e.end {
			return nil, fmt.Errorf("%w: tensor %q has data_offsets [%d, %d] with begin after end", ErrInvalid, e.name, e.begin, e.end)
		}
		if e.end > uint64(len(data)) {
			return nil, fmt.Errorf("%w: tensor %q ends at byte %d but the buffer has %d bytes (truncated or lying header)", ErrInvalid, e.name, e.end, len(data))
		}
		if e.end-e.begin != n {
			return nil, fmt.Errorf("%w: tensor %q has %d bytes, but shape %v of %s needs %d", ErrInvalid, e.name, e.end-e.begin, e.shape, e.dtype, n)
		}
		shape := make([]int, len(e.shape))
		for i, d := range e.shape {
			shape[i] = int(d)
		}
		f.Tensors[e.name] = Tensor{DType: e.dtype, Shape: shape, Data: data[e.begin:e.end:e.end]}
		spans = append(spans, span{e.name, e.begin, e.end})
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].end < spans[j].end
	})
	var at uint64
	for _, s := range spans {
		switch {
		case s.begin < at:
			return nil, fmt.Errorf("%w: tensor %q at [%d, %d] overlaps the previous tensor ending at %d", ErrInvalid, s.name, s.begin, s.end, at)
		case s.begin > at:
			return nil, fmt.Errorf("%w: gap of %d bytes before tensor %q at offset %d", ErrInvalid, s.begin-at, s.name, s.begin)
		}
		at = s.end
	}
	if at != uint64(len(data)) {
		return nil, fmt.Errorf("%w: tensors cover %d bytes but the buffer has %d", ErrInvalid, at, len(data))
	}
	return f, nil
}

type entry struct {
	name       string
	dtype      DType
	shape      []uint64
	begin, end uint64
}

// parseHeader decodes the JSON header with a token stream, so that duplicate
// keys and trailing data are caught.
func parseHeader(h []byte) ([]entry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var entries []entry
	var meta map[string]string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: header: %w", ErrInvalid, err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("%w: header: expected a key", ErrInvalid)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("%w: header: key %q appears twice", ErrInvalid, name)
		}
		seen[name] = true
		if name == "__metadata__" {
			var m map[string]string
			if err := dec.Decode(&m); err != nil {
				return nil, nil, fmt.Errorf("%w: __metadata__ must map strings to strings: %w", ErrInvalid, err)
			}
			meta = m
			continue
		}
		var raw struct {
			DType   *string       `json:"dtype"`
			Shape   []json.Number `json:"shape"`
			Offsets []json.Number `json:"data_offsets"`
		}
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("%w: tensor %q: %w", ErrInvalid, name, err)
		}
		if raw.DType == nil || raw.Shape == nil || raw.Offsets == nil {
			return nil, nil, fmt.Errorf("%w: tensor %q needs dtype, shape and data_offsets", ErrInvalid, name)
		}
		e := entry{name: name, dtype: DType(*raw.DType)}
		for _, d := range raw.Shape {
			v, err := strconv.ParseUint(d.String(), 10, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: tensor %q: bad dimension %s", ErrInvalid, name, d)
			}
			e.shape = append(e.shape, v)
		}
		if len(raw.Offsets) != 2 {
			return nil, nil, fmt.Errorf("%w: tensor %q: data_offsets must have 2 values, has %d", ErrInvalid, name, len(raw.Offsets))
		}
		for i, d := range raw.Offsets {
			v, err := strconv.ParseUint(d.String(), 10, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: tensor %q: bad offset %s", ErrInvalid, name, d)
			}
			if i == 0 {
				e.begin = v
			} else {
				e.end = v
			}
		}
		entries = append(entries, e)
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, nil, err
	}
	// Only padding may follow the object.
	rest := h[dec.InputOffset():]
	if len(bytes.TrimRight(rest, " \t\r\n")) != 0 {
		return nil, nil, fmt.Errorf("%w: header has trailing data after the JSON object", ErrInvalid)
	}
	return entries, meta, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrInvalid, err)
	}
	if tok != d {
		return fmt.Errorf("%w: header: expected %q", ErrInvalid, d)
	}
	return nil
}

// Encode serialises tensors and metadata. It fails if a tensor's data does
// not match its dtype and shape, or a tensor is named "__metadata__".
func Encode(tensors map[string]Tensor, metadata map[string]string) ([]byte, error) {
	names := make([]string, 0, len(tensors))
	for k := range tensors {
		if k == "__metadata__" {
			return nil, fmt.Errorf("safetensors: invalid tensor name %q", k)
		}
		names = append(names, k)
	}
	sort.Strings(names)

	// Build the header by hand to control key order: __metadata__ first,
	// then tensors by name.
	var h bytes.Buffer
	h.WriteByte('{')
	first := true
	if len(metadata) > 0 {
		mb, err := json.Marshal(metadata) // map keys are sorted
		if err != nil {
			return nil, fmt.Errorf("safetensors: metadata: %w", err)
		}
		h.WriteString(`"__metadata__":`)
		h.Write(mb)
		first = false
	}
	var offset uint64
	for _, name := range names {
		t := tensors[name]
		size := t.DType.Size()
		if size == 0 {
			return nil, fmt.Errorf("safetensors: tensor %q has unknown dtype %q", name, t.DType)
		}
		n := size
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("safetensors: tensor %q has negative dimension", name)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q has %d bytes, shape %v of %s needs %d", name, len(t.Data), t.Shape, t.DType, n)
		}
		if !first {
			h.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(name)
		h.Write(kb)
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		sb, _ := json.Marshal(shape)
		fmt.Fprintf(&h, `:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, string(t.DType), sb, offset, offset+uint64(n))
		offset += uint64(n)
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	out := make([]byte, 8, 8+h.Len()+int(offset))
	binary.LittleEndian.PutUint64(out, uint64(h.Len()))
	out = append(out, h.Bytes()...)
	for _, name := range names {
		out = append(out, tensors[name].Data...)
	}
	return out, nil
}
