// Package teamsim writes synthetic feedback histories into a local store,
// as package capture would record them, for the team hub's tests and
// scale benchmarks: many members, thousands of preferences each, with a
// taste the test chooses. Learning itself is measured on real sessions
// (make bench-team); these histories measure plumbing and speed.
package teamsim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// Rule is a rule of the synthetic world.
type Rule struct {
	ID, Category string
	Prior        float64
}

// Rules are real rule ids of the built-in library with their priors.
var Rules = []Rule{
	{"go.sql-sprintf", store.Security, 0.82},
	{"go.tls-insecure-skip-verify", store.Security, 0.80},
	{"go.world-writable-perm", store.Security, 0.70},
	{"go.equal-fold", store.Performance, 0.66},
	{"go.string-concat-loop", store.Performance, 0.60},
	{"go.append-prealloc", store.Performance, 0.45},
	{"go.waitgroup-add-in-goroutine", store.Correctness, 0.80},
	{"go.errorf-wrap", store.Correctness, 0.72},
	{"go.errors-is", store.Correctness, 0.58},
	{"go.strings-contains", store.StyleCat, 0.62},
	{"go.time-since", store.StyleCat, 0.55},
	{"go.return-err-directly", store.StyleCat, 0.40},
}

// Taste is a member's hidden utility for a rule: above 0 it keeps the
// suggestion, below it undoes or ignores it.
type Taste func(Rule) float64

// Likes is a taste that wants exactly the given categories.
func Likes(categories ...string) Taste {
	return func(r Rule) float64 {
		for _, c := range categories {
			if r.Category == c {
				return 2
			}
		}
		return -2
	}
}

// Spec describes one member's history.
type Spec struct {
	Prefs         int // at least this many preferences
	Seed          uint64
	Taste         Taste
	Persona       string  // "developer" when empty
	PersonaWeight float64 // 1 when zero
	Start         time.Time
	Step          time.Duration // between candidate sets; a minute when zero
	// Prefix makes suggestion and set ids unique across histories written
	// to one store.
	Prefix  string
	Trigger store.Trigger // invoked when empty
}

