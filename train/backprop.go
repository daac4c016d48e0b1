package train

import (
	"fmt"

	"github.com/syntx/syntx/model"
)

// layout maps a LoRA parameter set to one flat float64 vector: for each
// layer in order, lora_A row-major, then lora_B row-major. Gradients and
// the optimiser's state use the same layout.
type layout struct {
	modules []string
	offA    []int // start of layer i's A
	offB    []int // start of layer i's B
	n       int
}

func newLayout(p *model.LoRA) layout {
	var l layout
	for _, ly := range p.Layers {
		l.modules = append(l.modules, ly.Module)
		l.offA = append(l.offA, l.n)
		l.n += len(ly.A.Data)
		l.offB = append(l.offB, l.n)
		l.n += len(ly.B.Data)
	}
	return l
}

// flatten copies p's values into theta.
func (l layout) flatten(p *model.LoRA, theta []float64) {
	for i, ly := range p.Layers {
		for k, v := range ly.A.Data {
			theta[l.offA[i]+k] = float64(v)
		}
		for k, v := range ly.B.Data {
			theta[l.offB[i]+k] = float64(v)
		}
	}
}

// unflatten writes theta into p (rounding to float32).
func (l layout) unflatten(theta []float64, p *model.LoRA) {
	for i := range p.Layers {
		ly := &p.Layers[i]
		for k := range ly.A.Data {
			ly.A.Data[k] = float32(theta[l.offA[i]+k])
		}
		for k := range ly.B.Data {
			ly.B.Data[k] = float32(theta[l.offB[i]+k])
		}
	}
}

// sparseRows lists the non-zero columns of the input rows of a batch: row
// i's columns are idx[start[i]:start[i+1]].
type sparseRows struct {
	idx   []int32
	start []int32
}

// backprop is a reverse-mode pass over a Network's node list. It takes the
// values a model.Trace recorded and the gradient of a loss with respect to
// the output logits, and accumulates the gradient with respect to every
// LoRA parameter. It handles every operator the forward pass runs (Gemm
// with alpha, beta, transB and a broadcast C; MatMul; Add with numpy
// broadcasting; Relu; Sigmoid), so it is not tied to the base network's
// shape. A backprop is immutable and safe for concurrent use.
type backprop struct {
	net    *model.Network
	nodes  []model.Node
	input  string
	output string
	consts map[string]bool
	uses   map[string]int // module -> number of nodes using it
}

func newBackprop(net *model.Network) *backprop {
	bp := &backprop{net: net, nodes: net.Nodes(), input: model.InputName, output: model.OutputName,
		consts: map[string]bool{}, uses: map[string]int{}}
	for _, w := range net.WeightNames() {
		bp.consts[w] = true
	}
	for _, nd := range bp.nodes {
		if nd.Module != "" {
			bp.uses[nd.Module]++
		}
	}
	return bp
}

// computed reports whether a value is a node output (and so may carry a
// gradient towards LoRA parameters).
func (bp *backprop) computed(name string) bool {
	return name != bp.input && !bp.consts[name]
}

// backward accumulates into grad (layout l of p) the gradient of a loss
// whose derivative with respect to the output logits of trace t is dz
// (one value per row). nz lists the non-zero columns of the input rows.
func (bp *backprop) backward(t *model.Trace, nz *sparseRows, dz []float64, p *model.LoRA, l layout, grad []float64) error {
	if len(dz) != t.Rows() {
		panic(fmt.Sprintf("train: backward: %d output gradients for %d rows", len(dz), t.Rows()))
	}
	pass := &backwardPass{bp: bp, t: t, nz: nz, p: p, l: l, grad: grad, scale: float32(p.Scale()),
		layerOf: make(map[string]int, len(p.Layers)), grads: map[string][]float64{bp.output: dz}}
	for i, ly := range p.Layers {
		pass.layerOf[ly.Module] = i
	}
	for ni := len(bp.nodes) - 1; ni >= 0; ni-- {
		nd := bp.nodes[ni]
		g := pass.grads[nd.Output]
		if g == nil {
			continue
		}
		if err := pass.node(nd, g, pass.val(nd.Output)); err != nil {
			return err
		}
	}
	return nil
}

