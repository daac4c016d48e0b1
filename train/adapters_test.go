package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// quick are settings for tests that exercise the bookkeeping rather than
// the learning: few steps, and a gate that accepts anything.
func quick(seed uint64, now func() time.Time) Settings {
	return Settings{Seed: seed, MinSteps: 20, Epochs: 2, RewardEpochs: 2, Now: now,
		AccuracyTolerance: 1, LogLossTolerance: 1e6}
}

// TestDeterministic trains twice, in two homes, on the same data with the
// same seed: the adapters are byte-identical. Another seed differs.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, obj := range []Objective{KL, DPO, KTO} {
		t.Run(string(obj), func(t *testing.T) {
			t.Parallel()
			files := func(seed uint64) [][]byte {
				home := t.TempDir()
				db := openStore(t, home)
				fillStore(t, db, synthSpec{prefs: 150, seed: 5})
				s := quick(seed, clock(t0.Add(time.Hour)))
				s.Objective, s.MinSteps = obj, 60
				res, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(t)}, s)
				if err != nil {
					t.Fatal(err)
				}
				var out [][]byte
				for _, f := range []string{model.AdapterConfigFile, model.AdapterWeightsFile} {
					b, err := os.ReadFile(filepath.Join(res.Dir, f))
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, b)
				}
				return out
			}
			a, b, c := files(3), files(3), files(4)
			for i := range a {
				if !bytes.Equal(a[i], b[i]) {
					t.Fatalf("file %d differs between two runs with the same seed", i)
				}
			}
			if bytes.Equal(a[1], c[1]) {
				t.Fatal("two seeds gave identical weights")
			}
		})
	}
}

// TestRollbackAndRetention runs four accepted trainings with keep_adapters
// = 2, then rolls back until the base runs alone.
func TestRollbackAndRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 120, seed: 8})
	base := mustBase(t)
	now := clock(t0.Add(time.Hour))
	for i := 1; i <= 4; i++ {
		s := quick(uint64(i), now)
		s.KeepAdapters = 2
		res, err := Run(ctx, Problem{Home: home, DB: db, Base: base}, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Decision != store.RunAccepted || res.Version != "v"+string(rune('0'+i)) {
			t.Fatalf("run %d: %s %s", i, res.Decision, res.Version)
		}
	}
	if got := versionDirs(t, home); !slices.Equal(got, []string{"v3", "v4"}) {
		t.Fatalf("adapter directories %v, want [v3 v4]", got)
	}
	for _, want := range []string{"v3", ""} {
		rb, err := Rollback(ctx, home, db, base, now())
		if err != nil {
			t.Fatal(err)
		}
		if rb.To != want {
			t.Fatalf("rollback from %s went to %q, want %q (v2 and v1 were pruned)", rb.From, rb.To, want)
		}
		v, _, ok, err := model.ActiveAdapter(home)
		a, dbOK, _ := db.ActiveAdapter(ctx)
		if err != nil || v != want || ok != (want != "") || dbOK != ok || a.Version != v {
			t.Fatalf("after rollback: ACTIVE %q %v %v, store %q %v", v, ok, err, a.Version, dbOK)
		}
	}
	if _, err := Rollback(ctx, home, db, base, now()); !errors.Is(err, ErrNothingToRollBack) {
		t.Fatalf("rollback with nothing active: %v", err)
	}
	if rep, err := db.Verify(ctx); err != nil || !rep.OK {
		t.Fatalf("audit chain: %v %v", rep, err)
	}
}

