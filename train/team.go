package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// FeatureRow is one candidate's feature row in sparse form: the non-zero
// slots of model.Featurize's output and their values, as the model sees
// them (the hashed features, nothing else).
type FeatureRow struct {
	Idx []int32
	Val []float32
}

// TeamRecord is one preference a member shared with the team hub (package
// team): its candidate set's feature rows, which of them was preferred,
// and the weight the team gives it.
type TeamRecord struct {
	// ID orders records with the same time (the hub's row id).
	ID int64
	// Member is the member's pseudonymous id; Set the member's key of the
	// candidate set, so that records of one set share its rows.
	Member, Set string
	// Rows are the candidate set's feature rows; Pos ≻ Neg index them,
	// -1 standing for the "show nothing" action.
	Rows     []FeatureRow
	Pos, Neg int
	// Label marks a label (desirable when Pos is the suggestion).
	Label bool
	At    time.Time
	// Weight is the evidence weight times the role weight (recency is
	// applied by the run, as for local preferences).
	Weight float64
	// RoleWeight is the role weight in Weight (0: none). The role weight
	// counts in the reward model, which decides what the team prefers,
	// and not again in the KL objective's set weights (see the package
	// documentation, "Teams").
	RoleWeight float64
	// Role is the role whose weight applied; Category the suggestion's.
	Role, Category string
	// Outcome is what became of the suggestion (capture's outcome: kept,
	// edited, undone, dismissed, ignored); "" when unknown.
	Outcome string
}

// TeamProblem is what a team run trains on.
type TeamProblem struct {
	// Base is the frozen base network; nil means model.LoadBase().
	Base *model.Network
	// Active is the team adapter published now (nil: the base), which the
	// gate compares the new one with; ActiveVersion names it. With Active
	// nil and ActiveVersion set, the published adapter was trained for
	// another base (ActiveBaseSHA256): the gate compares with the base and
	// the run starts fresh, saying why.
	Active        *model.LoRA
	ActiveVersion string
	// ActiveBaseSHA256 is the base the published adapter was trained for
	// ("": this run's); a run starts from the adapter (warm start) only
	// over that base.
	ActiveBaseSHA256 string
	// ActiveSaw is the newest record id the published adapter trained on
	// when it is a refit (trained on every record up to that id, the
	// held-out ones included), 0 otherwise. The gate then compares on the
	// held-out records newer than that (at least minUnseen, else on all,
	// and the reason says so), as local training does (gateSet).
	ActiveSaw int64
	Records   []TeamRecord
}

// TeamResult is a team run's outcome. Nothing is written anywhere: the
// caller publishes the adapter (package team).
type TeamResult struct {
	Decision store.Decision
	// LoRA is the adapter to publish (the refit when it passed the gate
	// and Settings.Refit is on); nil when the run failed.
	LoRA    *model.LoRA
	Hyper   Hyperparams
	Data    DataCounts
	Metrics Metrics
	Started time.Time
}

// RunTeam trains a team adapter on records with the same objectives,
// weighting, gate and refit as Run. The held-out preferences are the
// newest Settings.Holdout share of each member's records (at least one of
// every member with two or more), so that no member's recent taste is
// judged only by the others'. DataCounts.ByPersona counts by role.
func RunTeam(ctx context.Context, p TeamProblem, s Settings) (TeamResult, error) {
	s = s.WithDefaults()
	if err := s.validate(); err != nil {
		return TeamResult{}, fmt.Errorf("train: %w", err)
	}
	base := p.Base
	if base == nil {
		var err error
		if base, err = model.LoadBase(); err != nil {
			return TeamResult{}, fmt.Errorf("train: %w", err)
		}
	}
	if p.Active != nil {
		if err := base.Validate(p.Active); err != nil {
			return TeamResult{}, fmt.Errorf("train: the published team adapter: %w", err)
		}
	}
	start := time.Now()
	res := TeamResult{Started: s.Now()}
	rep := &reporter{fn: s.Progress}
	rep.report(0, 1, "loading preferences")
	recs, left := teamVotes(p.Records)
	ds, err := teamDataset(recs, s.Holdout)
	if err != nil {
		return res, fmt.Errorf("train: %w", err)
	}
	for why, n := range left {
		ds.skipped[why] += n
	}
	obj, _ := lookupObjective(s.Objective) // validated above
	tr := &trainer{s: s, obj: obj, base: base, ds: ds, progress: rep, fixed: fixedActiveOf(p)}
	res.Hyper = tr.hyper()
	if !s.coldStart {
		if tr.warm, res.Hyper.FreshStart, err = tr.teamWarmStart(p); err != nil {
			return res, fmt.Errorf("train: %w", err)
		}
	}
	res.Hyper.WarmStart = tr.warm.version
	u := tr.units()
	res.Data = u.counts
	if n := len(ds.prefs); n < s.MinPreferences || tr.empty(u) || len(ds.hold()) == 0 {
		return res, fmt.Errorf("train: %w: %d usable (at least %d needed, with some for %s training and some held out)",
			ErrNotEnoughData, n, s.MinPreferences, s.Objective)
	}
	if s.Refit {
		tr.passes = 2
	}
	policy, m, err := tr.optimise(ctx, u)
	if err == nil && s.Refit {
		err = tr.refitIfPassing(ctx, Problem{}, &m)
	}
	if err != nil {
		res.Decision = store.RunFailed
		m.Reason, m.Seconds = err.Error(), round6(time.Since(start).Seconds())
		res.Metrics = sanitize(m)
		return res, fmt.Errorf("train: %w", err)
	}
	decision, err := tr.teamGate(ctx, &m)
	if err != nil {
		return res, fmt.Errorf("train: %w", err)
	}
	res.Decision = decision
	res.LoRA = policy
	if decision == store.RunAccepted && tr.refit != nil {
		res.LoRA = tr.refit
		m.Reason += "; publishing the refit on all preferences"
	} else {
		m.Refit = nil
	}
	m.Seconds = round6(time.Since(start).Seconds())
	res.Metrics = m
	rep.report(rep.total, rep.total, string(decision))
	return res, nil
}

