package model

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/syntx/syntx/model/onnxpb"
	"github.com/syntx/syntx/model/safetensors"
)

// FuzzSafetensors checks that the safetensors parser never panics, and that
// whatever it accepts survives an encode/parse round trip unchanged.
// Seeds: testdata/fuzz/FuzzSafetensors.
func FuzzSafetensors(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := safetensors.Parse(b)
		if err != nil {
			return
		}
		enc, err := safetensors.Encode(file.Tensors, file.Metadata)
		if err != nil {
			t.Fatalf("accepted file does not re-encode: %v", err)
		}
		again, err := safetensors.Parse(enc)
		if err != nil {
			t.Fatalf("re-encoded file does not parse: %v", err)
		}
		if !slices.Equal(again.Names(), file.Names()) {
			t.Fatalf("names %v became %v", file.Names(), again.Names())
		}
		for name, tt := range file.Tensors {
			u := again.Tensors[name]
			if u.DType != tt.DType || !slices.Equal(u.Shape, tt.Shape) || !bytes.Equal(u.Data, tt.Data) {
				t.Fatalf("tensor %q changed in the round trip", name)
			}
		}
	})
}

// FuzzLoadONNX checks that LoadONNX never panics, and that a network it
// accepts runs and re-loads from its own encoding. Seeds:
// testdata/fuzz/FuzzLoadONNX.
func FuzzLoadONNX(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x3a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := LoadONNX(b)
		if err != nil {
			return
		}
		x := randomRows(1, 3)
		out := make([]float32, 3)
		n.Forward(x, 3, out)
		if _, err := LoadONNX(n.MarshalONNX()); err != nil {
			t.Fatalf("accepted model does not re-load from its own encoding: %v", err)
		}
	})
}

// TestWriteFuzzSeeds rewrites the seed corpora under testdata/fuzz when run
// with -update.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the fuzz seed corpora")
	}
	base := mustBase(t)
	p := boostAdapter(t, base, ModuleSkip, "go.naming", 2)
	_, weights, err := encodeAdapter(base, p, "seed")
	if err != nil {
		t.Fatal(err)
	}
	lying := slices.Clone(weights)
	lying = lying[:len(lying)-4]
	small := smallModel(FeatureWidth)
	conv := smallModel(FeatureWidth)
	conv.Graph.Nodes[0].OpType = "Conv"
	hidden := smallModel(FeatureWidth)
	hidden.Graph.Nodes = []onnxpb.Node{
		{Name: "mm", OpType: "MatMul", Inputs: []string{InputName, "w1"}, Outputs: []string{"h"}},
		{Name: "act", OpType: "Sigmoid", Inputs: []string{"h"}, Outputs: []string{"s"}},
		{Name: "add", OpType: "Add", Inputs: []string{"s", "b"}, Outputs: []string{OutputName}},
	}
	w1 := make([]float32, FeatureWidth)
	w1[SlotPrior] = 1
	hidden.Graph.Initializers = []onnxpb.Tensor{
		onnxpb.FloatTensor("w1", []int64{FeatureWidth, 1}, w1),
		onnxpb.FloatTensor("b", []int64{1}, []float32{-0.5}),
	}
	write := func(target, name string, b []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FuzzSafetensors", "adapter", weights)
	write("FuzzSafetensors", "truncated", lying)
	write("FuzzSafetensors", "metadata-only", []byte("\x20\x00\x00\x00\x00\x00\x00\x00{\"__metadata__\":{\"format\":\"pt\"}}"))
	write("FuzzLoadONNX", "small", small.Marshal())
	write("FuzzLoadONNX", "matmul-sigmoid-add", hidden.Marshal())
	write("FuzzLoadONNX", "conv", conv.Marshal())
}
