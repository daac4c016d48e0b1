package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/syntx/syntx/model/onnxpb"
)

// Names of the policy graph's input and output.
const (
	InputName  = "features"
	OutputName = "logit"
)

// Limits applied to every graph SyntX loads.
const (
	maxNodes      = 1024
	maxParameters = 1 << 24 // float32 values over all initializers
	maxCols       = 1 << 16
)

// ErrSignature is wrapped by errors about a graph's input or output.
var ErrSignature = errors.New("wrong model signature")

// ErrUnsupported is wrapped by errors about operators, attributes or
// encodings SyntX does not run.
var ErrUnsupported = errors.New("unsupported model")

// supportedOps lists the operators a policy graph may use: the ones gorgonnx
// and the native forward pass both run.
var supportedOps = map[string]opKind{
	"Gemm":    opGemm,
	"MatMul":  opMatMul,
	"Add":     opAdd,
	"Relu":    opRelu,
	"Sigmoid": opSigmoid,
}

// SupportedOps returns the operator types a policy graph may use.
func SupportedOps() []string {
	return []string{"Add", "Gemm", "MatMul", "Relu", "Sigmoid"}
}

// Matrix is a dense row-major float32 matrix.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix returns a zero rows×cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// At returns m[i, j].
func (m Matrix) At(i, j int) float32 { return m.Data[i*m.Cols+j] }

// Clone returns a deep copy of m.
func (m Matrix) Clone() Matrix {
	return Matrix{Rows: m.Rows, Cols: m.Cols, Data: slices.Clone(m.Data)}
}

type opKind uint8

const (
	opGemm opKind = iota + 1
	opMatMul
	opAdd
	opRelu
	opSigmoid
)