// Fill writes a history: candidate sets of two or three suggestions, each
// offered, then either the best one kept (pairs over the others and a
// desirable label), undone (original ≻ suggestion, undesirable label) or
// the menu ignored (weak undesirable labels), with events as provenance.
// It returns how many preferences it wrote.
func Fill(ctx context.Context, db *store.DB, spec Spec) (int, error) {
	if spec.Persona == "" {
		spec.Persona = "developer"
	}
	if spec.PersonaWeight == 0 {
		spec.PersonaWeight = 1
	}
	if spec.Step == 0 {
		spec.Step = time.Minute
	}
	if spec.Trigger == "" {
		spec.Trigger = store.Invoked
	}
	if spec.Start.IsZero() {
		spec.Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	r := &splitMix{s: spec.Seed}
	n := 0
	pw := spec.PersonaWeight
	for i := 0; n < spec.Prefs; i++ {
		at := spec.Start.Add(time.Duration(i) * spec.Step)
		setID := fmt.Sprintf("%sset%06d", spec.Prefix, i)
		ss, utils := spec.candidateSet(r, setID, at)
		if _, err := db.Offer(ctx, pw, ss...); err != nil {
			return n, fmt.Errorf("teamsim: %w", err)
		}
		best := 0
		for j := range utils {
			if utils[j] > utils[best] {
				best = j
			}
		}
		ev, prefs := spec.outcome(r, ss, utils[best] < 0, best, at)
		if _, _, err := db.RecordOutcome(ctx, ev, prefs...); err != nil {
			return n, fmt.Errorf("teamsim: %w", err)
		}
		n += len(prefs)
	}
	return n, nil
}

// candidateSet draws a candidate set of two or three distinct rules,
// offered at at, and the developer's utility of each (their taste plus
// noise).
func (spec Spec) candidateSet(r *splitMix, setID string, at time.Time) ([]store.Suggestion, []float64) {
	k := 2 + int(r.next()%2)
	perm := r.perm(len(Rules))
	var ss []store.Suggestion
	var utils []float64
	for j := 0; j < k; j++ {
		rule := Rules[perm[j]]
		c := model.Candidate{RuleID: rule.ID, Category: rule.Category, Language: "go", Prior: rule.Prior,
			Context:  []string{fmt.Sprintf("anc:n%d", r.next()%12), fmt.Sprintf("tok:t%d", r.next()%9)},
			EditSize: 1 + int(r.next()%60), Persona: spec.Persona}
		feat, _ := json.Marshal(c)
		ss = append(ss, store.Suggestion{ID: fmt.Sprintf("%s-%d", setID, j), CreatedAt: at, Workspace: "/w",
			Document: "/w/main.go", Language: "go", RuleID: rule.ID, Category: rule.Category, Title: rule.ID,
			Features: feat, CandidateSet: setID, Rank: j, Score: rule.Prior, Trigger: spec.Trigger, Persona: spec.Persona,
			OriginalText: "x := 1", SuggestedText: fmt.Sprintf("x := %d", j+2)})
		utils = append(utils, spec.Taste(rule)+0.5*r.logistic())
	}
	return ss, utils
}

// outcome draws what the developer did with the set ss, whose best
// suggestion is ss[best] (disliked when bad): the event on it and the
// preferences derived from that event.
func (spec Spec) outcome(r *splitMix, ss []store.Suggestion, bad bool, best int, at time.Time) (store.Event, []store.Preference) {
	pw := spec.PersonaWeight
	later := at.Add(15 * time.Second)
	b := ss[best]
	var ev store.Event
	var prefs []store.Preference
	switch {
	case bad && r.next()%2 == 0:
		ev = store.Event{SuggestionID: b.ID, Outcome: store.Ignored, At: later, Persona: spec.Persona, PersonaWeight: pw}
		for _, s := range ss {
			prefs = append(prefs, store.Preference{CreatedAt: later, Kind: store.Label, SuggestionID: s.ID, Weight: 0.3 * pw,
				Persona: spec.Persona, Provenance: []int64{0}})
		}
	case bad:
		ev = store.Event{SuggestionID: b.ID, Outcome: store.Undone, At: later, Persona: spec.Persona, PersonaWeight: pw}
		prefs = append(prefs,
			store.Preference{CreatedAt: later, Kind: store.Pair, Weight: pw, Persona: spec.Persona, Provenance: []int64{0},
				Chosen:   store.Side{SuggestionID: b.ID, Role: store.RoleOriginal},
				Rejected: store.Side{SuggestionID: b.ID, Role: store.RoleSuggestion}},
			store.Preference{CreatedAt: later, Kind: store.Label, SuggestionID: b.ID, Weight: pw, Persona: spec.Persona, Provenance: []int64{0}})
	default:
		ev = store.Event{SuggestionID: b.ID, Outcome: store.Kept, At: later, Persona: spec.Persona, PersonaWeight: pw}
		for j, s := range ss {
			if j != best {
				prefs = append(prefs, store.Preference{CreatedAt: later, Kind: store.Pair, Weight: pw, Persona: spec.Persona,
					Provenance: []int64{0},
					Chosen:     store.Side{SuggestionID: b.ID, Role: store.RoleSuggestion},
					Rejected:   store.Side{SuggestionID: s.ID, Role: store.RoleCandidate}})
			}
		}
		prefs = append(prefs, store.Preference{CreatedAt: later, Kind: store.Label, SuggestionID: b.ID, Desirable: true,
			Weight: pw, Persona: spec.Persona, Provenance: []int64{0}})
	}
	return ev, prefs
}

// splitMix is SplitMix64, so that a history depends on its seed only.
type splitMix struct{ s uint64 }

func (r *splitMix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *splitMix) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(r.next() % uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

func (r *splitMix) logistic() float64 {
	u := float64(r.next()>>11) / (1 << 53)
	u = min(max(u, 1e-12), 1-1e-12)
	return math.Log(u / (1 - u))
}
