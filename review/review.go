package review

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
)

// Options configure Run.
type Options struct {
	// Dir is a directory inside the repository; "" means the current one.
	Dir string
	// Base is the revision to review against. Empty means the merge base
	// of HEAD and the default branch (origin/HEAD, else main, else
	// master); a branch that moved on since HEAD forked is replaced by the
	// merge base too, so only this side's changes are reviewed.
	Base string
	// Library is the rules to run (required).
	Library *rules.Library
	// Policy ranks the suggestions; nil ranks them by the rules' priors.
	Policy model.Policy
	// Persona goes into the policy's features (the review persona).
	Persona string
	// MaxFileBytes skips larger files; 0 means 8 MiB.
	MaxFileBytes int
	// MigrationSites reports the sites of migration rules (var to
	// let/const, % to f-strings, any to unknown) one by one; by default
	// they are left to the editor's per-file source action
	// (suggestions.migration_sites).
	MigrationSites bool
}

// Result is what a review found.
type Result struct {
	Git    *Git
	Root   string // top level of the working tree
	Branch string // current branch, "" when detached
	Head   string // HEAD commit, "" on an unborn branch
	// BaseRef is the ref the review compared with, as given or detected
	// ("main", "origin/main", or a commit id); Base is the commit the
	// changed lines were computed against.
	BaseRef, Base string
	// BaseBranch is the branch the changes go to, against which a later
	// `review --record` tells whether a suggestion's site got there
	// unchanged: BaseRef when it names a branch, else the default branch
	// ("" when there is none).
	BaseBranch string
	// PolicyVersion names the model that scored the findings ("priors"
	// without one).
	PolicyVersion string
	// Findings are the suggestions whose site touches a changed line,
	// best first.
	Findings []*Finding
	// Files counts the changed files in supported languages that were
	// read; Skipped lists the ones that were not, with why.
	Files   int
	Skipped []Skipped

	// changed holds, per reviewed path, its diff.
	changed map[string]*changedFile
}

// Skipped is a changed file left out of the review.
type Skipped struct {
	Path, Reason string
}

type changedFile struct {
	diff *FileDiff
}

const defaultMaxFileBytes = 8 << 20

// Run reviews the lines changed in the working tree since the base.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Library == nil {
		return nil, errors.New("review: no rules")
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = defaultMaxFileBytes
	}
	g, err := OpenGit(ctx, opts.Dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Git: g, Root: g.Root, Branch: g.Branch(ctx), Head: g.Head(ctx), changed: map[string]*changedFile{}}
	if err := res.resolveBase(ctx, opts.Base); err != nil {
		return nil, err
	}
	specs := pathspecs(opts.Library)
	if len(specs) == 0 {
		return res, nil
	}
	files, err := g.DiffWorktree(ctx, res.Base, specs)
	if err != nil {
		return nil, err
	}
	an := &analyzer{lib: opts.Library, persona: opts.Persona, root: g.Root, projects: reviewProjects(g.Root, files), migrationSites: opts.MigrationSites}
	root, err := safeio.OpenDir(g.Root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := res.reviewFile(ctx, an, root, f, opts.MaxFileBytes); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted: the last file may be half done
	}
	if err := res.score(ctx, opts.Policy); err != nil {
		return nil, err
	}
	return res, nil
}

// reviewProjects returns the project files that declare each file's
// target (what rules may suggest), except those the change in files
// modifies: a change cannot quiet its own review by editing package.json.
func reviewProjects(gitRoot string, files []*FileDiff) *rules.Projects {
	changedPaths := map[string]bool{}
	for _, f := range files {
		for _, p := range []string{f.NewPath, f.OldPath} {
			if p != "" {
				changedPaths[filepath.Join(gitRoot, filepath.FromSlash(p))] = true
			}
		}
	}
	projects := rules.NewProjects(gitRoot)
	projects.Untrusted = func(path string) bool { return changedPaths[filepath.Clean(path)] }
	return projects
}

