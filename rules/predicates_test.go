package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// countMatches compiles query as a one-rule set for grammar g and counts its
// matches in code.
func countMatches(t *testing.T, g syntax.Grammar, query, code string) []Match {
	t.Helper()
	fix := "x"
	spec := Spec{ID: g.RuleLanguage() + ".t", Language: g.RuleLanguage(), Category: "style", Title: "t", Message: "t.",
		Prior: 0.5, Query: query, Fix: &fix, Safety: Safe, Check: "t"}
	if names := captureNames(query); !contains(names, "site") {
		spec.Site = names[0]
	}
	r, err := compile(spec, "test")
	if err != nil {
		t.Fatal(err)
	}
	set, problems := newSet(g, []*Rule{r})
	if len(problems) > 0 {
		t.Fatal(problems[0].Err)
	}
	tree, err := syntax.Parse(context.Background(), g, []byte(code))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if syntax.HasErrors(tree.Root()) {
		t.Fatalf("syntax errors in\n%s", code)
	}
	var out []Match
	set.MatchRange(tree, syntax.NewText([]byte(code)), 0, len(code), func(m Match) { out = append(out, m) })
	return out
}

type predCase struct {
	name  string
	g     syntax.Grammar
	query string
	code  string
	want  int
}

func runPredCases(t *testing.T, cases []predCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := len(countMatches(t, c.g, c.query, c.code)); got != c.want {
				t.Errorf("%d matches, want %d, in\n%s", got, c.want, c.code)
			}
		})
	}
}

const noVarQuery = `((variable_declaration . "var") @site (#local-to-block? @site) (#not-captured-in-loop? @site))`

func TestPredicateLocalToBlock(t *testing.T) {
	t.Parallel()
	js := syntax.JavaScript
	runPredCases(t, []predCase{
		{"used in its block", js, noVarQuery, "function f() { var x = 1; return x; }", 1},
		{"used after its if block", js, noVarQuery, "function f(c) { if (c) { var x = 1; } return x; }", 0},
		{"loop variable returned after the loop", js, noVarQuery, "function f() { for (var r = 0; r < 3; r++) {} return r; }", 0},
		{"loop variable used in the loop", js, noVarQuery, "function f(a) { for (var i = 0; i < a.length; i++) { use(a[i]); } }", 1},
		{"loop variable captured by a closure", js, noVarQuery, "function f(fs) { for (var i = 0; i < 3; i++) { fs.push(() => i); } }", 0},
		{"body variable captured by a closure in a loop", js, noVarQuery, "function f(xs) { while (xs.length) { var y = xs.pop(); later(function () { return y; }); } }", 0},
		{"read in its own initializer", js, noVarQuery, "function f() { var ns = ns || {}; return ns; }", 0},
		{"used before the declaration", js, noVarQuery, "function f() { use(x); var x = 1; }", 0},
		{"same name as a parameter", js, noVarQuery, "function f(x, y) { if (y) { var x = 2; use(x); } }", 0},
		{"declared twice", js, noVarQuery, "function f() { var x = 1; use(x); var x = 2; use(x); }", 0},
		{"shadowed in a nested function", js, noVarQuery, "function f() { var x = 1; function g() { var x = 2; return x; } return x + g(); }", 2},
		{"eval in the function", js, noVarQuery, "function f() { var x = 1; return eval('x'); }", 0},
		{"destructuring", js, noVarQuery, "function f(o) { var {a, b: [c]} = o; return a + c; }", 1},
		{"destructured name used outside", js, noVarQuery, "function f(o) { { var {a} = o; } return a; }", 0},
		{"program level", js, noVarQuery, "var x = 1;\nconsole.log(x);\n", 1},
	})
}

