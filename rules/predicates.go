package rules

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Scope predicates: preconditions a rule states in its query, which the
// engine checks over the syntax tree with the scope analysis of scope.go.
// Each is written (#name? @capture args...) and negated with a not- prefix,
// like tree-sitter's own #eq? and #not-eq?. The table below is the
// reference; the package documentation lists them for rule authors.
//
// A predicate may look beyond the match's own nodes (the function around
// it, the file's imports). It reports what it looked at, and the match
// records that span in Match.Deps: an edit there invalidates the match.

// predicateDef describes one scope predicate.
type predicateDef struct {
	// args describes the arguments after the first capture: 'c' a
	// capture, 's' a string, 'r' a regular expression; a trailing '*'
	// repeats the last kind, a trailing '?' makes the last one optional.
	args string
	eval func(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span)
	// exact is set when what the predicate reads beyond its capture is
	// the occurrences of the words it declares (evalEnv.lookedUp) and the
	// structure of the code around them: an edit in its Deps that changes
	// none of those leaves its answer as it was (see deps.go).
	exact bool
}

// predArg is one argument of a scope predicate after the first capture.
type predArg struct {
	capture string
	value   string
	re      *regexp.Regexp
}

var scopePredicates map[string]predicateDef

func init() {
	scopePredicates = map[string]predicateDef{
		"parent-is?":          {"s*", predParentIs, false},
		"guarded-by?":         {"r", predGuardedBy, false},
		"in-function?":        {"r", predInFunction, true},
		"commented?":          {"r?", predCommented, false},
		"global?":             {"", predGlobal, true},
		"local-to-block?":     {"", predLocalToBlock, true},
		"captured-in-loop?":   {"", predCapturedInLoop, true},
		"never-reassigned?":   {"", predNeverReassigned, true},
		"module-file?":        {"", predModuleFile, true},
		"used-only-opaquely?": {"", predUsedOnlyOpaquely, false},
		"exported?":           {"", predExported, false},
		"known-type?":         {"s*", predKnownType, false},
		"sole-reference?":     {"c", predSoleReference, false},
		"declared-before?":    {"c", predDeclaredBefore, false},
		"referenced-after?":   {"c", predReferencedAfter, false},
		"go-unused-after?":    {"c", predGoUnusedAfter, false},
		"go-set-before?":      {"", predGoSetBefore, false},
		"go-unshared?":        {"", predGoUnshared, false},
		"go-set-by-pointer?":  {"", predGoSetByPointer, false},
		"refers-to?":          {"c", predRefersTo, false},
		"reraises?":           {"", predReraises, false},
		"fresh-name?":         {"s", predFreshName, false},
		"free-name?":          {"s", predFreeName, false},
		"assigns?":            {"c", predAssigns, false},
		"class-defines?":      {"s", predClassDefines, false},
		"go-imports?":         {"s", predGoImports, false},
		"go-build?":           {"r", predGoBuild, false},
		"python2-file?":       {"", predPython2File, false},
		"boolean-context?":    {"", predBooleanContext, false},
	}
}

// compileScopePredicate checks a scope predicate's arguments. args are the
// steps after the first capture.
func compileScopePredicate(q *sitter.Query, name string, args []sitter.QueryPredicateStep) (predicateDef, []predArg, error) {
	def, ok := scopePredicates[name]
	if !ok {
		return def, nil, fmt.Errorf("unsupported predicate #%s", name)
	}
	kinds := def.args
	var out []predArg
	for i, a := range args {
		var k byte
		switch {
		case i < len(kinds) && kinds[i] != '*' && kinds[i] != '?':
			k = kinds[i]
		case strings.HasSuffix(kinds, "*") && len(kinds) >= 2:
			k = kinds[len(kinds)-2]
		default:
			return def, nil, fmt.Errorf("#%s takes %s", name, describeArgs(kinds))
		}
		switch k {
		case 'c':
			if a.Type != sitter.QueryPredicateStepTypeCapture {
				return def, nil, fmt.Errorf("#%s: argument %d must be a capture", name, i+2)
			}
			out = append(out, predArg{capture: q.CaptureNameForId(a.ValueId)})
		case 's', 'r':
			if a.Type != sitter.QueryPredicateStepTypeString {
				return def, nil, fmt.Errorf("#%s: argument %d must be a string", name, i+2)
			}
			v := q.StringValueForId(a.ValueId)
			pa := predArg{value: v}
			if k == 'r' {
				re, err := compileRegexp(v)
				if err != nil {
					return def, nil, fmt.Errorf("#%s: %w", name, err)
				}
				pa.re = re
			}
			out = append(out, pa)
		}
	}
	required := 0
	for i := 0; i < len(kinds); i++ {
		if kinds[i] == '*' || kinds[i] == '?' || i+1 < len(kinds) && (kinds[i+1] == '?' || kinds[i+1] == '*') {
			continue
		}
		required++
	}
	if len(out) < required {
		return def, nil, fmt.Errorf("#%s takes %s", name, describeArgs(kinds))
	}
	return def, out, nil
}

func describeArgs(kinds string) string {
	if kinds == "" {
		return "one capture"
	}
	var parts []string
	for i := 0; i < len(kinds); i++ {
		var w string
		switch kinds[i] {
		case 'c':
			w = "a capture"
		case 's':
			w = "a string"
		case 'r':
			w = "a regular expression"
		default:
			continue
		}
		if i+1 < len(kinds) && kinds[i+1] == '*' {
			w = "any number of " + strings.TrimPrefix(strings.TrimPrefix(w, "a "), "an ") + "s"
		}
		if i+1 < len(kinds) && kinds[i+1] == '?' {
			w = "optionally " + w
		}
		parts = append(parts, w)
	}
	return "a capture, then " + strings.Join(parts, ", ")
}

