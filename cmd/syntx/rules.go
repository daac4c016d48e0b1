package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/rules"
)

func cmdRules(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rules", "list [--json] | test [DIR] | stats [--json] [DIR]", `List the rules SyntX loads (embedded, then $XDG_CONFIG_HOME/syntx/rules, then
<workspace>/.syntx/rules), or run every rule's examples: each "before" must
match and become "after", "after" must parse cleanly, and must_not_match
snippets must not match. With DIR, test the rule files in DIR. Exits non-zero
on any failing example or malformed rule.

stats runs every rule over the source files under DIR (default
testdata/corpus) and prints, per rule, its matches and the files it matches
in, flagging rules that never match and rules that match in more than
--everywhere of their language's files.`)
	workspace := fs.String("workspace", ".", "workspace whose .syntx/rules to include")
	asJSON := fs.Bool("json", false, "print the list or the statistics as JSON")
	everywhere := fs.Float64("everywhere", rules.DefaultEverywhere, "stats: flag rules that match in more than this share of their language's files")
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
	sources := []rules.Source{{Name: "builtin", FS: rules.Builtin()}}
	if d := config.ConfigHome(); d != "" {
		sources = append(sources, rules.Dir(filepath.Join(d, "syntx", "rules")))
	}
	sources = append(sources, rules.Dir(filepath.Join(*workspace, ".syntx", "rules")))
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
		return rulesStats(ctx, e, rules.Load(sources...), dir, *everywhere, *asJSON)
	}
	fs.Usage()
	return errUsage
}

// rulesList prints the rules, as a table or JSON.
func rulesList(e *env, lib *rules.Library, asJSON bool) error {
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stderr, "skipped:", p)
	}
	if asJSON {
		type row struct {
			ID, Language, Category, Kind, Title, Message, Source string
			Prior                                                float64
		}
		var out []row
		for _, r := range lib.Rules() {
			out = append(out, row{r.ID, r.Language, r.Category, r.ActionKind(), r.Title, r.Message, r.Source, r.Prior})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCATEGORY\tPRIOR\tTITLE")
	for _, r := range lib.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\n", r.ID, r.Category, r.Prior, r.Title)
	}
	return tw.Flush()
}

// rulesTest runs every rule's examples; a malformed rule or a failing
// example fails it.
func rulesTest(ctx context.Context, e *env, lib *rules.Library) error {
	failed := 0
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stdout, "FAIL", p)
		failed++
	}
	passed := 0
	for _, r := range lib.TestExamples(ctx) {
		if r.Err != nil {
			fmt.Fprintf(e.stdout, "FAIL %s (%s) example %d: %v\n", r.Rule.ID, r.Grammar, r.Index, r.Err)
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

// rulesStats measures every rule on the corpus under dir.
func rulesStats(ctx context.Context, e *env, lib *rules.Library, dir string, everywhere float64, asJSON bool) error {
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stderr, "skipped:", p)
	}
	st, err := rules.CorpusStats(ctx, lib, dir, everywhere)
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
