package rules

import (
	"bytes"
	"sort"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Scope analysis: which identifiers declare a name, which refer to one, and
// in which scope each declaration binds. It answers the questions rule
// predicates ask ("is this binding referenced outside its block?", "is this
// parameter used as anything but an opaque value?") over the tree-sitter
// tree, in the spirit of tree-sitter's locals queries (scopes, definitions,
// references), written here as tables per language.
//
// The analysis is name-centric and lazy: asked about a name inside a region
// (a function, a file), it finds the name's occurrences in the region's text
// and classifies each from the path of nodes that leads to it. A rule only
// ever asks about a few names, so nothing else in the file is looked at.
//
// It is conservative: constructs that make names dynamic (JavaScript's
// with and direct eval, Python's global, nonlocal and exec) mark the
// occurrences "dynamic", and every predicate built on the analysis fails on
// them, so an uncertain site gets no suggestion rather than a wrong one.

// step is one node on the path from a region down to an occurrence.
type step struct {
	node  *sitter.Node
	field string // the field name of node in its parent, "" if none
	typ   string // node's type (kept here: each Type() is a cgo call)
}

// newStep makes the step for node n under field f.
func newStep(n *sitter.Node, f string) step { return step{node: n, field: f, typ: n.Type()} }

// occ is one occurrence of a name.
type occ struct {
	path    []step // from the region's root down to the identifier
	decl    bool   // the occurrence declares the name
	write   bool   // it assigns the name (a declaration with a value, an assignment target)
	read    bool   // it reads the name
	dynamic bool   // the name's meaning cannot be decided here
	binds   *sitter.Node
	// scope is the scope node the occurrence resolves to: for a
	// declaration the scope it binds in, for a reference the nearest
	// enclosing scope that declares the name; nil when the declaration is
	// outside the region (a global, an import, an outer function).
	scope *sitter.Node
}

func (o *occ) node() *sitter.Node { return o.path[len(o.path)-1].node }
func (o *occ) start() int         { return int(o.node().StartByte()) }

// scopeLang describes one language for the analysis.
type scopeLang struct {
	identTypes map[string]bool // node types that name a variable
	functions  map[string]bool // function-like scopes (closures)
	blocks     map[string]bool // other scopes (blocks, modules, comprehensions)
	// identByte reports whether b can be part of an identifier.
	identByte func(b byte) bool
	// classify fills decl, write, read, dynamic and binds for the
	// identifier at the end of path.
	classify func(path []step, src *syntax.Text, o *occ)
	// loops are the node types of loops.
	loops map[string]bool
}

func set(types ...string) map[string]bool {
	m := make(map[string]bool, len(types))
	for _, t := range types {
		m[t] = true
	}
	return m
}

func asciiIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

func jsIdent(b byte) bool { return asciiIdent(b) || b == '$' }

// scopeLangFor returns the scope description of grammar g, or nil.
func scopeLangFor(g syntax.Grammar) *scopeLang {
	switch g {
	case syntax.JavaScript, syntax.TypeScript, syntax.TSX:
		return jsScope
	case syntax.Python:
		return pyScope
	case syntax.Go:
		return goScope
	}
	return nil
}

// scopeIndex answers scope questions about one tree. It caches what it
// finds; one is made per matching pass, so the cache never outlives the
// tree it describes.
type scopeIndex struct {
	lang *scopeLang
	src  *syntax.Text
	root *sitter.Node
	occs map[occKey][]*occ
	// names indexes, per region, where each identifier-like word starts:
	// one pass over the region's text instead of one per name asked.
	names map[uintptr]map[string][]int
	// kids holds the children of the nodes a lookup went through, to find
	// the one holding a byte by binary search: ancestors are shared by
	// every lookup, and a bundle's function body has thousands of
	// statements that a walk would go through each time.
	kids map[uintptr]*childList
	// paths memoizes pathToNode: several predicates of one match ask for
	// the same node's ancestors.
	paths map[pathKey][]step
	// dynamic remembers which functions call eval or use with; dyn, when
	// set, gives where the text spells them (an index's marks).
	dynamic map[uintptr]bool
	dyn     func() *dynMarks
	// asked counts the names wordStarts looked for per region.
	asked map[uintptr]int
	// last is the previous path walked, whose upper part the next lookup
	// usually shares.
	last lastPath
	// find, when set, gives where a string occurs in src, from answers
	// the document's text keeps across keystrokes (syntax.Text.Find).
	find func(string) ([]int, bool)
}

type pathKey struct {
	node uintptr // the node's id
}

type childList struct {
	nodes  []*sitter.Node
	fields []string
	types  []string
	starts []uint32
	ends   []uint32
	counts []uint32 // each child's child count
}

type occKey struct {
	region uintptr
	name   string
}

func newScopeIndex(g syntax.Grammar, root *sitter.Node, src *syntax.Text) *scopeIndex {
	return &scopeIndex{lang: scopeLangFor(g), src: src, root: root, occs: map[occKey][]*occ{},
		names: map[uintptr]map[string][]int{}, kids: map[uintptr]*childList{}, paths: map[pathKey][]step{}, dynamic: map[uintptr]bool{}}
}

// children returns n's children, listed once per pass.
func (s *scopeIndex) children(n *sitter.Node) *childList {
	l := s.kids[n.ID()]
	if l == nil {
		l = &childList{}
		eachChild(n, func(c *sitter.Node, f string) bool {
			l.nodes = append(l.nodes, c)
			l.fields = append(l.fields, f)
			l.types = append(l.types, c.Type())
			l.starts = append(l.starts, c.StartByte())
			l.ends = append(l.ends, c.EndByte())
			l.counts = append(l.counts, c.ChildCount())
			return true
		})
		s.kids[n.ID()] = l
	}
	return l
}

// path returns the path from top down to the node spanning exactly
// [start, end): the outermost one of type typ, or with typ "" the leaf.
//
// Lookups come in text order (a name's occurrences, a match's captures), so
// consecutive paths share their upper part: the walk starts from the
// deepest node of the previous path from the same top that still spans the
// new range, which it knows without asking the tree (the spans are kept
// beside that path). Below a bundle's factory function every lookup would
// otherwise walk the same ten or twenty ancestors again, a few cgo calls
// each.
func (s *scopeIndex) path(top *sitter.Node, start, end uint32, typ string) []step {
	ts, te := top.StartByte(), top.EndByte()
	if ts > start || te < end {
		return nil
	}
	path, spans := s.sharedPrefix(top, start, end)
	if path == nil {
		path, spans = []step{newStep(top, "")}, []stepSpan{{ts, te, top.ChildCount()}}
	}
	// Stop at a node of the prefix that is already the answer.
	for i, sp := range spans {
		if sp.start == start && sp.end == end && (typ == "" && sp.count == 0 || typ != "" && path[i].typ == typ) {
			return path[: i+1 : i+1]
		}
	}
	last := spans[len(spans)-1]
	ts, te, count := last.start, last.end, last.count
	// A cursor finds the child holding the span in C: listing the
	// children of each ancestor (a bundle's factory holds thousands of
	// statements) would cost every lookup in a new pass what the block
	// holds. A zero-width span, which a child may end at, uses the lists.
	var c *sitter.TreeCursor
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for {
		cur := path[len(path)-1]
		if len(path) > len(spans) {
			if ts == start && te == end && (typ == "" && count == 0 || typ != "" && cur.typ == typ) {
				break
			}
			spans = append(spans, stepSpan{ts, te, count})
		}
		if count == 0 {
			break
		}
		if start < end {
			if c == nil {
				c = sitter.NewTreeCursor(cur.node)
			}
			if c.GoToFirstChildForByte(start) < 0 {
				break
			}
			n := c.CurrentNode()
			for n.EndByte() < end && c.GoToNextSibling() {
				n = c.CurrentNode()
			}
			if n.EndByte() < end || n.StartByte() > start {
				break
			}
			path = append(path, step{node: n, field: c.CurrentFieldName(), typ: n.Type()})
			ts, te, count = n.StartByte(), n.EndByte(), n.ChildCount()
			continue
		}
		l := s.children(cur.node)
		i := sort.Search(len(l.ends), func(i int) bool { return l.ends[i] >= end && (l.ends[i] > start || start == end) })
		if i == len(l.ends) || l.starts[i] > start {
			break
		}
		path = append(path, step{node: l.nodes[i], field: l.fields[i], typ: l.types[i]})
		ts, te, count = l.starts[i], l.ends[i], l.counts[i]
	}
	if len(path) > len(spans) {
		spans = append(spans, stepSpan{ts, te, count})
	}
	s.last = lastPath{top: top.ID(), path: path, spans: spans}
	if ts == start && te == end && (typ == "" && count == 0 || typ != "" && path[len(path)-1].typ == typ) {
		return path[:len(path):len(path)]
	}
	if typ == "" && ts == start && te == end {
		return path[:len(path):len(path)]
	}
	return nil
}

// stepSpan is what path knows of a node on the last path without asking
// the tree: its byte span and child count.
type stepSpan struct {
	start, end, count uint32
}

// lastPath is the previous path walked from a top, with its nodes' spans.
type lastPath struct {
	top   uintptr
	path  []step
	spans []stepSpan
}

// sharedPrefix returns a copy of the part of the last path from top whose
// nodes span [start, end), and their spans (not a copy), or nil if there
// is none.
func (s *scopeIndex) sharedPrefix(top *sitter.Node, start, end uint32) ([]step, []stepSpan) {
	if s.last.path == nil || s.last.top != top.ID() || start == end {
		// (A zero-width span may sit between two children, and the walk
		// picks one by a rule the previous path need not have followed.)
		return nil, nil
	}
	k := 0
	for k < len(s.last.spans) && s.last.spans[k].start <= start && s.last.spans[k].end >= end {
		k++
	}
	if k == 0 {
		return nil, nil
	}
	path := make([]step, k, k+16)
	copy(path, s.last.path[:k])
	// The spans are read only here and the path that follows replaces
	// the last one: it can write over the old spans past k.
	return path, s.last.spans[:k]
}

// member reports whether the word at off follows a single "." (obj.name,
// not the spread ...name): a property name, never a variable, which is
// known without walking the tree to it.
func (s *scopeIndex) member(off int) bool {
	i := off - 1
	for i >= 0 && (s.src.At(i) == ' ' || s.src.At(i) == '\t') { // not across lines: a comment may end in "."
		i--
	}
	return i >= 0 && s.src.At(i) == '.' && (i == 0 || s.src.At(i-1) != '.')
}

// wordStarts returns where the identifier-like word name starts in
// region's text. The first few names asked of a region in a pass are
// searched for directly (an edit's pass asks about one declaration or two:
// indexing a bundle's every word for them would cost the file on every
// keystroke); after that the region's words are indexed once.
func (s *scopeIndex) wordStarts(region *sitter.Node, name string) []int {
	if w, ok := s.names[region.ID()]; ok {
		return w[name]
	}
	if s.asked == nil {
		s.asked = map[uintptr]int{}
	}
	if s.asked[region.ID()]++; s.asked[region.ID()] > directLookups {
		return s.words(region)[name]
	}
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return nil
	}
	for i := 0; i < len(name); i++ {
		if !s.lang.identByte(name[i]) {
			return nil // not one word: the index has no such entry either
		}
	}
	lo, hi := int(region.StartByte()), int(region.EndByte())
	// whole reports whether name at at is a word of the region, not part
	// of a longer one.
	whole := func(at int) bool {
		end := at + len(name)
		return (at == lo || !s.lang.identByte(s.src.At(at-1))) && (end == hi || !s.lang.identByte(s.src.At(end)))
	}
	var out []int
	if s.find != nil && hi-lo >= findRegionBytes {
		if occ, ok := s.find(name); ok {
			for _, at := range occ[sort.SearchInts(occ, lo):] {
				if at+len(name) > hi {
					break
				}
				if whole(at) {
					out = append(out, at)
				}
			}
			return out
		}
	}
	for i := lo; i < hi; {
		at := s.src.Index(i, hi, []byte(name))
		if at < 0 {
			break
		}
		if whole(at) {
			out = append(out, at)
		}
		i = at + 1
	}
	return out
}