// evalEnv is what scope predicates see of one match.
type evalEnv struct {
	only    setPart // the rules of the set's view (Set.only)
	grammar syntax.Grammar
	src     *syntax.Text
	root    *sitter.Node
	scopes  *scopeIndex
	m       *sitter.QueryMatch
	names   []string // capture index -> name
	// memo holds the predicates already evaluated in this pass: patterns
	// of one rule often share them (const and let for the same var).
	memo map[memoKey]memoResult
	// minified is 1 once the source is known to be minified, -1 once known
	// not to be.
	minified int8
	// words are the words the predicates evaluated for the current match
	// looked up, and inexact is set when one of them read beyond its
	// capture without saying what (see deps.go); ispan is the union of
	// what those inexact ones read.
	words   []string
	inexact bool
	ispan   Span
	// detail is what accept found the current match depends on; details
	// holds those made in this round, by their words (detailOf).
	detail  *depDetail
	details map[string]*depDetail
	// dyn returns the text's eval and with marks (dynmarks.go), kept by
	// the index across keystrokes; nil outside an index.
	dyn func() *dynMarks
	// globals returns #global?'s answers per name, kept by the index across
	// keystrokes (Index.globalNames); nil outside an index.
	globals func() map[string]bool
	// structs returns the struct types the package declares in its other
	// files (pkgtypes.go), for the types DocTarget checks when a match is
	// offered; nil while matching, where only the file counts.
	structs func() (map[string]map[string]string, bool)
	// doc is src as the index's last Refresh had it, when it is: its
	// Find answers are kept across keystrokes. Nil when not known.
	doc *syntax.Text
}

// lookedUp records that the predicate being evaluated depends on the
// occurrences of these names (or of the words in them).
func (e *evalEnv) lookedUp(names ...string) {
	for _, n := range names {
		e.words = appendWords(e.words, n)
	}
}

// Minified files: lines averaging more than minifiedLineBytes in a file of
// more than minifiedMinBytes (the real-code corpus's own test). Nobody edits
// a minified bundle by hand, and its deep, name-reusing code makes scope
// questions costly, so they are not asked there: a pattern with a scope
// predicate does not match in a minified file.
const (
	minifiedLineBytes = 200
	minifiedMinBytes  = 2048
)

// minifiedText reports whether src is minified.
func minifiedText(src *syntax.Text) bool {
	return minifiedCounts(src.Len(), src.Newlines())
}

// minifiedCounts is minifiedText for a text of n bytes and newlines "\n"
// (a syntax.Text knows them without reading the text).
func minifiedCounts(n, newlines int) bool {
	return n > minifiedMinBytes && n/(newlines+1) > minifiedLineBytes
}

// isMinified reports whether the source is minified, once per pass.
func (e *evalEnv) isMinified() bool {
	if e.minified == 0 {
		var minified bool
		if e.doc != nil {
			minified = minifiedCounts(e.doc.Len(), e.doc.Newlines()) // no read of the text
		} else {
			minified = minifiedText(e.src)
		}
		e.minified = -1
		if minified {
			e.minified = 1
		}
	}
	return e.minified > 0
}

type memoKey struct {
	def  *predicateDef
	node uintptr // the node's id: unique within the tree
	args string  // the arguments, with the spans of capture arguments
}

type memoResult struct {
	ok      bool
	deps    Span
	words   []string
	inexact bool // the predicate, or one it asked, read without saying what
	ispan   Span // what those read
}

// eval evaluates a scope predicate on n, once per pass.
func (e *evalEnv) eval(def *predicateDef, n *sitter.Node, args []predArg) (bool, Span) {
	key := memoKey{def: def, node: n.ID()}
	for _, a := range args {
		if a.capture != "" {
			// A capture argument: its node is part of the question.
			if c := e.node(a.capture); c != nil {
				key.args += fmt.Sprintf("@%d\x00", c.ID())
			}
			continue
		}
		key.args += a.value + "\x00"
	}
	if r, ok := e.memo[key]; ok {
		e.words = append(e.words, r.words...)
		e.inexact = e.inexact || r.inexact
		e.ispan = union(e.ispan, r.ispan)
		return r.ok, r.deps
	}
	from := len(e.words)
	wasInexact, ispan := e.inexact, e.ispan
	e.inexact, e.ispan = false, noDeps
	ok, deps := def.eval(e, n, args)
	if deps.Start >= 0 && !def.exact {
		e.inexact, e.ispan = true, union(e.ispan, deps)
	}
	if e.memo == nil {
		e.memo = map[memoKey]memoResult{}
	}
	e.memo[key] = memoResult{ok, deps, append([]string(nil), e.words[from:]...), e.inexact, e.ispan}
	e.inexact, e.ispan = wasInexact || e.inexact, union(ispan, e.ispan)
	return ok, deps
}

func (e *evalEnv) node(capture string) *sitter.Node {
	for _, c := range e.m.Captures {
		if e.names[c.Index] == capture {
			return c.Node
		}
	}
	return nil
}

func (e *evalEnv) allNodes(capture string) []*sitter.Node {
	var out []*sitter.Node
	for _, c := range e.m.Captures {
		if e.names[c.Index] == capture {
			out = append(out, c.Node)
		}
	}
	return out
}

func (e *evalEnv) text(n *sitter.Node) string {
	return string(e.src.Slice(int(n.StartByte()), int(n.EndByte())))
}

func (e *evalEnv) index() *scopeIndex {
	if e.scopes == nil {
		e.scopes = newScopeIndex(e.grammar, e.root, e.src)
		e.scopes.dyn = e.dyn
		if e.doc != nil {
			e.scopes.find = e.doc.Find
		}
	}
	return e.scopes
}

func (e *evalEnv) isJS() bool {
	return e.grammar == syntax.JavaScript || e.grammar == syntax.TypeScript || e.grammar == syntax.TSX
}

func spanOf(n *sitter.Node) Span { return Span{int(n.StartByte()), int(n.EndByte())} }

