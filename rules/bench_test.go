package rules

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/safeio"
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
				set.MatchRange(tree, syntax.NewText(src), 0, len(src), func(Match) { n++ })
			}
			b.ReportMetric(float64(n), "matches")
			b.ReportMetric(float64(strings.Count(string(src), "\n")), "lines")
		})
		for _, r := range set.Rules() {
			b.Run(string(g)+"/"+r.ID, func(b *testing.B) {
				n := 0
				for b.Loop() {
					n = 0
					set.MatchRule(r, tree, syntax.NewText(src), 0, len(src), func(Match) { n++ })
				}
				b.ReportMetric(float64(n), "matches")
			})
		}
		tree.Close()
	}
}

// BenchmarkEditRematch types one character (then deletes it) inside a
// statement in the middle of generated UMD bundles of 1,000 to 100,000
// lines, and reports the median of the incremental reparse and of the
// index's re-matching (Edit and Refresh), with the nodes and bytes matched
// again: the re-matching should not grow with the file. The rules are the
// ones a keystroke matches (Library.Sites: the migration rules wait until
// asked for). The real-code version is `make bench-real`
// (internal/realbench).
func BenchmarkEditRematch(b *testing.B) {
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	set := lib.Sites(syntax.JavaScript)
	for _, lines := range []int{1000, 5000, 20000, 100000} {
		b.Run(fmt.Sprintf("umd-%dk", lines/1000), func(b *testing.B) {
			src := corpus.GenerateShape(corpus.UMD, lines)
			ctx := context.Background()
			text := syntax.NewText([]byte(src))
			tree, err := syntax.Parse(ctx, syntax.JavaScript, text.Bytes())
			if err != nil {
				b.Fatal(err)
			}
			defer tree.Close()
			ix := NewIndex(set, tree, text)
			at := nthIndex(src, "count += item.qty", strings.Count(src, "count += item.qty")/2) + 4
			var reparse, rematch []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var e syntax.Edit
				if i%2 == 0 {
					text, e = text.Replace(at, at, []byte("x"))
				} else {
					text, e = text.Replace(at, at+1, nil)
				}
				t0 := time.Now()
				tree.Edit(e)
				changed, err := tree.Reparse(ctx, text)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				ix.Edit(e)
				ix.Refresh(tree, text, changed)
				rematch = append(rematch, time.Since(t1))
				reparse = append(reparse, t1.Sub(t0))
			}
			b.StopTimer()
			w := ix.LastWork()
			b.ReportMetric(float64(median(reparse).Microseconds()), "reparse-p50-µs")
			b.ReportMetric(float64(median(rematch).Microseconds()), "rematch-p50-µs")
			b.ReportMetric(float64(w.Nodes), "nodes")
			b.ReportMetric(float64(w.SubtreeBytes), "subtree-bytes")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkLoadBuiltin reports what the built-in library keeps once
// loaded, as a server's first Load does: the live heap and the objects a
// Load adds with the process's query cache emptied first, each side
// measured after two collections (`go test -run '^$' -bench LoadBuiltin
// -benchtime 3x ./rules`). Every collection of the server marks them
// again.
func BenchmarkLoadBuiltin(b *testing.B) {
	live := func() (int64, int64) {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc), int64(ms.HeapObjects)
	}
	var bytes, objects int64
	for range b.N {
		queryCache.pinned.Clear()
		h0, o0 := live()
		lib := Load(Source{Name: "builtin", FS: Builtin()})
		h1, o1 := live()
		runtime.KeepAlive(lib)
		bytes, objects = h1-h0, o1-o0
	}
	b.ReportMetric(float64(bytes)/(1<<20), "live-MB")
	b.ReportMetric(float64(objects), "objects")
}

// BenchmarkReloadUserRule is a rule author saving a user TypeScript rule
// b.N times, each time with another string, while the last library is
// held (as a server holds its library while the next loads): the growth
// of the C heap (compiled queries) and of the Go heap after the last load,
// against the first (`go test -run '^$' -bench ReloadUserRule -benchtime
// 40x ./rules`). With every compiled query kept for good, both grew with
// each save.
func BenchmarkReloadUserRule(b *testing.B) {
	rule := func(i int) []byte {
		return []byte(fmt.Sprintf(`[[rule]]
id = "typescript.reload-probe"
language = "typescript"
category = "style"
title = "Probe"
message = "m"
prior = 0.5
query = '((identifier) @site (#eq? @site "w%d"))'
fix = 'x'
`, i))
	}
	heaps := func() (int64, int64) {
		runtime.GC()
		runtime.GC()
		syntax.ReleaseMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return syntax.CHeapInUse(), int64(ms.HeapAlloc)
	}
	var lib *Library
	load := func(i int) {
		lib = Load(Source{Name: "builtin", Origin: OriginBuiltin, FS: Builtin()},
			Source{Name: "/u/rules", Origin: OriginUser, Files: []safeio.File{{Name: "p.toml", Data: rule(i)}}})
		if len(lib.Problems) > 0 {
			b.Fatal(lib.Problems)
		}
		lib.Set(syntax.TypeScript)
	}
	load(-1)
	c0, g0 := heaps()
	for i := range b.N {
		load(i)
	}
	c1, g1 := heaps()
	runtime.KeepAlive(lib)
	b.ReportMetric(float64(c1-c0)/(1<<20), "c-heap-growth-MB")
	b.ReportMetric(float64(g1-g0)/(1<<20), "go-heap-growth-MB")
}
