package model

import "fmt"

// Compose returns the policy of the two layers over n: the team adapter
// team, then the developer's own adapter own (either may be nil):
//
//	W' = W + s_team·B_team·A_team + s_own·B_own·A_own
//
// for every target weight W of n, with each adapter's own scale s =
// lora_alpha/r. Both adapters are PEFT adapters of the same base; the
// result is labelled "<team version>+<own version>" (the versions present).
// See "Two layers" in the package documentation.
func (n *Network) Compose(team, own *Adapter) (*Network, error) {
	cur := n
	label := ""
	for _, a := range []*Adapter{team, own} {
		if a == nil {
			continue
		}
		if a.BaseHash != n.baseHash {
			return nil, fmt.Errorf("%w: adapter %s was made for base %s, not %s", ErrAdapter, a.Version, a.BaseHash, n.baseHash)
		}
		m, err := cur.Merge(a.LoRA)
		if err != nil {
			return nil, fmt.Errorf("adapter %s: %w", a.Version, err)
		}
		if label != "" {
			label += "+"
		}
		label += a.Version
		m.adapterVersion = label
		cur = m
	}
	if team != nil && own != nil {
		cur.rank = team.LoRA.Rank + own.LoRA.Rank
		cur.loraParams = team.LoRA.NumParams() + own.LoRA.NumParams()
	}
	return cur, nil
}