func fileSpan(e *evalEnv) Span { return Span{0, e.src.Len()} }

var noDeps = Span{-1, -1}

// union widens a by b; a span with Start < 0 is empty.
func union(a, b Span) Span {
	switch {
	case a.Start < 0:
		return b
	case b.Start < 0:
		return a
	}
	return Span{min(a.Start, b.Start), max(a.End, b.End)}
}

// functionAround returns the innermost function-like node around the end
// of path (excluding it), or the root.
func (e *evalEnv) functionAround(path []step) (*sitter.Node, int) {
	sl := e.index().lang
	if sl == nil {
		return e.root, 0
	}
	if n, i := innermost(path, len(path)-2, sl.functions); n != nil {
		return n, i
	}
	return e.root, 0
}

// ---- structural predicates ----

// parent-is? @n TYPE...: n's parent has one of the types; TYPE may be
// "type.field" to also require the field n is in.
func predParentIs(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	path := e.index().pathToNode(n)
	if len(path) < 2 {
		return false, noDeps
	}
	ptype, field := path[len(path)-2].typ, path[len(path)-1].field
	for _, a := range args {
		typ, f, hasField := strings.Cut(a.value, ".")
		if typ == ptype && (!hasField || f == field) {
			return true, noDeps
		}
	}
	return false, noDeps
}

// guarded-by? @n REGEX: an enclosing condition tests something matching
// REGEX: n sits in a branch of an if, a conditional expression or a switch,
// or beside a && / || / and / or / ?? operand, whose condition (or other
// operand) matches. "Date.now ? Date.now() : +new Date()" guards the
// fallback with Date.now: it is feature detection, not a call to rewrite.
//
// What it reads beyond n is the conditions it tested, and its Deps are
// their span (from the first one tested to the last), not the function
// around n: an edit elsewhere in a bundle's factory changes no condition
// above n. A node with no condition above it has no Deps: its answer rests
// on the nodes above it alone, and an edit that puts a condition there
// changes the syntax around n, which matches n again (as for parent-is?).
//
// It reads the conditions' text, in which a keystroke can write a new word
// next to no other ("very  lax" becomes "very insecure lax"), so it cannot
// say which words it read: it is inexact, but only over the conditions
// (Match.ideps). A #global? in the same pattern stays exact over the file,
// so a keystroke elsewhere matches neither again.
func predGuardedBy(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	re := args[0].re
	path := e.index().pathToNode(n)
	if path == nil {
		return false, noDeps
	}
	deps := noDeps
	for i := len(path) - 2; i >= 0; i-- {
		a := path[i].node
		child := path[i+1]
		var tests []*sitter.Node
		switch a.Type() {
		case "if_statement", "elif_clause", "while_statement":
			if child.field != "condition" {
				if c := a.ChildByFieldName("condition"); c != nil {
					tests = append(tests, c)
				}
				if c := a.ChildByFieldName("initializer"); c != nil {
					tests = append(tests, c)
				}
			}
		case "ternary_expression":
			if child.field != "condition" {
				tests = append(tests, a.ChildByFieldName("condition"))
			}
		case "conditional_expression": // Python: a if cond else b
			if a.NamedChildCount() == 3 {
				if cond := a.NamedChild(1); cond.StartByte() != child.node.StartByte() {
					tests = append(tests, cond)
				}
			}
		case "binary_expression", "boolean_operator":
			op := a.ChildByFieldName("operator")
			switch nodeType(op) {
			case "&&", "||", "??", "and", "or":
				for _, f := range []string{"left", "right"} {
					if o := a.ChildByFieldName(f); o != nil && f != child.field {
						tests = append(tests, o)
					}
				}
			}
		case "expression_switch_statement", "switch_statement":
			if v := a.ChildByFieldName("value"); v != nil {
				tests = append(tests, v)
			}
		case "expression_case", "switch_case":
			if v := a.ChildByFieldName("value"); v != nil && child.field != "value" {
				tests = append(tests, v)
			}
		}
		for _, t := range tests {
			if t == nil {
				continue
			}
			deps = union(deps, spanOf(t))
			if re.MatchString(e.text(t)) {
				return true, deps
			}
		}
	}
	return false, deps
}

// functionName returns the name a function node is known by: its own name,
// or that of the variable, property or assignment target it is the value
// of; "" when it has none.
func (e *evalEnv) functionName(path []step, i int) string {
	n := path[i].node
	if name := n.ChildByFieldName("name"); name != nil {
		return e.text(name)
	}
	if i == 0 {
		return ""
	}
	p := path[i-1].node
	switch p.Type() {
	case "variable_declarator":
		if name := p.ChildByFieldName("name"); name != nil {
			return e.text(name)
		}
	case "pair":
		if k := p.ChildByFieldName("key"); k != nil {
			return e.text(k)
		}
	case "assignment_expression", "assignment":
		if l := p.ChildByFieldName("left"); l != nil {
			return e.text(l)
		}
	}
	return ""
}

var functionLike = set("function_declaration", "generator_function_declaration", "function_expression", "function",
	"generator_function", "arrow_function", "method_definition", "function_definition", "method_declaration",
	"func_literal", "class_declaration", "class_definition", "class")

// in-function? @n REGEX: a function, method or class around n is named
// (or assigned to a name) matching REGEX.
func predInFunction(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	path := e.index().pathToNode(n)
	deps := noDeps
	for i := len(path) - 2; i >= 0; i-- {
		if !functionLike[path[i].typ] {
			continue
		}
		deps = union(deps, spanOf(path[max(i-1, 0)].node))
		name := e.functionName(path, i)
		e.lookedUp(name)
		if name != "" && args[0].re.MatchString(name) {
			return true, deps
		}
	}
	return false, deps
}

