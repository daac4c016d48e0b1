package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// t0 is the injected clock's origin in every test.
var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// synthRule is a rule of the synthetic world: its prior (what the base
// believes) and its hidden utility (what the developer wants).
type synthRule struct {
	id, category string
	prior        float64
	utility      float64
}

// synthRules invert the base's priors: style rules have high priors but the
// hidden persona prefers security over correctness over performance over
// style, and always rejects go.naked-return.
var synthRules = []synthRule{
	{"go.sql-injection", store.Security, 0.35, 2},
	{"go.path-traversal", store.Security, 0.3, 2},
	{"go.weak-hash", store.Security, 0.3, 1.5},
	{"go.err-shadow", store.Correctness, 0.45, 1},
	{"go.nil-map-write", store.Correctness, 0.5, 1},
	{"go.prealloc", store.Performance, 0.5, 0},
	{"go.range-copy", store.Performance, 0.45, 0},
	{"go.receiver-name", store.StyleCat, 0.65, -1},
	{"go.var-naming", store.StyleCat, 0.6, -1},
	{"go.naked-return", store.StyleCat, 0.7, -4},
}

var synthContexts = []string{
	"anc:function_declaration", "anc:method_declaration", "anc:for_statement", "anc:if_statement",
	"anc:call_expression", "anc:block", "anc:return_statement", "anc:short_var_declaration",
	"sib:identifier", "sib:selector_expression", "sib:composite_literal", "sib:binary_expression",
	"tok:identifier", "tok:string_literal", "tok:int_literal", "tok:func", "tok:defer", "tok:range",
}

// synthSpec describes a synthetic feedback history.
type synthSpec struct {
	prefs  int     // at least this many preferences
	seed   uint64  // drives everything
	flip   float64 // the most recent fraction of candidate sets has its utilities negated (poison)
	events bool    // also store offered/kept/ignored events (for the report)
	noise  float64 // scale of the logistic noise on utilities; 0.5 if 0
	// ws is the workspace (and the prefix of the ids), "/w" if empty;
	// offset moves the history's times on from t0.
	ws     string
	offset time.Duration
}

func synthCandidate(r *rng, rule synthRule, persona string) model.Candidate {
	ctx := []string{synthContexts[r.intn(len(synthContexts))], synthContexts[r.intn(len(synthContexts))]}
	return model.Candidate{RuleID: rule.id, Category: rule.category, Language: "go", Prior: rule.prior,
		Context: ctx, EditSize: 1 + r.intn(80), Persona: persona}
}

// fillStore writes a synthetic history into db, as package capture would
// derive it: a kept suggestion yields "kept ≻ each other candidate" pairs
// and a desirable label; an ignored menu yields weak undesirable labels; an
// undone suggestion yields "original ≻ suggestion" and an undesirable
// label. It returns the number of preferences written.
func fillStore(t testing.TB, db *store.DB, spec synthSpec) int {
	t.Helper()
	ctx := context.Background()
	r := newRNG(spec.seed)
	noise := spec.noise
	if noise == 0 {
		noise = 0.5
	}
	logistic := func() float64 {
		u := min(max(r.float(), 1e-12), 1-1e-12)
		return noise * math.Log(u/(1-u))
	}
	type setPlan struct {
		persona string
		pw      float64
		sugg    []store.Suggestion
		prefs   []store.Preference
		evs     []store.Event
	}
	var plans []setPlan
	n := 0
	ws := spec.ws
	if ws == "" {
		ws = "/w"
	}
	idPrefix := ""
	if spec.ws != "" {
		idPrefix = strings.Trim(spec.ws, "/") + "-"
	}
	for i := 0; n < spec.prefs; i++ {
		persona, pw := "developer", 1.0
		if r.intn(10) < 3 {
			persona, pw = "security-reviewer", 2.0
		}
		at := t0.Add(spec.offset + time.Duration(i)*time.Minute)
		setID := fmt.Sprintf("%sset%06d", idPrefix, i)
		k := 2 + r.intn(2)
		perm := make([]int, len(synthRules))
		for j := range perm {
			perm[j] = j
		}
		r.shuffle(perm)
		p := setPlan{persona: persona, pw: pw}
		var utils []float64
		for j := 0; j < k; j++ {
			rule := synthRules[perm[j]]
			c := synthCandidate(r, rule, persona)
			feat, _ := json.Marshal(c)
			p.sugg = append(p.sugg, store.Suggestion{
				ID: fmt.Sprintf("%s-%d", setID, j), CreatedAt: at, Workspace: ws, Document: ws + "/main.go",
				Language: "go", RuleID: rule.id, Category: rule.category, Title: rule.id, Features: feat,
				CandidateSet: setID, Rank: j, Score: rule.prior, Trigger: store.Invoked, Persona: persona,
				OriginalText: "x := 1", SuggestedText: fmt.Sprintf("x := %d", j+2),
			})
			utils = append(utils, rule.utility+logistic())
		}
		decide(&p.prefs, &p.evs, p.sugg, utils, persona, pw, at, r, logistic)
		n += len(p.prefs)
		plans = append(plans, p)
	}
	// Poison: negate the hidden utilities of the most recent sets.
	if spec.flip > 0 {
		from := int(float64(len(plans)) * (1 - spec.flip))
		for i := from; i < len(plans); i++ {
			p := &plans[i]
			var utils []float64
			for _, s := range p.sugg {
				for _, rule := range synthRules {
					if rule.id == s.RuleID {
						utils = append(utils, -rule.utility+logistic())
					}
				}
			}
			p.prefs, p.evs = nil, nil
			decide(&p.prefs, &p.evs, p.sugg, utils, p.persona, p.pw, p.sugg[0].CreatedAt, r, logistic)
		}
		n = 0
		for _, p := range plans {
			n += len(p.prefs)
		}
	}
	const chunk = 400
	for lo := 0; lo < len(plans); lo += chunk {
		var ss []store.Suggestion
		var ps []store.Preference
		for _, p := range plans[lo:min(len(plans), lo+chunk)] {
			ss = append(ss, p.sugg...)
			ps = append(ps, p.prefs...)
		}
		if spec.events {
			for _, p := range plans[lo:min(len(plans), lo+chunk)] {
				if _, err := db.Offer(ctx, p.pw, p.sugg...); err != nil {
					t.Fatalf("offer: %v", err)
				}
				for _, e := range p.evs {
					if _, err := db.AddEvent(ctx, e); err != nil {
						t.Fatalf("add event: %v", err)
					}
				}
			}
		} else if err := db.PutSuggestions(ctx, ss...); err != nil {
			t.Fatalf("put suggestions: %v", err)
		}
		if _, err := db.AddPreferences(ctx, ps...); err != nil {
			t.Fatalf("add preferences: %v", err)
		}
	}
	return n
}