// directLookups is how many names wordStarts looks for in a region before
// indexing its words.
const directLookups = 8

// findRegionBytes is the size from which wordStarts asks the document's
// text where a name occurs (searched in the whole text once, then kept
// across keystrokes) instead of searching the region: a bundle's factory
// is most of the file, a small function's body is cheaper to read again.
const findRegionBytes = 64 << 10

// words returns where each identifier-like word of region's text starts.
func (s *scopeIndex) words(region *sitter.Node) map[string][]int {
	if w, ok := s.names[region.ID()]; ok {
		return w
	}
	w := map[string][]int{}
	lo, hi := int(region.StartByte()), int(region.EndByte())
	src := s.src.Slice(lo, hi) // the region's bytes, from lo
	for i := 0; i < len(src); {
		if !s.lang.identByte(src[i]) {
			i++
			continue
		}
		j := i
		for j < len(src) && s.lang.identByte(src[j]) {
			j++
		}
		if c := src[i]; !(c >= '0' && c <= '9') {
			w[string(src[i:j])] = append(w[string(src[i:j])], lo+i)
		}
		i = j
	}
	s.names[region.ID()] = w
	return w
}

// childSpanning moves c to the first child of its node that spans [start,
// end), and reports whether there is one. (goto_first_child_for_byte stops
// at the first child that reaches start, which may end right there: the
// "(" before an argument.)
func childSpanning(c *sitter.TreeCursor, start, end uint32) bool {
	if c.GoToFirstChildForByte(start) < 0 {
		return false
	}
	for {
		n := c.CurrentNode()
		if n.StartByte() > start {
			return false
		}
		if n.EndByte() >= end && (n.EndByte() > start || start == end) {
			return true
		}
		if !c.GoToNextSibling() {
			return false
		}
	}
}

