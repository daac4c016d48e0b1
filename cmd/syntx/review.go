package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/termtext"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/review"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

func cmdReview(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "review", "[--base REV] [--format text|sarif|rdjson] [--fail-on CATEGORY|any] [--record [--branch NAME]]",
		`Run the rules and the policy over the lines changed since REV (by default the
merge base of HEAD and the default branch: origin/HEAD, else main, else master),
working-tree and untracked files included, and print the suggestions whose site
touches a changed line, best first:

  path:line: message (rule, category, score)

--format sarif writes SARIF 2.1.0 (fixes included) for code-scanning uploads;
--format rdjson writes reviewdog's diagnostic format (reviewdog -f=rdjson).

The rules and settings come from the built-in rules, yours, and the
repository's .syntx/ as it is in the base revision: a pull request under
review cannot change the rules it is reviewed with (--trust-workspace uses the
working tree's .syntx/ instead). With --fail-on, a changed file that could not
be reviewed (binary, too large, unreadable) fails the run too. Git runs with
hooks, fsmonitor, filter drivers, textconv and external diff off.

With --record the suggestions are stored (trigger "review", persona
review.persona), and the ones an earlier --record on this branch offered are
resolved: accepted when their fix is in the code now (whitespace and comments
aside), edited when the code there changed otherwise, ignored when it reached
the base branch unchanged. Everything stays in $SYNTX_HOME.`)
	var f reviewFlags
	fs.StringVar(&f.dir, "C", ".", "a directory inside the repository")
	fs.StringVar(&f.base, "base", "", "review the changes since `REV` (default: the merge base with the default branch)")
	fs.StringVar(&f.format, "format", "text", "output format: text, sarif or rdjson")
	failOn := fs.String("fail-on", "", "exit with status 1 when a suggestion of this `CATEGORY` is reported (security, performance, correctness, style, a comma-separated list, or any)")
	fs.Float64Var(&f.minScore, "min-score", 0, "report only suggestions scoring at least this (0 to 1)")
	fs.BoolVar(&f.record, "record", false, "store the suggestions and record what became of earlier ones")
	fs.StringVar(&f.branch, "branch", "", "branch `NAME` to record under (default: the current branch; required on a detached HEAD)")
	fs.BoolVar(&f.trustWS, "trust-workspace", false, "use the working tree's .syntx/rules and .syntx/config.toml (default: the base revision's)")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "syntx review: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	switch f.format {
	case "text", "sarif", "rdjson":
	default:
		fmt.Fprintf(e.stderr, "syntx review: --format %q: want text, sarif or rdjson\n", f.format)
		return errUsage
	}
	var err error
	if f.failCats, err = failCategories(e, *failOn); err != nil {
		return err
	}
	return runReview(ctx, e, f)
}

// reviewFlags are cmdReview's flags, checked.
type reviewFlags struct {
	dir, base, format string
	failCats          []string // --fail-on, parsed
	minScore          float64
	record            bool
	branch            string
	trustWS           bool
}

// runReview is `syntx review` once its flags are checked: the rules and
// settings of the base revision (or the working tree's), the review, the
// record, the report and the exit status.
func runReview(ctx context.Context, e *env, f reviewFlags) error {
	g, err := review.OpenGit(ctx, f.dir)
	if err != nil {
		return interrupted(ctx, e, "review", err)
	}
	ws, err := reviewWorkspace(ctx, e, g, f.base, f.trustWS)
	if err != nil {
		return interrupted(ctx, e, "review", err)
	}
	cfg := reviewConfig(e, ws)
	lib := reviewRules(e, ws)
	home := config.DataHome()
	persona := cfg.Review.Persona
	if persona == "" {
		persona = cfg.Persona
	}
	persona, weight := reviewPersona(cfg, persona)
	res, err := review.Run(ctx, review.Options{
		Dir: g.Root, Base: f.base, Library: lib, Policy: reviewPolicy(e, cfg, home),
		Persona: persona, MaxFileBytes: cfg.Limits.MaxDocumentBytes, MigrationSites: cfg.Suggestions.MigrationSites,
	})
	if err != nil {
		return interrupted(ctx, e, "review", err)
	}
	if f.minScore > 0 {
		kept := res.Findings[:0]
		for _, fd := range res.Findings {
			if model.Clears(fd.Score, f.minScore) {
				kept = append(kept, fd)
			}
		}
		res.Findings = kept
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stderr, "syntx review: skipped %s: %s\n", termtext.Name(s.Path), termtext.Text(s.Reason))
	}

	if f.record {
		if err := recordReview(ctx, e, res, cfg, review.RecordOptions{
			Home: home, Library: lib, Persona: persona, Weight: weight, StoreCode: cfg.Capture.StoreCode, Branch: f.branch,
		}); err != nil {
			return interrupted(ctx, e, "review", err)
		}
	}
	if err := writeReview(e, res, f.format); err != nil {
		return err
	}
	if len(f.failCats) > 0 && res.Fails(f.failCats) {
		return exitCode(1)
	}
	if len(f.failCats) > 0 && len(res.Skipped) > 0 {
		// A file the review could not read may hold what --fail-on looks
		// for (a pull request can make a file large, or binary, to hide it).
		fmt.Fprintf(e.stderr, "syntx review: failing: --fail-on is set and %d changed file(s) could not be reviewed (see \"skipped\" above)\n", len(res.Skipped))
		return exitCode(1)
	}
	return nil
}

