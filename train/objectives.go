package train

import (
	"fmt"
	"strings"
)

// Objective names a policy optimisation objective (config key
// train.objective).
type Objective string

// The objectives. The table below says what each one trains on and with
// which loss; adding one is a row there and its loss in objective.go.
const (
	KL  Objective = "kl"  // reward model, then KL-regularised policy over candidate sets
	DPO Objective = "dpo" // direct preference optimisation on pairs
	KTO Objective = "kto" // Kahneman–Tversky optimisation on labels
)

// objectiveDef is one row of the objectives table.
type objectiveDef struct {
	name    Objective
	summary string
	// beta is the default β (Settings.Beta).
	beta float64
	// reward: a Bradley–Terry reward model is fitted on every training
	// preference first, and the policy is optimised against it.
	reward bool
	// scaledDecay: the policy's L2 coefficient is WeightDecay·β. DPO's and
	// KTO's losses pass β times the gradient of the Bradley–Terry and KL
	// losses (β·σ(·) and β·σ·(1−σ)); unscaled, the L2 term outweighs the
	// data, and the factorised penalty (which acts on B·A like a nuclear
	// norm) holds the LoRA factors at zero, the reference, whenever the loss
	// gradient is weaker than it — KTO trained nothing for personas whose
	// labels partly cancel.
	scaledDecay bool
	// policy returns the policy optimisation's units, rows and loss. rew is
	// the reward of each dataset row (reward objectives only) and zref the
	// frozen base's logits.
	policy func(s Settings, ds *dataset, u units, zref, rew []float64) fitSpec
	// sets counts the candidate sets the policy trains on
	// (DataCounts.Sets); 0 for objectives that read pairs.
	sets func(u units) int
	// hyper records the objective's own hyper-parameters.
	hyper func(s Settings, h *Hyperparams)
}

// objectives is the table, the default first.
var objectives = []objectiveDef{
	{
		name:    KL,
		summary: "reward model, then the KL-regularised policy over each candidate set",
		beta:    1,
		reward:  true,
		policy: func(s Settings, ds *dataset, u units, zref, rew []float64) fitSpec {
			return fitSpec{
				units:   len(u.sets),
				addRows: func(e *engine, i int) { e.addSet(u.sets[i].set) },
				loss: func(e *engine, batch []int) lossFunc {
					return func(z, dz []float64) (float64, float64) {
						return klLoss(pick(u.sets, batch), ds.sets, e.loc, z, zref, rew, s.Beta, dz)
					}
				},
			}
		},
		sets:  func(u units) int { return len(u.sets) },
		hyper: func(s Settings, h *Hyperparams) { h.RewardEpochs, h.LabelWeight = s.RewardEpochs, s.LabelWeight },
	},
	{
		name:        DPO,
		summary:     "direct preference optimisation on every preference read as a pair",
		beta:        0.1,
		scaledDecay: true,
		policy: func(s Settings, ds *dataset, u units, zref, rew []float64) fitSpec {
			return fitSpec{
				units: len(u.pairs),
				addRows: func(e *engine, i int) {
					e.add(u.pairs[i].pos)
					e.add(u.pairs[i].neg)
				},
				loss: func(e *engine, batch []int) lossFunc {
					return func(z, dz []float64) (float64, float64) {
						return dpoLoss(pick(u.pairs, batch), e.loc, z, zref, s.Beta, dz)
					}
				},
			}
		},
		sets:  func(units) int { return 0 },
		hyper: func(Settings, *Hyperparams) {},
	},
	{
		name:        KTO,
		summary:     "Kahneman–Tversky optimisation on the labels",
		beta:        0.1,
		scaledDecay: true,
		policy: func(s Settings, ds *dataset, u units, zref, rew []float64) fitSpec {
			return fitSpec{
				units:   len(u.labels),
				addRows: func(e *engine, i int) { e.addSet(u.labels[i].set) },
				loss: func(e *engine, batch []int) lossFunc {
					return func(z, dz []float64) (float64, float64) {
						b := pick(u.labels, batch)
						z0 := ktoRefPoint(b, ds.sets, e.loc, z, zref)
						return ktoLoss(b, ds.sets, e.loc, z, zref, s.Beta, s.DesirableWeight, s.UndesirableWeight, z0, dz)
					}
				},
			}
		},
		sets: func(u units) int {
			seen := map[int32]bool{}
			for _, l := range u.labels {
				seen[l.set] = true
			}
			return len(seen)
		},
		hyper: func(s Settings, h *Hyperparams) {
			h.DesirableWeight, h.UndesirableWeight = s.DesirableWeight, s.UndesirableWeight
		},
	},
}

// Objectives lists the objectives' names, the default first.
func Objectives() []Objective {
	out := make([]Objective, len(objectives))
	for i, o := range objectives {
		out[i] = o.name
	}
	return out
}

// ObjectiveNames is Objectives as "kl, dpo or kto", for messages and help.
func ObjectiveNames() string {
	names := make([]string, len(objectives))
	for i, o := range objectives {
		names[i] = string(o.name)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Describe returns an objective's one-line description, or "" when it is
// unknown.
func (o Objective) Describe() string {
	if d, ok := lookupObjective(o); ok {
		return d.summary
	}
	return ""
}

// CheckObjective returns an error naming the known objectives when name is
// none of them (configuration validation).
func CheckObjective(name string) error {
	if _, ok := lookupObjective(Objective(name)); !ok {
		return fmt.Errorf("unknown objective %q (want %s)", name, ObjectiveNames())
	}
	return nil
}

func lookupObjective(o Objective) (objectiveDef, bool) {
	for _, d := range objectives {
		if d.name == o {
			return d, true
		}
	}
	return objectiveDef{}, false
}
