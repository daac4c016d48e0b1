package train

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
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
// saying why, when the active adapter's shape differs from the run's.
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
	// Another rank: a fresh start, and why.
	s.Rank = 4
	fresh := runOK(t, homeA, db, s)
	if fresh.Hyper.WarmStart != "" || !strings.Contains(fresh.Hyper.FreshStart, "rank 8") {
		t.Fatalf("rank 4 behind a rank-8 adapter: warm %q, fresh %q", fresh.Hyper.WarmStart, fresh.Hyper.FreshStart)
	}
}

// loraDistance is the largest absolute difference between the LoRA
// parameters of the adapters in two directories.
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
	var d float64
	for i, l := range a.LoRA.Layers {
		m := b.LoRA.Layers[i]
		for j := range l.A.Data {
			d = max(d, math.Abs(float64(l.A.Data[j]-m.A.Data[j])))
		}
		for j := range l.B.Data {
			d = max(d, math.Abs(float64(l.B.Data[j]-m.B.Data[j])))
		}
	}
	return d
}
