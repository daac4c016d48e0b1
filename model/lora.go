package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrAdapter is wrapped by errors about LoRA parameters or adapter files that
// do not fit the base network.
var ErrAdapter = errors.New("invalid adapter")

// LoRA is a set of LoRA parameters for a Network, in PEFT's conventions:
// for a target with fan-in In and fan-out Out, A is [Rank, In] and B is
// [Out, Rank], and the merged weight (in PyTorch's [Out, In] orientation) is
//
//	W' = W + Scale()·(B·A)
//
// For a weight stored [In, Out] (Target.FanInFanOut), (B·A)ᵀ is added.
type LoRA struct {
	Rank  int
	Alpha float64
	// RSLoRA selects rank-stabilised scaling alpha/√r instead of alpha/r.
	RSLoRA bool
	// Layers holds one layer per targeted module, sorted by Module.
	Layers []LoRALayer
}

// LoRALayer is the LoRA pair for one target module.
type LoRALayer struct {
	Module string // PEFT module name, e.g. "fc1"
	A      Matrix // [Rank, In]
	B      Matrix // [Out, Rank]
}

// LoRAConfig sets up a new LoRA parameter set.
type LoRAConfig struct {
	Rank  int     // r; 8 if 0
	Alpha float64 // lora_alpha; 2·Rank if 0
	// Targets are module (or initializer) names; nil targets every
	// eligible weight of the network.
	Targets []string
	RSLoRA  bool
	// Seed drives A's initialisation.
	Seed uint64
}

// Scale returns the factor applied to B·A: Alpha/Rank, or Alpha/√Rank with
// RSLoRA.
func (p *LoRA) Scale() float64 {
	if p.RSLoRA {
		return p.Alpha / math.Sqrt(float64(p.Rank))
	}
	return p.Alpha / float64(p.Rank)
}

// NumParams returns the number of trainable values.
func (p *LoRA) NumParams() int {
	t := 0
	for _, l := range p.Layers {
		t += len(l.A.Data) + len(l.B.Data)
	}
	return t
}

// Clone returns a deep copy.
func (p *LoRA) Clone() *LoRA {
	c := *p
	c.Layers = make([]LoRALayer, len(p.Layers))
	for i, l := range p.Layers {
		c.Layers[i] = LoRALayer{Module: l.Module, A: l.A.Clone(), B: l.B.Clone()}
	}
	return &c
}

// Layer returns the layer for module, or nil.
func (p *LoRA) Layer(module string) *LoRALayer {
	for i := range p.Layers {
		if p.Layers[i].Module == module {
			return &p.Layers[i]
		}
	}
	return nil
}

// NewLoRA returns a fresh LoRA parameter set for n, initialised as PEFT does
// by default: A uniform in ±1/√In (Kaiming-uniform with a=√5), B zero, so
// that the adapted network starts equal to the base.
func NewLoRA(n *Network, cfg LoRAConfig) (*LoRA, error) {
	if cfg.Rank == 0 {
		cfg.Rank = 8
	}
	if cfg.Alpha == 0 {
		cfg.Alpha = 2 * float64(cfg.Rank)
	}
	if cfg.Rank < 0 || cfg.Rank > 1024 {
		return nil, fmt.Errorf("%w: rank %d out of range", ErrAdapter, cfg.Rank)
	}
	if !(cfg.Alpha > 0) || math.IsInf(cfg.Alpha, 0) {
		return nil, fmt.Errorf("%w: lora_alpha %v must be positive", ErrAdapter, cfg.Alpha)
	}
	targets := cfg.Targets
	if targets == nil {
		for _, t := range n.targets {
			targets = append(targets, t.Module)
		}
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: network has no LoRA targets", ErrAdapter)
	}
	p := &LoRA{Rank: cfg.Rank, Alpha: cfg.Alpha, RSLoRA: cfg.RSLoRA}
	rng := newSplitMix(cfg.Seed)
	seen := map[string]bool{}
	for _, name := range targets {
		t, ok := n.Target(name)
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a LoRA target of this network (targets: %v)", ErrAdapter, name, n.moduleNames())
		}
		if seen[t.Module] {
			continue
		}
		seen[t.Module] = true
		p.Layers = append(p.Layers, LoRALayer{Module: t.Module, A: NewMatrix(cfg.Rank, t.In), B: NewMatrix(t.Out, cfg.Rank)})
	}
	slices.SortFunc(p.Layers, func(a, b LoRALayer) int { return cmpString(a.Module, b.Module) })
	for i := range p.Layers {
		a := p.Layers[i].A
		bound := 1 / math.Sqrt(float64(a.Cols))
		for j := range a.Data {
			a.Data[j] = float32((2*rng.float64() - 1) * bound)
		}
	}
	return p, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (n *Network) moduleNames() []string {
	out := make([]string, len(n.targets))
	for i, t := range n.targets {
		out[i] = t.Module
	}
	return out
}