// commented? @n [REGEX]: a comment on n's lines or on the line before
// (matching REGEX, when given). A comment right there usually explains a
// deliberate choice.
func predCommented(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	start := int(n.StartByte())
	lineStart := e.src.LastIndexByte(0, start, '\n') + 1
	prev := lineStart
	if lineStart > 0 {
		prev = e.src.LastIndexByte(0, lineStart-1, '\n') + 1
	}
	end := e.src.IndexByte(int(n.EndByte()), e.src.Len(), '\n')
	if end < 0 {
		end = e.src.Len()
	}
	deps := Span{prev, end}
	var re *regexp.Regexp
	if len(args) > 0 {
		re = args[0].re
	}
	for _, c := range commentsIn(e.root, e.src, prev, end, e.grammar, nil) {
		if re == nil || re.MatchString(e.text(c)) {
			return true, deps
		}
	}
	return false, deps
}

// commentsIn returns the comment nodes that start in [lo, hi): the text is
// searched for comment leaders, and each is confirmed in the tree (a // in
// a string is not a comment).
func commentsIn(root *sitter.Node, src *syntax.Text, lo, hi int, g syntax.Grammar, lf *leafFinder) []*sitter.Node {
	return commentsFound(root, lo, hi, g, lf, func(l string) []int { return leadersIn(src, lo, hi, l) })
}

// leadersIn returns where leader l starts in src[lo:hi], each occurrence
// after the end of the one before.
func leadersIn(src *syntax.Text, lo, hi int, l string) []int {
	var at []int
	for off := lo; off < hi; {
		i := src.Index(off, hi, []byte(l))
		if i < 0 {
			break
		}
		at = append(at, i)
		off = i + len(l)
	}
	return at
}

