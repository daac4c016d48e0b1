package review

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

// LearnOptions configure Learn.
type LearnOptions struct {
	// Dir is a directory inside the repository; "" means the current one.
	Dir string
	// Rev is the history to read, following first parents; "" means HEAD.
	Rev string
	// Since limits the history to commits after a date (anything
	// `git log --since` understands); MaxCommits to the newest N (0: all).
	Since      string
	MaxCommits int
	// Rescan ignores the cursor and reads the whole history again (what was
	// recorded before is recognised and skipped).
	Rescan bool

	DB      *store.DB
	Home    string // $SYNTX_HOME; the cursor goes to Home/learn
	Library *rules.Library
	// Policy scores the recorded suggestions; nil stores the priors.
	Policy model.Policy
	// Persona and Weight are the history persona and its weight.
	Persona string
	Weight  float64
	// MaxFileBytes skips larger files; 0 means 8 MiB.
	MaxFileBytes int
	// Progress, when set, is called after each commit with the number of
	// commits done and the number to do.
	Progress func(done, total int)
}

// RuleCount is what Learn found for one rule.
type RuleCount struct {
	Applied  int // commits that applied its fix by hand
	Reverted int // commits that undid its fix
}

// LearnResult summarises Learn.
type LearnResult struct {
	// Commits were read out of Total selected ones.
	Commits, Total int
	// Found counts the findings per rule id; Added those recorded now,
	// Existing those recorded by an earlier run.
	Found           map[string]*RuleCount
	Added, Existing int
	// Cursor is the last commit read; Interrupted is set when the context
	// ended the run (it resumes from Cursor).
	Cursor      string
	Interrupted bool
}

