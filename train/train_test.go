package train

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// probeRanking scores fresh candidates (contexts not tied to the training
// data) with the runtime and returns the fraction of (security, style)
// pairs in which security ranks first, and the mean score of
// go.naked-return.
func probeRanking(t testing.TB, rt *model.Runtime, seed uint64) (secFirst, naked float64) {
	t.Helper()
	r := newRNG(seed)
	var sec, sty, nk []synthRule
	for _, rule := range synthRules {
		switch {
		case rule.id == "go.naked-return":
			nk = append(nk, rule)
		case rule.category == store.Security:
			sec = append(sec, rule)
		case rule.category == store.StyleCat:
			sty = append(sty, rule)
		}
	}
	const probes = 200
	wins := 0
	out := make([]float64, 3)
	for i := 0; i < probes; i++ {
		persona := "developer"
		if i%3 == 0 {
			persona = "security-reviewer"
		}
		a := synthCandidate(r, sec[r.intn(len(sec))], persona)
		b := synthCandidate(r, sty[r.intn(len(sty))], persona)
		c := synthCandidate(r, nk[0], persona)
		b.Context, c.Context = a.Context, a.Context
		if err := rt.Score(context.Background(), []model.Candidate{a, b, c}, out); err != nil {
			t.Fatal(err)
		}
		if out[0] > out[1] {
			wins++
		}
		naked += out[2]
	}
	return float64(wins) / probes, naked / probes
}

func runtimeWith(t testing.TB, home string, version string) *model.Runtime {
	t.Helper()
	base := mustBase(t)
	rt, err := model.NewRuntime(base)
	if err != nil {
		t.Fatal(err)
	}
	if version != "" {
		a, err := model.LoadAdapter(filepath.Join(model.AdaptersDir(home), version), base)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Swap(a); err != nil {
			t.Fatal(err)
		}
	}
	return rt
}

// TestRunLearnsHiddenPreference trains on feedback from a persona whose
// taste contradicts the base's priors (security over style, and one style
// rule always rejected) and checks that the gate accepts the adapter and
// that the runtime, with it swapped in, ranks fresh candidates that way.
func TestRunLearnsHiddenPreference(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		s      Settings
		accept bool // the gate must accept (see below for DPO at β = 0.1)
		naked  bool // go.naked-return must drop by 0.3
	}{
		{"kl", Settings{Objective: KL}, true, true},
		// KTO ranks right (held-out accuracy 0.85 vs 0.15) but is
		// overconfident on the persona's slips: its held-out log-loss is
		// worse than the base's (1.59 vs 1.07), and the gate, which no
		// longer forgives that by 1.645 standard errors, refuses it.
		{"kto", Settings{Objective: KTO}, false, false},
		// DPO at TRL's β = 0.1 moves the policy's logits by 1/β times the
		// implied reward: the ranking is right but the probabilities are
		// overconfident, so the gate's log-loss test may refuse it. At
		// β = 1 the policy is calibrated and accepted.
		{"dpo", Settings{Objective: DPO}, false, true},
		{"dpo-beta1", Settings{Objective: DPO, Beta: 1}, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			db := openStore(t, home)
			fillStore(t, db, synthSpec{prefs: 500, seed: 42})
			s := tc.s
			s.Seed, s.Now = 1, clock(t0.Add(48*time.Hour))
			res, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(t)}, s)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s (%s); new %+v; %d steps, %.2fs", tc.name, res.Decision, res.Metrics.Reason, res.Metrics.Holdout.New, res.Metrics.Steps, res.Metrics.Seconds)
			if res.Version != "v1" || (res.Decision == store.RunAccepted) != (res.Active == "v1") {
				t.Fatalf("decision %s, version %q, active %q", res.Decision, res.Version, res.Active)
			}
			if tc.accept {
				if res.Decision != store.RunAccepted {
					t.Fatalf("decision %s, want accepted", res.Decision)
				}
				v, dir, ok, err := model.ActiveAdapter(home)
				if err != nil || !ok || v != "v1" || dir != res.Dir {
					t.Fatalf("Active = %q, %q, %v, %v", v, dir, ok, err)
				}
				if a, ok, err := db.ActiveAdapter(context.Background()); err != nil || !ok || a.Version != "v1" || a.SHA256 != res.SHA256 || a.RunID != res.RunID {
					t.Fatalf("store's active adapter = %+v, %v, %v", a, ok, err)
				}
			}
			baseSec, baseNaked := probeRanking(t, runtimeWith(t, home, ""), 9)
			sec, naked := probeRanking(t, runtimeWith(t, home, res.Version), 9)
			t.Logf("security first: base %.2f, adapter %.2f; naked-return score: base %.3f, adapter %.3f", baseSec, sec, baseNaked, naked)
			if baseSec > 0.05 {
				t.Fatalf("the base already ranks security first in %.2f of probes; the test data do not contradict it", baseSec)
			}
			if sec < 0.9 {
				t.Errorf("with the adapter security ranks first in %.2f of probes, want ≥ 0.9", sec)
			}
			if tc.naked && naked > baseNaked-0.3 {
				t.Errorf("go.naked-return scores %.3f with the adapter, base %.3f: want a drop of at least 0.3", naked, baseNaked)
			}
			if res.Metrics.Holdout.New.Accuracy < res.Metrics.Holdout.Active.Accuracy+0.3 {
				t.Errorf("held-out accuracy %.3f, base %.3f: want an improvement of at least 0.3", res.Metrics.Holdout.New.Accuracy, res.Metrics.Holdout.Active.Accuracy)
			}
		})
	}
}