// occurrences returns the occurrences of name inside region, in text order,
// each classified and resolved.
func (s *scopeIndex) occurrences(region *sitter.Node, name string) []*occ {
	if s.lang == nil || name == "" {
		return nil
	}
	key := occKey{region.ID(), name}
	if o, ok := s.occs[key]; ok {
		return o
	}
	var out []*occ
	words := s.wordStarts(region, name)
	if len(words) > maxOccurrences {
		// Too many to analyse cheaply (a name reused across a bundle's
		// factory function): answer "cannot decide", which every predicate
		// treats as no.
		out = []*occ{{path: []step{newStep(region, "")}, dynamic: true}}
		s.occs[key] = out
		return out
	}
	for _, at := range words {
		if s.member(at) {
			continue // obj.name: a property, not this variable
		}
		path := s.path(region, uint32(at), uint32(at+len(name)), "")
		if path == nil || !s.lang.identTypes[path[len(path)-1].typ] {
			continue // inside a string, a comment or a longer token
		}
		o := &occ{path: path}
		s.lang.classify(path, s.src, o)
		if o.decl || o.read || o.write || o.dynamic {
			out = append(out, o)
		}
	}
	if s.lang == goScope {
		goRedeclared(out)
	}
	s.resolve(out)
	s.occs[key] = out
	return out
}