// Rules returns the rule ids of Found, sorted.
func (r *LearnResult) Rules() []string {
	ids := make([]string, 0, len(r.Found))
	for id := range r.Found {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// cursor is Home/learn/<repo hash>.json: where the last run stopped.
type cursor struct {
	Repo    string    `json:"repo"`
	Last    string    `json:"last"`
	Updated time.Time `json:"updated"`
}

func cursorPath(home, repo string) string {
	return filepath.Join(home, "learn", sha([]byte(repo))[:20]+".json")
}

func readCursor(home, repo string) cursor {
	var c cursor
	b, err := os.ReadFile(cursorPath(home, repo))
	if err != nil || json.Unmarshal(b, &c) != nil || c.Repo != repo {
		return cursor{}
	}
	return c
}

func writeCursor(home, repo, last string) error {
	p := cursorPath(home, repo)
	if err := atomicfile.MkdirAll(filepath.Dir(p)); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(cursor{Repo: repo, Last: last, Updated: time.Now().UTC()}, "", "  ")
	return atomicfile.WriteFile(p, b)
}

// cursorEvery is how many commits pass between cursor writes.
const cursorEvery = 100

// chunkOver is the file size above which Learn parses only the top-level
// blocks around a commit's hunks rather than the whole file (a block that
// does not parse on its own falls back to the whole file). It is 1: always,
// so that a commit costs what its change is, not what its files are; on
// small files this halves the time, on large ones it is what bounds it.
const chunkOver = 1

// gitContext is where a history suggestion comes from, in its features.
type gitContext struct {
	Repo   string `json:"repo"`
	Commit string `json:"commit"`
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Kind   string `json:"kind"` // applied or reverted
}

// Learn mines the repository's first-parent history for commits in which
// the author applied a rule's fix by hand (the changed region matched the
// rule before and equals its fix after, ignoring whitespace and comments)
// and commits that undid such a fix, and records them as preferences of the
// history persona: a suggestion (trigger review) for the site, then
// accepted and kept events for an applied fix, or an undone event for a
// reverted one, with capture.Derive's preferences.
//
// It streams `git log -p` (changed hunks only, files in supported
// languages only), reads blobs through one `git cat-file --batch`, matches
// the rules only around the changed lines, and keeps one commit in memory.
// Suggestion ids are derived from the commit, path, rule and site, so
// running it again adds nothing; a cursor under Home/learn lets the next
// run start where this one stopped, also after an interruption.
func Learn(ctx context.Context, opts LearnOptions) (*LearnResult, error) {
	if opts.Library == nil || opts.DB == nil || opts.Home == "" {
		return nil, errors.New("review: learn needs rules, a database and a data directory")
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = defaultMaxFileBytes
	}
	if opts.Weight <= 0 {
		opts.Weight = 1
	}
	if opts.Rev == "" {
		opts.Rev = "HEAD"
	}
	g, err := OpenGit(ctx, opts.Dir)
	if err != nil {
		return nil, err
	}
	res := &LearnResult{Found: map[string]*RuleCount{}}
	tip, err := g.Commit(ctx, opts.Rev)
	if err != nil {
		return nil, err
	}
	specs := pathspecs(opts.Library)
	if len(specs) == 0 {
		return res, nil
	}
	rangeArg := tip
	if !opts.Rescan {
		if c := readCursor(opts.Home, g.Root); c.Last != "" && g.IsAncestor(ctx, c.Last, tip) {
			if c.Last == tip {
				res.Cursor = tip
				return res, nil
			}
			rangeArg = c.Last + ".." + tip
		}
	}
	limits := []string{"--first-parent"}
	if opts.Since != "" {
		limits = append(limits, "--since="+opts.Since)
	}
	if opts.MaxCommits > 0 {
		limits = append(limits, "-n", strconv.Itoa(opts.MaxCommits))
	}
	count := append(append([]string{"rev-list", "--count"}, limits...), rangeArg, "--")
	if out, err := g.output(ctx, append(count, specs...)...); err == nil {
		res.Total, _ = strconv.Atoi(out)
	}

	br, err := g.blobs(ctx)
	if err != nil {
		return nil, err
	}
	defer br.close()
	l := &learner{g: g, opts: opts, br: br, res: res,
		// Migration sites count here: someone turning var into let by hand
		// is what history learning looks for.
		an: &analyzer{lib: opts.Library, persona: opts.Persona, root: g.Root, chunkOver: chunkOver, migrationSites: true}}

	args := append([]string{"log", "--reverse", "--diff-merges=first-parent", "-p"}, diffArgs...)
	args = append(args, "--format="+commitMarker+"%H %ct")
	args = append(args, limits...)
	args = append(args, rangeArg, "--")
	args = append(args, specs...)
	if err := l.readLog(ctx, args); err != nil {
		return res, err
	}
	res.Cursor = tip
	if err := writeCursor(opts.Home, g.Root, tip); err != nil {
		return res, err
	}
	return res, nil
}

// readLog runs `git log` with args and learns from each file of each
// commit it prints, advancing l.res.Cursor (and, every cursorEvery
// commits, the cursor on disk) past each whole commit. When interrupted
// or when the log cannot be read, the cursor on disk is left at the last
// whole commit.
func (l *learner) readLog(ctx context.Context, args []string) error {
	g, opts, res := l.g, l.opts, l.res
	logCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := g.command(logCtx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git log: %w", err)
	}
	p := &diffParser{
		onCommit: func(line string) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := l.finishCommit(); err != nil {
				return err
			}
			f := strings.Fields(strings.TrimPrefix(line, commitMarker))
			if len(f) < 2 {
				return fmt.Errorf("git log: unexpected header %q", line)
			}
			secs, _ := strconv.ParseInt(f[1], 10, 64)
			l.commit, l.when = f[0], time.Unix(secs, 0).UTC()
			clear(l.red)
			return nil
		},
		onFile: func(fd *FileDiff) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return l.file(ctx, fd)
		},
	}
	perr := scanLines(stdout, p.line)
	if perr == nil {
		perr = p.flush()
	}
	if perr != nil {
		cancel()
	}
	werr := cmd.Wait()
	if ctx.Err() != nil {
		// Interrupted: the commit being read may be incomplete; the cursor
		// stays at the last whole one.
		res.Interrupted = true
		if res.Cursor != "" {
			if err := writeCursor(opts.Home, g.Root, res.Cursor); err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	if perr != nil {
		if res.Cursor != "" {
			_ = writeCursor(opts.Home, g.Root, res.Cursor)
		}
		return perr
	}
	if werr != nil {
		return fmt.Errorf("git log: %s", strings.TrimSpace(stderr.String()))
	}
	return l.finishCommit()
}

// finishCommit counts the commit just read (none before the first) and
// moves the cursor past it: in l.res, and on disk every cursorEvery
// commits.
func (l *learner) finishCommit() error {
	if l.commit == "" {
		return nil
	}
	res := l.res
	res.Commits++
	res.Cursor = l.commit
	if l.opts.Progress != nil {
		l.opts.Progress(res.Commits, max(res.Total, res.Commits))
	}
	if res.Commits%cursorEvery == 0 {
		return writeCursor(l.opts.Home, l.g.Root, l.commit)
	}
	return nil
}

// learner processes the files of one commit at a time.
type learner struct {
	g      *Git
	opts   LearnOptions
	br     *blobReader
	an     *analyzer
	res    *LearnResult
	commit string
	when   time.Time
	red    map[*lines]*redFile // the current commit's files, redacted
}

// historyFinding is a finding in one version of a file and what the commit
// did with it.
type historyFinding struct {
	f    *Finding
	kind string // applied or reverted
	path string
}

func (l *learner) blob(id string) ([]byte, bool) {
	b, ok, err := l.br.read(id, l.opts.MaxFileBytes)
	if err != nil || !ok || isBinary(b) {
		return nil, false
	}
	return b, true
}

// file looks at one changed file of the current commit.
func (l *learner) file(ctx context.Context, fd *FileDiff) error {
	if fd.Binary || fd.OldBlob == "" || fd.NewBlob == "" || len(fd.Hunks) == 0 || fd.NewPath == "" ||
		fd.NewMode == "120000" || fd.NewMode == "160000" {
		return nil
	}
	gr := grammarFor(fd.NewPath)
	if gr == "" || gr != grammarFor(fd.OldPath) || len(l.opts.Library.Set(gr).Rules()) == 0 {
		return nil
	}
	oldSrc, ok1 := l.blob(fd.OldBlob)
	newSrc, ok2 := l.blob(fd.NewBlob)
	if !ok1 || !ok2 {
		return nil
	}
	ol, nl := newLines(oldSrc), newLines(newSrc)
	var found []historyFinding

	// Applied: the rule matched before, and after the commit the region
	// reads as the fix.
	want := make([]LineRange, 0, len(fd.Hunks))
	for _, h := range fd.Hunks {
		want = append(want, LineRange{max(h.Old.Start-1, 0), h.Old.End + 1})
	}
	before, err := l.an.analyze(ctx, gr, fd.OldPath, oldSrc, ol, want)
	if err != nil {
		return nil
	}
	applied := matchFixes(before, fd.Hunks, ol, nl)
	for _, f := range applied {
		found = append(found, historyFinding{f: f, kind: "applied", path: fd.OldPath})
	}

	// Reverted: the rule matches after, and before the commit the region
	// read as the fix.
	want = want[:0]
	for _, h := range fd.Hunks {
		want = append(want, LineRange{max(h.New.Start-1, 0), h.New.End + 1})
	}
	after, err := l.an.analyze(ctx, gr, fd.NewPath, newSrc, nl, want)
	if err != nil {
		return nil
	}
	for _, f := range matchFixes(after, invert(fd.Hunks), nl, ol) {
		found = append(found, historyFinding{f: f, kind: "reverted", path: fd.NewPath})
	}
	if len(found) == 0 {
		return nil
	}
	if l.opts.Policy != nil {
		cands := make([]model.Candidate, len(found))
		for i, h := range found {
			cands[i] = h.f.Candidate
		}
		out := make([]float64, len(cands))
		if err := l.opts.Policy.Score(ctx, cands, out); err == nil {
			for i, h := range found {
				h.f.Score = out[i]
			}
		}
	}
	for _, h := range found {
		if err := l.record(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// matchFixes returns the findings of the "from" version whose fix is what
// the "to" version has at their place: the lines around each one's region,
// widened by the hunks that touch them, read the same as those lines with
// the fix applied (tree-sitter tokens, whitespace and comments aside).
// Fixes applied together in one block are recognised as a group.
func matchFixes(found []*Finding, hunks []Hunk, from, to *lines) []*Finding {
	var out []*Finding
	type group struct {
		c  cluster
		fs []*Finding
	}
	groups := map[LineRange]*group{}
	var order []LineRange
	for _, f := range found {
		c := clusterAround(hunks, from.spanLines(f.Region.Start, f.Region.End))
		if !c.Touched {
			continue
		}
		expected := replaceIn(from, c.Old, f.Region, f.Suggested)
		if capture.SameSyntax(f.Grammar, expected, string(to.text(c.New))) {
			out = append(out, f)
			continue
		}
		gr := groups[c.Old]
		if gr == nil {
			gr = &group{c: c}
			groups[c.Old] = gr
			order = append(order, c.Old)
		}
		gr.fs = append(gr.fs, f)
	}
	// Several fixes in one block: apply every non-overlapping one.
	for _, k := range order {
		gr := groups[k]
		if len(gr.fs) < 2 {
			continue
		}
		sort.SliceStable(gr.fs, func(i, j int) bool { return gr.fs[i].Region.Start < gr.fs[j].Region.Start })
		var pick []*Finding
		lines := LineRange{Start: -1}
		for _, f := range gr.fs {
			if n := len(pick); n > 0 && f.Region.Start < pick[n-1].Region.End {
				continue
			}
			pick = append(pick, f)
			rl := from.spanLines(f.Region.Start, f.Region.End)
			if lines.Start < 0 || rl.Start < lines.Start {
				lines.Start = rl.Start
			}
			lines.End = max(lines.End, rl.End)
		}
		if len(pick) < 2 {
			continue
		}
		c := clusterAround(hunks, lines)
		var b strings.Builder
		last := from.start(c.Old.Start)
		for _, f := range pick {
			b.Write(from.src[last:f.Region.Start])
			b.WriteString(f.Suggested)
			last = f.Region.End
		}
		b.Write(from.src[last:from.start(c.Old.End)])
		if capture.SameSyntax(pick[0].Grammar, b.String(), string(to.text(c.New))) {
			out = append(out, pick...)
		}
	}
	return out
}

// historyID is the suggestion id of a finding: the same commit, path, rule,
// site and kind always give the same id.
func (l *learner) historyID(h historyFinding) string {
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%d-%d", l.commit, h.path, h.f.Rule.ID, h.kind, h.f.Site.Start, h.f.Site.End)
	return "git-" + l.commit[:min(12, len(l.commit))] + "-" + sha([]byte(key))[:12]
}

// record stores one finding and its outcome, unless an earlier run did.
func (l *learner) record(ctx context.Context, h historyFinding) error {
	db := l.opts.DB
	f := h.f
	rc := l.res.Found[f.Rule.ID]
	if rc == nil {
		rc = &RuleCount{}
		l.res.Found[f.Rule.ID] = rc
	}
	if h.kind == "applied" {
		rc.Applied++
	} else {
		rc.Reverted++
	}
	id := l.historyID(h)
	final := store.Kept
	if h.kind == "reverted" {
		final = store.Undone
	}
	s, err := db.Suggestion(ctx, id)
	var have map[store.Outcome]int64
	switch {
	case errors.Is(err, store.ErrNotFound):
		s = l.suggestion(h, id)
		if err := db.PutSuggestions(ctx, s); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		have = map[store.Outcome]int64{}
		err := db.Events(ctx, store.EventFilter{SuggestionID: id}, func(e store.Event) error {
			have[e.Outcome] = e.ID
			return nil
		})
		if err != nil {
			return err
		}
		if _, done := have[final]; done {
			l.res.Existing++
			return nil
		}
	}
	ev := store.Event{SuggestionID: id, At: l.when, Persona: l.opts.Persona, PersonaWeight: l.opts.Weight}
	var acc int64
	if final == store.Kept {
		if acc = have[store.Accepted]; acc == 0 {
			a := ev
			a.Outcome = store.Accepted
			if acc, err = db.AddEvent(ctx, a); err != nil {
				return err
			}
		}
	}
	ev.Outcome = final
	if _, _, err := db.RecordOutcome(ctx, ev, capture.Derive(final, s, []store.Suggestion{s}, ev, acc)...); err != nil {
		return err
	}
	l.res.Added++
	return nil
}

func (l *learner) suggestion(h historyFinding, id string) store.Suggestion {
	f := h.f
	s, e := f.Start(), f.End()
	path := h.path
	if !l.opts.DB.StoresCode() {
		path = "hmac-sha256:" + l.opts.DB.Hash(path) // like the store's document column
	}
	feats, _ := json.Marshal(reviewFeatures{Candidate: f.Candidate, Git: &gitContext{
		Repo: l.g.Root, Commit: l.commit, Path: path, Line: s.Line, Kind: h.kind,
	}})
	// The texts are redacted in the context of their file (a secret passed
	// by position is only recognisable there); the store redacts again.
	rf := l.red[f.src]
	if rf == nil {
		rf = newRedFile(f.src.src)
		if l.red == nil {
			l.red = map[*lines]*redFile{}
		}
		l.red[f.src] = rf
	}
	orig, sugg := rf.regionTexts(f.Region, f.Suggested)
	version := "priors"
	if l.opts.Policy != nil {
		version = l.opts.Policy.Version()
	}
	return store.Suggestion{
		ID: id, CreatedAt: l.when, Workspace: l.g.Root, Document: filepath.Join(l.g.Root, filepath.FromSlash(h.path)),
		Language: f.Rule.Language, RuleID: f.Rule.ID, Category: f.Rule.Category, Title: f.Rule.Title,
		Range: store.Range{
			Start: store.Position{Line: s.Line - 1, Character: s.Column - 1},
			End:   store.Position{Line: e.Line - 1, Character: e.Column - 1},
		},
		Features: feats, CandidateSet: id, PolicyVersion: version, Score: f.Score,
		Trigger: store.Review, Persona: l.opts.Persona,
		OriginalText: orig, SuggestedText: sugg,
		RuleSource: f.Rule.Source, RuleSHA256: f.Rule.SHA256,
	}
}
