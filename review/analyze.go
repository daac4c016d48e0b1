package review

import (
	"bytes"
	"context"
	"path/filepath"
	"sort"
	"strings"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// Finding is one suggestion: a rule matching at a site, with its fix.
type Finding struct {
	Path    string // slash path relative to the repository root
	Grammar syntax.Grammar
	Rule    *rules.Rule
	Site    rules.Span
	// Edits is the whole fix, sorted (imports included).
	Edits []rules.TextEdit
	// Region is the span the edits near the site rewrite (imports and other
	// far edits left out); Original is its text and Suggested what the fix
	// makes of it.
	Region    rules.Span
	Original  string
	Suggested string
	Candidate model.Candidate
	Score     float64
	// Unsafe: the fix may change what the code does (Rule.Check says what
	// to verify).
	Unsafe bool
	// Suppression is a suppression comment that the reviewed change itself
	// added to silence this finding: a change cannot silence its own
	// review, so the finding stays (and counts for --fail-on). A comment
	// already there before the change silences the finding.
	Suppression string
	// Set groups the findings at one site (same path and site span); it is
	// filled in by Run.
	Set int

	src *lines
}

// Position is a place in a file: 1-based line, and 1-based columns in
// UTF-16 code units and in UTF-8 bytes.
type Position struct {
	Line, Column, ByteColumn int
}

// pos returns the position of byte offset off.
func (l *lines) pos(off int) Position {
	off = min(max(off, 0), len(l.src))
	line := l.lineOf(off)
	start := l.start(line)
	return Position{Line: line + 1, Column: syntax.UTF16Len(l.src[start:off]) + 1, ByteColumn: off - start + 1}
}

// Start returns where the site starts.
func (f *Finding) Start() Position { return f.src.pos(f.Site.Start) }

// End returns where the site ends (exclusive).
func (f *Finding) End() Position { return f.src.pos(f.Site.End) }

// Pos converts a byte offset of the finding's file.
func (f *Finding) Pos(off int) Position { return f.src.pos(off) }

// analyzer runs the rules over files.
type analyzer struct {
	lib     *rules.Library
	persona string
	root    string // joined with paths for the features' file role
	// chunkOver, when positive, makes analyze parse only the top-level
	// blocks around the wanted lines of files larger than this many bytes.
	chunkOver int
	fallbacks int // files where some block needed the whole file's parse
	// projects gives each file's declared target (nil: none).
	projects *rules.Projects
	// migrationSites reports the sites of migration rules too.
	migrationSites bool
}

// analyze parses src and returns the matches of g's rules whose site
// touches one of the lines want (every line when want is nil), each with
// its fix. Matches whose fix fails or is empty are left out.
func (a *analyzer) analyze(ctx context.Context, g syntax.Grammar, path string, src []byte, ls *lines, want []LineRange) ([]*Finding, error) {
	if len(a.lib.Set(g).Rules()) == 0 {
		return nil, nil
	}
	if want != nil && a.chunkOver > 0 && len(src) > a.chunkOver {
		return a.analyzeChunks(ctx, g, path, src, ls, want)
	}
	tree, err := syntax.Parse(ctx, g, src)
	if err != nil {
		return nil, err
	}
	defer tree.Close()
	return a.match(ctx, g, path, src, ls, tree, 0, src, want), nil
}

// analyzeChunks parses only the top-level blocks that hold the wanted
// lines, each on its own. A block that does not parse cleanly on its own
// (a raw string reaching the first column, say) is matched in a parse of
// the whole file instead.
func (a *analyzer) analyzeChunks(ctx context.Context, g syntax.Grammar, path string, src []byte, ls *lines, want []LineRange) ([]*Finding, error) {
	var out []*Finding
	var rest []LineRange
	for _, c := range enclosingChunks(ls, want) {
		off := ls.start(c.Start)
		part := src[off:ls.start(c.End)]
		tree, err := syntax.Parse(ctx, g, part)
		if err != nil {
			return nil, err
		}
		if syntax.HasErrors(tree.Root()) {
			tree.Close()
			rest = append(rest, c)
			continue
		}
		out = append(out, a.match(ctx, g, path, src, ls, tree, off, part, clip(want, c))...)
		tree.Close()
	}
	if len(rest) > 0 {
		a.fallbacks++
		tree, err := syntax.Parse(ctx, g, src)
		if err != nil {
			return nil, err
		}
		defer tree.Close()
		var w []LineRange
		for _, c := range rest {
			w = append(w, clip(want, c)...)
		}
		out = append(out, a.match(ctx, g, path, src, ls, tree, 0, src, w)...)
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Site.Start != out[j].Site.Start {
				return out[i].Site.Start < out[j].Site.Start
			}
			return out[i].Rule.ID < out[j].Rule.ID
		})
	}
	return out, nil
}

