package model

import (
	"math"
	"sync"
	"testing"

	"github.com/syntx/syntx/model/onnxpb"
)

// testBase loads the embedded base once per test binary.
var testBase = sync.OnceValues(LoadBase)

func mustBase(t testing.TB) *Network {
	t.Helper()
	n, err := testBase()
	if err != nil {
		t.Fatalf("load base: %v", err)
	}
	return n
}

// randomRows returns rows sparse feature rows: a prior logit, the bias slot
// and about 24 random hashed slots with values in [-1, 1].
func randomRows(seed uint64, rows int) []float32 {
	rng := newSplitMix(seed)
	x := make([]float32, rows*FeatureWidth)
	for i := 0; i < rows; i++ {
		row := x[i*FeatureWidth : (i+1)*FeatureWidth]
		row[SlotPrior] = float32(6*rng.float64() - 3)
		row[SlotBias] = 1
		for k := 0; k < 24; k++ {
			row[HashBase+int(rng.next()%HashSlots)] = float32(2*rng.float64() - 1)
		}
	}
	return x
}

// randomLoRA returns a LoRA set for every target of n with random A and a
// random non-zero B of magnitude bScale.
func randomLoRA(t testing.TB, n *Network, seed uint64, rank int, bScale float64) *LoRA {
	t.Helper()
	p, err := NewLoRA(n, LoRAConfig{Rank: rank, Alpha: float64(2 * rank), Seed: seed})
	if err != nil {
		t.Fatalf("new lora: %v", err)
	}
	rng := newSplitMix(seed ^ 0xb)
	for i := range p.Layers {
		for j := range p.Layers[i].B.Data {
			p.Layers[i].B.Data[j] = float32(bScale * (2*rng.float64() - 1))
		}
	}
	return p
}

// onnxGoForward runs n through onnx-go.
func onnxGoForward(t testing.TB, n *Network, x []float32, rows int) []float32 {
	t.Helper()
	out := make([]float32, rows)
	if err := newONNXGoRunner(n.MarshalONNX()).run(x, rows, out); err != nil {
		t.Fatalf("onnx-go: %v", err)
	}
	return out
}

func nativeForward(n *Network, x []float32, rows int) []float32 {
	out := make([]float32, rows)
	n.Forward(x, rows, out)
	return out
}

func assertClose(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			t.Fatalf("%s: row %d: got %v, want %v (|Δ| = %g > %g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// smallModel returns a valid minimal policy graph:
// logit = Gemm(features, w[1, width], b[1, 1], transB=1), with the input
// declared [N, width].
func smallModel(width int) *onnxpb.Model {
	w := make([]float32, width)
	w[SlotPrior] = 1
	return &onnxpb.Model{
		IRVersion:    7,
		OpsetImports: []onnxpb.OpsetID{{Version: 13}},
		Graph: &onnxpb.Graph{
			Name: "small",
			Nodes: []onnxpb.Node{{
				Name: "lin", OpType: "Gemm", Inputs: []string{InputName, "w", "b"}, Outputs: []string{OutputName},
				Attributes: []onnxpb.Attribute{{Name: "transB", Type: onnxpb.AttrInt, I: 1}},
			}},
			Initializers: []onnxpb.Tensor{
				onnxpb.FloatTensor("w", []int64{1, int64(width)}, w),
				onnxpb.FloatTensor("b", []int64{1}, []float32{0.25}),
			},
			Inputs:  []onnxpb.ValueInfo{tensorInfo(InputName, width)},
			Outputs: []onnxpb.ValueInfo{tensorInfo(OutputName, 1)},
		},
	}
}
