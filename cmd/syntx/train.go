package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

func cmdTrain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "train", "[--background] [--objective "+strings.Join(objectiveList(), "|")+"] [--seed N] [--json] [--progress bar|json|none]",
		`Train a new LoRA adapter on the preferences in $SYNTX_HOME/syntx.db, evaluate it
against the active one on the most recent 20% of the preferences, and activate it
if it is not measurably worse there (then, with train.refit, trained again on
every preference first); otherwise keep it as rejected. The run is recorded in
the audit log. Settings come from the configuration ([train] objective, seed,
keep_adapters, refit); the flags override them. Objectives:
`+objectiveHelp()+`
With --progress json, standard output carries one JSON object per line
({"progress": {"done", "total", "msg"}}, then {"result": ...} or {"error": ...}):
the protocol a language server reads from the trainer it supervises.

Exit status: 0 when the adapter was accepted or rejected (or there was not
enough data), 1 when the run failed.`)
	background := fs.Bool("background", false, "run niced on one core, without a progress bar, and print nothing unless it fails")
	objective := fs.String("objective", "", train.ObjectiveNames()+" (default: train.objective)")
	seed := fs.Uint64("seed", 0, "random seed (default: train.seed)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	progress := fs.String("progress", "", "bar (on stderr), json (one JSON object per line on stdout, for the language server) or none; default bar when stderr is a terminal")
	workspace := fs.String("workspace", ".", "workspace whose .syntx/config.toml to read")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	cfg, problems := config.Load(*workspace, nil)
	if !*background {
		for _, p := range problems {
			fmt.Fprintln(e.stderr, "config:", p)
		}
	}
	s := trainSettings(cfg)
	if set["objective"] {
		s.Objective = train.Objective(*objective)
	}
	if set["seed"] {
		s.Seed = *seed
	}
	mode := *progress
	if mode == "" {
		mode = "none"
		if !*background && isTerminal(e.stderr) {
			mode = "bar"
		}
	}
	out := json.NewEncoder(e.stdout)
	send := func(m train.Message) { _ = out.Encode(m) }
	finish, err := trainProgress(e, mode, &s, send)
	if err != nil {
		return err
	}
	defer finish()
	if *background {
		if err := train.LowerPriority(); err != nil {
			fmt.Fprintln(e.stderr, "syntx train:", err)
		}
	}
	warn := func(msg string) {
		if !*background {
			fmt.Fprintln(e.stderr, "syntx train:", msg)
		}
	}
	res, err := runTraining(ctx, cfg, s, warn)
	return reportTraining(e, trainOutput{mode: mode, asJSON: *asJSON, background: *background, send: send}, res, err)
}

// trainProgress sets s.Progress for the --progress mode (bar, json or
// none) and returns what finishes it (the bar's last line).
func trainProgress(e *env, mode string, s *train.Settings, send func(train.Message)) (finish func(), err error) {
	switch mode {
	case "bar":
		bar := newProgressBar(e.stderr, true, "train", "")
		s.Progress = bar.update
		return bar.finish, nil
	case "json":
		s.Progress = func(done, total int, msg string) {
			send(train.Message{Progress: &train.Progress{Done: done, Total: total, Msg: msg}})
		}
	case "none":
	default:
		fmt.Fprintf(e.stderr, "syntx train: --progress %q: want bar, json or none\n", mode)
		return nil, errUsage
	}
	return func() {}, nil
}

// trainOutput is how cmdTrain reports: the --progress mode, --json,
// --background, and the sender of JSON messages.
type trainOutput struct {
	mode       string
	asJSON     bool
	background bool
	send       func(train.Message)
}

// reportTraining prints the outcome of a run (its result res, or err) the
// way out asks. Not enough data is not a failure: it is reported and the
// command succeeds.
func reportTraining(e *env, out trainOutput, res train.Result, err error) error {
	switch {
	case errors.Is(err, train.ErrNotEnoughData):
		if out.mode == "json" {
			m := train.Message{Error: err.Error()}
			if ne, ok := errors.AsType[*train.NotEnoughDataError](err); ok {
				m.NotEnough = ne
			}
			out.send(m)
		} else if !out.background {
			fmt.Fprintln(e.stderr, "syntx train:", err)
		}
		return nil
	case err != nil:
		if out.mode == "json" {
			out.send(train.Message{Error: err.Error()})
		}
		return err
	case out.mode == "json":
		out.send(train.Message{Result: &res})
		return nil
	case out.asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case out.background:
		return nil
	}
	printResult(e.stdout, res)
	return nil
}

