package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

func TestParseGoTypes(t *testing.T) {
	t.Parallel()
	src := "package p\n\nimport \"io\"\n\n" +
		"type (\n\tA struct {\n\t\tio.Reader\n\t\tXs, Ys []string\n\t\tM map[string][]int\n\t\tP *B\n\t\tArr [4]B\n\t\tC <-chan int\n\t\tW io.Writer\n\t\tF func()\n\t\tS struct{ In []int }\n\t}\n\tB struct{ v int }\n)\n\n" +
		"type G[T any] struct{ xs []T }\n\ntype Alias = A\n\ntype Dirs []string\n\nfunc f() {\n\ttype Local struct{ x int }\n}\n"
	got := parseGoTypes([]byte(src))
	if !got.ok || got.pkg != "p" {
		t.Fatalf("parse: ok %v, package %q", got.ok, got.pkg)
	}
	want := map[string]string{"Xs": "[]string", "Ys": "[]string", "M": "map[string][]int", "P": "*B", "Arr": "[4]B", "C": "<-chan int", "W": "io.Writer", "F": "", "S": ""}
	for f, ty := range want {
		if got.types["A"][f] != ty {
			t.Errorf("A.%s: %q, want %q", f, got.types["A"][f], ty)
		}
	}
	if _, ok := got.types["A"]["Reader"]; ok {
		t.Error("an embedded field is not read as a named one")
	}
	for _, name := range []string{"G", "Alias", "Dirs"} {
		if fields, ok := got.types[name]; !ok || fields != nil {
			t.Errorf("%s: %v, %v; want declared and not a struct", name, fields, ok)
		}
	}
	if _, ok := got.types["Local"]; ok {
		t.Error("a type declared in a function is not a package-level type")
	}
	for _, bad := range []string{"", "package p\ntype T struct {", "x := 1"} {
		if parseGoTypes([]byte(bad)).ok {
			t.Errorf("%q parsed as ok", bad)
		}
	}
	for typ, class := range map[string]string{"[]int": "slice", "[4]B": "array", "map[K]V": "map", "chan int": "chan", "<-chan int": "chan", "chan<- int": "chan", "string": "string", "error": "error", "Dirs": "", "*B": "", "": ""} {
		if got := goTypeSourceClass(typ); got != class {
			t.Errorf("class of %q: %q, want %q", typ, got, class)
		}
	}
}

