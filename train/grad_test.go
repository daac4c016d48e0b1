package train

import (
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/syntx/syntx/model"
)

// problem is a small random instance of every objective over a dataset.
type problem struct {
	ds     *dataset
	cmps   []comparison
	pairs  []comparison
	labels []labelEx
	sets   []setEx
	zref   []float64
	rew    []float64
}

func randomProblem(seed uint64, rows int) *problem {
	r := newRNG(seed)
	ds := randomDataset(seed, rows, 6)
	p := &problem{ds: ds}
	row := func() int32 { return int32(r.intn(rows)) }
	for i := 0; i < 2*rows; i++ {
		a, b := row(), row()
		if a == b {
			b = nothing
		}
		if r.intn(4) == 0 {
			a, b = b, a
		}
		p.cmps = append(p.cmps, comparison{pos: a, neg: b, w: 0.2 + r.float(), label: r.intn(3) == 0})
		p.pairs = append(p.pairs, comparison{pos: b, neg: a, w: 0.2 + r.float()})
	}
	for i := 0; i < rows; i++ {
		a := row()
		p.labels = append(p.labels, labelEx{row: a, set: ds.setOf[a], desirable: r.intn(2) == 0, w: 0.2 + r.float()})
	}
	for s := range ds.sets {
		p.sets = append(p.sets, setEx{set: int32(s), w: 0.2 + r.float()})
	}
	p.zref = make([]float64, rows)
	p.rew = make([]float64, rows)
	for i := range p.zref {
		p.zref[i] = r.sym(2)
		p.rew[i] = r.sym(1.5)
	}
	return p
}

// objectives returns, for each objective, a loss over the whole problem.
// KTO's reference point is computed once from z0Logits and then held fixed,
// as the objective treats it as a constant.
func (p *problem) objectives(loc []int32, z0Logits []float64) map[string]lossFunc {
	const beta = 0.7
	z0 := ktoRefPoint(p.labels, p.ds.sets, loc, z0Logits, p.zref)
	return map[string]lossFunc{
		"reward": func(z, dz []float64) (float64, float64) { return rewardLoss(p.cmps, loc, z, dz, 0.6) },
		"kl": func(z, dz []float64) (float64, float64) {
			return klLoss(p.sets, p.ds.sets, loc, z, p.zref, p.rew, beta, dz)
		},
		"dpo": func(z, dz []float64) (float64, float64) { return dpoLoss(p.pairs, loc, z, p.zref, beta, dz) },
		"kto": func(z, dz []float64) (float64, float64) {
			return ktoLoss(p.labels, p.ds.sets, loc, z, p.zref, beta, 1.3, 0.8, z0, dz)
		},
	}
}

// TestObjectiveGradients checks each objective's gradient with respect to
// the logits against central finite differences, in float64.
func TestObjectiveGradients(t *testing.T) {
	t.Parallel()
	const rows = 14
	p := randomProblem(3, rows)
	loc := make([]int32, rows)
	for i := range loc {
		loc[i] = int32(i)
	}
	r := newRNG(5)
	z := make([]float64, rows)
	for i := range z {
		z[i] = r.sym(3)
	}
	// Make the KTO reference point positive so that it matters.
	zk := slices.Clone(z)
	for i := range zk {
		zk[i] += r.sym(2)
	}
	for name, f := range p.objectives(loc, zk) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dz := make([]float64, rows)
			if _, w := f(slices.Clone(z), dz); w <= 0 {
				t.Fatalf("total weight %v", w)
			}
			const eps = 1e-6
			for i := range z {
				zp, zm := slices.Clone(z), slices.Clone(z)
				zp[i] += eps
				zm[i] -= eps
				lp, _ := f(zp, make([]float64, rows))
				lm, _ := f(zm, make([]float64, rows))
				fd := (lp - lm) / (2 * eps)
				if !closeTo(dz[i], fd, 1e-7, 1e-5) {
					t.Errorf("∂L/∂z[%d] = %.9g, finite difference %.9g", i, dz[i], fd)
				}
			}
		})
	}
}

// TestKTORefPointPositive checks that the KTO reference point is the mean
// set KL, which vanishes at the reference and is positive away from it.
func TestKTORefPointPositive(t *testing.T) {
	t.Parallel()
	p := randomProblem(11, 10)
	loc := make([]int32, 10)
	for i := range loc {
		loc[i] = int32(i)
	}
	if z0 := ktoRefPoint(p.labels, p.ds.sets, loc, p.zref, p.zref); math.Abs(z0) > 1e-12 {
		t.Fatalf("z0 at the reference = %v, want 0", z0)
	}
	z := slices.Clone(p.zref)
	z[0] += 2
	if z0 := ktoRefPoint(p.labels, p.ds.sets, loc, z, p.zref); !(z0 > 0) {
		t.Fatalf("z0 away from the reference = %v, want > 0", z0)
	}
}

