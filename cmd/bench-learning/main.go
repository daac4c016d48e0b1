// Command bench-learning measures whether SyntX learns: simulated reviewers
// with hidden preferences drive the real `syntx serve` over LSP, training
// runs between blocks of feedback, and precision@1, noise and silence recall
// are measured on held-out sites against an oracle and the untrained base.
//
//	go run ./cmd/bench-learning -bin bin/syntx -out bench-learning
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/syntx/syntx/internal/learnbench"
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
	out := fs.String("out", "bench-learning", "output directory (report.json, curves.svg, table.txt)")
	personas := fs.String("personas", "", "comma-separated persona names (default: all)")
	objectives := fs.String("objectives", "kl,dpo,kto", "comma-separated objectives")
	noise := fs.String("noise", "0.1", "comma-separated error probabilities, e.g. 0,0.1,0.2")
	checkpoints := fs.String("checkpoints", "0,10,20,50,100,200", "feedback events at which to measure")
	held := fs.Int("held-out", 160, "held-out sites")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	cfg := learnbench.Config{Binary: abs, Corpus: *corpus, HeldOut: *held, Seed: *seed, Log: os.Stderr}
	if *personas != "" {
		cfg.Personas = strings.Split(*personas, ",")
	}
	cfg.Objectives = strings.Split(*objectives, ",")
	for _, n := range strings.Split(*noise, ",") {
		v, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return fmt.Errorf("noise %q: %w", n, err)
		}
		cfg.Noise = append(cfg.Noise, v)
	}
	for _, n := range strings.Split(*checkpoints, ",") {
		v, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("checkpoint %q: %w", n, err)
		}
		cfg.Checkpoints = append(cfg.Checkpoints, v)
	}
	rep, err := learnbench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	rep.WriteTable(os.Stdout)
	f, err := os.Create(filepath.Join(*out, "table.txt"))
	if err != nil {
		return err
	}
	rep.WriteTable(f)
	if err := f.Close(); err != nil {
		return err
	}
	if err := rep.WriteJSON(filepath.Join(*out, "report.json")); err != nil {
		return err
	}
	return rep.WriteSVG(filepath.Join(*out, "curves.svg"))
}