func (o opKind) String() string {
	switch o {
	case opGemm:
		return "Gemm"
	case opMatMul:
		return "MatMul"
	case opAdd:
		return "Add"
	case opRelu:
		return "Relu"
	case opSigmoid:
		return "Sigmoid"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

type valueKind uint8

const (
	valInput valueKind = iota + 1
	valConst
	valComputed
)

// value is one tensor of the graph. All values are rank 2 once loaded:
// rank-0 and rank-1 initializers are read as [1, n] (numpy broadcasting
// gives the same results for the operators we run). batch reports that the
// row count is the batch size N; otherwise rows is fixed.
type value struct {
	name     string
	kind     valueKind
	batch    bool
	rows     int
	cols     int
	origRank int
	init     int // index into Network.inits for valConst
}

type node struct {
	name   string
	op     opKind
	in     []int // value ids: Gemm A, B, C; MatMul A, B; Add A, B; Relu/Sigmoid X
	out    int
	alpha  float32
	beta   float32
	transB bool
	// kmajor is the constant B operand of Gemm/MatMul laid out as [K, out]
	// rows (the transpose of a transB=1 weight), so that a sparse row of A
	// adds whole contiguous rows; nil when B is not constant.
	kmajor []float32
	// target is the index into Network.targets of the LoRA target whose
	// weight is this node's B operand, or -1.
	target int
}

// initializer is a named constant of the graph.
type initializer struct {
	name string
	m    Matrix
}

// Target is a weight matrix that LoRA adapters may modify: the constant B
// operand of Gemm/MatMul nodes.
type Target struct {
	// Module is the PEFT target module name ("fc1" for weight "fc1.weight";
	// the weight name itself when it has no ".weight" suffix).
	Module string
	// Weight is the ONNX initializer name.
	Weight string
	// In and Out are the layer's fan-in and fan-out; LoRA A is [r, In] and
	// B is [Out, r], as in PEFT.
	In, Out int
	// FanInFanOut reports that the initializer is stored [In, Out] (MatMul,
	// or Gemm with transB=0) rather than PyTorch's [Out, In] (Gemm with
	// transB=1); the merge transposes B·A accordingly.
	FanInFanOut bool
}

// Network is a compiled policy graph: weights, topology and the native
// forward pass. A Network is immutable after construction and safe for
// concurrent use.
type Network struct {
	src     *onnxpb.Model // topology and metadata; initializers are in inits
	values  []value
	nodes   []node
	inits   []initializer
	byName  map[string]int // value name -> id
	input   int
	output  int
	targets []Target

	baseHash       string // hex SHA-256 of the base ONNX bytes
	adapterVersion string
	rank           int
	loraParams     int

	pool sync.Pool // *workspace
}

// compile validates an ONNX model against the policy signature and the
// supported subset and builds a Network. Initializers are copied.
func compile(m *onnxpb.Model) (*Network, error) {
	if err := checkModel(m); err != nil {
		return nil, err
	}
	g := m.Graph
	n := &Network{byName: map[string]int{}, input: -1, output: -1}
	if err := n.addInitializers(g.Initializers); err != nil {
		return nil, err
	}
	if err := n.addInput(g.Inputs); err != nil {
		return nil, err
	}
	// Nodes, in the order given: ONNX requires a topological order.
	for i := range g.Nodes {
		nd, err := n.compileNode(i, &g.Nodes[i])
		if err != nil {
			return nil, err
		}
		n.nodes = append(n.nodes, nd)
	}
	if err := n.setOutput(g.Outputs); err != nil {
		return nil, err
	}
	if err := n.findTargets(); err != nil {
		return nil, err
	}
	n.src = stripInitializers(m)
	return n, nil
}

// checkModel checks what a model must be before its graph is compiled:
// supported fields, opset and feature scheme, and a graph of 1 to maxNodes
// nodes.
func checkModel(m *onnxpb.Model) error {
	if m == nil || m.Graph == nil {
		return fmt.Errorf("%w: model has no graph", ErrSignature)
	}
	if len(m.Unsupported) > 0 {
		return fmt.Errorf("%w: model uses %v", ErrUnsupported, m.Unsupported)
	}
	if err := checkOpset(m); err != nil {
		return err
	}
	for _, p := range m.MetadataProps {
		if p.Key == "syntx.features" && p.Value != FeatureScheme {
			return fmt.Errorf("%w: model expects feature scheme %q, this build computes %q", ErrSignature, p.Value, FeatureScheme)
		}
	}
	g := m.Graph
	if len(g.Unsupported) > 0 {
		return fmt.Errorf("%w: graph uses %v", ErrUnsupported, g.Unsupported)
	}
	if len(g.Nodes) == 0 {
		return fmt.Errorf("%w: graph has no nodes", ErrSignature)
	}
	if len(g.Nodes) > maxNodes {
		return fmt.Errorf("%w: graph has %d nodes, at most %d are allowed", ErrUnsupported, len(g.Nodes), maxNodes)
	}
	return nil
}

// addInitializers adds the graph's constant tensors: named once, float32,
// at most rank 2 (rank 0 and 1 read as one row), finite, at most maxCols
// columns and maxParameters values in all.
func (n *Network) addInitializers(inits []onnxpb.Tensor) error {
	total := 0
	for i := range inits {
		t := &inits[i]
		if t.Name == "" {
			return fmt.Errorf("%w: initializer %d has no name", ErrUnsupported, i)
		}
		if _, dup := n.byName[t.Name]; dup {
			return fmt.Errorf("%w: initializer %q is defined twice", ErrUnsupported, t.Name)
		}
		if len(t.Dims) > 2 {
			return fmt.Errorf("%w: initializer %q has rank %d, at most 2 is supported", ErrUnsupported, t.Name, len(t.Dims))
		}
		cnt, err := onnxpb.NumElements(t.Dims)
		if err != nil {
			return fmt.Errorf("%w: initializer %q: %w", ErrUnsupported, t.Name, err)
		}
		if cnt == 0 {
			return fmt.Errorf("%w: initializer %q is empty", ErrUnsupported, t.Name)
		}
		total += cnt
		if total > maxParameters {
			return fmt.Errorf("%w: initializers hold more than %d values", ErrUnsupported, maxParameters)
		}
		data, err := t.Floats()
		if err != nil {
			return fmt.Errorf("%w: initializer %w", ErrUnsupported, err)
		}
		for _, v := range data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%w: initializer %q holds a non-finite value", ErrUnsupported, t.Name)
			}
		}
		rows, cols := 1, cnt
		if len(t.Dims) == 2 {
			rows, cols = int(t.Dims[0]), int(t.Dims[1])
		}
		if cols > maxCols {
			return fmt.Errorf("%w: initializer %q has %d columns, at most %d are supported", ErrUnsupported, t.Name, cols, maxCols)
		}
		n.inits = append(n.inits, initializer{name: t.Name, m: Matrix{Rows: rows, Cols: cols, Data: data}})
		n.byName[t.Name] = len(n.values)
		n.values = append(n.values, value{name: t.Name, kind: valConst, rows: rows, cols: cols, origRank: len(t.Dims), init: len(n.inits) - 1})
	}
	return nil
}

