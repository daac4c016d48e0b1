// Package rules is SyntX's data-driven rule engine.
//
// A rule is data, not code: a TOML table with an id, the language it applies
// to, a category, a message, a prior acceptance probability, a tree-sitter
// query, a fix written as templates over the query's captures, and examples
// (code before and after the fix, and code that must not match). Rules ship
// embedded in the binary (builtin/) and can be added or overridden from
// <workspace>/.syntx/rules/ and $XDG_CONFIG_HOME/syntx/rules/.
//
// # Rule files
//
// A file holds one or more [[rule]] tables:
//
//	[[rule]]
//	id = "go.errorf-wrap"              # unique; a later directory overrides an earlier one
//	language = "go"                    # go | python | javascript | typescript (typescript covers tsx)
//	category = "correctness"           # security | performance | correctness | style
//	kind = "quickfix"                  # quickfix (default) | refactor.rewrite
//	title = "Wrap the error with %w"   # the code action's title
//	message = "..."                    # why, in one sentence
//	prior = 0.7                        # how often reviewers accept it, in (0, 1)
//	query = '''(call_expression ...) @site'''
//	site = "site"                      # the capture that marks where the suggestion applies (default "site")
//	fix = '''{{.call}}'''              # shorthand for one edit replacing the site
//	imports = ["strings"]              # imports the fix needs (go, python)
//	drop_imports = ["errors"]          # imports the fix may leave unused (go): removed
//	                                   #   when nothing outside the edits refers to them
//	[[rule.edit]]                      # or explicit edits, applied together
//	at = "fmt"                         # a capture name, "@toplevel" (before the top-level
//	op = "replace"                     #   declaration holding the site) or "@file_end"
//	text = '''{{ .fmt | replace "%v" "%w" }}'''   # replace | insert_before | insert_after | delete
//	[[rule.example]]
//	before = '''...'''
//	after = '''...'''
//	must_not_match = ['''...''']
//
// Templates are Go text/template over the captures: {{.name}} is the text of
// the first node captured as @name, {{.all_name}} the list of all of them,
// {{.indent}} the indentation of the site's line and {{.indent_name}} that
// of the line where @name starts. Functions: replace OLD NEW S,
// replaceFirst OLD NEW S, replaceLast OLD NEW S, trim, trimPrefix PREFIX S,
// trimSuffix SUFFIX S, lower, upper, join SEP LIST, unquote, quote, fields S
// (split on white space), contains SUB S, hasPrefix PREFIX S, hasSuffix
// SUFFIX S and indentBy PREFIX S (prefixes every line but the first); the
// text/template built-ins (printf, index, len, eq, and, or, not, range with
// variables) work as usual. Arguments come in pipeline order, so
// {{ .x | replace "a" "b" }} and {{ if hasPrefix "0o" .perm }} both read well.
//
// Queries may use the predicates #eq?, #not-eq?, #match?, #not-match?,
// #any-of? and #not-any-of?. A pattern's root node may carry at most two
// captures, and the capture name @syntx.root is reserved.
//
// # Incremental matching
//
// An Index keeps a document's matches across edits. It rests on one fact: a
// match of a pattern rooted at node N depends only on N's subtree. So the
// engine rewrites every rule's query before compiling it (rooted.go):
//
//   - each top-level pattern gets the capture @syntx.root on its root node,
//     so every match knows the node it is rooted at (Match.Root);
//   - a sequence of sibling patterns at the top level, which tree-sitter
//     matches under any parent, is wrapped in a wildcard parent (_ ...),
//     which the match then depends on;
//   - a pattern whose root only states the parent's type, (T (C ...)) with
//     one child pattern and no field, anchor, quantifier, negated field or
//     capture on T (a console.log statement directly inside a block), is
//     lifted to (C ...) with the condition that the parent of the matched
//     node has type T. Otherwise every keystroke inside a block of
//     thousands of statements (a UMD bundle's factory function) would walk
//     all of them again.
//
// After an edit, only the nodes that overlap the changed regions are matched
// again: the ones inside a region with their whole subtree, the ones around
// it (the edit's ancestors, O(depth) of them) for the patterns rooted
// exactly at them, with a query cursor whose maximum start depth is 0, so
// that matching them looks at their children only as far as those patterns
// reach. Two kinds of patterns still cost more than the edit: a pattern with
// two or more child patterns that are not anchored together (such as
// (block (var_declaration) (for_statement))) looks at every child of the
// node it is rooted at, so an edit in a function of 1,000 statements walks
// those statements once per such pattern; and a pattern rooted at any node
// ((_ ...), or a top-level sibling sequence) is matched at every ancestor.
//
// Predicates read the text of the match's captures only, which lies inside
// the root's subtree. A predicate that looked beyond it (at the enclosing
// scope, say) would break the index's invariant: such a predicate must make
// the match's root the node it reads, or the index must learn to invalidate
// the matches that depend on that node.
package rules

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"text/template"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Categories lists the categories a rule may have.
var Categories = []string{"security", "performance", "correctness", "style"}

