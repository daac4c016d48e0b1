package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

// Training runs in a separate process (`syntx train`), which a
// train.Supervisor owns, so that neither a crash of the trainer nor its CPU
// use can take the editor's session down: syntx.retrain starts one now and
// relays its progress as $/progress; after train.idle_delay without edits
// and with train.min_new_preferences new outcomes, one starts in the
// background at low priority (niced, one thread), and the first new edit
// pauses it (SIGSTOP; see train.Supervisor for other systems) until the
// session is idle again. No handler on the read loop waits for a trainer. When a run's
// adapter is accepted, the server swaps it in. The server also follows
// adapter changes made by other processes (another window, `syntx model
// rollback`) by watching the pointer file.

// TrainSt is the state of training shown by syntx.status.
type TrainSt struct {
	Running    bool   `json:"running"`
	Background bool   `json:"background,omitempty"`
	Paused     bool   `json:"paused,omitempty"`
	Last       string `json:"last,omitempty"` // the last run's outcome
	Pending    int64  `json:"newOutcomes"`    // outcomes since the last run
	// TeamChanged: the own adapter was trained over another team layer
	// than the one in use; the next idle run retrains it (once there is
	// enough feedback of the developer's own: after a run that found too
	// little, the next waits for new outcomes).
	TeamChanged bool `json:"teamLayerChanged,omitempty"`
}

// trainer supervises the training process (train.Supervisor, created at
// first use) and remembers how the last run ended, for syntx.status.
type trainer struct {
	once sync.Once
	sup  *train.Supervisor
	mu   sync.Mutex
	last string
}

// NotEnoughFeedback is RunSummary.Decision when no run started for lack of
// preferences: not a failure, the developer only has to give more feedback.
const NotEnoughFeedback store.Decision = "not-enough-feedback"

// RunSummary is what syntx.retrain answers. Decision is "accepted" or
// "rejected" for a run, "not-enough-feedback" when there were too few
// preferences to train (Usable of Needed, no run); Message says it in one
// line for people.
type RunSummary struct {
	Decision store.Decision `json:"decision"`
	Active   string         `json:"active"`
	Message  string         `json:"message"`
	Usable   int            `json:"usable,omitempty"`
	Needed   int            `json:"needed,omitempty"`
	Result   *train.Result  `json:"result,omitempty"`
}

// supervisor returns the server's training supervisor.
func (s *Server) supervisor() *train.Supervisor {
	s.train.once.Do(func() { s.train.sup = train.NewSupervisor(s.trainerCommand, s.now) })
	return s.train.sup
}

// trainerCommand is the command of a training run: this executable (or
// Options.Trainer) with "train --progress json", the configured objective
// and seed, in the workspace, on the server's data directory.
func (s *Server) trainerCommand(background bool) (*exec.Cmd, error) {
	if s.opts.DataDir == "" {
		return nil, errors.New("no data directory")
	}
	cfg := s.config()
	args := []string{"train", "--progress", "json", "--objective", cfg.Train.Objective, "--seed", fmt.Sprint(cfg.Train.Seed)}
	if background {
		args = append(args, "--background")
	}
	return s.selfCommand(args...)
}

// selfCommand is a command of this syntx executable (Options.Trainer in
// tests) with the server's data directory, run in the workspace.
func (s *Server) selfCommand(args ...string) (*exec.Cmd, error) {
	argv := s.opts.Trainer
	if len(argv) == 0 {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find the syntx binary: %w", err)
		}
		if strings.HasSuffix(filepath.Base(self), ".test") {
			// A test binary is not syntx: running it with "train" would
			// run the tests again. Tests that train set Options.Trainer.
			return nil, errors.New("no syntx binary to run (Options.Trainer is not set)")
		}
		argv = []string{self}
	}
	cmd := exec.Command(argv[0], append(append([]string(nil), argv[1:]...), args...)...)
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+s.opts.DataDir)
	s.mu.RLock()
	if s.workspace != "" {
		cmd.Dir = s.workspace
	}
	s.mu.RUnlock()
	cmd.Stderr = os.Stderr // the child's logs join the server's
	return cmd, nil
}

// startTraining starts a run on everything recorded so far: the recorder's
// queue is written first, since the trainer reads the database.
func (s *Server) startTraining(ctx context.Context, background bool, progress func(train.Progress)) (*train.Job, error) {
	if s.rec != nil {
		if err := s.rec.Wait(); err != nil {
			s.log.Warn("writing queued feedback before training", "err", err)
		}
	}
	return s.supervisor().Start(ctx, background, progress)
}

