// Command bench-learning measures whether SyntX learns: simulated reviewers
// with hidden preferences drive the real `syntx serve` over LSP, training
// runs between blocks of feedback, and precision@1, noise and silence recall
// are measured on held-out sites against an oracle and the untrained base.
//
//	go run ./cmd/bench-learning -bin bin/syntx -out bench-learning
//	go run ./cmd/bench-learning -bin bin/syntx -realcorpus all -objectives kl -noise 0.1 \
//		-seeds 1,2,3 -checkpoints 0,10,20,30,50,100 -out bench-learning/real   # make bench-learning-real
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/syntx/syntx/internal/learnbench"
	"github.com/syntx/syntx/internal/realcorpus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench-learning:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench-learning", flag.ContinueOnError)
	bin := fs.String("bin", "bin/syntx", "the syntx binary")
	corpus := fs.String("corpus", "testdata/corpus", "corpus directory")
	real := fs.String("realcorpus", "", "run on the real-code corpus instead of -corpus: \"all\" (every pool package) or comma-separated package ids of testdata/realcorpus/pins.toml, read from $SYNTX_REALCORPUS (make realcorpus)")
	out := fs.String("out", "bench-learning", "output directory (report.json, curves.svg, table.txt)")
	personas := fs.String("personas", "", "comma-separated persona names (default: all)")
	objectives := fs.String("objectives", "kl,dpo,kto", "comma-separated objectives")
	noise := fs.String("noise", "0.1", "comma-separated error probabilities, e.g. 0,0.1,0.2")
	checkpoints := fs.String("checkpoints", "0,10,20,30,50,100,200", "feedback events at which to measure")
	held := fs.Int("held-out", 0, "held-out sites to measure on (0: every site of the held-out files)")
	seed := fs.Uint64("seed", 1, "random seed")
	seedList := fs.String("seeds", "", "comma-separated seeds: one run per seed under OUT/seed-N, and OUT/summary.{txt,json,svg} with the means (overrides -seed)")
	keep := fs.String("keep", "", "keep each run's data directory under this directory")
	summarize := fs.String("summarize", "", "comma-separated report.json files of runs with different seeds (made separately, e.g. in parallel): write OUT/summary.{txt,json,svg} from them and run nothing")
	explainHome := fs.String("explain", "", "a data directory kept with -keep: print, per rule with feedback, the active adapter's logit change in test and production files split by feature group, and run nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *explainHome != "" {
		return explain(ctx, *explainHome, os.Stdout)
	}
	if *summarize != "" {
		seeds, reps, err := readReports(strings.Split(*summarize, ","))
		if err != nil {
			return err
		}
		return writeSummary(learnbench.Summarize(seeds, reps), *out)
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	cfg := learnbench.Config{Binary: abs, Corpus: *corpus, HeldOut: *held, Seed: *seed, Log: os.Stderr, Keep: *keep}
	if *real != "" {
		if cfg.Files, err = realFiles(*real); err != nil {
			return err
		}
		cfg.Corpus = ""
	}
	if *personas != "" {
		cfg.Personas = strings.Split(*personas, ",")
	}
	cfg.Objectives = strings.Split(*objectives, ",")
	if cfg.Noise, err = parseList(*noise, "noise", func(n string) (float64, error) { return strconv.ParseFloat(n, 64) }); err != nil {
		return err
	}
	if cfg.Checkpoints, err = parseList(*checkpoints, "checkpoint", strconv.Atoi); err != nil {
		return err
	}
	if *seedList == "" {
		rep, err := learnbench.Run(ctx, cfg)
		if err != nil {
			return err
		}
		return write(rep, *out, os.Stdout)
	}
	seeds, err := parseList(*seedList, "seed", func(n string) (uint64, error) { return strconv.ParseUint(n, 10, 64) })
	if err != nil {
		return err
	}
	return runSeeds(ctx, cfg, seeds, *out)
}

// realFiles lists the files of the real-code corpus packages named by
// -realcorpus: "all", or comma-separated package ids.
func realFiles(real string) ([]string, error) {
	c, err := realcorpus.OpenDefault()
	if err != nil {
		return nil, fmt.Errorf("real-code corpus: %w", err)
	}
	var ids []string
	if real != "all" {
		ids = strings.Split(real, ",")
	}
	return learnbench.RealFiles(c, ids)
}

// parseList parses a comma-separated flag value; an error names what (the
// flag's item) and the item.
func parseList[T any](list, what string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, n := range strings.Split(list, ",") {
		v, err := parse(n)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, n, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// runSeeds runs the benchmark once per seed, writes each run under
// out/seed-N and the summary of all of them in out.
func runSeeds(ctx context.Context, cfg learnbench.Config, seeds []uint64, out string) error {
	var reps []*learnbench.Report
	for _, sd := range seeds {
		c := cfg
		c.Seed = sd
		if cfg.Keep != "" {
			c.Keep = filepath.Join(cfg.Keep, fmt.Sprintf("seed-%d", sd))
		}
		fmt.Fprintf(cfg.Log, "seed %d\n", sd)
		rep, err := learnbench.Run(ctx, c)
		if err != nil {
			return err
		}
		if err := write(rep, filepath.Join(out, fmt.Sprintf("seed-%d", sd)), io.Discard); err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	return writeSummary(learnbench.Summarize(seeds, reps), out)
}

// readReports reads report.json files; a report written before reports
// named their seed takes it from its directory's name (seed-N).
func readReports(paths []string) ([]uint64, []*learnbench.Report, error) {
	var seeds []uint64
	var reps []*learnbench.Report
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		var r learnbench.Report
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		if r.Seed == 0 {
			if v, err := strconv.ParseUint(strings.TrimPrefix(filepath.Base(filepath.Dir(p)), "seed-"), 10, 64); err == nil {
				r.Seed = v
			}
		}
		seeds = append(seeds, r.Seed)
		reps = append(reps, &r)
	}
	return seeds, reps, nil
}

// writeSummary prints sum and writes it as out/summary.{txt,json,svg}.
func writeSummary(sum learnbench.Summary, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	sum.WriteTable(os.Stdout)
	f, err := os.Create(filepath.Join(out, "summary.txt"))
	if err != nil {
		return err
	}
	sum.WriteTable(f)
	if err := f.Close(); err != nil {
		return err
	}
	if err := sum.WriteJSON(filepath.Join(out, "summary.json")); err != nil {
		return err
	}
	return sum.WriteSVG(filepath.Join(out, "summary.svg"))
}

// write puts a report's table (also on w), JSON and plot in dir.
func write(rep *learnbench.Report, dir string, w io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rep.WriteTable(w)
	f, err := os.Create(filepath.Join(dir, "table.txt"))
	if err != nil {
		return err
	}
	rep.WriteTable(f)
	if err := f.Close(); err != nil {
		return err
	}
	if err := rep.WriteJSON(filepath.Join(dir, "report.json")); err != nil {
		return err
	}
	return rep.WriteSVG(filepath.Join(dir, "curves.svg"))
}
