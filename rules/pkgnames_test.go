package rules

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

func TestScanGoDecls(t *testing.T) {
	t.Parallel()
	src := "// Package p.\npackage p\n\nimport (\n\t\"fmt\"\n\tre \"regexp\"\n\t_ \"embed\"\n\t\"gopkg.in/yaml.v3\"\n\t\"github.com/mattn/go-runewidth\"\n)\nimport \"example.com/mod/v2\"\n\n" +
		"const (\n\tA = iota\n\tB\n\tc, d = 1, 2\n)\n\nvar x, y int = f(func() { var inner = 1; _ = inner }), 2\n\nvar (\n\tgroup = map[string]int{\"k\": 1}\n\tz    []int\n)\n\n" +
		"type (\n\tT[K comparable] struct{ field int }\n\tAlias = T[int]\n)\n\ntype U interface{ M() }\n\nfunc (T[K]) Method() { local := 1; _ = local }\n\nfunc Gen[X any](x X) X { return x }\n\nfunc asm(int)\n"
	d := scanGoDecls([]byte(src))
	if !d.ok || d.pkg != "p" {
		t.Fatalf("scan: ok %v, package %q", d.ok, d.pkg)
	}
	want := []string{"A", "B", "c", "d", "x", "y", "group", "z", "T", "Alias", "U", "Gen", "asm"}
	if !slices.Equal(d.names, want) {
		t.Errorf("names %q, want %q", d.names, want)
	}
	for _, n := range []string{"fmt", "re", "yaml", "runewidth", "mod"} {
		if !slices.Contains(d.imports, n) {
			t.Errorf("imports %q lack %q", d.imports, n)
		}
	}
	for _, n := range []string{"inner", "local", "Method", "field", "embed", "regexp"} {
		if slices.Contains(d.names, n) || slices.Contains(d.imports, n) {
			t.Errorf("%q is not a package-level name", n)
		}
	}
	if d.dot {
		t.Error("no dot import")
	}
	for _, bad := range []string{"", "x := 1\n", "package p\nfunc f() { `unterminated", "package p\n+\n"} {
		if scanGoDecls([]byte(bad)).ok {
			t.Errorf("%q scanned as ok", bad)
		}
	}
	if d := scanGoDecls([]byte("package p\nimport . \"strings\"\n")); !d.ok || !d.dot {
		t.Errorf("dot import: %+v", d)
	}
}

