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

// TestTrainAndPullAcrossABaseChange: a release that changes the base model
// finds a team adapter published for the old one. The next team run does
// not fail at decoding it: it is judged against the new base, starts
// fresh and says why, and publishes for the new base; a member still on
// the old base is told why it does not pull the new layer, and keeps its
// own.
func TestTrainAndPullAcrossABaseChange(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	oldBase, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	cfg := model.DefaultBaseConfig()
	cfg.Seed++
	newBase, err := model.LoadONNX(model.BuildBase(cfg).MarshalONNX())
	if err != nil {
		t.Fatal(err)
	}
	if newBase.BaseHash() == oldBase.BaseHash() {
		t.Fatal("the second base has the first's hash")
	}
	var ms []*member
	for i := range 3 {
		m := th.newMember(fmt.Sprintf("b%d", i))
		m.join(t)
		m.fill(t, teamsim.Spec{Prefs: 150, Seed: uint64(50 + i), Taste: teamsim.Likes(store.Security)})
		if _, err := m.hub.Push(ctx, m.home, m.db, PushOptions{}); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	trainer := th.connect(th.addRole("rebaser", "trainer"))
	s := train.Settings{Seed: 1, Refit: true}
	first, err := trainer.Train(ctx, oldBase, s)
	if err != nil || first.Decision != store.RunAccepted {
		t.Fatalf("first team run: %v %s", err, first.Decision)
	}
	if pr, err := ms[0].hub.Pull(ctx, ms[0].home, oldBase, 5); err != nil || !pr.Pulled {
		t.Fatalf("pull of t1 on its base: %+v %v", pr, err)
	}

	second, err := trainer.Train(ctx, newBase, s)
	if err != nil {
		t.Fatalf("a team run on a new base: %v", err)
	}
	why := "team adapter t1 was trained for base " + oldBase.BaseHash()
	if second.Hyper.WarmStart != "" || !strings.Contains(second.Hyper.FreshStart, why) || second.Previous != first.Version {
		t.Errorf("new base: warm %q, fresh %q, previous %d; want a fresh start saying %q after t%d",
			second.Hyper.WarmStart, second.Hyper.FreshStart, second.Previous, why, first.Version)
	}
	// Judged against the new base: the incumbent's held-out metrics are
	// the base's, which the run measures itself.
	if second.Metrics.Holdout.Active.N == 0 || second.Metrics.Holdout.Active.N != second.Metrics.Holdout.New.N {
		t.Errorf("new base: compared on %d (incumbent) and %d (candidate) records", second.Metrics.Holdout.Active.N, second.Metrics.Holdout.New.N)
	}
	t.Logf("second run: %s; %s; %s", second.Decision, second.Metrics.Reason, second.Hyper.FreshStart)
	if second.Decision != store.RunAccepted {
		t.Fatalf("the run on the new base was %s (%s); the rest needs a publication", second.Decision, second.Metrics.Reason)
	}
	pub, ok, err := trainer.Latest(ctx)
	if err != nil || !ok || pub.Version != second.Version || pub.BaseSHA256 != newBase.BaseHash() {
		t.Fatalf("latest after the new base: t%d for %s (%v %v), want t%d for %s", pub.Version, pub.BaseSHA256, ok, err, second.Version, newBase.BaseHash())
	}
	// A member still on the old base keeps t1 and is told why.
	pr, err := ms[0].hub.Pull(ctx, ms[0].home, oldBase, 5)
	if err != nil || pr.Pulled || !strings.Contains(pr.Note, "trained for another base model ("+newBase.BaseHash()+")") {
		t.Errorf("pull on the old base: %+v %v", pr, err)
	}
	if cur, _, _, err := model.ActiveTeamAdapter(ms[0].home); err != nil || cur != "t1" {
		t.Errorf("the old-base member serves %q (%v), want t1", cur, err)
	}
	// One on the new base pulls it.
	if pr, err := ms[1].hub.Pull(ctx, ms[1].home, newBase, 5); err != nil || !pr.Pulled || pr.Version != train.TeamVersionName(second.Version) {
		t.Errorf("pull on the new base: %+v %v", pr, err)
	}
	// And the run after it warm-starts from the new base's adapter.
	third, err := trainer.Train(ctx, newBase, s)
	if err != nil || third.Hyper.WarmStart != train.TeamVersionName(second.Version) {
		t.Errorf("third run: warm %q fresh %q (%v)", third.Hyper.WarmStart, third.Hyper.FreshStart, err)
	}
}
