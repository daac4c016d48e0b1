package capture

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

// Record is the developer's own record of outcomes per rule and per
// category, each in a file role: the weighted labels their outcomes
// yielded (an accepted fix kept is one for, an undo, a dismissal or an
// ignored menu's share one against) and their edited outcomes (for: the
// fix was applied), weighed by recency with the training half-life. The
// server holds suggestions back from automatic triggers by it (Holds) and
// lets a learnt policy show what the base keeps silent only with its
// support (Supports); see the package documentation, "The developer's
// record". Safe for concurrent use.
type Record struct {
	halfLife float64 // in nanoseconds; 0: no decay

	// onChange, when set (OnChange), is called after the outcomes of a
	// recorded event are counted.
	onChange func()

	mu     sync.RWMutex
	t0     int64 // the reference time of the stored totals (the first label's)
	newest int64
	rules  map[recordKey]*tally
	cats   map[recordKey]*tally
}

type recordKey struct{ name, role string }

// tally holds weights scaled to the record's reference time t0, and
// their sum without recency (how much evidence there is, however old).
type tally struct{ yes, no, raw float64 }

// NewRecord returns an empty record whose weights halve every halfLife
// (measured from the newest label, as training measures a preference's
// age); 0 keeps every label at full weight.
func NewRecord(halfLife time.Duration) *Record {
	return &Record{halfLife: float64(halfLife), rules: map[recordKey]*tally{}, cats: map[recordKey]*tally{}}
}

// OnChange sets fn to be called, on the recorder's goroutine, each time
// an outcome recorded after loading changes the record (for what the
// server shows unasked without a request: its diagnostics). Set it before
// the record is loaded.
func (r *Record) OnChange(fn func()) { r.onChange = fn }

// reset empties the record.
func (r *Record) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t0, r.newest = 0, 0
	clear(r.rules)
	clear(r.cats)
}

// roleOf reads the file role from a stored suggestion's features ("" when
// they do not say).
func roleOf(features json.RawMessage) string {
	var f struct{ FileRole string }
	_ = json.Unmarshal(features, &f)
	return f.FileRole
}

// Add counts one label: the developer's outcome on a suggestion of rule
// (in category) in a file of role, desirable or not, with its stored
// weight, at time at.
func (r *Record) Add(rule, category, role string, desirable bool, weight float64, at time.Time) {
	if !(weight > 0) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t := at.UnixNano()
	if len(r.rules) == 0 {
		r.t0 = t
	}
	r.newest = max(r.newest, t)
	w := weight * r.scale(t)
	for _, e := range []struct {
		m map[recordKey]*tally
		k recordKey
	}{{r.rules, recordKey{rule, role}}, {r.cats, recordKey{category, role}},
		{r.rules, recordKey{rule, anyRole}}, {r.cats, recordKey{category, anyRole}}} {
		c := e.m[e.k]
		if c == nil {
			c = &tally{}
			e.m[e.k] = c
		}
		if desirable {
			c.yes += w
		} else {
			c.no += w
		}
		c.raw += weight
	}
}

// scale is the factor that moves a weight at time t to the reference
// time t0 (so that reading at the newest label's time is one factor).
func (r *Record) scale(t int64) float64 {
	if r.halfLife <= 0 {
		return 1
	}
	return math.Exp2(float64(t-r.t0) / r.halfLife)
}

// anyRole is the role key of the totals over every file role.
const anyRole = "\x00any"

// Counts returns the weighted labels for and against rule and its
// category in role (anyRole: in every role), at the newest label's time.
func (r *Record) Counts(rule, category, role string) (ruleYes, ruleNo, catYes, catNo float64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f := 1 / r.scale(r.newest)
	if c := r.rules[recordKey{rule, role}]; c != nil {
		ruleYes, ruleNo = c.yes*f, c.no*f
	}
	if c := r.cats[recordKey{category, role}]; c != nil {
		catYes, catNo = c.yes*f, c.no*f
	}
	return ruleYes, ruleNo, catYes, catNo
}