// retrain runs syntx.retrain: a foreground run, to which a background one
// gives way, with $/progress on the client's token or one of the server's.
// It releases the read loop before anything that waits (the recorder, the
// background run ending, the run itself).
func (s *Server) retrain(ctx context.Context, clientToken protocol.ProgressToken) (any, error) {
	// executeCommand has released the read loop already (jsonrpc2.Async
	// may be called once per request).
	token := clientToken
	if token != nil {
		pct, msg := uint32(0), "starting"
		s.sendProgress(ctx, token, &protocol.WorkDoneProgressBegin{Kind: "begin", Title: "SyntX: retraining", Message: &msg, Percentage: &pct})
	} else {
		token = s.beginProgress(ctx, "SyntX: retraining")
	}
	var last uint32
	outcomes := s.newOutcomes.Load()
	job, err := s.startTraining(ctx, false, func(p train.Progress) {
		if p.Total <= 0 {
			return
		}
		if pct := uint32(100 * p.Done / p.Total); pct != last {
			last = pct
			s.reportProgress(ctx, token, pct, p.Msg)
		}
	})
	var res train.Result
	if err == nil {
		res, err = job.Wait(ctx)
	}
	// A client that sent its own progress token shows the outcome itself
	// (VS Code, Neovim); to the others the server says it, once.
	tell := func(typ protocol.MessageType, msg string) {
		if clientToken == nil {
			s.showMessage(ctx, typ, "%s", msg)
		}
	}
	if ne, ok := errors.AsType[*train.NotEnoughDataError](err); ok {
		s.retryAt.Store(outcomes + 1)
		msg := fmt.Sprintf("not enough feedback to retrain yet: %d of %d preferences needed", ne.Usable, ne.Needed)
		s.endProgress(ctx, token, msg)
		s.noteRun(msg)
		tell(protocol.MessageTypeInfo, msg)
		return RunSummary{Decision: NotEnoughFeedback, Active: s.activeAdapter(), Message: msg, Usable: ne.Usable, Needed: ne.Needed}, nil
	}
	if err != nil {
		s.endProgress(ctx, token, "training failed: "+err.Error())
		s.noteRun("failed: " + err.Error())
		return nil, jsonrpc2.NewError(jsonrpc2.ErrInternal.Code, "syntx.retrain: "+err.Error())
	}
	s.trained()
	s.reloadAdapter(ctx)
	msg := res.Summary()
	s.noteRun(msg)
	s.endProgress(ctx, token, msg)
	tell(protocol.MessageTypeInfo, msg)
	return RunSummary{Decision: res.Decision, Active: res.Active, Message: msg, Result: &res}, nil
}

// activeAdapter is the active adapter's version, "" for the base policy.
func (s *Server) activeAdapter() string {
	if rt := s.policy(); rt != nil {
		if a := rt.Adapter(); a != nil {
			return a.Version
		}
	}
	return ""
}

func (s *Server) noteRun(msg string) {
	s.train.mu.Lock()
	s.train.last = msg
	s.train.mu.Unlock()
}

func (s *Server) trainingStatus() *TrainSt {
	st := s.supervisor().State()
	s.train.mu.Lock()
	defer s.train.mu.Unlock()
	return &TrainSt{Running: st.Running, Background: st.Running && st.Background,
		Paused: st.Paused, Last: s.train.last, Pending: s.newOutcomes.Load(), TeamChanged: s.teamChanged.Load()}
}

// pauseIdleTraining pauses a background training run at the developer's
// first edit, not at the next tick (up to a second later): called on each
// edit, it costs a lock when no run is going.
func (s *Server) pauseIdleTraining() {
	if err := s.supervisor().Pause(); err != nil {
		s.log.Warn("pausing background training", "err", err)
	}
}

// idleTrain starts a background run when the session has been idle long
// enough (train.idle_delay since the developer's last activity, the
// session's start included) and enough new feedback exists, and pauses or resumes a running
// background run with the developer's activity. Called from the ticker; it
// never waits for the trainer.
func (s *Server) idleTrain() {
	cfg := s.config()
	now := s.now()
	idle := s.idle(cfg)
	sup := s.supervisor()
	st := sup.State()
	switch {
	case st.Running && st.Background && !idle && !st.Paused:
		if err := sup.Pause(); err != nil {
			s.log.Warn("pausing background training", "err", err)
		}
	case st.Running && st.Background && idle && st.Paused:
		if err := sup.Resume(); err != nil {
			s.log.Warn("resuming background training", "err", err)
		}
	}
	recent := now.Sub(st.Ended) < cfg.Train.IdleDelay.D()
	outcomes := s.newOutcomes.Load()
	due := outcomes >= int64(max(cfg.Train.MinNewPreferences, 1)) || s.teamChanged.Load()
	// A run that found too little data is not tried again before new
	// feedback arrives: the same data would end the same way.
	due = due && outcomes >= s.retryAt.Load()
	if st.Running || !idle || recent || s.rec == nil || !due {
		return
	}
	if s.hooks.idleTrain != nil {
		s.hooks.idleTrain()
	}
	go func() {
		job, err := s.startTraining(context.Background(), true, nil)
		if errors.Is(err, train.ErrRunning) {
			return // a run started since the tick looked
		}
		var res train.Result
		if err == nil {
			res, err = job.Wait(context.Background())
		}
		if _, ok := errors.AsType[*train.NotEnoughDataError](err); ok {
			s.retryAt.Store(outcomes + 1)
		}
		if err != nil {
			s.log.Info("background training ended without a new adapter", "err", err)
			s.noteRun("background: " + err.Error())
		} else {
			s.trained()
			s.reloadAdapter(context.Background())
			msg := res.Summary()
			s.noteRun("background: " + msg)
			s.log.Info("background training", "result", msg)
		}
		if s.hooks.idleTrainEnded != nil {
			s.hooks.idleTrainEnded(err)
		}
	}()
}