// addInput adds the graph's one real input, "features" [N, FeatureWidth]
// (initializers may be listed as inputs too, IR < 4 style).
func (n *Network) addInput(inputs []onnxpb.ValueInfo) error {
	var real []string
	for _, in := range inputs {
		if _, isInit := n.byName[in.Name]; isInit {
			continue
		}
		real = append(real, in.Name)
	}
	if len(real) != 1 || real[0] != InputName {
		return fmt.Errorf("%w: graph inputs are %q, want exactly one input %q", ErrSignature, real, InputName)
	}
	for i := range inputs {
		if inputs[i].Name == InputName {
			if err := checkValueInfo(&inputs[i], FeatureWidth); err != nil {
				return err
			}
		}
	}
	n.input = len(n.values)
	n.byName[InputName] = n.input
	n.values = append(n.values, value{name: InputName, kind: valInput, batch: true, cols: FeatureWidth, origRank: 2})
	return nil
}

// setOutput checks the graph's one output, "logit" [N, 1], which a node
// must compute.
func (n *Network) setOutput(outputs []onnxpb.ValueInfo) error {
	if len(outputs) != 1 || outputs[0].Name != OutputName {
		names := make([]string, len(outputs))
		for i := range outputs {
			names[i] = outputs[i].Name
		}
		return fmt.Errorf("%w: graph outputs are %q, want exactly one output %q", ErrSignature, names, OutputName)
	}
	if err := checkValueInfo(&outputs[0], 1); err != nil {
		return err
	}
	out, ok := n.byName[OutputName]
	if !ok || n.values[out].kind != valComputed {
		return fmt.Errorf("%w: no node computes output %q", ErrSignature, OutputName)
	}
	ov := n.values[out]
	if !ov.batch || ov.cols != 1 || ov.origRank != 2 {
		return fmt.Errorf("%w: output %q has shape %s, want [N, 1]", ErrSignature, OutputName, ov.shape())
	}
	n.output = out
	return nil
}

func (v value) shape() string {
	r := strconv.Itoa(v.rows)
	if v.batch {
		r = "N"
	}
	return "[" + r + ", " + strconv.Itoa(v.cols) + "]"
}