func TestPredicateNeverReassigned(t *testing.T) {
	t.Parallel()
	q := `((variable_declaration . "var") @site (#never-reassigned? @site))`
	js := syntax.JavaScript
	runPredCases(t, []predCase{
		{"assigned once", js, q, "function f() { var x = 1; return x; }", 1},
		{"incremented", js, q, "function f() { var x = 1; x++; return x; }", 0},
		{"assigned again", js, q, "function f() { var x = 1; x = 2; return x; }", 0},
		{"compound assignment", js, q, "function f() { var x = 1; x += 2; return x; }", 0},
		{"no initializer", js, q, "function f() { var x; return x; }", 0},
		{"one of two reassigned", js, q, "function f() { var a = 1, b = 2; b = 3; return a + b; }", 0},
	})
	py := `((assignment left: (identifier) @name) (#never-reassigned? @name))`
	runPredCases(t, []predCase{
		{"python once", syntax.Python, py, "def f():\n    x = 1\n    return x\n", 1},
		{"python twice", syntax.Python, py, "def f():\n    x = 1\n    x = 2\n    return x\n", 0},
	})
}

func TestPredicateUsedOnlyOpaquely(t *testing.T) {
	t.Parallel()
	q := `((required_parameter pattern: (identifier) @name type: (type_annotation (predefined_type) @t)) (#eq? @t "any") (#used-only-opaquely? @name))`
	ts := syntax.TypeScript
	runPredCases(t, []predCase{
		{"logged", ts, q, "function f(x: any): void { console.log(x); }", 1},
		{"unused", ts, q, "function f(x: any): void {}", 1},
		{"member access", ts, q, "function f(x: any) { return x.foo; }", 0},
		{"typeof and equality", ts, q, "function f(x: any) { if (typeof x === 'string' || x === null) { return 1; } }", 1},
		{"passed on", ts, q, "function f(x: any) { g(x); }", 0},
		{"returned", ts, q, "function f(x: any) { return x; }", 0},
		{"template and String", ts, q, "const f = (x: any) => `${x}` + String(x);", 1},
		{"Promise.resolve carries the type", ts, q, "function f(x: any): Promise<number> { return Promise.resolve(x); }", 0},
		{"a function type has no body", ts, q, "type Cb = (x: any) => void;", 0},
		{"an interface method has no body", ts, q, "interface I { m(x: any): void; }", 0},
		{"shadowed inside", ts, q, "function f(x: any) { const g = (x: number) => x + 1; return g(1); }", 1},
	})
	catch := `((catch_clause parameter: (identifier) @name type: (type_annotation (predefined_type) @t)) (#eq? @t "any") (#used-only-opaquely? @name))`
	runPredCases(t, []predCase{
		{"rethrown", ts, catch, "try { a(); } catch (e: any) { console.error(e); throw e; }", 1},
		{"message read", ts, catch, "try { a(); } catch (e: any) { report(e.message); }", 0},
	})
}

func TestPredicateExportedAndModule(t *testing.T) {
	t.Parallel()
	q := `((required_parameter pattern: (identifier) @name) @site (#not-exported? @site))`
	ts := syntax.TypeScript
	runPredCases(t, []predCase{
		{"local function", ts, q, "function f(x: any) {}", 1},
		{"exported function", ts, q, "export function f(x: any) {}", 0},
		{"exported type", ts, q, "export type Cb = (x: any) => void;", 0},
		{"exported by name", ts, q, "function f(x: any) {}\nexport { f };", 0},
		{"exported class method", ts, q, "export class K { m(x: any) {} }", 0},
		{"private method of an exported class", ts, q, "export class K { private m(x: any) {} }", 1},
		{"CommonJS export", syntax.JavaScript, `((formal_parameters (identifier) @site) (#not-exported? @site))`, "function f(x) {}\nmodule.exports = { f };", 0},
	})
	m := `((identifier) @site (#eq? @site "x") (#module-file? @site))`
	runPredCases(t, []predCase{
		{"script", syntax.JavaScript, m, "var x = 1;", 0},
		{"ES module", syntax.JavaScript, m, "import a from 'a';\nvar x = 1;", 1},
		{"CommonJS", syntax.JavaScript, m, "const a = require('a');\nvar x = 1;", 1},
	})
}