// runTraining runs one training run on $SYNTX_HOME with settings s. The
// developer's own adapter trains over the team layer in use (model.
// LoadPolicy loads it); a team layer that does not load is warned about
// and the run trains over the base.
func runTraining(ctx context.Context, cfg config.Config, s train.Settings, warn func(string)) (train.Result, error) {
	home := config.DataHome()
	p, err := model.LoadPolicy(model.PolicyOptions{Model: cfg.Policy.Model, Home: home})
	if err != nil {
		return train.Result{}, err
	}
	if p.ModelErr != nil {
		return train.Result{}, p.ModelErr
	}
	if p.TeamErr != nil {
		warn("the team layer does not load; training over the base: " + p.TeamErr.Error())
	}
	base, err := p.TeamBase()
	if err != nil {
		return train.Result{}, err
	}
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{DiscardCode: !cfg.Capture.StoreCode})
	if err != nil {
		return train.Result{}, err
	}
	defer db.Close()
	return train.Run(ctx, train.Problem{Home: home, DB: db, Base: base, TeamLayer: p.TeamVersion}, s)
}

// objectiveList is train.Objectives as strings.
func objectiveList() []string {
	var out []string
	for _, o := range train.Objectives() {
		out = append(out, string(o))
	}
	return out
}

// objectiveHelp lists the objectives, one per line, for the help text.
func objectiveHelp() string {
	var b strings.Builder
	for i, o := range train.Objectives() {
		def := ""
		if i == 0 {
			def = " (the default)"
		}
		fmt.Fprintf(&b, "  %-4s %s%s\n", o, o.Describe(), def)
	}
	return b.String()
}

// trainSettings returns the run settings that configuration keys determine
// (train.objective, train.seed, train.keep_adapters, train.refit); the rest
// keep their defaults.
func trainSettings(c config.Config) train.Settings {
	return train.Settings{Objective: train.Objective(c.Train.Objective), Seed: uint64(c.Train.Seed), KeepAdapters: c.Train.KeepAdapters, Refit: c.Train.Refit}
}

// loadBase returns the policy.model ONNX file, or the embedded base; a
// refused policy.model is an error (the command was asked to work on it).
func loadBase(cfg config.Config) (*model.Network, error) {
	p, err := model.LoadPolicy(model.PolicyOptions{Model: cfg.Policy.Model})
	if err != nil {
		return nil, err
	}
	if p.ModelErr != nil {
		return nil, p.ModelErr
	}
	return p.Base, nil
}

func printResult(w io.Writer, r train.Result) {
	h := r.Metrics.Holdout
	fmt.Fprintf(w, "run %d (%s): adapter %s %s\n", r.RunID, r.Objective, r.Version, r.Decision)
	fmt.Fprintf(w, "  %s\n", r.Metrics.Reason)
	fmt.Fprintf(w, "  held out: %d preferences; accuracy %.3f (active %.3f), log-loss %.4f (active %.4f)\n",
		h.New.N, h.New.Accuracy, h.Active.Accuracy, h.New.LogLoss, h.Active.LogLoss)
	if h.Reward != nil {
		fmt.Fprintf(w, "  reward model: accuracy %.3f, log-loss %.4f\n", h.Reward.Accuracy, h.Reward.LogLoss)
	}
	var personas []string
	for name, c := range r.Data.ByPersona {
		personas = append(personas, fmt.Sprintf("%s %d/%d", name, c.Train, c.Holdout))
	}
	fmt.Fprintf(w, "  data: %d train (%d pairs, %d labels), %d held out; by persona (train/held out): %s\n",
		r.Data.Train, r.Data.Pairs, r.Data.Labels, r.Data.Holdout, strings.Join(slices.Sorted(slices.Values(personas)), ", "))
	last := func(c []float64) string {
		if len(c) == 0 {
			return "-"
		}
		return fmt.Sprintf("%.4f → %.4f", c[0], c[len(c)-1])
	}
	fmt.Fprintf(w, "  loss: reward %s, policy %s; %d steps in %.1fs\n", last(r.Metrics.RewardLoss), last(r.Metrics.PolicyLoss), r.Metrics.Steps, r.Metrics.Seconds)
	active := r.Active
	if active == "" {
		active = "none (base policy)"
	}
	fmt.Fprintf(w, "  active adapter: %s\n", active)
}
