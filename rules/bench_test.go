package rules

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

var goFileHeader = regexp.MustCompile(`(?m)^package \w+\n`)

// benchSource concatenates the corpus files of grammar g (tsx counts as
// typescript) until the text has at least lines lines: real code with the
// density of rule sites the statistics report, rather than one block
// repeated. Go files after the first lose their package clause, so that the
// result stays one parseable file.
func benchSource(tb testing.TB, g syntax.Grammar, lines int) []byte {
	tb.Helper()
	files, err := CorpusFiles(corpusDir)
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	n := 0
	for n < lines {
		added := false
		for _, f := range files {
			if f.Grammar != g || n >= lines {
				continue
			}
			src, err := os.ReadFile(f.Path)
			if err != nil {
				tb.Fatal(err)
			}
			text := string(src)
			if g == syntax.Go && b.Len() > 0 {
				text = goFileHeader.ReplaceAllString(text, "")
			}
			b.WriteString(text)
			b.WriteString("\n")
			n += strings.Count(text, "\n") + 1
			added = true
		}
		if !added {
			tb.Fatalf("no %s files in the corpus", g)
		}
	}
	return []byte(b.String())
}

// BenchmarkRules measures matching over a file of about 5,000 lines per
// language: every rule of the language together, as the server runs them
// (MatchRange over the combined query), then each rule alone (MatchRule),
// so that a slow query stands out. Run a subset with
// -bench 'Rules/go/' or -bench 'Rules/.*/all'.
func BenchmarkRules(b *testing.B) {
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	for _, g := range []syntax.Grammar{syntax.Go, syntax.Python, syntax.JavaScript, syntax.TypeScript} {
		src := benchSource(b, g, 5000)
		tree, err := syntax.Parse(context.Background(), g, src)
		if err != nil {
			b.Fatal(err)
		}
		if syntax.HasErrors(tree.Root()) {
			b.Fatalf("%s bench source has syntax errors", g)
		}
		set := lib.Set(g)
		b.Run(string(g)+"/all", func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = 0
				set.MatchRange(tree, src, 0, len(src), func(Match) { n++ })
			}
			b.ReportMetric(float64(n), "matches")
			b.ReportMetric(float64(strings.Count(string(src), "\n")), "lines")
		})
		for _, r := range set.Rules() {
			b.Run(string(g)+"/"+r.ID, func(b *testing.B) {
				n := 0
				for b.Loop() {
					n = 0
					set.MatchRule(r, tree, src, 0, len(src), func(Match) { n++ })
				}
				b.ReportMetric(float64(n), "matches")
			})
		}
		tree.Close()
	}
}
