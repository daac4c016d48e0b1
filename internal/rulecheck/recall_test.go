package rulecheck

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

// recallFiles is a pool of three files, one per tool's language.
func recallFiles() map[string]realcorpus.File {
	return poolFiles([]realcorpus.File{
		{Path: "/c/src/gomod-air/runner/engine_test.go", Rel: "runner/engine_test.go", Package: "go-air", Language: syntax.Go},
		{Path: "/c/src/deb-certbot/certbot/util.py", Rel: "certbot/util.py", Package: "py-certbot", Language: syntax.Python},
		{Path: "/c/src/npm-pm2/lib/API.js", Rel: "lib/API.js", Package: "js-pm2", Language: syntax.JavaScript},
		{Path: "/c/src/npm-zod/src/util.ts", Rel: "src/util.ts", Package: "ts-zod", Language: syntax.TypeScript},
	})
}

func TestReadToolOutputs(t *testing.T) {
	t.Parallel()
	files := recallFiles()
	gopls := `/c/src/gomod-air/runner/engine_test.go:559:2-11: Goroutine creation can be simplified using WaitGroup.Go
/c/src/gomod-air/runner/engine_test.go:559:2-11: Goroutine creation can be simplified using WaitGroup.Go [windows]
/c/src/gomod-air/runner/engine_test.go:12:1-5: interface{} can be replaced by any
/c/src/gomod-air/runner/other.go:3:2-4: copying variable is unneeded
a continuation line of a long message
/c/src/gomod-air/runner/engine_test.go:70:3-52: Use fmt.Fprintf(...) instead of Write([]byte(fmt.Sprintf(...)))
`
	gs, err := ReadGopls(strings.NewReader(gopls), files)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range gs {
		got = append(got, fmt.Sprintf("%s %d %s", s.Package, s.Line, s.rule()))
	}
	if want := "go-air 559 go.waitgroup-go, go-air 70 go.fprintf-write"; strings.Join(got, ", ") != want {
		t.Errorf("gopls sites %s, want %s (the WaitGroup.Go site once, and the Fprintf one, of pool files)", strings.Join(got, ", "), want)
	}
	pylint := `[{"path": "/c/src/deb-certbot/certbot/util.py", "line": 182, "symbol": "raise-missing-from"},
		{"path": "/c/src/deb-certbot/certbot/util.py", "line": 7, "symbol": "unused-import"}]`
	ps, err := ReadPylint(strings.NewReader(pylint), files)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].rule() != "python.raise-from" || ps[0].File != "certbot/util.py" {
		t.Errorf("pylint sites %+v, want the raise-missing-from one", ps)
	}
	eslint := `[{"filePath": "/c/src/npm-pm2/lib/API.js", "messages": [{"ruleId": "unicorn/prefer-includes", "line": 604}, {"ruleId": "no-console", "line": 9}]},
		{"filePath": "/c/src/npm-zod/src/util.ts", "messages": [{"ruleId": "unicorn/prefer-includes", "line": 209}]},
		{"filePath": "/c/src/npm-zod/src/broken.ts", "messages": [{"ruleId": null, "line": 1, "fatal": true}]}]`
	es, fatal, err := ReadESLint(strings.NewReader(eslint), files)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].rule() != "javascript.indexof-includes" || es[1].rule() != "typescript.indexof-includes" {
		t.Errorf("eslint sites %+v, want prefer-includes in the JavaScript and the TypeScript file, as each language's rule", es)
	}
	if len(fatal) != 1 || fatal[0] != "/c/src/npm-zod/src/broken.ts" {
		t.Errorf("files ESLint could not parse %v, want broken.ts", fatal)
	}
	if _, _, err := ReadESLint(strings.NewReader("Oops! Something went wrong!"), files); err == nil {
		t.Error("ESLint's crash message read as a result")
	}
}

