// Package rules is SyntX's data-driven rule engine.
//
// A rule is data, not code: a TOML table with an id, the language it applies
// to, a category, a message, a prior acceptance probability, a tree-sitter
// query, a fix written as templates over the query's captures, and examples
// (code before and after the fix, and code that must not match). Rules ship
// embedded in the binary (builtin/); the user's ($XDG_CONFIG_HOME/syntx/rules/)
// may add rules or replace a built-in one; a workspace's
// (<workspace>/.syntx/rules/) load only once the user trusts the folder, and
// may only add rules: one whose id is taken is refused with a problem naming
// both files. A Source says where rules come from (Origin); ForWorkspace
// builds the sources every command and the server load. A rule records its
// file and the file's SHA-256, which the suggestions it makes carry.
//
// Rule files are somebody else's data: they are read through safeio
// (regular files, no symbolic link out of their directory, size-limited),
// and a file is limited in rules, query, template and example sizes before
// anything is compiled.
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
//	safety = "safe"                    # safe | unsafe (see Fix safety); unsafe when absent
//	because = "..."                    # safe: why the fix keeps the meaning
//	check = "..."                      # unsafe: what to verify before applying it (shown with it)
//	requires = { go = "1.13" }         # the target the fix needs (see Project targets)
//	aliases = ["errorlint"]            # the names other tools give the check (see Suppressions)
//	migration = "Convert this file to let/const"   # a migration (see Migrations)
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
//	safety = "unsafe"                  # optional: the safety the match in before must have
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
// text/template built-ins (printf, print, println, index, slice, len, eq, ne,
// lt, le, gt, ge, and, or, not, range with variables) work as usual.
// Arguments come in pipeline order, so {{ .x | replace "a" "b" }} and
// {{ if hasPrefix "0o" .perm }} both read well.
//
// A template is bounded (see template.go): {{define}}, {{block}},
// {{template}}, call, html, js and urlquery are refused at load, as are a
// range over a number or over len and printf widths or precisions over 64;
// a render stops after 20,000 steps (range iterations and function calls),
// 64 MB of work, a value or output over 1 MB, or when its context ends
// (Render takes the request's), and the fix is then not offered.
//
// Queries may use the predicates #eq?, #not-eq?, #match?, #not-match?,
// #any-of? and #not-any-of?, and the scope predicates below. A pattern's
// root node may carry at most two captures, and the capture name
// @syntx.root is reserved (see Incremental matching).
//
// # Fix safety
//
// Every fix is safe or unsafe, in the spirit of ruff's fix safety and of
// ESLint's fixes and suggestions. A safe fix keeps what the code means
// under the preconditions its query checks (scope, types the syntax
// settles, literals, the project's declared targets): `var` becomes `let`
// only where block scoping changes nothing. An unsafe fix may change what
// the code does, and that includes every fix whose point is to change
// behaviour, however welcome (verify=True refuses a self-signed
// certificate; === stops converting): its action's title ends with
// "(unsafe)", its check says what to verify, it is never the preferred
// action, the base policy ranks it after the safe ones and never shows it
// on an automatic request (an adapter trained on the developer's own
// feedback may, and ranks it by its score). A rule file without safety is unsafe. A pattern can
// override its rule's safety with (#set! safety "safe"|"unsafe"), so one
// rule offers the sites it can prove safe as safe and the others as unsafe
// (percent-to-fstring: safe when every value is known to be a str, int or
// float). Each built-in rule says why in because or check; a rule that
// cannot be made safe for a case leaves it out with a predicate, and the
// case becomes a must_not_match example.
//
// # Scope predicates
//
// Preconditions are predicates over the syntax tree, written like
// tree-sitter's and negated with a not- prefix. They rest on a scope
// analysis per language (definitions, references and the scopes they bind
// in, the way tree-sitter's locals queries describe them; see scope.go),
// which is conservative: a name it cannot decide (JavaScript's with and
// direct eval, Python's global) fails the predicate. A predicate on a
// capture with several nodes holds when it holds for each.
//
//	#local-to-block? @decl        JS/TS: every name the var declares is used only in the declaring block,
//	                              after the declaration, and declared nowhere else in the function
//	#captured-in-loop? @decl      JS/TS: a closure created in a loop around the declaration uses its names
//	#never-reassigned? @decl      every name is initialised by the declaration and never assigned again
//	#module-file? @any            JS/TS: the file imports, exports or uses require/module.exports
//	#used-only-opaquely? @id      JS/TS: every use of the parameter or caught error accepts any type
//	                              (typeof, ===, instanceof, !, a condition, a template, throw,
//	                              String(), JSON.stringify(), console.*), in a function with a body
//	#exported? @n                 JS/TS: n is in an export, a declare block, or something exported by name
//	#known-type? @expr TYPE...    the expression's type, known from the syntax, is one of TYPE:
//	                              Python str bytes int float bool dict list tuple, Go string error
//	                              slice map array chan, writer (a standard library io.Writer: http.ResponseWriter,
//	                              *bytes.Buffer, os.Stdout ...) (literals, constructors, declarations, annotated
//	                              parameters, struct fields declared in the file, err from the standard library)
//	#global? @id                  nothing in the file declares the name: Date, open, len are the language's own
//	#declared-before? @id @stmt   the variable is declared (Python: assigned) before @stmt in a block around it
//	#sole-reference? @id @within  @id is the only occurrence of its name inside @within
//	#referenced-after? @names @stmt  a name bound in @names is read after @stmt in the function
//	#refers-to? @expr @id         @expr reads, assigns or declares the variable @id names
//	#reraises? @handler           Python: the except clause re-raises with a bare raise
//	#class-defines? @obj NAME     Python: @obj is self or cls and the class around it defines NAME
//	#fresh-name? @id SUFFIX       the name @id's text + SUFFIX is unused in the function (the fix declares it)
//	#free-name? @n NAME           the name NAME is unused in the function around @n (the fix binds it)
//	#assigns? @scope @id          something in @scope, other than @id itself, assigns the variable @id names
//	#guarded-by? @n REGEX         an if, conditional, switch or &&/|| operand around n tests something
//	                              matching REGEX ("Date.now ? Date.now() : +new Date()")
//	#in-function? @n REGEX        a function, method or class around n is named matching REGEX
//	#commented? @n [REGEX]        a comment on n's lines or the line before (matching REGEX)
//	#parent-is? @n TYPE[.field]...  n's parent has one of the types (and n is in that field)
//	#go-imports? @n PATH          Go: the file imports PATH under its own name (a fix can then use it without adding an import)
//	#go-build? @n REGEX           Go: the file's //go:build (or // +build) constraint matches REGEX (a go1.N there
//	                              sets the file's language version)
//	#go-unused-after? @id @stmt   Go: no occurrence of @id's binding (not the name: a nested := is another
//	                              binding) starts after @stmt, or the first is a := that would declare it afresh
//	#go-set-before? @key          Go: the function calls Setenv with the same key before (a restore)
//	#go-unshared? @id             Go: a local of the function around it that no closure uses and whose
//	                              address is never taken: only its own statements change it
//	#go-set-by-pointer? @id       Go: a local declared `var id T` without a value and never assigned,
//	                              whose address is taken: its value comes only through the pointer
//	                              (a decoder, Scan, flag.StringVar), so it is data, never a constant
//	#python2-file? @any           Python: the file still runs on Python 2 (a __future__ import of a
//	                              Python 2 feature, PY2 =, version_info[0] == 2), unless its own code
//	                              has Python-3-only syntax (annotations, f-strings, nonlocal, await ...)
//	#boolean-context? @n          JS/TS: n's value is only tested for truthiness (a condition, !, &&/||
//	                              operands in such a place)
//
// A predicate may look beyond the match (the function around a
// declaration, the file's exports); the match records that span
// (Match.Deps), and the Index matches it again when an edit touches it. It
// also remembers where a predicate refused a match, so that deleting the
// use that blocked var -> let makes the suggestion appear.
//
// # Suppressions
//
// Suppressed finds the comment that silences a site: syntx-ignore[: ids]
// on the site's line or the line before, eslint-disable-line,
// eslint-disable-next-line and eslint-disable regions, @ts-ignore and
// @ts-expect-error, biome-ignore lint[/group/rule], # noqa[: codes], # nosec, pylint: disable[-next],
// //nolint[:linters], #nosec, //lint:ignore and //lint:file-ignore. A
// comment with a list silences the rules it names: by id, by id without the
// language, or by one of the rule's aliases (the names eslint, Biome, ruff,
// flake8, pylint, bandit, golangci-lint and staticcheck give the same
// check). Comments are found in the tree, so the same text in a string
// silences nothing.
//
// # Project targets
//
// A rule's requires names what its fix needs: es_syntax (the ECMAScript
// edition of the syntax it writes; TypeScript compiles syntax down, so it
// counts for JavaScript), es_api (the edition of the built-ins it calls;
// for TypeScript, the lib must declare them), node, python and go versions.
// Projects reads what the nearest project file above a document declares
// (package.json engines, browserslist and the browsers its tests run in,
// .browserslistrc, the ESLint config's ecmaVersion, tsconfig.json target
// and lib following extends, pyproject.toml, setup.cfg, setup.py, go.mod;
// project.go has the full list), and Target.Allows silences a rule below
// its needs. Project files
// come from the repository: they are read size-limited, regular files only,
// parsed as data, and can only make SyntX quieter.
//
// A Go rule whose fix declares a package-level name says which capture
// holds it (requires.free_package_name: go.regexp-compile-in-func hoists a
// variable out of a function). DocTarget.Allows offers such a match only
// where the name is free: not declared or imported by the document, nor by
// another .go file of its directory with the same package clause (its
// _test.go files included), not predeclared, init or main, and not hoisted
// by another match of the rule in the document; sibling files that cannot
// be read as data (links, files too large, too many) leave no name free
// (pkgnames.go).
//
// A Go rule whose fix compiles only for some types of a capture says so
// with requires.known_type (go.slices-contains-loop: { s = ["slice"] }).
// A query's #known-type? sees only the document, since the index matches
// each file by itself; known_type is checked when a match is offered
// (DocTarget.Allows), against the document and the struct types declared
// in the package's other files, read as pkgnames.go reads them (parsed by
// go/parser as data, same limits, a type declared twice unknown). An
// unknown type, as always, is not the type: the match is not offered
// (pkgtypes.go).
//
// # Priors
//
// A rule's prior is how often reviewers accept its suggestions. With the
// base policy it is the suggestion's score, so together with
// policy.threshold it decides what the lightbulb shows before any
// feedback. The built-in priors were revised from a judged sample of the
// suggestions on real, unmodified packages (make check-rules-real and
// internal/rulecheck; README.md, "Judging suggestions"): welcome, nitpick,
// false positive or harmful, each rule file saying from how many verdicts
// of each. A rule whose suggestions are taste gets a prior below the
// threshold: it is offered when asked for, never unasked.
//
// # Migrations
//
// A rule with migration rewrites what would otherwise be a lightbulb on
// most lines of a file (var to let/const, % to f-strings, any to unknown).
// The server offers it as one source action per file that applies every
// safe site, recorded and learnt as one suggestion; its sites are offered
// one by one only when suggestions.migration_sites is set.
//
// # Queries that stall a file
//
// tree-sitter keeps a state for every partial match. A node pattern with
// two child patterns and no anchor between them, (block (A) (B)), starts a
// state at every A child and keeps it alive across the later siblings: on a
// generated block of thousands of declarations one query took a minute.
// Anchor siblings (block (A) . (B)), or root the pattern at B and check A
// with a predicate (#declared-before?, #known-type?); the built-in queries
// are linted for this (querylint.go). Matching runs with a match limit, and
// scope predicates share their work within a pass. syntx rules stats --time
// measures the cost per file and per rule against the budget: every rule
// together within 100 ms of CPU on any file of up to 200 KB.
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
// A scope predicate may read beyond the root's subtree: the function around
// a declaration, the later uses of a name, the file's exports. What it read
// is the match's Deps, a span of the text, and the index keeps the same span
// for the places where a predicate refused a match (with the refused
// match's root). An edit or a structural change that touches a match's or a
// refusal's Deps makes the index match that root's node again, as if the
// edit had been on its line; so a match can depend on code outside its
// root's subtree, and incremental matching still equals a full rescan.
// Deps can be large (a var declaration's is the whole function around it,
// a bundle's factory), so the predicates that can (local-to-block?,
// captured-in-loop?, never-reassigned?, in-function?, module-file?) also
// say which words they looked up; an edit inside Deps that only retypes
// identifier characters, touches none of those words and no keyword, and
// changes no syntax beyond its words, leaves the match alone (deps.go). A
// keystroke in a name then costs what it costs in a file without scope
// predicates; a bracket, an operator, a newline or a keyword in a function
// re-matches the declarations whose predicates read that function. The
// other predicates count any edit in their Deps.
package rules

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Categories lists the categories a rule may have.
var Categories = []string{"security", "performance", "correctness", "style"}

