package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// Policy scores candidates: out[i] receives the probability that the
// developer accepts cands[i]. Implementations are safe for concurrent use.
type Policy interface {
	Score(ctx context.Context, cands []Candidate, out []float64) error
	// Version names the model that produced the scores, e.g.
	// "base-1a2b3c4d5e6f+v3".
	Version() string
}

// Backend selects the engine that Runtime.Score runs.
type Backend int

const (
	// BackendNative runs the pure-Go sparse forward pass (the default).
	BackendNative Backend = iota
	// BackendONNXGo runs onnx-go's gorgonnx backend, from a pool of graph
	// instances.
	BackendONNXGo
)

func (b Backend) String() string {
	switch b {
	case BackendNative:
		return "native"
	case BackendONNXGo:
		return "onnx-go"
	}
	return fmt.Sprintf("backend(%d)", int(b))
}

// RuntimeOption configures a Runtime.
type RuntimeOption func(*runtimeOptions)

type runtimeOptions struct {
	backend Backend
	verify  bool
}

// WithBackend selects the scoring engine.
func WithBackend(b Backend) RuntimeOption {
	return func(o *runtimeOptions) { o.backend = b }
}

// WithSwapVerification sets whether Swap checks the merged network against
// onnx-go on the probe batch before activating it (default true). The check
// costs a few milliseconds per swap.
func WithSwapVerification(on bool) RuntimeOption {
	return func(o *runtimeOptions) { o.verify = on }
}

// Runtime is the serving Policy: a base network plus an optional adapter,
// merged, behind an atomic pointer so that Swap never blocks or disturbs
// requests in flight. Safe for concurrent use.
type Runtime struct {
	base *Network
	opts runtimeOptions

	swapMu sync.Mutex // serialises Swap
	cur    atomic.Pointer[serving]
	bufs   sync.Pool // *scoreBuf
}

// serving is one immutable generation of the runtime.
type serving struct {
	net     *Network
	team    *Adapter // the team layer, nil for none
	adapter *Adapter // the developer's own layer, nil for none
	version string
	onnx    *onnxGoRunner // BackendONNXGo only
}

type scoreBuf struct {
	x      []float32
	logits []float32
	nzIdx  []int32
	nz     [][]int32
}

var _ Policy = (*Runtime)(nil)

// NewRuntime returns a Runtime serving base without an adapter.
func NewRuntime(base *Network, opts ...RuntimeOption) (*Runtime, error) {
	if base == nil {
		return nil, errors.New("new runtime: nil base network")
	}
	r := &Runtime{base: base, opts: runtimeOptions{backend: BackendNative, verify: true}}
	for _, o := range opts {
		o(&r.opts)
	}
	if r.opts.backend != BackendNative && r.opts.backend != BackendONNXGo {
		return nil, fmt.Errorf("new runtime: unknown backend %v", r.opts.backend)
	}
	s, err := r.prepare(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("new runtime: %w", err)
	}
	r.cur.Store(s)
	return r, nil
}

func (r *Runtime) prepare(team, a *Adapter) (*serving, error) {
	net, err := r.base.Compose(team, a)
	if err != nil {
		return nil, err
	}
	s := &serving{net: net, team: team, adapter: a, version: versionString(net)}
	if (a != nil || team != nil) && r.opts.verify {
		if err := net.verifyWithONNXGo(); err != nil {
			return nil, err
		}
	}
	if r.opts.backend == BackendONNXGo {
		s.onnx = newONNXGoRunner(net.MarshalONNX())
	}
	return s, nil
}

func versionString(n *Network) string {
	v := "base-" + n.baseHash[:min(12, len(n.baseHash))]
	if n.adapterVersion != "" {
		v += "+" + n.adapterVersion
	}
	return v
}

// Swap activates the developer's own adapter a (nil: none) over the team
// layer in use. The merged network is built and checked first; requests
// already running finish on the previous one. On error the active model is
// unchanged.
func (r *Runtime) Swap(a *Adapter) error {
	r.swapMu.Lock()
	defer r.swapMu.Unlock()
	s, err := r.prepare(r.cur.Load().team, a)
	if err != nil {
		return fmt.Errorf("swap adapter: %w", err)
	}
	r.cur.Store(s)
	return nil
}

// SwapTeam activates team adapter t (nil: none) under the developer's own
// adapter in use, as Swap does.
func (r *Runtime) SwapTeam(t *Adapter) error {
	r.swapMu.Lock()
	defer r.swapMu.Unlock()
	s, err := r.prepare(t, r.cur.Load().adapter)
	if err != nil {
		return fmt.Errorf("swap team adapter: %w", err)
	}
	r.cur.Store(s)
	return nil
}

// SwapLayers activates both layers at once (see Compose).
func (r *Runtime) SwapLayers(team, own *Adapter) error {
	r.swapMu.Lock()
	defer r.swapMu.Unlock()
	s, err := r.prepare(team, own)
	if err != nil {
		return fmt.Errorf("swap adapters: %w", err)
	}
	r.cur.Store(s)
	return nil
}

