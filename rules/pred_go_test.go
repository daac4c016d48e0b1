package rules

import (
	"strings"
	"testing"

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
