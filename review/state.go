package review

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// The review state lives in $SYNTX_HOME/review/: one JSON file per
// repository and branch (named by a hash of both) listing the suggestions
// `review --record` offered that have no outcome yet, and lines/<hash>, the
// keyed hashes of the (redacted) lines of each file version they were
// found in. No file is kept whole: with code storage on, an entry also
// keeps the redacted lines around its region (its hunk) and its redacted
// texts; with it off, only hashes, and the file is read back from the
// commit it was recorded at when its text is needed. Every write goes
// through atomicfile (0600 files, fsynced, renamed).

const stateVersion = 2

type state struct {
	Version int      `json:"version"`
	Repo    string   `json:"repo"`
	Branch  string   `json:"branch"`
	Entries []*entry `json:"entries"`

	file    string
	changed bool
}

// entry is one offered suggestion that is still open.
type entry struct {
	ID   string `json:"id"`
	Set  string `json:"set"`
	Rule string `json:"rule"`
	Path string `json:"path"`
	Line int    `json:"line"` // 1-based line of the region when last seen
	// Head is HEAD when the entry was last seen; File the keyed hash of the
	// file's redacted text then (its line hashes are in lines/File).
	Head string `json:"head"`
	File string `json:"file"`
	// Lines are the lines the region covers, [first, end) counted from 0,
	// and Cols the byte columns of its start in the first line and of its
	// end in the last.
	Lines [2]int `json:"lines"`
	Cols  [2]int `json:"cols"`
	// BaseBranch is the branch the change goes to; BaseHad says whether
	// the region was already there, unchanged, when the suggestion was
	// offered.
	BaseBranch string `json:"base_branch,omitempty"`
	BaseHad    bool   `json:"base_had,omitempty"`
	// The keyed hashes of the region's redacted text before and after the
	// fix, always; the texts, and the hunk (the redacted lines around the
	// region, from line HunkLine, with the region at HunkRegion in it),
	// only with code storage on.
	OriginalHash  string    `json:"original_hash"`
	SuggestedHash string    `json:"suggested_hash"`
	Original      string    `json:"original,omitempty"`
	Suggested     string    `json:"suggested,omitempty"`
	Hunk          string    `json:"hunk,omitempty"`
	HunkLine      int       `json:"hunk_line,omitempty"`
	HunkRegion    [2]int    `json:"hunk_region,omitzero"`
	Offered       time.Time `json:"offered"`
}

// hunkContext is how many lines around a region its hunk keeps.
const hunkContext = 3

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func stateName(repo, branch string) string {
	return sha(fmt.Appendf(nil, "%s\x00%s", repo, branch))[:20] + ".json"
}

