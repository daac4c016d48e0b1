package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Span is a half-open byte range.
type Span struct{ Start, End int }

// Intersects reports whether s and o overlap or touch. Touching counts: an
// edit at a match's boundary can change the match (an identifier grows).
func (s Span) Intersects(o Span) bool { return s.Start <= o.End && o.Start <= s.End }

// Capture is one captured node.
type Capture struct {
	Name string
	Span Span
	Type string
}

// Match is one place where a rule applies.
type Match struct {
	Rule     *Rule
	Site     Span
	Hull     Span // smallest span holding every capture
	Captures []Capture
	// Unsafe is set when the fix may change what the code does: the rule
	// declares its fix unsafe, or the pattern that matched does.
	Unsafe bool
	// Deps is the span outside Hull that the match's scope predicates
	// looked at (the function around a declaration, the file's exports),
	// or {-1, -1}: an edit there can make the match appear or go.
	Deps Span
}

// key identifies a match across rescans.
func (m *Match) key() matchKey { return matchKey{m.Rule.ID, m.Site} }

type matchKey struct {
	rule string
	site Span
}

// Set is the compiled rules that apply to one grammar, run together.
type Set struct {
	grammar   syntax.Grammar
	rules     []*Rule
	rootTypes map[string]bool // node types any pattern may be rooted at; "*" = any
	wildcard  bool
	// combined holds every rule's patterns in one query, so that one
	// traversal of the tree serves all rules; patternRule maps its pattern
	// indexes back to rules. nil if the rules could not be combined.
	combined    *compiled
	patternRule []*Rule
}

// Grammar returns the grammar the set applies to.
func (s *Set) Grammar() syntax.Grammar { return s.grammar }

// Rules returns the set's rules.
func (s *Set) Rules() []*Rule { return s.rules }

func newSet(g syntax.Grammar, rules []*Rule) (*Set, []Problem) {
	s := &Set{grammar: g, rootTypes: map[string]bool{}}
	for _, r := range rules {
		if r.appliesTo(g) {
			s.rules = append(s.rules, r)
		}
	}
	problems := s.combine()
	for _, r := range s.rules {
		for _, t := range r.roots {
			if t == "*" {
				s.wildcard = true
			}
			s.rootTypes[t] = true
		}
	}
	return s, problems
}

// combine compiles all rules' queries as one, so one traversal of the tree
// serves them all. If that fails, the rules are compiled one by one to find
// the ones at fault, which are reported and left out.
func (s *Set) combine() []Problem {
	if len(s.rules) == 0 {
		return nil
	}
	var problems []Problem
	for len(s.rules) > 0 {
		var text strings.Builder
		starts := make([]int, len(s.rules))
		for i, r := range s.rules {
			starts[i] = text.Len()
			text.WriteString(r.Query)
			text.WriteString("\n")
		}
		c, err := compileQuery(text.String(), s.grammar)
		if err == nil {
			owners := make([]*Rule, c.query.PatternCount())
			for p := range owners {
				at := int(syntax.PatternStart(c.query, uint32(p)))
				i := sort.SearchInts(starts, at+1) - 1
				owners[p] = s.rules[max(i, 0)]
			}
			s.combined, s.patternRule = c, owners
			return problems
		}
		var keep []*Rule
		for _, r := range s.rules {
			if _, err := r.compiled(s.grammar); err != nil {
				problems = append(problems, Problem{Source: r.Source, Err: err})
				continue
			}
			keep = append(keep, r)
		}
		if len(keep) == len(s.rules) {
			// Each compiles alone but not together: match them one by one.
			problems = append(problems, Problem{Source: string(s.grammar), Err: fmt.Errorf("rules do not combine into one query (%v); matching them one by one", err)})
			return problems
		}
		s.rules = keep
	}
	return problems
}

// matchLimit bounds the in-progress matches of one query cursor, so that a
// pathological pattern cannot consume unbounded memory.
const matchLimit = 4096

