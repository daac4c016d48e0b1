package model

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"github.com/syntx/syntx/model/onnxpb"
)

func TestBaseRegeneratesIdentically(t *testing.T) {
	t.Parallel()
	got := BuildBase(DefaultBaseConfig()).MarshalONNX()
	if !bytes.Equal(got, BaseONNX()) {
		t.Fatalf("BuildBase(DefaultBaseConfig()) differs from the embedded base.onnx (%d vs %d bytes); run go generate ./model", len(got), len(BaseONNX()))
	}
	again := BuildBase(DefaultBaseConfig()).MarshalONNX()
	if !bytes.Equal(got, again) {
		t.Fatal("BuildBase is not deterministic")
	}
	if base := mustBase(t); base.BaseHash() != sha256Hex(got) {
		t.Fatalf("base hash %s, want sha256 of the file %s", base.BaseHash(), sha256Hex(got))
	}
}

func TestONNXGoLoadsOurFile(t *testing.T) {
	t.Parallel()
	g := gorgonnx.NewGraph()
	m := onnx.NewModel(g)
	if err := m.UnmarshalBinary(BaseONNX()); err != nil {
		t.Fatalf("onnx-go cannot decode base.onnx: %v", err)
	}
	if len(m.Input) != 1 || len(m.Output) != 1 {
		t.Fatalf("onnx-go sees %d inputs and %d outputs, want 1 and 1", len(m.Input), len(m.Output))
	}
	if _, ok := m.GetNodeByName(InputName); !ok {
		t.Fatalf("onnx-go has no node %q", InputName)
	}
	base := mustBase(t)
	x := randomRows(1, 5)
	assertClose(t, "onnx-go vs native", onnxGoForward(t, base, x, 5), nativeForward(base, x, 5), 1e-5)
}

func TestNativeMatchesONNXGo(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	merged, err := base.Merge(randomLoRA(t, base, 7, 4, 0.5))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		net  *Network
	}{{"base", base}, {"base+adapter", merged}} {
		for _, rows := range []int{1, 2, 3, 8, 33} {
			x := randomRows(uint64(100+rows), rows)
			assertClose(t, tc.name, nativeForward(tc.net, x, rows), onnxGoForward(t, tc.net, x, rows), 1e-5)
		}
	}
	// The adapter must actually change the output, or the comparison above
	// proves little.
	x := randomRows(3, 4)
	a, b := nativeForward(base, x, 4), nativeForward(merged, x, 4)
	same := true
	for i := range a {
		if a[i] != b[i] {
			same = false
		}
	}
	if same {
		t.Fatal("merged adapter left every logit unchanged")
	}
}

func TestForwardLoRAEqualsMerged(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	p := randomLoRA(t, base, 11, 8, 0.3)
	merged, err := base.Merge(p)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 16
	x := randomRows(12, rows)
	unmerged := make([]float32, rows)
	if err := base.ForwardLoRA(x, rows, p, unmerged); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "unmerged vs merged", unmerged, nativeForward(merged, x, rows), 1e-5)

	tr, err := base.Trace(x, rows, p)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "trace logits", tr.Logits(), unmerged, 0)
	if h, ok := tr.Value("hidden"); !ok || h.Rows != rows || h.Cols != 32 {
		t.Fatalf("trace hidden value: %+v %v", h, ok)
	}
	if u, ok := tr.LoRAHidden(ModuleFC1); !ok || u.Rows != rows || u.Cols != 8 {
		t.Fatalf("trace LoRA hidden: %+v %v", u, ok)
	}
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	a := &Adapter{Version: "v7", BaseHash: base.BaseHash(), LoRA: randomLoRA(t, base, 21, 4, 0.4)}
	merged, err := base.MergeAdapter(a)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := merged.ExportONNX(&buf); err != nil {
		t.Fatal(err)
	}
	re, err := LoadONNX(buf.Bytes())
	if err != nil {
		t.Fatalf("exported model does not load: %v", err)
	}
	const rows = 9
	x := randomRows(22, rows)
	assertClose(t, "re-loaded vs merged", nativeForward(re, x, rows), nativeForward(merged, x, rows), 0)
	assertClose(t, "onnx-go on export vs merged", onnxGoForward(t, re, x, rows), nativeForward(merged, x, rows), 1e-5)

	m, err := onnxpb.Unmarshal(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for _, p := range m.MetadataProps {
		meta[p.Key] = p.Value
	}
	if meta[metaAdapter] != "v7" || meta[metaBaseHash] != base.BaseHash() || meta[metaFeatures] != FeatureScheme {
		t.Fatalf("export metadata = %v", meta)
	}
}

