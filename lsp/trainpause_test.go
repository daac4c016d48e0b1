package lsp

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	lspuri "go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/lspclient"
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
	installLayer(t, filepath.Join(home, "adapters"), "v1", "")
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := teamsim.Fill(ctx, db, teamsim.Spec{Prefs: 4000, Seed: 8, Taste: teamsim.Likes(store.Security)}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	if _, err := db.RecordRunAdapter(ctx, store.Run{StartedAt: at, FinishedAt: at, Objective: "kl", Hyperparams: []byte(`{"team_layer":""}`),
		DataCounts: []byte(`{}`), Metrics: []byte(`{}`), Decision: store.RunAccepted, AdapterVersion: "v1"}, "active", at); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 8)
	ended := make(chan error, 8)
	clock := &fakeClock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	a, b := net.Pipe()
	s := NewServer(Options{Logger: quietLogger(), DataDir: home, Clock: clock.Now, TickInterval: manualTicks, Trainer: []string{bin}})
	s.hooks.idleTrain = func() { started <- struct{}{} }
	s.hooks.idleTrainEnded = func(err error) { ended <- err }
	done := make(chan struct{})
	go func() { s.Serve(ctx, a); close(done) }()
	c := lspclient.New(ctx, b)
	t.Cleanup(func() {
		_ = c.Close()
		<-done
	})
	if _, err := c.Initialize(ctx, t.TempDir(), false, map[string]any{"train": map[string]any{"idle_delay": "5m"}}); err != nil {
		t.Fatal(err)
	}
	h := &captureHarness{c: c, srv: s, clock: clock, home: home, t: t}
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
