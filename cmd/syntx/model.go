package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

func cmdModel(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "model", "info [--json] | export-onnx FILE | rollback | init [-o FILE]",
		`Inspect and manage the policy model:

  info          the base model's hash, the active adapter (version, rank, size)
                and the metrics of the run that made it
  export-onnx   write the merged policy (base + active adapter) as one ONNX file
  rollback      restore the previous accepted adapter (or the base policy)
  init          write the reproducible base model (base.onnx by default)`)
	workspace := fs.String("workspace", ".", "workspace whose .syntx/config.toml to read")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	cfg, _ := config.Load(*workspace, nil)
	switch rest[0] {
	case "info":
		return modelInfo(ctx, e, cfg, rest[1:])
	case "export-onnx":
		return modelExport(e, cfg, rest[1:])
	case "rollback":
		return modelRollback(ctx, e, cfg, rest[1:])
	case "init":
		return modelInit(e, rest[1:])
	}
	fmt.Fprintf(e.stderr, "syntx model: unknown subcommand %q\n", rest[0])
	fs.Usage()
	return errUsage
}

// modelDesc is what `syntx model info --json` prints.
type modelDesc struct {
	BaseSHA256    string       `json:"base_sha256"`
	BaseSource    string       `json:"base_source"`
	FeatureScheme string       `json:"feature_scheme"`
	Params        int          `json:"params"`
	Adapter       *adapterInfo `json:"adapter"`
}

type adapterInfo struct {
	Version     string          `json:"version"`
	Dir         string          `json:"dir"`
	Rank        int             `json:"rank"`
	Alpha       float64         `json:"lora_alpha"`
	Targets     []string        `json:"target_modules"`
	Params      int             `json:"params"`
	Bytes       int64           `json:"bytes"`
	SHA256      string          `json:"sha256,omitempty"`
	ActivatedAt *time.Time      `json:"activated_at,omitempty"`
	RunID       int64           `json:"run_id,omitempty"`
	Objective   string          `json:"objective,omitempty"`
	Metrics     json.RawMessage `json:"metrics,omitempty"`
	DataCounts  json.RawMessage `json:"data_counts,omitempty"`
	Error       string          `json:"error,omitempty"`
}

func modelInfo(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags(e, "model info", "[--json]", "Describe the base model and the active adapter.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	home := config.DataHome()
	p, err := model.LoadPolicy(model.PolicyOptions{Model: cfg.Policy.Model, Home: home})
	if err != nil {
		return err
	}
	if p.ModelErr != nil {
		return p.ModelErr
	}
	info := modelDesc{BaseSHA256: p.Base.BaseHash(), BaseSource: p.BaseSource, FeatureScheme: model.FeatureScheme, Params: p.Base.NumParams()}
	version, dir := p.AdapterVersion, p.AdapterDir
	if p.AdapterRefused != "" {
		version, dir = p.AdapterRefused, filepath.Join(model.AdaptersDir(home), p.AdapterRefused)
	} else if p.AdapterErr != nil {
		return p.AdapterErr // the pointer itself is unreadable
	}
	if version != "" {
		ai := &adapterInfo{Version: version, Dir: dir}
		if a := p.Runtime.Adapter(); a != nil && p.AdapterRefused == "" {
			ai.Rank, ai.Alpha, ai.Targets, ai.Params = a.Config.R, a.Config.LoRAAlpha, a.Config.TargetModules, a.LoRA.NumParams()
		} else {
			ai.Error = errors.Unwrap(p.AdapterErr).Error()
		}
		for _, f := range []string{model.AdapterConfigFile, model.AdapterWeightsFile} {
			if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
				ai.Bytes += st.Size()
			}
		}
		if err := adapterRun(ctx, home, version, ai); err != nil {
			return err
		}
		info.Adapter = ai
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	w := e.stdout
	fmt.Fprintf(w, "base:     sha256 %s (%s), %d weights, features %s\n", info.BaseSHA256, info.BaseSource, info.Params, info.FeatureScheme)
	if info.Adapter == nil {
		fmt.Fprintln(w, "adapter:  none (the base policy runs alone)")
		return nil
	}
	a := info.Adapter
	fmt.Fprintf(w, "adapter:  %s in %s\n", a.Version, a.Dir)
	if a.Error != "" {
		fmt.Fprintf(w, "          does not load: %s\n", a.Error)
	} else {
		fmt.Fprintf(w, "          LoRA rank %d, alpha %g, modules %v, %d parameters, %d bytes\n", a.Rank, a.Alpha, a.Targets, a.Params, a.Bytes)
	}
	if a.ActivatedAt != nil {
		fmt.Fprintf(w, "          active since %s\n", a.ActivatedAt.Format(time.RFC3339))
	}
	if a.RunID != 0 {
		var m train.Metrics
		_ = json.Unmarshal(a.Metrics, &m)
		h := m.Holdout
		fmt.Fprintf(w, "run:      %d (%s): held-out accuracy %.3f (previous %.3f), log-loss %.4f (previous %.4f), %d preferences\n",
			a.RunID, a.Objective, h.New.Accuracy, h.Active.Accuracy, h.New.LogLoss, h.Active.LogLoss, h.New.N)
	}
	return nil
}

// adapterRun fills in the store's record of the adapter and of the run
// that made it, when the database exists.
func adapterRun(ctx context.Context, home, version string, ai *adapterInfo) error {
	path := filepath.Join(home, "syntx.db")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ads, err := db.Adapters(ctx)
	if err != nil {
		return err
	}
	for _, a := range ads {
		if a.Version == version {
			ai.SHA256, ai.RunID = a.SHA256, a.RunID
			if !a.ActivatedAt.IsZero() {
				t := a.ActivatedAt
				ai.ActivatedAt = &t
			}
		}
	}
	if ai.RunID == 0 {
		return nil
	}
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.ID == ai.RunID {
			ai.Objective, ai.Metrics, ai.DataCounts = r.Objective, r.Metrics, r.DataCounts
		}
	}
	return nil
}

