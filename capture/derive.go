package capture

import (
	"encoding/json"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/store"
)

// Evidence weighs what each outcome says about a suggestion: every
// preference an outcome yields has the weight of the persona it came from
// times the outcome's evidence weight (config.Evidence, the keys
// capture.evidence.*; see the package documentation's table). A menu's
// evidence (ignored, or dismissed as a whole) is one signal about the set:
// its weight is shared by the suggestions shown in it.

// EvidenceFor returns the evidence weight of a tracker's outcome for its
// suggestion: an ignored suggestion gets its share of its menu's weight.
func EvidenceFor(e config.Evidence, o Outcome) float64 {
	if o.Outcome == store.Ignored && o.Shown {
		return e.Shown
	}
	if o.Outcome == store.Ignored {
		w := e.Ignored
		if o.Deliberate {
			w = e.IgnoredSelection
		}
		return w / float64(max(1, o.SetSize))
	}
	return EvidenceOf(e, o.Outcome)
}

// EvidenceOf returns the evidence weight of an outcome of one suggestion
// on its own (a set of one).
func EvidenceOf(e config.Evidence, o store.Outcome) float64 {
	switch o {
	case store.Kept:
		return e.Kept
	case store.Edited:
		return e.Edited
	case store.Undone:
		return e.Undone
	case store.Dismissed:
		return e.Dismissed
	case store.Ignored:
		return e.Ignored
	}
	return 1
}

// DismissedShare is the evidence weight of each of n suggestions dismissed
// together as a menu.
func DismissedShare(e config.Evidence, n int) float64 {
	if n <= 1 {
		return e.Dismissed
	}
	return e.DismissedSet / float64(n)
}

// Derive returns the preferences an outcome yields with the built-in
// evidence weight of one suggestion's outcome (DeriveWeighted with
// EvidenceOf(config.Defaults().Capture.Evidence, outcome)).
func Derive(outcome store.Outcome, s store.Suggestion, set []store.Suggestion, ev store.Event, accepted int64) []store.Preference {
	return DeriveWeighted(outcome, s, set, ev, accepted, EvidenceOf(config.Defaults().Capture.Evidence, outcome))
}

// DeriveWeighted returns the preferences an outcome yields (DESIGN.md,
// "Outcomes and preferences"; the package documentation's table). s is the
// suggestion, set the candidates shown with it (s included or not); every
// preference weighs the persona's weight (ev.PersonaWeight) times evidence.
// The event that records the outcome is referred to as 0 in Provenance
// (store.RecordOutcome fills it in); accepted, the id of the accept event,
// is added when non-zero. An evidence weight of 0 yields no preference.
func DeriveWeighted(outcome store.Outcome, s store.Suggestion, set []store.Suggestion, ev store.Event, accepted int64, evidence float64) []store.Preference {
	if !(evidence > 0) {
		return nil
	}
	w := personaWeight(ev) * evidence
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
		label(s.ID, false, w)
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