// trained notes that a run ended with a decision: the outcomes and the
// team layer it was due for are accounted for.
func (s *Server) trained() {
	s.newOutcomes.Store(0)
	s.retryAt.Store(0)
	s.teamChanged.Store(false)
}

// stopTrainer asks a running trainer to stop when the server exits.
func (s *Server) stopTrainer() { s.supervisor().Cancel() }

// reloadAdapter swaps in the layers the pointer files name: the team
// layer (team/adapters/ACTIVE, pulled from the team's hub) and the
// developer's own adapter (adapters/ACTIVE) on top; either may be absent.
// A layer that does not load is refused and the current policy stays.
func (s *Server) reloadAdapter(ctx context.Context) {
	rt := s.policy()
	if rt == nil || s.opts.DataDir == "" {
		return
	}
	version, dir, ok, err := model.ActiveAdapter(s.opts.DataDir)
	if err != nil {
		s.log.Warn("active adapter unreadable; keeping the current policy", "err", err)
		return
	}
	tversion, tdir, tok, err := model.ActiveTeamAdapter(s.opts.DataDir)
	if err != nil {
		s.log.Warn("team adapter unreadable; keeping the current policy", "err", err)
		return
	}
	cur, tcur := "", ""
	if a := rt.Adapter(); a != nil {
		cur = a.Version
	}
	if a := rt.Team(); a != nil {
		tcur = a.Version
	}
	if version == cur && tversion == tcur {
		return
	}
	if !ok && !tok {
		if err := rt.SwapLayers(nil, nil); err != nil {
			s.log.Warn("returning to the base policy failed", "err", err)
		}
		s.log.Info("policy: base (no adapter active)")
		s.diagnosticsStale()
		return
	}
	key := layersKey(version, dir, tversion, tdir)
	if s.refusedBefore(key) {
		return // refused already, and unchanged since
	}
	load := func(ok bool, dir string, have *model.Adapter, want string) (*model.Adapter, error) {
		switch {
		case !ok:
			return nil, nil
		case have != nil && have.Version == want:
			return have, nil
		}
		return model.LoadAdapter(dir, rt.Base())
	}
	team, err := load(tok, tdir, rt.Team(), tversion)
	var own *model.Adapter
	if err == nil {
		own, err = load(ok, dir, rt.Adapter(), version)
	}
	if err == nil {
		err = rt.SwapLayers(team, own)
	}
	if err != nil {
		what := version
		if tversion != tcur {
			what = "team " + tversion
		}
		s.refuseAdapter(ctx, key, what, fmt.Errorf("adapter %s: %w", what, err))
		return
	}
	s.refusedMu.Lock()
	s.refusedAdapter = ""
	s.refusedMu.Unlock()
	if own != nil && tversion != tcur {
		s.flagTeamChange(ctx, version, tversion)
	}
	s.log.Info("policy: adapters swapped in", "team", tversion, "adapter", version)
	s.diagnosticsStale()
}

// flagTeamChange marks the own adapter own for a retrain at the next idle
// moment when the run that made it trained over another team layer than
// team, the one in use ("" for none): at start, when the layers the
// server loads were paired before it ran, and after each swap.
func (s *Server) flagTeamChange(ctx context.Context, own, team string) {
	if own == "" {
		return
	}
	if over, ok := s.trainedOver(ctx, own); ok && over != team {
		s.teamChanged.Store(true)
	}
}

