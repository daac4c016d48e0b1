package rules

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// A fix that writes pkg.Name needs pkg bound to the package: an import of
// it under another name is no import for the fix.
func TestFixImportsUnderAnotherName(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	fix := func(g syntax.Grammar, rule, src string) (string, error) {
		t.Helper()
		set, problems := newSet(g, []*Rule{lib.Rule(rule)})
		if len(problems) > 0 {
			t.Fatal(problems[0].Err)
		}
		out, err := ApplyFirst(context.Background(), set, []byte(src))
		return string(out), err
	}
	goSrc := "package p\n\nimport . \"strings\"\n\nfunc f(xs []string) string {\n\ts := \"\"\n\tfor _, x := range xs {\n\t\ts += \"<\" + TrimSpace(x)\n\t}\n\treturn s\n}\n"
	if _, err := fix(syntax.Go, "go.string-concat-loop", goSrc); !errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), `imports "strings" as .`) {
		t.Errorf("dot-imported strings: err %v, want the fix refused", err)
	}
	pySrc := "import pathlib as pl\n\n\ndef read(p):\n    return open(p).read()\n"
	out, err := fix(syntax.Python, "python.open-read", pySrc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "import pathlib as pl\nimport pathlib\n") || !strings.Contains(out, "pathlib.Path(p).read_text()") {
		t.Errorf("aliased pathlib: the fix did not import pathlib itself:\n%s", out)
	}
}