// clip returns the parts of the ranges rs inside c.
func clip(rs []LineRange, c LineRange) []LineRange {
	var out []LineRange
	for _, r := range rs {
		if s, e := max(r.Start, c.Start), min(r.End, c.End); s < e {
			out = append(out, LineRange{s, e})
		}
	}
	return out
}

// enclosingChunks widens each wanted range to the top-level block around
// it: up to the nearest line that starts in the first column (with the
// decorators above it), down to the line before the next such line.
// Closing brackets in the first column belong to the block they close.
func enclosingChunks(ls *lines, want []LineRange) []LineRange {
	starts := func(i int) bool {
		l := ls.line(i)
		if len(l) == 0 {
			return false
		}
		switch l[0] {
		case ' ', '\t', '\n', '\r', '}', ')', ']':
			return false
		}
		return true
	}
	var out []LineRange
	for _, r := range mergeRanges(want) {
		s := min(r.Start, ls.n()-1)
		for s > 0 && !starts(s) {
			s--
		}
		for s > 0 && bytes.HasPrefix(ls.line(s-1), []byte("@")) {
			s--
		}
		e := max(r.End, s+1)
		for e < ls.n() && !starts(e) {
			e++
		}
		out = append(out, LineRange{max(s, 0), min(e, ls.n())})
	}
	return mergeRanges(out)
}

// wantedMatches returns the matches of set in part (which starts at byte
// off of the file ls indexes) whose site touches the wanted lines (every
// match when want is nil), once per rule and site, ordered by site and
// rule.
func wantedMatches(set *rules.Set, ls *lines, tree *syntax.Tree, off int, part *syntax.Text, want []LineRange) []rules.Match {
	type key struct {
		rule string
		site rules.Span
	}
	seen := map[key]bool{}
	var matches []rules.Match
	collect := func(m rules.Match) {
		k := key{m.Rule.ID, m.Site}
		if seen[k] {
			return
		}
		if want != nil {
			sl := ls.spanLines(off+m.Site.Start, off+m.Site.End)
			hit := false
			for _, r := range want {
				if sl.Start < r.End && r.Start < sl.End {
					hit = true
					break
				}
			}
			if !hit {
				return
			}
		}
		seen[k] = true
		matches = append(matches, m)
	}
	if want == nil {
		set.MatchRange(tree, part, 0, part.Len(), collect)
	} else {
		var ranges []rules.Span
		for _, r := range mergeRanges(want) {
			lo, hi := ls.start(r.Start)-off, ls.start(r.End)-off
			if hi <= 0 || lo >= part.Len() {
				continue
			}
			ranges = append(ranges, rules.Span{Start: max(lo, 0), End: min(hi, part.Len())})
		}
		set.MatchRanges(tree, part, ranges, collect)
	}
	sort.SliceStable(matches, func(i, j int) bool {
		if matches[i].Site.Start != matches[j].Site.Start {
			return matches[i].Site.Start < matches[j].Site.Start
		}
		return matches[i].Rule.ID < matches[j].Rule.ID
	})
	return matches
}

// match runs the rules over the part of src that tree was parsed from
// (part starts at byte off of src) and returns the findings whose site
// touches the wanted lines, in file coordinates.
func (a *analyzer) match(ctx context.Context, g syntax.Grammar, path string, src []byte, ls *lines, tree *syntax.Tree, off int, part []byte, want []LineRange) []*Finding {
	text := syntax.NewText(part)
	matches := wantedMatches(a.lib.Set(g), ls, tree, off, text, want)
	abs := path
	if a.root != "" {
		abs = filepath.Join(a.root, filepath.FromSlash(path))
	}
	var target rules.Target
	if a.projects != nil {
		target = a.projects.For(abs, g)
	}
	// The matches of the change's lines stand for every match of the
	// file: a site's fix is applied alone, so two hoisting one name matter
	// only among the findings shown together.
	doc := target.Doc(tree, text, func() ([]rules.Match, bool) { return matches, true })
	var out []*Finding
	// One checker for the part: what reaches across it (eslint-disable
	// regions, //lint:file-ignore) is found once, not once per match.
	sups := rules.NewTextSuppressions(tree, text)
	for _, m := range matches {
		if ctx.Err() != nil {
			break // interrupted: the caller reports it
		}
		if m.Rule.Migration != "" && !a.migrationSites {
			continue // a migration's sites are not reviewed one by one
		}
		if ok, _ := doc.Allows(m, g); !ok {
			continue
		}
		suppression := ""
		if sup, ok := sups.Suppressed(m); ok {
			line := ls.lineOf(off + sup.Span.Start)
			if !inRanges(want, line) {
				continue // silenced by a comment that was there before the change
			}
			suppression = sup.Comment
		}
		edits, err := rules.Render(ctx, m, tree, text)
		if err != nil || len(edits) == 0 {
			continue
		}
		cand := capture.Features(m, edits, tree, part, abs, a.persona)
		// The role is the whole file's (a chunk after the first does not
		// hold its header), as far as the change cannot choose it
		// (ReviewRole).
		cand.FileRole = capture.ReviewRole(abs, src)
		cand.Prior = capture.Prior(m.Rule, cand.FileRole)
		if off != 0 {
			m = shiftMatch(m, off)
			for i := range edits {
				edits[i].Span.Start += off
				edits[i].Span.End += off
			}
		}
		region, suggested, ok := localFix(ls, m, edits)
		if !ok {
			continue
		}
		original := string(src[region.Start:region.End])
		if original == suggested {
			continue
		}
		out = append(out, &Finding{
			Path: path, Grammar: g, Rule: m.Rule, Site: m.Site, Edits: edits,
			Region: region, Original: original, Suggested: suggested,
			Candidate: cand, Score: cand.Prior, Unsafe: m.Unsafe, Suppression: suppression, src: ls,
		})
	}
	return out
}