// fixedActive is the policy a team run's gate compares with: given, not
// read from a store; saw is TeamProblem.ActiveSaw.
type fixedActive struct {
	lora    *model.LoRA
	version string
	saw     int64
}

// fixedActiveOf is p's published adapter as the gate's policy; with
// nothing published, or an adapter published for another base (Active
// nil), the gate compares with the base.
func fixedActiveOf(p TeamProblem) *fixedActive {
	if p.Active == nil {
		return &fixedActive{}
	}
	return &fixedActive{lora: p.Active, version: p.ActiveVersion, saw: p.ActiveSaw}
}

// teamGate decides a team run: the candidate against the published
// adapter on the held-out records gateSet picks (those newer than what a
// refit published adapter trained on), recording the scores it decided on
// and the reason in m.
func (tr *trainer) teamGate(ctx context.Context, m *Metrics) (store.Decision, error) {
	za, version, _, err := tr.activeLogits(ctx, Problem{})
	if err != nil {
		return "", err
	}
	gp, which, err := tr.gateSet(ctx, Problem{}, version)
	if err != nil {
		return "", err
	}
	m.Holdout.New, m.Holdout.Active, m.Holdout.ActiveVersion = evaluate(tr.zNew, gp), evaluate(za, gp), version
	decision, reason := gate(tr.s, tr.zNew, za, gp)
	m.Reason = reason + which
	return decision, nil
}

// teamDataset maps records to a dataset: the rows of one (member, set) are
// loaded once, and each member's newest records are held out.
func teamDataset(recs []TeamRecord, hold float64) (*dataset, error) {
	d := &dataset{start: []int32{0}, skipped: map[string]int{}}
	type setKey struct{ member, set string }
	sets := map[setKey]int32{}
	byMember := map[string][]pref{}
	for i := range recs {
		r := &recs[i]
		d.seen++
		d.lastID = max(d.lastID, r.ID)
		if !(r.Weight > 0) || math.IsInf(r.Weight, 0) {
			d.skipped["bad weight"]++
			continue
		}
		if r.Pos < -1 || r.Neg < -1 || r.Pos >= len(r.Rows) || r.Neg >= len(r.Rows) || r.Pos == r.Neg {
			d.skipped["bad sides"]++
			continue
		}
		k := setKey{r.Member, r.Set}
		si, ok := sets[k]
		if !ok || r.Set == "" {
			var err error
			if si, err = d.addTeamSet(r); err != nil {
				return nil, err
			}
			sets[k] = si
		} else if len(d.sets[si]) != len(r.Rows) {
			d.skipped["set changed"]++
			continue
		}
		mem := d.sets[si]
		at := func(i int) int32 {
			if i < 0 {
				return nothing
			}
			return mem[i]
		}
		roleW := r.RoleWeight
		if !(roleW > 0) || math.IsInf(roleW, 0) {
			roleW = 0
		}
		x := pref{id: r.ID, at: r.At, persona: r.Role, weight: r.Weight, roleW: roleW, pos: at(r.Pos), neg: at(r.Neg), row: nothing}
		if r.Label {
			x.label = true
			x.desirable = r.Pos >= 0
			x.row = x.pos
			if !x.desirable {
				x.row = x.neg
			}
			if x.row == nothing {
				d.skipped["bad sides"]++
				continue
			}
		}
		byMember[r.Member] = append(byMember[r.Member], x)
	}
	train, held := holdOutNewest(byMember, hold)
	d.prefs = append(train, held...)
	d.nHold = len(held)
	return d, nil
}

