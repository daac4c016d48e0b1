package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testbin"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

// TestCorruptTeamLayer: a team layer that does not load is refused alone —
// the developer's own adapter serves over the base — and announced once,
// however often the server follows the pointers.
func TestCorruptTeamLayer(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	seedData(t, home)
	installLayer(t, filepath.Join(home, "adapters"), "v1", "")
	installLayer(t, filepath.Join(home, "team", "adapters"), "t1", "junk")
	e := startEnv(t, home, "", nil)
	refusal := func(n lspclient.Notification) bool {
		var p struct{ Message string }
		_ = json.Unmarshal(n.Params, &p)
		return n.Method == "window/showMessage" && strings.Contains(p.Message, "adapter team t1 refused")
	}
	if _, err := e.c.WaitFor(e.ctx, refusal); err != nil {
		t.Fatalf("waiting for the announcement that team adapter t1 is refused: %v", err)
	}
	st := e.status(t)
	if !strings.HasSuffix(st.Policy, "+boost-go-naming") || strings.Count(st.Policy, "+") != 1 {
		t.Fatalf("policy %q, want the own adapter alone over the base", st.Policy)
	}
	for i := 0; i < 3; i++ {
		e.srv.reloadAdapter(e.ctx)
	}
	e.status(t)
	shown := 0
	for _, n := range e.c.Notifications() {
		if refusal(n) {
			shown++
		}
	}
	if shown != 1 {
		t.Fatalf("the refused team layer was announced %d times, want once", shown)
	}
	e.shutdown(t)
}

