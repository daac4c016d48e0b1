package train

import (
	"fmt"

	"github.com/syntx/syntx/model"
)

// teamWarmStart is a team run's starting point (see the package
// documentation, "Warm start" and "Teams"): the published team adapter
// when it was trained for this base and has the shape a fresh adapter of
// the run's settings would have, else none, with why it was passed over.
// The rule is local training's (loadWarmStart), with the team adapter in
// place of the store's active one; a team adapter is trained over the
// base alone, so there is no team layer to match.
func (tr *trainer) teamWarmStart(p TeamProblem) (warmStart, string, error) {
	if p.ActiveBaseSHA256 != "" && p.ActiveBaseSHA256 != tr.base.BaseHash() {
		return warmStart{}, fmt.Sprintf("team adapter %s was trained for base %s, this run's is %s: compared with the base, fresh start",
			p.ActiveVersion, p.ActiveBaseSHA256, tr.base.BaseHash()), nil
	}
	if p.Active == nil {
		return warmStart{}, "", nil
	}
	fresh, err := model.NewLoRA(tr.base, model.LoRAConfig{Rank: tr.s.Rank, Alpha: tr.s.Alpha})
	if err != nil {
		return warmStart{}, "", err
	}
	if why := sameShape(fresh, p.Active); why != "" {
		return warmStart{}, fmt.Sprintf("team adapter %s %s: fresh start", p.ActiveVersion, why), nil
	}
	return warmStart{lora: p.Active, version: p.ActiveVersion}, "", nil
}