func TestLoadONNXAcceptsSmallModel(t *testing.T) {
	t.Parallel()
	n, err := LoadONNX(smallModel(FeatureWidth).Marshal())
	if err != nil {
		t.Fatal(err)
	}
	x := randomRows(5, 3)
	out := nativeForward(n, x, 3)
	for i := range out {
		want := x[i*FeatureWidth+SlotPrior] + 0.25
		if d := out[i] - want; d > 1e-6 || d < -1e-6 {
			t.Fatalf("row %d: got %v, want %v", i, out[i], want)
		}
	}
}

func TestLoadONNXRejects(t *testing.T) {
	t.Parallel()
	gemmNode := func(op string) onnxpb.Node {
		return onnxpb.Node{Name: "bad", OpType: op, Inputs: []string{InputName}, Outputs: []string{"x2"}}
	}
	cases := []struct {
		name   string
		edit   func(m *onnxpb.Model)
		raw    []byte
		want   string
		target error
	}{
		{name: "wrong input width", edit: func(m *onnxpb.Model) {
			*m = *smallModel(256)
		}, want: "width 256, want 512", target: ErrSignature},
		{name: "extra input", edit: func(m *onnxpb.Model) {
			m.Graph.Inputs = append(m.Graph.Inputs, tensorInfo("mask", 1))
		}, want: `"mask"`, target: ErrSignature},
		{name: "wrong input name", edit: func(m *onnxpb.Model) {
			m.Graph.Inputs[0].Name = "x"
		}, want: `want exactly one input "features"`, target: ErrSignature},
		{name: "input dtype", edit: func(m *onnxpb.Model) {
			m.Graph.Inputs[0].ElemType = onnxpb.DataTypeDouble
		}, want: "element type 11, want float32", target: ErrSignature},
		{name: "input rank", edit: func(m *onnxpb.Model) {
			m.Graph.Inputs[0].Dims = append(m.Graph.Inputs[0].Dims, onnxpb.FixedDim(1))
		}, want: "rank 3", target: ErrSignature},
		{name: "fixed batch", edit: func(m *onnxpb.Model) {
			m.Graph.Inputs[0].Dims[0] = onnxpb.FixedDim(8)
		}, want: "fixed batch dimension 8", target: ErrSignature},
		{name: "output name", edit: func(m *onnxpb.Model) {
			m.Graph.Outputs[0].Name = "score"
		}, want: `want exactly one output "logit"`, target: ErrSignature},
		{name: "output shape", edit: func(m *onnxpb.Model) {
			m.Graph.Outputs[0].Dims[1] = onnxpb.FixedDim(2)
		}, want: `"logit" has width 2, want 1`, target: ErrSignature},
		{name: "computed output shape", edit: func(m *onnxpb.Model) {
			w := make([]float32, 2*FeatureWidth)
			m.Graph.Initializers[0] = onnxpb.FloatTensor("w", []int64{2, FeatureWidth}, w)
		}, want: "shape [N, 2], want [N, 1]", target: ErrSignature},
		{name: "Conv", edit: func(m *onnxpb.Model) {
			m.Graph.Nodes = append([]onnxpb.Node{gemmNode("Conv")}, m.Graph.Nodes...)
		}, want: `operator "Conv" (node bad) is not supported`, target: ErrUnsupported},
		{name: "LSTM", edit: func(m *onnxpb.Model) {
			m.Graph.Nodes = append([]onnxpb.Node{gemmNode("LSTM")}, m.Graph.Nodes...)
		}, want: `operator "LSTM"`, target: ErrUnsupported},
		{name: "custom domain", edit: func(m *onnxpb.Model) {
			n := gemmNode("Relu")
			n.Domain = "com.example"
			m.Graph.Nodes = append([]onnxpb.Node{n}, m.Graph.Nodes...)
		}, want: `operator "com.example.Relu"`, target: ErrUnsupported},
		{name: "unknown attribute", edit: func(m *onnxpb.Model) {
			m.Graph.Nodes[0].Attributes = append(m.Graph.Nodes[0].Attributes, onnxpb.Attribute{Name: "axis", Type: onnxpb.AttrInt, I: 1})
		}, want: `attribute "axis"`, target: ErrUnsupported},
		{name: "transA", edit: func(m *onnxpb.Model) {
			m.Graph.Nodes[0].Attributes = append(m.Graph.Nodes[0].Attributes, onnxpb.Attribute{Name: "transA", Type: onnxpb.AttrInt, I: 1})
		}, want: "transA=1", target: ErrUnsupported},
		{name: "undefined input", edit: func(m *onnxpb.Model) {
			m.Graph.Nodes[0].Inputs[1] = "nope"
		}, want: `reads "nope"`, target: ErrUnsupported},
		{name: "shape mismatch", edit: func(m *onnxpb.Model) {
			m.Graph.Initializers[0] = onnxpb.FloatTensor("w", []int64{1, 100}, make([]float32, 100))
		}, want: "do not match", target: ErrUnsupported},
		{name: "truncated initializer", edit: func(m *onnxpb.Model) {
			m.Graph.Initializers[0].RawData = m.Graph.Initializers[0].RawData[:40]
		}, want: "raw_data has 40 bytes", target: ErrUnsupported},
		{name: "non-finite weight", edit: func(m *onnxpb.Model) {
			m.Graph.Initializers[1] = onnxpb.FloatTensor("b", []int64{1}, []float32{float32(posInf())})
		}, want: "non-finite", target: ErrUnsupported},
		{name: "no opset", edit: func(m *onnxpb.Model) {
			m.OpsetImports = nil
		}, want: "no default (ai.onnx) opset", target: ErrUnsupported},
		{name: "wrong feature scheme", edit: func(m *onnxpb.Model) {
			m.MetadataProps = []onnxpb.StringPair{{Key: "syntx.features", Value: "other-v9"}}
		}, want: `feature scheme "other-v9"`, target: ErrSignature},
		{name: "garbage", raw: []byte("this is not an onnx file"), want: "load onnx"},
		{name: "empty", raw: []byte{}, want: "no graph", target: ErrSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := tc.raw
			if data == nil {
				m := smallModel(FeatureWidth)
				tc.edit(m)
				data = m.Marshal()
			}
			_, err := LoadONNX(data)
			if err == nil {
				t.Fatal("LoadONNX accepted the file")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Fatalf("error %q does not wrap %v", err, tc.target)
			}
			if strings.ToLower(err.Error()[:1]) != err.Error()[:1] {
				t.Fatalf("error %q does not start in lower case", err)
			}
		})
	}
}