// trainedOver returns the team layer the run that made own adapter version
// trained over ("" for none), from the store; ok is false when unknown.
func (s *Server) trainedOver(ctx context.Context, version string) (string, bool) {
	if s.rec == nil {
		return "", false
	}
	over, ok := "", false
	_ = s.rec.Do(func(ctx context.Context, db *store.DB) error {
		runs, err := db.Runs(ctx, 0)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.AdapterVersion != version {
				continue
			}
			var h train.Hyperparams
			if json.Unmarshal(r.Hyperparams, &h) == nil {
				over, ok = h.TeamLayer, true
			}
			return nil
		}
		return nil
	})
	return over, ok
}

// layersKey identifies the layers the pointer files name (versions and
// file stamps; "" for a layer not in use).
func layersKey(version, dir, tversion, tdir string) string {
	stamp := func(d string) string {
		if d == "" {
			return ""
		}
		return adapterStamp(d)
	}
	return version + "\x00" + stamp(dir) + "\x00" + tversion + "\x00" + stamp(tdir)
}

// refusedBefore reports whether the layers key names were refused already
// and have not changed since.
func (s *Server) refusedBefore(key string) bool {
	s.refusedMu.Lock()
	defer s.refusedMu.Unlock()
	return s.refusedAdapter == key
}

// refuseAdapter keeps the current policy and says why, once per layers'
// key (see layersKey): following the pointers every second neither retries
// nor re-announces an adapter until it is rewritten. what names the layer
// refused ("v3", "team t2").
func (s *Server) refuseAdapter(ctx context.Context, key, what string, err error) {
	s.refusedMu.Lock()
	again := key == s.refusedAdapter
	s.refusedAdapter = key
	s.refusedMu.Unlock()
	if again {
		return
	}
	s.log.Warn("adapter refused; keeping the current policy", "adapter", what, "err", err)
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	s.showMessage(ctx, protocol.MessageTypeWarning, "adapter %s refused (%v); keeping the current policy", what, err)
}

// adapterStamp describes the files of an adapter directory (names, sizes,
// modification times), so that a refused adapter is tried again when it is
// rewritten in place.
func adapterStamp(dir string) string {
	var b strings.Builder
	for _, name := range []string{model.AdapterConfigFile, model.AdapterWeightsFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			fmt.Fprintf(&b, "%s:%d:%d;", name, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return b.String()
}

func (s *Server) rollback(ctx context.Context) (any, error) {
	if s.rec == nil {
		return nil, invalidRequest("syntx.rollback: the database is unavailable: %s", s.captureErr)
	}
	var res train.RollbackResult
	err := s.rec.Do(func(ctx context.Context, db *store.DB) error {
		var base *model.Network
		if rt := s.policy(); rt != nil {
			base = rt.Base()
		}
		var err error
		res, err = train.Rollback(ctx, s.opts.DataDir, db, base, s.now())
		return err
	})
	if errors.Is(err, train.ErrNothingToRollBack) {
		return nil, invalidRequest("syntx.rollback: no adapter is active; the base policy is in use")
	}
	if err != nil {
		return nil, jsonrpc2.NewError(jsonrpc2.ErrInternal.Code, "syntx.rollback: "+err.Error())
	}
	s.reloadAdapter(ctx)
	return res, nil
}

// Progress reporting ($/progress) with a server-created token.

func (s *Server) beginProgress(ctx context.Context, title string) protocol.ProgressToken {
	s.mu.RLock()
	supported := s.clientCap.workDoneProgress
	s.mu.RUnlock()
	if !supported || s.conn == nil {
		return nil
	}
	token := protocol.String("syntx-train-" + s.offers.newID())
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := s.conn.Call(cctx, "window/workDoneProgress/create", &protocol.WorkDoneProgressCreateParams{Token: token}, nil); err != nil {
		s.log.Debug("progress token refused", "err", err)
		return nil
	}
	pct := uint32(0)
	msg := "starting"
	s.sendProgress(ctx, token, &protocol.WorkDoneProgressBegin{Kind: "begin", Title: title, Message: &msg, Percentage: &pct})
	return token
}

func (s *Server) reportProgress(ctx context.Context, token protocol.ProgressToken, pct uint32, msg string) {
	if token == nil {
		return
	}
	s.sendProgress(ctx, token, &protocol.WorkDoneProgressReport{Kind: "report", Message: &msg, Percentage: &pct})
}

func (s *Server) endProgress(ctx context.Context, token protocol.ProgressToken, msg string) {
	if token == nil {
		return
	}
	s.sendProgress(ctx, token, &protocol.WorkDoneProgressEnd{Kind: "end", Message: &msg})
}

func (s *Server) sendProgress(ctx context.Context, token protocol.ProgressToken, value any) {
	b, err := json.Marshal(value)
	if err != nil {
		return
	}
	s.notify(ctx, "$/progress", &protocol.ProgressParams{Token: token, Value: b})
}