// Languages lists the languages rules are written for: the rule
// languages of syntax's language table.
var Languages = syntax.RuleLanguages()

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
	// Safety is "safe" (the fix keeps the code's meaning under the
	// preconditions the query checks) or "unsafe" (it may change what the
	// code does); a rule file that does not say is unsafe.
	Safety string `toml:"safety"`
	// Because says why a safe fix keeps the meaning (for reviewers of the
	// rule); Check says, for an unsafe one, what the developer must check
	// before applying it (shown with the suggestion).
	Because string `toml:"because"`
	Check   string `toml:"check"`
	// Requires is the minimum project target the fix needs; the rule is
	// silent in a project that declares an older one.
	Requires Requires `toml:"requires"`
	// Migration, when set, makes the rule a migration: the title of the one
	// source action per file that applies every safe site ("Convert this
	// file to let/const"). Its sites are not offered one by one unless
	// the user turns that on.
	Migration string `toml:"migration"`
	// Aliases are the names other tools give the same check ("eqeqeq",
	// "E711", "gosec"): a suppression comment naming one silences the rule.
	Aliases []string `toml:"aliases"`
}

// ReadsPackage reports whether the rule's matches are offered
// depending on the package's other files (requires.free_package_name,
// requires.known_type): what is offered in a document can change when
// they do.
func (r *Rule) ReadsPackage() bool {
	return r.Requires.FreePackageName != "" || len(r.Requires.KnownType) > 0
}

