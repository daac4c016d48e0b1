package store

import (
	"context"
	"errors"
	"testing"
)

// TestRecordRunAdapter checks that a run and its adapter are stored together
// (with two audit rows) and listed by Adapters, and that a failure stores
// neither.
func TestRecordRunAdapter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t, Options{})
	id, err := db.RecordRunAdapter(ctx, Run{StartedAt: at(0), FinishedAt: at(1), Objective: "kl", Decision: RunAccepted,
		AdapterVersion: "v1", AdapterSHA256: "aa"}, AdapterActive, at(1))
	if err != nil {
		t.Fatal(err)
	}
	if a, ok, err := db.ActiveAdapter(ctx); err != nil || !ok || a.Version != "v1" || a.RunID != id || a.SHA256 != "aa" {
		t.Fatalf("active adapter = %+v, %v, %v", a, ok, err)
	}
	if _, err := db.RecordRunAdapter(ctx, Run{StartedAt: at(2), FinishedAt: at(3), Objective: "dpo", Decision: RunRejected,
		AdapterVersion: "v2", AdapterSHA256: "bb"}, AdapterRejected, at(3)); err != nil {
		t.Fatal(err)
	}
	// An invalid state rolls the run back too.
	if _, err := db.RecordRunAdapter(ctx, Run{StartedAt: at(4), Objective: "kl", AdapterVersion: "v3"}, "bogus", at(4)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad state: %v", err)
	}
	if _, err := db.RecordRunAdapter(ctx, Run{StartedAt: at(4), Objective: "kl"}, AdapterActive, at(4)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no version: %v", err)
	}
	runs, err := db.Runs(ctx, 0)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs = %+v, %v; want 2", runs, err)
	}
	ads, err := db.Adapters(ctx)
	if err != nil || len(ads) != 2 || ads[0].Version != "v1" || ads[0].State != AdapterActive || ads[1].State != AdapterRejected || ads[1].RunID != runs[0].ID {
		t.Fatalf("adapters = %+v, %v", ads, err)
	}
	if rep := mustVerify(t, db); rep.Rows != 4 {
		t.Fatalf("audit rows = %d, want 4", rep.Rows)
	}
}