// backwardPass is the state of one backward call: the gradient of the loss
// with respect to each value reached so far (grads), and where the LoRA
// parameters' gradient goes (grad, in layout l of p).
type backwardPass struct {
	bp      *backprop
	t       *model.Trace
	nz      *sparseRows
	p       *model.LoRA
	l       layout
	grad    []float64
	scale   float32
	layerOf map[string]int // module -> index in p.Layers
	grads   map[string][]float64
}

// val is the value the trace recorded for name.
func (pass *backwardPass) val(name string) model.Matrix {
	m, ok := pass.t.Value(name)
	if !ok {
		panic("train: backward: trace has no value " + name)
	}
	return m
}

// acc is the gradient accumulator of value name (shaped like m), created
// zeroed on first use.
func (pass *backwardPass) acc(name string, m model.Matrix) []float64 {
	g := pass.grads[name]
	if g == nil {
		g = make([]float64, m.Rows*m.Cols)
		pass.grads[name] = g
	}
	return g
}

// node propagates g, the gradient with respect to nd's output o, to nd's
// computed inputs and, for a Gemm or MatMul of a LoRA module, to the
// module's parameters.
func (pass *backwardPass) node(nd model.Node, g []float64, o model.Matrix) error {
	bp := pass.bp
	switch nd.Op {
	case "Relu":
		if x := nd.Inputs[0]; bp.computed(x) {
			gx := pass.acc(x, pass.val(x))
			for j, v := range o.Data {
				if v > 0 {
					gx[j] += g[j]
				}
			}
		}
	case "Sigmoid":
		if x := nd.Inputs[0]; bp.computed(x) {
			gx := pass.acc(x, pass.val(x))
			for j, v := range o.Data {
				y := float64(v)
				gx[j] += g[j] * y * (1 - y)
			}
		}
	case "Add":
		for _, x := range nd.Inputs {
			if bp.computed(x) {
				m := pass.val(x)
				reduceInto(pass.acc(x, m), m, g, o, 1)
			}
		}
	case "Gemm", "MatMul":
		pass.gemm(nd, g, o)
	default:
		return fmt.Errorf("backward: operator %s is not supported", nd.Op)
	}
	return nil
}

// gemm is node for Gemm and MatMul: the gradients of A, B and (Gemm) C,
// then those of the node's LoRA module, if it has one.
func (pass *backwardPass) gemm(nd model.Node, g []float64, o model.Matrix) {
	bp := pass.bp
	a, b := nd.Inputs[0], nd.Inputs[1]
	am, bm := pass.val(a), pass.val(b)
	alpha := float64(nd.Alpha)
	if nd.Op == "Gemm" {
		if c := nd.Inputs[2]; bp.computed(c) {
			m := pass.val(c)
			reduceInto(pass.acc(c, m), m, g, o, float64(nd.Beta))
		}
	}
	if bp.computed(a) {
		gemmGradA(pass.acc(a, am), g, o.Cols, bm, nd.TransB, alpha)
	}
	if bp.computed(b) {
		gemmGradB(pass.acc(b, bm), g, o.Cols, am, nd.TransB, alpha)
	}
	li, ok := pass.layerOf[nd.Module]
	if nd.Module == "" || !ok {
		return
	}
	var gA []float64
	if bp.computed(a) {
		gA = pass.grads[a]
	}
	var sp *sparseRows
	if a == bp.input {
		sp = pass.nz
	}
	var u model.Matrix
	if bp.uses[nd.Module] == 1 {
		u, _ = pass.t.LoRAHidden(nd.Module)
	}
	l, ly := pass.l, &pass.p.Layers[li]
	loraGrad(ly, am, sp, u, g, o.Cols, alpha*float64(pass.scale), pass.grad[l.offA[li]:l.offB[li]], pass.grad[l.offB[li]:l.offB[li]+len(ly.B.Data)], gA)
}

// reduceInto adds s·g (shaped like o) into gx (shaped like x), summing over
// the rows and columns along which x was broadcast.
func reduceInto(gx []float64, x model.Matrix, g []float64, o model.Matrix, s float64) {
	for i := 0; i < o.Rows; i++ {
		xi := i
		if x.Rows == 1 {
			xi = 0
		}
		for j := 0; j < o.Cols; j++ {
			xj := j
			if x.Cols == 1 {
				xj = 0
			}
			gx[xi*x.Cols+xj] += s * g[i*o.Cols+j]
		}
	}
}

