package rules

import (
	"fmt"
	"slices"
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

// cmpSpan orders spans by start, then end.
func cmpSpan(a, b Span) int {
	if a.Start != b.Start {
		return a.Start - b.Start
	}
	return a.End - b.End
}

// hasSpan reports whether the spans sorted by cmpSpan hold s.
func hasSpan(sorted []Span, s Span) bool {
	_, ok := slices.BinarySearchFunc(sorted, s, cmpSpan)
	return ok
}

// Capture is one captured node.
type Capture struct {
	Name string
	Span Span
}

// Match is one place where a rule applies.
type Match struct {
	Rule *Rule
	Site Span
	Hull Span // smallest span holding every capture
	// Root is the span of the node the match's pattern is rooted at: the
	// match depends on that node's subtree only (and, for a lifted
	// pattern, on the type of its parent; see the package documentation).
	Root     Span
	Captures []Capture
	// Unsafe is set when the fix may change what the code does: the rule
	// declares its fix unsafe, or the pattern that matched does.
	Unsafe bool
	// Deps is the span outside Hull that the match's scope predicates
	// looked at (the function around a declaration, the file's exports),
	// or {-1, -1}: an edit there can make the match appear or go, so the
	// index matches the match's root again (see Index).
	Deps Span
	dep  *depDetail // what in Deps the match depends on; nil when Deps is none
	dg   int32      // inside a match list, the entry of its chunk's deps (see chunk.deps)
	di   int32      // the same for ideps
	memo *memoSlot
	// ideps is the part of Deps that predicates read without saying what,
	// when others said what they read in the rest (dep.part): a change
	// there counts whatever its words (see deps.go).
	ideps Span
}

// matchData is what a new match points to, in one object: its memo slot
// and, when they fit, its captures. An index keeps a match for every site
// of a file (tens of thousands in a bundle), and every object it keeps is
// work for each collection while the file is typed in.
type matchData struct {
	memo memoSlot
	caps [3]Capture
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
	rootTypes map[string]bool // node types some pattern is rooted at
	wildcard  bool            // some pattern is rooted at any node
	// queries holds every rule's rooted patterns (see rootedPatterns) in
	// one query, so that one traversal of the tree serves all rules; if
	// the rules do not combine, one query per rule.
	queries []*rootedQuery
	// only, in a view (Library.Sites, Library.Migrations), leaves out the
	// matches of the other rules before their predicates run.
	only setPart
}

// setPart selects the rules of a view of a set.
type setPart int8

const (
	allRules setPart = iota
	sitesOnly
	migrationsOnly
)

// has reports whether the part holds r.
func (p setPart) has(r *Rule) bool {
	switch p {
	case sitesOnly:
		return r.Migration == ""
	case migrationsOnly:
		return r.Migration != ""
	}
	return true
}

// part returns the view of s that matches p's rules only.
func (s *Set) part(p setPart) *Set {
	v := *s
	v.only = p
	v.rules = nil
	for _, r := range s.rules {
		if p.has(r) {
			v.rules = append(v.rules, r)
		}
	}
	return &v
}

// rootedQuery is a compiled query of rooted patterns, with the rule and the
// parent condition of each pattern.
type rootedQuery struct {
	c        *compiled
	root     uint32 // capture index of rootCapture
	patterns []patternInfo
}

type patternInfo struct {
	rule   *Rule
	parent string // for a lifted pattern, the type the root's parent must have
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
	for _, q := range s.queries {
		for _, t := range q.c.rootTypes {
			if t == "*" {
				s.wildcard = true
			}
			s.rootTypes[t] = true
		}
	}
	return s, problems
}

// rootedText is the rooted patterns of rules as one query's text, with
// where each pattern starts in it and whose it is.
func rootedText(rules []*Rule) (string, []int, []patternInfo) {
	var text strings.Builder
	var starts []int
	var infos []patternInfo
	for _, r := range rules {
		for _, p := range r.rooted {
			starts = append(starts, text.Len())
			infos = append(infos, patternInfo{rule: r, parent: p.parent})
			text.WriteString(p.text)
			text.WriteString("\n")
		}
	}
	return text.String(), starts, infos
}

// compileRooted compiles the rooted patterns of rules as one query.
func compileRooted(g syntax.Grammar, rules []*Rule) (*rootedQuery, error) {
	text, starts, infos := rootedText(rules)
	builtin := true
	for _, r := range rules {
		builtin = builtin && r.Origin == OriginBuiltin
	}
	c, err := compileQuery(text, g, builtin)
	if err != nil {
		return nil, err
	}
	q := &rootedQuery{c: c, patterns: make([]patternInfo, c.query.PatternCount())}
	for p := range q.patterns {
		at := int(syntax.PatternStart(c.query, uint32(p)))
		i := sort.SearchInts(starts, at+1) - 1
		q.patterns[p] = infos[max(i, 0)]
	}
	found := false
	for i, name := range c.captures {
		if name == rootCapture {
			q.root, found = uint32(i), true
		}
	}
	if !found {
		return nil, fmt.Errorf("query has no @%s capture", rootCapture)
	}
	return q, nil
}

// combine compiles all rules' rooted patterns as one query, so one traversal
// of the tree serves them all. If that fails, the rules are compiled one by
// one to find the ones at fault, which are reported and left out.
func (s *Set) combine() []Problem {
	if len(s.rules) == 0 {
		return nil
	}
	problems := s.dropRefused()
	for len(s.rules) > 0 {
		q, err := compileRooted(s.grammar, s.rules)
		if err == nil {
			s.queries = []*rootedQuery{q}
			return problems
		}
		var keep []*Rule
		var each []*rootedQuery
		for _, r := range s.rules {
			rq, rerr := r.rootedQuery(s.grammar)
			if rerr == nil {
				_, rerr = r.compiled(s.grammar)
			}
			if rerr != nil {
				problems = append(problems, Problem{Source: r.Source, Err: rerr})
				continue
			}
			keep = append(keep, r)
			each = append(each, rq)
		}
		if len(keep) == len(s.rules) {
			// Each compiles alone but not together: match them one by one.
			problems = append(problems, Problem{Source: string(s.grammar), Err: fmt.Errorf("rules do not combine into one query (%v); matching them one by one", err)})
			s.queries = each
			return problems
		}
		s.rules = keep
	}
	return problems
}

// dropRefused leaves out, and reports, the rules that are not built in
// whose queries go-tree-sitter would refuse after compiling them, which it
// does without deleting them (syntax.QueryRefusal): compiled into the
// grammar's combined query, such a rule would leak that whole query at
// every load of the library, that is at every save of a rule file. The
// built-in rules' queries are compiled by the tests.
func (s *Set) dropRefused() []Problem {
	var problems []Problem
	keep := s.rules[:0:0]
	for _, r := range s.rules {
		if r.Origin != OriginBuiltin {
			text, _, _ := rootedText([]*Rule{r})
			err := s.refusal(r.Query)
			if err == nil {
				err = s.refusal(text)
			}
			if err != nil {
				problems = append(problems, Problem{Source: r.Source, Err: fmt.Errorf("rule %s: query (%s): %w", r.ID, s.grammar, err)})
				continue
			}
		}
		keep = append(keep, r)
	}
	s.rules = keep
	return problems
}

// refusal is syntax.QueryRefusal for a query text of the set's grammar,
// unless the text is compiled already (the binding accepted it): a library
// loaded again, a server's at every save of a rule file, would otherwise
// compile each of its user and workspace rules twice more.
func (s *Set) refusal(text string) error {
	if queryCache.held.get(queryKey{s.grammar, text}) != nil {
		return nil
	}
	return syntax.QueryRefusal(text, s.grammar)
}

// matchLimit bounds the in-progress matches of one query cursor, so that a
// pathological pattern cannot consume unbounded memory.
const matchLimit = 4096

// MatchRange runs every rule of the set over the part of the tree that
// intersects [start, end) — every pattern whose root node intersects it —
// and calls fn for each match. src is the text tree was parsed from.
func (s *Set) MatchRange(tree *syntax.Tree, src *syntax.Text, start, end int, fn func(Match)) {
	s.MatchRanges(tree, src, []Span{{start, end}}, fn)
}

// MatchRanges is MatchRange over each of ranges, with one evaluation
// environment for all of them, as an index's matching has: what the scope
// predicates find out about the file (whether a function calls eval,
// where a name is declared) is found once, not once per range and rule.
// A review of a change to thousands of lines of a bundle asked, for each
// range, whether the bundle's factory function calls eval, and read it
// whole each time.
func (s *Set) MatchRanges(tree *syntax.Tree, src *syntax.Text, ranges []Span, fn func(Match)) {
	if len(s.queries) == 0 {
		return
	}
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	root := tree.Root()
	env := s.env(src, root)
	for _, r := range ranges {
		for _, q := range s.queries {
			q.run(qc, env, root, nil, uint32(r.Start), uint32(r.End), syntax.NoMaxStartDepth, fn, nil)
		}
	}
}

// rejection is a pattern match that a scope predicate refused: Root is the
// span of the node its pattern is rooted at, Hull the span of its captures,
// Deps what the predicate looked at. An edit to Deps can make the match
// appear, so the index matches Root again.
type rejection struct {
	Root, Hull, Deps Span
	ideps            Span // as Match.ideps
	dep              *depDetail
	rule             *Rule // whose predicate refused (matchWhole files it by its rule)
}

// MatchRule runs one rule over [start, end); used to measure rules one by one.
func (s *Set) MatchRule(r *Rule, tree *syntax.Tree, src *syntax.Text, start, end int, fn func(Match)) {
	q, err := r.rootedQuery(s.grammar)
	if err != nil {
		return // reported when the set was built
	}
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	root := tree.Root()
	q.run(qc, s.env(src, root), root, nil, uint32(start), uint32(end), syntax.NoMaxStartDepth, fn, nil)
}

// env returns an environment for scope predicates over the tree whose root
// is root. One environment serves a whole round of matching (a Refresh, a
// request's matching of queued work), so that what the predicates learn
// about the tree (the words of a function, the occurrences of a name) is
// learnt once, however many declarations of one function are matched again.
func (s *Set) env(src *syntax.Text, root *sitter.Node) *evalEnv {
	return &evalEnv{grammar: s.grammar, src: src, root: root, only: s.only}
}

// matchSubtree matches every pattern rooted in n's subtree; above is n's
// visible parent (nil for the tree's root).
func (s *Set) matchSubtree(qc *sitter.QueryCursor, env *evalEnv, n, above *sitter.Node, fn func(Match), reject func(rejection)) {
	for _, q := range s.queries {
		q.run(qc, env, n, above, 0, ^uint32(0), syntax.NoMaxStartDepth, fn, reject)
	}
}

// matchAt matches the patterns rooted exactly at n, whose visible parent
// is above (nil for the tree's root). The query cursor descends only as far
// as those patterns reach.
func (s *Set) matchAt(qc *sitter.QueryCursor, env *evalEnv, n, above *sitter.Node, fn func(Match), reject func(rejection)) {
	for _, q := range s.queries {
		q.run(qc, env, n, above, 0, ^uint32(0), 0, fn, reject)
	}
}

// parentIn returns the visible parent of root, a node of top's subtree;
// above is top's visible parent, or nil when top is the tree's root. The
// walk starts at top, which the caller reached from above, not at the
// tree's root as Node.Parent's does (syntax.ParentWithin), and the whole
// file's matching, whose top is the root, finds the same parents.
func parentIn(top, above, root *sitter.Node) *sitter.Node {
	if root.ID() == top.ID() {
		return above
	}
	if p := syntax.ParentWithin(top, root); p != nil {
		return p
	}
	return root.Parent()
}

// roots reports whether some pattern of the set may be rooted at n.
func (s *Set) roots(n *sitter.Node) bool { return s.wildcard || s.rootTypes[n.Type()] }

// captured returns the node of m's capture idx, or nil.
func captured(m *sitter.QueryMatch, idx uint32) *sitter.Node {
	for _, cp := range m.Captures {
		if cp.Index == idx {
			return cp.Node
		}
	}
	return nil
}

// run executes q on n (a node of env's tree) with the given byte range and
// maximum start depth. It reports the matches to fn and, when reject is not
// nil, the places where a scope predicate refused one.
//
// above is n's visible parent, or nil when n is the tree's root: a lifted
// pattern's parent is found from there (parentIn).
func (q *rootedQuery) run(qc *sitter.QueryCursor, env *evalEnv, n, above *sitter.Node, start, end, depth uint32, fn func(Match), reject func(rejection)) {
	syntax.SetByteRange(qc, start, end)
	syntax.SetMaxStartDepth(qc, depth)
	syntax.SetMatchLimit(qc, matchLimit)
	qc.Exec(q.c.query, n)
	env.names = q.c.captures
	src := env.src
	for {
		m, ok := qc.NextMatch()
		if !ok {
			return
		}
		info := q.patterns[m.PatternIndex]
		if !env.only.has(info.rule) {
			continue // another view's rule
		}
		root := captured(m, q.root)
		if root == nil {
			continue
		}
		if info.parent != "" {
			p := parentIn(n, above, root)
			if p == nil || !p.IsNamed() || p.Type() != info.parent {
				continue
			}
		}
		rootSpan := Span{int(root.StartByte()), int(root.EndByte())}
		accepted, deps := q.c.accept(m, src, env)
		if !accepted {
			if reject != nil && deps.Start >= 0 {
				h := Span{-1, -1}
				for _, cp := range m.Captures {
					if cp.Index != q.root {
						h = union(h, Span{int(cp.Node.StartByte()), int(cp.Node.EndByte())})
					}
				}
				reject(rejection{Root: rootSpan, Hull: h, Deps: deps, ideps: env.partSpan(), dep: env.detail, rule: info.rule})
			}
			continue
		}
		r := info.rule
		md := &matchData{}
		mt := Match{Rule: r, Hull: Span{-1, -1}, Captures: md.caps[:0], Deps: deps, Root: rootSpan, memo: &md.memo}
		if len(m.Captures) > len(md.caps)+1 { // the root's capture is not kept
			mt.Captures = make([]Capture, 0, len(m.Captures)-1)
		}
		if deps.Start >= 0 {
			mt.dep, mt.ideps = env.detail, env.partSpan()
		}
		mt.Unsafe = r.Safety == Unsafe
		if s := q.c.safety[m.PatternIndex]; s != "" {
			mt.Unsafe = s == Unsafe
		}
		site := false
		for _, cp := range m.Captures {
			if cp.Index == q.root {
				continue
			}
			sp := Span{int(cp.Node.StartByte()), int(cp.Node.EndByte())}
			name := q.c.captures[cp.Index]
			mt.Captures = append(mt.Captures, Capture{Name: name, Span: sp})
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
		if !site {
			continue
		}
		fn(mt)
	}
}

// accept evaluates the pattern's predicates, and returns the span the scope
// predicates among them depended on ({-1, -1} if none).
func (c *compiled) accept(m *sitter.QueryMatch, src *syntax.Text, env *evalEnv) (_ bool, deps Span) {
	preds := c.predicates[m.PatternIndex]
	if len(preds) == 0 {
		return true, noDeps
	}
	deps = noDeps
	env.words, env.inexact, env.ispan, env.detail = env.words[:0], false, noDeps, nil
	defer func() {
		deps = union(deps, env.ispan) // a predicate's Deps hold those it asked
		switch {
		case deps.Start < 0 || env.detail != nil:
		case env.inexact && spanContains(env.ispan, deps):
			env.detail = inexactDeps
		default:
			// Inexact over ispan only, when env.inexact (partSpan).
			env.detail = env.detailOf(env.words, env.inexact)
		}
	}()
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
			// the index watches whether it still is (see deps.go).
			env.detail = minifiedDeps
			return false, Span{0, src.Len()}
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
func (c *compiled) acceptText(m *sitter.QueryMatch, src *syntax.Text, preds []predicate) bool {
	text := func(name string) (string, bool) {
		for _, cp := range m.Captures {
			if c.captures[cp.Index] == name {
				return string(src.Slice(int(cp.Node.StartByte()), int(cp.Node.EndByte()))), true
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
// Each match records the node its pattern is rooted at (Match.Root), and a
// match rooted at a node depends only on that node's subtree (and, for a
// lifted pattern, on its parent's type). So after an edit only two kinds of
// matching are needed, and neither grows with the file:
//
//   - the regions that changed: the edited spans and the ranges tree-sitter
//     reports as structurally changed, with a byte of slack on each side,
//     so a node that ends or starts at the edit counts. Every node inside
//     a region is matched again, subtree and all. (They were once widened
//     to whole lines, up to 256 bytes each side; nothing needs the line,
//     and on a minified file those 513 bytes were most of a keystroke.)
//   - the nodes that overlap a region without lying inside it: the edit's
//     ancestors, O(depth) of them. Only the patterns rooted exactly at each
//     are matched again (a query cursor with a maximum start depth of 0),
//     which looks at the node's children as far as those patterns reach,
//     not at its whole subtree.
//
// Every other match keeps its place, shifted by the edit. Refresh does this
// matching at once when the regions are small (a keystroke: the line and
// the ancestors). When they are not — an unfinished comment or string can
// make tree-sitter report the rest of the file as changed — the ancestors
// are still matched at once, and the runs of children inside the regions are
// queued: Within matches those its range touches, splitting large nodes so
// that a request near the cursor costs the lines around it, not a rescan;
// Flush matches everything queued.
//
// A scope predicate can look beyond the root's subtree (the function around
// a declaration, the file's exports): the match records that span as Deps.
// The index also remembers where a predicate refused a match (its root, its
// captures and its Deps). An edit, or a structural change, that touches a
// match's or a refusal's Deps without touching its root makes the index
// match that root again — the root's node with its subtree, and the
// patterns rooted at its ancestors, exactly as for an edited line — so
// deleting the use after a block that kept var from becoming let makes the
// suggestion appear, and adding one makes it go.
type Index struct {
	set   *Set
	list  matchList
	view  []Match // list.all(), until the list changes
	dirty []Span  // edited since the last Refresh
	// later are ranges whose syntax changed, given to Postpone instead of
	// Refresh: the next Refresh matches them too.
	later   []Span
	pending []job // sorted by start, disjoint; matches here are not computed yet
	// rejected are the places where a scope predicate refused a match.
	rejected rejections
	last     WorkStats
	// text is the text of the last NewIndex or Refresh, edits the edits
	// since and lastEdit the latest; minified whether text is minified.
	// Refresh compares them with the new text (see deps.go).
	text     *syntax.Text
	edits    int
	lastEdit byteEdit
	// deferred are the edits and changes given since the index was last
	// read, in order (Edit).
	deferred []deferredOp
	// cur is the Text of the last Refresh (nil before one): what it finds
	// is carried to the next version (syntax.Text.Find).
	cur *syntax.Text
	// dyn are the eval and with marks of text, once a scope predicate
	// asked for them (dynmarks.go).
	dyn *dynMarks
	// globals holds #global?'s answers per name for one text, kept across
	// keystrokes that leave the name's occurrences alone (moveGlobals).
	globals  *globalNames
	minified bool
}

// WorkStats counts the matching one Refresh (or one request that matched
// queued work) did: how many nodes had their own patterns matched, and how
// many bytes of subtrees were matched whole.
type WorkStats struct {
	Nodes, SubtreeBytes int
	// Roots counts the matches and refusals matched again at their root
	// because what their predicates read may have changed (their Deps).
	Roots int
}

// LastWork returns what the latest Refresh or request matched.
func (ix *Index) LastWork() WorkStats { return ix.last }

// job is queued matching: the subtrees of the children of the node parent
// (identified by its span and type) that lie in span.
type job struct {
	span       Span
	parent     Span
	parentType string
}

// NewIndex matches the whole tree.
func NewIndex(set *Set, tree *syntax.Tree, src *syntax.Text) *Index {
	ix := &Index{set: set, text: src, minified: minifiedText(src)}
	matchWhole(set, tree, src, ix)
	return ix
}

// NewIndexes matches the whole tree once with every rule of g and returns
// the index of the rules offered per site (Library.Sites) and that of the
// migration rules (Library.Migrations): as NewIndex on each view, for one
// traversal instead of two.
func NewIndexes(lib *Library, g syntax.Grammar, tree *syntax.Tree, src *syntax.Text) (sites, migrations *Index) {
	minified := minifiedText(src)
	sites = &Index{set: lib.Sites(g), text: src, minified: minified}
	migrations = &Index{set: lib.Migrations(g), text: src, minified: minified}
	matchWhole(lib.Set(g), tree, src, sites, migrations)
	return sites, migrations
}

// matchWhole matches the whole tree with set and files each match, and
// each refusal, with the first of ixs whose set holds its rule.
func matchWhole(set *Set, tree *syntax.Tree, src *syntax.Text, ixs ...*Index) {
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	of := func(r *Rule) int {
		for i, ix := range ixs {
			if ix.set.only.has(r) {
				return i
			}
		}
		return -1
	}
	found := make([][]Match, len(ixs))
	refused := make([][]rejection, len(ixs))
	root := tree.Root()
	set.matchSubtree(qc, set.env(src, root), root, nil, func(m Match) {
		if i := of(m.Rule); i >= 0 {
			found[i] = append(found[i], m)
		}
	}, func(r rejection) {
		if i := of(r.rule); i >= 0 {
			refused[i] = append(refused[i], r)
		}
	})
	for i, ix := range ixs {
		sortMatches(found[i])
		ix.list.set(found[i])
		ix.rejected.set(refused[i])
	}
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

// nodeOverlaps reports whether a node (or match root) spanning n overlaps the
// region r. A zero-width node overlaps a region that holds its position.
func nodeOverlaps(n, r Span) bool {
	if n.Start == n.End {
		return r.Start <= n.Start && n.Start <= r.End
	}
	return n.Start < r.End && r.Start < n.End
}

func spanContains(r, n Span) bool { return r.Start <= n.Start && n.End <= r.End }

// Edit shifts the matches past an edit and marks the edited span dirty; call
// Refresh after the tree has been reparsed.
//
// The edit is kept, not applied, until the index is next read (catchUp):
// an edit that touches the one before it (a word typed, backspaced) is
// joined to it, so a burst of keystrokes in one place moves the matches
// and refusals once. The migration rules' index, which the server reads
// when asked for a source action or when the session is idle, is given
// every keystroke (Edit, Postpone); moving its lists cost each keystroke
// in a 86,000-line bundle a visit of every chunk of them (460).
func (ix *Index) Edit(e syntax.Edit) {
	ed := byteEdit{int(e.StartByte), int(e.OldEndByte), int(e.NewEndByte)}
	if k := ix.lastDeferredEdit(); k >= 0 {
		if c, ok := ix.deferred[k].edit.then(ed); ok {
			ix.deferred[k].edit = c
			// The changes postponed since are where the text was before
			// ed: it moves them as it would have moved ix.later.
			for j := k + 1; j < len(ix.deferred); j++ {
				for i, sp := range ix.deferred[j].changed {
					ix.deferred[j].changed[i] = shiftSpan(sp, ed.start, ed.oldEnd, ed.newEnd)
				}
			}
			return
		}
	}
	ix.deferred = append(ix.deferred, deferredOp{edit: ed, isEdit: true})
	if len(ix.deferred) > maxDeferred {
		ix.catchUp()
	}
}

// byteEdit is an edit as the index sees it: [start, oldEnd) of the old
// text became [start, newEnd) of the new one.
type byteEdit struct{ start, oldEnd, newEnd int }

// then returns the one edit that does what e and then f (given where the
// text was after e) do, when f touches what e wrote; ok is false when
// they are apart. The joined edit replaces the hull of both.
func (e byteEdit) then(f byteEdit) (byteEdit, bool) {
	if f.start > e.newEnd || f.oldEnd < e.start {
		return byteEdit{}, false
	}
	return byteEdit{
		start:  min(e.start, f.start),
		oldEnd: e.oldEnd + max(0, f.oldEnd-e.newEnd),
		newEnd: f.newEnd + max(0, e.newEnd-f.oldEnd),
	}, true
}

// deferredOp is an edit (Edit) or the changes of a reparse (Postpone)
// kept until the index is read.
type deferredOp struct {
	edit    byteEdit
	changed []Span // Postpone's
	isEdit  bool
}

// maxDeferred bounds the operations kept before they are applied: edits in
// many places (a search and replace) are applied as they come once there
// are this many.
const maxDeferred = 2 * maxPostponed

// lastDeferredEdit returns the index in ix.deferred of the last edit kept,
// or -1.
func (ix *Index) lastDeferredEdit() int {
	for k := len(ix.deferred) - 1; k >= 0; k-- {
		if ix.deferred[k].isEdit {
			return k
		}
	}
	return -1
}

// catchUp applies the edits and changes kept, in order. Every method that
// reads the index calls it first.
func (ix *Index) catchUp() {
	ops := ix.deferred
	ix.deferred = nil
	for _, op := range ops {
		if op.isEdit {
			ix.applyEdit(op.edit)
		} else {
			ix.postpone(op.changed)
		}
	}
}

// applyEdit shifts the matches past an edit and marks the edited span
// dirty.
func (ix *Index) applyEdit(e byteEdit) {
	start, oldEnd, newEnd := e.start, e.oldEnd, e.newEnd
	ix.list.edit(start, oldEnd, newEnd-oldEnd)
	ix.view = nil
	// A refusal whose root the edit touches is recorded again when its
	// region is matched; the others keep their place. Whether the edit
	// touches what their predicates read is for Refresh to decide.
	ix.rejected.edit(start, oldEnd, newEnd)
	for i := range ix.dirty {
		ix.dirty[i] = shiftSpan(ix.dirty[i], start, oldEnd, newEnd)
	}
	for i := range ix.later {
		ix.later[i] = shiftSpan(ix.later[i], start, oldEnd, newEnd)
	}
	for i := range ix.pending {
		ix.pending[i].span = shiftSpan(ix.pending[i].span, start, oldEnd, newEnd)
		ix.pending[i].parent = shiftSpan(ix.pending[i].parent, start, oldEnd, newEnd)
	}
	ix.dirty = append(ix.dirty, Span{start, newEnd})
	ix.edits++
	ix.lastEdit = e
}

// eagerBytes is how much text inside a region Refresh matches at once; a
// larger run of children is queued and matched on demand.
const eagerBytes = 16 << 10

// pieceBytes is the size up to which a queued node is matched whole; a larger
// one is split into its own patterns and its children.
const pieceBytes = 2048

// Postpone records the ranges whose syntax changed (from
// syntax.Tree.Reparse) after the edits given to Edit, without matching
// anything: an index whose matches are not asked for on every keystroke
// takes the edits and reparses one by one, and matches what they changed
// at its next Refresh, all at once (as the edits replayed after a
// background analysis). Until then it keeps the text of its last Refresh.
//
// The changes are kept with the edits (Edit) until the index is read, or
// until edits in many places make more than maxDeferred of them; applied,
// the spans are merged once there are more than maxPostponed (typing in
// one place leaves one). due reports that edits in many places still leave
// more, and the caller should Refresh now rather than let each keystroke
// move them all.
func (ix *Index) Postpone(changed [][2]uint32) (due bool) {
	if len(changed) > 0 {
		var op *deferredOp
		if n := len(ix.deferred); n > 0 && !ix.deferred[n-1].isEdit {
			op = &ix.deferred[n-1]
		} else {
			ix.deferred = append(ix.deferred, deferredOp{})
			op = &ix.deferred[len(ix.deferred)-1]
		}
		for _, c := range changed {
			op.changed = append(op.changed, Span{int(c[0]), int(c[1])})
		}
		if len(op.changed) > maxPostponed {
			op.changed = mergeSpans(op.changed)
		}
	}
	if len(ix.deferred) > maxDeferred {
		ix.catchUp()
	}
	return len(ix.later)+len(ix.dirty) > maxPostponed
}

// postpone records the ranges whose syntax changed (Postpone's, applied).
func (ix *Index) postpone(changed []Span) {
	ix.later = append(ix.later, changed...)
	if len(ix.later)+len(ix.dirty) > maxPostponed {
		ix.later, ix.dirty = mergeSpans(ix.later), mergeSpans(ix.dirty)
	}
}

// maxPostponed bounds the spans Postpone keeps before it merges them.
const maxPostponed = 32

// Stale reports whether edits or postponed changes wait for a Refresh.
func (ix *Index) Stale() bool {
	return len(ix.deferred) > 0 || len(ix.dirty) > 0 || len(ix.later) > 0
}

// takeStructural returns the ranges whose syntax changed, postponed and
// changed, within a text of n bytes, and forgets the postponed ones.
func (ix *Index) takeStructural(changed [][2]uint32, n int) []Span {
	var out []Span
	for _, c := range ix.later {
		out = append(out, Span{min(c.Start, n), min(c.End, n)})
	}
	ix.later = nil
	for _, c := range changed {
		out = append(out, Span{int(c[0]), min(int(c[1]), n)})
	}
	return out
}

// Refresh takes the dirty spans and the ranges whose syntax changed (from
// syntax.Tree.Reparse, and those postponed), drops the matches they may
// have invalidated, and matches again what changed (see Index).
func (ix *Index) Refresh(tree *syntax.Tree, text *syntax.Text, changed [][2]uint32) {
	ix.catchUp()
	spans := ix.dirty
	ix.dirty = nil
	structural := ix.takeStructural(changed, text.Len())
	spans = append(spans, structural...)
	now := text
	win := ix.window(now)
	ix.moveDynMarks(now, win)
	// Counted once per refresh: the change, the index and this round's
	// scope predicates all ask.
	minNow := minifiedCounts(text.Len(), text.Newlines())
	ix.cur = text
	defer func() { ix.text, ix.edits, ix.minified = now, 0, minNow }()
	if len(spans) == 0 {
		return
	}
	var regions, roots []Span
	ch := ix.describeChange(tree.Root(), now, win, minNow, mergeSpans(structural))
	ix.moveGlobals(now, &ch)
	if ch.minified {
		// Every scope predicate's answer may flip: match the file again.
		regions = []Span{{0, now.Len()}}
	} else {
		regions = editRegions(text, spans)
		// Matches and refusals whose predicates read what changed, while
		// their root is elsewhere, are matched again at their root.
		touched := mergeSpans(append([]Span(nil), spans...))
		roots = ix.list.dependents(touched, nil, &ch)
		roots = ix.rejected.dependents(touched, roots, &ch)
	}
	// Queued work that a region touches was laid out against the old
	// tree: it joins the region (which may then touch more).
	for grown := true; grown; {
		grown = false
		kept := ix.pending[:0]
		for _, j := range ix.pending {
			if overlapsAny(j.span, regions) {
				regions = append(regions, j.span)
				grown = true
				continue
			}
			kept = append(kept, j)
		}
		ix.pending = kept
		if grown {
			regions = mergeSpans(regions)
		}
	}
	roots = exactRoots(roots, regions)
	ix.list.drop(regions)
	ix.list.dropRoots(roots)
	ix.view = nil
	ix.rejected.drop(regions)
	ix.rejected.dropRoots(roots)

	w := ix.newWork(tree, text)
	defer w.close()
	w.env.minified = -1
	if minNow {
		w.env.minified = 1
	}
	for _, r := range regions {
		w.region(r)
	}
	w.stats.Roots = len(roots)
	for _, r := range roots {
		w.atSpan(r)
	}
	ix.pending = append(ix.pending, w.queued...)
	sort.Slice(ix.pending, func(i, j int) bool { return ix.pending[i].span.Start < ix.pending[j].span.Start })
	ix.merge(w.fresh)
	ix.rejected.add(w.rejected...)
	ix.last = w.stats
}

// moveDynMarks brings the eval and with marks kept since the last refresh
// (if any) to now, around the window of the edits made since.
func (ix *Index) moveDynMarks(now *syntax.Text, win editWindow) {
	if ix.dyn == nil || ix.dyn.src != ix.text || !win.ok {
		if ix.dyn != nil && ix.dyn.src != now {
			ix.dyn = nil // found anew when asked
		}
		return
	}
	if win.newEnd-win.oldEnd != now.Len()-ix.text.Len() {
		ix.dyn = nil
		return
	}
	ix.dyn.update(now, win.start, win.oldEnd, win.newEnd)
}

// exactRoots sorts the roots of the matches and refusals whose Deps an
// edit touched, drops those that overlap a region (matching the region
// matches them again) and duplicates, and returns the rest. Those are
// matched again at their root alone (work.atSpan): the edit is outside
// the root's subtree, so the matches rooted inside it or at its ancestors
// change only if their own Deps say so, in which case their roots are
// among these too. Matching the ancestors of each, as for an edited line,
// cost a bundle's keystroke the declarations around every Date.now() in
// the file (and their scope predicates).
func exactRoots(roots, regions []Span) []Span {
	out := roots[:0]
	for _, r := range roots {
		if !overlapsAny(r, regions) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, cmpSpan)
	return slices.Compact(out)
}

// editRegions widens spans by one byte on each side (a node that ends or
// starts exactly at an edit can change with it: an identifier grows), and
// merges them. That byte is all the index needs: a node inside a region
// is matched again whole, one that overlaps it is an ancestor of the edit
// and its own patterns are matched again, and a match whose predicates
// read beyond its node says so in its Deps (deps.go). The property tests
// (TestIndexIncrementalEqualsFull) compare the result with a full rescan.
func editRegions(text *syntax.Text, spans []Span) []Span {
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		out = append(out, Span{max(s.Start-1, 0), min(s.End+1, text.Len())})
	}
	return mergeSpans(out)
}

// overlapsAny reports whether n overlaps one of the sorted, disjoint regions.
func overlapsAny(n Span, sorted []Span) bool {
	i := sort.Search(len(sorted), func(i int) bool { return sorted[i].End >= n.Start })
	for ; i < len(sorted) && sorted[i].Start <= n.End; i++ {
		if nodeOverlaps(n, sorted[i]) {
			return true
		}
	}
	return false
}

// mergeSpans sorts spans and merges those that overlap or touch.
func mergeSpans(spans []Span) []Span {
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// work is one round of matching against the current tree.
type work struct {
	ix     *Index
	src    *syntax.Text
	root   *sitter.Node
	qc     *sitter.QueryCursor
	cursor *sitter.TreeCursor
	fresh  []Match
	env    *evalEnv // shared by the round's scope predicates
	// rejected are the refusals found this round.
	rejected []rejection
	queued   []job
	stats    WorkStats
	// done holds the nodes whose own patterns were matched this round, so
	// that regions sharing ancestors do not match them twice.
	done map[nodeKey]bool
}

type nodeKey struct {
	span Span
	typ  string
}

func (ix *Index) newWork(tree *syntax.Tree, src *syntax.Text) *work {
	root := tree.Root()
	env := ix.set.env(src, root)
	env.dyn = func() *dynMarks { return ix.dynMarks(src) }
	env.globals = func() map[string]bool { return ix.globalNames(src) }
	if ix.cur != nil && ix.cur == src {
		env.doc = ix.cur
	}
	return &work{ix: ix, src: src, root: root, qc: sitter.NewQueryCursor(), cursor: sitter.NewTreeCursor(root), done: map[nodeKey]bool{}, env: env}
}

// dynMarks returns the eval and with marks of src: the ones kept since the
// last refresh when they are of src, else found anew.
func (ix *Index) dynMarks(src *syntax.Text) *dynMarks {
	if ix.dyn == nil || ix.dyn.src != src {
		ix.dyn = newDynMarks(src)
	}
	return ix.dyn
}

// globalNames is #global?'s answer per name for the text src: whether no
// occurrence of the name in the file declares it or is dynamic. It is a
// fact about the name's occurrences and the scopes around them, which is
// what an inert change's words bound (deps.go): a change that is not inert
// forgets every answer, an inert one the answers for its words. Looking the
// occurrences up walked to each of them from the root on every keystroke
// whose line holds a #global? match (moment.js's Date: a quarter of the
// server's CPU per keystroke).
type globalNames struct {
	src   *syntax.Text
	names map[string]bool
}

// globalNames returns the answers kept for src, or a new, empty table.
func (ix *Index) globalNames(src *syntax.Text) map[string]bool {
	if ix.globals == nil || ix.globals.src != src {
		ix.globals = &globalNames{src: src, names: map[string]bool{}}
	}
	return ix.globals.names
}

// moveGlobals brings the kept #global? answers from the last refresh's
// text to now, given what changed.
func (ix *Index) moveGlobals(now *syntax.Text, ch *change) {
	g := ix.globals
	if g == nil {
		return
	}
	if g.src != ix.text || !ch.inert || ch.minified {
		ix.globals = nil
		return
	}
	for _, w := range ch.words {
		delete(g.names, w)
	}
	g.src = now
}

func (w *work) close() {
	w.qc.Close()
	w.cursor.Close()
}

func nodeSpan(n *sitter.Node) Span { return Span{int(n.StartByte()), int(n.EndByte())} }

func (w *work) collect(m Match) { w.fresh = append(w.fresh, m) }

func (w *work) reject(r rejection) { w.rejected = append(w.rejected, r) }

// at matches the patterns rooted exactly at n, once per round; above is
// n's visible parent (nil for the tree's root).
func (w *work) at(n, above *sitter.Node) {
	if !w.ix.set.roots(n) {
		return
	}
	k := nodeKey{nodeSpan(n), n.Type()}
	if w.done[k] {
		return
	}
	w.done[k] = true
	w.stats.Nodes++
	w.ix.set.matchAt(w.qc, w.env, n, above, w.collect, w.reject)
}

// atSpan matches the patterns rooted exactly at the nodes that span r (a
// node and the descendants that span the same bytes), not their subtrees.
func (w *work) atSpan(r Span) {
	c := w.cursor
	c.Reset(w.root)
	var above *sitter.Node
	for n := w.root; ; above, n = n, c.CurrentNode() {
		ns := nodeSpan(n)
		if ns == r {
			w.at(n, above)
		} else if !spanContains(ns, r) {
			return
		}
		if !childSpanning(c, uint32(r.Start), uint32(r.End)) {
			return
		}
	}
}

// region matches again what the region r (in the current tree) may have
// changed: the patterns rooted at every node that overlaps r without lying
// inside it, at once, and the subtrees of the nodes inside it, at once when
// they are small, else queued.
func (w *work) region(r Span) {
	c := w.cursor
	c.Reset(w.root)
	w.at(w.root, nil)
	if rs := nodeSpan(w.root); spanContains(r, rs) {
		w.queue(job{span: rs, parent: rs, parentType: w.root.Type()})
		return
	}
	w.descend(c, w.root, r)
}

// descend handles the children of the cursor's node (parent) that overlap r.
func (w *work) descend(c *sitter.TreeCursor, parent *sitter.Node, r Span) {
	if c.GoToFirstChildForByte(uint32(max(r.Start-1, 0))) < 0 {
		return
	}
	ps := nodeSpan(parent)
	run := Span{-1, -1} // children inside r, not yet handled
	flush := func() {
		if run.Start >= 0 {
			w.children(parent, ps, run)
			run = Span{-1, -1}
		}
	}
	for {
		n := c.CurrentNode()
		ns := nodeSpan(n)
		if ns.Start > r.End {
			break
		}
		if nodeOverlaps(ns, r) {
			if spanContains(r, ns) {
				if run.Start < 0 {
					run.Start = ns.Start
				}
				run.End = ns.End
			} else {
				flush()
				w.at(n, parent)
				w.descend(c, n, r)
			}
		}
		if !c.GoToNextSibling() {
			break
		}
	}
	flush()
	c.GoToParent()
}

// children matches the subtrees of parent's children inside span at once
// when they are small, or queues them.
func (w *work) children(parent *sitter.Node, ps Span, span Span) {
	j := job{span: span, parent: ps, parentType: parent.Type()}
	if span.End-span.Start > eagerBytes || w.runChildren(parent, j, span) {
		w.queue(j)
	}
}

func (w *work) queue(j job) { w.queued = append(w.queued, j) }

// runChildren matches the children of parent that lie in j.span and
// intersect want (closed): a small child with its whole subtree, a large one
// split into its own patterns and its children, the same way. The children
// of j before and after those are queued. It reports whether j must stay
// queued as it is: none of its children intersect want.
func (w *work) runChildren(parent *sitter.Node, j job, want Span) (keep bool) {
	c := sitter.NewTreeCursor(parent)
	defer c.Close()
	from := max(j.span.Start, want.Start-1)
	if c.GoToFirstChildForByte(uint32(from)) < 0 {
		return from > j.span.Start // children before want may remain
	}
	first := -1                   // where the children handled start
	before := from > j.span.Start // children of j before first may remain
	after := -1                   // where the children of j left for later start
	for {
		n := c.CurrentNode()
		ns := nodeSpan(n)
		if ns.Start > j.span.End || (ns.Start == j.span.End && ns.End > ns.Start) {
			break
		}
		if spanContains(j.span, ns) {
			if ns.Start > want.End {
				after = ns.Start
				break
			}
			if want.Start > ns.End {
				before = true
			} else {
				if first < 0 {
					first = ns.Start
				}
				if ns.End-ns.Start > pieceBytes && n.ChildCount() > 0 {
					w.at(n, parent)
					if w.runChildren(n, job{span: ns, parent: ns, parentType: n.Type()}, want) {
						w.queue(job{span: ns, parent: ns, parentType: n.Type()})
					}
				} else {
					w.stats.SubtreeBytes += ns.End - ns.Start
					w.ix.set.matchSubtree(w.qc, w.env, n, parent, w.collect, w.reject)
				}
			}
		}
		if !c.GoToNextSibling() {
			break
		}
	}
	if first < 0 {
		// Nothing handled: keep j unless it holds no child at all.
		return before || after >= 0
	}
	if before {
		w.queue(job{span: Span{j.span.Start, first}, parent: j.parent, parentType: j.parentType})
	}
	if after >= 0 {
		// From the first child not handled, not from the end of the last
		// one handled: a zero-width child there (a MISSING or empty ERROR
		// node at the cursor) would be in the new job again, and the job
		// would be the same one, queued and run for ever.
		w.queue(job{span: Span{after, j.span.End}, parent: j.parent, parentType: j.parentType})
	}
	return false
}

// find returns the parent node of a queued job: the node with the job's
// parent span and type (of nested nodes with the same span and type, the
// outermost when the job covers all its children, else the innermost).
func (w *work) find(j job) *sitter.Node {
	c := w.cursor
	c.Reset(w.root)
	var found *sitter.Node
	for {
		n := c.CurrentNode()
		if nodeSpan(n) == j.parent && n.Type() == j.parentType {
			if j.span == j.parent {
				return n
			}
			found = n
		}
		if c.GoToFirstChildForByte(uint32(j.parent.Start)) < 0 {
			return found
		}
		for {
			ns := nodeSpan(c.CurrentNode())
			if ns.Start > j.parent.Start {
				return found
			}
			if spanContains(ns, j.parent) {
				break
			}
			if !c.GoToNextSibling() {
				return found
			}
		}
	}
}

// resolve matches the queued work that intersects [start, end], until
// deadline (zero: no deadline); what it had no time for stays queued.
func (ix *Index) resolve(tree *syntax.Tree, src *syntax.Text, start, end int, deadline time.Time) {
	if len(ix.pending) == 0 {
		return
	}
	w := ix.newWork(tree, src)
	defer w.close()
	want := Span{start, end}
	var keep []job
	todo := ix.pending
	for len(todo) > 0 {
		for _, j := range todo {
			if j.span.Start > end || j.span.End < start || (!deadline.IsZero() && time.Now().After(deadline)) {
				keep = append(keep, j)
				continue
			}
			if p := w.find(j); p != nil && w.runChildren(p, j, want) {
				keep = append(keep, j)
			}
		}
		// What was left of the jobs handled: smaller, and maybe still in
		// the range.
		todo, w.queued = w.queued, nil
	}
	ix.pending = keep
	sort.Slice(ix.pending, func(i, j int) bool { return ix.pending[i].span.Start < ix.pending[j].span.Start })
	ix.merge(w.fresh)
	ix.rejected.add(w.rejected...)
	ix.last = w.stats
}

// Pending returns how many bytes of the document wait to be matched.
func (ix *Index) Pending() int {
	ix.catchUp()
	n := 0
	for _, j := range ix.pending {
		n += j.span.End - j.span.Start
	}
	return n
}

// Flush matches everything queued.
func (ix *Index) Flush(tree *syntax.Tree, src *syntax.Text) {
	ix.catchUp()
	ix.resolve(tree, src, 0, src.Len(), time.Time{})
}

// Matches returns every match, ordered by position, after matching what is
// pending. The slice must not be modified.
func (ix *Index) Matches(tree *syntax.Tree, src *syntax.Text) []Match {
	ix.Flush(tree, src)
	if ix.view == nil {
		ix.view = ix.list.all()
	}
	return ix.view
}

// Within returns the matches whose site intersects [start, end]; an empty
// range selects the matches whose site contains the cursor. tree and src
// must be the document's current tree and text.
func (ix *Index) Within(tree *syntax.Tree, src *syntax.Text, start, end int) []Match {
	return ix.WithinBy(tree, src, start, end, time.Time{})
}

// WithinBy is Within with a deadline for matching what is queued: a request
// on a region whose syntax changed wholesale (a huge document, an unfinished
// construct) answers with what could be matched in time, and the rest is
// matched by later requests.
func (ix *Index) WithinBy(tree *syntax.Tree, src *syntax.Text, start, end int, deadline time.Time) []Match {
	ix.catchUp()
	ix.resolve(tree, src, start, end, deadline)
	return ix.list.within(start, end)
}

// merge adds freshly matched matches.
func (ix *Index) merge(fresh []Match) {
	if len(fresh) == 0 {
		return
	}
	sortMatches(fresh)
	ix.list.insert(fresh)
	ix.view = nil
}

func (m Match) String() string {
	return fmt.Sprintf("%s@%d-%d", m.Rule.ID, m.Site.Start, m.Site.End)
}