// resolve sets each occurrence's scope: a declaration's is where it binds;
// a reference's is the nearest enclosing scope holding a declaration of the
// same name.
func (s *scopeIndex) resolve(occs []*occ) {
	declared := map[uintptr]*sitter.Node{}
	for _, o := range occs {
		if o.decl && o.binds != nil {
			declared[o.binds.ID()] = o.binds
		}
	}
	for _, o := range occs {
		if o.decl {
			o.scope = o.binds
			continue
		}
		passedFunction := false
		for i := len(o.path) - 1; i >= 0; i-- {
			n, t := o.path[i].node, o.path[i].typ
			if s.lang == pyScope && t == "class_definition" && passedFunction {
				continue // a class body's names are not visible in its methods
			}
			if d, ok := declared[n.ID()]; ok {
				o.scope = d
				break
			}
			if s.lang.functions[t] {
				passedFunction = true
			}
		}
	}
}

// binding is the set of occurrences that resolve to one declaration scope.
type binding struct {
	name  string
	scope *sitter.Node // where it binds
	occs  []*occ       // every occurrence resolving to it, declarations included
	// dynamic: some occurrence in the region could not be decided.
	dynamic bool
}

// bindingOf returns the binding that the declaration or reference at path
// resolves to, looking at every occurrence of the name inside region.
func (s *scopeIndex) bindingOf(region *sitter.Node, name string, at *sitter.Node) (binding, bool) {
	occs := s.occurrences(region, name)
	var self *occ
	for _, o := range occs {
		if o.node().StartByte() == at.StartByte() && o.node().EndByte() == at.EndByte() {
			self = o
			break
		}
	}
	if self == nil || self.scope == nil {
		return binding{}, false
	}
	b := binding{name: name, scope: self.scope}
	for _, o := range occs {
		if o.dynamic {
			b.dynamic = true
		}
		if o.scope != nil && o.scope.ID() == self.scope.ID() {
			b.occs = append(b.occs, o)
		}
	}
	return b, true
}

// enclosing returns the ancestors of n from the root down to n's parent,
// with their field names (n's own step is the last one).
func (s *scopeIndex) enclosing(n *sitter.Node) []step {
	return s.path(s.root, n.StartByte(), n.EndByte(), "")
}

// innermost returns the innermost node of path at index j or above (toward
// the root) whose type is in one of types, and its index, or nil and -1.
func innermost(path []step, j int, types ...map[string]bool) (*sitter.Node, int) {
	for i := min(j, len(path)-1); i >= 0; i-- {
		for _, t := range types {
			if t[path[i].typ] {
				return path[i].node, i
			}
		}
	}
	return nil, -1
}

// pathToNode is the path from the root to the outermost node with exactly
// n's span and type (n need not be a leaf).
func (s *scopeIndex) pathToNode(n *sitter.Node) []step {
	k := pathKey{n.ID()}
	if p, ok := s.paths[k]; ok {
		return p
	}
	p := s.path(s.root, n.StartByte(), n.EndByte(), n.Type())
	s.paths[k] = p
	return p
}

