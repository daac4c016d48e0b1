package train

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// warmStart is the adapter a run's optimisations start from (see the
// package doc's "Warm start"): the active adapter when it loads over the
// run's base, has the shape a fresh adapter of the run's settings would
// have and was trained over the same team layer, else none (a fresh,
// seeded initialisation).
type warmStart struct {
	lora    *model.LoRA
	version string
}

// loadWarmStart reads the store's active adapter and returns it as the
// run's starting point when it fits; otherwise a zero warmStart and, when
// an active adapter was passed over, why.
func (tr *trainer) loadWarmStart(ctx context.Context, p Problem) (warmStart, string, error) {
	act, ok, err := p.DB.ActiveAdapter(ctx)
	if err != nil || !ok {
		return warmStart{}, "", err
	}
	a, err := model.LoadAdapter(filepath.Join(model.AdaptersDir(p.Home), act.Version), tr.base)
	if err != nil {
		return warmStart{}, fmt.Sprintf("active adapter %s does not load over this base (%v): fresh start", act.Version, err), nil
	}
	fresh, err := model.NewLoRA(tr.base, model.LoRAConfig{Rank: tr.s.Rank, Alpha: tr.s.Alpha})
	if err != nil {
		return warmStart{}, "", err
	}
	if why := sameShape(fresh, a.LoRA); why != "" {
		return warmStart{}, fmt.Sprintf("active adapter %s %s: fresh start", act.Version, why), nil
	}
	r, ok, err := runOf(ctx, p.DB, act.Version)
	if err != nil {
		return warmStart{}, "", err
	}
	if layer := teamLayerOfRun(r, ok); layer != p.TeamLayer {
		return warmStart{}, fmt.Sprintf("active adapter %s was trained over team layer %q, this run over %q: fresh start", act.Version, layer, p.TeamLayer), nil
	}
	// An adapter committed by another process after this run read its
	// preferences may have trained on newer ones, which may have been
	// forgotten since: starting from it would carry them into this run's
	// adapter past checkNothingForgotten, which counts up to what this run
	// read. Forget's rule (every adapter whose LastPreferenceID reaches a
	// forgotten preference goes) needs a run's id to be at least its
	// starting point's.
	if ok && r.LastPreferenceID > tr.ds.lastID {
		return warmStart{}, fmt.Sprintf("active adapter %s trained on preferences up to %d, newer than this run read (%d): fresh start",
			act.Version, r.LastPreferenceID, tr.ds.lastID), nil
	}
	return warmStart{lora: a.LoRA, version: act.Version}, "", nil
}

// teamLayerOfRun returns the team layer the run (ok: the store has it)
// trained its adapter over, as it recorded it ("" for none).
func teamLayerOfRun(r store.Run, ok bool) string {
	if !ok {
		return ""
	}
	var h struct {
		TeamLayer string `json:"team_layer"`
	}
	if json.Unmarshal(r.Hyperparams, &h) != nil {
		return ""
	}
	return h.TeamLayer
}

// sameShape says how p differs from want in what training assumes (rank,
// alpha, scaling, modules, matrix shapes), or "" when it does not.
func sameShape(want, p *model.LoRA) string {
	switch {
	case p.Rank != want.Rank || p.Alpha != want.Alpha || p.RSLoRA != want.RSLoRA:
		return fmt.Sprintf("has rank %d, alpha %g (rslora %v), the run wants rank %d, alpha %g", p.Rank, p.Alpha, p.RSLoRA, want.Rank, want.Alpha)
	case len(p.Layers) != len(want.Layers):
		return fmt.Sprintf("adapts %d modules, the run %d", len(p.Layers), len(want.Layers))
	}
	for i, l := range want.Layers {
		q := p.Layers[i]
		if q.Module != l.Module || q.A.Rows != l.A.Rows || q.A.Cols != l.A.Cols || q.B.Rows != l.B.Rows || q.B.Cols != l.B.Cols {
			return fmt.Sprintf("adapts module %s as %dx%d/%dx%d, the run %s as %dx%d/%dx%d",
				q.Module, q.A.Rows, q.A.Cols, q.B.Rows, q.B.Cols, l.Module, l.A.Rows, l.A.Cols, l.B.Rows, l.B.Cols)
		}
	}
	return ""
}

// initLoRA is the starting point of one optimisation (the reward model's or
// the policy's): a copy of the warm start when there is one, else a fresh
// adapter whose A is drawn from seed.
func (tr *trainer) initLoRA(seed uint64) (*model.LoRA, error) {
	if tr.warm.lora != nil {
		return tr.warm.lora.Clone(), nil
	}
	return model.NewLoRA(tr.base, model.LoRAConfig{Rank: tr.s.Rank, Alpha: tr.s.Alpha, Seed: seed})
}