// MatchRange runs every rule of the set over the part of the tree that
// intersects [start, end) and calls fn for each match. src is the text tree
// was parsed from.
func (s *Set) MatchRange(tree *syntax.Tree, src []byte, start, end int, fn func(Match)) {
	s.matchRange(tree, src, start, end, fn, nil)
}

// matchRange is MatchRange that also reports, through reject, the places
// where a pattern matched but a scope predicate refused it: the span of the
// would-be match and the span the predicate looked at. An edit there can
// make the match appear.
func (s *Set) matchRange(tree *syntax.Tree, src []byte, start, end int, fn func(Match), reject func(rejection)) {
	if len(s.rules) == 0 {
		return
	}
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	root := tree.Root()
	if s.combined != nil {
		matchQuery(qc, s.combined, func(p uint16) *Rule { return s.patternRule[p] }, root, src, start, end, fn, reject)
		return
	}
	for _, r := range s.rules {
		s.matchRule(qc, r, root, src, start, end, fn, reject)
	}
}

// rejection is a pattern match that a scope predicate refused: Hull is the
// span of its captures, Deps what the predicate looked at.
type rejection struct{ Hull, Deps Span }

// MatchRule runs one rule over [start, end); used to measure rules one by one.
func (s *Set) MatchRule(r *Rule, tree *syntax.Tree, src []byte, start, end int, fn func(Match)) {
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	s.matchRule(qc, r, tree.Root(), src, start, end, fn, nil)
}

func (s *Set) matchRule(qc *sitter.QueryCursor, r *Rule, root *sitter.Node, src []byte, start, end int, fn func(Match), reject func(rejection)) {
	c, err := r.compiled(s.grammar)
	if err != nil {
		return // reported when the set was built
	}
	matchQuery(qc, c, func(uint16) *Rule { return r }, root, src, start, end, fn, reject)
}

func matchQuery(qc *sitter.QueryCursor, c *compiled, ruleOf func(pattern uint16) *Rule, root *sitter.Node, src []byte, start, end int, fn func(Match), reject func(rejection)) {
	syntax.SetByteRange(qc, uint32(start), uint32(end))
	syntax.SetMatchLimit(qc, matchLimit)
	qc.Exec(c.query, root)
	// One environment per pass: scope predicates share what they learn
	// about the tree (the occurrences of a name in a function).
	env := &evalEnv{grammar: c.grammar, src: src, root: root, names: c.captures}
	for {
		m, ok := qc.NextMatch()
		if !ok {
			return
		}
		accepted, deps := c.accept(m, src, env)
		if !accepted {
			if reject != nil && deps.Start >= 0 {
				h := Span{-1, -1}
				for _, cp := range m.Captures {
					h = union(h, Span{int(cp.Node.StartByte()), int(cp.Node.EndByte())})
				}
				reject(rejection{Hull: h, Deps: deps})
			}
			continue
		}
		r := ruleOf(m.PatternIndex)
		mt := Match{Rule: r, Hull: Span{-1, -1}, Captures: make([]Capture, 0, len(m.Captures)), Deps: deps}
		mt.Unsafe = r.Safety == Unsafe
		if s := c.safety[m.PatternIndex]; s != "" {
			mt.Unsafe = s == Unsafe
		}
		site := false
		for _, cp := range m.Captures {
			sp := Span{int(cp.Node.StartByte()), int(cp.Node.EndByte())}
			name := c.captures[cp.Index]
			mt.Captures = append(mt.Captures, Capture{Name: name, Span: sp, Type: cp.Node.Type()})
			if name == r.Site && !site {
				mt.Site, site = sp, true
			}
			if mt.Hull.Start < 0 || sp.Start < mt.Hull.Start {
				mt.Hull.Start = sp.Start
			}
			if sp.End > mt.Hull.End {
				mt.Hull.End = sp.End
			}
		}
		if site {
			fn(mt)
		}
	}
}