// Fix safety values.
const (
	Safe   = "safe"
	Unsafe = "unsafe"
)

// Requires is the minimum target a rule's fix needs. Zero values mean no
// requirement.
type Requires struct {
	// ESSyntax is the ECMAScript edition (a year, 2015 for let/const) whose
	// syntax the fix writes. TypeScript compiles syntax down to its
	// target, so it counts for JavaScript files only.
	ESSyntax int `toml:"es_syntax"`
	// ESAPI is the edition whose built-ins the fix calls (2016 for
	// Array.prototype.includes): the JavaScript runtime must have them,
	// and TypeScript's lib must declare them.
	ESAPI int `toml:"es_api"`
	// Node is the Node.js major version the fix needs (6 for Buffer.from),
	// compared with package.json's engines.node.
	Node int `toml:"node"`
	// Python ("3.6") and Go ("1.13") are language versions, compared with
	// requires-python / python_requires and go.mod's go line.
	Python string `toml:"python"`
	Go     string `toml:"go"`
	// Declared: the fix is right only where the project declares that
	// Python or Go version (go.loopvar-copy: without go.mod's go 1.22 a
	// range loop shares one variable and the copy matters), so the rule is
	// quiet where nothing declares one, not only where an older one is.
	Declared bool `toml:"declared"`
	// NotInScripts: the rule is quiet in scripts (Target.Script), where
	// what it takes for a leftover is the file's purpose: console.log is
	// a benchmark's, a build script's or a command-line program's output.
	NotInScripts bool `toml:"not_in_scripts"`
	// FreePackageName names the capture whose text the fix declares at
	// package level (go.regexp-compile-in-func hoists a variable): the
	// rule is quiet where the package already uses that name
	// (pkgnames.go, DocTarget.Allows).
	FreePackageName string `toml:"free_package_name"`
	// KnownType maps captures to the types (known-type?'s Go classes:
	// "slice", "map", ...) each must have for the fix to compile, known
	// from the document or from the struct types its package declares in
	// its other files (pkgtypes.go: air's `range e.config.Build.ExcludeDir`,
	// three types declared in three other files). A query's #known-type?
	// sees the document only, since the index matches a file by itself;
	// this is checked when the match is offered (DocTarget.Allows).
	KnownType map[string][]string `toml:"known_type"`
}

