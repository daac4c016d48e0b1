package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/termtext"
	"github.com/syntx/syntx/review"
	"github.com/syntx/syntx/store"
)

func cmdLearn(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "learn", "--git [--since DATE] [--max-commits N] [--rev REV] [--rescan]",
		`Learn the team's taste from the repository's history, so that a new machine
starts from it. With --git, SyntX reads the first-parent history of REV through
git and looks at every changed hunk of a supported file: a commit whose author
applied a rule's fix by hand (the code matched the rule before and reads as the
fix after, whitespace and comments aside) is recorded as an accepted, kept
suggestion; a commit that undid such a fix as an undone one. They become
preferences of the "history" persona, with its configured weight.

It prints what it found per rule. Running it again adds nothing: it resumes
after the last commit it read (also after Ctrl-C), and recognises what it
recorded before. Nothing leaves the machine.`)
	useGit := fs.Bool("git", false, "learn from the git history (the only source so far)")
	dir := fs.String("C", ".", "a directory inside the repository")
	rev := fs.String("rev", "HEAD", "the history to read (its first parents)")
	since := fs.String("since", "", "only commits after `DATE` (anything git log --since takes: 2024-01-31, \"6 months ago\")")
	maxCommits := fs.Int("max-commits", 0, "read at most the newest `N` commits (0: all)")
	rescan := fs.Bool("rescan", false, "read the whole history again instead of resuming after the last run")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if !*useGit || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *maxCommits < 0 {
		fmt.Fprintln(e.stderr, "syntx learn: --max-commits must not be negative")
		return errUsage
	}
	g, err := review.OpenGit(ctx, *dir)
	if err != nil {
		return interrupted(ctx, e, "learn", err)
	}
	ws := trustedWorkspace(e, "learn", g.Root)
	cfg := reviewConfig(e, ws)
	lib := reviewRules(e, ws)
	home := config.DataHome()
	persona, weight := reviewPersona(cfg, "history")
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{DiscardCode: !cfg.Capture.StoreCode})
	if err != nil {
		return interrupted(ctx, e, "learn", err)
	}
	defer db.Close()
	bar := newProgressBar(e.stderr, isTerminal(e.stderr), "learn", "commits")
	res, err := review.Learn(ctx, review.LearnOptions{
		Dir: g.Root, Rev: *rev, Since: *since, MaxCommits: *maxCommits, Rescan: *rescan,
		DB: db, Home: home, Library: lib, Policy: reviewPolicy(e, cfg, home),
		Persona: persona, Weight: weight, MaxFileBytes: cfg.Limits.MaxDocumentBytes,
		Progress: func(done, total int) { bar.update(done, total, "") },
	})
	bar.finish()
	if res == nil {
		return interrupted(ctx, e, "learn", err)
	}
	if err != nil && !(res.Interrupted && errors.Is(err, context.Canceled)) {
		return err
	}
	printLearned(e.stdout, g.Root, res, persona, weight)
	if res.Interrupted {
		fmt.Fprintf(e.stderr, "syntx learn: interrupted after %d commits; run the same command to resume\n", res.Commits)
		return exitCode(130)
	}
	return nil
}

func printLearned(w io.Writer, root string, res *review.LearnResult, persona string, weight float64) {
	fmt.Fprintf(w, "read %d of %d commits in %s: %d fixes applied or reverted by hand recorded for persona %s (weight %g), %d recorded before\n",
		res.Commits, max(res.Total, res.Commits), termtext.Name(root), res.Added, termtext.Text(persona), weight, res.Existing)
	if len(res.Found) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tAPPLIED\tREVERTED")
	for _, id := range res.Rules() {
		c := res.Found[id]
		fmt.Fprintf(tw, "%s\t%d\t%d\n", id, c.Applied, c.Reverted)
	}
	tw.Flush()
}
