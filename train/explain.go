package train

import (
	"fmt"

	"github.com/syntx/syntx/model"
)

// GroupContribution is the share of an adapter's change to one
// candidate's logit that one feature group accounts for.
type GroupContribution struct {
	Group string  // a model.FeatureGroupSlots group, or "dense" (prior logit, bias, edit size)
	Delta float64 // the adapter's logit change minus that change with the group's columns zeroed
}

// Explain decomposes what adapter p does to candidate c's logit over the
// base: delta = z_p(x) − z_base(x), and for each feature group g the part
// delta − delta(x without g's columns). On the network's linear (skip)
// path the parts add up to delta exactly when no two groups share a slot;
// a slot two groups hash onto is counted in each. Through the hidden
// layer they are ablations and need not add up. It is a diagnostic (the learning benchmark's
// -explain), not part of a run.
func Explain(base *model.Network, p *model.LoRA, c model.Candidate) (delta float64, parts []GroupContribution, err error) {
	x := make([]float32, model.FeatureWidth)
	model.Featurize(c, x)
	slots := map[string][]int{"dense": {model.SlotPrior, model.SlotBias, model.SlotEditSize}}
	var order []string
	model.FeatureGroupSlots(c, func(g string, slot int) {
		if _, ok := slots[g]; !ok {
			order = append(order, g)
		}
		slots[g] = append(slots[g], slot)
	})
	order = append(order, "dense")
	d := func(x []float32) (float64, error) {
		var zb, zl [1]float32
		if err := base.ForwardLoRA(x, 1, nil, zb[:]); err != nil {
			return 0, err
		}
		if err := base.ForwardLoRA(x, 1, p, zl[:]); err != nil {
			return 0, err
		}
		return float64(zl[0] - zb[0]), nil
	}
	if delta, err = d(x); err != nil {
		return 0, nil, fmt.Errorf("explain %s: %w", c.RuleID, err)
	}
	y := make([]float32, len(x))
	for _, g := range order {
		copy(y, x)
		for _, s := range slots[g] {
			y[s] = 0
		}
		dg, err := d(y)
		if err != nil {
			return 0, nil, fmt.Errorf("explain %s: %w", c.RuleID, err)
		}
		parts = append(parts, GroupContribution{Group: g, Delta: delta - dg})
	}
	return delta, parts, nil
}
