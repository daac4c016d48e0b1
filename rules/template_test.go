package rules

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestHostileTemplates: every template an attacker might put in a rule file
// is refused when the rule loads, with a message that says why, or stopped
// by its budget when it runs.
func TestHostileTemplates(t *testing.T) {
	t.Parallel()
	words := strings.Repeat("w ", 20000)
	for _, c := range []struct {
		name, text string
		load       string // the load error must contain this
		run        string // else the run error must wrap ErrTemplateLimit and contain this
	}{
		{"nested ranges over integers (issue 14)", `{{range 2000000000}}{{range 2000000000}}{{end}}{{end}}`, "range over a number (2000000000)", ""},
		{"wide printf in a range (issue 14)", `{{range 100000}}{{printf "%0999999d" 0}}{{end}}`, "range over a number", ""},
		{"wide printf", `{{printf "%0999999d" 0}}`, "widths and precisions may be at most 64", ""},
		{"wide precision", `{{printf "%.1000f" 1.5}}`, "at most 64", ""},
		{"star width", `{{printf "%*d" 1000000 0}}`, "'*' widths are not allowed", ""},
		{"range over len", `{{range len .site}}x{{end}}`, "range over a number (len)", ""},
		{"recursion", `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, "not allowed", ""},
		{"template call", `{{template "x"}}`, "not allowed", ""},
		{"block", `{{block "b" .}}x{{end}}`, "not allowed", ""},
		{"call", `{{call .site}}`, `function "call" is not allowed`, ""},
		{"html escaper", `{{html .site}}`, `function "html" is not allowed`, ""},
		{"reserved step", `{{syntxStep}}`, "reserved", ""},
		{"range over a variable holding a number", `{{$n := 2000000000}}{{range $n}}{{end}}`, "", "more than 20000 steps"},
		{"nested ranges over long lists", `{{range fields .site}}{{range fields $.site}}{{end}}{{end}}`, "", "more than 20000 steps"},
		{"doubling in a loop", `{{$s := .site}}{{range fields .site}}{{$s = printf "%s%s" $s $s}}{{end}}{{$s}}`, "", "the cap is"},
		{"replace with empty old", `{{replace "" .site .site}}`, "", "the cap is"},
		{"format from a variable", `{{$f := "%0999999d"}}{{printf $f 0}}`, "", "at most 64"},
		{"output cap", `{{range fields .site}}{{$.site}}{{end}}`, "", "output over"},
		{"work cap", `{{range fields .site}}{{if contains "zz" $.site}}{{end}}{{end}}`, "", "bytes processed"},
	} {
		ft, err := compileTemplate("x", c.text)
		if c.load != "" {
			if err == nil || !strings.Contains(err.Error(), c.load) {
				t.Errorf("%s: load error %v, want one saying %q", c.name, err, c.load)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: refused at load (%v); want it stopped at run time", c.name, err)
			continue
		}
		out, err := ft.execute(context.Background(), map[string]any{"site": words})
		if !errors.Is(err, ErrTemplateLimit) || !strings.Contains(err.Error(), c.run) {
			t.Errorf("%s: ran to %d bytes, %v; want ErrTemplateLimit saying %q", c.name, len(out), err, c.run)
		}
	}
}

// TestTemplateStopsWithContext: a template that would run long stops when
// its context ends, and says why.
func TestTemplateStopsWithContext(t *testing.T) {
	t.Parallel()
	ft, err := compileTemplate("x", `{{range fields .site}}{{range fields $.site}}{{end}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("the request was cancelled"))
	_, err = ft.execute(ctx, map[string]any{"site": "a b c"})
	if !errors.Is(err, ErrTemplateLimit) || !strings.Contains(err.Error(), "the request was cancelled") {
		t.Fatalf("cancelled context: %v", err)
	}
	// The executor goes back to the pool with a fresh budget.
	out, err := ft.execute(context.Background(), map[string]any{"site": "a b c"})
	if err != nil || out != "" {
		t.Fatalf("after a cancelled run: %q, %v", out, err)
	}
}

// TestTemplateFunctions: the string functions behave as the rule format
// documents, within the budget.
func TestTemplateFunctions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, want string }{
		{`{{ .x | replace "a" "b" }}`, "bbc"},
		{`{{ .x | replaceFirst "a" "b" }}`, "bac"},
		{`{{ .x | replaceLast "a" "b" }}`, "abc"},
		{`{{ "  x " | trim }}`, "x"},
		{`{{ .x | trimPrefix "a" | trimSuffix "c" }}`, "a"},
		{`{{ .x | upper }}{{ "Q" | lower }}`, "AACq"},
		{`{{ quote .x }}`, `"aac"`},
		{`{{ unquote "'s'" }}{{ unquote "\"t\"" }}`, "st"},
		{`{{ join "," (fields "a b  c") }}`, "a,b,c"},
		{`{{ if contains "ac" .x }}y{{ end }}{{ if hasPrefix "aa" .x }}y{{ end }}{{ if hasSuffix "c" .x }}y{{ end }}`, "yyy"},
		{`{{ indentBy "\t" "a\nb\n\nc" }}`, "a\n\tb\n\n\tc"},
		{`{{ printf "%s-%d-%5s" .x 3 "z" }}`, "aac-3-    z"},
		{`{{ range $i, $s := fields "p q" }}{{ if $i }},{{ end }}{{ $s }}{{ end }}`, "p,q"},
		{`{{ index .all_x 1 }} {{ len .all_x }}`, "d 2"},
		{`{{ print "a" 1 }}`, "a1"},
	} {
		ft, err := compileTemplate("x", c.text)
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		got, err := ft.execute(context.Background(), map[string]any{"x": "aac", "all_x": []string{"aac", "d"}})
		if err != nil || got != c.want {
			t.Errorf("%s = %q, %v; want %q", c.text, got, err, c.want)
		}
	}
}