// EditSpec is one edit of a fix.
type EditSpec struct {
	At   string `toml:"at"`
	Op   string `toml:"op"`
	Text string `toml:"text"`
}

// Example is a rule's documentation and test: Before must match and become
// After when the first match's fix is applied (with the safety Safety
// names, when set); MustNotMatch must not match.
type Example struct {
	Before       string   `toml:"before"`
	After        string   `toml:"after"`
	MustNotMatch []string `toml:"must_not_match"`
	// Safety, when set, is the fix safety the match in Before must have
	// (for rules whose patterns differ in safety).
	Safety string `toml:"safety"`
}

// Rule is a validated, compiled rule.
type Rule struct {
	Spec
	Source string // file it came from ("builtin:go/errors.toml" for embedded ones)
	// Origin is who wrote it; File is its file's name within its source
	// (relative to the rules directory) and SHA256 the file's hash (hex),
	// recorded with the suggestions it makes.
	Origin Origin
	File   string
	SHA256 string
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
	tmpl *fixTemplate
}

// compiled is a rule's query for one grammar, with its predicates
// precompiled and the node types its patterns can be rooted at.
type compiled struct {
	query      *sitter.Query
	grammar    syntax.Grammar
	captures   []string // capture index -> name
	predicates [][]predicate
	// safety is, per pattern, the fix safety a (#set! safety "...")
	// directive gives that pattern's sites ("" when it sets none).
	safety    []string
	rootTypes []string // "*" for a wildcard root
}

