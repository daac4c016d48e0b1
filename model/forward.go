package model

import (
	"fmt"
	"math"
	"strconv"
)

// workspace holds the buffers of one forward pass; Networks pool them.
type workspace struct {
	bufs [][]float32 // by value id (computed values only)
	tmp  []float32   // k-major copy of a non-constant B operand
	lora [][]float32 // by node index: x·Aᵀ of the node's LoRA layer
	nz   csr         // non-zero entries of the input rows
}

// csr lists the non-zero entries of the input rows: row i's column indices
// are idx[start[i]:start[i+1]].
type csr struct {
	idx   []int32
	start []int32
}

// scan fills c with the non-zero columns of x's rows (width cols).
func (c *csr) scan(x []float32, rows, cols int) {
	c.idx = c.idx[:0]
	c.start = append(c.start[:0], 0)
	for i := 0; i < rows; i++ {
		for k, v := range x[i*cols : (i+1)*cols] {
			if v != 0 {
				c.idx = append(c.idx, int32(k))
			}
		}
		c.start = append(c.start, int32(len(c.idx)))
	}
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// Forward computes the logits of rows feature rows: x is rows×FeatureWidth
// (row-major), out receives rows logits. It panics when the lengths do not
// match (a programmer error). Forward is safe for concurrent use.
//
// The pass is sparse-aware: every Gemm/MatMul skips zero entries of its left
// operand, so a feature row with k non-zeros costs k·H multiply-adds in the
// first layer instead of D·H.
func (n *Network) Forward(x []float32, rows int, out []float32) {
	n.checkForwardArgs(x, rows, out)
	ws := n.getWorkspace()
	ws.nz.scan(x, rows, n.Width())
	n.eval(ws, x, rows, nil, 0)
	n.copyOut(ws, rows, out)
	n.pool.Put(ws)
}

// forwardSparse is Forward for rows whose non-zero columns are already
// known: nz[i] lists row i's non-zero columns, each once, in any order
// (columns listed whose value is zero are harmless).
func (n *Network) forwardSparse(x []float32, rows int, nz [][]int32, out []float32) {
	n.checkForwardArgs(x, rows, out)
	ws := n.getWorkspace()
	ws.nz.idx = ws.nz.idx[:0]
	ws.nz.start = append(ws.nz.start[:0], 0)
	for i := 0; i < rows; i++ {
		ws.nz.idx = append(ws.nz.idx, nz[i]...)
		ws.nz.start = append(ws.nz.start, int32(len(ws.nz.idx)))
	}
	n.eval(ws, x, rows, nil, 0)
	n.copyOut(ws, rows, out)
	n.pool.Put(ws)
}

// ForwardLoRA is Forward with the LoRA parameters p applied without merging
// them: every targeted Gemm/MatMul adds alpha·scale·(X·Aᵀ)·Bᵀ to its output,
// which equals running the merged network. p may be nil (the base network).
// It fails when p does not fit the network.
func (n *Network) ForwardLoRA(x []float32, rows int, p *LoRA, out []float32) error {
	n.checkForwardArgs(x, rows, out)
	layers, scale, err := n.bind(p)
	if err != nil {
		return err
	}
	ws := n.getWorkspace()
	ws.nz.scan(x, rows, n.Width())
	n.eval(ws, x, rows, layers, scale)
	n.copyOut(ws, rows, out)
	n.pool.Put(ws)
	return nil
}

// Trace records every intermediate value of a forward pass, so that a
// backward pass can walk the nodes in reverse. Matrices of constants are
// shared with the Network and must not be modified.
type Trace struct {
	net   *Network
	rows  int
	vals  []Matrix // by value id
	loraU []Matrix // by node index: X·Aᵀ for nodes with a LoRA layer
	scale float32
}

// Trace runs a forward pass with the LoRA parameters p (nil for none) and
// keeps all intermediate values.
func (n *Network) Trace(x []float32, rows int, p *LoRA) (*Trace, error) {
	if len(x) != rows*n.Width() {
		return nil, fmt.Errorf("trace: x has %d values, want %d rows × %d", len(x), rows, n.Width())
	}
	layers, scale, err := n.bind(p)
	if err != nil {
		return nil, err
	}
	ws := &workspace{}
	ws.nz.scan(x, rows, n.Width())
	n.eval(ws, x, rows, layers, scale)
	t := &Trace{net: n, rows: rows, vals: make([]Matrix, len(n.values)), loraU: make([]Matrix, len(n.nodes)), scale: scale}
	for id := range n.values {
		t.vals[id] = n.view(ws, id, x, rows)
	}
	for i, nd := range n.nodes {
		if nd.target >= 0 && layers != nil && layers[nd.target] != nil {
			r := layers[nd.target].A.Rows
			t.loraU[i] = Matrix{Rows: n.rowsOf(nd.in[0], rows), Cols: r, Data: ws.lora[i]}
		}
	}
	return t, nil
}

// Rows returns the number of rows the trace was run on.
func (t *Trace) Rows() int { return t.rows }

// Logits returns the output column.
func (t *Trace) Logits() []float32 {
	m := t.vals[t.net.output]
	out := make([]float32, m.Rows)
	for i := range out {
		out[i] = m.Data[i*m.Cols]
	}
	return out
}

// Value returns the named value (input, initializer or node output).
func (t *Trace) Value(name string) (Matrix, bool) {
	id, ok := t.net.byName[name]
	if !ok {
		return Matrix{}, false
	}
	return t.vals[id], true
}

// LoRAHidden returns X·Aᵀ ([rows, r]) recorded for the LoRA layer of the
// named module, or false when no node used it.
func (t *Trace) LoRAHidden(module string) (Matrix, bool) {
	for i, nd := range t.net.nodes {
		if nd.target >= 0 && t.net.targets[nd.target].Module == module && t.loraU[i].Data != nil {
			return t.loraU[i], true
		}
	}
	return Matrix{}, false
}

func (n *Network) checkForwardArgs(x []float32, rows int, out []float32) {
	if rows < 0 || len(x) != rows*n.Width() || len(out) < rows {
		panic("model: Forward: x has " + strconv.Itoa(len(x)) + " values and out " + strconv.Itoa(len(out)) +
			" for " + strconv.Itoa(rows) + " rows of width " + strconv.Itoa(n.Width()))
	}
}

func (n *Network) getWorkspace() *workspace {
	if ws, ok := n.pool.Get().(*workspace); ok {
		return ws
	}
	return &workspace{}
}

func (n *Network) rowsOf(id, batch int) int {
	if v := n.values[id]; !v.batch {
		return v.rows
	}
	return batch
}

// view returns value id as a matrix.
func (n *Network) view(ws *workspace, id int, x []float32, batch int) Matrix {
	v := n.values[id]
	switch v.kind {
	case valInput:
		return Matrix{Rows: batch, Cols: v.cols, Data: x}
	case valConst:
		return n.inits[v.init].m
	default:
		return Matrix{Rows: n.rowsOf(id, batch), Cols: v.cols, Data: ws.bufs[id]}
	}
}

func (n *Network) copyOut(ws *workspace, rows int, out []float32) {
	m := ws.bufs[n.output]
	for i := 0; i < rows; i++ {
		out[i] = m[i] // output has one column
	}
}

// eval runs every node. layers (by target index) and scale describe an
// unmerged LoRA parameter set, or are nil and 0.
func (n *Network) eval(ws *workspace, x []float32, batch int, layers []*LoRALayer, scale float32) {
	if len(ws.bufs) != len(n.values) {
		ws.bufs = make([][]float32, len(n.values))
		ws.lora = make([][]float32, len(n.nodes))
	}
	for i := range n.nodes {
		nd := &n.nodes[i]
		ov := n.values[nd.out]
		rows := n.rowsOf(nd.out, batch)
		ws.bufs[nd.out] = grow(ws.bufs[nd.out], rows*ov.cols)
		o := Matrix{Rows: rows, Cols: ov.cols, Data: ws.bufs[nd.out]}
		switch nd.op {
		case opGemm, opMatMul:
			a := n.view(ws, nd.in[0], x, batch)
			km := nd.kmajor
			if km == nil {
				b := n.view(ws, nd.in[1], x, batch)
				ws.tmp = grow(ws.tmp, len(b.Data))
				transposeInto(ws.tmp, b, nd.transB)
				km = ws.tmp
			}
			if nd.op == opGemm {
				c := n.view(ws, nd.in[2], x, batch)
				broadcastInto(o, c, nd.beta)
			}
			var nz *csr
			if nd.in[0] == n.input {
				nz = &ws.nz
			}
			sparseGemm(o, a, nz, km, nd.alpha)
			if nd.target >= 0 && layers != nil && layers[nd.target] != nil {
				l := layers[nd.target]
				r := l.A.Rows
				ws.lora[i] = grow(ws.lora[i], a.Rows*r)
				loraAdd(o, a, nz, l, ws.lora[i], nd.alpha*scale)
			}
		case opAdd:
			a := n.view(ws, nd.in[0], x, batch)
			b := n.view(ws, nd.in[1], x, batch)
			broadcastInto(o, a, 1)
			addBroadcast(o, b)
		case opRelu:
			a := n.view(ws, nd.in[0], x, batch)
			for j, v := range a.Data[:len(o.Data)] {
				if v > 0 {
					o.Data[j] = v
				}
			}
		case opSigmoid:
			a := n.view(ws, nd.in[0], x, batch)
			for j, v := range a.Data[:len(o.Data)] {
				o.Data[j] = sigmoid32(v)
			}
		}
	}
}

func sigmoid32(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}

// transposeInto writes b as [K, out] rows into dst.
func transposeInto(dst []float32, b Matrix, transB bool) {
	if !transB {
		copy(dst, b.Data)
		return
	}
	for i := 0; i < b.Rows; i++ {
		for j := 0; j < b.Cols; j++ {
			dst[j*b.Rows+i] = b.Data[i*b.Cols+j]
		}
	}
}

// broadcastInto sets o = scale·c, broadcasting c's rows and columns.
func broadcastInto(o, c Matrix, scale float32) {
	for i := 0; i < o.Rows; i++ {
		ci := i
		if c.Rows == 1 {
			ci = 0
		}
		orow := o.Data[i*o.Cols : (i+1)*o.Cols]
		crow := c.Data[ci*c.Cols : (ci+1)*c.Cols]
		if c.Cols == 1 {
			v := scale * crow[0]
			for j := range orow {
				orow[j] = v
			}
			continue
		}
		for j := range orow {
			orow[j] = scale * crow[j]
		}
	}
}

// addBroadcast adds c to o, broadcasting c's rows and columns.
func addBroadcast(o, c Matrix) {
	for i := 0; i < o.Rows; i++ {
		ci := i
		if c.Rows == 1 {
			ci = 0
		}
		orow := o.Data[i*o.Cols : (i+1)*o.Cols]
		crow := c.Data[ci*c.Cols : (ci+1)*c.Cols]
		if c.Cols == 1 {
			v := crow[0]
			for j := range orow {
				orow[j] += v
			}
			continue
		}
		for j := range orow {
			orow[j] += crow[j]
		}
	}
}

// sparseGemm adds alpha·A·B to o, with B given k-major ([K, out] rows),
// skipping zero entries of A; nz, when not nil, lists A's non-zero columns.
func sparseGemm(o, a Matrix, nz *csr, km []float32, alpha float32) {
	k, cols := a.Cols, o.Cols
	for i := 0; i < a.Rows; i++ {
		arow := a.Data[i*k : (i+1)*k]
		orow := o.Data[i*cols : (i+1)*cols]
		if nz != nil {
			for _, kk := range nz.idx[nz.start[i]:nz.start[i+1]] {
				if av := arow[kk]; av != 0 {
					axpy(orow, km[int(kk)*cols:(int(kk)+1)*cols], av*alpha)
				}
			}
			continue
		}
		for kk, av := range arow {
			if av != 0 {
				axpy(orow, km[kk*cols:(kk+1)*cols], av*alpha)
			}
		}
	}
}

// axpy adds a·x to y; len(x) == len(y).
func axpy(y, x []float32, a float32) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] += a * v
	}
}

// loraAdd adds s·(A_in·Lᴬᵀ)·Lᴮᵀ to o and leaves A_in·Lᴬᵀ in u; nz, when
// not nil, lists A_in's non-zero columns.
func loraAdd(o, a Matrix, nz *csr, l *LoRALayer, u []float32, s float32) {
	r, in := l.A.Rows, l.A.Cols
	for i := 0; i < a.Rows; i++ {
		arow := a.Data[i*in : (i+1)*in]
		urow := u[i*r : (i+1)*r]
		add := func(kk int, av float32) {
			for j := range urow {
				urow[j] += av * l.A.Data[j*in+kk]
			}
		}
		if nz != nil {
			for _, kk := range nz.idx[nz.start[i]:nz.start[i+1]] {
				if av := arow[kk]; av != 0 {
					add(int(kk), av)
				}
			}
		} else {
			for kk, av := range arow {
				if av != 0 {
					add(kk, av)
				}
			}
		}
		orow := o.Data[i*o.Cols : (i+1)*o.Cols]
		for oc := range orow {
			brow := l.B.Data[oc*r : (oc+1)*r]
			var s2 float32
			for j, bv := range brow {
				s2 += urow[j] * bv
			}
			orow[oc] += s * s2
		}
	}
}