// Version implements Policy.
func (r *Runtime) Version() string { return r.cur.Load().version }

// Adapter returns the developer's own active adapter, or nil.
func (r *Runtime) Adapter() *Adapter { return r.cur.Load().adapter }

// Team returns the active team adapter, or nil.
func (r *Runtime) Team() *Adapter { return r.cur.Load().team }

// Network returns the active (merged) network.
func (r *Runtime) Network() *Network { return r.cur.Load().net }

// Base returns the base network.
func (r *Runtime) Base() *Network { return r.base }

// Info describes the active network (see Network.Info).
func (r *Runtime) Info() Info { return r.cur.Load().net.Info() }

// Backend returns the scoring engine in use.
func (r *Runtime) Backend() Backend { return r.opts.backend }

// Score implements Policy: it featurises the candidates, runs the active
// network and returns sigmoid(logit) per candidate. len(out) must be at
// least len(cands).
func (r *Runtime) Score(ctx context.Context, cands []Candidate, out []float64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	if len(out) < len(cands) {
		return fmt.Errorf("score: out has room for %d scores, need %d", len(out), len(cands))
	}
	n := len(cands)
	if n == 0 {
		return nil
	}
	s := r.cur.Load()
	buf, _ := r.bufs.Get().(*scoreBuf)
	if buf == nil {
		buf = &scoreBuf{}
	}
	defer r.bufs.Put(buf)
	if cap(buf.x) < n*FeatureWidth {
		buf.x = make([]float32, n*FeatureWidth)
		buf.logits = make([]float32, n)
	}
	x := buf.x[:n*FeatureWidth]
	logits := buf.logits[:n]
	// Featurize while recording each row's non-zero slots, so that the
	// native pass does not scan the rows for them.
	buf.nzIdx = buf.nzIdx[:0]
	starts := buf.nz[:0]
	for i := range cands {
		before := len(buf.nzIdx)
		buf.nzIdx = featurize(cands[i], x[i*FeatureWidth:(i+1)*FeatureWidth], true, buf.nzIdx, nil)
		starts = append(starts, buf.nzIdx[before:len(buf.nzIdx):len(buf.nzIdx)])
	}
	buf.nz = starts
	if s.onnx != nil {
		if err := s.onnx.run(x, n, logits); err != nil {
			return fmt.Errorf("score: %w", err)
		}
	} else {
		s.net.forwardSparse(x, n, starts, logits)
	}
	for i, l := range logits {
		out[i] = 1 / (1 + math.Exp(-float64(l)))
	}
	return nil
}

// scoreSlack is how far under the probability it encodes a score may come
// out: the network computes in float32, so the base policy scores a prior
// p as sigmoid(float32(logit(p))), a few 1e-9 off (a prior of 0.55 comes
// back as 0.5499999985). It is far under the 0.01 steps priors and
// thresholds are written in.
const scoreSlack = 1e-6

// Clears reports whether score reaches threshold, allowing for the
// network's float32 rounding: a rule whose prior equals the threshold is
// shown unasked by the base policy, as the rule library says.
func Clears(score, threshold float64) bool { return score >= threshold-scoreSlack }

// Info describes the network for `syntx model info`.
type Info struct {
	// BaseSHA256 is the hex SHA-256 of the base ONNX file.
	BaseSHA256 string `json:"base_sha256"`
	// AdapterVersion is the merged adapter's version, "" for none.
	AdapterVersion string `json:"adapter_version,omitempty"`
	// Rank is the merged adapter's LoRA rank, 0 for none.
	Rank int `json:"rank"`
	// Params counts the network's weights; AdapterParams the merged
	// adapter's LoRA values.
	Params        int `json:"params"`
	AdapterParams int `json:"adapter_params"`
	// FeatureWidth and FeatureScheme describe the input.
	FeatureWidth  int    `json:"feature_width"`
	FeatureScheme string `json:"feature_scheme"`
	// Ops lists the nodes' operators in order; Targets the LoRA targets.
	Ops     []string `json:"ops"`
	Targets []Target `json:"targets"`
}

// Info returns a description of the network.
func (n *Network) Info() Info {
	ops := make([]string, len(n.nodes))
	for i, nd := range n.nodes {
		ops[i] = nd.op.String()
	}
	return Info{
		BaseSHA256:     n.baseHash,
		AdapterVersion: n.adapterVersion,
		Rank:           n.rank,
		Params:         n.NumParams(),
		AdapterParams:  n.loraParams,
		FeatureWidth:   n.Width(),
		FeatureScheme:  FeatureScheme,
		Ops:            ops,
		Targets:        n.Targets(),
	}
}

// BaseHash returns the hex SHA-256 of the base ONNX file the network was
// built from.
func (n *Network) BaseHash() string { return n.baseHash }

// AdapterVersion returns the version of the merged adapter, "" for none.
func (n *Network) AdapterVersion() string { return n.adapterVersion }
