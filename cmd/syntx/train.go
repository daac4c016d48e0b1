package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

func cmdTrain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "train", "[--background] [--objective kl|dpo|kto] [--seed N] [--json] [--progress bar|json|none]",
		`Train a new LoRA adapter on the preferences in $SYNTX_HOME/syntx.db, evaluate it
against the active one on the most recent 20% of the preferences, and activate it
if it is not measurably worse there (then, with train.refit, trained again on
every preference first); otherwise keep it as rejected. The run is recorded in
the audit log. Settings come from the configuration ([train] objective, seed,
keep_adapters, refit); the flags override them.

Exit status: 0 when the adapter was accepted or rejected (or there was not
enough data), 1 when the run failed.`)
	background := fs.Bool("background", false, "run niced on one core, without a progress bar, and print nothing unless it fails")
	objective := fs.String("objective", "", "kl, dpo or kto (default: train.objective)")
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
	s := train.SettingsFromConfig(cfg)
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
	switch mode {
	case "bar":
		bar := &progressBar{w: e.stderr}
		s.Progress = bar.update
		defer bar.finish()
	case "json":
		s.Progress = func(done, total int, msg string) {
			_ = out.Encode(map[string]any{"progress": map[string]any{"done": done, "total": total, "msg": msg}})
		}
	case "none":
	default:
		fmt.Fprintf(e.stderr, "syntx train: --progress %q: want bar, json or none\n", mode)
		return errUsage
	}
	if *background {
		if err := train.LowerPriority(); err != nil {
			fmt.Fprintln(e.stderr, "syntx train:", err)
		}
	}
	fail := func(err error) error {
		if mode == "json" {
			_ = out.Encode(map[string]any{"error": err.Error()})
		}
		return err
	}

	home := config.DataHome()
	base, err := loadBase(cfg)
	if err != nil {
		return fail(err)
	}
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{DiscardCode: !cfg.Capture.StoreCode})
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	// The developer's own adapter trains over the team layer in use.
	tbase, layer, err := train.TeamBase(home, base)
	if err != nil && !*background {
		fmt.Fprintln(e.stderr, "syntx train: the team layer does not load; training over the base:", err)
	}
	res, err := train.Run(ctx, train.Problem{Home: home, DB: db, Base: tbase, TeamLayer: layer}, s)
	if errors.Is(err, train.ErrNotEnoughData) {
		if mode == "json" {
			_ = out.Encode(map[string]any{"error": err.Error()})
		} else if !*background {
			fmt.Fprintln(e.stderr, "syntx train:", err)
		}
		return nil
	}
	if err != nil {
		return fail(err)
	}
	switch {
	case mode == "json":
		return out.Encode(map[string]any{"result": res})
	case *asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case *background:
		return nil
	}
	printResult(e.stdout, res)
	return nil
}

// loadBase returns the policy.model ONNX file, or the embedded base.
func loadBase(cfg config.Config) (*model.Network, error) {
	if cfg.Policy.Model == "" {
		return model.LoadBase()
	}
	b, err := model.ReadONNXFile(cfg.Policy.Model)
	if err != nil {
		return nil, err
	}
	n, err := model.LoadONNX(b)
	if err != nil {
		return nil, fmt.Errorf("policy.model %s: %w", cfg.Policy.Model, err)
	}
	return n, nil
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

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws a one-line bar on a terminal.
type progressBar struct {
	w     io.Writer
	start time.Time
	drawn bool
}

func (b *progressBar) update(done, total int, msg string) {
	if b.start.IsZero() {
		b.start = time.Now()
	}
	if total <= 0 {
		return
	}
	const width = 30
	n := min(width, width*done/total)
	fmt.Fprintf(b.w, "\r[%s%s] %3d%% %-28.28s %5.1fs", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*done/total, msg, time.Since(b.start).Seconds())
	b.drawn = true
}

func (b *progressBar) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}
