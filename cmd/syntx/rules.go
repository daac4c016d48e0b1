package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/syntx/syntx/internal/termtext"
	"github.com/syntx/syntx/rules"
)

func cmdRules(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rules", "list [--json] | test [DIR] | stats [--json] [DIR]", `List the rules SyntX loads (embedded, then $XDG_CONFIG_HOME/syntx/rules, then
<workspace>/.syntx/rules when you trust the workspace: see syntx trust), or run
every rule's examples: each "before" must match and become "after", "after"
must parse cleanly, and must_not_match snippets must not match. With DIR, test
the rule files in DIR (you asked for them: they load as your own). Exits
non-zero on any failing example or malformed rule.

stats runs every rule over the source files under DIR (default
testdata/corpus) and prints, per rule, its matches (how many unsafe, how
many silenced by suppression comments and by the project's declared
target), the files it matches in and the matches per 1,000 lines, flagging
rules that never match and rules that match in more than --everywhere of
their language's files. With --time it also times matching per file and
lists the slowest files with their costliest rules, and the files of at
most 200 KB over --budget.`)
	workspace := fs.String("workspace", ".", "workspace whose .syntx/rules to include")
	asJSON := fs.Bool("json", false, "print the list or the statistics as JSON")
	everywhere := fs.Float64("everywhere", rules.DefaultEverywhere, "stats: flag rules that match in more than this share of their language's files")
	timing := fs.Bool("time", false, "stats: time matching per file; list the slowest files and rules, and the files over --budget")
	budget := fs.Duration("budget", rules.DefaultBudget, "stats --time: what all rules together may take on a file of at most 200 KB")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	rest, err := interspersed(fs, fs.Args())
	if err != nil {
		return errUsage
	}
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	sources := rules.ForWorkspace(trustedWorkspace(e, "rules", *workspace))
	switch rest[0] {
	case "list":
		return rulesList(e, rules.Load(sources...), *asJSON)
	case "test":
		if len(rest) > 1 {
			sources = []rules.Source{rules.Dir(rest[1])}
		}
		return rulesTest(ctx, e, rules.Load(sources...))
	case "stats":
		dir := filepath.Join("testdata", "corpus")
		if len(rest) > 1 {
			dir = rest[1]
		}
		return rulesStats(ctx, e, rules.Load(sources...), dir, rules.StatsOptions{Everywhere: *everywhere, Timing: *timing, Budget: *budget}, *asJSON)
	}
	fs.Usage()
	return errUsage
}

// rulesList prints the rules, as a table or JSON.
func rulesList(e *env, lib *rules.Library, asJSON bool) error {
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stderr, "skipped:", termtext.Text(p.String()))
	}
	if asJSON {
		type row struct {
			ID, Language, Category, Kind, Title, Message, Source, Origin, SHA256 string
			Prior                                                                float64
			Safety, Because, Check, Migration                                    string   `json:",omitempty"`
			Aliases                                                              []string `json:",omitempty"`
		}
		var out []row
		for _, r := range lib.Rules() {
			out = append(out, row{r.ID, r.Language, r.Category, r.ActionKind(), r.Title, r.Message, r.Source, r.Origin.String(), r.SHA256, r.Prior,
				r.Safety, r.Because, r.Check, r.Migration, r.Aliases})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCATEGORY\tPRIOR\tFIX\tORIGIN\tTITLE")
	for _, r := range lib.Rules() {
		fix := r.Safety
		if r.Migration != "" {
			fix += ", migration"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%s\t%s\n", r.ID, r.Category, r.Prior, fix, r.Origin, termtext.Text(r.Title))
	}
	return tw.Flush()
}

// rulesTest runs every rule's examples; a malformed rule or a failing
// example fails it.
func rulesTest(ctx context.Context, e *env, lib *rules.Library) error {
	failed := 0
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stdout, "FAIL", termtext.Lines(p.String()))
		failed++
	}
	passed := 0
	for _, r := range lib.TestExamples(ctx) {
		if r.Err != nil {
			fmt.Fprintf(e.stdout, "FAIL %s (%s) example %d: %s\n", r.Rule.ID, r.Grammar, r.Index, termtext.Lines(fmt.Sprint(r.Err)))
			failed++
			continue
		}
		passed++
	}
	fmt.Fprintf(e.stdout, "rules: %d rules, %d examples passed, %d failed\n", len(lib.Rules()), passed, failed)
	if failed > 0 {
		return exitCode(1)
	}
	return nil
}

// rulesStats measures every rule on the corpus under dir (with timings
// when opts ask for them).
func rulesStats(ctx context.Context, e *env, lib *rules.Library, dir string, opts rules.StatsOptions, asJSON bool) error {
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stderr, "skipped:", termtext.Text(p.String()))
	}
	st, err := rules.CorpusStatsWith(ctx, lib, dir, opts)
	if err != nil {
		return fmt.Errorf("rules stats: %w (run it from the repository root, or pass DIR)", err)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return st.WriteText(e.stdout)
}

// interspersed parses the flags that follow the verb and positional
// arguments ("rules list --json", "rules stats DIR --json"), which the flag
// package stops at, and returns the positional arguments.
func interspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return pos, nil
}
