package train

import (
	"context"
	"errors"
	"github.com/syntx/syntx/model"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syntx/syntx/store"
)

// Forget deletes the adapters trained on what it forgets, falls back to
// the newest adapter trained only on what remains, or to the base, and
// says which.
func TestForgetFallsBackToAnAdapterOfWhatRemains(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := openStore(t, home)
	ctx := context.Background()
	p := Problem{Home: home, DB: db, Base: mustBase(t)}
	now := clock(t0.Add(48 * time.Hour))
	fillStore(t, db, synthSpec{prefs: 120, seed: 5}) // workspace /w, from t0
	r1, err := Run(ctx, p, quick(1, now))
	if err != nil || r1.Decision != store.RunAccepted {
		t.Fatalf("first run: %+v, %v", r1, err)
	}
	fillStore(t, db, synthSpec{prefs: 120, seed: 6, ws: "/other", offset: 10 * time.Hour})
	r2, err := Run(ctx, p, quick(2, now))
	if err != nil || r2.Decision != store.RunAccepted {
		t.Fatalf("second run: %+v, %v", r2, err)
	}

	// Forgetting /other takes v2 (trained on it); v1 was trained on /w only.
	res, err := Forget(ctx, home, db, mustBase(t), store.ForgetSpec{Workspace: "/other"}, now())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Store.Adapters) != 1 || res.Store.Adapters[0] != r2.Version || res.Previous != r2.Version || res.Active != r1.Version {
		t.Fatalf("forget /other: %+v, want %s deleted and %s active", res, r2.Version, r1.Version)
	}
	if msg := res.Message(); !strings.Contains(msg, "deleted adapter "+r2.Version) || !strings.Contains(msg, "now active: "+r1.Version) {
		t.Errorf("message %q", msg)
	}
	assertActive(t, home, db, r1.Version)
	if _, err := os.Stat(filepath.Join(model.AdaptersDir(home), r2.Version)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s's directory is still there: %v", r2.Version, err)
	}
	if rep, err := db.VerifyWith(ctx, VerifyOptions(home)); err != nil || !rep.OK {
		t.Errorf("verify after forget: %v, %v", rep, err)
	}

	// A new run gets a new version name, never the forgotten one's.
	r3, err := Run(ctx, p, quick(3, now))
	if err != nil {
		t.Fatal(err)
	}
	if r3.Version == r2.Version || r3.Version == r1.Version {
		t.Errorf("new run reused version %s", r3.Version)
	}
	// v2 had started from v1; v3 starts from v1, which knows only what remains.
	if r2.Hyper.WarmStart != r1.Version || r3.Hyper.WarmStart != r1.Version {
		t.Errorf("warm starts %q, %q; want %s for both", r2.Hyper.WarmStart, r3.Hyper.WarmStart, r1.Version)
	}

	// Forgetting what came before /other takes every adapter: /w's
	// preferences are in all of them.
	res, err = Forget(ctx, home, db, mustBase(t), store.ForgetSpec{Before: t0.Add(5 * time.Hour)}, now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Active != "" || len(res.Store.Adapters) != 2 || !strings.Contains(res.Message(), "the base policy") {
		t.Fatalf("forget before: %+v (%s), want v1 and v3 deleted, the base active", res, res.Message())
	}
	assertActive(t, home, db, "")
	if rep, err := db.VerifyWith(ctx, VerifyOptions(home)); err != nil || !rep.OK {
		t.Errorf("verify after the second forget: %v, %v", rep, err)
	}
	// Nothing left descends from a forgotten adapter: the next run is fresh.
	fillStore(t, db, synthSpec{prefs: 60, seed: 7, ws: "/new", offset: 20 * time.Hour})
	r4, err := Run(ctx, p, quick(4, now))
	if err != nil {
		t.Fatal(err)
	}
	if r4.Hyper.WarmStart != "" {
		t.Errorf("after forgetting every adapter, a run started from %s", r4.Hyper.WarmStart)
	}
}

// assertActive checks the store's active adapter and ACTIVE ("" for none).
func assertActive(t *testing.T, home string, db *store.DB, want string) {
	t.Helper()
	act, ok, err := db.ActiveAdapter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := map[bool]string{true: act.Version}[ok]; got != want {
		t.Errorf("store's active adapter %q, want %q", got, want)
	}
	v, _, ok, err := model.ActiveAdapter(home)
	if err != nil {
		t.Fatal(err)
	}
	if got := map[bool]string{true: v}[ok]; got != want {
		t.Errorf("ACTIVE names %q, want %q", got, want)
	}
}

// A run whose preferences are forgotten while it trains saves nothing.
func TestRunDiscardsAnAdapterWhoseDataWasForgotten(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := openStore(t, home)
	ctx := context.Background()
	fillStore(t, db, synthSpec{prefs: 120, seed: 5})
	fillStore(t, db, synthSpec{prefs: 40, seed: 7, ws: "/gone", offset: 10 * time.Hour})
	s := quick(1, clock(t0.Add(48*time.Hour)))
	var once sync.Once
	s.Pause = func(ctx context.Context) error {
		once.Do(func() {
			if _, err := db.Forget(ctx, store.ForgetSpec{Workspace: "/gone"}, t0.Add(47*time.Hour)); err != nil {
				t.Error(err)
			}
		})
		return nil
	}
	res, err := Run(ctx, Problem{Home: home, DB: db, Base: mustBase(t)}, s)
	if !errors.Is(err, ErrDataForgotten) || res.Decision != store.RunFailed || res.Version != "" {
		t.Fatalf("Run = %+v, %v; want ErrDataForgotten and no adapter", res, err)
	}
	assertActive(t, home, db, "")
	ents, _ := os.ReadDir(model.AdaptersDir(home))
	for _, e := range ents {
		if _, ok := model.AdapterVersionNumber(e.Name()); ok {
			t.Errorf("adapter directory %s was saved", e.Name())
		}
	}
}