// evidence is the weight of every label on category, in any role, without
// recency: whether there is enough evidence does not fade, what it says
// does.
func (r *Record) evidence(category string) float64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c := r.cats[recordKey{category, anyRole}]; c != nil {
		return c.raw
	}
	return 0
}

// Acceptance is the record's estimate that the developer accepts a
// suggestion of rule in a file of role, and whether the record has enough
// evidence for one (at least minEvidence weighted labels on the rule's
// category, in any role, however old). It is a hierarchy of three rates,
// each level the prior of the next with the strength of `strength`
// labels: the other
// rules of the category in every role (from a uniform prior,
// (yes+1)/(n+2)), the other rules of the category in this role, and the
// rule itself in this role. A rule the developer never met is estimated
// by its siblings; `strength` acceptances of its own and no rejection
// move it half-way from them to certainty.
func (r *Record) Acceptance(rule, category, role string, strength, minEvidence float64) (p float64, enough bool) {
	ray, ran, ay, an := r.Counts(rule, category, anyRole)
	if ev := r.evidence(category); strength <= 0 || ev < minEvidence || ev == 0 {
		return 0, false
	}
	ry, rn, cy, cn := r.Counts(rule, category, role)
	rate := func(yes, n, prior float64) float64 { return (yes + strength*prior) / (yes + n + strength) }
	all := (max(0, ay-ray) + 1) / (max(0, ay-ray) + max(0, an-ran) + 2)
	inRole := rate(max(0, cy-ry), max(0, cn-rn), all)
	return rate(ry, rn, inRole), true
}

// Supports reports whether the record supports showing a suggestion of
// rule unasked in a file of role where the base policy would not: its
// Acceptance clears threshold on enough evidence.
func (r *Record) Supports(rule, category, role string, threshold, strength, minEvidence float64) bool {
	p, enough := r.Acceptance(rule, category, role, strength, minEvidence)
	return enough && p >= threshold
}

// Holds reports whether the record holds a suggestion back from
// automatic triggers: its Acceptance is below threshold on enough
// evidence.
func (r *Record) Holds(rule, category, role string, threshold, strength, minEvidence float64) bool {
	p, enough := r.Acceptance(rule, category, role, strength, minEvidence)
	return enough && p < threshold
}

// Fill empties r and counts every label and edited outcome in db (an
// edited one weighs its persona's weight times edited, the evidence weight
// of an edit).
func (r *Record) Fill(ctx context.Context, db *store.DB, edited float64) error {
	var labels []store.LabelRecord
	if err := db.Labels(ctx, func(l store.LabelRecord) error {
		labels = append(labels, l)
		return nil
	}); err != nil {
		return err
	}
	r.reset()
	for _, l := range labels {
		w := l.Weight
		if l.Edited {
			w *= edited
		}
		r.Add(l.Rule, l.Category, l.Role, l.Desirable, w, l.At)
	}
	return nil
}

// Held is a rule the record holds back from automatic triggers in files
// of a role ("" for production code), with its estimate that the
// developer accepts its suggestions there.
type Held struct {
	Rule       string  `json:"rule"`
	Role       string  `json:"role"`
	Acceptance float64 `json:"acceptance"`
}

// HeldBack lists the rules of rs that r holds back, in production and in
// test files, estimates rounded to three decimals.
func (r *Record) HeldBack(rs []*rules.Rule, threshold, strength, minEvidence float64) []Held {
	var out []Held
	for _, rule := range rs {
		for _, role := range []string{"", "test"} {
			if p, enough := r.Acceptance(rule.ID, rule.Category, role, strength, minEvidence); enough && p < threshold {
				out = append(out, Held{Rule: rule.ID, Role: role, Acceptance: math.Round(p*1000) / 1000})
			}
		}
	}
	return out
}
