package train

import (
	"math"
	"sync"
	"testing"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/model/onnxpb"
)

// testBase loads the embedded base once per test binary.
var testBase = sync.OnceValues(model.LoadBase)

func mustBase(t testing.TB) *model.Network {
	t.Helper()
	n, err := testBase()
	if err != nil {
		t.Fatalf("load base: %v", err)
	}
	return n
}

// rng is a test random source (SplitMix64).
type rng struct{ splitMix }

func newRNG(seed uint64) *rng { return &rng{splitMix{s: seed}} }

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// sym returns a value in [-a, a).
func (r *rng) sym(a float64) float64 { return a * (2*r.float() - 1) }

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// randomDataset returns rows random sparse feature rows (a prior logit, the
// bias and k random hashed slots) grouped into candidate sets of 1 to 3.
func randomDataset(seed uint64, rows, k int) *dataset {
	r := newRNG(seed)
	d := &dataset{start: []int32{0}, skipped: map[string]int{}}
	buf := make([]float32, model.FeatureWidth)
	for i := 0; i < rows; i++ {
		clear(buf)
		buf[model.SlotPrior] = float32(r.sym(2))
		buf[model.SlotBias] = 1
		for j := 0; j < k; j++ {
			buf[model.HashBase+r.intn(model.HashSlots)] = float32(r.sym(1))
		}
		for c, v := range buf {
			if v != 0 {
				d.idx = append(d.idx, int32(c))
				d.val = append(d.val, v)
			}
		}
		d.start = append(d.start, int32(len(d.idx)))
		d.ids = append(d.ids, "")
	}
	for i := 0; i < rows; {
		n := min(rows-i, 1+r.intn(3))
		var mem []int32
		for j := 0; j < n; j++ {
			mem = append(mem, int32(i+j))
			d.setOf = append(d.setOf, int32(len(d.sets)))
		}
		d.sets = append(d.sets, mem)
		i += n
	}
	return d
}

// randomLoRA returns a LoRA set for every target of n with a random
// non-zero B, so that every parameter receives gradient.
func randomLoRA(t testing.TB, n *model.Network, seed uint64, rank int, bScale float64) *model.LoRA {
	t.Helper()
	p, err := model.NewLoRA(n, model.LoRAConfig{Rank: rank, Alpha: float64(2 * rank), Seed: seed})
	if err != nil {
		t.Fatalf("new lora: %v", err)
	}
	r := newRNG(seed ^ 0xb)
	for i := range p.Layers {
		for j := range p.Layers[i].B.Data {
			p.Layers[i].B.Data[j] = float32(r.sym(bScale))
		}
	}
	return p
}

func valueInfo(name string, cols int) onnxpb.ValueInfo {
	return onnxpb.ValueInfo{Name: name, HasType: true, ElemType: onnxpb.DataTypeFloat, HasShape: true,
		Dims: []onnxpb.Dim{onnxpb.ParamDim("N"), onnxpb.FixedDim(int64(cols))}}
}

// mixedNetwork is a policy that uses every operator the backward pass
// handles, with both weight orientations, Gemm's alpha and beta, and
// broadcasting:
//
//	s   = Sigmoid(MatMul(features, w1 [D, h]))            (LoRA on [in, out])
//	s2  = Add(s, bh [1, h])                                (broadcast rows)
//	t   = Relu(Gemm(features, w3 [h, D], c3 [1, h], α=0.5, β=2, transB))
//	u   = Add(s2, t)
//	sk  = Gemm(features, wk [1, D], ck [1, 1], transB)
//	out = Gemm(u, w2 [1, h], sk, α=1.5, β=0.75, transB)    (computed C)
func mixedNetwork(t testing.TB) *model.Network {
	t.Helper()
	const d, h = model.FeatureWidth, 3
	r := newRNG(77)
	fill := func(n int, a float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.sym(a))
		}
		return v
	}
	gemm := func(name string, in []string, out string, alpha, beta float32) onnxpb.Node {
		return onnxpb.Node{Name: name, OpType: "Gemm", Inputs: in, Outputs: []string{out},
			Attributes: []onnxpb.Attribute{
				{Name: "alpha", Type: onnxpb.AttrFloat, F: alpha},
				{Name: "beta", Type: onnxpb.AttrFloat, F: beta},
				{Name: "transB", Type: onnxpb.AttrInt, I: 1},
			}}
	}
	wk := make([]float32, d)
	wk[model.SlotPrior] = 1
	m := &onnxpb.Model{
		IRVersion:    7,
		OpsetImports: []onnxpb.OpsetID{{Version: 13}},
		Graph: &onnxpb.Graph{
			Name: "mixed",
			Nodes: []onnxpb.Node{
				{Name: "mm1", OpType: "MatMul", Inputs: []string{model.InputName, "w1"}, Outputs: []string{"z1"}},
				{Name: "act", OpType: "Sigmoid", Inputs: []string{"z1"}, Outputs: []string{"s"}},
				{Name: "addb", OpType: "Add", Inputs: []string{"s", "bh"}, Outputs: []string{"s2"}},
				gemm("g3", []string{model.InputName, "w3", "c3"}, "t0", 0.5, 2),
				{Name: "relu", OpType: "Relu", Inputs: []string{"t0"}, Outputs: []string{"t"}},
				{Name: "addu", OpType: "Add", Inputs: []string{"s2", "t"}, Outputs: []string{"u"}},
				gemm("sk", []string{model.InputName, "wk", "ck"}, "sk", 1, 1),
				gemm("out", []string{"u", "w2", "sk"}, model.OutputName, 1.5, 0.75),
			},
			Initializers: []onnxpb.Tensor{
				onnxpb.FloatTensor("w1", []int64{d, h}, fill(d*h, 0.3)),
				onnxpb.FloatTensor("bh", []int64{1, h}, fill(h, 0.5)),
				onnxpb.FloatTensor("w3", []int64{h, d}, fill(d*h, 0.3)),
				onnxpb.FloatTensor("c3", []int64{1, h}, []float32{0.6, 0.8, 1.0}),
				onnxpb.FloatTensor("wk", []int64{1, d}, wk),
				onnxpb.FloatTensor("ck", []int64{1, 1}, []float32{-0.2}),
				onnxpb.FloatTensor("w2", []int64{1, h}, []float32{0.7, -0.9, 0.4}),
			},
			Inputs:  []onnxpb.ValueInfo{valueInfo(model.InputName, d)},
			Outputs: []onnxpb.ValueInfo{valueInfo(model.OutputName, 1)},
		},
	}
	n, err := model.LoadONNX(m.Marshal())
	if err != nil {
		t.Fatalf("load mixed network: %v", err)
	}
	return n
}

func closeTo(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}