// identifiersIn calls fn for every identifier of the analysed language
// under n, in order, with its path from n.
func (s *scopeIndex) identifiersIn(n *sitter.Node, fn func(path []step)) {
	c := sitter.NewTreeCursor(n)
	defer c.Close()
	path := []step{newStep(n, "")}
	for {
		if s.lang.identTypes[path[len(path)-1].typ] {
			fn(path)
		}
		if c.GoToFirstChild() {
			path = append(path, newStep(c.CurrentNode(), c.CurrentFieldName()))
			continue
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return
			}
			path = path[:len(path)-1]
			if len(path) == 1 {
				return
			}
		}
		path[len(path)-1] = newStep(c.CurrentNode(), c.CurrentFieldName())
	}
}

// maxOccurrences bounds how many occurrences of one name in one region a
// scope question analyses. Each costs a walk down the tree; a name used
// more often than this in one function (a bundle's factory) is answered
// conservatively ("cannot decide") rather than slowly. It is a count, not a
// time, so the answer is the same on every machine and in every pass.
const maxOccurrences = 128

// eachChild calls fn for each child of n with its field name, in order,
// until fn returns false. It walks with a cursor: indexing children one by
// one is quadratic in tree-sitter (ts_node_child scans from the first).
func eachChild(n *sitter.Node, fn func(c *sitter.Node, field string) bool) {
	c := sitter.NewTreeCursor(n)
	defer c.Close()
	for ok := c.GoToFirstChild(); ok; ok = c.GoToNextSibling() {
		if !fn(c.CurrentNode(), c.CurrentFieldName()) {
			return
		}
	}
}

// parentStep returns the step above path's last one, or a zero step.
func parentStep(path []step, up int) step {
	if i := len(path) - 1 - up; i >= 0 {
		return path[i]
	}
	return step{}
}

func nodeType(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return n.Type()
}

// ---- JavaScript and TypeScript ----

var jsProgram = set("program")

var jsScope = &scopeLang{
	identTypes: set("identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern"),
	functions: set("function_declaration", "generator_function_declaration", "function_expression", "function",
		"generator_function", "arrow_function", "method_definition", "function_signature", "function_type"),
	blocks:    set("program", "statement_block", "for_statement", "for_in_statement", "switch_body", "catch_clause", "class_static_block"),
	loops:     set("for_statement", "for_in_statement", "while_statement", "do_statement"),
	identByte: jsIdent,
}

// jsPatternOwner walks up from an identifier through destructuring
// patterns and returns the index of the step that owns the pattern (a
// declarator, a parameter list, an assignment...) and whether the
// identifier is a bound target (not a default value or a computed key).
func jsPatternOwner(path []step) (int, bool) {
	i := len(path) - 1
	for i > 0 {
		p := path[i-1]
		switch p.typ {
		case "object_pattern", "array_pattern", "rest_pattern":
			i--
		case "pair_pattern":
			if path[i].field != "value" {
				return i, false
			}
			i--
		case "assignment_pattern", "object_assignment_pattern":
			if path[i].field != "left" {
				return i, false
			}
			i--
		default:
			return i, true
		}
	}
	return i, true
}

func init() { jsScope.classify = jsClassify }

// jsClassify decides what the identifier at the end of path does: declares
// (and where it binds), writes, reads, or is dynamic.
func jsClassify(path []step, src *syntax.Text, o *occ) {
	leaf := path[len(path)-1]
	if leaf.typ == "shorthand_property_identifier" {
		o.read = true // {x} reads x
		return
	}
	i, target := jsPatternOwner(path)
	if !target {
		o.read = true
		return
	}
	if i == 0 {
		o.read = true
		return
	}
	if !jsOwner(path, i, o) {
		return
	}
	// Names inside a with statement, or in a function that calls eval
	// directly, may mean something else at run time.
	for j := len(path) - 2; j >= 0; j-- {
		if path[j].typ == "with_statement" {
			o.dynamic = true
			break
		}
	}
}

// jsOwner classifies by the node that owns the identifier, path[i-1]. It
// reports whether the with-statement check still applies.
func jsOwner(path []step, i int, o *occ) (checkWith bool) {
	if checkWith, ok := jsDeclaring(path, i, o); ok {
		return checkWith
	}
	owner, field := path[i-1], path[i].field
	switch owner.typ {
	case "assignment_expression":
		if field == "left" {
			o.write = true
			return false
		}
		o.read = true
	case "augmented_assignment_expression":
		if field == "left" {
			o.write, o.read = true, true
			return false
		}
		o.read = true
	case "update_expression":
		o.write, o.read = true, true
	case "enum_declaration", "internal_module", "module":
		if field == "name" {
			o.decl, o.write = true, true
			o.binds = jsBlockOf(path, i-2)
			return false
		}
		o.read = true
	case "with_statement":
		o.read, o.dynamic = true, true
	default:
		o.read = true
	}
	return true
}

