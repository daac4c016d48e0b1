package review

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// The review state lives in $SYNTX_HOME/review/: one JSON file per
// repository and branch (named by a hash of both) listing the suggestions
// `review --record` offered that have no outcome yet, and, when code
// storage is on, gzipped snapshots of the files they were found in
// (snapshots/<sha256>.gz). With code storage off the state keeps only
// hashes, and the file is read back from the commit it was recorded at.

const stateVersion = 1

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
	// Head is HEAD when the entry was last seen, File the SHA-256 of the
	// file's content then, and Region the span the fix rewrites in it.
	Head   string `json:"head"`
	File   string `json:"file_sha256"`
	Region [2]int `json:"region"`
	// BaseBranch is the branch the change goes to; BaseHad says whether
	// the region was already there, unchanged, when the suggestion was
	// offered.
	BaseBranch string `json:"base_branch,omitempty"`
	BaseHad    bool   `json:"base_had,omitempty"`
	// The texts of the region before and after the fix: kept only with
	// code storage on; the hashes always.
	OriginalSHA256  string    `json:"original_sha256"`
	SuggestedSHA256 string    `json:"suggested_sha256"`
	Original        string    `json:"original,omitempty"`
	Suggested       string    `json:"suggested,omitempty"`
	Offered         time.Time `json:"offered"`
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func stateName(repo, branch string) string {
	return sha(fmt.Appendf(nil, "%s\x00%s", repo, branch))[:20] + ".json"
}