// failCategories parses --fail-on: categories, comma-separated, or any.
func failCategories(e *env, failOn string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(failOn, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if c != "any" && !slices.Contains(rules.Categories, c) {
			fmt.Fprintf(e.stderr, "syntx review: --fail-on %q: want one of %s or any\n", c, strings.Join(rules.Categories, ", "))
			return nil, errUsage
		}
		out = append(out, c)
	}
	return out, nil
}

// recordReview stores the review's suggestions and resolves earlier ones
// (review.Record), and says what it did.
func recordReview(ctx context.Context, e *env, res *review.Result, cfg config.Config, o review.RecordOptions) error {
	db, err := store.Open(ctx, filepath.Join(o.Home, "syntx.db"), store.Options{DiscardCode: !cfg.Capture.StoreCode})
	if err != nil {
		return err
	}
	o.DB = db
	rec, err := review.Record(ctx, res, o)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "syntx review: recorded %d new suggestions on %s (%d seen before); earlier ones: %d accepted, %d edited, %d ignored, %d still open\n",
		rec.Offered, rec.Branch, rec.Seen, rec.Count(review.OutcomeAccepted), rec.Count(review.OutcomeEdited),
		rec.Count(review.OutcomeIgnored), rec.Count(review.OutcomeOpen))
	return nil
}

// writeReview prints the findings as text, SARIF or rdjson.
func writeReview(e *env, res *review.Result, format string) error {
	tool := review.Tool{Name: "SyntX", Version: version, InformationURI: "https://github.com/syntx/syntx"}
	var err error
	switch format {
	case "sarif":
		err = review.WriteSARIF(e.stdout, res, tool)
	case "rdjson":
		err = review.WriteRDJSON(e.stdout, res, tool)
	default:
		err = review.WriteText(e.stdout, res)
		if err == nil {
			since := res.BaseRef
			if since == "" {
				since = "the empty tree"
			}
			fmt.Fprintf(e.stderr, "syntx review: %d suggestions on %d changed files since %s (%s), ranked by %s\n",
				len(res.Findings), res.Files, since, shortID(res.Base), res.PolicyVersion)
		}
	}
	return err
}

// interrupted turns an error caused by SIGINT or SIGTERM into a message and
// exit status 130; other errors pass through.
func interrupted(ctx context.Context, e *env, command string, err error) error {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintf(e.stderr, "syntx %s: interrupted\n", command)
		return exitCode(130)
	}
	return err
}

// reviewWorkspace returns the repository's .syntx content a review uses:
// the base revision's (trusted: it was reviewed when it was merged), or
// with --trust-workspace the working tree's. On an unborn branch there is
// no base revision and only the built-in and user rules run.
func reviewWorkspace(ctx context.Context, e *env, g *review.Git, base string, trustWorktree bool) (*config.Workspace, error) {
	if trustWorktree {
		ws := config.ReadWorkspace(g.Root)
		ws.Trusted, ws.Note = true, "--trust-workspace"
		reportWorkspace(e, "review", ws)
		return ws, nil
	}
	b, err := g.ResolveBase(ctx, base)
	if err != nil {
		return nil, err
	}
	if b.Commit == "" {
		return nil, nil
	}
	label := fmt.Sprintf("%s (%s)", b.Ref, shortID(b.Commit))
	ws, err := g.WorkspaceAt(ctx, b.Commit, label)
	if err != nil {
		return nil, err
	}
	reportWorkspace(e, "review", ws)
	if wt := config.ReadWorkspace(g.Root); !wt.Empty() && wt.Digest() != (&config.Workspace{Config: ws.Config, Rules: ws.Rules}).Digest() {
		fmt.Fprintf(e.stderr, "syntx review: the rules and settings in the working tree's .syntx/ differ from %s and are not used (--trust-workspace uses them)\n", termtext.Text(label))
	}
	return ws, nil
}

func shortID(id string) string { return id[:min(len(id), 12)] }

// reviewConfig reads the user's configuration and the workspace's (when ws
// is trusted); problems are reported and the defaults stand in.
func reviewConfig(e *env, ws *config.Workspace) config.Config {
	cfg, problems := config.LoadWorkspace(ws, nil)
	for _, p := range problems {
		fmt.Fprintln(e.stderr, "syntx: config:", termtext.Text(p.Error()))
	}
	return cfg
}

// reviewRules loads the built-in rules, the user's and the workspace's
// (when ws is trusted).
func reviewRules(e *env, ws *config.Workspace) *rules.Library {
	lib := rules.Load(rules.ForWorkspace(ws)...)
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stderr, "syntx: rules: skipped", termtext.Text(p.String()))
	}
	return lib
}

// reviewPersona returns a persona and its configured weight (1 when it has
// none).
func reviewPersona(cfg config.Config, persona string) (string, float64) {
	return persona, capture.PersonaWeight(cfg.Personas, persona)
}

// reviewPolicy builds the policy that ranks suggestions (model.LoadPolicy):
// the configured ONNX file or the embedded base, with the active adapter
// merged in. What is refused is printed; without a usable model the rules'
// priors rank (nil is returned).
func reviewPolicy(e *env, cfg config.Config, home string) model.Policy {
	p, err := model.LoadPolicy(model.PolicyOptions{Model: cfg.Policy.Model, Home: home})
	if err != nil {
		fmt.Fprintln(e.stderr, "syntx: ranking by the rules' priors:", err)
		return nil
	}
	if p.ModelErr != nil {
		fmt.Fprintf(e.stderr, "syntx: %v; using the embedded base model\n", p.ModelErr)
	}
	if p.AdapterErr != nil {
		fmt.Fprintf(e.stderr, "syntx: active adapter refused; scoring with the base model: %v\n", p.AdapterErr)
	}
	return p.Runtime
}