// jsDeclaring classifies identifiers owned by the nodes that can declare a
// name (declarators, parameters, functions, classes, catch, for-in,
// imports); ok is false for any other owner.
func jsDeclaring(path []step, i int, o *occ) (checkWith, ok bool) {
	owner, field := path[i-1], path[i].field
	switch owner.typ {
	case "variable_declarator":
		if field != "name" {
			o.read = true
			return false, true
		}
		o.decl = true
		o.write = owner.node.ChildByFieldName("value") != nil
		if decl := parentStep(path[:i], 1).node; nodeType(decl) == "variable_declaration" {
			o.binds = jsFunctionOf(path, i-1)
		} else {
			o.binds = jsBlockOf(path, i-1)
		}
	case "formal_parameters":
		o.decl, o.write = true, true
		o.binds = parentStep(path[:i], 1).node
	case "required_parameter", "optional_parameter":
		if field != "pattern" {
			o.read = true
			return false, true
		}
		o.decl, o.write = true, true
		o.binds = parentStep(path[:i-1], 1).node // the function above formal_parameters
	case "arrow_function":
		if field == "parameter" {
			o.decl, o.write = true, true
			o.binds = owner.node
			return false, true
		}
		o.read = true
	case "function_declaration", "generator_function_declaration", "class_declaration", "function_signature":
		if field != "name" {
			o.read = true
			return false, true
		}
		o.decl, o.write = true, true
		o.binds = jsBlockOf(path, i-2)
	case "function_expression", "function", "generator_function", "class":
		if field != "name" {
			o.read = true
			return false, true
		}
		o.decl, o.write = true, true
		o.binds = owner.node
	case "catch_clause":
		if field != "parameter" {
			o.read = true
			return false, true
		}
		o.decl, o.write = true, true
		o.binds = owner.node
	case "for_in_statement":
		return jsForIn(path, i, o), true
	case "import_specifier", "import_clause", "namespace_import":
		if owner.typ == "import_specifier" && owner.node.ChildByFieldName("alias") != nil && field != "alias" {
			return false, true // the exported name, not a local binding
		}
		o.decl, o.write = true, true
		o.binds, _ = innermost(path, i, jsProgram)
	default:
		return false, false
	}
	return true, true
}

// jsForIn classifies an identifier owned by a for-in or for-of statement:
// its left declares (var: in the function; let, const: in the loop) or
// assigns; anything else is read.
func jsForIn(path []step, i int, o *occ) (checkWith bool) {
	owner, field := path[i-1], path[i].field
	if field != "left" {
		o.read = true
		return false
	}
	kind := owner.node.ChildByFieldName("kind")
	switch nodeType(kind) {
	case "var":
		o.decl, o.write = true, true
		o.binds = jsFunctionOf(path, i-1)
	case "let", "const":
		o.decl, o.write = true, true
		o.binds = owner.node
	default:
		o.write = true
	}
	return true
}

// jsFunctionOf is the function (or the program) enclosing path[:j+1].
func jsFunctionOf(path []step, j int) *sitter.Node {
	n, _ := innermost(path, j, jsScope.functions, jsProgram)
	return n
}

// jsBlockOf is the block (or function) enclosing path[:j+1].
func jsBlockOf(path []step, j int) *sitter.Node {
	n, _ := innermost(path, j, jsScope.blocks, jsScope.functions)
	return n
}

// jsDeclaredNames returns the names a variable or lexical declaration
// binds, with their identifier nodes.
func jsDeclaredNames(decl *sitter.Node, src *syntax.Text) []*sitter.Node {
	var out []*sitter.Node
	var walk func(n *sitter.Node)
	walk = func(n *sitter.Node) {
		switch n.Type() {
		case "identifier", "shorthand_property_identifier_pattern":
			out = append(out, n)
		case "object_pattern", "array_pattern", "rest_pattern":
			for i := 0; i < int(n.NamedChildCount()); i++ {
				walk(n.NamedChild(i))
			}
		case "pair_pattern":
			if v := n.ChildByFieldName("value"); v != nil {
				walk(v)
			}
		case "assignment_pattern", "object_assignment_pattern":
			if l := n.ChildByFieldName("left"); l != nil {
				walk(l)
			}
		}
	}
	for i := 0; i < int(decl.NamedChildCount()); i++ {
		if d := decl.NamedChild(i); d.Type() == "variable_declarator" {
			if name := d.ChildByFieldName("name"); name != nil {
				walk(name)
			}
		}
	}
	return out
}

// jsCallsEval reports whether n calls eval directly or uses with, which
// make the names in it dynamic (a text search, remembered per node).
func (s *scopeIndex) jsCallsEval(n *sitter.Node) bool {
	if v, ok := s.dynamic[n.ID()]; ok {
		return v
	}
	var v bool
	start, end := int(n.StartByte()), int(n.EndByte())
	if s.dyn != nil {
		v = s.dyn().within(start, end)
	} else {
		v = (&dynMarks{offs: scanDyn(s.src, start, end, nil)}).within(start, end)
	}
	s.dynamic[n.ID()] = v
	return v
}