// TestRollbackSkipsRejected: the previous accepted adapter is restored, not
// a newer rejected one.
func TestRollbackSkipsRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 120, seed: 9})
	base := mustBase(t)
	now := clock(t0.Add(time.Hour))
	run := func(s Settings) Result {
		res, err := Run(ctx, Problem{Home: home, DB: db, Base: base}, s)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	run(quick(1, now)) // v1
	good := quick(2, now)
	good.MinSteps = 300
	if r2 := run(good); r2.Decision != store.RunAccepted { // v2, trained properly
		t.Fatalf("v2: %s", r2.Decision)
	}
	// v3 barely trains from a fresh start (another rank, so not from v2)
	// and may not be worse than v2 at all: rejected.
	rej := quick(3, now)
	rej.AccuracyTolerance, rej.LogLossTolerance, rej.Epochs, rej.RewardEpochs, rej.MinSteps = -1, -1, 1, 1, 1
	rej.Rank = 4
	if r3 := run(rej); r3.Decision != store.RunRejected {
		t.Fatalf("v3: %s (%s)", r3.Decision, r3.Metrics.Reason)
	}
	rb, err := Rollback(ctx, home, db, base, now())
	if err != nil {
		t.Fatal(err)
	}
	if rb.From != "v2" || rb.To != "v1" {
		t.Fatalf("rollback %+v, want v2 → v1", rb)
	}
}