// TestKLOptimum checks the KL objective's closed form: its gradient
// vanishes at π ∝ π_ref·exp(r/β), i.e. z = zr + r/β.
func TestKLOptimum(t *testing.T) {
	t.Parallel()
	p := randomProblem(21, 9)
	loc := make([]int32, 9)
	for i := range loc {
		loc[i] = int32(i)
	}
	const beta = 0.7
	z := make([]float64, 9)
	for i := range z {
		z[i] = p.zref[i] + p.rew[i]/beta
	}
	dz := make([]float64, 9)
	klLoss(p.sets, p.ds.sets, loc, z, p.zref, p.rew, beta, dz)
	for i, g := range dz {
		if math.Abs(g) > 1e-12 {
			t.Fatalf("gradient at the optimum: dz[%d] = %v", i, g)
		}
	}
}

// TestBackpropGradients checks the gradient with respect to every kind of
// LoRA parameter, through the whole network, against central finite
// differences of the loss computed by the forward pass, for each objective
// on the embedded base network and on a network that uses every operator.
func TestBackpropGradients(t *testing.T) {
	t.Parallel()
	nets := map[string]func(testing.TB) *model.Network{
		"base":  mustBase,
		"mixed": mixedNetwork,
	}
	for netName, mk := range nets {
		for _, obj := range []string{"reward", "kl", "dpo", "kto"} {
			t.Run(netName+"/"+obj, func(t *testing.T) {
				t.Parallel()
				net := mk(t)
				const rows = 12
				p := randomProblem(7, rows)
				lora := randomLoRA(t, net, 9, 3, 0.4)
				e := newEngine(net, p.ds)
				for r := 0; r < rows; r++ {
					e.add(int32(r))
				}
				zBase, err := logitsOf(net, p.ds, lora, allRows(p.ds))
				if err != nil {
					t.Fatal(err)
				}
				zk := make([]float64, rows)
				for r := 0; r < rows; r++ {
					zk[e.loc[r]] = zBase[r]
				}
				f := p.objectives(e.loc, zk)[obj]
				l := newLayout(lora)
				grad := make([]float64, l.n)
				if _, err := e.step(lora, l, f, grad); err != nil {
					t.Fatal(err)
				}
				theta := make([]float64, l.n)
				l.flatten(lora, theta)
				loss := func(th []float64) float64 {
					q := lora.Clone()
					l.unflatten(th, q)
					v, err := e.step(q, l, f, make([]float64, l.n))
					if err != nil {
						t.Fatal(err)
					}
					return v
				}
				checked, nonzero := 0, 0
				for li, ly := range lora.Layers {
					for _, part := range []struct {
						name string
						off  int
						n    int
					}{{"A", l.offA[li], len(ly.A.Data)}, {"B", l.offB[li], len(ly.B.Data)}} {
						for _, k := range coords(grad[part.off:part.off+part.n], 6, uint64(li)) {
							i := part.off + k
							const eps = 2e-3
							tp, tm := slices.Clone(theta), slices.Clone(theta)
							tp[i] += eps
							tm[i] -= eps
							fd := (loss(tp) - loss(tm)) / (2 * eps)
							checked++
							if grad[i] != 0 {
								nonzero++
							}
							if !closeTo(grad[i], fd, 2e-5, 1e-3) {
								t.Errorf("%s lora_%s[%d]: gradient %.6g, finite difference %.6g", ly.Module, part.name, k, grad[i], fd)
							}
						}
					}
				}
				if nonzero < checked/2 {
					t.Fatalf("only %d of %d checked gradients are non-zero", nonzero, checked)
				}
			})
		}
	}
}

// coords picks up to n indices of g: the largest |g| first, then a few
// random ones.
func coords(g []float64, n int, seed uint64) []int {
	idx := make([]int, len(g))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(g[idx[a]]) > math.Abs(g[idx[b]]) })
	out := slices.Clone(idx[:min(len(idx), n-n/3)])
	r := newRNG(seed)
	for len(out) < min(n, len(g)) {
		k := r.intn(len(g))
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func TestLayoutRoundTrip(t *testing.T) {
	t.Parallel()
	net := mustBase(t)
	p := randomLoRA(t, net, 1, 2, 1)
	l := newLayout(p)
	if l.n != p.NumParams() {
		t.Fatalf("layout has %d values, LoRA %d", l.n, p.NumParams())
	}
	theta := make([]float64, l.n)
	l.flatten(p, theta)
	q := p.Clone()
	for i := range q.Layers {
		clear(q.Layers[i].A.Data)
		clear(q.Layers[i].B.Data)
	}
	l.unflatten(theta, q)
	for i := range p.Layers {
		if !slices.Equal(p.Layers[i].A.Data, q.Layers[i].A.Data) || !slices.Equal(p.Layers[i].B.Data, q.Layers[i].B.Data) {
			t.Fatalf("layer %s differs after the round trip", p.Layers[i].Module)
		}
	}
}