// loadStates reads every state file in dir.
func loadStates(dir string) ([]*state, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*state
	for _, de := range ents {
		if de.IsDir() || filepath.Ext(de.Name()) != ".json" {
			continue
		}
		p := filepath.Join(dir, de.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var st state
		if err := json.Unmarshal(b, &st); err != nil || st.Version != stateVersion {
			continue // not ours, or from another version: left alone
		}
		st.file = p
		out = append(out, &st)
	}
	return out, nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, mode 0600.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (st *state) save() error {
	if len(st.Entries) == 0 {
		err := os.Remove(st.file)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	sort.SliceStable(st.Entries, func(i, j int) bool {
		a, b := st.Entries[i], st.Entries[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Region[0] < b.Region[0]
	})
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(st.file, b)
}

func snapshotPath(dir, sum string) string { return filepath.Join(dir, "snapshots", sum+".gz") }

func writeSnapshot(dir string, content []byte) error {
	p := snapshotPath(dir, sha(content))
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(content)
	if err := zw.Close(); err != nil {
		return err
	}
	return writeFileAtomic(p, buf.Bytes())
}

func readSnapshot(dir, sum string) ([]byte, bool) {
	f, err := os.Open(snapshotPath(dir, sum))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, false
	}
	b, err := io.ReadAll(zr)
	if err != nil || sha(b) != sum {
		return nil, false
	}
	return b, true
}

// gcSnapshots removes the snapshots no state refers to.
func gcSnapshots(dir string, states []*state) {
	keep := map[string]bool{}
	for _, st := range states {
		for _, e := range st.Entries {
			keep[e.File+".gz"] = true
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, "snapshots"))
	if err != nil {
		return
	}
	for _, de := range ents {
		if !keep[de.Name()] {
			os.Remove(filepath.Join(dir, "snapshots", de.Name()))
		}
	}
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
	if opts.DB == nil || opts.Home == "" {
		return nil, errors.New("review: record needs a database and a data directory")
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
		return nil, errors.New("review: HEAD is detached; name the branch to record under with --branch")
	}
	dir := filepath.Join(opts.Home, "review")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	states, err := loadStates(dir)
	if err != nil {
		return nil, err
	}
	var cur *state
	for _, st := range states {
		if st.Repo == res.Root && st.Branch == branch {
			cur = st
		}
	}
	if cur == nil {
		cur = &state{Version: stateVersion, Repo: res.Root, Branch: branch, file: filepath.Join(dir, stateName(res.Root, branch))}
		states = append(states, cur)
	}
	br, err := res.Git.blobs(ctx)
	if err != nil {
		return nil, err
	}
	defer br.close()
	rv := &resolver{res: res, opts: opts, dir: dir, br: br,
		tips: map[string]string{}, renames: map[string]map[string]string{}, ancestors: map[string]bool{}}
	out := &RecordResult{Branch: branch}

	// Resolve what this branch offered before, then what other branches
	// offered from commits that are now part of HEAD.
	type job struct {
		st *state
		e  *entry
		v  verdict
	}
	var jobs []*job
	jobOf := map[*entry]*job{}
	for _, st := range states {
		if st.Repo != res.Root {
			continue
		}
		for _, e := range st.Entries {
			if st != cur && (res.Head == "" || !rv.isAncestor(ctx, e.Head, res.Head)) {
				continue
			}
			v, err := rv.resolve(ctx, e)
			if err != nil {
				return nil, err
			}
			j := &job{st: st, e: e, v: v}
			jobs = append(jobs, j)
			jobOf[e] = j
		}
	}
	acceptedSets := map[string]bool{}
	for _, j := range jobs {
		if j.v.outcome == OutcomeAccepted {
			acceptedSets[j.e.Set] = true
		}
	}
	for _, j := range jobs {
		if j.v.outcome != OutcomeAccepted && acceptedSets[j.e.Set] {
			j.v.outcome = OutcomeSuperseded
		}
		if j.st != cur && j.v.outcome == OutcomeOpen {
			continue // another branch's suggestion, still open there
		}
		if err := rv.write(ctx, j.e, j.v); err != nil {
			return nil, err
		}
		out.Resolutions = append(out.Resolutions, Resolution{ID: j.e.ID, Rule: j.e.Rule, Path: j.v.path, Line: j.v.line, Outcome: j.v.outcome})
	}

	// Offer what is new; a suggestion offered before that is still open
	// at the same place is not offered again.
	var openJobs []*job
	for _, e := range cur.Entries {
		if j := jobOf[e]; j != nil && j.v.outcome == OutcomeOpen && j.v.content != nil {
			openJobs = append(openJobs, j)
		}
	}
	seen := func(f *Finding) bool {
		for _, j := range openJobs {
			v := &j.v
			if j.e.Rule != f.Rule.ID || v.path != f.Path {
				continue
			}
			if v.region == f.Region {
				return true
			}
			if v.region.Start < 0 && v.cluster.Start <= f.src.lineOf(f.Region.Start) && f.src.lineOf(f.Region.End) < max(v.cluster.End, v.cluster.Start+1) &&
				capture.SameSyntax(v.g, j.e.Original, f.Original) {
				// Found again after a whitespace change: take its texts.
				v.region = f.Region
				if j.e.Original != "" || j.e.Suggested != "" {
					j.e.Original, j.e.Suggested = f.Original, f.Suggested
				}
				j.e.OriginalSHA256, j.e.SuggestedSHA256 = sha([]byte(f.Original)), sha([]byte(f.Suggested))
				return true
			}
		}
		return false
	}
	now := opts.Now()
	sets := map[int][]*Finding{}
	var order []int
	for _, f := range res.Findings {
		if seen(f) {
			out.Seen++
			continue
		}
		if _, ok := sets[f.Set]; !ok {
			order = append(order, f.Set)
		}
		sets[f.Set] = append(sets[f.Set], f)
	}

	// Keep the open entries, moved to where they are now, and drop the
	// resolved ones.
	for _, st := range states {
		if st.Repo != res.Root {
			continue
		}
		keep := st.Entries[:0]
		for _, e := range st.Entries {
			j := jobOf[e]
			if j != nil && j.v.outcome != OutcomeOpen {
				st.changed = true
				continue
			}
			if j != nil && st == cur && j.v.content != nil && j.v.region.Start >= 0 {
				if err := rv.repoint(ctx, e, j.v); err != nil {
					return nil, err
				}
				st.changed = true
			}
			keep = append(keep, e)
		}
		st.Entries = keep
	}

	for _, n := range order {
		fs := sets[n]
		setID := newID("rvs-")
		ss := make([]store.Suggestion, len(fs))
		for i, f := range fs {
			ss[i] = rv.suggestion(f, newID("rv-"), setID, i, branch, now)
		}
		if _, err := opts.DB.Offer(ctx, opts.Weight, ss...); err != nil {
			return nil, err
		}
		for i, f := range fs {
			e, err := rv.newEntry(f, ss[i], now)
			if err != nil {
				return nil, err
			}
			cur.Entries = append(cur.Entries, e)
		}
		cur.changed = true
		out.Offered += len(fs)
		out.Sets++
	}
	for _, st := range states {
		if st.changed {
			if err := st.save(); err != nil {
				return nil, fmt.Errorf("review: save state: %w", err)
			}
		}
	}
	gcSnapshots(dir, states)
	return out, nil
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
	tips      map[string]string            // base branch -> commit
	renames   map[string]map[string]string // commit -> old path -> new path
	ancestors map[string]bool
	base      map[string][]byte
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

// content returns the file an entry was recorded in: its snapshot, or the
// file at the recorded commit when it has the recorded hash.
func (rv *resolver) content(e *entry) ([]byte, bool) {
	if b, ok := readSnapshot(rv.dir, e.File); ok {
		return b, true
	}
	b, ok, err := rv.br.read(e.Head+":"+e.Path, defaultMaxFileBytes)
	if err != nil || !ok || sha(b) != e.File {
		return nil, false
	}
	return b, true
}

// texts returns an entry's original and suggested texts, recomputing them
// from the old content when they were not kept.
func (rv *resolver) texts(ctx context.Context, e *entry, old []byte, ls *lines) (string, string, bool) {
	if e.Original != "" || e.Suggested != "" {
		return e.Original, e.Suggested, true
	}
	if rv.opts.Library == nil || e.Region[1] > len(old) {
		return "", "", false
	}
	an := &analyzer{lib: rv.opts.Library}
	found, err := an.analyze(ctx, grammarFor(e.Path), e.Path, old, ls, []LineRange{ls.spanLines(e.Region[0], e.Region[1])})
	if err != nil {
		return "", "", false
	}
	for _, f := range found {
		if f.Rule.ID == e.Rule && f.Region.Start == e.Region[0] && f.Region.End == e.Region[1] &&
			sha([]byte(f.Original)) == e.OriginalSHA256 && sha([]byte(f.Suggested)) == e.SuggestedSHA256 {
			return f.Original, f.Suggested, true
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

// resolve decides what became of one entry.
func (rv *resolver) resolve(ctx context.Context, e *entry) (verdict, error) {
	v := verdict{outcome: OutcomeGone, path: e.Path, line: e.Line}
	old, ok := rv.content(e)
	if !ok || e.Region[1] > len(old) || e.Region[0] > e.Region[1] {
		return v, nil
	}
	ol := newLines(old)
	orig, sugg, ok := rv.texts(ctx, e, old, ol)
	if !ok {
		return v, nil
	}
	cur, err := os.ReadFile(filepath.Join(rv.res.Root, filepath.FromSlash(e.Path)))
	if errors.Is(err, fs.ErrNotExist) {
		p := rv.renamed(ctx, e.Head, e.Path)
		if p == "" {
			return v, nil
		}
		v.path = p
		cur, err = os.ReadFile(filepath.Join(rv.res.Root, filepath.FromSlash(p)))
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return v, nil
		}
		return v, err
	}
	g := grammarFor(v.path)
	v.g = g
	cl := newLines(cur)
	region := rules.Span{Start: e.Region[0], End: e.Region[1]}
	rl := ol.spanLines(region.Start, region.End)
	c := clusterAround(lineDiff(ol, cl), rl)
	if !c.Touched {
		shift := cl.start(c.New.Start) - ol.start(rl.Start)
		v.content, v.region = cur, rules.Span{Start: region.Start + shift, End: region.End + shift}
		v.line, v.cluster = c.New.Start+1, c.New
		v.outcome = OutcomeOpen
		if rv.reachedBase(ctx, e, v.path, ol, rl) {
			v.outcome = OutcomeIgnored
		}
		return v, nil
	}
	v.line = c.New.Start + 1
	oldText := string(ol.text(c.Old))
	now := string(cl.text(c.New))
	expected := replaceIn(ol, c.Old, region, sugg)
	switch {
	case capture.SameSyntax(g, expected, now):
		v.outcome = OutcomeAccepted
	case capture.SameSyntax(g, oldText, now):
		// Only whitespace or comments changed: still open, at a place
		// known to the line.
		v.outcome, v.content, v.region, v.cluster = OutcomeOpen, cur, rules.Span{Start: -1, End: -1}, c.New
	case containsTokens(g, now, sugg) && !containsTokens(g, now, orig):
		v.outcome = OutcomeAccepted // the fix, with other changes around it
	default:
		v.outcome, v.final = OutcomeEdited, now
	}
	return v, nil
}

// reachedBase reports whether the entry's region is in the base branch's
// version of the file, unchanged, and got there after it was offered (it
// was not there already, or the commit it was offered at is merged).
func (rv *resolver) reachedBase(ctx context.Context, e *entry, path string, ol *lines, rl LineRange) bool {
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
	if clusterAround(lineDiff(ol, newLines(b)), rl).Touched {
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
// when the file is committed as it is (the state keeps no copy).
func (rv *resolver) repoint(ctx context.Context, e *entry, v verdict) error {
	sum := sha(v.content)
	if sum == e.File && e.Path == v.path {
		return nil
	}
	if rv.opts.StoreCode {
		if err := writeSnapshot(rv.dir, v.content); err != nil {
			return err
		}
	} else {
		b, ok, err := rv.br.read(rv.res.Head+":"+v.path, defaultMaxFileBytes)
		if err != nil || !ok || sha(b) != sum {
			return nil
		}
	}
	e.Path, e.File, e.Head = v.path, sum, rv.res.Head
	e.Region = [2]int{v.region.Start, v.region.End}
	e.Line = v.line
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

func (rv *resolver) suggestion(f *Finding, id, setID string, rank int, branch string, now time.Time) store.Suggestion {
	res := rv.res
	s, e := f.Start(), f.End()
	feats, _ := json.Marshal(reviewFeatures{Candidate: f.Candidate, Review: &reviewContext{
		Repo: res.Root, Branch: branch, Head: res.Head, Base: res.Base, Path: f.Path, Line: s.Line,
	}})
	return store.Suggestion{
		ID: id, CreatedAt: now, Workspace: res.Root, Document: filepath.Join(res.Root, filepath.FromSlash(f.Path)),
		Language: f.Rule.Language, RuleID: f.Rule.ID, Category: f.Rule.Category, Title: f.Rule.Title,
		Range: store.Range{
			Start: store.Position{Line: s.Line - 1, Character: s.Column - 1},
			End:   store.Position{Line: e.Line - 1, Character: e.Column - 1},
		},
		Features: feats, CandidateSet: setID, Rank: rank, PolicyVersion: res.PolicyVersion, Score: f.Score,
		Trigger: store.Review, Persona: rv.opts.Persona,
		OriginalText: f.Original, SuggestedText: f.Suggested,
	}
}

func (rv *resolver) newEntry(f *Finding, s store.Suggestion, now time.Time) (*entry, error) {
	res := rv.res
	cf := res.changed[f.Path]
	e := &entry{
		ID: s.ID, Set: s.CandidateSet, Rule: f.Rule.ID, Path: f.Path, Line: f.src.pos(f.Region.Start).Line,
		Head: res.Head, File: sha(f.src.src), Region: [2]int{f.Region.Start, f.Region.End},
		BaseBranch:     res.BaseBranch,
		OriginalSHA256: sha([]byte(f.Original)), SuggestedSHA256: sha([]byte(f.Suggested)),
		Offered: now,
	}
	if cf != nil && cf.diff != nil && !cf.diff.Untracked && cf.diff.OldPath != "" {
		rl := f.src.spanLines(f.Region.Start, f.Region.End)
		e.BaseHad = !clusterAround(invert(cf.diff.Hunks), rl).Touched
	}
	if rv.opts.StoreCode {
		e.Original, e.Suggested = f.Original, f.Suggested
		if err := writeSnapshot(rv.dir, f.src.src); err != nil {
			return nil, err
		}
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