// ---- Python ----

var pyScope = &scopeLang{
	identTypes: set("identifier"),
	functions:  set("function_definition", "lambda"),
	blocks:     set("module", "class_definition", "list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"),
	loops:      set("for_statement", "while_statement"),
	identByte:  asciiIdent,
}

func init() { pyScope.classify = pyClassify }

// pyClassify decides what the identifier at the end of path does: declares
// (and where it binds), writes, reads, or is dynamic.
func pyClassify(path []step, src *syntax.Text, o *occ) {
	// Climb through target patterns to what owns them.
	i := len(path) - 1
	for i > 0 {
		switch path[i-1].typ {
		case "pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern", "dictionary_splat_pattern", "as_pattern_target":
			i--
			continue
		}
		break
	}
	if i == 0 {
		o.read = true
		return
	}
	if !pyOwner(path, i, o) {
		return
	}
	if o.decl && o.binds == nil {
		o.dynamic = true
	}
}

// pyOwner classifies by the node that owns the identifier, path[i-1]. It
// reports whether the check for a declaration without a scope still
// applies.
func pyOwner(path []step, i int, o *occ) (checkScope bool) {
	if checkScope, ok := pyBinding(path, i, o); ok {
		return checkScope
	}
	if checkScope, ok := pyImport(path, i, o); ok {
		return checkScope
	}
	switch field := path[i].field; path[i-1].typ {
	case "attribute":
		if field == "attribute" {
			return false // obj.name: a member, not a variable
		}
		o.read = true
	case "keyword_argument":
		if field == "name" {
			return false
		}
		o.read = true
	case "global_statement", "nonlocal_statement":
		o.dynamic = true
	case "delete_statement":
		o.write = true
	default:
		o.read = true
	}
	return true
}

// pyBinding classifies identifiers owned by the nodes that can bind a name
// outside imports (assignments, for targets, as, :=, parameters,
// definitions); ok is false for any other owner.
func pyBinding(path []step, i int, o *occ) (checkScope, ok bool) {
	owner, field := path[i-1], path[i].field
	switch owner.typ {
	case "assignment":
		if field == "left" {
			o.decl, o.write = true, true
			o.binds = pyScopeOf(path, i-2, true)
			return false, true
		}
		o.read = true
	case "augmented_assignment":
		if field == "left" {
			o.decl, o.write, o.read = true, true, true
			o.binds = pyScopeOf(path, i-2, true)
			return false, true
		}
		o.read = true
	case "for_statement":
		if field == "left" {
			o.decl, o.write = true, true
			o.binds = pyScopeOf(path, i-2, true)
			return false, true
		}
		o.read = true
	case "for_in_clause":
		if field == "left" {
			o.decl, o.write = true, true
			o.binds = parentStep(path[:i], 1).node // the comprehension
			return false, true
		}
		o.read = true
	case "as_pattern":
		if field == "alias" {
			o.decl, o.write = true, true
			o.binds = pyScopeOf(path, i-2, true)
			return false, true
		}
		o.read = true
	case "named_expression":
		if field == "name" {
			o.decl, o.write = true, true
			o.binds = pyScopeOf(path, i-2, true)
			return false, true
		}
		o.read = true
	case "parameters", "lambda_parameters":
		o.decl, o.write = true, true
		o.binds = parentStep(path[:i], 1).node
	case "default_parameter", "typed_default_parameter":
		if field == "name" {
			o.decl, o.write = true, true
			o.binds = parentStep(path[:i-1], 1).node
			return false, true
		}
		o.read = true
	case "typed_parameter":
		if field == "" {
			o.decl, o.write = true, true
			o.binds = parentStep(path[:i-1], 1).node
			return false, true
		}
		o.read = true
	case "function_definition", "class_definition":
		if field == "name" {
			o.decl, o.write = true, true
			o.binds = pyScopeOf(path, i-2, true)
			return false, true
		}
		o.read = true
	default:
		return false, false
	}
	return true, true
}

