package train

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// runOK runs a training and fails the test on an error.
func runOK(t *testing.T, home string, db *store.DB, s Settings) Result {
	t.Helper()
	res, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(t)}, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s: %s", res.Version, res.Decision, res.Metrics.Reason)
	return res
}

// TestWarmStart: a run starts from the active adapter when it fits (with a
// learning rate too small to move it, the new adapter is the active one),
// records which, is a pure function of the store, the settings and that
// adapter (two homes give byte-identical adapters), and starts afresh,
// saying why, when the active adapter was trained over another team layer
// or its shape differs from the run's.
func TestWarmStart(t *testing.T) {
	t.Parallel()
	seq := func() (string, *store.DB, []Result) {
		home := t.TempDir()
		db := openStore(t, home)
		fillStore(t, db, synthSpec{prefs: 120, seed: 9})
		s := quick(2, clock(t0.Add(48*time.Hour)))
		s.Refit = true
		first := runOK(t, home, db, s)
		fillStore(t, db, synthSpec{prefs: 30, seed: 10, ws: "/b", offset: 24 * time.Hour})
		second := runOK(t, home, db, s)
		return home, db, []Result{first, second}
	}
	homeA, db, a := seq()
	_, _, b := seq()
	if a[0].Hyper.WarmStart != "" || a[1].Hyper.WarmStart != "v1" || a[1].Hyper.FreshStart != "" {
		t.Fatalf("warm starts %q, %q (%s); want none, then v1", a[0].Hyper.WarmStart, a[1].Hyper.WarmStart, a[1].Hyper.FreshStart)
	}
	weights := func(r Result) []byte {
		data, err := os.ReadFile(filepath.Join(r.Dir, model.AdapterWeightsFile))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if !bytes.Equal(weights(a[1]), weights(b[1])) {
		t.Fatal("the same store, settings and active adapter gave two different adapters")
	}

	// A step too small to move anything: the saved adapter is v2.
	s := quick(3, clock(t0.Add(72*time.Hour)))
	s.LearningRate, s.WeightDecay = 1e-12, 1e-12
	still := runOK(t, homeA, db, s)
	if d := loraDistance(t, a[1].Dir, still.Dir); d > 1e-6 {
		t.Fatalf("warm-started at v2 with no step to take, the adapter moved by %g", d)
	}
	// Over another team layer than the active adapter's: a fresh start.
	other, err := Run(context.Background(), Problem{Home: homeA, DB: db, Base: mustBase(t), TeamLayer: "t9"}, s)
	if err != nil {
		t.Fatal(err)
	}
	if other.Hyper.WarmStart != "" || !strings.Contains(other.Hyper.FreshStart, `team layer "", this run over "t9"`) {
		t.Fatalf("over team layer t9 behind %s: warm %q, fresh %q", still.Version, other.Hyper.WarmStart, other.Hyper.FreshStart)
	}
	// Another rank: a fresh start, and why.
	s.Rank = 4
	fresh := runOK(t, homeA, db, s)
	if fresh.Hyper.WarmStart != "" || !strings.Contains(fresh.Hyper.FreshStart, "rank 8") {
		t.Fatalf("rank 4 behind a rank-8 adapter: warm %q, fresh %q", fresh.Hyper.WarmStart, fresh.Hyper.FreshStart)
	}
}

// loraDistance is the largest absolute difference between the LoRA
// parameters of the adapters in two directories (loraMaxDiff).
func loraDistance(t *testing.T, dirA, dirB string) float64 {
	t.Helper()
	a, err := model.LoadAdapter(dirA, mustBase(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := model.LoadAdapter(dirB, mustBase(t))
	if err != nil {
		t.Fatal(err)
	}
	return loraMaxDiff(t, a.LoRA, b.LoRA)
}

// loraMaxDiff is the largest absolute difference between the parameters
// of two LoRA adapters. Adapters of other shapes (another layer count or
// matrix size), or with no layers, fail the test: they have no distance,
// and 0 would read as "did not move".
func loraMaxDiff(t *testing.T, a, b *model.LoRA) float64 {
	t.Helper()
	if len(a.Layers) == 0 || len(a.Layers) != len(b.Layers) {
		t.Fatalf("adapters of %d and %d layers: no distance", len(a.Layers), len(b.Layers))
	}
	var d float64
	for i, l := range a.Layers {
		m := b.Layers[i]
		if len(l.A.Data) != len(m.A.Data) || len(l.B.Data) != len(m.B.Data) {
			t.Fatalf("layer %d: lora_A of %d and %d values, lora_B of %d and %d: no distance", i, len(l.A.Data), len(m.A.Data), len(l.B.Data), len(m.B.Data))
		}
		for j := range l.A.Data {
			d = max(d, math.Abs(float64(l.A.Data[j]-m.A.Data[j])))
		}
		for j := range l.B.Data {
			d = max(d, math.Abs(float64(l.B.Data[j]-m.B.Data[j])))
		}
	}
	return d
}

// BenchmarkWarmStartDrift measures what the warm start is for: how much
// the score of rules the feedback never named moves from one retrain to
// the next while feedback accumulates. For each of three data seeds it
// trains five times, 40 new preferences each time, once starting every
// run fresh and once from the active adapter (two homes, the same data
// and settings, refit on), and after each run scores 100 probe candidates
// of two rules that are in no preference (a style rule with prior 0.62, a
// performance rule with prior 0.5). It reports, as medians over the seeds,
// the mean and the largest change of a probe's score between consecutive
// runs, and the ratio warm / fresh; and the same for warm starts with
// uniform decay (Settings.RuleDecay 1), with the ratio warm / uniform.
//
//	go test -run '^$' -bench BenchmarkWarmStartDrift -benchtime 1x ./train/
func BenchmarkWarmStartDrift(b *testing.B) {
	// The arms: fresh and warm with the default Settings.RuleDecay, and
	// warm with uniform decay (RuleDecay 1), the baseline of the
	// feature-group decay.
	arms := []struct {
		cold      bool
		ruleDecay float64
	}{{true, 0}, {false, 0}, {false, 1}}
	for range b.N {
		var res [3][2][]float64 // arm, mean/max
		for seed := uint64(1); seed <= 3; seed++ {
			for i, a := range arms {
				mean, most := driftOf(b, seed, a.cold, a.ruleDecay)
				res[i][0] = append(res[i][0], mean)
				res[i][1] = append(res[i][1], most)
			}
		}
		fresh, warm, uniform := res[0], res[1], res[2]
		b.ReportMetric(median(fresh[0]), "fresh-mean-jump")
		b.ReportMetric(median(warm[0]), "warm-mean-jump")
		b.ReportMetric(median(warm[0])/median(fresh[0]), "warm/fresh-mean")
		b.ReportMetric(median(fresh[1]), "fresh-max-jump")
		b.ReportMetric(median(warm[1]), "warm-max-jump")
		b.ReportMetric(median(warm[1])/median(fresh[1]), "warm/fresh-max")
		b.ReportMetric(median(uniform[0]), "uniform-warm-mean-jump")
		b.ReportMetric(median(uniform[1]), "uniform-warm-max-jump")
		b.ReportMetric(median(warm[0])/median(uniform[0]), "warm/uniform-mean")
	}
}

// driftOf runs the five retrains of one arm and returns the mean and the
// largest absolute change of a probe's score between consecutive runs.
func driftOf(b *testing.B, seed uint64, cold bool, ruleDecay float64) (mean, most float64) {
	home := b.TempDir()
	db := openStore(b, home)
	unmet := []synthRule{
		{"go.unmet-style", store.StyleCat, 0.62, 0},
		{"go.unmet-perf", store.Performance, 0.5, 0},
	}
	var prev []float64
	var sum float64
	var n int
	for stage := range 5 {
		fillStore(b, db, synthSpec{prefs: 40, seed: seed*100 + uint64(stage), ws: fmt.Sprintf("/s%d", stage), offset: time.Duration(stage) * 24 * time.Hour})
		s := Settings{Seed: 1, Refit: true, Now: clock(t0.Add(time.Duration(stage+1) * 24 * time.Hour)), coldStart: cold, RuleDecay: ruleDecay}
		res, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(b)}, s)
		if err != nil {
			b.Fatal(err)
		}
		rt := runtimeWith(b, home, res.Active)
		r := newRNG(seed)
		cur := make([]float64, 0, 100)
		out := make([]float64, 2)
		for range 50 {
			c0, c1 := synthCandidate(r, unmet[0], "developer"), synthCandidate(r, unmet[1], "developer")
			if err := rt.Score(context.Background(), []model.Candidate{c0, c1}, out); err != nil {
				b.Fatal(err)
			}
			cur = append(cur, out...)
		}
		if prev != nil {
			for i := range cur {
				d := math.Abs(cur[i] - prev[i])
				sum += d
				most = max(most, d)
				n++
			}
		}
		prev = cur
	}
	return sum / float64(n), most
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