func TestPredicateGlobalGuardedFunctionComment(t *testing.T) {
	t.Parallel()
	date := `((new_expression constructor: (identifier) @id) @site (#eq? @id "Date") (#global? @id) (#not-guarded-by? @site "Date\\.now"))`
	js := syntax.JavaScript
	runPredCases(t, []predCase{
		{"plain", js, date, "const t = +new Date();", 1},
		{"feature detection", js, date, "const now = Date.now ? Date.now() : +new Date();", 0},
		{"if feature detection", js, date, "function now() { if (Date.now) { return Date.now(); } else { return +new Date(); } }", 0},
		{"|| fallback", js, date, "const now = (Date.now && Date.now()) || +new Date();", 0},
		{"Date shadowed", js, date, "function f(Date) { return +new Date(); }", 0},
		{"Date imported", js, date, "import Date from './date';\nconst t = +new Date();", 0},
	})
	goTLS := `((keyed_element (literal_element (identifier) @k) (literal_element (true) @site)) (#eq? @k "InsecureSkipVerify") (#not-guarded-by? @site "(?i)insecure|skip.?verify") (#not-in-function? @site "(?i)insecure"))`
	runPredCases(t, []predCase{
		{"plain", syntax.Go, goTLS, "package p\nvar c = tls.Config{InsecureSkipVerify: true}\n", 1},
		{"honours a setting", syntax.Go, goTLS, "package p\nfunc f(cfg Config) {\n\tif cfg.Insecure {\n\t\tc.TLS = &tls.Config{InsecureSkipVerify: true}\n\t}\n}\n", 0},
		{"insecure client", syntax.Go, goTLS, "package p\nfunc insecureClient() *http.Client {\n\treturn newClient(&tls.Config{InsecureSkipVerify: true})\n}\n", 0},
	})
	innerHTML := `((assignment_expression left: (member_expression property: (property_identifier) @p)) @site (#eq? @p "innerHTML") (#not-in-function? @site "(?i)parse|html"))`
	runPredCases(t, []predCase{
		{"plain", js, innerHTML, "function show(el, s) { el.innerHTML = s; }", 1},
		{"in a parser", js, innerHTML, "function parseHTML(s) { const tmp = document.createElement('div'); tmp.innerHTML = s; return tmp.childNodes; }", 0},
		{"in a parser method", js, innerHTML, "const lib = { buildFragment: function (s) { x.innerHTML = s; } };\nlib.parseHTML = function (s) { x.innerHTML = s; };", 1},
	})
	comment := `((call_expression function: (member_expression property: (property_identifier) @p)) @site (#eq? @p "parse") (#not-commented? @site "(?i)deliberate|cycl"))`
	runPredCases(t, []predCase{
		{"no comment", js, comment, "const c = JSON.parse(s);", 1},
		{"comment above", js, comment, "// a JSON round trip on purpose: cyclic input must fail\nconst c = JSON.parse(s);", 0},
		{"comment on the line", js, comment, "const c = JSON.parse(s); // deliberate", 0},
		{"unrelated comment", js, comment, "// parse the settings\nconst c = JSON.parse(s);", 1},
		{"comment leader in a string", js, comment, "const u = 'http://deliberate';\nconst c = JSON.parse(s);", 1},
	})
	py := `((call function: (identifier) @f) @site (#eq? @f "open") (#global? @f))`
	runPredCases(t, []predCase{
		{"builtin open", syntax.Python, py, "data = open(p).read()\n", 1},
		{"imported open", syntax.Python, py, "from gzip import open\ndata = open(p).read()\n", 0},
		{"parameter open", syntax.Python, py, "def f(open):\n    return open(p)\n", 0},
	})
}

