package rules

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/syntx/syntx/syntax"
)

// unusedAfterQuery asks go-unused-after? of an err declared just before the
// if statement that checks it.
const unusedAfterQuery = `((block
  (short_var_declaration left: (expression_list . (identifier) @err .)) @decl
  .
  (if_statement) @check) (#go-unused-after? @err @check))`

func TestPredGoUnusedAfterScopes(t *testing.T) {
	t.Parallel()
	const head = "package p\n\nfunc f() (int, error) { return 0, nil }\n\nfunc h() error { return nil }\n\nfunc g() {\n\terr := h()\n\tif err != nil {\n\t\tpanic(err)\n\t}\n"
	runPredCases(t, []predCase{
		{"nothing after", syntax.Go, unusedAfterQuery, head + "}\n", 1},
		{"assigned after", syntax.Go, unusedAfterQuery, head + "\terr = h()\n\t_ = err\n}\n", 0},
		{"read after", syntax.Go, unusedAfterQuery, head + "\tprintln(err)\n}\n", 0},
		{"read in a closure after", syntax.Go, unusedAfterQuery, head + "\tgo func() { println(err) }()\n}\n", 0},
		{"redeclared in an if", syntax.Go, unusedAfterQuery, head + "\tif _, err := f(); err != nil {\n\t\tpanic(err)\n\t}\n}\n", 1},
		{"redeclared in a closure", syntax.Go, unusedAfterQuery, head + "\tgo func() {\n\t\t_, err := f()\n\t\tprintln(err)\n\t}()\n}\n", 1},
		{"redeclared with another name in the same block", syntax.Go, unusedAfterQuery, head + "\tn, err := f()\n\t_, _ = n, err\n}\n", 0},
	})
}

func TestPredGoUnusedAfter(t *testing.T) {
	t.Parallel()
	const head = "package p\n\nimport (\n\t\"os\"\n\tsc \"strconv\"\n\t\"syscall\"\n\t\"example.com/lib\"\n)\n\nfunc f() (int, error) { return 0, nil }\n\nfunc g() {\n\terr := os.Chdir(\"d\")\n\tif err != nil {\n\t\tpanic(err)\n\t}\n"
	runPredCases(t, []predCase{
		{"nothing after", syntax.Go, unusedAfterQuery, head + "}\n", 1},
		{"a std call declares it again", syntax.Go, unusedAfterQuery, head + "\tb, err := os.ReadFile(\"x\")\n\t_, _ = b, err\n\terr = nil\n}\n", 1},
		{"an aliased std package", syntax.Go, unusedAfterQuery, head + "\tn, err := sc.Atoi(\"1\")\n\t_, _ = n, err\n}\n", 1},
		{"assigned first", syntax.Go, unusedAfterQuery, head + "\terr = os.Remove(\"x\")\n\tb, err := os.ReadFile(\"x\")\n\t_, _ = b, err\n}\n", 0},
		{"read first", syntax.Go, unusedAfterQuery, head + "\tprintln(err)\n\tb, err := os.ReadFile(\"x\")\n\t_, _ = b, err\n}\n", 0},
		{"a local function", syntax.Go, unusedAfterQuery, head + "\tn, err := f()\n\t_, _ = n, err\n}\n", 0},
		{"a module outside the standard library", syntax.Go, unusedAfterQuery, head + "\tn, err := lib.F()\n\t_, _ = n, err\n}\n", 0},
		{"syscall", syntax.Go, unusedAfterQuery, head + "\tr1, r2, err := syscall.RawSyscall(0, 0, 0, 0)\n\t_, _, _ = r1, r2, err\n}\n", 0},
		{"in a nested block", syntax.Go, unusedAfterQuery, head + "\t{\n\t\tb, err := os.ReadFile(\"x\")\n\t\t_, _ = b, err\n\t}\n}\n", 1},
		{"a method call", syntax.Go, unusedAfterQuery, strings.Replace(head, "func g() {", "func g(c interface{ Run() (int, error) }) {", 1) + "\tn, err := c.Run()\n\t_, _ = n, err\n}\n", 0},
	})
}