// Validate checks that p fits n: known targets, shapes, finite values.
func (n *Network) Validate(p *LoRA) error {
	_, _, err := n.bind(p)
	return err
}

// bind maps p's layers to n's targets (by target index).
func (n *Network) bind(p *LoRA) ([]*LoRALayer, float32, error) {
	if p == nil {
		return nil, 0, nil
	}
	if p.Rank <= 0 {
		return nil, 0, fmt.Errorf("%w: rank %d must be positive", ErrAdapter, p.Rank)
	}
	if s := p.Scale(); math.IsNaN(s) || math.IsInf(s, 0) || s <= 0 {
		return nil, 0, fmt.Errorf("%w: lora_alpha %v gives scale %v", ErrAdapter, p.Alpha, s)
	}
	layers := make([]*LoRALayer, len(n.targets))
	for i := range p.Layers {
		l := &p.Layers[i]
		ti := -1
		for j, t := range n.targets {
			if t.Module == l.Module || t.Weight == l.Module {
				ti = j
			}
		}
		if ti < 0 {
			return nil, 0, fmt.Errorf("%w: module %q is not a LoRA target of this network (targets: %v)", ErrAdapter, l.Module, n.moduleNames())
		}
		if layers[ti] != nil {
			return nil, 0, fmt.Errorf("%w: module %q appears twice", ErrAdapter, l.Module)
		}
		t := n.targets[ti]
		if l.A.Rows != p.Rank || l.A.Cols != t.In || len(l.A.Data) != p.Rank*t.In {
			return nil, 0, fmt.Errorf("%w: %s lora_A is [%d, %d], want [%d, %d]", ErrAdapter, l.Module, l.A.Rows, l.A.Cols, p.Rank, t.In)
		}
		if l.B.Rows != t.Out || l.B.Cols != p.Rank || len(l.B.Data) != p.Rank*t.Out {
			return nil, 0, fmt.Errorf("%w: %s lora_B is [%d, %d], want [%d, %d]", ErrAdapter, l.Module, l.B.Rows, l.B.Cols, t.Out, p.Rank)
		}
		if !allFinite(l.A.Data) || !allFinite(l.B.Data) {
			return nil, 0, fmt.Errorf("%w: %s holds a non-finite value", ErrAdapter, l.Module)
		}
		layers[ti] = l
	}
	return layers, float32(p.Scale()), nil
}

func allFinite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// Merge returns a new Network whose target weights are W + Scale()·B·A (see
// LoRA). n is unchanged. The result remembers n's base hash; its adapter
// version is set by the caller through MergeAdapter, or left empty.
func (n *Network) Merge(p *LoRA) (*Network, error) {
	layers, _, err := n.bind(p)
	if err != nil {
		return nil, err
	}
	m := &Network{
		src:            n.src,
		values:         n.values,
		byName:         n.byName,
		input:          n.input,
		output:         n.output,
		targets:        n.targets,
		baseHash:       n.baseHash,
		adapterVersion: n.adapterVersion,
		rank:           n.rank,
		loraParams:     n.loraParams,
		inits:          slices.Clone(n.inits),
		nodes:          slices.Clone(n.nodes),
	}
	if p == nil {
		return m, nil
	}
	scale := p.Scale()
	changed := map[string]bool{}
	for ti, l := range layers {
		if l == nil {
			continue
		}
		t := n.targets[ti]
		id := n.byName[t.Weight]
		ii := n.values[id].init
		w := n.inits[ii].m.Clone()
		r := p.Rank
		for o := 0; o < t.Out; o++ {
			for in := 0; in < t.In; in++ {
				var d float64
				for j := 0; j < r; j++ {
					d += float64(l.B.Data[o*r+j]) * float64(l.A.Data[j*t.In+in])
				}
				idx := o*t.In + in // [Out, In]
				if t.FanInFanOut {
					idx = in*t.Out + o // [In, Out]
				}
				w.Data[idx] = float32(float64(w.Data[idx]) + scale*d)
			}
		}
		if !allFinite(w.Data) {
			return nil, fmt.Errorf("%w: merging %s overflows", ErrAdapter, t.Module)
		}
		m.inits[ii] = initializer{name: t.Weight, m: w}
		changed[t.Weight] = true
	}
	for i := range m.nodes {
		nd := &m.nodes[i]
		if nd.kmajor == nil {
			continue
		}
		b := m.values[nd.in[1]]
		if changed[b.name] {
			nd.kmajor = kMajor(m.inits[b.init].m, nd.transB)
		}
	}
	m.rank = p.Rank
	m.loraParams = p.NumParams()
	return m, nil
}

// splitMix is SplitMix64, a small deterministic generator whose output does
// not depend on the Go version.
type splitMix struct{ s uint64 }

func newSplitMix(seed uint64) *splitMix { return &splitMix{s: seed} }

func (r *splitMix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float64 returns a value in [0, 1).
func (r *splitMix) float64() float64 { return float64(r.next()>>11) / (1 << 53) }