func TestPredicateKnownType(t *testing.T) {
	t.Parallel()
	py := `((binary_operator left: (string) operator: "%" right: (tuple . (identifier) @arg)) @site (#known-type? @arg "str" "int"))`
	runPredCases(t, []predCase{
		{"string literal variable", syntax.Python, py, "def f():\n    name = 'x'\n    return '%s' % (name,)\n", 1},
		{"annotated parameter", syntax.Python, py, "def f(name: str, n: int):\n    return '%s %s' % (name, n)\n", 1},
		{"unannotated parameter", syntax.Python, py, "def f(name):\n    return '%s' % (name,)\n", 0},
		{"str() call", syntax.Python, py, "def f(v):\n    s = str(v)\n    return '%s' % (s,)\n", 1},
		{"assigned two types", syntax.Python, py, "def f(c):\n    s = 'a'\n    if c:\n        s = None\n    return '%s' % (s,)\n", 0},
		{"str shadowed", syntax.Python, py, "def f(v, str):\n    s = str(v)\n    return '%s' % (s,)\n", 0},
		{"join", syntax.Python, py, "def f(xs):\n    s = ', '.join(xs)\n    return '%s' % (s,)\n", 1},
	})
	dict := `((call function: (attribute object: (_) @obj attribute: (identifier) @k)) @site (#eq? @k "keys") (#known-type? @obj "dict"))`
	runPredCases(t, []predCase{
		{"dict literal", syntax.Python, dict, "def f(k):\n    d = {}\n    return k in d.keys()\n", 1},
		{"annotated", syntax.Python, dict, "def f(k, d: Dict[str, int]):\n    return k in d.keys()\n", 1},
		{"unknown", syntax.Python, dict, "def f(k, d):\n    return k in d.keys()\n", 0},
		{"self", syntax.Python, dict, "class C:\n    def f(self, k):\n        return k in self.keys()\n", 0},
	})
	goStr := `((assignment_statement left: (expression_list (identifier) @v) operator: "+=") @site (#known-type? @v "string"))`
	runPredCases(t, []predCase{
		{"string literal", syntax.Go, goStr, "package p\nfunc f(xs []string) string {\n\ts := \"\"\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n", 1},
		{"var string", syntax.Go, goStr, "package p\nfunc f(xs []string) (s string) {\n\tvar out string\n\tout += \"a\"\n\treturn out\n}\n", 1},
		{"int", syntax.Go, goStr, "package p\nfunc f() int {\n\tn := 0\n\tn += 1\n\treturn n\n}\n", 0},
		{"named string type", syntax.Go, goStr, "package p\ntype name string\nfunc f() name {\n\tvar s name\n\ts += \"x\"\n\treturn s\n}\n", 0},
		{"Sprintf", syntax.Go, goStr, "package p\nfunc f() string {\n\ts := fmt.Sprintf(\"%d\", 1)\n\ts += \"x\"\n\treturn s\n}\n", 1},
	})
	goSlice := `((range_clause right: (_) @src) (#known-type? @src "slice" "map" "string" "array" "chan"))`
	runPredCases(t, []predCase{
		{"slice parameter", syntax.Go, goSlice, "package p\nfunc f(xs []int) {\n\tfor range xs {\n\t}\n}\n", 1},
		{"int", syntax.Go, goSlice, "package p\nfunc f(n int) {\n\tfor range n {\n\t}\n}\n", 0},
		{"struct field", syntax.Go, goSlice, "package p\ntype page struct{ Users []int }\nfunc f(p page) {\n\tfor range p.Users {\n\t}\n}\n", 1},
		{"pointer struct field", syntax.Go, goSlice, "package p\ntype page struct{ N int }\nfunc f(p *page) {\n\tfor range p.N {\n\t}\n}\n", 0},
		{"iterator function", syntax.Go, goSlice, "package p\nfunc f(seq iter.Seq[int]) {\n\tfor range seq {\n\t}\n}\n", 0},
	})
	goW := `((call_expression function: (selector_expression operand: (identifier) @w field: (field_identifier) @m)) @site (#eq? @m "Write") (#known-type? @w "writer"))`
	h := "package p\nimport (\n\t\"bytes\"\n\t\"io\"\n\tnethttp \"net/http\"\n\t\"os\"\n\t\"strings\"\n)\n"
	runPredCases(t, []predCase{
		{"ResponseWriter parameter", syntax.Go, goW, h + "func f(w nethttp.ResponseWriter) { w.Write(nil) }\n", 1},
		{"io.Writer in a func literal", syntax.Go, goW, h + "var f = func(w io.Writer) { w.Write(nil) }\n", 1},
		{"*bytes.Buffer", syntax.Go, goW, h + "func f(b *bytes.Buffer) { b.Write(nil) }\n", 1},
		{"bytes.Buffer by value", syntax.Go, goW, h + "func f() { var b bytes.Buffer; b.Write(nil) }\n", 0},
		{"strings.Builder by value", syntax.Go, goW, h + "func f(b strings.Builder) { b.Write(nil) }\n", 0},
		{"new(bytes.Buffer)", syntax.Go, goW, h + "func f() { b := new(bytes.Buffer); b.Write(nil) }\n", 1},
		{"&strings.Builder{}", syntax.Go, goW, h + "func f() { b := &strings.Builder{}; b.Write(nil) }\n", 1},
		{"bytes.NewBuffer", syntax.Go, goW, h + "func f() { b := bytes.NewBuffer(nil); b.Write(nil) }\n", 1},
		{"os.Stdout", syntax.Go, goW, h + "func f() { w := os.Stdout; w.Write(nil) }\n", 1},
		{"local hides the package", syntax.Go, goW, h + "func f(bytes T) { b := bytes.NewBuffer(nil); b.Write(nil) }\n", 0},
		{"not imported", syntax.Go, goW, "package p\nfunc f(w http.ResponseWriter) { w.Write(nil) }\n", 0},
		{"the project's type", syntax.Go, goW, h + "type sink struct{}\nfunc f(s *sink) { s.Write(nil) }\n", 0},
		{"another package's Writer", syntax.Go, goW, "package p\nimport \"example.com/io\"\nfunc f(w io.Writer) { w.Write(nil) }\n", 0},
	})
}

