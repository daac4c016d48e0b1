package rules

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/safeio"
)

// FuzzTemplate compiles arbitrary text as a fix template and, when it
// loads, runs it over a fuzzed capture. Whatever the template, compiling
// and running end (the budget bounds every run; the fuzzer would report a
// hang), nothing panics, and the output stays within maxOutput. Seeds: the
// issue's hostile templates and the built-in rules' own shapes.
func FuzzTemplate(f *testing.F) {
	for _, seed := range []string{
		`{{range 2000000000}}{{range 2000000000}}{{end}}{{end}}`,
		`{{range 100000}}{{printf "%0999999d" 0}}{{end}}`,
		`{{$n := 2000000000}}{{range $n}}{{end}}`,
		`{{$s := .site}}{{range fields .site}}{{$s = printf "%s%s" $s $s}}{{end}}{{$s}}`,
		`{{ .site | replace "'%s'" "?" | replace "%s" "?" }}`,
		`{{- range $i, $t := fields (.site | trimPrefix "f" | unquote) -}}{{ if $i }}, {{ end }}{{ quote $t }}{{- end -}}`,
		`{{ if or (hasSuffix "= 0" .site) (hasSuffix "< 1" .site) }}a{{ else }}b{{ end }}`,
		`{{ join ", " .all_site }}{{ indentBy "\t" .site }}{{ index .all_site 0 }}`,
		`{{define "a"}}{{template "a"}}{{end}}`,
	} {
		f.Add(seed, "x = 'a' + b % c\n  d e f")
	}
	f.Fuzz(func(t *testing.T, text, capture string) {
		ft, err := compileTemplate("fuzz", text)
		if err != nil {
			return
		}
		data := map[string]any{"site": capture, "all_site": strings.Fields(capture), "indent": "\t", "nl": "\n", "indent_site": ""}
		out, err := ft.execute(context.Background(), data)
		if err == nil && len(out) > maxOutput {
			t.Fatalf("output of %d bytes past the cap", len(out))
		}
	})
}

// FuzzRuleFile loads arbitrary bytes as a rule file of the user's, then as
// a workspace's over the built-in rules, and runs the examples of whatever
// loaded. Loading never panics and always ends; every problem names its
// file; a workspace file never replaces a built-in rule; and a built-in
// rule file (the seeds), loaded as the user's, loads without a problem and
// passes its examples: valid rules keep working.
func FuzzRuleFile(f *testing.F) {
	builtin := map[string]bool{}
	_ = fs.WalkDir(Builtin(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(Builtin(), p)
			builtin[string(b)] = true
			f.Add(b)
		}
		return nil
	})
	f.Add([]byte("[[rule]]\nid = \"go.x\"\nlanguage = \"go\"\ncategory = \"style\"\ntitle = \"t\"\nmessage = \"m\"\nprior = 0.5\nquery = '((true) @site)'\nfix = '''{{range 2000000000}}{{end}}'''\n"))
	f.Add([]byte("[[rule]]\nid = \"go.tls-insecure-skip-verify\"\nlanguage = \"go\"\ncategory = \"security\"\ntitle = \"t\"\nmessage = \"m\"\nprior = 0.99\nquery = '((true) @site)'\nfix = 'false'\n"))
	base := builtinLibrary(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 256<<10 {
			return // the loader's cost is what it compiles; big inputs only slow the fuzzer
		}
		user := Load(Source{Name: "/u/rules", Origin: OriginUser, Files: []safeio.File{{Name: "x.toml", Data: data}}})
		for _, p := range user.Problems {
			if p.Source == "" || p.Err == nil {
				t.Fatalf("problem without a source or an error: %+v", p)
			}
		}
		results := user.TestExamples(context.Background())
		if builtin[string(data)] {
			if len(user.Problems) > 0 {
				t.Fatalf("a built-in rule file has problems as a user file: %v", user.Problems)
			}
			for _, r := range results {
				if r.Err != nil {
					t.Fatalf("a built-in rule's example fails as a user file: %s: %v", r.Rule.ID, r.Err)
				}
			}
			return
		}
		ws := Load(Source{Name: "builtin", FS: Builtin()},
			Source{Name: "/w/.syntx/rules", Origin: OriginWorkspace, Files: []safeio.File{{Name: "x.toml", Data: data}}})
		for _, r := range base.Rules() {
			got := ws.Rule(r.ID)
			if got == nil || got.Origin != OriginBuiltin || !bytes.Equal([]byte(got.Query), []byte(r.Query)) {
				t.Fatalf("the workspace file replaced built-in rule %s", r.ID)
			}
		}
	})
}
