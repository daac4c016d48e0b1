package train

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestReport builds the report of a store with events and two runs and
// checks that the page is self-contained and holds each section.
func TestReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 200, seed: 15, events: true})
	now := clock(t0.Add(48 * time.Hour))
	for i := 1; i <= 2; i++ {
		if _, err := Run(ctx, Problem{Home: home, DB: db, Base: mustBase(t)}, quick(uint64(i), now)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := BuildReport(ctx, db, ReportOptions{Now: now(), Buckets: 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ByCategory) != 4 || len(rep.ByPersona) != 2 || len(rep.Runs) != 2 {
		t.Fatalf("report has %d categories, %d personas, %d runs", len(rep.ByCategory), len(rep.ByPersona), len(rep.Runs))
	}
	offered, applied := 0, 0
	for _, s := range rep.ByCategory {
		for i := range s.Offered {
			offered += s.Offered[i]
			applied += s.Applied[i]
		}
	}
	var want int64
	for _, a := range rep.Status.Acceptance {
		want += a.Offered
	}
	if int64(offered) != want || applied == 0 || applied >= offered {
		t.Fatalf("report counts %d shown, %d applied; the store's status says %d shown", offered, applied, want)
	}
	var b strings.Builder
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, s := range []string{"<svg", "Acceptance rate over time", "By category", "By persona", "security-reviewer",
		"Adapter history", "Loss curves", "<polyline", "accepted"} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	for _, s := range []string{"<script", "src=", "href=", "url(", "@import", "https:"} {
		if strings.Contains(strings.ToLower(page), s) {
			t.Errorf("the page is not self-contained: it holds %q", s)
		}
	}
}