// TestGateRefusesPoisonedBatch flips the hidden preference in the most
// recent 20% of the feedback: the adapter learnt from the older 80% does
// worse than the base on the held-out recent data, so the gate rejects it
// and nothing becomes active.
func TestGateRefusesPoisonedBatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		s    Settings
	}{
		{"kl", Settings{Objective: KL}},
		{"dpo", Settings{Objective: DPO, Beta: 1}},
		{"kto", Settings{Objective: KTO}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			db := openStore(t, home)
			fillStore(t, db, synthSpec{prefs: 500, seed: 43, flip: 0.2})
			s := tc.s
			s.Seed, s.Now = 1, clock(t0.Add(48*time.Hour))
			res, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(t)}, s)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s", res.Decision, res.Metrics.Reason)
			if res.Decision != store.RunRejected || res.Active != "" {
				t.Fatalf("decision %s, active %q; want rejected, none", res.Decision, res.Active)
			}
			if _, _, ok, err := model.ActiveAdapter(home); ok || err != nil {
				t.Fatalf("Active after a rejected run: ok=%v err=%v", ok, err)
			}
			if _, ok, _ := db.ActiveAdapter(context.Background()); ok {
				t.Fatal("the store has an active adapter after a rejected run")
			}
			ads, err := db.Adapters(context.Background())
			if err != nil || len(ads) != 1 || ads[0].State != store.AdapterRejected || ads[0].Version != res.Version {
				t.Fatalf("adapters = %+v, %v; want one rejected", ads, err)
			}
			if _, err := model.LoadAdapter(res.Dir, mustBase(t)); err != nil {
				t.Fatalf("the rejected adapter is not kept loadable: %v", err)
			}
			runs, err := db.Runs(context.Background(), 0)
			if err != nil || len(runs) != 1 || runs[0].Decision != store.RunRejected || runs[0].AdapterSHA256 != res.SHA256 {
				t.Fatalf("runs = %+v, %v", runs, err)
			}
			if rep, err := db.Verify(context.Background()); err != nil || !rep.OK {
				t.Fatalf("audit chain: %v %v", rep, err)
			}
		})
	}
}

func TestNotEnoughData(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 3, seed: 1})
	_, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(t)}, Settings{Now: clock(t0)})
	if !errors.Is(err, ErrNotEnoughData) {
		t.Fatalf("Run on 3 preferences: %v, want ErrNotEnoughData", err)
	}
	if runs, _ := db.Runs(context.Background(), 0); len(runs) != 0 {
		t.Fatalf("a run was recorded: %+v", runs)
	}
	entries, _ := os.ReadDir(model.AdaptersDir(home))
	for _, e := range entries {
		if e.Name() != lockFile {
			t.Fatalf("adapters directory holds %s", e.Name())
		}
	}
}