// accept evaluates the pattern's predicates, and returns the span the scope
// predicates among them depended on ({-1, -1} if none).
func (c *compiled) accept(m *sitter.QueryMatch, src []byte, env *evalEnv) (bool, Span) {
	preds := c.predicates[m.PatternIndex]
	if len(preds) == 0 {
		return true, noDeps
	}
	deps := noDeps
	// Text predicates first: they are cheap and usually decide.
	ok := c.acceptText(m, src, preds)
	if !ok {
		return false, deps
	}
	env.m = m
	for _, p := range preds {
		if p.scope == nil {
			continue
		}
		if env.isMinified() {
			// Not analysed (see isMinified). The whole text decided that:
			// an edit anywhere may change it.
			return false, Span{0, len(src)}
		}
		nodes := env.allNodes(p.capture)
		if len(nodes) == 0 {
			continue // an optional capture that did not match
		}
		holds := true
		for _, n := range nodes {
			r, d := env.eval(p.scope, n, p.args)
			deps = union(deps, d)
			if !r {
				holds = false
				break
			}
		}
		if holds == p.negate {
			return false, deps
		}
	}
	return true, deps
}

// acceptText evaluates the text predicates of a pattern (#eq?, #match?...).
func (c *compiled) acceptText(m *sitter.QueryMatch, src []byte, preds []predicate) bool {
	text := func(name string) (string, bool) {
		for _, cp := range m.Captures {
			if c.captures[cp.Index] == name {
				return string(src[cp.Node.StartByte():cp.Node.EndByte()]), true
			}
		}
		return "", false
	}
	for _, p := range preds {
		if p.scope != nil {
			continue
		}
		v, ok := text(p.capture)
		if !ok {
			continue // an optional capture that did not match: tree-sitter skips the predicate
		}
		var r bool
		switch {
		case p.re != nil:
			r = p.re.MatchString(v)
		case p.set != nil:
			r = p.set[v]
		case p.other != "":
			o, ok := text(p.other)
			if !ok {
				continue
			}
			r = v == o
		default:
			r = v == p.value
		}
		if r == p.negate {
			return false
		}
	}
	return true
}

// Index keeps the matches of one document and updates them incrementally.
//
// After an edit, Refresh finds the regions whose matches may have changed:
// the edited spans and the ranges tree-sitter reports as structurally
// changed, widened to whole lines and to the outermost ancestor a pattern can
// be rooted at. It drops the matches there and splits the regions into
// pieces that no pattern root crosses. Pieces are matched lazily: Within
// matches the pieces its range touches, so a keystroke that leaves the rest of
// the file in a transient error state (an unfinished keyword can make
// tree-sitter report everything after it as changed) costs a reparse and the
// lines around the cursor, not a rescan of the file. Flush matches every
// pending piece.
type Index struct {
	set     *Set
	matches []Match // sorted by Site.Start, then rule id
	dirty   []Span  // edited since the last Refresh
	pending []Span  // sorted, disjoint; matches here are not computed yet
	// rejected are the places where a scope predicate refused a match; an
	// edit to what the predicate looked at queues them again (deleting the
	// last use of a name after its block makes var → let apply).
	rejected []rejection
}

// NewIndex matches the whole tree.
func NewIndex(set *Set, tree *syntax.Tree, src []byte) *Index {
	ix := &Index{set: set}
	set.matchRange(tree, src, 0, len(src), func(m Match) { ix.matches = append(ix.matches, m) }, ix.reject)
	ix.sort()
	return ix
}

func (ix *Index) sort() {
	sortMatches(ix.matches)
	ix.matches = dedupe(ix.matches)
}

func less(a, b *Match) bool {
	if a.Site.Start != b.Site.Start {
		return a.Site.Start < b.Site.Start
	}
	if a.Rule.ID != b.Rule.ID {
		return a.Rule.ID < b.Rule.ID
	}
	return a.Site.End < b.Site.End
}

func sortMatches(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool { return less(&ms[i], &ms[j]) })
}

// dedupe removes repeats of a sorted list (one rule matching the same site
// through two patterns).
func dedupe(ms []Match) []Match {
	out := ms[:0]
	for i := range ms {
		if len(out) > 0 && out[len(out)-1].key() == ms[i].key() {
			continue
		}
		out = append(out, ms[i])
	}
	return out
}

