package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/model/onnxpb"
)

// MaxONNXSize bounds the ONNX files LoadONNX accepts.
const MaxONNXSize = 256 << 20

// Metadata keys SyntX writes into ONNX files.
const (
	metaFeatures = "syntx.features"
	metaBaseHash = "syntx.base_sha256"
	metaAdapter  = "syntx.adapter"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ReadONNXFile reads a model file named by policy.model through safeio: a
// regular file of at most MaxONNXSize (a FIFO or a device such as
// /dev/zero is refused without being read).
func ReadONNXFile(path string) ([]byte, error) {
	b, err := safeio.ReadFile(path, MaxONNXSize)
	if err != nil {
		return nil, fmt.Errorf("policy.model: %w", err)
	}
	return b, nil
}

// LoadONNX decodes an ONNX policy, checks it, and loads it through onnx-go
// (gorgonnx backend) as a second opinion:
//
//   - the signature must be one input "features" float32 [N, FeatureWidth]
//     (N symbolic) and one output "logit" float32 [N, 1];
//   - every node must be Gemm, MatMul, Add, Relu or Sigmoid in the default
//     domain, with supported attributes, in topological order, with shapes
//     that agree;
//   - initializers must be float32, at most rank 2, finite, stored inline;
//   - onnx-go must load and run the graph, and its output on a probe batch
//     must match the native forward pass.
//
// Rank-0 and rank-1 initializers are read as [1, n] (gorgonnx's Gemm needs a
// rank-2 C, and this keeps its broadcasting unambiguous). Errors name the
// problem and wrap ErrSignature or ErrUnsupported where they apply.
func LoadONNX(data []byte) (*Network, error) {
	if len(data) > MaxONNXSize {
		return nil, fmt.Errorf("load onnx: file has %d bytes, more than the %d allowed", len(data), MaxONNXSize)
	}
	m, err := onnxpb.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("load onnx: %w", err)
	}
	n, err := compile(m)
	if err != nil {
		return nil, fmt.Errorf("load onnx: %w", err)
	}
	n.baseHash = sha256Hex(data)
	if err := n.verifyWithONNXGo(); err != nil {
		return nil, fmt.Errorf("load onnx: %w", err)
	}
	return n, nil
}

// MarshalONNX encodes the network (with its current, possibly merged,
// weights) as an ONNX model. The encoding is deterministic.
func (n *Network) MarshalONNX() []byte {
	return n.onnxModel().Marshal()
}

// ExportONNX writes the network as a standalone ONNX file. A merged network
// records its base hash and adapter version in the model's metadata.
func (n *Network) ExportONNX(w io.Writer) error {
	if _, err := w.Write(n.MarshalONNX()); err != nil {
		return fmt.Errorf("export onnx: %w", err)
	}
	return nil
}

func (n *Network) onnxModel() *onnxpb.Model {
	m := *n.src
	g := *n.src.Graph
	g.Initializers = make([]onnxpb.Tensor, len(n.inits))
	for i, in := range n.inits {
		g.Initializers[i] = onnxpb.FloatTensor(in.name, []int64{int64(in.m.Rows), int64(in.m.Cols)}, in.m.Data)
	}
	// Inputs: only the features input (initializers listed as inputs in
	// old IR versions are dropped).
	for _, in := range n.src.Graph.Inputs {
		if in.Name == InputName {
			g.Inputs = []onnxpb.ValueInfo{in}
		}
	}
	// Intermediate value_info is optional and onnx-go turns every entry
	// into a placeholder: leave it out.
	g.ValueInfo = nil
	m.Graph = &g
	meta := slices.Clone(n.src.MetadataProps)
	set := func(k, v string) {
		for i := range meta {
			if meta[i].Key == k {
				meta[i].Value = v
				return
			}
		}
		meta = append(meta, onnxpb.StringPair{Key: k, Value: v})
	}
	set(metaFeatures, FeatureScheme)
	if n.adapterVersion != "" {
		set(metaBaseHash, n.baseHash)
		set(metaAdapter, n.adapterVersion)
	}
	m.MetadataProps = meta
	return &m
}

// probeBatch returns a deterministic batch of feature rows used to compare
// the native forward pass with onnx-go: featurised candidates plus random
// sparse rows.
func probeBatch() ([]float32, int) {
	cands := []Candidate{
		{RuleID: "go.sql-injection", Category: "security", Language: "go", Prior: 0.8, Context: []string{"anc:call_expression", "tok:identifier"}, EditSize: 12, Persona: "security-reviewer"},
		{RuleID: "go.range-copy", Category: "performance", Language: "go", Prior: 0.3, Context: []string{"anc:for_statement"}, EditSize: 3, FileRole: "test"},
		{RuleID: "py.bare-except", Category: "correctness", Language: "python", Prior: 0.55, EditSize: 40, FileRole: "generated", Persona: "developer"},
	}
	const randomRows = 3
	rows := len(cands) + randomRows
	x := make([]float32, rows*FeatureWidth)
	for i, c := range cands {
		Featurize(c, x[i*FeatureWidth:(i+1)*FeatureWidth])
	}
	rng := newSplitMix(0x5eed)
	for i := len(cands); i < rows; i++ {
		row := x[i*FeatureWidth : (i+1)*FeatureWidth]
		row[SlotPrior] = float32(4*rng.float64() - 2)
		row[SlotBias] = 1
		for k := 0; k < 32; k++ {
			row[int(rng.next()%FeatureWidth)] = float32(2*rng.float64() - 1)
		}
	}
	return x, rows
}

// verifyWithONNXGo loads the network's ONNX encoding through onnx-go, runs
// the probe batch on both engines and compares.
func (n *Network) verifyWithONNXGo() error {
	r := newONNXGoRunner(n.MarshalONNX())
	x, rows := probeBatch()
	want := make([]float32, rows)
	got := make([]float32, rows)
	if err := r.run(x, rows, got); err != nil {
		return err
	}
	n.Forward(x, rows, want)
	for i := range want {
		if d := math.Abs(float64(want[i]) - float64(got[i])); !(d <= 1e-4*max(1, math.Abs(float64(got[i])))) {
			return fmt.Errorf("%w: native forward pass and onnx-go disagree on probe row %d: %v vs %v", ErrUnsupported, i, want[i], got[i])
		}
	}
	return nil
}
