package team

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

// TestTrainGatesOnRecordsThePublishedRefitDidNotSee: a published refit
// was trained on every record up to its last_id; the next team run reads
// that from the hub, starts from the published adapter (warm start,
// recorded in its published hyper-parameters) and compares it with the
// candidate on the held-out records pushed since. With nothing new pushed,
// it compares on all held-out records and says that the refit saw them.
func TestTrainGatesOnRecordsThePublishedRefitDidNotSee(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	base, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	var ms []*member
	for i := range 3 {
		m := th.newMember(fmt.Sprintf("g%d", i))
		m.join(t)
		m.fill(t, teamsim.Spec{Prefs: 150, Seed: uint64(30 + i), Taste: teamsim.Likes(store.Security, store.Correctness)})
		if _, err := m.hub.Push(ctx, m.home, m.db, PushOptions{}); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	trainer := th.connect(th.addRole("gatekeeper", "trainer"))
	s := train.Settings{Seed: 1, Refit: true}
	first, err := trainer.Train(ctx, base, s)
	if err != nil {
		t.Fatal(err)
	}
	if first.Decision != store.RunAccepted || first.Metrics.Refit == nil {
		t.Fatalf("first team run: %s (%s), refit %v", first.Decision, first.Metrics.Reason, first.Metrics.Refit)
	}
	pub, ok, err := trainer.Latest(ctx)
	if err != nil || !ok || pub.Saw() != first.Counts.LastRecord || pub.Saw() == 0 {
		t.Fatalf("latest: saw %d, want the first run's last record %d (%v %v)", pub.Saw(), first.Counts.LastRecord, ok, err)
	}

	// Nothing new: every held-out record is one the refit trained on.
	again, err := trainer.Train(ctx, base, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := "trained on " + fmt.Sprint(again.Data.Holdout) + " of them"; !strings.Contains(again.Metrics.Reason, want) {
		t.Errorf("nothing new pushed: reason %q, want it to say %q", again.Metrics.Reason, want)
	}
	if again.Hyper.WarmStart != "t1" {
		t.Errorf("second run: warm start %q (fresh: %q), want t1", again.Hyper.WarmStart, again.Hyper.FreshStart)
	}

	// One member pushes new records: the gate compares on those of them
	// that are held out, and on nothing the refit saw.
	t.Logf("nothing new: %s; %s", again.Decision, again.Metrics.Reason)
	ms[0].fill(t, teamsim.Spec{Prefs: 40, Seed: 77, Taste: teamsim.Likes(store.Security, store.Correctness), Prefix: "late",
		Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	if _, err := ms[0].hub.Push(ctx, ms[0].home, ms[0].db, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	// The incumbent is t1, or the second run's refit if its gate took it.
	inc, _, err := trainer.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	incName := train.TeamVersionName(inc.Version)
	fresh := th.count("WHERE id > $1", inc.Saw())
	third, err := trainer.Train(ctx, base, s)
	if err != nil {
		t.Fatal(err)
	}
	n := third.Metrics.Holdout.New.N
	if !strings.Contains(third.Metrics.Reason, fmt.Sprintf("compared on the %d of %d held-out preferences newer than what %s (a refit)", n, third.Data.Holdout, incName)) ||
		n < 5 || n > fresh || n >= third.Data.Holdout || third.Metrics.Holdout.Active.N != n {
		t.Errorf("after %d new records: compared on %d/%d of %d held out: %q", fresh, n, third.Metrics.Holdout.Active.N, third.Data.Holdout, third.Metrics.Reason)
	}
	all, err := trainer.Adapters(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if all[0].Version != third.Version || all[0].Hyper.WarmStart != incName {
		t.Errorf("published run %d: warm start %q, want %s", all[0].Version, all[0].Hyper.WarmStart, incName)
	}
}
