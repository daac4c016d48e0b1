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
		gp, which := unseenSet(hold, tr.fixed.saw, tr.fixed.version)
		return gp, which, nil
	}
	if version == "" || p.DB == nil {
		return hold, "", nil
	}
	seen, refit, err := activeSaw(ctx, p.DB, version)
	if err != nil || !refit {
		return hold, "", err
	}
	gp, which := unseenSet(hold, seen, version)
	return gp, which, nil
}

// unseenSet returns the held-out preferences newer than seen, the newest
// preference id the adapter version (a refit) trained on, when there are
// at least minUnseen of them, else all held-out preferences; and the
// clause for the gate's message saying which.
func unseenSet(hold []pref, seen int64, version string) ([]pref, string) {
	var unseen []pref
	for _, x := range hold {
		if x.id > seen {
			unseen = append(unseen, x)
		}
	}
	switch {
	case len(unseen) == len(hold):
		return hold, fmt.Sprintf("; compared on the %d held-out preferences, all newer than what %s (a refit) trained on", len(hold), version)
	case len(unseen) >= minUnseen:
		return unseen, fmt.Sprintf("; compared on the %d of %d held-out preferences newer than what %s (a refit) trained on", len(unseen), len(hold), version)
	}
	return hold, fmt.Sprintf("; compared on all %d held-out preferences although %s (a refit) trained on %d of them: only %d are newer, fewer than %d",
		len(hold), version, len(hold)-len(unseen), len(unseen), minUnseen)
}

// activeSaw returns, for the adapter version, the newest preference id its
// run read and whether the adapter saved was that run's refit (trained on
// every preference up to that id). An adapter without a run, or whose run
// recorded no preference id, reports no refit.
func activeSaw(ctx context.Context, db *store.DB, version string) (int64, bool, error) {
	r, ok, err := runOf(ctx, db, version)
	if err != nil || !ok {
		return 0, false, err
	}
	var m struct {
		Refit *Refit `json:"refit"`
	}
	if json.Unmarshal(r.Metrics, &m) != nil || m.Refit == nil || r.LastPreferenceID == 0 {
		return 0, false, nil
	}
	return r.LastPreferenceID, true, nil
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
