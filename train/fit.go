package train

import (
	"context"
	"fmt"
	"math"

	"github.com/syntx/syntx/model"
)

// engine evaluates a network on batches of dataset rows: it gathers the
// rows into a dense input, runs model.Network.Trace, and back-propagates a
// loss's logit gradient to the LoRA parameters.
type engine struct {
	net  *model.Network
	bp   *backprop
	ds   *dataset
	loc  []int32 // dataset row -> position in the batch, -1 when absent
	rows []int32 // the batch's rows
	x    []float32
	nz   sparseRows
	z    []float64
	dz   []float64
}

func newEngine(net *model.Network, ds *dataset) *engine {
	e := &engine{net: net, bp: newBackprop(net), ds: ds, loc: make([]int32, ds.rows())}
	for i := range e.loc {
		e.loc[i] = -1
	}
	return e
}

// reset empties the batch.
func (e *engine) reset() {
	for _, r := range e.rows {
		e.loc[r] = -1
	}
	e.rows = e.rows[:0]
}

// add puts row r (or nothing) into the batch.
func (e *engine) add(r int32) {
	if r != nothing && e.loc[r] < 0 {
		e.loc[r] = int32(len(e.rows))
		e.rows = append(e.rows, r)
	}
}

func (e *engine) addSet(s int32) {
	for _, r := range e.ds.sets[s] {
		e.add(r)
	}
}

// gather builds the dense input of the batch.
func (e *engine) gather() {
	const w = model.FeatureWidth
	m := len(e.rows)
	if cap(e.x) < m*w {
		e.x = make([]float32, m*w)
	}
	e.x = e.x[:m*w]
	clear(e.x)
	e.nz.idx = e.nz.idx[:0]
	e.nz.start = append(e.nz.start[:0], 0)
	for i, r := range e.rows {
		e.nz.idx = e.ds.scatter(r, e.x[i*w:(i+1)*w], e.nz.idx)
		e.nz.start = append(e.nz.start, int32(len(e.nz.idx)))
	}
}

// lossFunc computes a batch loss from the logits z (by batch position),
// adds its gradient to dz and returns the loss and the total weight the
// caller normalises by.
type lossFunc func(z, dz []float64) (loss, wsum float64)

// step evaluates the batch with parameters p, and adds to grad the gradient
// of the normalised loss (loss/wsum). It returns the normalised loss.
func (e *engine) step(p *model.LoRA, l layout, f lossFunc, grad []float64) (float64, error) {
	e.gather()
	m := len(e.rows)
	tr, err := e.net.Trace(e.x, m, p)
	if err != nil {
		return 0, err
	}
	e.z = e.z[:0]
	for _, v := range tr.Logits() {
		e.z = append(e.z, float64(v))
	}
	e.dz = append(e.dz[:0], make([]float64, m)...)
	loss, wsum := f(e.z, e.dz)
	if wsum <= 0 {
		return 0, nil
	}
	for i := range e.dz {
		e.dz[i] /= wsum
	}
	if err := e.bp.backward(tr, &e.nz, e.dz, p, l, grad); err != nil {
		return 0, err
	}
	return loss / wsum, nil
}

// logits returns the logits of every dataset row for parameters p (nil for
// the base), computed in chunks.
func logitsOf(net *model.Network, ds *dataset, p *model.LoRA, rows []int32) ([]float64, error) {
	const chunk = 512
	const w = model.FeatureWidth
	out := make([]float64, ds.rows())
	x := make([]float32, chunk*w)
	z := make([]float32, chunk)
	for lo := 0; lo < len(rows); lo += chunk {
		hi := min(len(rows), lo+chunk)
		m := hi - lo
		xs := x[:m*w]
		clear(xs)
		for i, r := range rows[lo:hi] {
			ds.scatter(r, xs[i*w:(i+1)*w], nil)
		}
		if err := net.ForwardLoRA(xs, m, p, z[:m]); err != nil {
			return nil, err
		}
		for i, r := range rows[lo:hi] {
			out[r] = float64(z[i])
		}
	}
	return out, nil
}