// TestFreePackageName: go.regexp-compile-in-func hoists a variable to
// package level; fzf's options.go hoisted placeholder, which terminal.go
// declares, and the package no longer built.
func TestFreePackageName(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	set := lib.Set(syntax.Go)
	if r := lib.Rule("go.regexp-compile-in-func"); r == nil || r.Requires.FreePackageName != "name" {
		t.Fatal("go.regexp-compile-in-func does not declare free_package_name")
	}
	doc := "package p\n\nimport \"regexp\"\n\n" +
		"func a(s string) bool {\n\tplaceholder := regexp.MustCompile(`a+`)\n\treturn placeholder.MatchString(s)\n}\n\n" +
		"func b(s string) bool {\n\temail := regexp.MustCompile(`@`)\n\treturn email.MatchString(s)\n}\n\n" +
		"func c(s string) bool {\n\ttwice := regexp.MustCompile(`c`)\n\treturn twice.MatchString(s)\n}\n\n" +
		"func d(s string) bool {\n\ttwice := regexp.MustCompile(`d`)\n\treturn twice.MatchString(s)\n}\n\n" +
		"func e(s string) bool {\n\tfile := regexp.MustCompile(`e`)\n\treturn file.MatchString(s)\n}\n\n" +
		"var file = 1\n\n" +
		"func f(s string) bool {\n\ttesting := regexp.MustCompile(`f`)\n\treturn testing.MatchString(s)\n}\n\n" +
		"func g(s string) bool {\n\tother := regexp.MustCompile(`g`)\n\treturn other.MatchString(s)\n}\n\n" +
		"func h(s string) bool {\n\tmax := regexp.MustCompile(`h`)\n\treturn max.MatchString(s)\n}\n"
	files := map[string]string{
		"a.go":              doc,
		"terminal.go":       "package p\n\nvar (\n\tplaceholder = 1\n\tunused      = 2\n)\n",
		"p_test.go":         "package p\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
		"ext_test.go":       "package p_test\n\nvar other = 1\n",
		"gen.go":            "//go:build ignore\n\npackage main\n\nfunc email() {}\n",
		"sub/x.go":          "package p\n\nvar email = 1\n",
		"notgo.go.txt":      "package p\n\nvar email = 1\n",
		"dir.go/inside.txt": "",
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	allowed := func(p *Projects, src string) map[string]string {
		return allowedBy(t, set, src, "go.regexp-compile-in-func", "name", func(tree *syntax.Tree, text *syntax.Text, found []Match) *DocTarget {
			return p.For(filepath.Join(dir, "a.go"), syntax.Go).Doc(tree, text, func() ([]Match, bool) { return found, true })
		})
	}
	p := NewProjects(dir)
	got := allowed(p, doc)
	for name, want := range map[string]string{
		"placeholder": "another file of the package",
		"email":       "allowed", // gen.go is package main; sub/ and .txt are not the package
		"twice":       "so would another site",
		"file":        "the file already declares it",
		"testing":     "another file of the package declares or imports it", // p_test.go imports testing
		"other":       "allowed",                                            // ext_test.go is package p_test
		"max":         "predeclared",
	} {
		if !strings.Contains(got[name], want) {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}

	// A change to a sibling is seen; one that cannot be read makes every
	// name taken.
	if err := os.WriteFile(filepath.Join(dir, "terminal.go"), []byte("package p\n\nfunc email() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = allowed(p, doc)
	if got["placeholder"] != "allowed" || !strings.Contains(got["email"], "another file") {
		t.Errorf("after terminal.go changed: %q", got)
	}
	if err := os.Symlink(filepath.Join(dir, "terminal.go"), filepath.Join(dir, "link.go")); err != nil {
		t.Skip(err)
	}
	got = allowed(p, doc)
	if !strings.Contains(got["other"], "could not all be read") {
		t.Errorf("with a linked sibling: %q", got)
	}
}

// allowedBy matches src with set and returns, for each match of rule, by
// the text of its capture, "allowed" or why the document target made by
// target refuses it.
func allowedBy(t *testing.T, set *Set, src, rule, capture string, target func(*syntax.Tree, *syntax.Text, []Match) *DocTarget) map[string]string {
	t.Helper()
	tree, err := syntax.Parse(context.Background(), syntax.Go, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	text := syntax.NewText([]byte(src))
	found := NewIndex(set, tree, text).Matches(tree, text)
	d := target(tree, text, found)
	out := map[string]string{}
	for _, m := range found {
		if m.Rule.ID != rule {
			continue
		}
		name, _ := d.captureText(m, capture)
		ok, why := d.Allows(m, syntax.Go)
		if ok {
			why = "allowed"
		}
		out[name] = why
	}
	return out
}

// TestOwnGoDeclsEqualsScan compares the declarations read from a
// document's tree (each function's header, not its body) with a scan of
// the whole file: on TestScanGoDecls' file, on that file in pieces, and on
// real Go files (the standard library's and modules', drawn with a seed).
func TestOwnGoDeclsEqualsScan(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, name string, src []byte) {
		t.Helper()
		tree, err := syntax.Parse(context.Background(), syntax.Go, src)
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		got, want := ownGoDecls(tree, syntax.NewText(src)), scanGoDecls(src)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: from the tree %+v, scanned %+v", name, got, want)
		}
	}
	src := "// Package p.\npackage p\n\nimport (\n\t\"fmt\"\n\tre \"regexp\"\n\t. \"strings\"\n)\n\n" +
		"const (\n\tA = iota\n\tB\n)\n\nvar x, y int = f(func() { var inner = 1; _ = inner }), 2\n\n" +
		"type (\n\tT[K comparable] struct{ field int }\n\tAlias = T[int]\n)\n\n// M does.\nfunc (T[K]) Method() { local := 1; _ = local }\n\n" +
		"func Gen[X any](\n\tx X,\n) X { return x }\n\nfunc asm(int)\n"
	check(t, "handwritten", []byte(src))
	// In pieces: a function body longer than a piece between declarations.
	long := strings.Replace(src, "local := 1;", "local := 1;"+strings.Repeat(" _ = 1;", 8000), 1)
	check(t, "handwritten, a long body", []byte(long))
	c := realcorpus.Require(t)
	drawn, err := c.Sample(syntax.Go, 7, realcorpus.EnvCount(t, "SYNTX_REAL_DECL_FILES", 60), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range drawn {
		check(t, f.Package+"/"+f.Rel, f.Src)
	}
}
