package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// TestDropGoImport: the import of a package is dropped when nothing outside
// the fix's edits and the import declarations refers to the package's name.
func TestDropGoImport(t *testing.T) {
	t.Parallel()
	const head = "package p\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n)\n\n"
	for _, tc := range []struct {
		name, body string
		drop       bool
	}{
		{"only at the site", "func f() error { return SITE }\n", true},
		{"used elsewhere", "var E = errors.New(\"e\")\n\nfunc f() error { return SITE }\n", false},
		{"used after the site", "func f() error { return SITE }\n\nfunc g() error { return errors.Unwrap(nil) }\n", false},
		{"in a comment or string only", "// errors.New is\nfunc f() error { _ = \"errors.\"; return SITE }\n", true},
		{"a field of that name", "func f(x T) error { _ = x.errors; return SITE }\n", true},
		{"a local variable of that name", "func f() error { errors := 1; _ = errors; return SITE }\n", false},
		{"a longer word", "func f() error { myerrors := 1; _ = myerrors; return SITE }\n", true},
		// A use right after a token that ends where it starts (go.compare-
		// equal on nats-server dropped "strings" before !strings.HasPrefix).
		{"after !", "func f(err error) bool { _ = SITE; return !errors.Is(err, nil) }\n", false},
		{"after (", "func f(err error) error { _ = SITE; return g(errors.Unwrap(err)) }\n", false},
		{"after &", "func f() error { _ = SITE; return &errors.T{} }\n", false},
		{"after -", "func f() int { _ = SITE; return -len(errors.S) }\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := "errors.New(fmt.Sprintf(\"x %d\", 1))"
			src := []byte(head + strings.Replace(tc.body, "SITE", site, 1))
			tree, err := syntax.Parse(context.Background(), syntax.Go, src)
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			at := strings.Index(string(src), site)
			edits := []TextEdit{{Span: Span{at, at + len(site)}, NewText: "fmt.Errorf(\"x %d\", 1)"}}
			e, ok := dropGoImport(tree.Root(), syntax.NewText(src), "errors", edits)
			if ok != tc.drop {
				t.Fatalf("drop = %v, want %v", ok, tc.drop)
			}
			if after := string(Apply(src, []TextEdit{e})); ok && (strings.Contains(after, `"errors"`) || !strings.Contains(after, `import "fmt"`)) {
				t.Fatalf("the edit leaves\n%s", after)
			}
		})
	}
}