func allRows(ds *dataset) []int32 {
	out := make([]int32, ds.rows())
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// adam is the Adam optimiser (Kingma & Ba) on a flat parameter vector,
// with L2 regularisation added to the gradient (coupled weight decay, so
// that the loss the tests differentiate is the loss it minimises).
type adam struct {
	lr, b1, b2, eps float64
	m, v            []float64
	t               int
}

func newAdam(n int, lr float64) *adam {
	return &adam{lr: lr, b1: 0.9, b2: 0.999, eps: 1e-8, m: make([]float64, n), v: make([]float64, n)}
}

func (a *adam) update(theta, grad []float64) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	for i, g := range grad {
		a.m[i] = a.b1*a.m[i] + (1-a.b1)*g
		a.v[i] = a.b2*a.v[i] + (1-a.b2)*g*g
		theta[i] -= a.lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + a.eps)
	}
}

// splitMix is SplitMix64: a small generator whose sequence is fixed by its
// seed, whatever the Go version.
type splitMix struct{ s uint64 }

func (r *splitMix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// shuffle permutes p (Fisher–Yates).
func (r *splitMix) shuffle(p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(r.next() % uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
}

// fitSpec describes one optimisation: units (examples) are visited in a
// seeded random order, batch by batch; addRows puts a unit's rows into the
// batch and loss computes the batch loss over the units.
type fitSpec struct {
	name string
	// decay is the L2 coefficient (Settings.WeightDecay, scaled for the
	// objective; see optimise).
	decay   float64
	units   int
	addRows func(e *engine, u int)
	loss    func(e *engine, batch []int) lossFunc
}

// fitResult is the per-epoch mean training loss.
type fitResult struct {
	curve  []float64
	epochs int
	steps  int
}

// fit minimises spec's loss plus (wd/2)·Σ cᵢθᵢ² over p's parameters with
// Adam, where cᵢ is 1 but for the input columns that carry one rule's
// evidence in the training rows (Settings.RuleDecay, decayScale).
// It calls tick after every step and stops with ctx's error when ctx ends.
func (tr *trainer) fit(ctx context.Context, e *engine, p *model.LoRA, spec fitSpec, epochs int, seed uint64, tick func() error) (fitResult, error) {
	l := newLayout(p)
	theta := make([]float64, l.n)
	l.flatten(p, theta)
	grad := make([]float64, l.n)
	scale := decayScale(tr.base, p, l, tr.ds.columnGroups(), tr.s.RuleDecay)
	opt := newAdam(l.n, tr.s.LearningRate)
	rng := &splitMix{s: seed}
	order := make([]int, spec.units)
	for i := range order {
		order[i] = i
	}
	bs := tr.s.BatchSize
	var res fitResult
	for ep := 0; ep < epochs; ep++ {
		rng.shuffle(order)
		var sum float64
		var nb int
		for lo := 0; lo < len(order); lo += bs {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			batch := order[lo:min(len(order), lo+bs)]
			e.reset()
			for _, u := range batch {
				spec.addRows(e, u)
			}
			clear(grad)
			loss, err := e.step(p, l, spec.loss(e, batch), grad)
			if err != nil {
				return res, fmt.Errorf("%s: %w", spec.name, err)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return res, fmt.Errorf("%s: %w (loss %v at step %d)", spec.name, ErrDiverged, loss, res.steps)
			}
			reg := 0.0
			for i, v := range theta {
				c := spec.decay
				if scale != nil {
					c *= scale[i]
				}
				grad[i] += c * v
				reg += c * v * v
			}
			sum += loss + reg/2
			nb++
			opt.update(theta, grad)
			l.unflatten(theta, p)
			res.steps++
			if err := tick(); err != nil {
				return res, err
			}
		}
		if nb > 0 {
			res.curve = append(res.curve, sum/float64(nb))
		}
		res.epochs++
	}
	e.reset()
	return res, nil
}