// shiftSpan maps a span through an edit of [start, oldEnd) to newEnd.
func shiftSpan(s Span, start, oldEnd, newEnd int) Span {
	delta := newEnd - oldEnd
	if s.Start > oldEnd {
		s.Start += delta
	} else if s.Start > start {
		s.Start = start
	}
	if s.End >= oldEnd {
		s.End += delta
	} else if s.End > start {
		s.End = newEnd
	}
	return s
}

// Edit shifts the matches past an edit and marks the edited span dirty; call
// Refresh after the tree has been reparsed.
func (ix *Index) Edit(e syntax.Edit) {
	start, oldEnd, newEnd := int(e.StartByte), int(e.OldEndByte), int(e.NewEndByte)
	delta := newEnd - oldEnd
	edited := Span{start, oldEnd}
	out := ix.matches[:0]
	var depends []Span
	for _, m := range ix.matches {
		if m.Hull.Intersects(edited) {
			continue // re-matched by Refresh
		}
		if m.Deps.Start >= 0 && m.Deps.Intersects(edited) {
			// A predicate of the match looked at the edited text: match
			// its region again.
			h := m.Hull
			if h.Start > oldEnd {
				h.Start += delta
				h.End += delta
			}
			depends = append(depends, h)
			continue
		}
		if m.Deps.Start > oldEnd && delta != 0 {
			m.Deps.Start += delta
			m.Deps.End += delta
		}
		if m.Hull.Start > oldEnd && delta != 0 {
			m.Site.Start += delta
			m.Site.End += delta
			m.Hull.Start += delta
			m.Hull.End += delta
			for i := range m.Captures { // owned by the index: shifted in place
				m.Captures[i].Span.Start += delta
				m.Captures[i].Span.End += delta
			}
		}
		out = append(out, m)
	}
	ix.matches = out
	keep := ix.rejected[:0]
	for _, r := range ix.rejected {
		switch {
		case r.Hull.Intersects(edited):
			continue // its region is matched again
		case r.Deps.Intersects(edited):
			h := r.Hull
			if h.Start > oldEnd {
				h.Start += delta
				h.End += delta
			}
			depends = append(depends, h)
			continue
		}
		if r.Hull.Start > oldEnd {
			r.Hull.Start += delta
			r.Hull.End += delta
		}
		if r.Deps.Start > oldEnd {
			r.Deps.Start += delta
			r.Deps.End += delta
		}
		keep = append(keep, r)
	}
	ix.rejected = keep
	for i := range ix.dirty {
		ix.dirty[i] = shiftSpan(ix.dirty[i], start, oldEnd, newEnd)
	}
	for i := range ix.pending {
		ix.pending[i] = shiftSpan(ix.pending[i], start, oldEnd, newEnd)
	}
	ix.dirty = append(ix.dirty, Span{start, newEnd})
	ix.dirty = append(ix.dirty, depends...)
}