// loadStates reads every state file in dir; states written by an older
// SyntX come back in legacy, to be converted.
func loadStates(dir string) (cur []*state, legacy []*stateV1, err error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, de := range ents {
		if de.IsDir() || filepath.Ext(de.Name()) != ".json" {
			continue
		}
		p := filepath.Join(dir, de.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		var v struct {
			Version int `json:"version"`
		}
		if json.Unmarshal(b, &v) != nil {
			continue // not ours: left alone
		}
		switch v.Version {
		case stateVersion:
			var st state
			if json.Unmarshal(b, &st) != nil {
				continue
			}
			st.file = p
			cur = append(cur, &st)
		case 1:
			var st stateV1
			if json.Unmarshal(b, &st) != nil {
				continue
			}
			st.file = p
			legacy = append(legacy, &st)
		}
	}
	return cur, legacy, nil
}

func (st *state) save() error {
	if len(st.Entries) == 0 {
		return atomicfile.Remove(st.file)
	}
	sort.SliceStable(st.Entries, func(i, j int) bool {
		a, b := st.Entries[i], st.Entries[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Lines[0] != b.Lines[0] {
			return a.Lines[0] < b.Lines[0]
		}
		return a.Cols[0] < b.Cols[0]
	})
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(st.file, b)
}

func linesPath(dir, file string) string { return filepath.Join(dir, "lines", file) }

// writeLines stores the line keys of a file version, once.
func writeLines(dir, file string, keys []string) error {
	p := linesPath(dir, file)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := atomicfile.MkdirAll(filepath.Dir(p)); err != nil {
		return err
	}
	var b strings.Builder
	b.Grow(len(keys) * lineKeySize)
	for _, k := range keys {
		b.WriteString(k)
	}
	return atomicfile.WriteFile(p, []byte(b.String()))
}

// readLines returns the line keys of a file version.
func readLines(dir, file string) ([]string, bool) {
	if file == "" || strings.ContainsAny(file, `/\.`) {
		return nil, false
	}
	b, err := os.ReadFile(linesPath(dir, file))
	if err != nil || len(b)%lineKeySize != 0 {
		return nil, false
	}
	out := make([]string, len(b)/lineKeySize)
	for i := range out {
		out[i] = string(b[i*lineKeySize : (i+1)*lineKeySize])
	}
	return out, true
}

// gcLines removes the line files no state refers to, and anything left in
// snapshots/ (whole files, as states written before version 2 kept them).
func gcLines(dir string, states []*state) error {
	keep := map[string]bool{}
	for _, st := range states {
		for _, e := range st.Entries {
			keep[e.File] = true
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, "lines"))
	if err == nil {
		for _, de := range ents {
			if !keep[de.Name()] {
				if err := atomicfile.Remove(filepath.Join(dir, "lines", de.Name())); err != nil {
					return err
				}
			}
		}
	}
	return atomicfile.RemoveAll(filepath.Join(dir, "snapshots"))
}

func newID(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}

// RecordOptions configure Record.
type RecordOptions struct {
	DB *store.DB
	// Home is $SYNTX_HOME; the state goes to Home/review.
	Home string
	// Library recomputes texts that were not kept (code storage off).
	Library *rules.Library
	// Persona and Weight are the review persona and its weight.
	Persona string
	Weight  float64
	// StoreCode keeps code texts and file snapshots in the state.
	StoreCode bool
	// Branch keys the state; "" means the current branch (required when
	// HEAD is detached).
	Branch string
	// Now stamps events; nil means time.Now.
	Now func() time.Time
}

// Outcomes of earlier suggestions, as Record reports them.
const (
	OutcomeAccepted   = "accepted"   // the fix is in the code now
	OutcomeEdited     = "edited"     // the site changed in another way
	OutcomeIgnored    = "ignored"    // the site reached the base branch unchanged
	OutcomeOpen       = "open"       // unchanged, not merged yet
	OutcomeGone       = "gone"       // the file or the recorded version is gone; no event
	OutcomeSuperseded = "superseded" // another suggestion of its set was accepted; no event
)

// Resolution is what became of one earlier suggestion.
type Resolution struct {
	ID, Rule, Path string
	Line           int
	Outcome        string
}

// RecordResult summarises Record.
type RecordResult struct {
	Branch string
	// Offered counts the suggestions stored now (in Sets candidate sets);
	// Seen those found again that were recorded before.
	Offered, Sets, Seen int
	Resolutions         []Resolution
	// Notes tell the user about the state itself (a state written by an
	// older SyntX converted, with how many entries could not be).
	Notes []string
}

// Count returns how many earlier suggestions had outcome.
func (r *RecordResult) Count(outcome string) int {
	n := 0
	for _, x := range r.Resolutions {
		if x.Outcome == outcome {
			n++
		}
	}
	return n
}

// Record stores what res offers (offers with trigger "review", one
// candidate set per site, persona opts.Persona) and resolves the
// suggestions earlier runs on the branch offered: accepted (with kept)
// when their fix is in the code now (compared with tree-sitter, ignoring
// whitespace and comments, around the site), edited when the site changed
// in another way, ignored when the site reached the base branch unchanged.
// Those events carry the review persona and weight, and their preferences
// come from capture.Derive. Suggestions recorded on other branches whose
// commit has been merged into HEAD are resolved too.
func Record(ctx context.Context, res *Result, opts RecordOptions) (*RecordResult, error) {
	opts, branch, err := recordOptions(res, opts)
	if err != nil {
		return nil, err
	}
	dir, states, legacy, err := openStates(opts.Home)
	if err != nil {
		return nil, err
	}
	br, err := res.Git.blobs(ctx)
	if err != nil {
		return nil, err
	}
	defer br.close()
	rv := &resolver{res: res, opts: opts, dir: dir, br: br, mac: opts.DB.MAC, macer: opts.DB.MACer,
		tips: map[string]string{}, renames: map[string]map[string]string{}, ancestors: map[string]bool{},
		files: map[string]*redFile{}}
	out := &RecordResult{Branch: branch}
	for _, old := range legacy {
		st, note, err := rv.convertV1(ctx, old)
		if err != nil {
			return nil, err
		}
		states = append(states, st)
		out.Notes = append(out.Notes, note)
	}
	states, cur := branchState(states, dir, res.Root, branch)

	// Resolve what this branch offered before, then what other branches
	// offered from commits that are now part of HEAD.
	jobs, err := rv.resolveAll(ctx, states, cur)
	if err != nil {
		return nil, err
	}
	if out.Resolutions, err = rv.writeResolved(ctx, jobs, cur); err != nil {
		return nil, err
	}

	// Offer what is new; a suggestion offered before that is still open
	// at the same place is not offered again.
	seen := rv.stillOpen(cur, jobs)
	now := opts.Now()
	var sets [][]*Finding
	sets, out.Seen = newSets(res.Findings, seen)

	// Keep the open entries, moved to where they are now, and drop the
	// resolved ones.
	if err := rv.pruneResolved(ctx, states, cur, jobs); err != nil {
		return nil, err
	}
	for _, fs := range sets {
		if err := rv.offerSet(ctx, cur, fs, branch, now); err != nil {
			return nil, err
		}
		out.Offered += len(fs)
		out.Sets++
	}
	if err := saveStates(dir, states); err != nil {
		return nil, err
	}
	return out, nil
}

// recordOptions checks opts and fills in its defaults (the clock, weight
// 1), and returns them with the branch to record under: opts.Branch, else
// the branch res reviewed.
func recordOptions(res *Result, opts RecordOptions) (RecordOptions, string, error) {
	if opts.DB == nil || opts.Home == "" {
		return opts, "", errors.New("review: record needs a database and a data directory")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Weight <= 0 {
		opts.Weight = 1
	}
	branch := opts.Branch
	if branch == "" {
		branch = res.Branch
	}
	if branch == "" {
		return opts, "", errors.New("review: HEAD is detached; name the branch to record under with --branch")
	}
	return opts, branch, nil
}

// openStates creates (or cleans up after an interrupted write) the review
// state directory under home and loads its states, with the legacy (v1)
// ones still to convert.
func openStates(home string) (dir string, states []*state, legacy []*stateV1, err error) {
	dir = filepath.Join(home, "review")
	if err := atomicfile.MkdirAll(dir); err != nil {
		return "", nil, nil, err
	}
	if err := atomicfile.Clean(dir); err != nil {
		return "", nil, nil, err
	}
	states, legacy, err = loadStates(dir)
	if err != nil {
		return "", nil, nil, err
	}
	return dir, states, legacy, nil
}

// saveStates saves the states this run changed and removes the line files
// no state refers to any more.
func saveStates(dir string, states []*state) error {
	for _, st := range states {
		if st.changed {
			if err := st.save(); err != nil {
				return fmt.Errorf("review: save state: %w", err)
			}
		}
	}
	if err := gcLines(dir, states); err != nil {
		return fmt.Errorf("review: state: %w", err)
	}
	return nil
}

// branchState returns the state of repo's branch among states, adding an
// empty one (saved under dir) when this is the branch's first run.
func branchState(states []*state, dir, repo, branch string) ([]*state, *state) {
	var cur *state
	for _, st := range states {
		if st.Repo == repo && st.Branch == branch {
			cur = st
		}
	}
	if cur == nil {
		cur = &state{Version: stateVersion, Repo: repo, Branch: branch, file: filepath.Join(dir, stateName(repo, branch))}
		states = append(states, cur)
	}
	return states, cur
}

// newSets groups the findings that seen does not know by candidate set,
// in the order their sets first appear, and counts the ones it knows.
func newSets(findings []*Finding, seen func(*Finding) bool) (sets [][]*Finding, known int) {
	index := map[int]int{}
	for _, f := range findings {
		if seen(f) {
			known++
			continue
		}
		i, ok := index[f.Set]
		if !ok {
			i = len(sets)
			index[f.Set] = i
			sets = append(sets, nil)
		}
		sets[i] = append(sets[i], f)
	}
	return sets, known
}

// recordJob is one recorded entry Record resolves in this run: the state
// it belongs to and its verdict.
type recordJob struct {
	st *state
	e  *entry
	v  verdict
}

// recordJobs are the entries resolved in one run, in state order, and the
// job of each entry.
type recordJobs struct {
	list []*recordJob
	of   map[*entry]*recordJob
}

// resolveAll resolves every entry of cur and every entry of the
// repository's other branches whose commit is an ancestor of HEAD.
func (rv *resolver) resolveAll(ctx context.Context, states []*state, cur *state) (recordJobs, error) {
	jobs := recordJobs{of: map[*entry]*recordJob{}}
	for _, st := range states {
		if st.Repo != rv.res.Root {
			continue
		}
		for _, e := range st.Entries {
			if st != cur && (rv.res.Head == "" || !rv.isAncestor(ctx, e.Head, rv.res.Head)) {
				continue
			}
			v, err := rv.resolve(ctx, e)
			if err != nil {
				return jobs, err
			}
			j := &recordJob{st: st, e: e, v: v}
			jobs.list = append(jobs.list, j)
			jobs.of[e] = j
		}
	}
	return jobs, nil
}

// writeResolved marks the alternatives of an accepted suggestion
// superseded, writes the events of every resolved entry, and returns
// what it resolved. Open entries of other branches stay as they are.
func (rv *resolver) writeResolved(ctx context.Context, jobs recordJobs, cur *state) ([]Resolution, error) {
	acceptedSets := map[string]bool{}
	for _, j := range jobs.list {
		if j.v.outcome == OutcomeAccepted {
			acceptedSets[j.e.Set] = true
		}
	}
	var out []Resolution
	for _, j := range jobs.list {
		if j.v.outcome != OutcomeAccepted && acceptedSets[j.e.Set] {
			j.v.outcome = OutcomeSuperseded
		}
		if j.st != cur && j.v.outcome == OutcomeOpen {
			continue // another branch's suggestion, still open there
		}
		if err := rv.write(ctx, j.e, j.v); err != nil {
			return out, err
		}
		out = append(out, Resolution{ID: j.e.ID, Rule: j.e.Rule, Path: j.v.path, Line: j.v.line, Outcome: j.v.outcome})
	}
	return out, nil
}

// stillOpen returns a test that tells whether a finding is one of cur's
// open entries: the same rule at the same region, or, for an entry whose
// region was lost, the same text within its line cluster (found again
// after a whitespace change; the entry then takes the finding's region
// and texts).
func (rv *resolver) stillOpen(cur *state, jobs recordJobs) func(*Finding) bool {
	var openJobs []*recordJob
	for _, e := range cur.Entries {
		if j := jobs.of[e]; j != nil && j.v.outcome == OutcomeOpen && j.v.content != nil {
			openJobs = append(openJobs, j)
		}
	}
	return func(f *Finding) bool {
		for _, j := range openJobs {
			v := &j.v
			if j.e.Rule != f.Rule.ID || v.path != f.Path {
				continue
			}
			if v.region == f.Region {
				return true
			}
			if v.region.Start < 0 && v.cluster.Start <= f.src.lineOf(f.Region.Start) && f.src.lineOf(f.Region.End) < max(v.cluster.End, v.cluster.Start+1) {
				orig, sugg := rv.file(f.Path, f.src.src).regionTexts(f.Region, f.Suggested)
				if !capture.SameSyntax(v.g, j.e.Original, orig) {
					continue
				}
				// Found again after a whitespace change: take its texts.
				v.region = f.Region
				if j.e.Original != "" || j.e.Suggested != "" {
					j.e.Original, j.e.Suggested = orig, sugg
				}
				j.e.OriginalHash, j.e.SuggestedHash = rv.opts.DB.Hash(orig), rv.opts.DB.Hash(sugg)
				return true
			}
		}
		return false
	}
}

// pruneResolved drops the resolved entries from the repository's states
// and moves cur's open entries to where their region is now.
func (rv *resolver) pruneResolved(ctx context.Context, states []*state, cur *state, jobs recordJobs) error {
	for _, st := range states {
		if st.Repo != rv.res.Root {
			continue
		}
		keep := st.Entries[:0]
		for _, e := range st.Entries {
			j := jobs.of[e]
			if j != nil && j.v.outcome != OutcomeOpen {
				st.changed = true
				continue
			}
			if j != nil && st == cur && j.v.content != nil && j.v.region.Start >= 0 {
				if err := rv.repoint(ctx, e, j.v); err != nil {
					return err
				}
				st.changed = true
			}
			keep = append(keep, e)
		}
		st.Entries = keep
	}
	return nil
}

// offerSet offers the findings of one site as one candidate set and adds
// their entries to cur.
func (rv *resolver) offerSet(ctx context.Context, cur *state, fs []*Finding, branch string, now time.Time) error {
	setID := newID("rvs-")
	ss := make([]store.Suggestion, len(fs))
	for i, f := range fs {
		ss[i] = rv.suggestion(ctx, f, newID("rv-"), setID, i, branch, now)
	}
	if _, err := rv.opts.DB.Offer(ctx, rv.opts.Weight, ss...); err != nil {
		return err
	}
	for i, f := range fs {
		e, err := rv.newEntry(f, ss[i], now)
		if err != nil {
			return err
		}
		cur.Entries = append(cur.Entries, e)
	}
	cur.changed = true
	return nil
}

// verdict is the outcome of one entry and, for an open one, where its
// region is now.
type verdict struct {
	outcome string
	final   string // the code now, for edited
	path    string
	line    int
	// For an unchanged region: the current content and the region in it.
	content []byte
	region  rules.Span // {-1, -1} when only whitespace or comments moved it
	cluster LineRange  // the lines of the region now
	g       syntax.Grammar
}

type resolver struct {
	res       *Result
	opts      RecordOptions
	dir       string
	br        *blobReader
	mac       macFunc
	macer     macerFunc
	tips      map[string]string            // base branch -> commit
	renames   map[string]map[string]string // commit -> old path -> new path
	ancestors map[string]bool
	base      map[string][]byte
	files     map[string]*redFile // path -> the working tree's file, redacted
}

// file returns the redacted form of a working-tree file this run read.
func (rv *resolver) file(path string, src []byte) *redFile {
	f, ok := rv.files[path]
	if !ok || !bytes.Equal(f.raw.src, src) {
		f = newRedFile(src)
		rv.files[path] = f
	}
	return f
}

func (rv *resolver) isAncestor(ctx context.Context, a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	k := a + ".." + b
	v, ok := rv.ancestors[k]
	if !ok {
		v = rv.res.Git.IsAncestor(ctx, a, b)
		rv.ancestors[k] = v
	}
	return v
}

// recorded returns the file an entry was recorded in, read back from the
// commit it was recorded at, when that version is the one recorded (its
// keyed hash matches); nil when it is not there (an uncommitted change).
func (rv *resolver) recorded(e *entry) *redFile {
	b, ok, err := rv.br.read(e.Head+":"+e.Path, defaultMaxFileBytes)
	if err != nil || !ok || e.Head == "" {
		return nil
	}
	f := newRedFile(b)
	if h, err := f.fileHash(rv.mac); err != nil || h != e.File {
		return nil
	}
	return f
}

// regionIn returns an entry's region in a file version it was recorded in
// (its raw byte offsets), false if the file does not have those lines.
func regionIn(e *entry, ls *lines) (rules.Span, bool) {
	if e.Lines[0] < 0 || e.Lines[1] <= e.Lines[0] || e.Lines[1] > ls.n() {
		return rules.Span{}, false
	}
	a := ls.start(e.Lines[0]) + e.Cols[0]
	b := ls.start(e.Lines[1]-1) + e.Cols[1]
	if a > b || b > len(ls.src) || a > ls.start(e.Lines[0]+1) {
		return rules.Span{}, false
	}
	return rules.Span{Start: a, End: b}, true
}

// texts returns an entry's redacted original and suggested texts: those
// kept with code storage on, else recomputed from the recorded file (old)
// and checked against the kept hashes.
func (rv *resolver) texts(ctx context.Context, e *entry, old *redFile) (string, string, bool) {
	if e.Original != "" || e.Suggested != "" {
		return e.Original, e.Suggested, true
	}
	if rv.opts.Library == nil || old == nil {
		return "", "", false
	}
	region, ok := regionIn(e, old.raw)
	if !ok {
		return "", "", false
	}
	an := &analyzer{lib: rv.opts.Library, migrationSites: true}
	found, err := an.analyze(ctx, grammarFor(e.Path), e.Path, old.raw.src, old.raw, []LineRange{old.raw.spanLines(region.Start, region.End)})
	if err != nil {
		return "", "", false
	}
	for _, f := range found {
		if f.Rule.ID != e.Rule || f.Region != region {
			continue
		}
		orig, sugg := old.regionTexts(f.Region, f.Suggested)
		if rv.opts.DB.Hash(orig) == e.OriginalHash && rv.opts.DB.Hash(sugg) == e.SuggestedHash {
			return orig, sugg, true
		}
	}
	return "", "", false
}

// renamed returns where path (as of commit) is in the working tree now,
// following renames; "" when it is gone.
func (rv *resolver) renamed(ctx context.Context, commit, path string) string {
	m, ok := rv.renames[commit]
	if !ok {
		m = map[string]string{}
		out, err := rv.res.Git.outputBytes(ctx, "diff", "--name-status", "-z", "-M", "--no-relative", commit, "--")
		if err == nil {
			f := strings.Split(string(out), "\x00")
			for i := 0; i < len(f); i++ {
				if strings.HasPrefix(f[i], "R") && i+2 < len(f) {
					m[f[i+1]] = f[i+2]
					i += 2
				}
			}
		}
		rv.renames[commit] = m
	}
	return m[path]
}

// resolve decides what became of one entry. Lines are compared by their
// keyed hashes (the state keeps nothing else of the file), texts in their
// redacted form.
func (rv *resolver) resolve(ctx context.Context, e *entry) (verdict, error) {
	v := verdict{outcome: OutcomeGone, path: e.Path, line: e.Line}
	oldKeys, ok := readLines(rv.dir, e.File)
	if !ok || e.Lines[1] > len(oldKeys) || e.Lines[0] >= e.Lines[1] {
		return v, nil
	}
	var old *redFile // the recorded version, read from git when needed
	oldRead := false
	recorded := func() *redFile {
		if !oldRead {
			old, oldRead = rv.recorded(e), true
		}
		return old
	}
	if e.Original == "" && e.Suggested == "" {
		recorded()
	}
	orig, sugg, ok := rv.texts(ctx, e, old)
	if !ok {
		return v, nil
	}
	cur, ok, err := rv.current(ctx, e, &v)
	if !ok || err != nil {
		return v, err
	}
	g := grammarFor(v.path)
	v.g = g
	cf := rv.file(v.path, cur)
	curKeys, err := cf.lineKeys(rv.macer)
	if err != nil {
		return v, err
	}
	rl := LineRange{e.Lines[0], e.Lines[1]}
	c := clusterAround(keyDiff(oldKeys, curKeys), rl)
	if !c.Touched {
		cl := cf.raw
		start := cl.start(c.New.Start) + e.Cols[0]
		end := cl.start(c.New.Start+rl.Len()-1) + e.Cols[1]
		v.content, v.region = cur, rules.Span{Start: min(start, len(cur)), End: min(max(end, start), len(cur))}
		v.line, v.cluster = c.New.Start+1, c.New
		v.outcome = OutcomeOpen
		if rv.reachedBase(ctx, e, v.path, oldKeys, rl) {
			v.outcome = OutcomeIgnored
		}
		return v, nil
	}
	v.line = c.New.Start + 1
	now := string(cf.kl.text(c.New))
	oldText, expected, known := rv.oldCluster(e, c.Old, sugg, recorded)
	switch {
	case known && capture.SameSyntax(g, expected, now):
		v.outcome = OutcomeAccepted
	case known && capture.SameSyntax(g, oldText, now):
		// Only whitespace or comments changed: still open, at a place
		// known to the line.
		v.outcome, v.content, v.region, v.cluster = OutcomeOpen, cur, rules.Span{Start: -1, End: -1}, c.New
	case containsTokens(g, now, sugg) && !containsTokens(g, now, orig):
		v.outcome = OutcomeAccepted // the fix, with other changes around it
	case !known && containsTokens(g, now, orig):
		// The lines around changed but the site still reads as before,
		// and what else changed is not known: still open.
		v.outcome, v.content, v.region, v.cluster = OutcomeOpen, cur, rules.Span{Start: -1, End: -1}, c.New
	default:
		v.outcome, v.final = OutcomeEdited, now
	}
	return v, nil
}

// current reads the entry's file as it is in the work tree now, following
// a rename (then v.path is the new path). ok is false, with no error, when
// the file is gone, is not a regular file or is too large: the work tree
// is read through safeio, so a file swapped for a FIFO or a device is not
// read, and counts as gone.
func (rv *resolver) current(ctx context.Context, e *entry, v *verdict) (cur []byte, ok bool, err error) {
	cur, err = safeio.ReadFile(filepath.Join(rv.res.Root, filepath.FromSlash(e.Path)), defaultMaxFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		p := rv.renamed(ctx, e.Head, e.Path)
		if p == "" {
			return nil, false, nil
		}
		v.path = p
		cur, err = safeio.ReadFile(filepath.Join(rv.res.Root, filepath.FromSlash(p)), defaultMaxFileBytes)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, safeio.ErrNotRegular) || errors.Is(err, safeio.ErrTooLarge) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return cur, true, nil
}

// oldCluster returns the redacted text of the recorded lines c and that
// text with the entry's region replaced by the fix, from the entry's hunk
// when it covers c, else from the recorded file in git; known is false
// when neither has them.
func (rv *resolver) oldCluster(e *entry, c LineRange, sugg string, recorded func() *redFile) (text, expected string, known bool) {
	if e.Hunk != "" {
		h := newLines([]byte(e.Hunk))
		from, to := c.Start-e.HunkLine, c.End-e.HunkLine
		if from >= 0 && to <= h.n() && e.HunkRegion[1] <= len(e.Hunk) {
			a, b := h.start(from), h.start(to)
			if a <= e.HunkRegion[0] && e.HunkRegion[1] <= b {
				return e.Hunk[a:b], e.Hunk[a:e.HunkRegion[0]] + sugg + e.Hunk[e.HunkRegion[1]:b], true
			}
		}
	}
	old := recorded()
	if old == nil {
		return "", "", false
	}
	region, ok := regionIn(e, old.raw)
	if !ok || c.End > old.kl.n() {
		return "", "", false
	}
	a, b := old.kl.start(c.Start), old.kl.start(c.End)
	ra, rb := old.off(region.Start, false), old.off(region.End, true)
	if ra < a || rb > b {
		return "", "", false
	}
	src := string(old.kl.src)
	return src[a:b], src[a:ra] + sugg + src[rb:b], true
}

// reachedBase reports whether the entry's region is in the base branch's
// version of the file, unchanged, and got there after it was offered (it
// was not there already, or the commit it was offered at is merged).
func (rv *resolver) reachedBase(ctx context.Context, e *entry, path string, oldKeys []string, rl LineRange) bool {
	if e.BaseBranch == "" {
		return false
	}
	tip, ok := rv.tips[e.BaseBranch]
	if !ok {
		tip, _ = rv.res.Git.Commit(ctx, e.BaseBranch)
		rv.tips[e.BaseBranch] = tip
	}
	if tip == "" {
		return false
	}
	if rv.base == nil {
		rv.base = map[string][]byte{}
	}
	k := tip + ":" + path
	b, ok := rv.base[k]
	if !ok {
		data, found, err := rv.br.read(k, defaultMaxFileBytes)
		if err != nil || !found {
			data = nil
		}
		rv.base[k], b = data, data
	}
	if b == nil {
		return false
	}
	baseKeys, err := newRedFile(b).lineKeys(rv.macer)
	if err != nil || clusterAround(keyDiff(oldKeys, baseKeys), rl).Touched {
		return false
	}
	return !e.BaseHad || rv.isAncestor(ctx, e.Head, tip)
}

// write records the events and preferences of a resolved entry.
func (rv *resolver) write(ctx context.Context, e *entry, v verdict) error {
	var outcome store.Outcome
	switch v.outcome {
	case OutcomeAccepted:
		outcome = store.Kept
	case OutcomeEdited:
		outcome = store.Edited
	case OutcomeIgnored:
		outcome = store.Ignored
	default:
		return nil
	}
	db := rv.opts.DB
	s, err := db.Suggestion(ctx, e.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // forgotten since: nothing to attach the outcome to
	}
	if err != nil {
		return err
	}
	// An outcome written by a run that stopped before saving its state is
	// not written twice.
	done := false
	err = db.Events(ctx, store.EventFilter{SuggestionID: e.ID}, func(ev store.Event) error {
		switch ev.Outcome {
		case store.Kept, store.Edited, store.Ignored, store.Undone, store.Dismissed:
			done = true
		}
		return nil
	})
	if err != nil || done {
		return err
	}
	set, err := db.CandidateSet(ctx, s.CandidateSet)
	if err != nil {
		return err
	}
	ev := store.Event{SuggestionID: e.ID, At: rv.opts.Now(), Persona: rv.opts.Persona, PersonaWeight: rv.opts.Weight}
	var acc int64
	if outcome == store.Kept {
		a := ev
		a.Outcome = store.Accepted
		if acc, err = db.AddEvent(ctx, a); err != nil {
			return err
		}
	}
	ev.Outcome = outcome
	ev.FinalText = v.final
	_, _, err = db.RecordOutcome(ctx, ev, capture.Derive(outcome, s, set, ev, acc)...)
	return err
}

// repoint moves an open entry to the current content, so that the next run
// compares with what the code is now. With code storage off it moves only
// when the file is committed as it is (the state keeps no text, and the
// recorded version must be readable from git).
func (rv *resolver) repoint(ctx context.Context, e *entry, v verdict) error {
	cf := rv.file(v.path, v.content)
	sum, err := cf.fileHash(rv.mac)
	if err != nil {
		return err
	}
	if sum == e.File && e.Path == v.path {
		return nil
	}
	if !rv.opts.StoreCode {
		b, ok, err := rv.br.read(rv.res.Head+":"+v.path, defaultMaxFileBytes)
		if err != nil || !ok || !bytes.Equal(b, v.content) {
			return nil
		}
	}
	if err := rv.place(e, cf, sum, v.region); err != nil {
		return err
	}
	e.Path, e.Head, e.Line = v.path, rv.res.Head, v.line
	return nil
}

// place records where an entry's region is in a file version: its line
// hashes (written once per version), lines and columns, and, with code
// storage on, its hunk.
func (rv *resolver) place(e *entry, f *redFile, sum string, region rules.Span) error {
	keys, err := f.lineKeys(rv.macer)
	if err != nil {
		return err
	}
	if err := writeLines(rv.dir, sum, keys); err != nil {
		return err
	}
	rl := f.raw.spanLines(region.Start, region.End)
	e.File = sum
	e.Lines = [2]int{rl.Start, rl.End}
	e.Cols = [2]int{region.Start - f.raw.start(rl.Start), region.End - f.raw.start(rl.End-1)}
	e.Hunk, e.HunkLine, e.HunkRegion = "", 0, [2]int{}
	if rv.opts.StoreCode {
		w := LineRange{max(0, rl.Start-hunkContext), min(f.kl.n(), rl.End+hunkContext)}
		base := f.kl.start(w.Start)
		e.Hunk, e.HunkLine = string(f.kl.text(w)), w.Start
		e.HunkRegion = [2]int{f.off(region.Start, false) - base, f.off(region.End, true) - base}
	}
	return nil
}

// reviewFeatures is the features column of a review suggestion: the
// policy's candidate (what json.Marshal(model.Candidate) gives) and where
// the suggestion was made.
type reviewFeatures struct {
	model.Candidate
	Review *reviewContext `json:"review,omitempty"`
	Git    *gitContext    `json:"git,omitempty"`
}

type reviewContext struct {
	Repo   string `json:"repo"`
	Branch string `json:"branch"`
	Head   string `json:"head"`
	Base   string `json:"base"`
	Path   string `json:"path"`
	Line   int    `json:"line"`
}

func (rv *resolver) suggestion(ctx context.Context, f *Finding, id, setID string, rank int, branch string, now time.Time) store.Suggestion {
	res := rv.res
	s, e := f.Start(), f.End()
	path := f.Path
	if !rv.opts.StoreCode {
		path = "hmac-sha256:" + rv.opts.DB.Hash(path) // like the store's document column
	}
	feats, _ := json.Marshal(reviewFeatures{Candidate: f.Candidate, Review: &reviewContext{
		Repo: res.Root, Branch: branch, Head: res.Head, Base: res.Base, Path: path, Line: s.Line,
	}})
	orig, sugg := rv.file(f.Path, f.src.src).regionTexts(f.Region, f.Suggested)
	return store.Suggestion{
		ID: id, CreatedAt: now, Workspace: res.Root, Document: filepath.Join(res.Root, filepath.FromSlash(f.Path)),
		Language: f.Rule.Language, RuleID: f.Rule.ID, Category: f.Rule.Category, Title: f.Rule.Title,
		Range: store.Range{
			Start: store.Position{Line: s.Line - 1, Character: s.Column - 1},
			End:   store.Position{Line: e.Line - 1, Character: e.Column - 1},
		},
		Features: feats, CandidateSet: setID, Rank: rank, PolicyVersion: res.PolicyVersion, Score: f.Score,
		Trigger: store.Review, Persona: rv.opts.Persona,
		OriginalText: orig, SuggestedText: sugg,
		RuleSource: f.Rule.Source, RuleSHA256: f.Rule.SHA256,
	}
}

func (rv *resolver) newEntry(f *Finding, s store.Suggestion, now time.Time) (*entry, error) {
	res := rv.res
	cf := res.changed[f.Path]
	e := &entry{
		ID: s.ID, Set: s.CandidateSet, Rule: f.Rule.ID, Path: f.Path, Line: f.src.pos(f.Region.Start).Line,
		Head: res.Head, BaseBranch: res.BaseBranch, Offered: now,
	}
	rf := rv.file(f.Path, f.src.src)
	sum, err := rf.fileHash(rv.mac)
	if err != nil {
		return nil, err
	}
	if err := rv.place(e, rf, sum, f.Region); err != nil {
		return nil, err
	}
	orig, sugg := rf.regionTexts(f.Region, f.Suggested)
	e.OriginalHash, e.SuggestedHash = rv.opts.DB.Hash(orig), rv.opts.DB.Hash(sugg)
	if cf != nil && cf.diff != nil && !cf.diff.Untracked && cf.diff.OldPath != "" {
		rl := f.src.spanLines(f.Region.Start, f.Region.End)
		e.BaseHad = !clusterAround(invert(cf.diff.Hunks), rl).Touched
	}
	if rv.opts.StoreCode {
		e.Original, e.Suggested = orig, sugg
	}
	return e, nil
}

// containsTokens reports whether the code tokens of part (leaf texts,
// comments left out) appear, in a row, among those of whole.
func containsTokens(g syntax.Grammar, whole, part string) bool {
	w, p := leafTexts(g, whole), leafTexts(g, part)
	if len(p) == 0 {
		return false
	}
	for i := 0; i+len(p) <= len(w); i++ {
		match := true
		for k := range p {
			if w[i+k] != p[k] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// leafTexts returns the texts of the leaves of s's syntax tree, comments
// left out (syntax.Tokens); without a grammar, its whitespace-separated
// fields.
func leafTexts(g syntax.Grammar, s string) []string {
	if g == "" {
		return strings.Fields(s)
	}
	toks, err := syntax.Tokens(g, []byte(s))
	if err != nil {
		return strings.Fields(s)
	}
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}
