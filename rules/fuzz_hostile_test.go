package rules

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"sync"
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

// standIn is a built-in source of two real rules, for FuzzRuleFile: a
// workspace file is loaded over it (over the whole library, every input
// would recompile hundreds of patterns).
var standIn = Source{Name: "builtin", Origin: OriginBuiltin, Files: []safeio.File{{Name: "go/standin.toml", Data: []byte(`[[rule]]
id = "go.tls-insecure-skip-verify"
language = "go"
category = "security"
title = "Verify TLS certificates"
message = "m"
prior = 0.8
query = '((keyed_element . (literal_element (identifier) @_key) (literal_element (true) @site) .) (#eq? @_key "InsecureSkipVerify"))'
fix = 'false'
[[rule]]
id = "python.none-comparison"
language = "python"
category = "style"
title = "Compare with is None"
message = "m"
prior = 0.7
query = '((comparison_operator (_) "==" @op (none)) @site)'
[[rule.edit]]
at = "op"
text = "is"
`)}}}

// FuzzRuleFile loads arbitrary bytes as a workspace's rule file over
// built-in rules and runs the examples of whatever loaded. Loading never
// panics and always ends, every problem names its file, and a workspace
// file never replaces a built-in rule. The built-in rule files are the
// seeds: loaded as the user's, each loads without a problem and passes its
// examples (valid rules keep working).
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
	f.Add([]byte("[[rule]]\nid = \"go.x\"\nlanguage = \"go\"\ncategory = \"style\"\ntitle = \"t\"\nmessage = \"m\"\nprior = 0.5\nquery = '((true) @site)'\nfix = '{{range 2000000000}}{{end}}'\n"))
	f.Add([]byte("[[rule]]\nid = \"go.tls-insecure-skip-verify\"\nlanguage = \"go\"\ncategory = \"security\"\ntitle = \"t\"\nmessage = \"m\"\nprior = 0.99\nquery = '((true) @site)'\nfix = 'false'\n"))
	base := Load(standIn)
	if len(base.Problems) > 0 {
		f.Fatalf("stand-in: %v", base.Problems)
	}
	// Every query compiled for an input is kept for the target's run, as
	// the process's query cache kept every query before it let go of those
	// no library holds: an input that mutates only what is not a query then
	// finds its queries compiled. Compiling TypeScript's rules again took
	// most of a run's time.
	var mu sync.Mutex
	kept := map[queryKey]*compiled{}
	keep := func() {
		mu.Lock()
		defer mu.Unlock()
		queryCache.held.each(func(k queryKey, c *compiled) { kept[k] = c })
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return // the loader's cost is what it compiles; big inputs only slow the fuzzer
		}
		if builtin[string(data)] {
			user := Load(Source{Name: "/u/rules", Origin: OriginUser, Files: []safeio.File{{Name: "x.toml", Data: data}}})
			keep()
			if len(user.Problems) > 0 {
				t.Fatalf("a built-in rule file has problems as a user file: %v", user.Problems)
			}
			for _, r := range user.TestExamples(context.Background()) {
				if r.Err != nil {
					t.Fatalf("a built-in rule's example fails as a user file: %s: %v", r.Rule.ID, r.Err)
				}
			}
			return
		}
		ws := Load(standIn, Source{Name: "/w/.syntx/rules", Origin: OriginWorkspace, Files: []safeio.File{{Name: "x.toml", Data: data}}})
		keep()
		for _, p := range ws.Problems {
			if p.Source == "" || p.Err == nil {
				t.Fatalf("problem without a source or an error: %+v", p)
			}
		}
		for _, r := range base.Rules() {
			got := ws.Rule(r.ID)
			if got == nil || got.Origin != OriginBuiltin || !bytes.Equal([]byte(got.Query), []byte(r.Query)) {
				t.Fatalf("the workspace file replaced built-in rule %s", r.ID)
			}
		}
		_ = ws.TestExamples(context.Background())
	})
}
