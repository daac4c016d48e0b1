package train

import "github.com/syntx/syntx/model"

// ruleSpecificGroups are the feature groups (model.FeatureGroupSlots) that
// describe one rule rather than something rules share: the rule itself,
// its stem (the same rewrite in other languages) and the stem in a file
// role. Evidence a developer gives on one rule can be explained either by
// these or by the shared groups (family, category, file role and their
// crosses, language, prior tiles); Settings.RuleDecay makes the
// explanation through a rule's own columns dearer, so that evidence lands
// on the shared ones unless the rule's own preferences contradict them
// (see the package doc, "Feature-group decay").
var ruleSpecificGroups = map[string]bool{"rule": true, "stem": true, "stem*role": true}

// columnGroups records, per input column, whether some row of the run
// carries a rule-specific feature there and whether some row carries a
// shared one (hashed features collide, so both can hold).
type columnGroups struct {
	specific, shared [model.FeatureWidth]bool
	// stem is the one rule stem whose rows use the column so far, and
	// many that rows of two or more stems do.
	stem [model.FeatureWidth]string
	many [model.FeatureWidth]bool
}

// note records c's features.
func (g *columnGroups) note(c model.Candidate) {
	stem := model.RuleStem(c.RuleID)
	model.FeatureGroupSlots(c, func(group string, slot int) {
		if ruleSpecificGroups[group] {
			g.specific[slot] = true
		} else {
			g.shared[slot] = true
		}
		switch g.stem[slot] {
		case "":
			g.stem[slot] = stem
		case stem:
		default:
			g.many[slot] = true
		}
	})
}

// multiplier is column j's factor on the L2 coefficient: mult for a
// column that in this run carries only one rule's evidence — only
// rule-specific features use it, or only the rows of one rule stem do
// (a family, a family × role, a role × category the run has seen with
// one rule only) — and 1 for a column whose evidence several rules
// share.
func (g *columnGroups) multiplier(j int, mult float64) float64 {
	if g != nil && (g.specific[j] && !g.shared[j] || g.stem[j] != "" && !g.many[j]) {
		return mult
	}
	return 1
}

// decayScale returns, in layout l of p, each parameter's factor on the L2
// coefficient: the columns of lora_A of every module that reads the
// feature row directly (the network's input) get their column's
// multiplier; every other parameter 1. It returns nil when every factor
// is 1 (no groups known, as in a team run, or mult = 1).
func decayScale(net *model.Network, p *model.LoRA, l layout, g *columnGroups, mult float64) []float64 {
	if g == nil || mult == 1 {
		return nil
	}
	reads := map[string]bool{}
	for _, nd := range net.Nodes() {
		if nd.Module != "" && len(nd.Inputs) > 0 && nd.Inputs[0] == model.InputName {
			reads[nd.Module] = true
		}
	}
	out := make([]float64, l.n)
	for i := range out {
		out[i] = 1
	}
	for i, ly := range p.Layers {
		if !reads[ly.Module] || ly.A.Cols != model.FeatureWidth {
			continue
		}
		for r := 0; r < ly.A.Rows; r++ {
			for j := 0; j < ly.A.Cols; j++ {
				out[l.offA[i]+r*ly.A.Cols+j] = g.multiplier(j, mult)
			}
		}
	}
	return out
}

// defaultRuleDecay is Settings.RuleDecay's default.
const defaultRuleDecay = 4