// Refresh takes the dirty spans and the ranges whose syntax changed (from
// syntax.Tree.Reparse), drops the matches they may have invalidated, and
// queues the regions for matching.
func (ix *Index) Refresh(tree *syntax.Tree, text *syntax.Text, changed [][2]uint32) {
	spans := ix.dirty
	ix.dirty = nil
	for _, c := range changed {
		spans = append(spans, Span{int(c[0]), min(int(c[1]), text.Len())})
	}
	if len(spans) == 0 {
		return
	}
	spans = mergeSpans(spans, 0)
	// Matches whose predicates looked at a changed span are matched again.
	stay := ix.matches[:0]
	var depends []Span
	for _, m := range ix.matches {
		if m.Deps.Start >= 0 && overlapsAny(m.Deps, spans) && !overlapsAny(m.Hull, spans) {
			depends = append(depends, m.Hull)
			continue
		}
		stay = append(stay, m)
	}
	ix.matches = stay
	keepRejected := ix.rejected[:0]
	for _, r := range ix.rejected {
		if overlapsAny(r.Deps, spans) && !overlapsAny(r.Hull, spans) {
			depends = append(depends, r.Hull)
			continue
		}
		keepRejected = append(keepRejected, r)
	}
	ix.rejected = keepRejected
	if len(depends) > 0 {
		spans = mergeSpans(append(spans, depends...), 0)
	}
	// Pending pieces that the change touches were cut against the old tree:
	// they are widened again with it. The others still hold.
	var kept []Span
	for _, p := range ix.pending {
		if overlapsAny(p, spans) {
			spans = append(spans, p)
		} else {
			kept = append(kept, p)
		}
	}
	ix.pending = kept
	regions := ix.widen(tree, text, mergeSpans(spans, 0))
	out := ix.matches[:0]
	r := 0
	for _, m := range ix.matches {
		for r < len(regions) && regions[r].End <= m.Hull.Start {
			r++
		}
		drop := false
		for k := r; k < len(regions) && regions[k].Start < m.Hull.End; k++ {
			if m.Hull.End > regions[k].Start && m.Hull.Start < regions[k].End {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, m)
		}
	}
	ix.matches = out
	keepRejected = ix.rejected[:0]
	for _, r := range ix.rejected {
		if !overlapsAny(r.Hull, regions) {
			keepRejected = append(keepRejected, r)
		}
	}
	ix.rejected = keepRejected
	for _, reg := range regions {
		ix.pending = append(ix.pending, ix.pieces(tree.Root(), reg, nil)...)
	}
	ix.pending = mergeSpans(ix.pending, pieceBytes)
}

func overlapsAny(p Span, sorted []Span) bool {
	i := sort.Search(len(sorted), func(i int) bool { return sorted[i].End >= p.Start })
	return i < len(sorted) && sorted[i].Start <= p.End
}

// pieceBytes is the size up to which adjacent pieces are matched together.
const pieceBytes = 2048

// pieces splits region into spans that no pattern root crosses: it descends
// through nodes whose type no pattern is rooted at and keeps whole the nodes
// a pattern may be rooted at (and small nodes). It walks with a tree cursor:
// indexing children one by one is quadratic in tree-sitter.
func (ix *Index) pieces(root *sitter.Node, region Span, out []Span) []Span {
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	var descend func()
	descend = func() {
		if c.GoToFirstChildForByte(uint32(region.Start)) < 0 {
			return
		}
		for {
			n := c.CurrentNode()
			cs, ce := int(n.StartByte()), int(n.EndByte())
			if cs > region.End {
				break
			}
			switch {
			case ce < region.Start:
			case ix.set.wildcard || ix.set.rootTypes[n.Type()] || ce-cs <= pieceBytes || n.ChildCount() == 0:
				out = append(out, Span{cs, ce})
			default:
				descend()
			}
			if !c.GoToNextSibling() {
				break
			}
		}
		c.GoToParent()
	}
	descend()
	return out
}

// outermost returns the outermost node below root that contains off and
// whose type a pattern may be rooted at, or nil.
func (ix *Index) outermost(root *sitter.Node, off int) *sitter.Node {
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	for c.GoToFirstChildForByte(uint32(off)) >= 0 {
		n := c.CurrentNode()
		if int(n.StartByte()) > off {
			return nil
		}
		if ix.set.wildcard || ix.set.rootTypes[n.Type()] {
			return n
		}
	}
	return nil
}

