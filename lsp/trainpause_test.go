package lsp

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	lspuri "go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/internal/testbin"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/store"
)

// TestFirstEditPausesIdleTraining: a background training run that started
// at an idle moment is paused by the developer's first edit, before any
// tick (ticks are manual here), and resumed at the next idle tick.
func TestFirstEditPausesIdleTraining(t *testing.T) {
	t.Parallel()
	bin := testbin.Syntx(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	home := t.TempDir()
	// Enough of the developer's own feedback for a run that lasts, and a
	// reason to run at the next idle moment: the own adapter v1 was
	// trained over no team layer, and a team layer arrives.
	installOwnV1(t, ctx, home, func(db *store.DB) {
		if _, err := teamsim.Fill(ctx, db, teamsim.Spec{Prefs: 4000, Seed: 8, Taste: teamsim.Likes(store.Security)}); err != nil {
			t.Fatal(err)
		}
	})
	h, started, ended := startTrainingServer(t, ctx, home, bin, map[string]any{"train": map[string]any{"idle_delay": "5m"}})
	s, c, clock := h.srv, h.c, h.clock
	installLayer(t, filepath.Join(home, "team", "adapters"), "t1", "")
	s.reloadAdapter(ctx)
	if st := h.status(); st.Training == nil || !st.Training.TeamChanged {
		t.Fatalf("after a new team layer under v1: training %+v, policy %v", st.Training, st.Policy)
	}
	uri := "file:///work/a.py"
	if err := c.Open(ctx, uri, "python", "def f(path):\n    return path\n"); err != nil {
		t.Fatal(err)
	}

	h.status() // answered once the open is handled (at 9:00)
	clock.Advance(6 * time.Minute)
	h.tick()
	testwait.For(t, started, "a background run at the idle moment")
	testwait.Until(t, "the background trainer to run", func() bool {
		st := h.status().Training
		return st != nil && st.Running
	})
	// The developer types: no tick runs, the edit alone pauses the run.
	if err := c.Notify(ctx, "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: lspuri.URI(uri)}, Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{Start: protocol.Position{Line: 1, Character: 4}, End: protocol.Position{Line: 1, Character: 4}}, Text: "x"}},
	}); err != nil {
		t.Fatal(err)
	}
	if st := h.status().Training; st == nil || !st.Running || !st.Paused {
		select {
		case err := <-ended:
			t.Fatalf("the run ended before the edit (%v): make it longer", err)
		default:
		}
		t.Fatalf("after the first edit: training %+v, want running and paused", st)
	}
	// Idle again: the next tick resumes it, and it ends.
	clock.Advance(6 * time.Minute)
	h.tick()
	if st := h.status().Training; st != nil && st.Running && st.Paused {
		t.Errorf("after an idle tick: training %+v, want resumed", st)
	}
	if err := testwait.For(t, ended, "the background run's end"); err != nil {
		t.Logf("the run ended: %v", err)
	}
}