func TestPredicateReferences(t *testing.T) {
	t.Parallel()
	sole := `((for_statement body: (block (assignment_statement left: (expression_list (identifier) @v) operator: "+=") @site) @body) (#sole-reference? @v @body))`
	runPredCases(t, []predCase{
		{"only the +=", syntax.Go, sole, "package p\nfunc f(xs []string) string {\n\ts := \"\"\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n", 1},
		{"read in the loop", syntax.Go, sole, "package p\nfunc f(xs []string) string {\n\ts := \"\"\n\tfor _, x := range xs {\n\t\ts += x\n\t\tif len(s) > 9 {\n\t\t\tbreak\n\t\t}\n\t}\n\treturn s\n}\n", 0},
	})
	before := `((for_statement body: (block (expression_statement (augmented_assignment left: (identifier) @v)))) @loop (#declared-before? @v @loop))`
	runPredCases(t, []predCase{
		{"assigned before", syntax.Python, before, "def f(xs):\n    s = ''\n    for x in xs:\n        s += x\n    return s\n", 1},
		{"assigned in a branch", syntax.Python, before, "def f(xs, c):\n    if c:\n        s = ''\n    for x in xs:\n        s += x\n    return s\n", 0},
		{"not assigned", syntax.Python, before, "def f(xs):\n    for x in xs:\n        s += x\n", 0},
	})
	after := `((for_statement left: (_) @target) @loop (#not-referenced-after? @target @loop))`
	runPredCases(t, []predCase{
		{"not used after", syntax.Python, after, "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n", 1},
		{"used after", syntax.Python, after, "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out, x\n", 0},
		{"tuple target used after", syntax.Python, after, "def f(xs):\n    for k, v in xs:\n        pass\n    return v\n", 0},
	})
	refers := `((call function: (attribute object: (identifier) @o) arguments: (argument_list (_) @item)) (#not-refers-to? @item @o))`
	runPredCases(t, []predCase{
		{"independent", syntax.Python, refers, "out.append(x + 1)\n", 1},
		{"refers to the list", syntax.Python, refers, "out.append(len(out))\n", 0},
		{"attribute named like it", syntax.Python, refers, "out.append(x.out)\n", 1},
	})
	fresh := `((identifier) @v (#eq? @v "out") (#fresh-name? @v "Builder"))`
	runPredCases(t, []predCase{
		{"free", syntax.Go, fresh, "package p\nfunc f() {\n\tout := 1\n\t_ = out\n}\n", 2},
		{"taken", syntax.Go, fresh, "package p\nfunc f() {\n\tout := 1\n\toutBuilder := 2\n\t_, _ = out, outBuilder\n}\n", 0},
	})
	byPtr := `((call_expression function: (selector_expression field: (field_identifier) @f) arguments: (argument_list . (identifier) @v .)) (#eq? @f "Errorf") (#go-set-by-pointer? @v))`
	runPredCases(t, []predCase{
		{"decoded into", syntax.Go, byPtr, "package p\nfunc f(d D) error {\n\tvar s string\n\td.Decode(&s)\n\treturn fmt.Errorf(s)\n}\n", 1},
		{"assigned too", syntax.Go, byPtr, "package p\nfunc f(d D) error {\n\tvar s string\n\td.Decode(&s)\n\ts = \"x\"\n\treturn fmt.Errorf(s)\n}\n", 0},
		{"declared with a value", syntax.Go, byPtr, "package p\nfunc f(d D) error {\n\tvar s = \"%d\"\n\td.Decode(&s)\n\treturn fmt.Errorf(s)\n}\n", 0},
		{"never addressed", syntax.Go, byPtr, "package p\nfunc f() error {\n\tvar s string\n\treturn fmt.Errorf(s)\n}\n", 0},
		{"a parameter", syntax.Go, byPtr, "package p\nfunc f(d D, s string) error {\n\td.Decode(&s)\n\treturn fmt.Errorf(s)\n}\n", 0},
		{"short declaration", syntax.Go, byPtr, "package p\nfunc f(d D) error {\n\ts := \"\"\n\td.Decode(&s)\n\treturn fmt.Errorf(s)\n}\n", 0},
		{"package level", syntax.Go, byPtr, "package p\nvar s string\nfunc f(d D) error {\n\td.Decode(&s)\n\treturn fmt.Errorf(s)\n}\n", 0},
	})
	free := `((except_clause) @h (#free-name? @h "err"))`
	runPredCases(t, []predCase{
		{"free", syntax.Python, free, "def f():\n    try:\n        a()\n    except OSError:\n        raise X()\n", 1},
		{"used elsewhere in the function", syntax.Python, free, "def f(err):\n    try:\n        a()\n    except OSError:\n        raise X()\n    return err\n", 0},
		{"another function's err", syntax.Python, free, "def g(err):\n    return err\n\ndef f():\n    try:\n        a()\n    except OSError:\n        raise X()\n", 1},
		{"a longer name", syntax.Python, free, "def f(errno):\n    try:\n        a()\n    except OSError:\n        raise X(errno)\n", 1},
		{"module level", syntax.Python, free, "err = 1\ntry:\n    a()\nexcept OSError:\n    raise X()\n", 0},
	})
	assigns := `((except_clause (as_pattern alias: (as_pattern_target (identifier) @err)) (block) @b) (#not-assigns? @b @err))`
	runPredCases(t, []predCase{
		{"read only", syntax.Python, assigns, "try:\n    a()\nexcept OSError as err:\n    log(err)\n    raise X()\n", 1},
		{"reassigned", syntax.Python, assigns, "try:\n    a()\nexcept OSError as err:\n    err = str(err)\n    raise X(err)\n", 0},
		{"augmented", syntax.Python, assigns, "try:\n    a()\nexcept OSError as err:\n    err += 1\n    raise X()\n", 0},
		{"a for target", syntax.Python, assigns, "try:\n    a()\nexcept OSError as err:\n    for err in xs:\n        pass\n    raise X()\n", 0},
		{"an attribute of it", syntax.Python, assigns, "try:\n    a()\nexcept OSError as err:\n    err.note = 1\n    raise X()\n", 1},
	})
}