func checkOpset(m *onnxpb.Model) error {
	for _, o := range m.OpsetImports {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			if o.Version < 7 {
				return fmt.Errorf("%w: default opset version %d, at least 7 is required", ErrUnsupported, o.Version)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: model imports no default (ai.onnx) opset", ErrUnsupported)
}

// checkValueInfo checks that v is float32 [N, cols] with N symbolic (or
// unset).
func checkValueInfo(v *onnxpb.ValueInfo, cols int) error {
	if v.NotTensor {
		return fmt.Errorf("%w: %q is not a tensor", ErrSignature, v.Name)
	}
	if v.HasType && v.ElemType != onnxpb.DataTypeFloat {
		return fmt.Errorf("%w: %q has element type %d, want float32 (1)", ErrSignature, v.Name, v.ElemType)
	}
	if !v.HasShape {
		return nil
	}
	if len(v.Dims) != 2 {
		return fmt.Errorf("%w: %q has rank %d, want 2 ([N, %d])", ErrSignature, v.Name, len(v.Dims), cols)
	}
	if v.Dims[0].HasValue {
		return fmt.Errorf("%w: %q has a fixed batch dimension %d, want a symbolic one", ErrSignature, v.Name, v.Dims[0].Value)
	}
	if d := v.Dims[1]; !d.HasValue || d.Value != int64(cols) {
		got := d.Param
		if d.HasValue {
			got = strconv.FormatInt(d.Value, 10)
		}
		if got == "" {
			got = "?"
		}
		return fmt.Errorf("%w: %q has width %s, want %d", ErrSignature, v.Name, got, cols)
	}
	return nil
}

func (n *Network) compileNode(i int, p *onnxpb.Node) (node, error) {
	label := p.Name
	if label == "" {
		label = "#" + strconv.Itoa(i)
	}
	op, ok := supportedOps[p.OpType]
	if !ok || (p.Domain != "" && p.Domain != "ai.onnx") {
		name := p.OpType
		if p.Domain != "" {
			name = p.Domain + "." + name
		}
		return node{}, fmt.Errorf("%w: operator %q (node %s) is not supported; supported operators are %v", ErrUnsupported, name, label, SupportedOps())
	}
	nd := node{name: label, op: op, alpha: 1, beta: 1, target: -1}
	for _, a := range p.Attributes {
		if a.RefAttr != "" || a.HasNested {
			return node{}, fmt.Errorf("%w: node %s: attribute %q has an unsupported value", ErrUnsupported, label, a.Name)
		}
		switch {
		case op == opGemm && a.Name == "alpha" && a.Type == onnxpb.AttrFloat:
			nd.alpha = a.F
		case op == opGemm && a.Name == "beta" && a.Type == onnxpb.AttrFloat:
			nd.beta = a.F
		case op == opGemm && a.Name == "transB" && a.Type == onnxpb.AttrInt:
			nd.transB = a.I != 0
		case op == opGemm && a.Name == "transA" && a.Type == onnxpb.AttrInt:
			if a.I != 0 {
				return node{}, fmt.Errorf("%w: node %s: Gemm with transA=1 is not supported", ErrUnsupported, label)
			}
		default:
			return node{}, fmt.Errorf("%w: node %s: %s attribute %q (type %d) is not supported", ErrUnsupported, label, p.OpType, a.Name, a.Type)
		}
	}
	if math.IsNaN(float64(nd.alpha)) || math.IsInf(float64(nd.alpha), 0) || math.IsNaN(float64(nd.beta)) || math.IsInf(float64(nd.beta), 0) {
		return node{}, fmt.Errorf("%w: node %s: non-finite alpha or beta", ErrUnsupported, label)
	}
	arity := map[opKind]int{opGemm: 3, opMatMul: 2, opAdd: 2, opRelu: 1, opSigmoid: 1}[op]
	if len(p.Inputs) != arity {
		if op == opGemm && len(p.Inputs) == 2 {
			return node{}, fmt.Errorf("%w: node %s: Gemm without C is not supported by the onnx-go runtime; add a zero bias", ErrUnsupported, label)
		}
		return node{}, fmt.Errorf("%w: node %s: %s has %d inputs, want %d", ErrUnsupported, label, p.OpType, len(p.Inputs), arity)
	}
	if len(p.Outputs) != 1 || p.Outputs[0] == "" {
		return node{}, fmt.Errorf("%w: node %s: want exactly one output", ErrUnsupported, label)
	}
	for _, name := range p.Inputs {
		id, ok := n.byName[name]
		if !ok {
			return node{}, fmt.Errorf("%w: node %s reads %q, which is not defined before it (nodes must be in topological order)", ErrUnsupported, label, name)
		}
		nd.in = append(nd.in, id)
	}
	if _, dup := n.byName[p.Outputs[0]]; dup {
		return node{}, fmt.Errorf("%w: node %s: value %q is defined twice", ErrUnsupported, label, p.Outputs[0])
	}
	out, err := n.inferShape(&nd)
	if err != nil {
		return node{}, err
	}
	out.name = p.Outputs[0]
	out.kind = valComputed
	nd.out = len(n.values)
	n.byName[out.name] = nd.out
	n.values = append(n.values, out)

	if op == opGemm || op == opMatMul {
		b := n.values[nd.in[1]]
		if b.kind == valConst {
			nd.kmajor = kMajor(n.inits[b.init].m, nd.transB)
		}
	}
	return nd, nil
}

// inferShape checks operand shapes and returns the output value's shape.
func (n *Network) inferShape(nd *node) (value, error) {
	in := func(i int) value { return n.values[nd.in[i]] }
	switch nd.op {
	case opGemm, opMatMul:
		a, b := in(0), in(1)
		if a.origRank != 2 || b.origRank != 2 {
			return value{}, fmt.Errorf("%w: node %s: %s operands must be rank 2, got %s and %s", ErrUnsupported, nd.name, nd.op, rankStr(a), rankStr(b))
		}
		if b.batch {
			return value{}, fmt.Errorf("%w: node %s: %s operand B must not depend on the batch", ErrUnsupported, nd.name, nd.op)
		}
		k, outCols := b.rows, b.cols
		if nd.transB {
			k, outCols = b.cols, b.rows
		}
		if a.cols != k {
			return value{}, fmt.Errorf("%w: node %s: %s shapes %s and %s (transB=%v) do not match", ErrUnsupported, nd.name, nd.op, a.shape(), b.shape(), nd.transB)
		}
		out := value{batch: a.batch, rows: a.rows, cols: outCols, origRank: 2}
		if nd.op == opGemm {
			c := in(2)
			if c.origRank > 2 {
				return value{}, fmt.Errorf("%w: node %s: Gemm C has rank %d", ErrUnsupported, nd.name, c.origRank)
			}
			okCols := c.cols == outCols || c.cols == 1
			okRows := (c.batch && a.batch) || (!c.batch && (c.rows == 1 || (!a.batch && c.rows == a.rows)))
			if !okCols || !okRows {
				return value{}, fmt.Errorf("%w: node %s: Gemm C with shape %s does not broadcast to %s", ErrUnsupported, nd.name, c.shape(), out.shape())
			}
		}
		return out, nil
	case opAdd:
		a, b := in(0), in(1)
		out := value{origRank: max(a.origRank, b.origRank)}
		switch {
		case a.batch && b.batch:
			out.batch = true
		case a.batch && b.rows == 1, b.batch && a.rows == 1:
			out.batch = true
		case a.batch || b.batch:
			return value{}, fmt.Errorf("%w: node %s: Add shapes %s and %s do not broadcast", ErrUnsupported, nd.name, a.shape(), b.shape())
		case a.rows == b.rows || b.rows == 1:
			out.rows = a.rows
		case a.rows == 1:
			out.rows = b.rows
		default:
			return value{}, fmt.Errorf("%w: node %s: Add shapes %s and %s do not broadcast", ErrUnsupported, nd.name, a.shape(), b.shape())
		}
		switch {
		case a.cols == b.cols || b.cols == 1:
			out.cols = a.cols
		case a.cols == 1:
			out.cols = b.cols
		default:
			return value{}, fmt.Errorf("%w: node %s: Add shapes %s and %s do not broadcast", ErrUnsupported, nd.name, a.shape(), b.shape())
		}
		return out, nil
	default: // Relu, Sigmoid
		a := in(0)
		return value{batch: a.batch, rows: a.rows, cols: a.cols, origRank: a.origRank}, nil
	}
}

func rankStr(v value) string { return "rank " + strconv.Itoa(v.origRank) }

// kMajor returns B laid out as [K, out] rows: a copy of B when transB is
// false, its transpose otherwise.
func kMajor(b Matrix, transB bool) []float32 {
	if !transB {
		return slices.Clone(b.Data)
	}
	t := make([]float32, len(b.Data))
	for i := 0; i < b.Rows; i++ {
		for j := 0; j < b.Cols; j++ {
			t[j*b.Rows+i] = b.Data[i*b.Cols+j]
		}
	}
	return t
}

// findTargets lists the LoRA-eligible weights: constants used only as the B
// operand of Gemm/MatMul nodes, all with the same orientation.
func (n *Network) findTargets() error {
	candidate := map[int]*Target{}
	var order []int
	bad := map[int]bool{}
	for _, nd := range n.nodes {
		for pos, id := range nd.in {
			v := n.values[id]
			if v.kind != valConst {
				continue
			}
			isB := (nd.op == opGemm || nd.op == opMatMul) && pos == 1
			if !isB {
				bad[id] = true
				continue
			}
			in, out := v.rows, v.cols
			if nd.transB {
				in, out = v.cols, v.rows
			}
			t := &Target{Weight: v.name, In: in, Out: out, FanInFanOut: !nd.transB}
			if prev, ok := candidate[id]; ok {
				if *prev != *t {
					bad[id] = true
				}
				continue
			}
			candidate[id] = t
			order = append(order, id)
		}
	}
	seen := map[string]bool{}
	for _, id := range order {
		if bad[id] {
			continue
		}
		t := candidate[id]
		t.Module = moduleName(t.Weight)
		if seen[t.Module] {
			return fmt.Errorf("%w: two weights map to LoRA module %q", ErrUnsupported, t.Module)
		}
		seen[t.Module] = true
		n.targets = append(n.targets, *t)
	}
	slices.SortFunc(n.targets, func(a, b Target) int {
		switch {
		case a.Module < b.Module:
			return -1
		case a.Module > b.Module:
			return 1
		}
		return 0
	})
	for i := range n.nodes {
		nd := &n.nodes[i]
		if nd.op != opGemm && nd.op != opMatMul {
			continue
		}
		name := n.values[nd.in[1]].name
		for ti, t := range n.targets {
			if t.Weight == name {
				nd.target = ti
			}
		}
	}
	return nil
}

// moduleName maps an initializer name to a PEFT module name: "fc1.weight"
// becomes "fc1"; other names are kept.
func moduleName(weight string) string {
	const suffix = ".weight"
	if len(weight) > len(suffix) && weight[len(weight)-len(suffix):] == suffix {
		return weight[:len(weight)-len(suffix)]
	}
	return weight
}

// stripInitializers returns a shallow copy of m whose graph has no
// initializers (the Network keeps them as matrices).
func stripInitializers(m *onnxpb.Model) *onnxpb.Model {
	c := *m
	g := *m.Graph
	g.Initializers = nil
	c.Graph = &g
	c.MetadataProps = slices.Clone(m.MetadataProps)
	return &c
}

// Targets returns the weights LoRA adapters may target, sorted by module
// name.
func (n *Network) Targets() []Target { return slices.Clone(n.targets) }

// Target returns the target with the given module or initializer name.
func (n *Network) Target(name string) (Target, bool) {
	for _, t := range n.targets {
		if t.Module == name || t.Weight == name {
			return t, true
		}
	}
	return Target{}, false
}

// Weight returns a copy of the named initializer as a matrix (rank-1
// initializers are [1, n]).
func (n *Network) Weight(name string) (Matrix, bool) {
	for _, in := range n.inits {
		if in.name == name {
			return in.m.Clone(), true
		}
	}
	return Matrix{}, false
}

// WeightNames returns the initializer names in graph order.
func (n *Network) WeightNames() []string {
	out := make([]string, len(n.inits))
	for i, in := range n.inits {
		out[i] = in.name
	}
	return out
}

// NumParams returns the number of float32 values in the network's
// initializers.
func (n *Network) NumParams() int {
	t := 0
	for _, in := range n.inits {
		t += len(in.m.Data)
	}
	return t
}

// Width returns the network's input width (FeatureWidth).
func (n *Network) Width() int { return n.values[n.input].cols }
