// Command rulecheck verifies SyntX's fixes on the real-code corpus with the
// languages' own checkers, and measures what the base policy shows (see
// internal/rulecheck).
//
//	go run ./cmd/rulecheck run [-ci] [-only PKG,...] [-bin bin/syntx] [-j 2] [-out DIR] [-targets none|breaks|all]
//	go run ./cmd/rulecheck sample [-report DIR/report.json] [-seed N] [-n 40]
//	go run ./cmd/rulecheck judged [-report DIR/report.json]
//	go run ./cmd/rulecheck recall [-report DIR/report.json] [-eslint DIR] [-max 20]
//
// make check-rules-real runs the full pool, make check-rules-real-ci the
// CI subset.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/internal/rulecheck"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rulecheck:", err)
		os.Exit(1)
	}
}

const usage = `usage: rulecheck COMMAND [flags]

commands:
  run     offer every fix on the real-code corpus through the real server,
          apply each alone and run the language's own checker; print per
          rule matches, fixes that break a check and automatic suggestions
  sample  draw a seeded sample of automatic suggestions per language from a
          run, merged into the judged samples (testdata/rulecheck/judged)
  judged  summarise the judged samples against a run
  recall  run the languages' own linters (gopls, pylint, ESLint) over the
          pool and compare their checks that a SyntX rule shares with a
          run's offers, site by site
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	ci := fs.Bool("ci", false, "run: only the CI subset of the corpus")
	only := fs.String("only", "", "run: only these pool packages (comma-separated)")
	bin := fs.String("bin", "bin/syntx", "run: the syntx binary whose server offers the fixes")
	workers := fs.Int("j", 2, "run: packages checked in parallel")
	out := fs.String("out", "check-rules-real", "run: directory for report.txt, report.json and breaks.txt")
	cacheDir := fs.String("cache", "", "run: result cache (default: $XDG_CACHE_HOME/syntx/rulecheck; \"off\" disables it)")
	targets := fs.String("targets", "breaks", "run: which targets fail the command: none, breaks (0 fixes that break a check) or all")
	silentFile := fs.String("silent", "testdata/rulecheck/silent.toml", "run: the rules kept although they offer nothing, with the reasons")
	report := fs.String("report", "check-rules-real/report.json", "sample, judged: the run to read")
	judgedDir := fs.String("judged", "testdata/rulecheck/judged", "sample, judged: the judged samples")
	seed := fs.Int64("seed", 21, "sample: the seed")
	n := fs.Int("n", 40, "sample: suggestions per language")
	force := fs.Bool("force", false, "sample: write the new draw even if it drops judged suggestions")
	langs := fs.String("lang", "", "sample: only these languages (comma-separated; default: all), the others' samples left as they are")
	eslintDir := fs.String("eslint", "", "recall: a directory where eslint@9, eslint-plugin-unicorn and typescript-eslint are installed (npm install), where it writes its ESLint config (syntx-recall.config.mjs); without it ESLint is not run")
	maxSites := fs.Int("max", 20, "recall: the sites listed per rule and side")
	switch cmd {
	case "run", "sample", "judged", "recall":
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch cmd {
	case "run":
		return cmdRun(ctx, stdout, stderr, runFlags{ci: *ci, only: *only, bin: *bin, workers: *workers, out: *out, cache: *cacheDir, targets: *targets, silent: *silentFile, judged: *judgedDir})
	case "sample":
		return cmdSample(stdout, *report, *judgedDir, *seed, *n, *force, *langs)
	case "recall":
		return cmdRecall(ctx, stdout, stderr, *report, *eslintDir, *maxSites)
	default:
		return cmdJudged(stdout, *report, *judgedDir)
	}
}

type runFlags struct {
	ci                    bool
	only, bin, out, cache string
	silent, judged        string
	targets               string
	workers               int
}

func cmdRun(ctx context.Context, stdout, stderr io.Writer, f runFlags) error {
	switch f.targets {
	case "none", "breaks", "all":
	default:
		return fmt.Errorf("-targets %q: want none, breaks or all", f.targets)
	}
	c, err := realcorpus.OpenDefault()
	if err != nil {
		return err
	}
	cache := f.cache
	switch cache {
	case "off":
		cache = ""
	case "":
		d, err := os.UserCacheDir()
		if err != nil {
			return err
		}
		cache = filepath.Join(d, "syntx", "rulecheck")
	}
	bin, err := filepath.Abs(f.bin)
	if err != nil {
		return err
	}
	var pkgs []string
	if f.only != "" {
		pkgs = strings.Split(f.only, ",")
	}
	res, runErr := rulecheck.Run(ctx, rulecheck.Options{
		Corpus: c, CI: f.ci, Packages: pkgs, Binary: bin, Workers: f.workers, CacheDir: cache,
		Log: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	if res == nil {
		return runErr
	}
	sum := res.Summarize()
	if err := res.WriteText(stdout, sum); err != nil {
		return err
	}
	if err := res.Save(f.out, sum); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwritten: %s\n", strings.Join([]string{filepath.Join(f.out, "report.txt"), filepath.Join(f.out, "report.json"), filepath.Join(f.out, "breaks.txt"), filepath.Join(f.out, "breaks-check.txt")}, ", "))
	if runErr != nil {
		return runErr
	}
	if f.targets == "none" {
		return nil
	}
	return checkTargets(stdout, f, res, sum)
}

// checkTargets prints issue 21's targets for the run (-targets breaks: the
// checkers' verdicts; all: also the automatic-suggestion rates and the
// judged samples) and fails when one is not met.
func checkTargets(stdout io.Writer, f runFlags, res *rulecheck.Result, sum *rulecheck.Summary) error {
	var failed []string
	silent, err := rulecheck.LoadSilent(f.silent)
	if err != nil {
		return err
	}
	targets := rulecheck.Targets(res, sum, f.targets == "all", silent)
	if f.targets == "all" {
		var samples []*rulecheck.Sample
		for _, lang := range rulecheck.Languages {
			s, err := rulecheck.LoadSample(f.judged, lang)
			if err != nil {
				return err
			}
			samples = append(samples, s)
		}
		targets = append(targets, rulecheck.SampleTargets(res, samples)...)
	}
	for _, t := range targets {
		status := "met"
		if !t.Met {
			status = "NOT MET"
			failed = append(failed, t.Name)
		}
		fmt.Fprintf(stdout, "target %-58s %-8s %s\n", t.Name, status, t.Detail)
	}
	if len(failed) > 0 {
		return fmt.Errorf("targets not met: %s", strings.Join(failed, "; "))
	}
	return nil
}

// cmdSample draws the samples and writes them over the judged ones. A draw
// that would drop verdicts (the pool changed, so the seeded draw changed)
// writes nothing and lists them, unless force says to.
func cmdSample(stdout io.Writer, report, dir string, seed int64, n int, force bool, langs string) error {
	languages := rulecheck.Languages
	if langs != "" {
		languages = strings.Split(langs, ",")
		for _, l := range languages {
			if !slices.Contains(rulecheck.Languages, l) {
				return fmt.Errorf("-lang %q: want some of %s", l, strings.Join(rulecheck.Languages, ","))
			}
		}
	}
	res, err := rulecheck.LoadResult(report)
	if err != nil {
		return err
	}
	if res.CI {
		return fmt.Errorf("%s is a run of the CI subset: sample from a full run", report)
	}
	kept, err := rulecheck.Elsewhere(dir)
	if err != nil {
		return err
	}
	var drawn []*rulecheck.Sample
	var dropped []string
	only := 0 // dropped verdicts that no round file keeps
	for _, lang := range languages {
		old, err := rulecheck.LoadSample(dir, lang)
		if err != nil {
			return err
		}
		s := rulecheck.Draw(res, lang, seed, n, old)
		drawn = append(drawn, s)
		for _, j := range rulecheck.Dropped(old, s) {
			where := "in no other judged file"
			if f, ok := kept[j.Site()]; ok {
				where = "also in " + f
			} else {
				only++
			}
			dropped = append(dropped, fmt.Sprintf("%s: %s %s %s:%d (%s; %s)", lang, j.Rule, j.Package, j.File, j.Line, j.Verdict, where))
		}
	}
	if len(dropped) > 0 {
		keep := ""
		if only > 0 {
			keep = fmt.Sprintf("; %d of them are in no other judged file, and the priors count them: keep the old sample in a round directory (%s) first",
				only, filepath.Join(dir, "roundN", "<language>-sample.toml"))
		}
		if !force {
			return fmt.Errorf("the new draw would drop %d judged suggestions (nothing written; -force writes it, and git keeps the old verdicts%s):\n  %s",
				len(dropped), keep, strings.Join(dropped, "\n  "))
		}
		fmt.Fprintf(stdout, "dropped %d judged suggestions (their verdicts stay in git history%s):\n  %s\n", len(dropped), keep, strings.Join(dropped, "\n  "))
	}
	for _, s := range drawn {
		if err := s.Save(dir); err != nil {
			return err
		}
		t := s.Tally("")
		fmt.Fprintf(stdout, "%s: %s; %d to judge\n", rulecheck.SamplePath(dir, s.Language), s.Drawn, t[""])
	}
	return nil
}

func cmdJudged(stdout io.Writer, report, dir string) error {
	res, err := rulecheck.LoadResult(report)
	if err != nil {
		fmt.Fprintf(stdout, "(no run to compare with: %v)\n", err)
		res = nil
	}
	var errs []error
	for _, lang := range rulecheck.Languages {
		s, err := rulecheck.LoadSample(dir, lang)
		if err != nil {
			return err
		}
		for _, shown := range []string{rulecheck.ShownAutomatic, rulecheck.ShownMenu} {
			t := s.Tally(shown)
			n := 0
			for _, c := range t {
				n += c
			}
			fmt.Fprintf(stdout, "%-10s %-9s %3d judged: welcome %d, nitpick %d, false positive %d, harmful %d, unjudged %d\n",
				lang, shown, n, t[rulecheck.Welcome], t[rulecheck.Nitpick], t[rulecheck.FalsePositive], t[rulecheck.Harmful], t[""])
		}
		if err := s.Check(rulecheck.SampleSize); err != nil {
			errs = append(errs, err)
		}
		if res != nil && !res.CI {
			for _, j := range s.Stale(res) {
				fmt.Fprintf(stdout, "  no longer shown automatically: %s %s %s:%d\n", j.Rule, j.Package, j.File, j.Line)
			}
		}
	}
	return errors.Join(errs...)
}

// cmdRecall runs the linters over the pool and prints, per check a SyntX
// rule shares with one of them, the sites each side has.
func cmdRecall(ctx context.Context, stdout, stderr io.Writer, report, eslintDir string, max int) error {
	res, err := rulecheck.LoadResult(report)
	if err != nil {
		return err
	}
	if res.CI {
		return fmt.Errorf("%s is a run of the CI subset: compare a run of the whole pool", report)
	}
	c, err := realcorpus.OpenDefault()
	if err != nil {
		return err
	}
	sites, ran, err := rulecheck.RunTools(ctx, rulecheck.RecallOptions{Corpus: c, ESLintDir: eslintDir, Log: stderr})
	if err != nil {
		return err
	}
	return rulecheck.WriteRecall(stdout, rulecheck.Recall(res.Offers, sites, ran), max)
}
