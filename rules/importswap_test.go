package rules

import (
	"context"
	"go/format"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/syntx/syntx/syntax"
)

// swapRules add one import and drop another in the same fix, with no
// precondition on what the file imports: the engine itself must leave the
// imports right when the added and the dropped import share a declaration.
const swapRules = `
[[rule]]
id = "go.test-ioutil-io"
language = "go"
category = "style"
title = "t"
message = "m"
prior = 0.5
safety = "safe"
because = "b"
query = '''
((selector_expression operand: (identifier) @_pkg field: (field_identifier) @fn) @site
 (#eq? @_pkg "ioutil") (#eq? @fn "ReadAll"))
'''
imports = ["io"]
drop_imports = ["io/ioutil"]
fix = '''io.{{.fn}}'''

[[rule]]
id = "go.test-ioutil-os"
language = "go"
category = "style"
title = "t"
message = "m"
prior = 0.5
safety = "safe"
because = "b"
query = '''
((selector_expression operand: (identifier) @_pkg field: (field_identifier) @fn) @site
 (#eq? @_pkg "ioutil") (#eq? @fn "ReadFile"))
'''
imports = ["os"]
drop_imports = ["io/ioutil"]
fix = '''os.{{.fn}}'''
`

// TestFixAddsAndDropsImportsThatTouch: io/ioutil → io (or os) in files
// where the new import's edit lands in the declaration the old import is
// dropped from. The result keeps every other import, imports the new
// package, no longer imports io/ioutil, and is gofmt-clean.
func TestFixAddsAndDropsImportsThatTouch(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "test", FS: fstest.MapFS{"swap.toml": {Data: []byte(swapRules)}}})
	if len(lib.Problems) > 0 {
		t.Fatal(lib.Problems[0].Err)
	}
	const readAll = "func f(r io.Reader) ([]byte, error) { return ioutil.ReadAll(r) }\n"
	const readFile = "func f(p string) ([]byte, error) { return ioutil.ReadFile(p) }\n"
	for _, tc := range []struct {
		name, imports, body string
		want                []string
	}{
		{"single import, io", "import \"io/ioutil\"\n", "func f() ([]byte, error) { return ioutil.ReadAll(nil) }\n", []string{"io"}},
		{"single import, os", "import \"io/ioutil\"\n", readFile, []string{"os"}},
		{"one-spec block", "import (\n\t\"io/ioutil\"\n)\n", "func f() ([]byte, error) { return ioutil.ReadAll(nil) }\n", []string{"io"}},
		{"two specs, io", "import (\n\t\"fmt\"\n\t\"io/ioutil\"\n)\n", "var _ = fmt.Sprint\n\nfunc f() ([]byte, error) { return ioutil.ReadAll(nil) }\n", []string{"fmt", "io"}},
		{"three specs, io", "import (\n\t\"fmt\"\n\t\"io/ioutil\"\n\t\"os\"\n)\n", "var _ = fmt.Sprint\nvar _ = os.Exit\n\nfunc f() ([]byte, error) { return ioutil.ReadAll(nil) }\n", []string{"fmt", "io", "os"}},
		{"last spec, os", "import (\n\t\"fmt\"\n\t\"io/ioutil\"\n)\n", "var _ = fmt.Sprint\n\n" + readFile, []string{"fmt", "os"}},
		{"io already imported", "import (\n\t\"io\"\n\t\"io/ioutil\"\n)\n", readAll, []string{"io"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "package p\n\n" + tc.imports + "\n" + tc.body
			out, err := ApplyFirst(context.Background(), lib.Set(syntax.Go), []byte(src))
			if err != nil {
				t.Fatalf("fix refused: %v\n%s", err, src)
			}
			f, err := parser.ParseFile(token.NewFileSet(), "p.go", out, parser.ImportsOnly)
			if err != nil {
				t.Fatalf("the fix does not parse: %v\n%s", err, out)
			}
			var got []string
			for _, s := range f.Imports {
				p, _ := strconv.Unquote(s.Path.Value)
				got = append(got, p)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("imports %q, want %q:\n%s", got, tc.want, out)
			}
			if formatted, err := format.Source(out); err != nil || string(formatted) != string(out) {
				t.Errorf("not gofmt-clean (%v):\n%s\ngofmt:\n%s", err, out, formatted)
			}
			// lsp's capture follows each Import edit's new text as the
			// import it added: the added import must be one of its lines,
			// whole, not a byte fragment of the difference.
			if tc.name == "io already imported" {
				return // nothing is added
			}
			added := strconv.Quote(tc.want[len(tc.want)-1])
			if tc.name == "three specs, io" {
				added = `"io"`
			}
			if !importEditHasLine(t, lib.Set(syntax.Go), []byte(src), added) {
				t.Errorf("no Import edit's new text holds %s as a whole spec line", added)
			}
		})
	}
}

// importEditHasLine reports whether an Import edit of the first match's fix
// in src starts and ends on line boundaries and has a whole line (blanks
// and `import ` aside) that is the import spec spec.
func importEditHasLine(t *testing.T, set *Set, src []byte, spec string) bool {
	t.Helper()
	tree, err := syntax.Parse(context.Background(), syntax.Go, src)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	ms := NewIndex(set, tree, syntax.NewText(src)).Matches(tree, syntax.NewText(src))
	if len(ms) == 0 {
		t.Fatalf("no match in\n%s", src)
	}
	edits, err := Fix(ms[0], tree, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		if !e.Import || e.NewText == "" {
			continue
		}
		t.Logf("Import edit %v: %q (was %q)", e.Span, e.NewText, src[e.Span.Start:e.Span.End])
		for _, line := range strings.Split(e.NewText, "\n") {
			if strings.TrimPrefix(strings.TrimSpace(line), "import ") == spec {
				lineStart := func(off int) bool { return off == 0 || off == len(src) || src[off-1] == '\n' }
				return lineStart(e.Span.Start) && lineStart(e.Span.End)
			}
		}
	}
	return false
}

// A fix whose own edit is in the import declaration it also adds to and
// drops from is refused, not rendered with one of the changes left out.
func TestFixImportsOverlappingTheFixAreRefused(t *testing.T) {
	t.Parallel()
	const rule = `
[[rule]]
id = "go.test-import-site"
language = "go"
category = "style"
title = "t"
message = "m"
prior = 0.5
safety = "safe"
because = "b"
query = '''
((import_spec path: (interpreted_string_literal) @site) (#eq? @site "\"io/ioutil\""))
'''
imports = ["io"]
drop_imports = ["io/ioutil"]
fix = '''"io/ioutil"'''
`
	lib := Load(Source{Name: "test", FS: fstest.MapFS{"site.toml": {Data: []byte(rule)}}})
	if len(lib.Problems) > 0 {
		t.Fatal(lib.Problems[0].Err)
	}
	src := "package p\n\nimport \"io/ioutil\"\n\nfunc f() {}\n"
	out, err := ApplyFirst(context.Background(), lib.Set(syntax.Go), []byte(src))
	if err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Fatalf("err %v, want the fix refused; it rendered\n%s", err, out)
	}
}