func versionDirs(t testing.TB, home string) []string {
	t.Helper()
	entries, err := os.ReadDir(model.AdaptersDir(home))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a home where nothing was trained yet
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if _, ok := model.AdapterVersionNumber(e.Name()); ok {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestReconcile repairs each state a crash can leave behind.
func TestReconcile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 60, seed: 10})
	base := mustBase(t)
	now := clock(t0.Add(time.Hour))
	res, err := Run(ctx, Problem{Home: home, DB: db, Base: base}, quick(1, now))
	if err != nil || res.Decision != store.RunAccepted {
		t.Fatalf("run: %v %s", err, res.Decision)
	}
	adir := model.AdaptersDir(home)
	// A version saved but never recorded, temporary directories and a
	// temporary pointer file.
	if err := model.SaveAdapter(filepath.Join(adir, "v7"), base, randomLoRA(t, base, 1, 2, 0.1), "v7"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{".v8.tmp-123", ".trash-v0-1"} {
		if err := os.MkdirAll(filepath.Join(adir, d, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(adir, ".ACTIVE.tmp-9"), []byte("v7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// ACTIVE lost.
	if err := os.Remove(filepath.Join(adir, model.ActiveFile)); err != nil {
		t.Fatal(err)
	}
	if err := Reconcile(ctx, home, db, now()); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(adir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{".lock", model.ActiveFile, "v1"}) {
		t.Fatalf("after reconcile the directory holds %v", names)
	}
	if v, _, ok, err := model.ActiveAdapter(home); v != "v1" || !ok || err != nil {
		t.Fatalf("ACTIVE = %q %v %v, want v1", v, ok, err)
	}
	// The active adapter's directory disappears: it is retired.
	if err := os.RemoveAll(filepath.Join(adir, "v1")); err != nil {
		t.Fatal(err)
	}
	if err := Reconcile(ctx, home, db, now()); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := model.ActiveAdapter(home); ok || err != nil {
		t.Fatalf("ACTIVE after its adapter vanished: %v %v", ok, err)
	}
	if _, ok, _ := db.ActiveAdapter(ctx); ok {
		t.Fatal("the store still has an active adapter whose files are gone")
	}
	// A pointer that names an adapter the store does not consider active
	// is removed.
	if err := writeActive(adir, "v5"); err != nil {
		t.Fatal(err)
	}
	if err := Reconcile(ctx, home, db, now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(adir, model.ActiveFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stray ACTIVE kept: %v", err)
	}
}

func TestActiveRejectsBadPointer(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	adir := model.AdaptersDir(home)
	if err := os.MkdirAll(adir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"../../etc\n", "v0\n", "v3\n", "\n"} {
		if err := os.WriteFile(filepath.Join(adir, model.ActiveFile), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, ok, err := model.ActiveAdapter(home); ok || err == nil {
			t.Errorf("Active with ACTIVE = %q: ok=%v err=%v, want an error", content, ok, err)
		}
	}
}

// TestRunCancelled stops a run from its Pause hook: nothing is recorded or
// written.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 100, seed: 11})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps := 0
	s := Settings{Seed: 1, Now: clock(t0), Pause: func(ctx context.Context) error {
		steps++
		if steps == 25 {
			cancel()
		}
		return ctx.Err()
	}}
	_, err := Run(ctx, Problem{Home: home, DB: db, Base: mustBase(t)}, s)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	if runs, _ := db.Runs(context.Background(), 0); len(runs) != 0 {
		t.Fatalf("a cancelled run was recorded: %+v", runs)
	}
	if d := versionDirs(t, home); len(d) != 0 {
		t.Fatalf("a cancelled run left %v", d)
	}
}

// TestProgress checks the progress protocol: a first call with 0 done, a
// last one with done = total, and done never decreasing.
func TestProgress(t *testing.T) {
	t.Parallel()
	for _, refit := range []bool{false, true} {
		t.Run(fmt.Sprint("refit=", refit), func(t *testing.T) {
			t.Parallel()
			testProgress(t, refit)
		})
	}
}

func testProgress(t *testing.T, refit bool) {
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 100, seed: 12})
	type call struct{ done, total int }
	var calls []call
	s := quick(1, clock(t0))
	s.Refit = refit
	s.Progress = func(done, total int, msg string) { calls = append(calls, call{done, total}) }
	if _, err := Run(context.Background(), Problem{Home: home, DB: db, Base: mustBase(t)}, s); err != nil {
		t.Fatal(err)
	}
	if len(calls) < 3 || calls[0].done != 0 {
		t.Fatalf("progress calls %v", calls)
	}
	last := calls[len(calls)-1]
	if last.done != last.total {
		t.Fatalf("last progress call %v, want done = total", last)
	}
	for i := 2; i < len(calls); i++ {
		if calls[i].done < calls[i-1].done || calls[i].total != last.total {
			t.Fatalf("progress went %v then %v", calls[i-1], calls[i])
		}
	}
	if len(calls) > 110 {
		t.Fatalf("%d progress calls; want about one per percent", len(calls))
	}
}

func TestPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	db := openStore(t, home)
	n := fillStore(t, db, synthSpec{prefs: 60, seed: 13})
	if p, err := Pending(ctx, db); err != nil || p != n {
		t.Fatalf("Pending before any run = %d, %v; want %d", p, err, n)
	}
	if _, err := Run(ctx, Problem{Home: home, DB: db, Base: mustBase(t)}, quick(1, clock(t0))); err != nil {
		t.Fatal(err)
	}
	if p, err := Pending(ctx, db); err != nil || p != 0 {
		t.Fatalf("Pending after a run = %d, %v; want 0", p, err)
	}
}

// TestRollbackSkipsRolledBack: an adapter the developer rolled back is not
// restored by a later rollback; the one active before the current one is.
func TestRollbackSkipsRolledBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 120, seed: 9})
	base := mustBase(t)
	now := clock(t0.Add(time.Hour))
	run := func(seed uint64) Result {
		res, err := Run(ctx, Problem{Home: home, DB: db, Base: base}, quick(seed, now))
		if err != nil || res.Decision != store.RunAccepted {
			t.Fatalf("run %d: %v %s", seed, err, res.Decision)
		}
		return res
	}
	rollback := func(from, to string) {
		t.Helper()
		rb, err := Rollback(ctx, home, db, base, now())
		if err != nil || rb.From != from || rb.To != to {
			t.Fatalf("rollback = %+v, %v; want %s → %q", rb, err, from, to)
		}
	}
	run(1) // v1
	rollback("v1", "")
	run(2)             // v2, activated over the base
	rollback("v2", "") // v1 was rolled back: the base was active before v2
	run(3)             // v3
	run(4)             // v4
	rollback("v4", "v3")
	run(5)               // v5, activated over v3
	rollback("v5", "v3") // not v4, which was rolled back
	rollback("v3", "")   // v2 was rolled back, v1 too
}