// TestKnownTypeAcrossFiles: go.slices-contains-loop's requires.known_type
// reads the struct types declared in the package's other files. air's
// util.go ranges over e.config.Build.ExcludeDir; Engine, its config and
// the config's Build are declared in three other files.
func TestKnownTypeAcrossFiles(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	set := lib.Set(syntax.Go)
	if r := lib.Rule("go.slices-contains-loop"); r == nil || len(r.Requires.KnownType["s"]) == 0 {
		t.Fatal("go.slices-contains-loop does not declare known_type")
	}
	loop := func(recv, fn, s, x string) string {
		return "func (" + recv + ") " + fn + "(" + x + " string) bool {\n\tfor _, v := range " + s + " {\n\t\tif v == " + x + " {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n\n"
	}
	doc := "package runner\n\n" +
		"type local struct{ vs []string }\n\n" +
		loop("e *Engine", "a", "e.config.Build.ExcludeDir", "chain") +
		"func (e *Engine) b(assigned string) bool {\n\tiFile := e.config.Build.IncludeFile\n\tfor _, v := range iFile {\n\t\tif v == assigned {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n\n" +
		"func (e *Engine) c(indexed string) bool {\n\tfor i := range e.config.Build.Rules {\n\t\tfor _, v := range e.config.Build.Rules[i].includeDirAbs {\n\t\t\tif v == indexed {\n\t\t\t\treturn true\n\t\t\t}\n\t\t}\n\t}\n\treturn false\n}\n\n" +
		loop("e *Engine", "d", "e.config.Build.Envs", "amap") +
		loop("e *Engine", "f", "e.config.Build.Named", "named") +
		loop("e *Engine", "g", "e.twice.Items", "twice") +
		loop("e *Engine", "h", "e.testOnly.Items", "testonly") +
		loop("e *Engine", "i", "e.external.Items", "external") +
		loop("e *Engine", "j", "e.generic.xs", "generic") +
		loop("l local", "k", "l.vs", "inFile") +
		loop("e *Engine", "m", "e.config.Sub.Xs", "anonymous") +
		"func (e *Engine) n(shadowed string) bool {\n\ttype Engine struct{ config map[int]string }\n\tvar e2 *Engine\n\tfor _, v := range e2.config.Build.ExcludeDir {\n\t\tif v == shadowed {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n\n" +
		loop("e *Engine", "o", "e.missing.Items", "undeclared")
	files := map[string]string{
		"util.go":          doc,
		"engine.go":        "package runner\n\ntype Engine struct {\n\tconfig   *Config\n\ttwice    Twice\n\ttestOnly TestOnly\n\texternal External\n\tgeneric  Gen[string]\n\tmissing  Missing\n}\n",
		"config.go":        "package runner\n\ntype Config struct {\n\tBuild cfgBuild `toml:\"build\"`\n\tSub   struct{ Xs []string }\n}\n\ntype Gen[T any] struct{ xs []T }\n",
		"build.go":         "package runner\n\ntype (\n\tcfgBuild struct {\n\t\tExcludeDir, IncludeFile []string\n\t\tRules []Rule\n\t\tEnvs map[string]string\n\t\tNamed Dirs\n\t}\n\tRule struct{ includeDirAbs []string }\n\tDirs []string\n)\n",
		"twice_linux.go":   "//go:build linux\n\npackage runner\n\ntype Twice struct{ Items []string }\n",
		"twice_windows.go": "//go:build windows\n\npackage runner\n\ntype Twice struct{ Items map[string]string }\n",
		"only_test.go":     "package runner\n\ntype TestOnly struct{ Items []string }\n",
		"ext_test.go":      "package runner_test\n\ntype External struct{ Items []string }\n",
		"sub/missing.go":   "package runner\n\ntype Missing struct{ Items []string }\n",
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	offered := func(target func(tree *syntax.Tree, text *syntax.Text, found []Match) *DocTarget) map[string]string {
		return allowedBy(t, set, doc, "go.slices-contains-loop", "x", target)
	}
	p := NewProjects(dir)
	inPackage := func(tree *syntax.Tree, text *syntax.Text, found []Match) *DocTarget {
		return p.For(filepath.Join(dir, "util.go"), syntax.Go).Doc(tree, text, func() ([]Match, bool) { return found, true })
	}
	check := func(got, want map[string]string) {
		t.Helper()
		for x, w := range want {
			if !strings.Contains(got[x], w) {
				t.Errorf("%s: %q, want %q", x, got[x], w)
			}
		}
	}
	check(offered(inPackage), map[string]string{
		"chain":      "allowed",
		"assigned":   "allowed",
		"indexed":    "allowed",
		"inFile":     "allowed",
		"amap":       "is a map, not a slice",
		"named":      "not known", // Dirs is a slice, but named types are not followed
		"twice":      "not known", // one declaration per build constraint
		"testonly":   "not known", // util.go is not a test: only_test.go is not in its build
		"external":   "not known", // package runner_test
		"generic":    "not known",
		"anonymous":  "not known",
		"shadowed":   "not known", // the function declares its own Engine
		"undeclared": "not known", // sub/ is another package
	})

	// An unsaved document has no siblings: only its own types are known.
	unsaved := func(tree *syntax.Tree, text *syntax.Text, found []Match) *DocTarget {
		return Target{}.Doc(tree, text, func() ([]Match, bool) { return found, true })
	}
	check(offered(unsaved), map[string]string{"inFile": "allowed", "chain": "not known", "assigned": "not known"})

	// A change to a sibling is seen; a sibling that is a link makes every
	// type from other files unknown.
	build := filepath.Join(dir, "build.go")
	if err := os.WriteFile(build, []byte(strings.Replace(files["build.go"], "ExcludeDir, IncludeFile []string", "ExcludeDir map[string]bool\n\t\tIncludeFile []string", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	check(offered(inPackage), map[string]string{"chain": "is a map", "assigned": "allowed"})
	if err := os.WriteFile(filepath.Join(dir, "broken.go"), []byte("package runner\n\ntype Broken struct {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(offered(inPackage), map[string]string{"assigned": "not known", "inFile": "allowed"})
	if err := os.Remove(filepath.Join(dir, "broken.go")); err != nil {
		t.Fatal(err)
	}
	// A sibling open in the editor is read from its buffer, saved or not
	// (Projects.Buffers), and so is a file never saved.
	buffered := NewProjects(dir)
	buffered.Buffers = func(d string) map[string]*syntax.Text {
		if d != dir {
			t.Errorf("buffers asked for %s", d)
		}
		return map[string]*syntax.Text{
			build:                            syntax.NewText([]byte(strings.Replace(files["build.go"], "Envs map[string]string", "Envs []string", 1))),
			filepath.Join(dir, "unsaved.go"): syntax.NewText([]byte("package runner\n\ntype Missing struct{ Items []string }\n")),
			filepath.Join(dir, "util.go"):    syntax.NewText([]byte("package runner\n\ntype local struct{ vs map[int]int }\n")), // the document itself: not a sibling
		}
	}
	check(offered(func(tree *syntax.Tree, text *syntax.Text, found []Match) *DocTarget {
		return buffered.For(filepath.Join(dir, "util.go"), syntax.Go).Doc(tree, text, func() ([]Match, bool) { return found, true })
	}), map[string]string{"amap": "allowed", "chain": "allowed", "undeclared": "allowed", "inFile": "allowed"})
	if err := os.Symlink(build, filepath.Join(dir, "link.go")); err != nil {
		t.Skip(err)
	}
	check(offered(inPackage), map[string]string{"assigned": "not known", "indexed": "not known", "inFile": "allowed"})
}

// BenchmarkGoPackageStructs: reading the struct types a package declares
// in its other files (requires.known_type), on the Go toolchain's
// net/http from the real-code corpus (71 .go files; a document that is not
// a test reads the 33 others that are not, 0.9 MB): cold is what the
// first request in the package pays, parsing them; warm what each later
// one pays, a directory listing and a stat per file.
func BenchmarkGoPackageStructs(b *testing.B) {
	c := realcorpus.Require(b, "go-toolchain")
	root, ok := c.Root("go-toolchain")
	if !ok {
		b.Skip("go-toolchain is not fetched")
	}
	dir := filepath.Join(root, "src", "net", "http")
	exclude := filepath.Join(dir, "server.go")
	for _, cold := range []bool{true, false} {
		b.Run(map[bool]string{true: "cold", false: "warm"}[cold], func(b *testing.B) {
			p := NewProjects("")
			for b.Loop() {
				if cold {
					p = NewProjects("")
				}
				files, ok := p.goSiblings(dir, exclude)
				structs, ok2 := p.goPackageStructs(files, "http", false)
				if !ok || !ok2 || structs["Request"] == nil {
					b.Fatalf("net/http's struct types not read: %v %v, %d types", ok, ok2, len(structs))
				}
			}
		})
	}
}