func TestLoadONNXRejectsExternalData(t *testing.T) {
	t.Parallel()
	// The encoder never writes external data, so flag the decoded tensor
	// the way the decoder does for data_location = EXTERNAL.
	dec, err := onnxpb.Unmarshal(smallModel(FeatureWidth).Marshal())
	if err != nil {
		t.Fatal(err)
	}
	dec.Graph.Initializers[0].External = true
	if _, err := compile(dec); err == nil || !strings.Contains(err.Error(), "externally") {
		t.Fatalf("compile with external data: %v", err)
	}
}

func posInf() float64 { return 1 / zero() }

func zero() float64 { return 0 }

// hiddenMatMulModel is a policy with MatMul ([in, out] weights), Sigmoid and
// Add: logit = Sigmoid(features·w1)·w2 + b.
func hiddenMatMulModel() *onnxpb.Model {
	m := smallModel(FeatureWidth)
	const h = 4
	m.Graph.Nodes = []onnxpb.Node{
		{Name: "mm1", OpType: "MatMul", Inputs: []string{InputName, "w1"}, Outputs: []string{"z"}},
		{Name: "act", OpType: "Sigmoid", Inputs: []string{"z"}, Outputs: []string{"s"}},
		{Name: "mm2", OpType: "MatMul", Inputs: []string{"s", "w2"}, Outputs: []string{"y"}},
		{Name: "add", OpType: "Add", Inputs: []string{"y", "b"}, Outputs: []string{OutputName}},
	}
	rng := newSplitMix(9)
	w1 := make([]float32, FeatureWidth*h)
	for i := range w1 {
		w1[i] = float32(rng.float64() - 0.5)
	}
	m.Graph.Initializers = []onnxpb.Tensor{
		onnxpb.FloatTensor("w1", []int64{FeatureWidth, h}, w1),
		onnxpb.FloatTensor("w2", []int64{h, 1}, []float32{1, -2, 0.5, 3}),
		onnxpb.FloatTensor("b", []int64{1}, []float32{-0.5}),
	}
	return m
}