// Languages lists the languages rules are written for.
var Languages = []string{"go", "python", "javascript", "typescript"}

// Spec is a rule as written in a rule file.
type Spec struct {
	ID       string     `toml:"id"`
	Language string     `toml:"language"`
	Category string     `toml:"category"`
	Kind     string     `toml:"kind"`
	Title    string     `toml:"title"`
	Message  string     `toml:"message"`
	Prior    float64    `toml:"prior"`
	Query    string     `toml:"query"`
	Site     string     `toml:"site"`
	Fix      *string    `toml:"fix"`
	Imports  []string   `toml:"imports"`
	Drop     []string   `toml:"drop_imports"`
	Edits    []EditSpec `toml:"edit"`
	Examples []Example  `toml:"example"`
	Tags     []string   `toml:"tags"`
}

// EditSpec is one edit of a fix.
type EditSpec struct {
	At   string `toml:"at"`
	Op   string `toml:"op"`
	Text string `toml:"text"`
}

// Example is a rule's documentation and test: Before must match and become
// After when the first match's fix is applied; MustNotMatch must not match.
type Example struct {
	Before       string   `toml:"before"`
	After        string   `toml:"after"`
	MustNotMatch []string `toml:"must_not_match"`
}

// Rule is a validated, compiled rule.
type Rule struct {
	Spec
	Source string // file it came from ("builtin:go/errors.toml" for embedded ones)
	edits  []edit
	// captureNames and roots are read from the query's text; the query is
	// compiled per grammar only when a rule is matched on its own (examples,
	// measurements): a Set compiles all its rules as one query.
	captureNames []string
	roots        []string
	// rooted is the query rewritten for the index (see rootedPatterns).
	rooted []rootedPattern
	// usesIndent is set when a fix template may read an indentation
	// ({{.indent}}, {{.indent_x}}): Fix computes them only then.
	usesIndent bool
	qmu        sync.Mutex
	queries    map[syntax.Grammar]*compiled
	rootedQ    map[syntax.Grammar]*rootedQuery
}

type edit struct {
	at   string
	op   string
	tmpl *template.Template
}

// compiled is a rule's query for one grammar, with its predicates
// precompiled and the node types its patterns can be rooted at.
type compiled struct {
	query      *sitter.Query
	captures   []string // capture index -> name
	predicates [][]predicate
	rootTypes  []string // "*" for a wildcard root
}

type predicate struct {
	op      string
	capture string
	value   string // literal for eq?
	other   string // capture name for eq? @a @b
	re      *regexp.Regexp
	set     map[string]bool
	negate  bool
}

// Kind returns the LSP code action kind: <base>.syntx.<category>.
func (r *Rule) ActionKind() string {
	base := r.Kind
	if base == "" {
		base = "quickfix"
	}
	return base + ".syntx." + r.Category
}

