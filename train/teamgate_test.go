package train

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/model"
)

// TestRunTeamGatesOnRecordsTheRefitDidNotSee: after a refit was published
// (trained on every record up to ActiveSaw), the next team run's gate
// compares on the held-out records newer than that when there are at least
// five, on all of them (saying why) when there are fewer, and on all of
// them without comment when the published adapter is not a refit. The run
// starts from the published adapter (warm start) and records it.
func TestRunTeamGatesOnRecordsTheRefitDidNotSee(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	ctx := context.Background()
	recs := teamRecords(map[string]string{"m-a": "security", "m-b": "security", "m-c": "style"}, 40)
	s := Settings{Seed: 3, MinSteps: 100, Epochs: 5, RewardEpochs: 5, Refit: true}
	first, err := RunTeam(ctx, TeamProblem{Base: base, Records: recs}, s)
	if err != nil {
		t.Fatal(err)
	}
	if first.Metrics.Refit == nil || first.Hyper.WarmStart != "" || first.Hyper.FreshStart != "" {
		t.Fatalf("first run: decision %s, refit %v, warm start %q %q", first.Decision, first.Metrics.Refit, first.Hyper.WarmStart, first.Hyper.FreshStart)
	}
	saw := int64(0)
	for _, r := range recs {
		saw = max(saw, r.ID)
	}
	// m-a comes back with four new candidate sets (a pair and a label
	// each): eight records the refit did not see, all among m-a's newest.
	newer := append([]TeamRecord(nil), recs...)
	for i := range 4 {
		at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		x := recs[0]
		set := fmt.Sprintf("new%d", i)
		newer = append(newer,
			TeamRecord{ID: saw + 1 + 2*int64(i), Member: "m-a", Set: set, Rows: x.Rows, Pos: 0, Neg: 1, At: at, Weight: 1, Role: "developer", Category: "security"},
			TeamRecord{ID: saw + 2 + 2*int64(i), Member: "m-a", Set: set, Rows: x.Rows, Pos: 0, Neg: -1, Label: true, At: at, Weight: 1, Role: "developer", Category: "security"})
	}
	cases := []struct {
		name   string
		recs   []TeamRecord
		saw    int64
		n      int    // held-out records the gate compares on (0: all)
		reason string // in the gate's reason ("": no clause)
	}{
		{"new records", newer, saw, 8, "compared on the 8 of "},
		{"nothing new", recs, saw, 0, "only 0 are newer, fewer than 5"},
		{"not a refit", newer, 0, 0, ""},
	}
	for _, c := range cases {
		res, err := RunTeam(ctx, TeamProblem{Base: base, Records: c.recs, Active: first.LoRA, ActiveVersion: "t1",
			ActiveBaseSHA256: base.BaseHash(), ActiveSaw: c.saw}, s)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.n
		if want == 0 {
			want = res.Data.Holdout
		}
		if res.Metrics.Holdout.New.N != want || res.Metrics.Holdout.Active.N != want {
			t.Errorf("%s: the gate compared on %d/%d held-out records, want %d (of %d)", c.name,
				res.Metrics.Holdout.New.N, res.Metrics.Holdout.Active.N, want, res.Data.Holdout)
		}
		switch {
		case c.reason == "" && strings.Contains(res.Metrics.Reason, "(a refit)"):
			t.Errorf("%s: reason %q speaks of a refit", c.name, res.Metrics.Reason)
		case c.reason != "" && !strings.Contains(res.Metrics.Reason, c.reason):
			t.Errorf("%s: reason %q, want it to say %q", c.name, res.Metrics.Reason, c.reason)
		}
		if res.Hyper.WarmStart != "t1" || res.Hyper.FreshStart != "" {
			t.Errorf("%s: warm start %q (fresh: %q), want t1", c.name, res.Hyper.WarmStart, res.Hyper.FreshStart)
		}
	}
}

// TestRunTeamWarmStartOnlyWhenItFits: a team run starts from the published
// adapter only when it was trained for this base and has the run's shape;
// otherwise it starts fresh and says why.
func TestRunTeamWarmStartOnlyWhenItFits(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	recs := teamRecords(map[string]string{"m-a": "security", "m-b": "style"}, 30)
	s := Settings{Seed: 5, MinSteps: 50, Epochs: 3, RewardEpochs: 3}
	other, err := model.NewLoRA(base, model.LoRAConfig{Rank: 2, Alpha: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	same, err := model.NewLoRA(base, model.LoRAConfig{Rank: s.WithDefaults().Rank, Alpha: s.WithDefaults().Alpha, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A starting point no fresh adapter has (a fresh B is zero).
	for _, l := range same.Layers {
		for k := range l.B.Data {
			l.B.Data[k] = 0.1
		}
	}
	start := same.Clone()
	cases := []struct {
		name      string
		lora      *model.LoRA
		baseSHA   string
		warm, why string
	}{
		{"fits", same, base.BaseHash(), "t7", ""},
		{"another shape", other, base.BaseHash(), "", "has rank 2"},
		{"another base", same, strings.Repeat("0", 64), "", "was trained for base 0000"},
	}
	for _, c := range cases {
		if c.name == "another shape" && s.WithDefaults().Rank == 2 {
			t.Fatal("the test's other shape is the default rank")
		}
		res, err := RunTeam(context.Background(), TeamProblem{Base: base, Records: recs, Active: c.lora, ActiveVersion: "t7", ActiveBaseSHA256: c.baseSHA}, s)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Hyper.WarmStart != c.warm || !strings.Contains(res.Hyper.FreshStart, c.why) || (c.why == "") != (res.Hyper.FreshStart == "") {
			t.Errorf("%s: warm start %q, fresh start %q; want %q, %q", c.name, res.Hyper.WarmStart, res.Hyper.FreshStart, c.warm, c.why)
		}
		if c.warm == "" {
			continue
		}
		// Training is deterministic: only the starting point differs.
		cs := s
		cs.coldStart = true
		cold, err := RunTeam(context.Background(), TeamProblem{Base: base, Records: recs, Active: c.lora, ActiveVersion: "t7", ActiveBaseSHA256: c.baseSHA}, cs)
		if err != nil {
			t.Fatal(err)
		}
		if cold.Hyper.WarmStart != "" || slices.Equal(cold.LoRA.Layers[0].A.Data, res.LoRA.Layers[0].A.Data) {
			t.Errorf("%s: the warm-started adapter is the cold-started one (cold run's warm start %q)", c.name, cold.Hyper.WarmStart)
		}
		// A step too small to move anything: the result is the adapter
		// the run started from, B's 0.1 included.
		ss := s
		ss.LearningRate, ss.WeightDecay = 1e-12, 1e-12
		still, err := RunTeam(context.Background(), TeamProblem{Base: base, Records: recs, Active: c.lora, ActiveVersion: "t7", ActiveBaseSHA256: c.baseSHA}, ss)
		if err != nil {
			t.Fatal(err)
		}
		if still.Hyper.WarmStart != "t7" || still.LoRA == nil {
			t.Fatalf("%s: with no step to take: warm start %q, adapter %v", c.name, still.Hyper.WarmStart, still.LoRA)
		}
		if d := loraMaxDiff(t, start, still.LoRA); d > 1e-6 {
			t.Errorf("%s: warm-started with no step to take, the adapter moved by %g from the one it started from", c.name, d)
		}
	}
}
