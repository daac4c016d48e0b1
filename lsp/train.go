package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

// Training runs in a separate process (`syntx train`), so that neither a
// crash of the trainer nor its CPU use can take the editor's session down:
// syntx.retrain starts one now and relays its progress as $/progress; after
// train.idle_delay without edits and with train.min_new_preferences new
// outcomes, one starts in the background at low priority (niced, one
// thread), and new edits pause it (SIGSTOP) until the session is idle again.
// When a run's adapter is accepted, the server swaps it in. The server also
// follows adapter changes made by other processes (another window, `syntx
// model rollback`) by watching the pointer file.

// TrainSt is the state of training shown by syntx.status.
type TrainSt struct {
	Running    bool   `json:"running"`
	Background bool   `json:"background,omitempty"`
	Paused     bool   `json:"paused,omitempty"`
	Last       string `json:"last,omitempty"` // the last run's outcome
	Pending    int64  `json:"newOutcomes"`    // outcomes since the last run
	// TeamChanged: the own adapter was trained over another team layer
	// than the one in use; the next idle run retrains it.
	TeamChanged bool `json:"teamLayerChanged,omitempty"`
}

// trainer is the running training process, if any.
type trainer struct {
	mu         sync.Mutex
	cmd        *exec.Cmd
	background bool
	paused     bool
	last       string
	lastEnded  time.Time
}

