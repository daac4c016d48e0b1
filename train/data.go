package train

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// dataset holds the preferences of a run, mapped to feature rows.
type dataset struct {
	// Feature rows in CSR form: row i has columns idx[start[i]:start[i+1]]
	// with values val[...].
	idx   []int32
	val   []float32
	start []int32
	ids   []string // suggestion id of each row
	// cands is each row's candidate (nil when the rows came without them,
	// as in a team run), from which columnGroups says which input columns
	// the training rows' rule-specific and shared features use.
	cands []model.Candidate
	setOf []int32 // candidate set of each row
	sets  [][]int32
	// prefs are the usable preferences, oldest first (by time, then id);
	// the last nHold of them are held out.
	prefs []pref
	nHold int
	// skipped counts preferences that could not be used, by reason.
	skipped map[string]int
	// lastID is the newest preference read and seen how many were read
	// (usable or not): commit checks that none of them was forgotten
	// while the run trained.
	lastID int64
	seen   int64
}

// pref is one stored preference mapped to rows. Pairs and labels both read
// as comparisons pos ≻ neg (a label compares its suggestion with the
// nothing action).
type pref struct {
	id      int64
	at      time.Time
	persona string
	weight  float64
	// roleW is the role weight included in weight (a team run's; 0 in a
	// local run, where there is none).
	roleW     float64
	label     bool
	desirable bool
	row       int32 // a label's suggestion
	pos, neg  int32
}

func (d *dataset) rows() int { return len(d.ids) }

// columnGroups notes the candidates of the rows training sees now: every
// row of a candidate set that a training preference (d.train(), which is
// every preference during a refit) names. Held-out rows count only when
// a training preference shares their set, so the decay of the candidate
// the gate judges does not depend on the held-out data. Nil without
// candidates (a team run).
func (d *dataset) columnGroups() *columnGroups {
	if d.cands == nil {
		return nil
	}
	used := make([]bool, len(d.cands))
	mark := func(r int32) {
		if r == nothing {
			return
		}
		for _, m := range d.sets[d.setOf[r]] {
			used[m] = true
		}
	}
	for _, p := range d.train() {
		if p.label {
			mark(p.row)
		} else {
			mark(p.pos)
			mark(p.neg)
		}
	}
	g := &columnGroups{}
	for r, ok := range used {
		if ok {
			g.note(d.cands[r])
		}
	}
	return g
}

func (d *dataset) train() []pref { return d.prefs[:len(d.prefs)-d.nHold] }
func (d *dataset) hold() []pref  { return d.prefs[len(d.prefs)-d.nHold:] }

// scatter writes row r densely into dst (length model.FeatureWidth, zeroed)
// and appends its columns to nz.
func (d *dataset) scatter(r int32, dst []float32, nz []int32) []int32 {
	for k := d.start[r]; k < d.start[r+1]; k++ {
		dst[d.idx[k]] = d.val[k]
		nz = append(nz, d.idx[k])
	}
	return nz
}

// sideRow maps a side of a pair to a row: a side that names a suggestion
// in the role of a suggestion or another candidate is that suggestion's
// row; a literal text, the original code or the developer's own version is
// the nothing action.
func sideRow(s store.Side, row func(string) (int32, bool)) (int32, bool) {
	switch s.Role {
	case store.RoleOriginal, store.RoleDeveloper:
		return nothing, true
	}
	if s.SuggestionID == "" {
		return nothing, true
	}
	return row(s.SuggestionID)
}

// CandidateOf returns the model.Candidate a stored suggestion was scored
// with (see candidateOf): what a feature row is made from.
func CandidateOf(s store.Suggestion) model.Candidate { return candidateOf(s) }

// candidateOf rebuilds the model.Candidate a suggestion was scored with
// from its features column (json.Marshal of the Candidate). Suggestions
// stored without one fall back to the columns, with a neutral prior of 0.5.
func candidateOf(s store.Suggestion) model.Candidate {
	var c model.Candidate
	if err := json.Unmarshal(s.Features, &c); err == nil && c.RuleID != "" {
		return c
	}
	return model.Candidate{RuleID: s.RuleID, Category: s.Category, Language: s.Language, Prior: 0.5, Persona: s.Persona}
}

