package train

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syntx/syntx/store"
)

// minUnseen is the least number of held-out preferences newer than what
// the active adapter trained on for the gate to compare on those alone.
const minUnseen = 5

// gateSet returns the held-out preferences the gate compares the new
// policy and the active one on, and a clause for the gate's message saying
// which they are. When the active adapter (version, from the store) is a
// refit, it was trained on every preference its run read, up to its run's
// LastPreferenceID; then only the held-out preferences newer than that are
// compared — data neither policy saw — when there are at least minUnseen
// of them; with fewer, all held-out preferences are, and the clause says
// that some of them the active adapter saw. Otherwise (no active adapter,
// or one trained without the held-out share of its run, whose training
// data are all older than today's held-out preferences) all held-out
// preferences are compared. In a team run (tr.fixed set) the published
// adapter's run is not in a store: tr.fixed.saw, from the hub's
// publication, says what it trained on (0: not a refit), and the same
// rule applies to the team's held-out records.
func (tr *trainer) gateSet(ctx context.Context, p Problem, version string) ([]pref, string, error) {
	hold := tr.ds.hold()
	if tr.fixed != nil {
		// A team run: the caller says what the published adapter saw.
		if tr.fixed.saw == 0 {
			return hold, "", nil
		}
		gp, which := unseenSet(hold, tr.fixed.saw, tr.fixed.version+" (a refit)")
		return gp, which, nil
	}
	if version == "" || p.DB == nil {
		return hold, "", nil
	}
	seen, refit, err := activeSaw(ctx, p.DB, version)
	if err != nil || refit == "" {
		return hold, "", err
	}
	label := version + " (a refit)"
	if refit != version {
		label = fmt.Sprintf("%s (a refit, which %s started from)", refit, version)
	}
	gp, which := unseenSet(hold, seen, label)
	return gp, which, nil
}

// unseenSet returns the held-out preferences newer than seen, the newest
// preference id the adapter described by label trained on, when there are
// at least minUnseen of them, else all held-out preferences; and the
// clause for the gate's message saying which.
func unseenSet(hold []pref, seen int64, label string) ([]pref, string) {
	var unseen []pref
	for _, x := range hold {
		if x.id > seen {
			unseen = append(unseen, x)
		}
	}
	switch {
	case len(unseen) == len(hold):
		return hold, fmt.Sprintf("; compared on the %d held-out preferences, all newer than what %s trained on", len(hold), label)
	case len(unseen) >= minUnseen:
		return unseen, fmt.Sprintf("; compared on the %d of %d held-out preferences newer than what %s trained on", len(unseen), len(hold), label)
	}
	return hold, fmt.Sprintf("; compared on all %d held-out preferences although %s trained on %d of them: only %d are newer, fewer than %d",
		len(hold), label, len(hold)-len(unseen), len(unseen), minUnseen)
}

// activeSaw returns the newest preference id the adapter version, or an
// adapter its run started from (warm start, recorded as the run's
// warm_start), trained on as a refit, and which adapter that refit is
// ("": none in the lineage): a refit
// was trained on every preference its run read, up to its run's
// LastPreferenceID, and what a warm start begins from carries that into
// every adapter trained on top of it, refit or not. An adapter whose
// lineage holds no refit with a recorded preference id reports none.
func activeSaw(ctx context.Context, db *store.DB, version string) (int64, string, error) {
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		return 0, "", err
	}
	byVersion := make(map[string]store.Run, len(runs))
	for _, r := range runs {
		byVersion[r.AdapterVersion] = r
	}
	var seen int64
	var refit string
	visited := map[string]bool{}
	for v := version; v != "" && !visited[v]; {
		visited[v] = true
		r, ok := byVersion[v]
		if !ok {
			break
		}
		var m struct {
			Refit *Refit `json:"refit"`
		}
		if json.Unmarshal(r.Metrics, &m) == nil && m.Refit != nil && r.LastPreferenceID > seen {
			seen, refit = r.LastPreferenceID, v
		}
		var h struct {
			WarmStart string `json:"warm_start"`
		}
		if json.Unmarshal(r.Hyperparams, &h) != nil {
			break
		}
		v = h.WarmStart
	}
	return seen, refit, nil
}

// runOf returns the run that made the adapter version, and false when the
// store has none.
func runOf(ctx context.Context, db *store.DB, version string) (store.Run, bool, error) {
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		return store.Run{}, false, err
	}
	for _, r := range runs {
		if r.AdapterVersion == version {
			return r, true, nil
		}
	}
	return store.Run{}, false, nil
}
