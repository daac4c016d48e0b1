package learnbench

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/testwait"
)

// TestFeedbackMovesServedRanking is the benchmark in miniature: a persona
// that wants performance suggestions only gives 20 pieces of feedback over
// LSP, the server retrains, and on held-out files the automatic triggers
// show less of what it rejects and stay silent more often. It runs the
// first five seeds: every run must move noise down and silence recall up,
// and in most runs what the persona wants must still show unasked
// afterwards. Twenty events are few: one draw can teach the adapter to hold
// everything back (seed 3 did once javascript.nullish-default became `||
// true` only; with the rules added on 2026-12-06, whose corpus sites the
// persona rejects, seeds 3 and 4 do, and 8 of seeds 1-10 keep recall),
// which the full learning benchmark, not this test, measures over personas
// and seeds. Likewise the training gate may refuse the adapter of a run:
// with six held-out preferences one confident miss outweighs the rest in
// log-loss (train's gate allows one nat on one preference). Since round 10
// of the rules (go.fprintf-write's corpus sites shift every draw), seeds 1
// and 8 of 1-10 are refused, better in accuracy and worse in log-loss, as
// none was before; most runs must still be accepted, and none may fail.
func TestFeedbackMovesServedRanking(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a real session")
	}
	bin := os.Getenv("SYNTX_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "syntx")
		if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/syntx").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	seeds := []uint64{1, 2, 3, 4, 5}
	recalled, accepted := 0, 0
	for _, seed := range seeds {
		// A deadline per run, not one for the five: each takes 15-25 s in
		// CI, and the five together came within a minute of testwait's
		// bound on a busy machine.
		ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
		rep, err := Run(ctx, Config{
			Binary: bin, Corpus: "../../testdata/corpus", Personas: []string{"performance-auditor"},
			Objectives: []string{"kl"}, Noise: []float64{0}, Checkpoints: []int{0, 20}, HeldOut: 60, Seed: seed,
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		c := rep.Curves[0]
		if c.Mismatch != "" {
			t.Fatalf("seed %d: capture recorded other outcomes than the persona played: %s", seed, c.Mismatch)
		}
		before, after := c.Points[0], c.Points[len(c.Points)-1]
		t.Logf("seed %d before: %+v\nafter:  %+v\nactions %v", seed, before, after, c.Actions)
		if after.Events != 20 || after.TrainDecision != "accepted" && after.TrainDecision != "rejected" {
			t.Fatalf("seed %d: after %d events the run was %q", seed, after.Events, after.TrainDecision)
		}
		if after.TrainDecision == "accepted" {
			accepted++
		}
		if after.AutoRecall > 0 {
			recalled++
		}
		// Noise is rejected / shown; the count per site is over every held-out site.
		for _, m := range []Metrics{before, after} {
			if m.Sites != 60 || math.Abs(m.Noise*float64(m.Shown)-float64(m.Rejected)) > 1e-9 || math.Abs(m.PerSite-float64(m.Rejected)/60) > 1e-12 {
				t.Fatalf("seed %d: counts disagree with noise: %+v", seed, m)
			}
		}
		if !(after.Noise < before.Noise && after.SilenceRecall > before.SilenceRecall) {
			t.Fatalf("seed %d: feedback did not move the ranking toward the persona: noise %.2f→%.2f, silence recall %.2f→%.2f",
				seed, before.Noise, after.Noise, before.SilenceRecall, after.SilenceRecall)
		}
	}
	if accepted*2 <= len(seeds) {
		t.Fatalf("the training gate refused the adapter in %d of %d runs", len(seeds)-accepted, len(seeds))
	}
	if recalled*2 <= len(seeds) {
		t.Fatalf("after feedback nothing the persona wants is shown automatically in %d of %d runs", len(seeds)-recalled, len(seeds))
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	curve := func(noise30 float64) Curve {
		return Curve{Persona: "p", Objective: "kl", Noise: 0.1, Oracle: Metrics{PrecisionAt1: 1, SilenceRecall: 1, AutoRecall: 1, Wanted: 5},
			Points: []Metrics{
				{Events: 0, PrecisionAt1: 0.8, Noise: 0.6, SilenceRecall: 0, AutoRecall: 1, Wanted: 5},
				{Events: 30, PrecisionAt1: 1, Noise: noise30, SilenceRecall: 0.8, AutoRecall: 0.9, Wanted: 5},
			}}
	}
	reps := []*Report{{Curves: []Curve{curve(0.2)}}, {Curves: []Curve{curve(0.5)}}}
	s := Summarize([]uint64{1, 2}, reps)
	if len(s.Curves) != 1 {
		t.Fatalf("curves %+v", s.Curves)
	}
	c := s.Curves[0]
	if c.Runs != 2 || c.Met != 1 || len(c.Verdicts) != 2 {
		t.Fatalf("runs %d met %d verdicts %v", c.Runs, c.Met, c.Verdicts)
	}
	if got := c.Mean.Points[1].Noise; got < 0.35-1e-9 || got > 0.35+1e-9 {
		t.Fatalf("mean noise at 30 = %v, want 0.35", got)
	}
	// The mean curve's noise 0.35 is above half the base's 0.6.
	if ok, why := c.Mean.Target(); ok {
		t.Fatalf("mean curve meets the target: %s", why)
	}
	if c.NoiseAt[0] != 0.2 || c.NoiseAt[1] != 0.5 {
		t.Fatalf("noise at 30: %v", c.NoiseAt)
	}
	svg := filepath.Join(t.TempDir(), "summary.svg")
	if err := s.WriteSVG(svg); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<polyline") {
		t.Fatalf("summary plot: %v", err)
	}
}

// TestSummarizeNothingWanted: a seed whose held-out sites hold nothing the
// persona wants has no precision@1 to measure (0 of 0); its 0 is not
// averaged into the mean curve, and its verdict judges the noise alone.
func TestSummarizeNothingWanted(t *testing.T) {
	t.Parallel()
	wanted := Curve{Persona: "security", Objective: "kl", Noise: 0.1, Oracle: Metrics{PrecisionAt1: 1, SilenceRecall: 1, AutoRecall: 1, Wanted: 2},
		Points: []Metrics{
			{Events: 0, PrecisionAt1: 1, Noise: 1, SilenceRecall: 0.8, Wanted: 2},
			{Events: 30, PrecisionAt1: 1, Noise: 0, SilenceRecall: 1, AutoRecall: 1, Wanted: 2},
		}}
	none := Curve{Persona: "security", Objective: "kl", Noise: 0.1, Oracle: Metrics{SilenceRecall: 1},
		Points: []Metrics{
			{Events: 0, Noise: 1, SilenceRecall: 0.8},
			{Events: 30, Noise: 0.2, SilenceRecall: 0.9},
		}}
	if ok, why := none.Target(); !ok || !strings.Contains(why, "not measured") {
		t.Fatalf("seed with nothing wanted: %v %s", ok, why)
	}
	s := Summarize([]uint64{1, 2}, []*Report{{Curves: []Curve{wanted}}, {Curves: []Curve{none}}})
	c := s.Curves[0]
	at := c.Mean.Points[1]
	if at.PrecisionAt1 != 1 || at.AutoRecall != 1 || c.Mean.Oracle.PrecisionAt1 != 1 || c.Mean.Oracle.Wanted != 2 {
		t.Fatalf("precision averaged over a seed without wanted sites: %+v, oracle %+v", at, c.Mean.Oracle)
	}
	if got := at.Noise; got < 0.1-1e-9 || got > 0.1+1e-9 {
		t.Fatalf("mean noise at 30 = %v, want 0.1 (over both seeds)", got)
	}
	if ok, why := c.Mean.Target(); !ok {
		t.Fatalf("mean curve: %s", why)
	}
	if c.Met != 2 {
		t.Fatalf("met in %d of 2: %v", c.Met, c.Verdicts)
	}
}

func TestStable(t *testing.T) {
	t.Parallel()
	pts := func(noise ...float64) Curve {
		var c Curve
		for i, n := range noise {
			c.Points = append(c.Points, Metrics{Events: 10 * i, Noise: n})
		}
		return c
	}
	for _, tc := range []struct {
		c    Curve
		want bool
	}{
		{pts(0.9, 0.5, 0.3, 0.3), true},  // the base's noise (at 0) does not count
		{pts(0.2, 0.5, 0.54, 0.1), true}, // a rise of 0.04
		{pts(0.9, 0.0, 0.88, 0.0), false},
		{pts(0.9, 0.1, 0.1, 0.16), false},
	} {
		if ok, why := tc.c.Stable(); ok != tc.want {
			t.Errorf("%v: stable %v (%s), want %v", tc.c.Points, ok, why, tc.want)
		}
	}
}

// TestStableNamesLeak: a rise names the rule most of the noise came from,
// counting its sites in tests and in production together.
func TestStableNamesLeak(t *testing.T) {
	t.Parallel()
	c := Curve{Points: []Metrics{
		{Events: 0, Noise: 1, Shown: 23},
		{Events: 10, Noise: 0, Shown: 2},
		{Events: 20, Noise: 0.88, Shown: 17, Leaks: map[string]int{"python.raise-from": 7, "python.raise-from(test)": 8}},
	}}
	ok, why := c.Stable()
	if ok || !strings.Contains(why, "(15 of 17 actions shown: python.raise-from)") {
		t.Fatalf("stable %v: %s", ok, why)
	}
}

// TestTargetAt30: the target is judged at 30 events; meeting it at 10
// and losing it by 30 is not meeting it.
func TestTargetAt30(t *testing.T) {
	t.Parallel()
	c := Curve{Oracle: Metrics{PrecisionAt1: 1, Wanted: 4}, Points: []Metrics{
		{Events: 0, PrecisionAt1: 1, Noise: 1},
		{Events: 10, PrecisionAt1: 1, Noise: 0},
		{Events: 30, PrecisionAt1: 1, Noise: 0.6},
		{Events: 50, PrecisionAt1: 1, Noise: 0},
	}}
	if ok, why := c.Target(); ok || !strings.Contains(why, "at 30 events") {
		t.Fatalf("met at 10, lost at 30: %v %s", ok, why)
	}
	c.Points[2].Noise = 0.5
	if ok, why := c.Target(); !ok {
		t.Fatalf("noise 0.5 at 30 against a base of 1: %s", why)
	}
	c.Points[2].PrecisionAt1 = 0.8
	if ok, why := c.Target(); ok || !strings.Contains(why, "need 0.90") {
		t.Fatalf("P@1 0.8 at 30: %v %s", ok, why)
	}
}

func TestFirstChangeAndCommonSuffix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b        string
		first, suff int
	}{
		{"var x = 1;", "let x = 1;", 0, 7},
		{"x.keys()", "x", 1, 0},
		{"abc", "abc", -1, 3},
		{"ab", "abc", 2, 0},
		{"", "", -1, 0},
	} {
		if got := firstChange(tc.a, tc.b); got != tc.first {
			t.Errorf("firstChange(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.first)
		}
		if got := commonSuffix(tc.a, tc.b); got != tc.suff {
			t.Errorf("commonSuffix(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.suff)
		}
	}
}

// TestNoiseCounts: the target's and the stability's verdicts say what a
// noise figure is made of (rejected of shown, per held-out site), and a
// summary totals the counts and averages the rate over the seeds.
func TestNoiseCounts(t *testing.T) {
	t.Parallel()
	c := Curve{Persona: "p", Objective: "kl", Noise: 0.1, Oracle: Metrics{PrecisionAt1: 1, Wanted: 4}, Points: []Metrics{
		{Events: 0, PrecisionAt1: 1, Noise: 0.75, Shown: 20, Rejected: 15, Sites: 200, PerSite: 0.075},
		{Events: 20, PrecisionAt1: 1, Noise: 0, Sites: 200},
		{Events: 30, PrecisionAt1: 1, Noise: 1, Shown: 2, Rejected: 2, Sites: 200, PerSite: 0.01},
	}}
	_, why := c.Target()
	if want := "noise 1.00 (need ≤ 0.38) [2 rejected of 2 shown, 0.010 per site; base 15 rejected of 20 shown, 0.075 per site]"; !strings.Contains(why, want) {
		t.Errorf("target: %s\nwant it to contain %s", why, want)
	}
	_, why = c.Stable()
	if want := "[0 rejected of 0 shown, 0.000 per site → 2 rejected of 2 shown, 0.010 per site]"; !strings.Contains(why, want) {
		t.Errorf("stable: %s\nwant it to contain %s", why, want)
	}
	d := c
	d.Points = slices.Clone(c.Points)
	d.Points[2] = Metrics{Events: 30, PrecisionAt1: 1, Noise: 0.5, Shown: 10, Rejected: 5, Sites: 100, PerSite: 0.05}
	m := Summarize([]uint64{1, 2}, []*Report{{Curves: []Curve{c}}, {Curves: []Curve{d}}}).Curves[0].Mean.Points[2]
	if m.Rejected != 7 || m.Shown != 12 || m.Sites != 300 || math.Abs(m.PerSite-0.03) > 1e-12 {
		t.Errorf("mean at 30: %+v; want 7 rejected of 12 shown over 300 sites, 0.03 per site", m)
	}
}