// pyImport classifies identifiers in import statements; ok is false for
// any other owner.
func pyImport(path []step, i int, o *occ) (checkScope, ok bool) {
	owner, field := path[i-1], path[i].field
	switch owner.typ {
	case "aliased_import":
		if field == "alias" {
			o.decl, o.write = true, true
			o.binds = pyScopeOf(path, i-2, true)
		}
	case "dotted_name":
		// import a.b binds a; from m import a binds a; a module path
		// after from binds nothing.
		if i-2 < 0 {
			return false, true
		}
		stmt, f := path[i-2], path[i-1].field
		first := owner.node.NamedChild(0)
		switch stmt.typ {
		case "import_statement":
			if first != nil && first.StartByte() == path[len(path)-1].node.StartByte() {
				o.decl, o.write = true, true
				o.binds = pyScopeOf(path, i-3, true)
			}
		case "import_from_statement":
			if f == "name" {
				o.decl, o.write = true, true
				o.binds = pyScopeOf(path, i-3, true)
			}
		case "aliased_import":
		default:
			o.read = true
		}
	default:
		return false, false
	}
	return true, true
}

// pyScopeOf is the function, class or module (or, unless
// skipComprehensions, the comprehension) at or above path[j].
func pyScopeOf(path []step, j int, skipComprehensions bool) *sitter.Node {
	for k := j; k >= 0; k-- {
		t := path[k].typ
		if pyScope.functions[t] || t == "module" || t == "class_definition" {
			return path[k].node
		}
		if !skipComprehensions && pyScope.blocks[t] {
			return path[k].node
		}
	}
	return nil
}

// ---- Go ----

var goScope = &scopeLang{
	identTypes: set("identifier"),
	functions:  set("function_declaration", "method_declaration", "func_literal"),
	blocks: set("source_file", "block", "if_statement", "for_statement", "expression_switch_statement",
		"type_switch_statement", "select_statement", "expression_case", "type_case", "communication_case", "default_case"),
	loops:     set("for_statement"),
	identByte: asciiIdent,
}

func init() { goScope.classify = goClassify }

// goClassify decides what the identifier at the end of path does: declares
// (and where it binds), writes or reads.
func goClassify(path []step, src *syntax.Text, o *occ) {
	i := len(path) - 1
	if i == 0 {
		o.read = true
		return
	}
	owner, field := path[i-1], path[i].field
	switch owner.typ {
	case "expression_list":
		goExpressionList(path, i, src, o)
	case "var_spec", "const_spec":
		if field == "name" {
			o.decl = true
			o.write = owner.node.ChildByFieldName("value") != nil
			o.binds = goScopeOf(path, i-2)
			return
		}
		o.read = true
	case "parameter_declaration", "variadic_parameter_declaration":
		if field == "name" {
			o.decl, o.write = true, true
			// parameter_list, then the function
			o.binds = parentStep(path[:i-1], 1).node
			return
		}
		o.read = true
	case "function_declaration":
		if field == "name" {
			o.decl, o.write = true, true
			o.binds = path[0].node
			return
		}
		o.read = true
	case "inc_statement", "dec_statement":
		o.write, o.read = true, true
	default:
		o.read = true
	}
}

// goExpressionList classifies an identifier in an expression list, path[i-1]:
// the left of :=, a range clause, an assignment, a type switch's alias or a
// receive statement, or else a read.
func goExpressionList(path []step, i int, src *syntax.Text, o *occ) {
	if i-2 < 0 {
		o.read = true
		return
	}
	stmt, f := path[i-2], path[i-1].field
	switch stmt.typ {
	case "short_var_declaration":
		if f == "left" {
			o.decl, o.write = true, true
			o.binds = goScopeOf(path, i-3)
			return
		}
	case "range_clause":
		if f == "left" {
			if bytes.Contains(src.Slice(int(stmt.node.StartByte()), int(stmt.node.EndByte())), []byte(":=")) {
				o.decl, o.write = true, true
				o.binds = parentStep(path[:i-1], 1).node // the for statement
			} else {
				o.write = true
			}
			return
		}
	case "assignment_statement":
		if f == "left" {
			o.write = true
			if op := stmt.node.ChildByFieldName("operator"); op != nil && op.Type() != "=" {
				o.read = true
			}
			return
		}
	case "type_switch_statement":
		if f == "alias" {
			o.decl, o.write = true, true
			o.binds = stmt.node
			return
		}
	case "receive_statement":
		if f == "left" {
			o.decl, o.write = true, true
			o.binds = goScopeOf(path, i-3)
			return
		}
	}
	o.read = true
}

// goScopeOf is the block or function at or above path[j].
func goScopeOf(path []step, j int) *sitter.Node {
	n, _ := innermost(path, j, goScope.blocks, goScope.functions)
	return n
}

// goRedeclared turns the later declarations of a name in one scope into
// assignments: a := that reuses a name already declared in the same scope
// assigns it. occs are in text order.
func goRedeclared(occs []*occ) {
	seen := map[uintptr]bool{}
	for _, o := range occs {
		if !o.decl || o.binds == nil {
			continue
		}
		if seen[o.binds.ID()] {
			o.decl = false
			o.write = true
			continue
		}
		seen[o.binds.ID()] = true
	}
}