// addTeamSet adds the feature rows of r's candidate set to d as a new set
// and returns its index. It fails on a row that is malformed (slots and
// values of different lengths, a slot out of range, a value not finite).
func (d *dataset) addTeamSet(r *TeamRecord) (int32, error) {
	si := int32(len(d.sets))
	var mem []int32
	for _, row := range r.Rows {
		if len(row.Idx) != len(row.Val) {
			return 0, errors.New("a feature row's slots and values differ in length")
		}
		for j, ix := range row.Idx {
			if ix < 0 || ix >= model.FeatureWidth {
				return 0, fmt.Errorf("feature slot %d out of range", ix)
			}
			if v := row.Val[j]; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return 0, errors.New("a feature value is not finite")
			}
		}
		ri := int32(len(d.ids))
		d.idx = append(d.idx, row.Idx...)
		d.val = append(d.val, row.Val...)
		d.start = append(d.start, int32(len(d.idx)))
		d.ids = append(d.ids, fmt.Sprintf("%s/%s/%d", r.Member, r.Set, len(mem)))
		d.setOf = append(d.setOf, si)
		mem = append(mem, ri)
	}
	d.sets = append(d.sets, mem)
	return si, nil
}

// holdOutNewest holds out the newest fraction hold of each member's
// preferences (at least one, and never all, of a member with two or more)
// and returns the rest and the held-out ones, each in time order.
func holdOutNewest(byMember map[string][]pref, hold float64) (train, held []pref) {
	byTime := func(a, b pref) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	}
	for _, m := range slices.Sorted(maps.Keys(byMember)) {
		ps := byMember[m]
		slices.SortStableFunc(ps, byTime)
		n := len(ps)
		k := 0
		if n >= 2 {
			k = min(n-1, max(1, int(math.Ceil(hold*float64(n)))))
		}
		train = append(train, ps[:n-k]...)
		held = append(held, ps[n-k:]...)
	}
	slices.SortStableFunc(train, byTime)
	slices.SortStableFunc(held, byTime)
	return train, held
}

// teamVotes returns the records a team run trains on: every record, less
// those that would count one outcome twice against showing nothing or read
// a use of a suggestion as a vote for nothing, with why each was left out.
// Local training reads its own preferences as they are (one member's
// double count scales its whole data alike); in a team, whose members'
// outcomes differ in kind, it would decide whose taste wins.
//
//   - Undoing a suggestion records an undesirable label and the pair
//     original ≻ suggestion, two comparisons of the suggestion with the
//     nothing action, while keeping one records a single desirable label
//     (its pairs compare the suggestion with the other candidates).
//     Counted as they come, one developer's undo weighs as much against
//     showing a security fix as one security specialist's keep at 2× for
//     it. A pair that compares a row with nothing in the direction of a
//     label of the same member's candidate set on that row says what the
//     label says, and is left out: each outcome's vote against nothing is
//     its label, for every objective (KTO reads only labels).
//   - Editing a suggestion records the pair developer's version ≻
//     suggestion, and the developer's version, not a candidate, reads as
//     the nothing action. The developer applied the fix and kept most of
//     it: no vote for showing nothing. The pair is left out (the
//     suggestion ≻ unchosen candidates pairs of the edit stay).
func teamVotes(recs []TeamRecord) ([]TeamRecord, map[string]int) {
	type vsNothing struct {
		member, set string
		row         int
		up          bool
	}
	key := func(r *TeamRecord) (vsNothing, bool) {
		switch {
		case r.Set == "":
			return vsNothing{}, false
		case r.Neg == -1 && r.Pos >= 0:
			return vsNothing{r.Member, r.Set, r.Pos, true}, true
		case r.Pos == -1 && r.Neg >= 0:
			return vsNothing{r.Member, r.Set, r.Neg, false}, true
		}
		return vsNothing{}, false
	}
	labelled := map[vsNothing]bool{}
	for i := range recs {
		if k, ok := key(&recs[i]); ok && recs[i].Label {
			labelled[k] = true
		}
	}
	out := make([]TeamRecord, 0, len(recs))
	left := map[string]int{}
	for i := range recs {
		r := &recs[i]
		k, ok := key(r)
		switch {
		case !ok || r.Label:
		case labelled[k]:
			left["pair saying what its label says"]++
			continue
		case r.Outcome == string(store.Edited) && !k.up:
			left["edit read as showing nothing"]++
			continue
		}
		out = append(out, *r)
	}
	return out, left
}