func TestPredGoSetBefore(t *testing.T) {
	t.Parallel()
	q := `((call_expression arguments: (argument_list . (_) @key)) @c (#not-go-set-before? @key))`
	runPredCases(t, []predCase{
		{"first", syntax.Go, q, "package p\n\nfunc f() {\n\tos.Setenv(\"A\", \"1\")\n}\n", 1},
		{"a restore", syntax.Go, q, "package p\n\nfunc f() {\n\tos.Setenv(\"A\", \"1\")\n\tos.Setenv(\"A\", \"0\")\n}\n", 1},
		{"another key", syntax.Go, q, "package p\n\nfunc f() {\n\tos.Setenv(\"A\", \"1\")\n\tos.Setenv(\"B\", \"0\")\n}\n", 2},
		{"set with t.Setenv before", syntax.Go, q, "package p\n\nfunc f(t T) {\n\tt.Setenv(\"A\", \"1\")\n\tos.Setenv(\"A\", \"0\")\n}\n", 1},
		{"in another function", syntax.Go, q, "package p\n\nfunc g() {\n\tos.Setenv(\"A\", \"1\")\n}\n\nfunc f() {\n\tos.Setenv(\"A\", \"0\")\n}\n", 2},
	})
}

func TestPredGoUnshared(t *testing.T) {
	t.Parallel()
	q := `((if_statement condition: (binary_expression left: (identifier) @err)) @s (#go-unshared? @err))`
	const head = "package p\n\nvar g error\n\nfunc a() error { return nil }\n\n"
	runPredCases(t, []predCase{
		{"local", syntax.Go, q, head + "func f() {\n\terr := a()\n\tif err != nil {\n\t\treturn\n\t}\n}\n", 1},
		{"a parameter", syntax.Go, q, head + "func f(err error) {\n\tif err != nil {\n\t\treturn\n\t}\n}\n", 1},
		{"package level", syntax.Go, q, head + "func f() {\n\tif g != nil {\n\t\treturn\n\t}\n}\n", 0},
		{"captured by a closure", syntax.Go, q, head + "func f() {\n\terr := a()\n\tgo func() { err = a() }()\n\tif err != nil {\n\t\treturn\n\t}\n}\n", 0},
		{"address taken", syntax.Go, q, head + "func f(set func(*error)) {\n\terr := a()\n\tset(&err)\n\tif err != nil {\n\t\treturn\n\t}\n}\n", 0},
		{"inside a closure", syntax.Go, q, head + "func f() {\n\tgo func() {\n\t\terr := a()\n\t\tif err != nil {\n\t\t\treturn\n\t\t}\n\t}()\n}\n", 0},
	})
}

// TestGoHeadDepsStopAtTheHead: #go-imports? and #go-build? read the file's
// head (its build constraint, its imports), and their Deps end there: a
// keystroke in a function below matches none of their sites again, where
// each keystroke anywhere in a Go file used to match them all. Edits of
// the head, and one at its end (an import added before the first function),
// change their answers as a rescan does.
func TestGoHeadDepsStopAtTheHead(t *testing.T) {
	t.Parallel()
	const rules = `
[[rule]]
id = "go.test-head"
language = "go"
category = "style"
title = "t"
message = "m"
prior = 0.5
safety = "safe"
because = "b"
query = '''
((call_expression function: (selector_expression operand: (identifier) @_os) arguments: (argument_list . (_) @err .)) @site
 (#eq? @_os "os") (#go-imports? @_os "os") (#not-go-build? @site "go1[.]"))
'''
fix = '''{{.err}}'''
`
	lib := Load(Source{Name: "test", FS: fstest.MapFS{"head.toml": {Data: []byte(rules)}}})
	if len(lib.Problems) > 0 {
		t.Fatal(lib.Problems[0].Err)
	}
	body := "\nfunc f(err error) bool {\n\treturn os.IsNotExist(err)\n}\n" + strings.Repeat("\nfunc g() int {\n\treturn step(1)\n}\n", 200)
	for _, c := range []struct{ name, head, old, new string }{
		{"import aliased", "package p\n\nimport (\n\t\"os\"\n)\n", "\t\"os\"", "\to \"os\""},
		{"import added before the first function", "package p\n\nimport \"fmt\"\n", "\nfunc f(", "import \"os\"\n\nfunc f("},
		{"constraint names a version", "//go:build linux\n\npackage p\n\nimport \"os\"\n", "linux", "go1.21"},
		{"constraint added before the package clause", "// p is a package\n\npackage p\n\nimport \"os\"\n", "package p", "//go:build go1.21\n\npackage p"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := c.head + body
			text, tree, ix, before := indexed(t, lib, syntax.Go, src)
			at := strings.LastIndex(src, "step")
			text = keystrokeElsewhere(t, tree, ix, text, at, at+len("step"), "stap")
			at = strings.Index(src, c.old)
			text = keystroke(t, tree, ix, text, at, at+len(c.old), c.new)
			checkAgainstFreshParse(t, lib, syntax.Go, tree, ix, text, before)
		})
	}
}