// installLayer writes the golden adapter as version of the layer whose
// adapters live in dir (Home/adapters or Home/team/adapters) and points
// ACTIVE at it; weights, when set, replace its weights file.
func installLayer(t *testing.T, dir, version, weights string) {
	t.Helper()
	golden := "../testdata/model/adapter-boost-go-naming"
	vdir := filepath.Join(dir, version)
	if err := os.MkdirAll(vdir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"adapter_config.json", "adapter_model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "adapter_model.safetensors" && weights != "" {
			b = []byte(weights)
		}
		if err := os.WriteFile(filepath.Join(vdir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ACTIVE"), []byte(version+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTeamLayerChangeWaitsForOwnFeedback: a new team layer under an own
// adapter trained over another makes the next idle moment retrain it; when
// that run finds too little of the developer's own feedback, later idle
// moments start no trainer until new feedback arrives (before, every idle
// period started one that ended the same way).
func TestTeamLayerChangeWaitsForOwnFeedback(t *testing.T) {
	t.Parallel()
	bin := testbin.Syntx(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	home := t.TempDir()
	// The own adapter v1, trained over no team layer.
	installOwnV1(t, ctx, home, nil)
	opts := map[string]any{"train": map[string]any{"idle_delay": "5m", "min_new_preferences": 50}}
	h, started, ended := startTrainingServer(t, ctx, home, bin, opts)
	s, c, clock := h.srv, h.c, h.clock

	// A team layer arrives (as a sync installs it).
	installLayer(t, filepath.Join(home, "team", "adapters"), "t1", "")
	s.reloadAdapter(ctx)
	if st := h.status(); st.Training == nil || !st.Training.TeamChanged {
		t.Fatalf("after a new team layer under v1: training %+v, want teamLayerChanged", st.Training)
	}
	idleRun := func() error {
		t.Helper()
		clock.Advance(6 * time.Minute)
		h.tick()
		select {
		case <-started:
		default:
			t.Fatal("no background run started at an idle moment with the team layer changed")
		}
		select {
		case err := <-ended:
			return err
		case <-ctx.Done():
			t.Fatal("the background run did not end")
		}
		return nil
	}
	if err := idleRun(); !errors.Is(err, train.ErrNotEnoughData) {
		t.Fatalf("the retrain over t1 with no feedback: %v, want not enough data", err)
	}
	// Idle moment after idle moment: no trainer, and the change is still
	// pending.
	for i := 0; i < 3; i++ {
		clock.Advance(6 * time.Minute)
		h.tick()
		select {
		case <-started:
			t.Fatalf("idle moment %d after a run that found too little data, with no new feedback: a trainer started again", i+1)
		default:
		}
	}
	if st := h.status(); !st.Training.TeamChanged || !strings.Contains(st.Training.Last, "not enough") {
		t.Fatalf("training %+v, want teamLayerChanged and the last run's shortage", st.Training)
	}
	// New feedback of the developer's own: a menu left unanswered.
	uri := "file:///w/team.py"
	if err := c.Open(ctx, uri, "python", pySrc); err != nil {
		t.Fatal(err)
	}
	site := strings.Index(pySrc, "yaml.load")
	if _, err := c.CodeActions(ctx, uri, site, site, protocol.CodeActionTriggerKindInvoked); err != nil {
		t.Fatal(err)
	}
	clock.Advance(61 * time.Second)
	h.tick()
	if st := h.status(); st.Training.Pending < 1 {
		t.Fatalf("no new outcome after the unanswered menu: %+v", st.Training)
	}
	if err := idleRun(); !errors.Is(err, train.ErrNotEnoughData) {
		t.Fatalf("the retrain after new feedback: %v, want a run (ending with not enough data)", err)
	}
}

// TestTeamLayerAtStartFlagsRetrain: a server that starts with a team layer
// already active under an own adapter trained over another layer (the
// layers were paired while no server ran: a `syntx team pull` by hand, or
// a rollback) flags the own adapter for a retrain, as a swap while it runs
// does; one trained over the layer in use is not flagged.
func TestTeamLayerAtStartFlagsRetrain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, over, team string
		want             bool
	}{
		{"trained over no team layer, t1 in use", "", "t1", true},
		{"trained over t1, t2 in use", "t1", "t2", true},
		{"trained over t1, t1 in use", "t1", "t1", false},
		{"trained over t1, no team layer in use", "t1", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			t.Cleanup(cancel)
			home := t.TempDir()
			installLayer(t, filepath.Join(home, "adapters"), "v1", "")
			if tc.team != "" {
				installTeamLayer(t, home, tc.team)
			}
			db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
			hyper, _ := json.Marshal(map[string]string{"team_layer": tc.over})
			if _, err := db.RecordRunAdapter(ctx, store.Run{StartedAt: at, FinishedAt: at, Objective: "kl", Hyperparams: hyper,
				DataCounts: []byte(`{}`), Metrics: []byte(`{}`), Decision: store.RunAccepted, AdapterVersion: "v1"}, "active", at); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			h := startCaptureIn(t, home)
			st := h.status()
			if st.Training == nil {
				t.Fatalf("status without training: %+v", st)
			}
			if st.Training.TeamChanged != tc.want {
				t.Errorf("own v1 trained over %q, team layer %q in use at start: teamLayerChanged %v, want %v", tc.over, tc.team, st.Training.TeamChanged, tc.want)
			}
		})
	}
}

// installTeamLayer installs the golden adapter as home's team layer
// version, named so in its own metadata as a pulled team adapter is (so
// that the server, finding the layer it loaded at start in use, does not
// swap it again).
func installTeamLayer(t *testing.T, home, version string) {
	t.Helper()
	base, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	a, err := model.LoadAdapter("../testdata/model/adapter-boost-go-naming", base)
	if err != nil {
		t.Fatal(err)
	}
	cfg, weights, err := model.EncodeAdapter(base, a.LoRA, version)
	if err != nil {
		t.Fatal(err)
	}
	installLayer(t, filepath.Join(home, "team", "adapters"), version, string(weights))
	if err := os.WriteFile(filepath.Join(home, "team", "adapters", version, "adapter_config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
}

// installOwnV1 makes the golden adapter the developer's own active v1 in
// home, recorded as trained over no team layer, after fill (when set) has
// written to the store.
func installOwnV1(t *testing.T, ctx context.Context, home string, fill func(*store.DB)) {
	t.Helper()
	installLayer(t, filepath.Join(home, "adapters"), "v1", "")
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fill != nil {
		fill(db)
	}
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	if _, err := db.RecordRunAdapter(ctx, store.Run{StartedAt: at, FinishedAt: at, Objective: "kl", Hyperparams: []byte(`{"team_layer":""}`),
		DataCounts: []byte(`{}`), Metrics: []byte(`{}`), Decision: store.RunAccepted, AdapterVersion: "v1"}, "active", at); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// startTrainingServer starts a server on home with a fake clock, manual
// ticks and bin as its trainer, initialized with opts; started and ended
// report each idle run's start and end.
func startTrainingServer(t *testing.T, ctx context.Context, home, bin string, opts any) (h *captureHarness, started chan struct{}, ended chan error) {
	t.Helper()
	started, ended = make(chan struct{}, 8), make(chan error, 8)
	h, _ = serveHarness(t, ctx, home, Options{Logger: quietLogger(), Trainer: []string{bin}}, opts, func(s *Server) {
		s.hooks.idleTrain = func() { started <- struct{}{} }
		s.hooks.idleTrainEnded = func(err error) { ended <- err }
	})
	return h, started, ended
}