func TestPredicatePython(t *testing.T) {
	t.Parallel()
	bare := `((except_clause . ":") @site (#not-reraises? @site) (#not-in-function? @site "^__(exit|aexit|del)__$"))`
	py := syntax.Python
	runPredCases(t, []predCase{
		{"plain", py, bare, "try:\n    a()\nexcept:\n    pass\n", 1},
		{"cleanup then raise", py, bare, "try:\n    a()\nexcept:\n    cleanup()\n    raise\n", 0},
		{"raise in a nested def does not count", py, bare, "try:\n    a()\nexcept:\n    def g():\n        raise\n    g()\n", 1},
		{"__exit__", py, bare, "class C:\n    def __exit__(self, *exc):\n        try:\n            self.close()\n        except:\n            pass\n", 0},
	})
	keys := `((call function: (attribute object: (_) @obj attribute: (identifier) @k)) @site (#eq? @k "keys") (#not-class-defines? @obj "keys"))`
	runPredCases(t, []predCase{
		{"own keys method", py, keys, "class C:\n    def keys(self):\n        return []\n    def f(self):\n        for k in self.keys():\n            pass\n", 0},
		{"inherited keys", py, keys, "class C(dict):\n    def f(self):\n        for k in self.keys():\n            pass\n", 1},
		{"other receiver", py, keys, "def f(d):\n    return list(d.keys())\n", 1},
	})
	parent := `((variable_declaration) @site (#parent-is? @site "statement_block" "program" "for_statement.initializer"))`
	runPredCases(t, []predCase{
		{"in a block", syntax.JavaScript, parent, "function f() { var a = 1; }", 1},
		{"as an if body", syntax.JavaScript, parent, "if (c) var a = 1;", 0},
		{"in a switch case", syntax.JavaScript, parent, "switch (c) { case 1: var a = 1; }", 0},
		{"for initializer", syntax.JavaScript, parent, "for (var i = 0; i < 1; i++) {}", 1},
		{"for body", syntax.JavaScript, parent, "for (;;) var i = 0;", 0},
	})
}