// loadDataset reads every preference from db, the suggestions they name
// and the candidate sets those were offered in, and holds out the most
// recent fraction hold of the usable preferences (by time, ties by id).
func loadDataset(ctx context.Context, db *store.DB, hold float64) (*dataset, error) {
	l := &loader{ctx: ctx, db: db, rowOf: map[string]int32{}, buf: make([]float32, model.FeatureWidth),
		d: &dataset{start: []int32{0}, skipped: map[string]int{}, cands: []model.Candidate{}}}
	d := l.d
	err := db.Preferences(ctx, store.PreferenceFilter{}, func(p store.Preference) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.lastID = max(d.lastID, p.ID)
		d.seen++
		x, skip := l.pref(p)
		if l.err != nil {
			return l.err
		}
		if skip != "" {
			d.skipped[skip]++
			return nil
		}
		d.prefs = append(d.prefs, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load preferences: %w", err)
	}
	slices.SortStableFunc(d.prefs, func(a, b pref) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	n := len(d.prefs)
	if n >= 2 {
		d.nHold = min(n-1, max(1, int(math.Ceil(hold*float64(n)))))
	}
	return d, nil
}

// loader builds a dataset from the store: each suggestion a preference
// names becomes a row, with the rest of its candidate set.
type loader struct {
	ctx   context.Context
	db    *store.DB
	d     *dataset
	rowOf map[string]int32 // suggestion id -> row
	buf   []float32
	err   error // the first store error; loading stops at it
}

// pref reads a preference as a comparison between rows (or the nothing
// action); skip says why it is unusable instead.
func (l *loader) pref(p store.Preference) (x pref, skip string) {
	x = pref{id: p.ID, at: p.CreatedAt, persona: p.Persona, weight: p.Weight}
	switch p.Kind {
	case store.Label:
		r, ok := l.row(p.SuggestionID)
		if !ok {
			return x, "missing suggestion"
		}
		x.label, x.desirable, x.row = true, p.Desirable, r
		x.pos, x.neg = r, nothing
		if !p.Desirable {
			x.pos, x.neg = nothing, r
		}
	case store.Pair:
		if p.Chosen.Role == store.RoleDeveloper && p.Rejected.SuggestionID != "" {
			// An edit: the developer applied the fix and kept most of
			// it. Its version reads as the nothing action, which would
			// make the edit a vote against showing the fix; it is left
			// out, as in team runs (teamVotes), and the edit's
			// suggestion ≻ unchosen candidates pairs stay.
			return x, "edit read as showing nothing"
		}
		pos, ok1 := sideRow(p.Chosen, l.row)
		neg, ok2 := sideRow(p.Rejected, l.row)
		if !ok1 || !ok2 {
			return x, "missing suggestion"
		}
		if pos == neg {
			// Both sides are the nothing action (or the same suggestion):
			// the pair says nothing about the policy.
			return x, "no suggestion side"
		}
		x.row, x.pos, x.neg = nothing, pos, neg
	default:
		return x, "unknown kind"
	}
	if !(x.weight > 0) || math.IsInf(x.weight, 0) {
		return x, "bad weight"
	}
	return x, ""
}

// row returns the row of suggestion id, loading it and its candidate set
// the first time; false when the suggestion is gone (forgotten) or the
// store fails (l.err).
func (l *loader) row(id string) (int32, bool) {
	if r, ok := l.rowOf[id]; ok {
		return r, true
	}
	s, err := l.db.Suggestion(l.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, false
	}
	if err != nil {
		l.err = err
		return 0, false
	}
	set := int32(len(l.d.sets))
	var mem []int32
	if s.CandidateSet != "" {
		members, err := l.db.CandidateSet(l.ctx, s.CandidateSet)
		if err != nil {
			l.err = err
			return 0, false
		}
		for _, m := range members {
			if _, ok := l.rowOf[m.ID]; !ok {
				mem = append(mem, l.addRow(m, set))
			}
		}
	}
	r, ok := l.rowOf[id]
	if !ok {
		r = l.addRow(s, set)
		mem = append(mem, r)
	}
	l.d.sets = append(l.d.sets, mem)
	return r, true
}

// addRow appends suggestion s's feature row, in candidate set set.
func (l *loader) addRow(s store.Suggestion, set int32) int32 {
	d := l.d
	c := candidateOf(s)
	model.Featurize(c, l.buf)
	d.cands = append(d.cands, c)
	for k, v := range l.buf {
		if v != 0 {
			d.idx = append(d.idx, int32(k))
			d.val = append(d.val, v)
		}
	}
	d.start = append(d.start, int32(len(d.idx)))
	r := int32(len(d.ids))
	d.ids = append(d.ids, s.ID)
	d.setOf = append(d.setOf, set)
	l.rowOf[s.ID] = r
	return r
}
