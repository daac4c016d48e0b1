package realbench

import (
	"context"
	"testing"
	"time"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// BenchmarkDescentAfterReparse is what one walk from the root to the edit
// site costs on umd-100k (echarts' bundle), as the index's descents walk
// (a cursor's child for the site's byte, level by level): the first walk
// after a keystroke's reparse, and a second one at once, when the tree's
// memory is warm. The /var run types into the var keyword nearest the
// middle, which leaves an ERROR node until the letter is deleted. It
// reports medians and the number of levels walked (`go test -run '^$'
// -bench DescentAfterReparse -benchtime 300x ./internal/realbench/`).
func BenchmarkDescentAfterReparse(b *testing.B) {
	env := inProcessEnv(b, "umd-100k")
	f := env.file("umd-100k")
	for _, run := range []struct {
		name string
		at   int
	}{
		{"ident", f.at},
		{"var", nearestWord(f.text, "var", len(f.text)/2) + 1},
	} {
		b.Run(run.name, func(b *testing.B) {
			ctx := context.Background()
			text, tree := parse(b, f)
			defer tree.Close()
			var first, warm []time.Duration
			levels := 0
			for i := range max(b.N, 2) {
				var ed syntax.Edit
				if i%2 == 0 {
					text, ed = text.Replace(run.at, run.at, []byte(typed))
				} else {
					text, ed = text.Replace(run.at, run.at+1, nil)
				}
				tree.Edit(ed)
				if _, err := tree.Reparse(ctx, text); err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				levels = descend(tree.Root(), uint32(run.at))
				t1 := time.Now()
				descend(tree.Root(), uint32(run.at))
				first, warm = append(first, t1.Sub(t0)), append(warm, time.Since(t1))
			}
			b.ReportMetric(float64(percentile(first, 0.5).Nanoseconds())/1e3, "first-p50-µs")
			b.ReportMetric(float64(percentile(warm, 0.5).Nanoseconds())/1e3, "warm-p50-µs")
			b.ReportMetric(float64(levels), "levels")
		})
	}
}

// descend walks a cursor from root to the deepest node holding the byte
// at, and returns how many levels it went down.
func descend(root *sitter.Node, at uint32) int {
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	n := 0
	for c.GoToFirstChildForByte(at) >= 0 {
		n++
	}
	return n
}