type predicate struct {
	op      string
	capture string
	value   string // literal for eq?
	other   string // capture name for eq? @a @b
	re      *regexp.Regexp
	set     map[string]bool
	negate  bool
	// scope is a scope predicate (predicates.go) and its arguments after
	// the first capture.
	scope *predicateDef
	args  []predArg
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
	idPattern  = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-z0-9][a-z0-9-]*)+$`)
	setsUnsafe = regexp.MustCompile(`#set!\s+"?safety"?\s+"unsafe"`)
	versionRE  = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
)

func (r Requires) validate(language string) error {
	js := language == "javascript" || language == "typescript"
	switch {
	case (r.ESSyntax != 0 || r.ESAPI != 0 || r.Node != 0 || r.NotInScripts) && !js:
		return fmt.Errorf("es_syntax, es_api, node and not_in_scripts apply to javascript and typescript rules")
	case r.Python != "" && language != "python":
		return fmt.Errorf("python applies to python rules")
	case r.Go != "" && language != "go":
		return fmt.Errorf("go applies to go rules")
	case r.FreePackageName != "" && language != "go":
		return fmt.Errorf("free_package_name applies to go rules")
	case len(r.KnownType) > 0 && language != "go":
		return fmt.Errorf("known_type applies to go rules")
	case r.ESSyntax != 0 && (r.ESSyntax < 2009 || r.ESSyntax > 2100), r.ESAPI != 0 && (r.ESAPI < 2009 || r.ESAPI > 2100):
		return fmt.Errorf("es_syntax and es_api are edition years (2015, 2020)")
	case r.Node < 0:
		return fmt.Errorf("node must be a major version")
	case r.Python != "" && !versionRE.MatchString(r.Python), r.Go != "" && !versionRE.MatchString(r.Go):
		return fmt.Errorf("python and go versions are written major.minor (\"3.6\", \"1.13\")")
	}
	return nil
}

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
	if imp := importers[s.Language]; len(s.Imports) > 0 && imp.add == nil {
		return fmt.Errorf("rule %s: imports are supported for %s only", s.ID, importLanguages(func(i importer) bool { return i.add != nil }))
	}
	if imp := importers[s.Language]; len(s.Drop) > 0 && imp.drop == nil {
		return fmt.Errorf("rule %s: drop_imports is supported for %s only", s.ID, importLanguages(func(i importer) bool { return i.drop != nil }))
	}
	switch s.Safety {
	case "", Safe, Unsafe:
	default:
		return fmt.Errorf("rule %s: safety %q must be safe or unsafe", s.ID, s.Safety)
	}
	if s.Safety == Unsafe && strings.TrimSpace(s.Check) == "" {
		return fmt.Errorf("rule %s: an unsafe fix needs check, what to verify before applying it", s.ID)
	}
	if setsUnsafe.MatchString(s.Query) && strings.TrimSpace(s.Check) == "" {
		return fmt.Errorf("rule %s: a pattern sets safety unsafe, so the rule needs check, what to verify before applying it", s.ID)
	}
	if err := s.Requires.validate(s.Language); err != nil {
		return fmt.Errorf("rule %s: requires: %w", s.ID, err)
	}
	for _, a := range s.Aliases {
		if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " \t,") {
			return fmt.Errorf("rule %s: alias %q must be one word", s.ID, a)
		}
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
	if s.Safety == "" {
		// A rule that does not declare its fix safe is treated as unsafe:
		// labelled, never preferred, never shown unasked by the base policy.
		s.Safety = Unsafe
		if strings.TrimSpace(s.Check) == "" {
			s.Check = "this rule does not declare its fix safe: read the change before applying it"
		}
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
		t, err := compileTemplate(fmt.Sprintf("%s#%d", s.ID, i+1), e.Text)
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
	if c := s.Requires.FreePackageName; c != "" && !contains(r.captureNames, c) {
		return nil, fmt.Errorf("rule %s: requires.free_package_name %q names no capture of the query", s.ID, c)
	}
	for c, types := range s.Requires.KnownType {
		if !contains(r.captureNames, c) {
			return nil, fmt.Errorf("rule %s: requires.known_type %q names no capture of the query", s.ID, c)
		}
		for _, t := range types {
			if !goTypeClasses[t] {
				return nil, fmt.Errorf("rule %s: requires.known_type: %q is not a type known-type? tells (%s)", s.ID, t, strings.Join(slices.Sorted(maps.Keys(goTypeClasses)), ", "))
			}
		}
		if len(types) == 0 {
			return nil, fmt.Errorf("rule %s: requires.known_type %q lists no type", s.ID, c)
		}
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
	c, err := compileQuery(r.Query, g, r.Origin == OriginBuiltin)
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
//
// A query of built-in rules only is kept for the life of the process: the
// binary holds finitely many. Any other (one rule of the user's or of a
// workspace, or a grammar's combined query that holds one) is kept while
// some library holds it, and then goes with its C memory (the binding's
// finalizer deletes the query): every time a rule file is saved the
// library is loaded again, and each grammar's combined query, built-in
// patterns included, is compiled anew. Kept for good, a rule author's
// afternoon of saves was as many copies of the TypeScript query as saves.
var queryCache struct {
	pinned sync.Map // queryKey -> *compiled
	held   weakTable[queryKey, compiled]
}

type queryKey struct {
	grammar syntax.Grammar
	text    string
}

// compileQuery compiles text for g, or returns the compiled query of the
// same text already made. pin says the text is built-in rules' only.
func compileQuery(text string, g syntax.Grammar, pin bool) (*compiled, error) {
	key := queryKey{g, text}
	if pin {
		if c, ok := queryCache.pinned.Load(key); ok {
			return c.(*compiled), nil
		}
		c, err := compileQueryText(text, g)
		if err != nil {
			return nil, err
		}
		actual, _ := queryCache.pinned.LoadOrStore(key, c)
		return actual.(*compiled), nil
	}
	if c := queryCache.held.get(key); c != nil {
		return c, nil
	}
	c, err := compileQueryText(text, g) // not under the table's lock: it takes long
	if err != nil {
		return nil, err
	}
	return queryCache.held.put(key, c), nil
}

func compileQueryText(text string, g syntax.Grammar) (*compiled, error) {
	q, err := sitter.NewQuery([]byte(text), g.Language())
	if err != nil {
		return nil, err
	}
	c := &compiled{query: q, grammar: g}
	for i := uint32(0); i < q.CaptureCount(); i++ {
		c.captures = append(c.captures, q.CaptureNameForId(i))
	}
	for p := uint32(0); p < q.PatternCount(); p++ {
		preds, safety, err := compilePredicates(q, p)
		if err != nil {
			return nil, err
		}
		c.predicates = append(c.predicates, preds)
		c.safety = append(c.safety, safety)
	}
	roots, err := rootTypes(text)
	if err != nil {
		return nil, err
	}
	c.rootTypes = roots
	return c, nil
}

// compilePredicates compiles one pattern's predicates, and returns the fix
// safety its (#set! safety "safe"|"unsafe") directive gives, if any.
func compilePredicates(q *sitter.Query, pattern uint32) ([]predicate, string, error) {
	var out []predicate
	safety := ""
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
		if op == "set!" {
			if len(args) != 2 || args[0].Type != sitter.QueryPredicateStepTypeString || args[1].Type != sitter.QueryPredicateStepTypeString ||
				q.StringValueForId(args[0].ValueId) != "safety" {
				return nil, "", fmt.Errorf(`#set! takes safety and "safe" or "unsafe"`)
			}
			safety = q.StringValueForId(args[1].ValueId)
			if safety != Safe && safety != Unsafe {
				return nil, "", fmt.Errorf(`#set! safety %q must be "safe" or "unsafe"`, safety)
			}
			continue
		}
		if len(args) < 1 || args[0].Type != sitter.QueryPredicateStepTypeCapture {
			return nil, "", fmt.Errorf("predicate #%s needs a capture", op)
		}
		p := predicate{op: op, capture: q.CaptureNameForId(args[0].ValueId)}
		p.negate = strings.HasPrefix(op, "not-")
		name := strings.TrimPrefix(op, "not-")
		if _, ok := scopePredicates[name]; ok {
			def, pargs, err := compileScopePredicate(q, name, args[1:])
			if err != nil {
				return nil, "", err
			}
			p.scope, p.args = &def, pargs
			out = append(out, p)
			continue
		}
		if len(args) < 2 {
			return nil, "", fmt.Errorf("predicate #%s needs a capture and a value", op)
		}
		switch name {
		case "eq?":
			if len(args) != 2 {
				return nil, "", fmt.Errorf("#%s takes two arguments", op)
			}
			if args[1].Type == sitter.QueryPredicateStepTypeCapture {
				p.other = q.CaptureNameForId(args[1].ValueId)
			} else {
				p.value = q.StringValueForId(args[1].ValueId)
			}
		case "match?":
			if len(args) != 2 || args[1].Type != sitter.QueryPredicateStepTypeString {
				return nil, "", fmt.Errorf("#%s takes a capture and a regular expression", op)
			}
			re, err := compileRegexp(q.StringValueForId(args[1].ValueId))
			if err != nil {
				return nil, "", fmt.Errorf("#%s: %w", op, err)
			}
			p.re = re
		case "any-of?":
			p.set = map[string]bool{}
			for _, a := range args[1:] {
				if a.Type != sitter.QueryPredicateStepTypeString {
					return nil, "", fmt.Errorf("#%s takes string values", op)
				}
				p.set[q.StringValueForId(a.ValueId)] = true
			}
		default:
			return nil, "", fmt.Errorf("unsupported predicate #%s", op)
		}
		out = append(out, p)
	}
	return out, safety, nil
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