var (
	idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-z0-9][a-z0-9-]*)+$`)
)

// validate checks everything about a spec that does not need a grammar.
func (s *Spec) validate() error {
	if !idPattern.MatchString(s.ID) {
		return fmt.Errorf("id %q must look like \"go.some-rule\" (lower case, dotted)", s.ID)
	}
	if !contains(Languages, s.Language) {
		return fmt.Errorf("rule %s: language %q is not one of %s", s.ID, s.Language, strings.Join(Languages, ", "))
	}
	if !strings.HasPrefix(s.ID, s.Language+".") {
		return fmt.Errorf("rule %s: id must start with its language, %q", s.ID, s.Language+".")
	}
	if !contains(Categories, s.Category) {
		return fmt.Errorf("rule %s: category %q is not one of %s", s.ID, s.Category, strings.Join(Categories, ", "))
	}
	switch s.Kind {
	case "", "quickfix", "refactor.rewrite":
	default:
		return fmt.Errorf("rule %s: kind %q must be quickfix or refactor.rewrite", s.ID, s.Kind)
	}
	if strings.TrimSpace(s.Title) == "" || strings.TrimSpace(s.Message) == "" {
		return fmt.Errorf("rule %s: title and message are required", s.ID)
	}
	if !(s.Prior > 0 && s.Prior < 1) {
		return fmt.Errorf("rule %s: prior %v must be in (0, 1)", s.ID, s.Prior)
	}
	if strings.TrimSpace(s.Query) == "" {
		return fmt.Errorf("rule %s: query is required", s.ID)
	}
	if s.Fix == nil && len(s.Edits) == 0 {
		return fmt.Errorf("rule %s: a fix or at least one [[rule.edit]] is required", s.ID)
	}
	if s.Fix != nil && len(s.Edits) > 0 {
		return fmt.Errorf("rule %s: use either fix or [[rule.edit]], not both", s.ID)
	}
	if len(s.Imports) > 0 && s.Language != "go" && s.Language != "python" {
		return fmt.Errorf("rule %s: imports are supported for go and python only", s.ID)
	}
	if len(s.Drop) > 0 && s.Language != "go" {
		return fmt.Errorf("rule %s: drop_imports is supported for go only", s.ID)
	}
	for i, e := range s.Edits {
		switch e.Op {
		case "", "replace", "insert_before", "insert_after", "delete":
		default:
			return fmt.Errorf("rule %s: edit %d: op %q must be replace, insert_before, insert_after or delete", s.ID, i+1, e.Op)
		}
		if e.At == "" {
			return fmt.Errorf("rule %s: edit %d: at is required", s.ID, i+1)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compile validates a spec and compiles its templates and queries.
func compile(s Spec, source string) (*Rule, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.Site == "" {
		s.Site = "site"
	}
	r := &Rule{Spec: s, Source: source, queries: map[syntax.Grammar]*compiled{}, rootedQ: map[syntax.Grammar]*rootedQuery{}}
	specs := s.Edits
	if s.Fix != nil {
		specs = []EditSpec{{At: s.Site, Op: "replace", Text: *s.Fix}}
	}
	for i, e := range specs {
		op := e.Op
		if op == "" {
			op = "replace"
		}
		t, err := template.New(fmt.Sprintf("%s#%d", s.ID, i+1)).Funcs(templateFuncs).Option("missingkey=error").Parse(e.Text)
		if err != nil {
			return nil, fmt.Errorf("rule %s: edit %d: %w", s.ID, i+1, err)
		}
		r.edits = append(r.edits, edit{at: e.At, op: op, tmpl: t})
		r.usesIndent = r.usesIndent || strings.Contains(e.Text, "indent")
	}
	roots, err := rootTypes(s.Query)
	if err != nil {
		return nil, fmt.Errorf("rule %s: query: %w", s.ID, err)
	}
	r.roots = roots
	if r.rooted, err = rootedPatterns(s.Query); err != nil {
		return nil, fmt.Errorf("rule %s: %w", s.ID, err)
	}
	r.captureNames = captureNames(s.Query)
	if contains(r.captureNames, rootCapture) {
		return nil, fmt.Errorf("rule %s: the capture name @%s is reserved", s.ID, rootCapture)
	}
	if !contains(r.captureNames, s.Site) {
		return nil, fmt.Errorf("rule %s: query has no @%s capture for the site", s.ID, s.Site)
	}
	for _, e := range r.edits {
		if !strings.HasPrefix(e.at, "@") && !contains(r.captureNames, e.at) {
			return nil, fmt.Errorf("rule %s: edit at %q names no capture of the query", s.ID, e.at)
		}
	}
	return r, nil
}

// compiled returns the rule's own query compiled for grammar g.
func (r *Rule) compiled(g syntax.Grammar) (*compiled, error) {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	if c := r.queries[g]; c != nil {
		return c, nil
	}
	c, err := compileQuery(r.Query, g)
	if err != nil {
		return nil, fmt.Errorf("rule %s: query (%s): %w", r.ID, g, err)
	}
	r.queries[g] = c
	return c, nil
}

// rootedQuery returns the rule's rooted patterns compiled for grammar g.
func (r *Rule) rootedQuery(g syntax.Grammar) (*rootedQuery, error) {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	if q := r.rootedQ[g]; q != nil {
		return q, nil
	}
	q, err := compileRooted(g, []*Rule{r})
	if err != nil {
		return nil, fmt.Errorf("rule %s: query (%s): %w", r.ID, g, err)
	}
	r.rootedQ[g] = q
	return q, nil
}

// appliesTo reports whether the rule is written for grammar g.
func (r *Rule) appliesTo(g syntax.Grammar) bool {
	for _, x := range syntax.GrammarsFor(r.Language) {
		if x == g {
			return true
		}
	}
	return false
}

// captureNames lists the capture names a query's text uses, skipping strings
// and comments.
func captureNames(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '"':
			i = skipString(text, i) - 1
		case ';':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case '@':
			j := i + 1
			for j < len(text) && isIdent(text[j]) && text[j] != '#' && text[j] != '?' {
				j++
			}
			if name := text[i+1 : j]; name != "" && !contains(out, name) {
				out = append(out, name)
			}
			i = j - 1
		}
	}
	return out
}

// queryCache memoizes compiled queries by grammar and text. Compiling a
// query analyses the grammar's parse tables, which costs milliseconds per
// pattern in the larger grammars (TypeScript most), and a compiled query is
// immutable, so every Library loaded in a process (a server per workspace,
// tests) shares the work of the first.
var queryCache sync.Map // queryKey -> *compiled

type queryKey struct {
	grammar syntax.Grammar
	text    string
}

func compileQuery(text string, g syntax.Grammar) (*compiled, error) {
	key := queryKey{g, text}
	if c, ok := queryCache.Load(key); ok {
		return c.(*compiled), nil
	}
	c, err := compileQueryText(text, g)
	if err != nil {
		return nil, err
	}
	actual, _ := queryCache.LoadOrStore(key, c)
	return actual.(*compiled), nil
}

func compileQueryText(text string, g syntax.Grammar) (*compiled, error) {
	q, err := sitter.NewQuery([]byte(text), g.Language())
	if err != nil {
		return nil, err
	}
	c := &compiled{query: q}
	for i := uint32(0); i < q.CaptureCount(); i++ {
		c.captures = append(c.captures, q.CaptureNameForId(i))
	}
	for p := uint32(0); p < q.PatternCount(); p++ {
		preds, err := compilePredicates(q, p)
		if err != nil {
			return nil, err
		}
		c.predicates = append(c.predicates, preds)
	}
	roots, err := rootTypes(text)
	if err != nil {
		return nil, err
	}
	c.rootTypes = roots
	return c, nil
}

func compilePredicates(q *sitter.Query, pattern uint32) ([]predicate, error) {
	var out []predicate
	steps := q.PredicatesForPattern(pattern)
	for _, st := range steps {
		if len(st) == 0 || st[0].Type != sitter.QueryPredicateStepTypeString {
			continue
		}
		op := q.StringValueForId(st[0].ValueId)
		args := st[1:]
		if n := len(args); n > 0 && args[n-1].Type == sitter.QueryPredicateStepTypeDone {
			args = args[:n-1]
		}
		if len(args) < 2 || args[0].Type != sitter.QueryPredicateStepTypeCapture {
			return nil, fmt.Errorf("predicate #%s needs a capture and a value", op)
		}
		p := predicate{op: op, capture: q.CaptureNameForId(args[0].ValueId)}
		p.negate = strings.HasPrefix(op, "not-")
		switch strings.TrimPrefix(op, "not-") {
		case "eq?":
			if len(args) != 2 {
				return nil, fmt.Errorf("#%s takes two arguments", op)
			}
			if args[1].Type == sitter.QueryPredicateStepTypeCapture {
				p.other = q.CaptureNameForId(args[1].ValueId)
			} else {
				p.value = q.StringValueForId(args[1].ValueId)
			}
		case "match?":
			if len(args) != 2 || args[1].Type != sitter.QueryPredicateStepTypeString {
				return nil, fmt.Errorf("#%s takes a capture and a regular expression", op)
			}
			re, err := regexp.Compile(q.StringValueForId(args[1].ValueId))
			if err != nil {
				return nil, fmt.Errorf("#%s: %w", op, err)
			}
			p.re = re
		case "any-of?":
			p.set = map[string]bool{}
			for _, a := range args[1:] {
				if a.Type != sitter.QueryPredicateStepTypeString {
					return nil, fmt.Errorf("#%s takes string values", op)
				}
				p.set[q.StringValueForId(a.ValueId)] = true
			}
		default:
			return nil, fmt.Errorf("unsupported predicate #%s", op)
		}
		out = append(out, p)
	}
	return out, nil
}

// rootTypes scans a query's text for the node types its top-level patterns
// are rooted at. Alternations and grouped siblings contribute every branch; a
// wildcard or anonymous-node root yields "*".
func rootTypes(text string) ([]string, error) {
	var roots []string
	i := skipTrivia(text, 0)
	for i < len(text) {
		r, end, err := formRoots(text, i)
		if err != nil {
			return nil, err
		}
		roots = append(roots, r...)
		i = skipTrivia(text, skipSuffix(text, end))
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("no pattern found")
	}
	return roots, nil
}

// formRoots returns the root types of the form starting at i and the index
// just past it.
func formRoots(text string, i int) ([]string, int, error) {
	end, err := formEnd(text, i)
	if err != nil {
		return nil, 0, err
	}
	switch text[i] {
	case '[', '(':
		j := skipTrivia(text, i+1)
		if text[i] == '(' && j < end && text[j] != '(' && text[j] != '[' {
			k := j
			for k < end && isIdent(text[k]) {
				k++
			}
			name := text[j:k]
			switch {
			case strings.HasPrefix(name, "#"):
				return nil, end, nil // a predicate
			case name == "_" || name == "" || text[j] == '"':
				return []string{"*"}, end, nil
			}
			return []string{name}, end, nil
		}
		// An alternation, or a group of sibling patterns and predicates.
		var roots []string
		for j < end-1 {
			r, e, err := formRoots(text, j)
			if err != nil {
				return nil, 0, err
			}
			roots = append(roots, r...)
			j = skipTrivia(text, skipSuffix(text, e))
		}
		return roots, end, nil
	case '_', '"':
		return []string{"*"}, end, nil
	case '.':
		return nil, end, nil // an anchor
	}
	return nil, 0, fmt.Errorf("unexpected %q at offset %d", text[i], i)
}

// formEnd returns the index just past the form starting at i.
func formEnd(text string, i int) (int, error) {
	switch text[i] {
	case '"':
		return skipString(text, i), nil
	case '(', '[':
		depth := 0
		for j := i; j < len(text); j++ {
			switch text[j] {
			case '"':
				j = skipString(text, j) - 1
			case ';':
				for j < len(text) && text[j] != '\n' {
					j++
				}
			case '(', '[':
				depth++
			case ')', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unbalanced brackets")
	}
	j := i + 1
	for j < len(text) && isIdent(text[j]) {
		j++
	}
	return j, nil
}

// skipSuffix skips a form's quantifier, captures and field prefix leftovers.
func skipSuffix(text string, i int) int {
	for {
		i = skipSpace(text, i)
		if i < len(text) && (text[i] == '*' || text[i] == '+' || text[i] == '?') {
			i++
			continue
		}
		if i < len(text) && text[i] == '@' {
			i++
			for i < len(text) && isIdent(text[i]) {
				i++
			}
			continue
		}
		return i
	}
}

func skipTrivia(text string, i int) int {
	for {
		i = skipSpace(text, i)
		if i < len(text) && text[i] == ';' {
			for i < len(text) && text[i] != '\n' {
				i++
			}
			continue
		}
		// A field name before a form ("body: (block)") is not a form.
		if j := i; j < len(text) && isIdent(text[j]) {
			for j < len(text) && isIdent(text[j]) {
				j++
			}
			if j < len(text) && text[j] == ':' {
				i = j + 1
				continue
			}
		}
		return i
	}
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || c == '#' || c == '?' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func skipString(s string, i int) int {
	for i++; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '"' {
			return i + 1
		}
	}
	return i
}