// reviewFile reads one changed file from the working tree and adds its
// findings on the changed lines to res. A file that cannot be reviewed
// (binary, too large, not a regular file, or not parsed) is listed in
// res.Skipped; deleted files, links, submodules and files in languages
// without rules are passed over. It fails only when reading fails.
func (res *Result) reviewFile(ctx context.Context, an *analyzer, root *safeio.Dir, f *FileDiff, maxBytes int) error {
	path := f.NewPath
	if path == "" {
		return nil // deleted
	}
	gr := grammarFor(path)
	if gr == "" {
		return nil
	}
	switch {
	case f.Binary:
		res.Skipped = append(res.Skipped, Skipped{path, "binary"})
		return nil
	case f.NewMode == "120000" || f.NewMode == "160000":
		return nil // a symbolic link or a submodule
	}
	if !f.Untracked && len(f.Hunks) == 0 {
		return nil // renamed or mode change only: no line changed
	}
	full := filepath.Join(res.Root, filepath.FromSlash(path))
	st, err := os.Lstat(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	// Read through safeio: the file may have been swapped for a FIFO
	// or a device since it was listed.
	content, err := root.ReadFile(path, int64(maxBytes))
	switch {
	case errors.Is(err, safeio.ErrTooLarge):
		res.Skipped = append(res.Skipped, Skipped{path, fmt.Sprintf("larger than %d bytes", maxBytes)})
		return nil
	case errors.Is(err, safeio.ErrNotRegular):
		res.Skipped = append(res.Skipped, Skipped{path, "not a regular file"})
		return nil
	case err != nil:
		return err
	}
	if isBinary(content) {
		res.Skipped = append(res.Skipped, Skipped{path, "binary"})
		return nil
	}
	ls := newLines(content)
	want := changedLines(f, ls)
	res.Files++
	res.changed[path] = &changedFile{diff: f}
	if len(want) == 0 {
		return nil
	}
	found, err := an.analyze(ctx, gr, path, content, ls, want)
	if err != nil {
		res.Skipped = append(res.Skipped, Skipped{path, err.Error()})
		return nil
	}
	res.Findings = append(res.Findings, found...)
	return nil
}

// changedLines returns the line ranges of the file's new content that f
// changed: all of it for a new or untracked file, else its hunks' new
// sides (none for a hunk that only deletes).
func changedLines(f *FileDiff, ls *lines) []LineRange {
	if f.Untracked || (f.OldPath == "" && f.OldBlob == "") {
		return []LineRange{{0, max(ls.n(), 1)}}
	}
	var want []LineRange
	for _, h := range f.Hunks {
		if h.New.Len() > 0 {
			want = append(want, h.New)
		}
	}
	return want
}

// resolveBase sets BaseRef, Base and BaseBranch.
func (res *Result) resolveBase(ctx context.Context, base string) error {
	b, err := res.Git.resolveBase(ctx, res.Head, base)
	if err != nil {
		return err
	}
	res.BaseRef, res.Base, res.BaseBranch = b.ref, b.commit, b.branch
	return nil
}

// ReviewBase is the revision a review compares with.
type ReviewBase struct {
	// Ref is the base as given or detected ("main", a commit id); Commit
	// is the commit the changes are computed against (the merge base with
	// HEAD), "" on an unborn branch, where everything is new.
	Ref, Commit string
}

// ResolveBase resolves base as Run does (see Options.Base), so that a
// caller can read the base revision's rules and configuration before the
// review runs.
func (g *Git) ResolveBase(ctx context.Context, base string) (ReviewBase, error) {
	head := g.Head(ctx)
	if head == "" {
		return ReviewBase{Ref: base}, nil
	}
	b, err := g.resolveBase(ctx, head, base)
	return ReviewBase{Ref: b.ref, Commit: b.commit}, err
}

type resolvedBase struct{ ref, commit, branch string }

func (g *Git) resolveBase(ctx context.Context, head, base string) (resolvedBase, error) {
	var b resolvedBase
	if base != "" {
		full, _ := g.output(ctx, "rev-parse", "--symbolic-full-name", "--end-of-options", base)
		if strings.HasPrefix(full, "refs/heads/") || strings.HasPrefix(full, "refs/remotes/") {
			b.branch = base
		}
	}
	if b.branch == "" {
		b.branch, _ = g.DefaultBranch(ctx)
	}
	if head == "" {
		// An unborn branch: everything in the working tree is new.
		t, err := g.emptyTree(ctx)
		if err != nil {
			return b, err
		}
		b.ref, b.commit = base, t
		return b, nil
	}
	if base == "" {
		if b.branch == "" {
			_, err := g.DefaultBranch(ctx)
			return b, err
		}
		base = b.branch
	}
	c, err := g.Commit(ctx, base)
	if err != nil {
		return b, err
	}
	b.ref, b.commit = base, c
	if mb := g.MergeBase(ctx, c, head); mb != "" {
		b.commit = mb
	}
	return b, nil
}

// score ranks the findings with the policy (or the priors) and numbers the
// candidate sets: findings at the same site form one set.
func (res *Result) score(ctx context.Context, p model.Policy) error {
	res.PolicyVersion = "priors"
	if p != nil && len(res.Findings) > 0 {
		cands := make([]model.Candidate, len(res.Findings))
		for i, f := range res.Findings {
			cands[i] = f.Candidate
		}
		out := make([]float64, len(cands))
		if err := p.Score(ctx, cands, out); err != nil {
			return fmt.Errorf("review: policy: %w", err)
		}
		for i, f := range res.Findings {
			f.Score = out[i]
		}
		res.PolicyVersion = p.Version()
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Site.Start != b.Site.Start {
			return a.Site.Start < b.Site.Start
		}
		return a.Rule.ID < b.Rule.ID
	})
	type site struct {
		path string
		span rules.Span
	}
	sets := map[site]int{}
	for _, f := range res.Findings {
		k := site{f.Path, f.Site}
		n, ok := sets[k]
		if !ok {
			n = len(sets)
			sets[k] = n
		}
		f.Set = n
	}
	return nil
}

// Fails reports whether a finding's category is in categories ("any"
// matches all).
func (res *Result) Fails(categories []string) bool {
	for _, f := range res.Findings {
		for _, c := range categories {
			if c == "any" || c == f.Rule.Category {
				return true
			}
		}
	}
	return false
}
