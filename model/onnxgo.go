package model

import (
	"fmt"
	"sync"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"gorgonia.org/tensor"
)

// This file holds what SyntX needs from github.com/owulveryck/onnx-go and
// the workarounds for its gorgonnx backend's defects, as of onnxGoChecked
// (onnxgo_test.go fails when go.mod moves to another version, and where a
// defect can be shown, when upstream fixes it):
//
//   - A Gemm whose C input already has the output's shape (a [1, n] bias
//     with a one-row batch) writes its result into C, so a constant bias
//     accumulates across runs: batches are padded to at least 2 rows
//     (onnxGoBucket). Test: TestUpstreamGemmAccumulatesIntoAOneRowC.
//   - gorgonnx names expression-graph nodes from a package-level counter
//     that it increments without synchronisation, so building two graphs
//     at once is a data race: graphs are built under gorgonnxBuildMu. Only
//     the race detector sees it, and it fails the test binary, so no test
//     shows it; check with go test -race on a new version.
//   - onnx-go panics on some malformed graphs instead of returning an
//     error (found by FuzzLoadONNX): newONNXGoInstance and run recover.
//   - Intermediate value_info entries become placeholders, and gorgonnx's
//     Gemm is given rank-2 initializers only: Network.onnxModel leaves
//     value_info out and writes every initializer as [rows, cols] (part of
//     the ONNX encoding, and so of the base model's hash: keep it even if
//     a new version no longer needs it).

// onnxGoChecked is the onnx-go version the workarounds were checked
// against.
const onnxGoChecked = "v0.5.0"

// onnxGoRunner runs an ONNX policy through onnx-go's gorgonnx backend.
//
// An onnx-go graph is stateful (inputs are set on its nodes, the expression
// graph is built for the first input shape) and not safe for concurrent
// use, so the runner keeps a pool of loaded instances per batch size and
// hands each to one caller at a time.
//
// Batches are padded with zero rows to a power of two of at least 2 rows:
// this bounds the number of instances, and it avoids a gorgonnx bug where a
// Gemm whose C already has the output's shape ([1, n] with one row) writes
// its result into C, so that a constant bias accumulates across runs.
type onnxGoRunner struct {
	data []byte

	mu   sync.Mutex
	free map[int][]*onnxGoInstance
}

// maxIdlePerBucket bounds the idle instances kept for one batch size.
const maxIdlePerBucket = 4

// gorgonnxBuildMu serialises the construction of onnx-go graphs across the
// process. gorgonnx names expression-graph nodes from a package-level counter
// that it increments without synchronisation when a graph runs for the first
// time, so building two graphs at once is a data race even when they share
// nothing. Instances are built and warmed up (first run) under this lock;
// later runs touch only their own graph.
var gorgonnxBuildMu sync.Mutex

type onnxGoInstance struct {
	model *onnx.Model
	graph *gorgonnx.Graph
	input onnx.DataCarrier
	rows  int
	x     []float32
}

func newONNXGoRunner(data []byte) *onnxGoRunner {
	return &onnxGoRunner{data: data, free: map[int][]*onnxGoInstance{}}
}

func onnxGoBucket(rows int) int {
	b := 2
	for b < rows {
		b *= 2
	}
	return b
}

// run computes the logits of rows feature rows.
func (r *onnxGoRunner) run(x []float32, rows int, out []float32) error {
	if rows == 0 {
		return nil
	}
	b := onnxGoBucket(rows)
	inst, err := r.get(b)
	if err != nil {
		return err
	}
	copy(inst.x, x[:rows*FeatureWidth])
	clear(inst.x[rows*FeatureWidth:])
	res, err := inst.run()
	if err != nil {
		// A failed run may leave the graph in any state: drop the instance.
		return err
	}
	copy(out[:rows], res[:rows])
	r.put(inst)
	return nil
}

func (r *onnxGoRunner) get(rows int) (*onnxGoInstance, error) {
	r.mu.Lock()
	if l := r.free[rows]; len(l) > 0 {
		inst := l[len(l)-1]
		r.free[rows] = l[:len(l)-1]
		r.mu.Unlock()
		return inst, nil
	}
	r.mu.Unlock()
	return newONNXGoInstance(r.data, rows)
}

func (r *onnxGoRunner) put(inst *onnxGoInstance) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.free[inst.rows]) < maxIdlePerBucket {
		r.free[inst.rows] = append(r.free[inst.rows], inst)
	}
}

// newONNXGoInstance decodes data with onnx-go for batches of rows rows.
// onnx-go panics on some malformed graphs; panics become errors.
func newONNXGoInstance(data []byte, rows int) (inst *onnxGoInstance, err error) {
	gorgonnxBuildMu.Lock()
	defer gorgonnxBuildMu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			inst, err = nil, fmt.Errorf("onnx-go panicked while loading the model: %v", p)
		}
	}()
	g := gorgonnx.NewGraph()
	m := onnx.NewModel(g)
	if err := m.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("onnx-go cannot load the model: %w", err)
	}
	node, ok := m.GetNodeByName(InputName)
	if !ok {
		return nil, fmt.Errorf("onnx-go: model has no node %q", InputName)
	}
	dc, ok := node.(onnx.DataCarrier)
	if !ok {
		return nil, fmt.Errorf("onnx-go: input %q carries no data", InputName)
	}
	if len(m.Output) != 1 {
		return nil, fmt.Errorf("onnx-go: model has %d outputs, want 1", len(m.Output))
	}
	inst = &onnxGoInstance{model: m, graph: g, input: dc, rows: rows, x: make([]float32, rows*FeatureWidth)}
	// Warm up: the first run builds the expression graph.
	if _, err := inst.run(); err != nil {
		return nil, err
	}
	return inst, nil
}

// run executes the graph on inst.x and returns the output column.
func (inst *onnxGoInstance) run() (out []float32, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("onnx-go panicked while running the model: %v", p)
		}
	}()
	if err := inst.input.SetTensor(tensor.New(tensor.WithShape(inst.rows, FeatureWidth), tensor.WithBacking(inst.x))); err != nil {
		return nil, fmt.Errorf("onnx-go: set input: %w", err)
	}
	if err := inst.graph.Run(); err != nil {
		return nil, fmt.Errorf("onnx-go cannot run the model: %w", err)
	}
	outs, err := inst.model.GetOutputTensors()
	if err != nil {
		return nil, fmt.Errorf("onnx-go: %w", err)
	}
	if len(outs) != 1 || outs[0] == nil {
		return nil, fmt.Errorf("onnx-go returned %d outputs, want 1", len(outs))
	}
	t := outs[0]
	if s := t.Shape(); len(s) != 2 || s[0] != inst.rows || s[1] != 1 {
		return nil, fmt.Errorf("onnx-go output has shape %v, want [%d 1]", t.Shape(), inst.rows)
	}
	data, ok := t.Data().([]float32)
	if !ok || len(data) != inst.rows {
		return nil, fmt.Errorf("onnx-go output is %T, want %d float32 values", t.Data(), inst.rows)
	}
	return data, nil
}