// commentsFound returns the comment nodes that start in [lo, hi) at one of
// the places leaders gives for each comment leader of g (the places may
// include ones inside a string or a longer comment, and overlap).
func commentsFound(root *sitter.Node, lo, hi int, g syntax.Grammar, lf *leafFinder, leaders func(l string) []int) []*sitter.Node {
	ls := []string{"//", "/*"}
	if g == syntax.Python {
		ls = []string{"#"}
	}
	if lf == nil {
		lf = &leafFinder{}
	}
	var out []*sitter.Node
	seen := map[uint32]bool{}
	for _, l := range ls {
		for _, at := range leaders(l) {
			// A comment is a leaf: the leaf holding the leader is the
			// comment when the leader starts it (not inside a string, a
			// regular expression or a longer comment).
			path := lf.leafAt(root, uint32(at))
			c := path[len(path)-1].node
			if c.Type() == "comment" && int(c.StartByte()) == at && !seen[c.StartByte()] {
				seen[c.StartByte()] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// leafAt returns the path from root to the leaf that contains off.
func leafAt(root *sitter.Node, off uint32) []step {
	return (&leafFinder{}).leafAt(root, off)
}

// leafFinder finds the leaves holding byte offsets, each walk starting
// from the deepest node of the previous path that still holds the offset:
// the comments on a site's lines, asked for site after site in the order
// of the text, share most of their ancestors, which a walk from the root
// would visit again (a UMD bundle's comments are twenty levels down).
type leafFinder struct {
	top   uintptr
	path  []step
	spans []stepSpan
}

// leafAt is the package's leafAt, sharing the previous walk's ancestors.
func (lf *leafFinder) leafAt(root *sitter.Node, off uint32) []step {
	k := 0
	if lf.path != nil && lf.top == root.ID() {
		for k < len(lf.spans) && lf.spans[k].start <= off && lf.spans[k].end >= off+1 {
			k++
		}
	}
	var path []step
	var spans []stepSpan
	if k == 0 {
		path, spans = []step{newStep(root, "")}, []stepSpan{{root.StartByte(), root.EndByte(), 0}}
	} else {
		path = make([]step, k, k+16)
		copy(path, lf.path[:k])
		spans = lf.spans[:k] // lf's path is replaced below
	}
	c := sitter.NewTreeCursor(path[len(path)-1].node)
	defer c.Close()
	for childSpanning(c, off, off+1) {
		n := c.CurrentNode()
		path = append(path, newStep(n, c.CurrentFieldName()))
		spans = append(spans, stepSpan{n.StartByte(), n.EndByte(), 0})
	}
	lf.top, lf.path, lf.spans = root.ID(), path, spans
	return path[:len(path):len(path)]
}

// ---- scope predicates ----

// global? @id: nothing in the file declares the name @id refers to: it is
// the language's own (Date, open, len), not a local that shadows it. It
// reads the occurrences of that one name in the file (exact: a keystroke
// elsewhere that neither writes nor removes the name, nor a binding word,
// leaves the answer as it was; see deps.go).
func predGlobal(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	si := e.index()
	if si.lang == nil {
		return false, noDeps
	}
	name := e.text(n)
	e.lookedUp(name)
	var kept map[string]bool
	if e.globals != nil {
		kept = e.globals()
		if g, ok := kept[name]; ok {
			return g, fileSpan(e)
		}
	}
	g := globalName(si, e.root, name)
	if kept != nil {
		kept[name] = g
	}
	return g, fileSpan(e)
}

// globalName reports whether no occurrence of name in the file declares it
// or is dynamic: then none resolves to a scope of the file, and the name is
// the language's own (an occurrence resolves to a scope only through a
// declaration of the name).
func globalName(si *scopeIndex, root *sitter.Node, name string) bool {
	for _, o := range si.occurrences(root, name) {
		if o.dynamic || o.decl || o.scope != nil {
			return false
		}
	}
	return true
}

// declNames returns the identifier nodes a declaration capture stands for:
// a JavaScript declaration's bound names, or the capture itself when it is
// an identifier.
func (e *evalEnv) declNames(n *sitter.Node) []*sitter.Node {
	switch n.Type() {
	case "variable_declaration", "lexical_declaration":
		return jsDeclaredNames(n, e.src)
	}
	if e.index().lang != nil && e.index().lang.identTypes[n.Type()] {
		return []*sitter.Node{n}
	}
	// a pattern: every identifier in it
	var out []*sitter.Node
	e.index().identifiersIn(n, func(p []step) { out = append(out, p[len(p)-1].node) })
	return out
}

// bindingAt resolves the binding of the identifier id, looking inside the
// scope it binds in. It fails on dynamic names.
func (e *evalEnv) bindingAt(id *sitter.Node) (binding, Span, bool) {
	si := e.index()
	path := si.enclosing(id)
	if path == nil {
		return binding{}, noDeps, false
	}
	name := e.text(id)
	// Look in the whole file first to find where the name binds, then
	// use that scope as the region.
	region := e.root
	if fn, _ := e.functionAround(path); fn != nil {
		region = fn
	}
	for {
		b, ok := si.bindingOf(region, name, id)
		if ok && !b.dynamic {
			return b, spanOf(region), true
		}
		if region.ID() == e.root.ID() {
			return b, fileSpan(e), false
		}
		// Declared further out: widen to the next function, then the file.
		p := si.pathToNode(region)
		if p == nil {
			region = e.root
			continue
		}
		if fn, _ := e.functionAround(p); fn != nil && fn.ID() != region.ID() {
			region = fn
		} else {
			region = e.root
		}
	}
}

// local-to-block? @decl (JavaScript, TypeScript): every name the var
// declaration binds is used only inside the block the declaration is
// written in (the for statement, for one in its header), and only after
// it; nothing else in the function declares the same names; the function
// neither calls eval nor uses with. Then let or const, which are scoped to
// that block, mean the same as var. The name must not even occur (as a
// variable of any scope) elsewhere in the function: an inner function's
// own variable of the same name outside the block also says no.
func predLocalToBlock(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	if !e.isJS() {
		return false, noDeps
	}
	si := e.index()
	path := si.pathToNode(n)
	if len(path) < 2 {
		return false, noDeps
	}
	block := path[len(path)-2].node
	fn, _ := innermost(path, len(path)-2, jsScope.functions, jsProgram)
	if fn == nil {
		return false, noDeps
	}
	deps := spanOf(fn)
	if si.jsCallsEval(fn) {
		return false, deps
	}
	names := jsDeclaredNames(n, e.src)
	if len(names) == 0 {
		return false, deps
	}
	for _, id := range names {
		e.lookedUp(e.text(id))
	}
	// First by position alone: a word with the name outside the block, or
	// before the declaration, is either this variable used there (no) or
	// another one of the same name; both are answered no without walking
	// the tree (conservative, and most of what is asked in a bundle).
	lo, hi := int(n.StartByte()), int(block.EndByte())
	for _, id := range names {
		for _, at := range si.wordStarts(fn, e.text(id)) {
			if (at < lo || at >= hi) && !si.member(at) {
				return false, deps
			}
		}
	}
	for _, id := range names {
		name := e.text(id)
		for _, o := range si.occurrences(fn, name) {
			if o.dynamic {
				return false, deps
			}
			if o.scope == nil || o.scope.ID() != fn.ID() {
				continue // another binding (an inner let, a parameter of a closure)
			}
			at := o.start()
			if at < int(block.StartByte()) || at >= int(block.EndByte()) {
				return false, deps // used (or declared again) outside the block
			}
			if at >= int(n.StartByte()) && at < int(n.EndByte()) {
				if o.decl {
					continue // the declaration itself
				}
				return false, deps // read in its own initializer: let would throw
			}
			if o.decl {
				return false, deps // declared again: let cannot be redeclared
			}
			if at < int(n.StartByte()) {
				return false, deps // used before the declaration: let would throw
			}
		}
	}
	return true, deps
}

// captured-in-loop? @decl (JavaScript, TypeScript): the declaration is in
// a loop, and a function created inside that loop refers to one of its
// names. With var every such closure shares one variable; with let each
// iteration has its own, so the closures would see other values.
func predCapturedInLoop(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	si := e.index()
	path := si.pathToNode(n)
	if path == nil {
		return true, noDeps
	}
	_, fi := innermost(path, len(path)-2, jsScope.functions, jsProgram)
	var loop *sitter.Node
	for i := len(path) - 2; i > fi && i >= 0; i-- {
		if jsScope.loops[path[i].typ] {
			loop = path[i].node // the outermost loop inside the function
		}
	}
	if loop == nil {
		return false, noDeps
	}
	deps := spanOf(loop)
	for _, id := range jsDeclaredNames(n, e.src) {
		e.lookedUp(e.text(id))
		for _, o := range si.occurrences(loop, e.text(id)) {
			for j := len(o.path) - 2; j > 0; j-- {
				if jsScope.functions[o.path[j].typ] {
					return true, deps
				}
			}
		}
	}
	return false, deps
}

// never-reassigned? @decl: every name the declaration binds gets its value
// there and is never assigned again (so it can be const). On an identifier
// (Python, Go): its binding is assigned once.
func predNeverReassigned(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	deps := noDeps
	if n.Type() == "variable_declaration" || n.Type() == "lexical_declaration" {
		for i := 0; i < int(n.NamedChildCount()); i++ {
			if d := n.NamedChild(i); d.Type() == "variable_declarator" && d.ChildByFieldName("value") == nil {
				return false, deps
			}
		}
	}
	for _, id := range e.declNames(n) {
		e.lookedUp(e.text(id))
		b, d, ok := e.bindingAt(id)
		deps = union(deps, d)
		if !ok {
			return false, deps
		}
		writes := 0
		for _, o := range b.occs {
			if o.write {
				writes++
			}
		}
		if writes > 1 {
			return false, deps
		}
	}
	return true, deps
}

// module-file? @n (JavaScript, TypeScript): the file is a module (it
// imports or exports) or CommonJS (require, module.exports): its top-level
// names are not properties of the global object. The answer is the
// file's, so it is found once per pass (memoized on the root): asked anew
// for every top-level var, its scans of the text took 78% of no-var's time
// on a 181 KB ES-module bundle.
func predModuleFile(e *evalEnv, _ *sitter.Node, _ []predArg) (bool, Span) {
	return e.eval(&moduleFileScan, e.root, nil)
}

// moduleFileScan is module-file?'s look at the whole file.
var moduleFileScan = predicateDef{"", moduleFileOf, true}

// moduleMarks are the texts that make a file CommonJS, each where it
// starts a word ("gerequire(" is a call of gerequire): a keystroke that
// makes or unmakes one writes or removes the word require, module or
// exports (binding words, which every scope predicate follows; see
// deps.go, and moduleFileOf declares them besides), or types punctuation.
var moduleMarks = [][]byte{[]byte("require("), []byte("module.exports"), []byte("exports.")}

func moduleFileOf(e *evalEnv, _ *sitter.Node, _ []predArg) (bool, Span) {
	deps := fileSpan(e)
	e.lookedUp("require", "module", "exports")
	for _, k := range moduleMarks {
		for at := e.src.Index(0, e.src.Len(), k); at >= 0; at = e.src.Index(at+1, e.src.Len(), k) {
			if startsWord(e.src, at) {
				return true, deps
			}
		}
	}
	c := sitter.NewTreeCursor(e.root)
	defer c.Close()
	for ok := c.GoToFirstChild(); ok; ok = c.GoToNextSibling() {
		switch c.CurrentNode().Type() {
		case "import_statement", "export_statement":
			return true, deps
		}
	}
	return false, deps
}

// opaqueCallees are calls that take any value (they accept unknown) and
// whose result does not carry the argument's type: Promise.resolve(x) is
// not one (it returns Promise<unknown> for an unknown x, which a declared
// Promise<T> return refuses).
var opaqueCallees = regexp.MustCompile(`^(String|Boolean|JSON\.stringify|console\.\w+|Array\.isArray|Number\.isNaN|Number\.isFinite|Number\.isInteger|Object\.is|isNaN|Promise\.reject)$`)

// used-only-opaquely? @id (JavaScript, TypeScript): every use of the
// parameter (or caught error) @id declares is one that any value allows
// without a type: typeof, equality, instanceof, !, a condition, a template
// substitution, throw, or an argument of String, JSON.stringify,
// console.*... So typing it unknown instead of any breaks nothing.
func predUsedOnlyOpaquely(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	b, deps, ok := e.bindingAt(n)
	if !ok {
		return false, deps
	}
	if b.scope.ChildByFieldName("body") == nil {
		// A signature without a body (a function type, an interface
		// method, an overload): whatever implements it is typed by it.
		return false, deps
	}
	if e.index().jsCallsEval(b.scope) {
		return false, deps
	}
	for _, o := range b.occs {
		if o.decl {
			continue
		}
		if o.write {
			return false, deps
		}
		if !opaqueUse(e, o.path) {
			return false, deps
		}
	}
	return true, deps
}

func opaqueUse(e *evalEnv, path []step) bool {
	if len(path) < 2 {
		return false
	}
	p := path[len(path)-2]
	self := path[len(path)-1]
	switch p.typ {
	case "unary_expression":
		op := p.node.ChildByFieldName("operator")
		switch nodeType(op) {
		case "typeof", "!", "void":
			return true
		}
	case "binary_expression":
		op := nodeType(p.node.ChildByFieldName("operator"))
		switch op {
		case "===", "!==", "==", "!=":
			return true
		case "instanceof":
			return self.field == "left"
		}
	case "template_substitution", "throw_statement", "expression_statement":
		return true
	case "parenthesized_expression":
		if len(path) >= 3 {
			switch path[len(path)-3].typ {
			case "if_statement", "while_statement", "do_statement":
				return true
			}
		}
	case "ternary_expression":
		return self.field == "condition"
	case "arguments":
		if len(path) >= 3 {
			call := path[len(path)-3].node
			if call.Type() == "call_expression" {
				if f := call.ChildByFieldName("function"); f != nil && opaqueCallees.MatchString(e.text(f)) {
					return true
				}
			}
		}
	}
	return false
}

// exported? @n (JavaScript, TypeScript): n is part of the module's public
// surface: inside an export statement or a declare block, or in a function,
// class, variable or type that the file exports by name (export { f },
// export default f, module.exports, exports.f). Changing a type there can
// break every consumer.
func predExported(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	deps := fileSpan(e)
	path := e.index().pathToNode(n)
	if path == nil {
		return true, deps
	}
	var names []string
	for i := len(path) - 2; i >= 0; i-- {
		a := path[i].node
		switch a.Type() {
		case "export_statement", "ambient_declaration":
			return true, deps
		case "method_definition", "public_field_definition":
			// a private member is not part of the class's surface
			for j := 0; j < int(a.ChildCount()); j++ {
				if c := a.Child(j); c.Type() == "accessibility_modifier" && e.text(c) != "public" {
					return false, deps
				}
			}
		case "function_declaration", "generator_function_declaration", "class_declaration", "abstract_class_declaration",
			"type_alias_declaration", "interface_declaration", "enum_declaration":
			if name := a.ChildByFieldName("name"); name != nil {
				names = append(names, e.text(name))
			}
		case "variable_declarator":
			if name := a.ChildByFieldName("name"); name != nil {
				names = append(names, e.text(name))
			}
		}
	}
	if len(names) == 0 {
		return false, deps
	}
	for _, name := range names {
		if exportsName(e.src, name) {
			return true, deps
		}
	}
	return false, deps
}

// exportPatterns are the searches that find name exported by name: export
// { name }, export default name, module.exports … name, exports.name,
// export = name.
func exportPatterns(name string) []*regexp.Regexp {
	q := regexp.QuoteMeta(name)
	return []*regexp.Regexp{
		regexp.MustCompile(`export\s*\{[^}]*\b` + q + `\b`), regexp.MustCompile(`export\s+default\s+` + q + `\b`),
		regexp.MustCompile(`module\.exports\b[^;\n]*\b` + q + `\b`), regexp.MustCompile(`exports\.` + q + `\b`),
		regexp.MustCompile(`export\s*=\s*` + q + `\b`),
	}
}

// exportsName reports whether one of exportPatterns(name) matches src,
// reading windows around the name's occurrences (found with Text.Find,
// which later versions inherit) instead of the whole text. Every match
// ends with an occurrence and reads the byte after it (\b); before it, a
// match holds no "}" unless it stays on that line (module.exports =
// {…}, name). So the window from after the last "}" before an occurrence,
// or from its line's start when that is earlier, to the byte after it
// holds every match ending there, and nothing matches in a window that
// does not match in the text. A name with too many occurrences is searched
// in the whole text. TestExportsNameEqualsSearch compares the two.
func exportsName(src *syntax.Text, name string) bool {
	pats := exportPatterns(name)
	at, ok := src.Find(name)
	if !ok {
		flat := src.Bytes()
		return slices.ContainsFunc(pats, func(re *regexp.Regexp) bool { return re.Match(flat) })
	}
	for _, o := range at {
		line, _ := src.LFLine(o)
		w := src.Slice(min(src.LastIndexByte(0, o, '}')+1, line), o+len(name)+1)
		if slices.ContainsFunc(pats, func(re *regexp.Regexp) bool { return re.Match(w) }) {
			return true
		}
	}
	return false
}

// sole-reference? @id @within: inside @within, @id is the only occurrence of
// its name (the fix rewrites that one; nothing else reads the variable
// there).
func predSoleReference(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	within := e.node(args[0].capture)
	if within == nil {
		return false, noDeps
	}
	count := 0
	for _, o := range e.index().occurrences(within, e.text(n)) {
		if o.dynamic {
			return false, noDeps
		}
		count++
	}
	return count == 1, noDeps
}

// declared-before? @id @stmt: the variable @id names is declared (assigned,
// in Python) by a statement before @stmt, in a block that encloses @stmt:
// it holds a value when @stmt starts.
func predDeclaredBefore(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	stmt := e.node(args[0].capture)
	if stmt == nil {
		return false, noDeps
	}
	b, deps, ok := e.bindingAt(n)
	if !ok {
		return false, deps
	}
	si := e.index()
	stmtPath := si.pathToNode(stmt)
	if stmtPath == nil {
		return false, deps
	}
	encloses := map[uintptr]bool{}
	for _, s := range stmtPath[:len(stmtPath)-1] {
		encloses[s.node.ID()] = true
	}
	for _, o := range b.occs {
		if !o.decl || o.start() >= int(stmt.StartByte()) {
			continue
		}
		// The declaring statement must sit directly in a block that
		// encloses stmt (not in a branch that may not have run).
		for j := len(o.path) - 2; j >= 0; j-- {
			t := o.path[j].typ
			if t == "block" || t == "statement_block" || t == "module" || t == "program" || t == "source_file" {
				if encloses[o.path[j].node.ID()] {
					return true, deps
				}
				break
			}
		}
	}
	return false, deps
}

// referenced-after? @names @stmt: a name bound in @names (an identifier or a
// pattern of them) is read after @stmt, in the function around it (a
// comprehension would no longer set it).
func predReferencedAfter(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	stmt := e.node(args[0].capture)
	if stmt == nil {
		return true, noDeps
	}
	si := e.index()
	path := si.pathToNode(stmt)
	if path == nil {
		return true, noDeps
	}
	fn, _ := e.functionAround(path)
	deps := spanOf(fn)
	for _, id := range e.declNames(n) {
		for _, o := range si.occurrences(fn, e.text(id)) {
			if o.dynamic {
				return true, deps
			}
			if o.start() >= int(stmt.EndByte()) && (o.read || o.write) {
				return true, deps
			}
		}
	}
	return false, deps
}

// refers-to? @expr @id: @expr reads, assigns or declares the variable
// named by @id (by the leftmost identifier in @id when it is a longer
// expression: p for p.wg).
func predRefersTo(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	id := e.node(args[0].capture)
	if id == nil {
		return false, noDeps
	}
	if si := e.index(); si.lang != nil && !si.lang.identTypes[id.Type()] {
		var first *sitter.Node
		si.identifiersIn(id, func(p []step) {
			if first == nil {
				first = p[len(p)-1].node
			}
		})
		if first == nil {
			return false, noDeps
		}
		id = first
	}
	return len(e.index().occurrences(n, e.text(id))) > 0, noDeps
}

// reraises? @handler (Python): the except clause re-raises what it caught
// with a bare raise (outside nested functions): cleanup, then raise.
func predReraises(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	if !bytes.Contains(e.src.Slice(int(n.StartByte()), int(n.EndByte())), []byte("raise")) {
		return false, noDeps
	}
	found := false
	var walk func(x *sitter.Node)
	walk = func(x *sitter.Node) {
		if found {
			return
		}
		switch x.Type() {
		case "function_definition", "class_definition", "lambda":
			return
		case "raise_statement":
			if x.NamedChildCount() == 0 {
				found = true
				return
			}
		}
		for i := 0; i < int(x.NamedChildCount()); i++ {
			walk(x.NamedChild(i))
		}
	}
	walk(n)
	return found, noDeps
}

// fresh-name? @id SUFFIX: no identifier named @id's text followed by SUFFIX
// appears in the function around @id, so the fix can declare it.
func predFreshName(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	return e.nameFree(n, e.text(n)+args[0].value)
}

// free-name? @n NAME: no identifier NAME appears in the function around @n
// (the file, outside any function), so the fix can bind it: Python's
// `except E as err` deletes err when the handler ends, which would unbind
// another err of the function.
func predFreeName(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	return e.nameFree(n, args[0].value)
}

// nameFree reports whether no identifier named name appears, as a whole
// word, in the function around n.
func (e *evalEnv) nameFree(n *sitter.Node, name string) (bool, Span) {
	path := e.index().pathToNode(n)
	if path == nil {
		return false, noDeps
	}
	fn, _ := e.functionAround(path)
	text := e.src.Slice(int(fn.StartByte()), int(fn.EndByte()))
	for off := 0; ; {
		i := bytes.Index(text[off:], []byte(name))
		if i < 0 {
			return true, spanOf(fn)
		}
		at := off + i
		off = at + len(name)
		if (at == 0 || !jsIdent(text[at-1])) && (off == len(text) || !jsIdent(text[off])) {
			return false, spanOf(fn)
		}
	}
}

// assigns? @scope @id: something inside @scope assigns the variable that
// @id names (an assignment, an augmented assignment, a for or with target,
// another except's as): `except E as err: err = str(err)` leaves err a
// string, and `raise X from err` would then raise TypeError instead of X.
func predAssigns(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	id := e.node(args[0].capture)
	if id == nil {
		return false, noDeps
	}
	for _, o := range e.index().occurrences(n, e.text(id)) {
		if o.dynamic || o.write && o.start() != int(id.StartByte()) {
			return true, spanOf(n)
		}
	}
	return false, spanOf(n)
}

// class-defines? @obj NAME (Python): @obj is self or cls and the class
// around it defines NAME (a method or a class attribute): self.keys() is
// then the class's own method, not a dict's.
func predClassDefines(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	if t := e.text(n); t != "self" && t != "cls" {
		return false, noDeps
	}
	path := e.index().pathToNode(n)
	cls, _ := innermost(path, len(path)-2, set("class_definition"))
	if cls == nil {
		return false, noDeps
	}
	deps := spanOf(cls)
	body := cls.ChildByFieldName("body")
	if body == nil {
		return false, deps
	}
	want := args[0].value
	found := false
	eachChild(body, func(s *sitter.Node, _ string) bool {
		if s.Type() == "decorated_definition" {
			if d := s.ChildByFieldName("definition"); d != nil {
				s = d
			}
		}
		switch s.Type() {
		case "function_definition", "class_definition":
			if name := s.ChildByFieldName("name"); name != nil && e.text(name) == want {
				found = true
			}
		case "expression_statement":
			if a := s.NamedChild(0); a != nil && a.Type() == "assignment" {
				if l := a.ChildByFieldName("left"); l != nil && e.text(l) == want {
					found = true
				}
			}
		}
		return !found
	})
	return found, deps
}

// go-imports? @n PATH (Go): the file imports PATH under its own name (no
// alias, not _ or .). A fix that must refer to a package the file may not
// import yet checks it: the engine cannot add an import in the same place
// it drops another (io/ioutil -> io), so such a rule offers its fix only
// where nothing needs adding. It reads the file's imports without saying
// which words it looked at (inexact); its Deps are the head of the file it
// read, up to the declaration that ends the imports (headTo), so an edit
// below them, where a file's edits are, leaves it.
func predGoImports(e *evalEnv, _ *sitter.Node, args []predArg) (bool, Span) {
	quoted := strconv.Quote(args[0].value)
	found := false
	c := sitter.NewTreeCursor(e.root)
	defer c.Close()
	for ok := c.GoToFirstChild(); ok; ok = c.GoToNextSibling() {
		d := c.CurrentNode()
		if !d.IsNamed() {
			continue // statement terminators
		}
		switch d.Type() {
		case "package_clause", "comment":
			continue
		case "import_declaration":
		default:
			return false, headTo(e, d.StartByte())
		}
		walkType(d, "import_spec", func(n *sitter.Node) {
			if p := n.ChildByFieldName("path"); p != nil && e.text(p) == quoted && n.ChildByFieldName("name") == nil {
				found = true
			}
		})
		if found {
			return true, headTo(e, d.EndByte())
		}
	}
	return false, fileSpan(e)
}

// headTo is the Deps of a predicate that read the file's top-level nodes
// up to the byte end: the span from the file's start to end, which an edit
// at end touches (inserting an import before the first function). An edit
// past it changes none of those nodes unless it changes their syntax, and
// then the ranges whose syntax changed reach them, which touches the span
// too (Refresh). Go's syntax of a top-level node does not depend on what
// follows it.
func headTo(e *evalEnv, end uint32) Span { return Span{0, min(int(end), e.src.Len())} }

// go-build? @n REGEX (Go): the file's build constraint, a //go:build or
// // +build line among the comments before its package clause, matches
// REGEX. A rule whose meaning depends on the language version asks it:
// since Go 1.21 a constraint naming a version (//go:build go1.21) sets the
// file's language version, below go.mod's, so a Go 1.22 loop in a go 1.22
// module can still share its variable there.
func predGoBuild(e *evalEnv, _ *sitter.Node, args []predArg) (bool, Span) {
	deps := fileSpan(e)
	c := sitter.NewTreeCursor(e.root)
	defer c.Close()
	for ok := c.GoToFirstChild(); ok; ok = c.GoToNextSibling() {
		d := c.CurrentNode()
		if d.Type() != "comment" {
			if d.IsNamed() {
				// The package clause: constraints come before it, and
				// what follows it is not read (headTo).
				deps = headTo(e, d.StartByte())
				break
			}
			continue
		}
		deps = headTo(e, d.EndByte())
		for _, line := range strings.Split(e.text(d), "\n") {
			line = strings.TrimSpace(line)
			var expr string
			switch {
			case strings.HasPrefix(line, "//go:build "):
				expr = strings.TrimPrefix(line, "//go:build ")
			case strings.HasPrefix(line, "// +build "):
				expr = strings.TrimPrefix(line, "// +build ")
			default:
				continue
			}
			if args[0].re.MatchString(expr) {
				return true, deps
			}
		}
	}
	return false, deps
}