func TestMatMulSigmoidAddModel(t *testing.T) {
	t.Parallel()
	n, err := LoadONNX(hiddenMatMulModel().Marshal())
	if err != nil {
		t.Fatal(err)
	}
	tg, ok := n.Target("w1")
	if !ok || !tg.FanInFanOut || tg.In != FeatureWidth || tg.Out != 4 {
		t.Fatalf("target w1 = %+v, %v", tg, ok)
	}
	const rows = 6
	x := randomRows(13, rows)
	assertClose(t, "native vs onnx-go", nativeForward(n, x, rows), onnxGoForward(t, n, x, rows), 1e-5)

	// LoRA on [in, out] weights: merged, unmerged and onnx-go agree.
	p := randomLoRA(t, n, 14, 2, 0.5)
	merged, err := n.Merge(p)
	if err != nil {
		t.Fatal(err)
	}
	unmerged := make([]float32, rows)
	if err := n.ForwardLoRA(x, rows, p, unmerged); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "unmerged vs merged", unmerged, nativeForward(merged, x, rows), 1e-5)
	assertClose(t, "merged vs onnx-go", nativeForward(merged, x, rows), onnxGoForward(t, merged, x, rows), 1e-5)

	// Adapters record fan_in_fan_out = true for such weights.
	cfg, _, err := encodeAdapter(n, p, "t")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(cfg, []byte(`"fan_in_fan_out": true`)) {
		t.Fatalf("config does not set fan_in_fan_out:\n%s", cfg)
	}
}

// TestComputedWeight covers a Gemm whose B is computed (Add of two
// constants) rather than an initializer.
func TestComputedWeight(t *testing.T) {
	t.Parallel()
	m := smallModel(FeatureWidth)
	w0 := make([]float32, FeatureWidth)
	w1 := make([]float32, FeatureWidth)
	for i := range w0 {
		w0[i] = float32(i%7) * 0.01
		w1[i] = -float32(i%5) * 0.02
	}
	m.Graph.Nodes = []onnxpb.Node{
		{Name: "sum", OpType: "Add", Inputs: []string{"w0", "w1"}, Outputs: []string{"w"}},
		{Name: "lin", OpType: "Gemm", Inputs: []string{InputName, "w", "b"}, Outputs: []string{OutputName},
			Attributes: []onnxpb.Attribute{{Name: "transB", Type: onnxpb.AttrInt, I: 1}, {Name: "alpha", Type: onnxpb.AttrFloat, F: 0.5}}},
	}
	m.Graph.Initializers = []onnxpb.Tensor{
		onnxpb.FloatTensor("w0", []int64{1, FeatureWidth}, w0),
		onnxpb.FloatTensor("w1", []int64{1, FeatureWidth}, w1),
		onnxpb.FloatTensor("b", []int64{}, []float32{0.5}),
	}
	n, err := LoadONNX(m.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Targets()) != 0 {
		t.Fatalf("constants used by Add are not LoRA targets, got %+v", n.Targets())
	}
	const rows = 4
	x := randomRows(17, rows)
	got := nativeForward(n, x, rows)
	for i := 0; i < rows; i++ {
		var want float64 = 0.5
		for k := 0; k < FeatureWidth; k++ {
			want += 0.5 * float64(x[i*FeatureWidth+k]) * float64(w0[k]+w1[k])
		}
		if d := float64(got[i]) - want; d > 1e-5 || d < -1e-5 {
			t.Fatalf("row %d: got %v, want %v", i, got[i], want)
		}
	}
	assertClose(t, "native vs onnx-go", got, onnxGoForward(t, n, x, rows), 1e-5)
}