// decide plays the developer on one candidate set: the best candidate is
// applied and kept when its noisy utility beats showing nothing (0);
// otherwise the menu is ignored.
func decide(prefs *[]store.Preference, evs *[]store.Event, ss []store.Suggestion, utils []float64, persona string, pw float64, at time.Time, r *rng, logistic func() float64) {
	best := 0
	for j := range utils {
		if utils[j] > utils[best] {
			best = j
		}
	}
	later := at.Add(15 * time.Minute)
	if utils[best] < logistic() {
		for _, s := range ss {
			*evs = append(*evs, store.Event{SuggestionID: s.ID, Outcome: store.Ignored, At: later, Persona: persona, PersonaWeight: pw})
			*prefs = append(*prefs, store.Preference{CreatedAt: later, Kind: store.Label, SuggestionID: s.ID,
				Desirable: false, Weight: 0.3 * pw, Persona: persona})
		}
		return
	}
	b := ss[best]
	if utils[best] < 0.3 && r.intn(2) == 0 {
		*evs = append(*evs, store.Event{SuggestionID: b.ID, Outcome: store.Undone, At: later, Persona: persona, PersonaWeight: pw})
		*prefs = append(*prefs,
			store.Preference{CreatedAt: later, Kind: store.Pair, Weight: pw, Persona: persona,
				Chosen:   store.Side{SuggestionID: b.ID, Role: store.RoleOriginal},
				Rejected: store.Side{SuggestionID: b.ID, Role: store.RoleSuggestion}},
			store.Preference{CreatedAt: later, Kind: store.Label, SuggestionID: b.ID, Desirable: false, Weight: pw, Persona: persona})
		return
	}
	*evs = append(*evs,
		store.Event{SuggestionID: b.ID, Outcome: store.Accepted, At: at.Add(time.Minute), Persona: persona, PersonaWeight: pw},
		store.Event{SuggestionID: b.ID, Outcome: store.Kept, At: later, Persona: persona, PersonaWeight: pw})
	for j, s := range ss {
		if j == best {
			continue
		}
		*prefs = append(*prefs, store.Preference{CreatedAt: later, Kind: store.Pair, Weight: pw, Persona: persona,
			Chosen:   store.Side{SuggestionID: b.ID, Role: store.RoleSuggestion},
			Rejected: store.Side{SuggestionID: s.ID, Role: store.RoleCandidate}})
	}
	*prefs = append(*prefs, store.Preference{CreatedAt: later, Kind: store.Label, SuggestionID: b.ID, Desirable: true, Weight: pw, Persona: persona})
}

// openStore opens a fresh store in dir.
func openStore(t testing.TB, home string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(home, "syntx.db"), store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// clock returns an injected clock that advances a second per call.
func clock(start time.Time) func() time.Time {
	var n int64
	return func() time.Time {
		n++
		return start.Add(time.Duration(n) * time.Second)
	}
}