// trainerProgress is one line of `syntx train --progress json`.
type trainerProgress struct {
	Progress *struct {
		Done  int    `json:"done"`
		Total int    `json:"total"`
		Msg   string `json:"msg"`
	} `json:"progress"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// RunSummary is what syntx.retrain answers.
type RunSummary struct {
	Decision string          `json:"decision"`
	Active   string          `json:"active"`
	Result   json.RawMessage `json:"result,omitempty"`
}

func (s *Server) trainerCommand(background bool) (*exec.Cmd, error) {
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

// runTrainer runs a training process to the end, calling progress for each
// progress line, and returns its result line.
func (s *Server) runTrainer(ctx context.Context, background bool, progress func(done, total int, msg string)) (json.RawMessage, error) {
	if s.opts.DataDir == "" {
		return nil, errors.New("no data directory")
	}
	cmd, err := s.trainerCommand(background)
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.train.mu.Lock()
	if s.train.cmd != nil {
		s.train.mu.Unlock()
		return nil, errors.New("a training run is already in progress")
	}
	if err := cmd.Start(); err != nil {
		s.train.mu.Unlock()
		return nil, fmt.Errorf("start the trainer: %w", err)
	}
	s.train.cmd, s.train.background, s.train.paused = cmd, background, false
	s.train.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(syscall.SIGTERM) })
	defer stop()

	var result json.RawMessage
	var runErr string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var line trainerProgress
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch {
		case line.Progress != nil && progress != nil:
			progress(line.Progress.Done, line.Progress.Total, line.Progress.Msg)
		case line.Result != nil:
			result = line.Result
		case line.Error != "":
			runErr = line.Error
		}
	}
	werr := cmd.Wait()
	s.train.mu.Lock()
	s.train.cmd = nil
	s.train.lastEnded = s.now()
	s.train.mu.Unlock()
	switch {
	case runErr != "":
		return nil, errors.New(runErr)
	case result == nil && werr != nil:
		return nil, fmt.Errorf("the trainer failed: %w", werr)
	case result == nil:
		return nil, errors.New("the trainer ended without a result")
	}
	s.newOutcomes.Store(0)
	s.teamChanged.Store(false)
	return result, nil
}

// summarise reads the decision and active version from a run's result.
func summarise(result json.RawMessage) RunSummary {
	var r struct {
		Decision string `json:"Decision"`
		Active   string `json:"Active"`
	}
	_ = json.Unmarshal(result, &r)
	return RunSummary{Decision: r.Decision, Active: r.Active, Result: result}
}

func (s *Server) retrain(ctx context.Context, clientToken protocol.ProgressToken) (any, error) {
	// A background run gives way to the one asked for.
	s.train.mu.Lock()
	if c := s.train.cmd; c != nil && s.train.background {
		_ = c.Process.Signal(syscall.SIGCONT)
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	s.train.mu.Unlock()
	for i := 0; i < 100 && s.trainingRunning(); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	// Progress needs a token from the client, which is a request back to
	// it: executeCommand has released the read loop already.
	token := clientToken
	if token != nil {
		pct, msg := uint32(0), "starting"
		s.sendProgress(ctx, token, &protocol.WorkDoneProgressBegin{Kind: "begin", Title: "SyntX: retraining", Message: &msg, Percentage: &pct})
	} else {
		token = s.beginProgress(ctx, "SyntX: retraining")
	}
	var last uint32
	result, err := s.runTrainer(ctx, false, func(done, total int, msg string) {
		if total <= 0 {
			return
		}
		pct := uint32(100 * done / total)
		if pct != last {
			last = pct
			s.reportProgress(ctx, token, pct, msg)
		}
	})
	if err != nil {
		s.endProgress(ctx, token, "training failed: "+err.Error())
		s.noteRun("failed: " + err.Error())
		return nil, jsonrpc2.NewError(jsonrpc2.ErrInternal.Code, "syntx.retrain: "+err.Error())
	}
	sum := summarise(result)
	s.reloadAdapter(ctx)
	msg := describeRun(result)
	s.noteRun(msg)
	s.endProgress(ctx, token, msg)
	s.showMessage(ctx, protocol.MessageTypeInfo, "%s", msg)
	return sum, nil
}

// describeRun is a one-line account of a run for people.
func describeRun(result json.RawMessage) string {
	var r struct {
		Decision string `json:"Decision"`
		Version  string `json:"Version"`
		Active   string `json:"Active"`
		Metrics  struct {
			Holdout struct {
				New struct {
					Accuracy float64 `json:"accuracy"`
					LogLoss  float64 `json:"log_loss"`
				} `json:"new"`
				Active struct {
					Accuracy float64 `json:"accuracy"`
					LogLoss  float64 `json:"log_loss"`
				} `json:"active"`
			} `json:"holdout"`
		} `json:"Metrics"`
	}
	_ = json.Unmarshal(result, &r)
	h := r.Metrics.Holdout
	return fmt.Sprintf("adapter %s %s (held-out accuracy %.2f vs %.2f, log-loss %.3f vs %.3f); active: %s",
		r.Version, r.Decision, h.New.Accuracy, h.Active.Accuracy, h.New.LogLoss, h.Active.LogLoss, orBase(r.Active))
}

func orBase(v string) string {
	if v == "" {
		return "base policy"
	}
	return v
}

func (s *Server) noteRun(msg string) {
	s.train.mu.Lock()
	s.train.last = msg
	s.train.mu.Unlock()
}

func (s *Server) trainingRunning() bool {
	s.train.mu.Lock()
	defer s.train.mu.Unlock()
	return s.train.cmd != nil
}

func (s *Server) trainingStatus() *TrainSt {
	s.train.mu.Lock()
	defer s.train.mu.Unlock()
	return &TrainSt{Running: s.train.cmd != nil, Background: s.train.cmd != nil && s.train.background,
		Paused: s.train.paused, Last: s.train.last, Pending: s.newOutcomes.Load(), TeamChanged: s.teamChanged.Load()}
}

// idleTrain starts a background run when the session has been idle long
// enough and enough new feedback exists, and pauses or resumes a running
// background run with the developer's activity. Called from the ticker.
func (s *Server) idleTrain() {
	cfg := s.config()
	now := s.now()
	idle := now.Sub(time.Unix(0, s.lastEdit.Load())) >= cfg.Train.IdleDelay.D()
	s.train.mu.Lock()
	cmd, bg, paused := s.train.cmd, s.train.background, s.train.paused
	switch {
	case cmd != nil && bg && !idle && !paused:
		_ = cmd.Process.Signal(syscall.SIGSTOP)
		s.train.paused = true
	case cmd != nil && bg && idle && paused:
		_ = cmd.Process.Signal(syscall.SIGCONT)
		s.train.paused = false
	}
	recent := now.Sub(s.train.lastEnded) < cfg.Train.IdleDelay.D()
	s.train.mu.Unlock()
	due := s.newOutcomes.Load() >= int64(max(cfg.Train.MinNewPreferences, 1)) || s.teamChanged.Load()
	if cmd != nil || !idle || recent || s.rec == nil || !due {
		return
	}
	go func() {
		result, err := s.runTrainer(context.Background(), true, nil)
		if err != nil {
			s.log.Info("background training ended without a new adapter", "err", err)
			s.noteRun("background: " + err.Error())
			return
		}
		s.reloadAdapter(context.Background())
		msg := describeRun(result)
		s.noteRun("background: " + msg)
		s.log.Info("background training", "result", msg)
	}()
}

// stopTrainer ends a running trainer when the server exits.
func (s *Server) stopTrainer() {
	s.train.mu.Lock()
	defer s.train.mu.Unlock()
	if c := s.train.cmd; c != nil {
		_ = c.Process.Signal(syscall.SIGCONT)
		_ = c.Process.Signal(syscall.SIGTERM)
	}
}

// reloadAdapter swaps in the layers the pointer files name: the team
// layer (team/adapters/ACTIVE, pulled from the team's hub) and the
// developer's own adapter (adapters/ACTIVE) on top; either may be absent.
// A layer that does not load is refused and the current policy stays.
func (s *Server) reloadAdapter(ctx context.Context) {
	rt := s.policy()
	if rt == nil || s.opts.DataDir == "" {
		return
	}
	version, dir, ok, err := train.Active(s.opts.DataDir)
	if err != nil {
		s.log.Warn("active adapter unreadable; keeping the current policy", "err", err)
		return
	}
	tversion, tdir, tok, err := train.TeamActive(s.opts.DataDir)
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
		return
	}
	key := version + "\x00" + adapterStamp(dir) + "\x00" + tversion + "\x00" + adapterStamp(tdir)
	s.refusedMu.Lock()
	defer s.refusedMu.Unlock()
	if key == s.refusedAdapter {
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
		s.refusedAdapter = key
		what := orBase(version)
		if tversion != tcur {
			what = "team " + tversion
		}
		s.log.Warn("adapter refused; keeping the current policy", "adapter", what, "err", err)
		s.showMessage(ctx, protocol.MessageTypeWarning, "adapter %s refused (%v); keeping the current policy", what, err)
		return
	}
	s.refusedAdapter = ""
	if own != nil && tversion != tcur {
		if over, ok := s.trainedOver(ctx, version); ok && over != tversion {
			// The own adapter was trained over another team layer (or
			// none): retrain it over this one at the next idle moment.
			s.teamChanged.Store(true)
		}
	}
	s.log.Info("policy: adapters swapped in", "team", tversion, "adapter", version)
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