func TestRecall(t *testing.T) {
	t.Parallel()
	files := recallFiles()
	site := func(tool, check, path string, line int) ToolSite {
		s, ok := site(files, tool, check, path, line)
		if !ok {
			t.Fatalf("no site for %s %s", tool, path)
		}
		return s
	}
	sites := []ToolSite{
		site("eslint", "unicorn/prefer-includes", "/c/src/npm-pm2/lib/API.js", 604),
		site("eslint", "unicorn/prefer-includes", "/c/src/npm-pm2/lib/API.js", 604), // reported twice
		site("eslint", "unicorn/prefer-includes", "/c/src/npm-pm2/lib/API.js", 1022),
		site("pylint", "raise-missing-from", "/c/src/deb-certbot/certbot/util.py", 182),
		site("pylint", "raise-missing-from", "/c/src/deb-certbot/certbot/util.py", 110),
		site("pylint", "raise-missing-from", "/c/src/deb-certbot/certbot/util.py", 140),
		site("pylint", "raise-missing-from", "/c/src/deb-certbot/certbot/util.py", 400),
	}
	offers := []*Offer{
		{Rule: "javascript.indexof-includes", Package: "js-pm2", File: "lib/API.js", Line: 604, Language: "javascript"},
		{Rule: "javascript.indexof-includes", Package: "js-pm2", File: "lib/API.js", Line: 7, Language: "javascript"},
		{Rule: "javascript.strict-equality", Package: "js-pm2", File: "lib/API.js", Line: 604, Language: "javascript"},
		{Rule: "typescript.indexof-includes", Package: "ts-other", File: "a.ts", Line: 3, Language: "typescript"}, // a package ESLint did not run on
		{Rule: "go.waitgroup-go", Package: "go-air", File: "runner/engine_test.go", Line: 559, Language: "go"},
		// pylint's raise-missing-from is any of three rules: a handler
		// that names the exception, one that does not, and `from None`
		// after a failed lookup.
		{Rule: "python.raise-from-unnamed", Package: "py-certbot", File: "certbot/util.py", Line: 110, Language: "python"},
		{Rule: "python.raise-from", Package: "py-certbot", File: "certbot/util.py", Line: 140, Language: "python"},
		{Rule: "python.raise-from", Package: "py-certbot", File: "certbot/util.py", Line: 300, Language: "python"},
		{Rule: "python.lookup-from-none", Package: "py-certbot", File: "certbot/util.py", Line: 182, Language: "python"},
	}
	rows := Recall(offers, sites, map[string][]string{"eslint": {"js-pm2"}, "pylint": {"py-certbot"}})
	byRule := map[string]RecallRow{}
	for _, r := range rows {
		byRule[r.Rule] = r
		if r.Tool == "gopls" {
			t.Errorf("a row for gopls, which did not run: %+v", r)
		}
	}
	inc := byRule["indexof-includes"]
	if inc.NTool != 2 || inc.NSyntX != 2 || inc.NBoth != 1 || len(inc.ToolOnly) != 1 || inc.ToolOnly[0].Line != 1022 || len(inc.SyntXOnly) != 1 || inc.SyntXOnly[0].Line != 7 {
		t.Errorf("indexof-includes: %+v", inc)
	}
	rf := byRule["python.raise-from"]
	if rf.NTool != 4 || rf.NSyntX != 4 || rf.NBoth != 3 || len(rf.ToolOnly) != 1 || rf.ToolOnly[0].Line != 400 || len(rf.SyntXOnly) != 1 || rf.SyntXOnly[0].Line != 300 {
		t.Errorf("raise-from: %+v", rf)
	}
	var out strings.Builder
	if err := WriteRecall(&out, rows, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"indexof-includes, eslint only (1):", "js-pm2 lib/API.js:1022", "indexof-includes, SyntX only (1):"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestESLintConfigHoldsEveryCounterpart: the config runESLint writes
// enables exactly the ESLint checks of Counterparts.
func TestESLintConfigHoldsEveryCounterpart(t *testing.T) {
	t.Parallel()
	cfg := eslintConfig()
	n := 0
	for _, cp := range Counterparts {
		if cp.Tool != "eslint" {
			continue
		}
		n++
		if !strings.Contains(cfg, `"`+cp.Check+`": "warn"`) {
			t.Errorf("the config does not enable %s:\n%s", cp.Check, cfg)
		}
	}
	if got := strings.Count(cfg, `": "warn"`); got != n {
		t.Errorf("the config enables %d rules, Counterparts has %d", got, n)
	}
}
