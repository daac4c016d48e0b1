package capture

import (
	"encoding/json"

	"github.com/syntx/syntx/store"
)

// IgnoredWeight scales the weight of the labels an ignored menu yields: not
// choosing is weak evidence.
const IgnoredWeight = 0.3

// Derive returns the preferences an outcome yields (DESIGN.md, "Outcomes
// and preferences"). s is the suggestion, set the candidates shown with it
// (s included or not), weight the persona's weight. The event that records
// the outcome is referred to as 0 in Provenance (store.RecordOutcome fills
// it in); accepted, the id of the accept event, is added when non-zero.
func Derive(outcome store.Outcome, s store.Suggestion, set []store.Suggestion, ev store.Event, accepted int64) []store.Preference {
	w := ev.PersonaWeight
	if w <= 0 {
		w = 1
	}
	prov := []int64{0}
	if accepted > 0 {
		prov = append(prov, accepted)
	}
	ctx := preferenceContext(s, ev)
	base := store.Preference{CreatedAt: ev.At, Context: ctx, Weight: w, Persona: ev.Persona, Provenance: prov}
	var others []store.Suggestion
	for _, o := range set {
		if o.ID != s.ID {
			others = append(others, o)
		}
	}
	var out []store.Preference
	pair := func(chosen, rejected store.Side) {
		p := base
		p.Kind, p.Chosen, p.Rejected = store.Pair, chosen, rejected
		out = append(out, p)
	}
	label := func(id string, desirable bool, weight float64) {
		p := base
		p.Kind, p.SuggestionID, p.Desirable, p.Weight = store.Label, id, desirable, weight
		out = append(out, p)
	}
	sugg := store.Side{SuggestionID: s.ID, Role: store.RoleSuggestion}
	switch outcome {
	case store.Kept:
		for _, o := range others {
			pair(sugg, store.Side{SuggestionID: o.ID, Role: store.RoleCandidate})
		}
		label(s.ID, true, w)
	case store.Undone:
		pair(store.Side{SuggestionID: s.ID, Role: store.RoleOriginal}, sugg)
		label(s.ID, false, w)
	case store.Edited:
		pair(store.Side{SuggestionID: s.ID, Role: store.RoleDeveloper, Text: ev.FinalText}, sugg)
		for _, o := range others {
			pair(sugg, store.Side{SuggestionID: o.ID, Role: store.RoleCandidate})
		}
	case store.Ignored:
		label(s.ID, false, w*IgnoredWeight)
	case store.Dismissed:
		label(s.ID, false, w)
	}
	return out
}

func preferenceContext(s store.Suggestion, ev store.Event) json.RawMessage {
	m := map[string]any{
		"rule":     s.RuleID,
		"category": s.Category,
		"language": s.Language,
		"message":  s.Title,
		"trigger":  string(s.Trigger),
		"set":      s.CandidateSet,
	}
	if ev.Reason != "" {
		m["reason"] = string(ev.Reason)
	}
	b, _ := json.Marshal(m)
	return b
}

// PersonaWeight is the weight of persona's feedback: its configured weight
// (config key personas), or 1 when it has none or a non-positive one.
func PersonaWeight(weights map[string]float64, persona string) float64 {
	if w, ok := weights[persona]; ok && w > 0 {
		return w
	}
	return 1
}