// mergeSpans sorts spans and merges overlapping ones, and adjacent ones while
// the result stays under limit bytes.
func mergeSpans(spans []Span, limit int) []Span {
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if s.Start < last.End || (s.Start == last.End && s.End-last.Start <= limit) {
				last.End = max(last.End, s.End)
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// widen turns dirty spans into regions to re-match: whole lines, extended to
// the outermost ancestor (below the file node) of each end whose type a
// pattern can be rooted at, and merged.
func (ix *Index) widen(tree *syntax.Tree, text *syntax.Text, spans []Span) []Span {
	root := tree.Root()
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	var regions []Span
	for _, s := range spans {
		// One byte of slack on each side catches nodes that end or start
		// exactly at the edit (a match "touching" it was dropped by Edit).
		s.Start = text.LineStart(text.LineOf(max(s.Start-1, 0)))
		endLine := text.LineOf(min(s.End+1, text.Len()))
		s.End = text.LineStart(endLine + 1)
		for _, off := range []int{s.Start, max(s.End-1, s.Start)} {
			if outer := ix.outermost(root, off); outer != nil {
				s.Start = min(s.Start, int(outer.StartByte()))
				s.End = max(s.End, int(outer.EndByte()))
			}
		}
		if n := len(regions); n > 0 && regions[n-1].End >= s.Start {
			regions[n-1].Start = min(regions[n-1].Start, s.Start)
			regions[n-1].End = max(regions[n-1].End, s.End)
			continue
		}
		regions = append(regions, s)
	}
	return regions
}

// resolve matches the pending pieces that intersect [start, end], until
// deadline (zero: no deadline); pieces it had no time for stay pending.
func (ix *Index) resolve(tree *syntax.Tree, src []byte, start, end int, deadline time.Time) {
	if len(ix.pending) == 0 {
		return
	}
	var fresh []Match
	keep := ix.pending[:0]
	for _, p := range ix.pending {
		if p.End < start || p.Start > end || (!deadline.IsZero() && time.Now().After(deadline)) {
			keep = append(keep, p)
			continue
		}
		ix.set.matchRange(tree, src, p.Start, p.End, func(m Match) { fresh = append(fresh, m) }, ix.reject)
	}
	ix.pending = keep
	if len(fresh) == 0 {
		return
	}
	sortMatches(fresh)
	// The kept matches are still in order: merge rather than sort them all.
	merged := make([]Match, 0, len(ix.matches)+len(fresh))
	i, j := 0, 0
	for i < len(ix.matches) || j < len(fresh) {
		if j == len(fresh) || (i < len(ix.matches) && !less(&fresh[j], &ix.matches[i])) {
			merged = append(merged, ix.matches[i])
			i++
		} else {
			merged = append(merged, fresh[j])
			j++
		}
	}
	ix.matches = dedupe(merged)
}

// reject records a refused match (see Index.rejected).
func (ix *Index) reject(r rejection) {
	ix.rejected = append(ix.rejected, r)
}

// Pending returns how many bytes of the document wait to be matched.
func (ix *Index) Pending() int {
	n := 0
	for _, p := range ix.pending {
		n += p.End - p.Start
	}
	return n
}

// Flush matches every pending piece.
func (ix *Index) Flush(tree *syntax.Tree, src []byte) {
	ix.resolve(tree, src, 0, len(src), time.Time{})
}

// Matches returns every match, ordered by position, after matching what is
// pending. The slice must not be modified.
func (ix *Index) Matches(tree *syntax.Tree, src []byte) []Match {
	ix.Flush(tree, src)
	return ix.matches
}

// Within returns the matches whose site intersects [start, end]; an empty
// range selects the matches whose site contains the cursor. tree and src
// must be the document's current tree and text.
func (ix *Index) Within(tree *syntax.Tree, src []byte, start, end int) []Match {
	return ix.WithinBy(tree, src, start, end, time.Time{})
}

// WithinBy is Within with a deadline for matching what is pending: a
// request on a region whose syntax changed wholesale (a huge document, an
// unfinished construct) answers with what could be matched in time, and the
// rest is matched by later requests.
func (ix *Index) WithinBy(tree *syntax.Tree, src []byte, start, end int, deadline time.Time) []Match {
	ix.resolve(tree, src, start, end, deadline)
	var out []Match
	for _, m := range ix.matches {
		if m.Site.Start > end {
			break
		}
		if m.Site.End >= start {
			out = append(out, m)
		}
	}
	return out
}

func (m Match) String() string {
	return fmt.Sprintf("%s@%d-%d", m.Rule.ID, m.Site.Start, m.Site.End)
}
