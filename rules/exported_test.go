package rules

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

// TestExportsNameEqualsSearch compares exportsName, which reads windows
// around a name's occurrences, with exportPatterns searched in the whole
// text: on texts written to test the windows' edges (an export list over
// several lines, a "}" between export and the name, module.exports with an
// object on the name's line, the name at the end of the text, after a
// first piece), and on real JavaScript and TypeScript files with a sample
// of their words.
func TestExportsNameEqualsSearch(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("const x = 1;\n", 3000)
	type doc struct {
		src   string
		names []string
	}
	docs := []doc{
		{"function f() {}\nexport {\n  g,\n  f\n};\n", []string{"f", "g", "h"}},
		{"export { a } from 'm';\nfunction b() {}\n", []string{"b", "a"}},
		{"export default\n  f;\nfunction f() {}", []string{"f"}},
		{"module.exports = { a: 1 }, f;\n", []string{"f", "a"}},
		{"module.exports = {\n  f\n};\n", []string{"f"}},
		{"exports.f = f;\nexports.fo = 1;\n", []string{"f", "fo", "foo"}},
		{"export = f", []string{"f"}},
		{long + "export { f };\n" + long, []string{"f", "x"}},
		{"export {" + long + " f }", []string{"f"}},
	}
	c := realcorpus.Require(t)
	word := regexp.MustCompile(`[A-Za-z_$][A-Za-z0-9_$]*`)
	for _, g := range []syntax.Grammar{syntax.JavaScript, syntax.TypeScript} {
		drawn, err := c.Sample(g, 13, realcorpus.EnvCount(t, "SYNTX_REAL_EXPORT_FILES", 40), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range drawn {
			words := word.FindAllString(string(f.Src), -1)
			slices.Sort(words)
			words = slices.Compact(words)
			// The words after an export keyword first, then a sample.
			var names []string
			for _, w := range words {
				if strings.Contains(string(f.Src), "export { "+w) || strings.Contains(string(f.Src), "exports."+w) || len(names) < 25 && len(w)%3 == 0 {
					names = append(names, w)
				}
			}
			docs = append(docs, doc{string(f.Src), names})
		}
	}
	checked := 0
	for i, d := range docs {
		text := syntax.NewText([]byte(d.src))
		for _, name := range d.names {
			want := slices.ContainsFunc(exportPatterns(name), func(re *regexp.Regexp) bool { return re.MatchString(d.src) })
			if got := exportsName(text, name); got != want {
				t.Fatalf("text %d (%.60q), %q: %v, the whole text's search %v", i, d.src, name, got, want)
			}
			checked++
		}
	}
	t.Logf("%d names in %d texts", checked, len(docs))
}