// TestRefit: with Settings.Refit a run whose candidate passes the gate
// saves an adapter refitted on every preference (the held-out ones too);
// the gate's metrics remain the candidate's. A candidate the gate refuses
// is saved as it is, without a refit.
func TestRefit(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, spec synthSpec, refit bool) Result {
		home := t.TempDir()
		db := openStore(t, home)
		fillStore(t, db, spec)
		s := Settings{Seed: 1, Now: clock(t0.Add(48 * time.Hour)), Refit: refit}
		res, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(t)}, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := model.LoadAdapter(res.Dir, mustBase(t)); err != nil {
			t.Fatalf("the saved adapter does not load: %v", err)
		}
		t.Logf("refit=%v: %s (%s), %d steps", refit, res.Decision, res.Metrics.Reason, res.Metrics.Steps)
		return res
	}
	t.Run("accepted", func(t *testing.T) {
		t.Parallel()
		spec := synthSpec{prefs: 300, seed: 44}
		plain, refit := run(t, spec, false), run(t, spec, true)
		if plain.Decision != store.RunAccepted || refit.Decision != store.RunAccepted {
			t.Fatalf("decisions %s, %s; want both accepted", plain.Decision, refit.Decision)
		}
		r := refit.Metrics.Refit
		if r == nil || r.Preferences != refit.Data.Preferences || r.Steps <= 0 || len(r.PolicyLoss) == 0 {
			t.Fatalf("refit metrics %+v; data %+v", r, refit.Data)
		}
		if plain.Metrics.Refit != nil {
			t.Fatalf("a run without refit reports one: %+v", plain.Metrics.Refit)
		}
		// The gate judged the same candidate in both runs.
		if plain.Metrics.Holdout.New != refit.Metrics.Holdout.New {
			t.Fatalf("candidate metrics differ: %+v vs %+v", plain.Metrics.Holdout.New, refit.Metrics.Holdout.New)
		}
		if plain.SHA256 == refit.SHA256 {
			t.Fatal("the refit run saved the candidate")
		}
	})
	t.Run("rejected", func(t *testing.T) {
		t.Parallel()
		spec := synthSpec{prefs: 300, seed: 45, flip: 0.2}
		plain, refit := run(t, spec, false), run(t, spec, true)
		if refit.Decision != store.RunRejected || refit.Metrics.Refit != nil {
			t.Fatalf("poisoned data: %s, refit %+v; want rejected without a refit", refit.Decision, refit.Metrics.Refit)
		}
		if plain.SHA256 != refit.SHA256 {
			t.Fatal("the rejected candidate differs from the same run without refit")
		}
	})
}

// TestEditIsNoVoteForNothing checks that an edit's developer's version ≻
// suggestion pair is left out of local training (it would read as showing
// nothing ≻ the fix the developer applied), while its suggestion ≻
// unchosen candidate pair and an undo's original ≻ suggestion pair stay.
func TestEditIsNoVoteForNothing(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var ss []store.Suggestion
	for i, id := range []string{"a", "b", "c"} {
		c := model.Candidate{RuleID: "go.rule-" + id, Category: store.StyleCat, Language: "go", Prior: 0.5}
		feat, _ := json.Marshal(c)
		ss = append(ss, store.Suggestion{ID: id, CreatedAt: at, Workspace: "/w", Document: "/w/main.go", Language: "go",
			RuleID: c.RuleID, Category: c.Category, Title: c.RuleID, Features: feat, CandidateSet: "set", Rank: i,
			Score: 0.5, Trigger: store.Invoked, Persona: "developer", OriginalText: "x", SuggestedText: "y"})
	}
	if err := db.PutSuggestions(ctx, ss...); err != nil {
		t.Fatal(err)
	}
	pair := func(chosen, rejected store.Side) store.Preference {
		return store.Preference{CreatedAt: at, Kind: store.Pair, Chosen: chosen, Rejected: rejected, Weight: 1, Persona: "developer"}
	}
	if _, err := db.AddPreferences(ctx,
		pair(store.Side{Role: store.RoleDeveloper, Text: "y2"}, store.Side{SuggestionID: "a", Role: store.RoleSuggestion}),
		pair(store.Side{SuggestionID: "a", Role: store.RoleSuggestion}, store.Side{SuggestionID: "b", Role: store.RoleCandidate}),
		pair(store.Side{Role: store.RoleOriginal, Text: "x"}, store.Side{SuggestionID: "c", Role: store.RoleSuggestion}),
	); err != nil {
		t.Fatal(err)
	}
	d, err := loadDataset(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.prefs) != 2 || d.skipped["edit read as showing nothing"] != 1 {
		t.Fatalf("read %d preferences, skipped %v; want 2 and the edit's developer pair left out", len(d.prefs), d.skipped)
	}
	name := func(r int32) string {
		if r == nothing {
			return "nothing"
		}
		return d.ids[r]
	}
	got := map[string]bool{}
	for _, p := range d.prefs {
		got[name(p.pos)+"≻"+name(p.neg)] = true
	}
	if !got["a≻b"] || !got["nothing≻c"] || got["nothing≻a"] {
		t.Errorf("preferences read %v; want a≻b and nothing≻c, and no nothing≻a", got)
	}
}