// gemmGradA adds alpha·G·op(B)ᵀ to gA, where G is [rows, out] and op(B) is
// [in, out] (B itself is [out, in] when transB is set).
func gemmGradA(gA, g []float64, out int, b model.Matrix, transB bool, alpha float64) {
	in := b.Rows
	if transB {
		in = b.Cols
	}
	rows := len(g) / out
	for i := 0; i < rows; i++ {
		grow := g[i*out : (i+1)*out]
		arow := gA[i*in : (i+1)*in]
		for oc, gv := range grow {
			if gv == 0 {
				continue
			}
			gv *= alpha
			if transB {
				brow := b.Data[oc*in : (oc+1)*in]
				for k, bv := range brow {
					arow[k] += gv * float64(bv)
				}
			} else {
				for k := 0; k < in; k++ {
					arow[k] += gv * float64(b.Data[k*out+oc])
				}
			}
		}
	}
}

// gemmGradB adds the gradient with respect to a computed B operand:
// alpha·Gᵀ·A ([out, in]) when transB is set, alpha·Aᵀ·G ([in, out]) otherwise.
func gemmGradB(gB, g []float64, out int, a model.Matrix, transB bool, alpha float64) {
	in := a.Cols
	for i := 0; i < a.Rows; i++ {
		for oc := 0; oc < out; oc++ {
			gv := alpha * g[i*out+oc]
			if gv == 0 {
				continue
			}
			for k := 0; k < in; k++ {
				av := float64(a.Data[i*in+k])
				if transB {
					gB[oc*in+k] += gv * av
				} else {
					gB[k*out+oc] += gv * av
				}
			}
		}
	}
}

// loraGrad handles one node's LoRA layer, whose contribution to the output
// is s·U·Lᴮᵀ with U = A·Lᴬᵀ. With G the output gradient ([rows, out]):
//
//	∂/∂Lᴮ = s·Gᵀ·U          [out, r]
//	∂/∂U  = s·G·Lᴮ           [rows, r]
//	∂/∂Lᴬ = (∂/∂U)ᵀ·A        [r, in]
//	∂/∂A += (∂/∂U)·Lᴬ        (when A carries a gradient)
//
// u is U as the trace recorded it, or empty to recompute it; sp, when not
// nil, lists A's non-zero columns.
func loraGrad(ly *model.LoRALayer, a model.Matrix, sp *sparseRows, u model.Matrix, g []float64, out int, s float64, gLA, gLB, gA []float64) {
	r, in := ly.A.Rows, ly.A.Cols
	rows := a.Rows
	ubuf := make([]float64, r)
	du := make([]float64, r)
	for i := 0; i < rows; i++ {
		arow := a.Data[i*in : (i+1)*in]
		// U's row.
		if u.Data != nil {
			for j := 0; j < r; j++ {
				ubuf[j] = float64(u.Data[i*r+j])
			}
		} else {
			clear(ubuf)
			each(arow, sp, i, func(k int, av float64) {
				for j := 0; j < r; j++ {
					ubuf[j] += av * float64(ly.A.Data[j*in+k])
				}
			})
		}
		grow := g[i*out : (i+1)*out]
		clear(du)
		for oc, gv := range grow {
			if gv == 0 {
				continue
			}
			gv *= s
			brow := ly.B.Data[oc*r : (oc+1)*r]
			lb := gLB[oc*r : (oc+1)*r]
			for j := 0; j < r; j++ {
				lb[j] += gv * ubuf[j]
				du[j] += gv * float64(brow[j])
			}
		}
		each(arow, sp, i, func(k int, av float64) {
			for j := 0; j < r; j++ {
				gLA[j*in+k] += du[j] * av
			}
		})
		if gA != nil {
			garow := gA[i*in : (i+1)*in]
			for j := 0; j < r; j++ {
				if du[j] == 0 {
					continue
				}
				la := ly.A.Data[j*in : (j+1)*in]
				for k, v := range la {
					garow[k] += du[j] * float64(v)
				}
			}
		}
	}
}

// each calls fn for the non-zero entries of row i (arow), using sp's column
// list when given.
func each(arow []float32, sp *sparseRows, i int, fn func(k int, v float64)) {
	if sp != nil {
		for _, k := range sp.idx[sp.start[i]:sp.start[i+1]] {
			if v := arow[k]; v != 0 {
				fn(int(k), float64(v))
			}
		}
		return
	}
	for k, v := range arow {
		if v != 0 {
			fn(k, float64(v))
		}
	}
}