// inRanges reports whether line is in one of the ranges (every line when
// ranges is nil: a whole new file).
func inRanges(ranges []LineRange, line int) bool {
	if ranges == nil {
		return true
	}
	for _, r := range ranges {
		if r.Start <= line && line < r.End {
			return true
		}
	}
	return false
}

// shiftMatch moves a match's spans by off bytes.
func shiftMatch(m rules.Match, off int) rules.Match {
	m.Site.Start += off
	m.Site.End += off
	m.Hull.Start += off
	m.Hull.End += off
	caps := make([]rules.Capture, len(m.Captures))
	for i, c := range m.Captures {
		c.Span.Start += off
		c.Span.End += off
		caps[i] = c
	}
	m.Captures = caps
	return m
}

// localFix returns the span rewritten by the edits that touch the match
// (imports and other far edits left out) and its new text.
func localFix(ls *lines, m rules.Match, edits []rules.TextEdit) (rules.Span, string, bool) {
	hull := m.Hull
	if hull.Start < 0 {
		hull = m.Site
	}
	hull.Start, hull.End = min(hull.Start, m.Site.Start), max(hull.End, m.Site.End)
	region := rules.Span{Start: -1}
	var local []rules.TextEdit
	for _, e := range edits {
		if e.Span.Start > hull.End || e.Span.End < hull.Start {
			continue
		}
		local = append(local, e)
		if region.Start < 0 || e.Span.Start < region.Start {
			region.Start = e.Span.Start
		}
		region.End = max(region.End, e.Span.End)
	}
	if len(local) == 0 {
		return rules.Span{}, "", false
	}
	var b strings.Builder
	last := region.Start
	for _, e := range local {
		b.Write(ls.src[last:e.Span.Start])
		b.WriteString(e.NewText)
		last = e.Span.End
	}
	b.Write(ls.src[last:region.End])
	return region, b.String(), true
}

// mergeRanges sorts line ranges and merges the ones that overlap or touch.
func mergeRanges(rs []LineRange) []LineRange {
	rs = append([]LineRange(nil), rs...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	var out []LineRange
	for _, r := range rs {
		if n := len(out); n > 0 && r.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}

// replaceIn returns the lines of c with region (a span of the file) replaced
// by text; region must lie inside c's lines.
func replaceIn(ls *lines, c LineRange, region rules.Span, text string) string {
	start, end := ls.start(c.Start), ls.start(c.End)
	var b strings.Builder
	b.Write(ls.src[start:region.Start])
	b.WriteString(text)
	b.Write(ls.src[region.End:end])
	return b.String()
}

// isBinary reports whether content looks binary (a NUL byte early on).
func isBinary(b []byte) bool {
	return bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0
}

// grammarFor returns the grammar of a path, or "".
func grammarFor(path string) syntax.Grammar { return syntax.Detect("", path) }

// pathspecs lists the file name patterns of the grammars lib has rules
// for (their extensions in syntax's language table), as git pathspecs.
func pathspecs(lib *rules.Library) []string {
	var out []string
	for _, l := range syntax.Languages() {
		if len(lib.Set(l.Grammar).Rules()) == 0 {
			continue
		}
		for _, e := range l.Extensions() {
			// ":(icase)" because Detect lower-cases the extension.
			out = append(out, ":(icase)*"+e)
		}
	}
	return out
}
