package capture

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/syntx/syntx/store"
)

// TestOffersHeldWithinBudget: the offers a stalled writer has queued keep
// at most heldBudget bytes of their documents alive; the next one waits
// (as a full queue makes it wait) until the writer has recorded enough,
// an offer larger than the budget alone still goes in, and every offer
// is recorded.
func TestOffersHeldWithinBudget(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecorder(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer r.Close()
	held := func() (int64, int) {
		r.heldMu.Lock()
		defer r.heldMu.Unlock()
		return r.held, r.waiting
	}
	stall := make(chan struct{})
	var unstall sync.Once
	release := func() { unstall.Do(func() { close(stall) }) }
	// Runs before r.Close on a failure, which would otherwise wait for
	// the stalled writer for ever.
	defer release()
	if err := r.Queue(func(context.Context, *store.DB) error { <-stall; return nil }); err != nil {
		t.Fatal(err)
	}
	var prepared atomic.Int32
	offer := func(holds int) {
		r.OfferFunc(func() []store.Suggestion { prepared.Add(1); return nil }, 1, holds)
	}
	offer(heldBudget / 2)
	offer(heldBudget / 2)
	if h, _ := held(); h != heldBudget {
		t.Fatalf("%d bytes held, want %d", h, heldBudget)
	}
	third := make(chan struct{})
	go func() { offer(heldBudget / 2); close(third) }()
	for {
		if _, w := held(); w == 1 {
			break
		}
		select {
		case <-third:
			t.Fatal("an offer past the budget was queued while the writer was stalled")
		default:
		}
		runtime.Gosched() // let the sender reach its wait
	}
	release()
	<-third
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if h, w := held(); h != 0 || w != 0 || prepared.Load() != 3 {
		t.Fatalf("after the writer caught up: %d bytes held, %d waiting, %d offers prepared; want 0, 0, 3", h, w, prepared.Load())
	}
	// Larger than the whole budget: it waits for nothing but an empty
	// backlog.
	offer(2 * heldBudget)
	if err := r.Wait(); err != nil {
		t.Fatal(err)
	}
	if h, _ := held(); h != 0 || prepared.Load() != 4 {
		t.Fatalf("after an offer past the budget: %d bytes held, %d offers prepared; want 0 and 4", h, prepared.Load())
	}
}