func modelExport(e *env, cfg config.Config, args []string) error {
	fs := newFlags(e, "model export-onnx", "FILE", `Write the policy that serves now — the base merged with the active adapter — as
one standalone ONNX file (input "features" [N, 512], output "logit" [N, 1]).`)
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	p, err := model.LoadPolicy(model.PolicyOptions{Model: cfg.Policy.Model, Home: config.DataHome()})
	if err != nil {
		return err
	}
	if err := errors.Join(p.ModelErr, p.AdapterErr); err != nil {
		return err
	}
	net, version, ok := p.Runtime.Network(), p.AdapterVersion, p.AdapterVersion != ""
	// The merged policy holds what the adapter learnt from the developer:
	// personal data, 0600 like the rest.
	if err := atomicfile.Write(fs.Arg(0), net.ExportONNX); err != nil {
		return err
	}
	what := "the base policy (no adapter is active)"
	if ok {
		what = "base + adapter " + version
	}
	fmt.Fprintf(e.stderr, "wrote %s: %s\n", fs.Arg(0), what)
	return nil
}

func modelRollback(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags(e, "model rollback", "", `Restore the previous accepted adapter, or the base policy when there is none.
A running language server notices the change and swaps the policy.`)
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	base, err := loadBase(cfg)
	if err != nil {
		return err
	}
	home := config.DataHome()
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := train.Rollback(ctx, home, db, base, time.Now())
	if errors.Is(err, train.ErrNothingToRollBack) {
		fmt.Fprintln(e.stderr, "syntx model rollback: no adapter is active; the base policy is in use")
		return exitCode(1)
	}
	if err != nil {
		return err
	}
	to := res.To
	if to == "" {
		to = "the base policy"
	}
	fmt.Fprintf(e.stdout, "rolled back from %s to %s\n", res.From, to)
	return nil
}

func modelInit(e *env, args []string) error {
	fs := newFlags(e, "model init", "[-o FILE]", `Write the embedded base model, generated reproducibly from the rules' priors,
as an ONNX file ("-" for stdout).`)
	out := fs.String("o", "base.onnx", "output file")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	data := model.BaseONNX()
	if *out == "-" {
		_, err := e.stdout.Write(data)
		return err
	}
	// The embedded base holds nothing personal: an ordinary 0644 file.
	if err := atomicfile.WriteMode(*out, 0o644, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	n, err := model.LoadONNX(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s (sha256 %s)\n", *out, n.BaseHash())
	return nil
}