func TestPredicateErrors(t *testing.T) {
	t.Parallel()
	for _, q := range []string{
		`((identifier) @x (#local-to-block? @x "extra"))`,
		`((identifier) @x (#known-type? @x @x))`,
		`((identifier) @x (#guarded-by? @x "("))`,
		`((identifier) @x (#sole-reference? @x "notacapture"))`,
		`((identifier) @x (#set! safety "maybe"))`,
		`((identifier) @x (#no-such-predicate? @x))`,
	} {
		fix := "x"
		r, err := compile(Spec{ID: "go.t", Language: "go", Category: "style", Title: "t", Message: "t.", Prior: 0.5, Query: q, Fix: &fix, Safety: Safe}, "test")
		if err != nil {
			continue
		}
		if _, problems := newSet(syntax.Go, []*Rule{r}); len(problems) == 0 {
			t.Errorf("%s: compiled without a problem", q)
		} else if !strings.Contains(problems[0].Err.Error(), "#") {
			t.Errorf("%s: problem %q does not name the predicate", q, problems[0].Err)
		}
	}
}

func TestPatternSafety(t *testing.T) {
	t.Parallel()
	q := `((binary_operator left: (string) operator: "%" right: (tuple (identifier) @arg)) @site (#known-type? @arg "str"))
((binary_operator left: (string) operator: "%" right: (tuple (identifier) @arg)) @site (#not-known-type? @arg "str") (#set! safety "unsafe"))`
	ms := countMatches(t, syntax.Python, q, "def f(a: str, b):\n    x = '%s' % (a,)\n    y = '%s' % (b,)\n")
	if len(ms) != 2 || ms[0].Unsafe || !ms[1].Unsafe {
		t.Fatalf("want a safe then an unsafe match, got %+v", ms)
	}
}

// A minified file is not scope-analysed: patterns with scope predicates do
// not match there, the others do.
func TestMinifiedFilesAreNotScopeAnalysed(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "function f%d(){var a%d=1;return a%d}", i, i, i)
	}
	min := b.String() + "\n"
	spread := strings.ReplaceAll(min, "}", "}\n")
	for _, c := range []struct {
		src  string
		want int
	}{{spread, 100}, {min, 0}} {
		if got := len(countMatches(t, syntax.JavaScript, noVarQuery, c.src)); got != c.want {
			t.Errorf("%d matches in a file of %d lines, want %d", got, strings.Count(c.src, "\n"), c.want)
		}
	}
	plain := `((variable_declaration . "var") @site)`
	if got := len(countMatches(t, syntax.JavaScript, plain, min)); got != 100 {
		t.Errorf("a pattern without scope predicates: %d matches in the minified file, want 100", got)
	}
}
