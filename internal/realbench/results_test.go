package realbench

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/syntx/syntx/internal/realcorpus"
)

// stat is one server's latencies for one kind of request.
type stat struct {
	P50, P99 time.Duration
	Actions  int // the most actions one answer held
	N        int
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// results collects what the benchmarks measured, for the table.
type results struct {
	mu     sync.Mutex
	rows   []*row
	rss    map[string]rssResult
	series []seriesRow
	trip   map[measure]stat // a request answered without work (measureRoundTrip)
}

type rssResult struct {
	peak int64
	text int // bytes of text open
}

type row struct {
	file  benchFile
	stats map[measure]map[string]stat
}

type seriesRow struct {
	file    benchFile
	stats   map[string]stat
	menu    stat // SyntX's Ctrl+. after the edit (mMenu)
	rematch rematch
}

func (r *results) row(f benchFile) *row {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.rows {
		if x.file.ID == f.ID {
			return x
		}
	}
	x := &row{file: f, stats: map[measure]map[string]stat{}}
	r.rows = append(r.rows, x)
	return x
}

func (x *row) set(m measure, server string, st stat) {
	if x.stats[m] == nil {
		x.stats[m] = map[string]stat{}
	}
	x.stats[m][server] = st
}

func (r *results) setRSS(server string, peak int64, text int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rss == nil {
		r.rss = map[string]rssResult{}
	}
	r.rss[server] = rssResult{peak, text}
}

func (r *results) setRoundTrip(m measure, st stat) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.trip == nil {
		r.trip = map[measure]stat{}
	}
	r.trip[m] = st
}

func (r *results) setSeries(f benchFile, st map[string]stat, menu stat, rm rematch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.series {
		if r.series[i].file.ID == f.ID {
			r.series[i] = seriesRow{f, st, menu, rm}
			return
		}
	}
	r.series = append(r.series, seriesRow{f, st, menu, rm})
}

func fmtMS(d time.Duration) string {
	v := ms(d)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func fmtPair(s stat) string { return fmtMS(s.P50) + " / " + fmtMS(s.P99) + " ms" }

// ratio is SyntX's median over another server's.
func ratio(st map[string]stat, other string) string {
	o, ok := st[other]
	if !ok || o.P50 == 0 {
		return ""
	}
	return fmt.Sprintf("%.3f×", float64(st["syntx"].P50)/float64(o.P50))
}

// cell is SyntX's p50 / p99, then the other servers' and the ratios.
func cell(st map[string]stat) string {
	if st == nil {
		return "—"
	}
	s := fmtPair(st["syntx"])
	var others []string
	for _, name := range []string{"ast-grep", "gopls"} {
		if o, ok := st[name]; ok {
			others = append(others, fmt.Sprintf("%s %s, %s", name, fmtPair(o), ratio(st, name)))
		}
	}
	if len(others) > 0 {
		s += " (" + strings.Join(others, "; ") + ")"
	}
	return s
}

var shapeNames = map[realcorpus.Shape]string{
	realcorpus.ShapeUMD:          "JavaScript, a UMD bundle",
	realcorpus.ShapeDescribe:     "TSX, one describe(...) suite",
	realcorpus.ShapeLargeClass:   "Python, a 3,000-line class",
	realcorpus.ShapeDeepGenerics: "TypeScript, deep generics",
	realcorpus.ShapeLongFunc:     "Go, a 1,000-line function",
	realcorpus.ShapeMinified:     "JavaScript, a 280 KB minified line",
}

// markdown renders the tables for the README.
func (r *results) markdown() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	b.WriteString("| file shape (bench file, lines) | edit → codeAction p50 / p99 | line request after an edit p50 / p99 | whole-file codeAction p50 / p99 |\n")
	b.WriteString("|---|---|---|---|\n")
	for _, x := range r.rows {
		fmt.Fprintf(&b, "| %s (%s, %d) | %s | %s | %s |\n", shapeNames[x.file.Shape], x.file.ID, x.file.Lines,
			cell(x.stats[mEdit]), cell(x.stats[mLine]), cell(x.stats[mWhole]))
	}
	if len(r.rows) > 0 {
		fmt.Fprintf(&b, "\n| at a typing pace (a keystroke %v after the last answer) | edit → codeAction p50 / p99 | the same back to back |\n|---|---|---|\n", typingGap)
		for _, x := range r.rows {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", x.file.ID, cell(x.stats[mTyped]), cell(x.stats[mEdit]))
		}
		if t, ok := r.trip[mTyped]; ok {
			fmt.Fprintf(&b, "| a request answered without work (SyntX, %s open) | %s | %s |\n", fourFiles[0], fmtPair(t), fmtPair(r.trip[mEdit]))
		}
	}
	if len(r.rss) > 0 {
		b.WriteString("\n| peak RSS, the four language files open (")
		b.WriteString(strings.Join(fourFiles, ", "))
		b.WriteString(") | SyntX (installed; as just linked) | ast-grep |\n|---|---|---|\n")
		s, l, a := r.rss["syntx"], r.rss["syntx-linked"], r.rss["ast-grep"]
		fmt.Fprintf(&b, "| %d KB of text | %.1f MiB (%.1f MiB) | %.1f MiB |\n", s.text>>10, float64(s.peak)/(1<<20), float64(l.peak)/(1<<20), float64(a.peak)/(1<<20))
	}
	if len(r.series) > 0 {
		b.WriteString("\n| UMD size series (bench file, lines) | edit → codeAction p50 / p99 | Ctrl+. on that line after the edit (SyntX; with the file's source actions) p50 / p99 | re-matching one keystroke (in process): reparse p50, re-match p50 (both indexes moved, the per-site one refreshed), nodes and bytes matched again, the edited node's depth |\n|---|---|---|---|\n")
		for _, s := range r.series {
			rm := s.rematch
			fmt.Fprintf(&b, "| %s, %d | %s | %s | %s ms, %s ms, %d nodes, %d B, depth %d |\n", s.file.ID, s.file.Lines, cell(s.stats), fmtPair(s.menu),
				fmtMS(rm.Reparse), fmtMS(rm.Refresh), rm.Nodes, rm.SubtreeB, rm.Depth)
		}
		if n := len(r.series); n > 1 {
			first, last := r.series[0], r.series[n-1]
			fmt.Fprintf(&b, "\nFrom %s to %s (%.0f× the lines, the edited node %d levels deep instead of %d): SyntX's edit → codeAction median ×%.2f, re-match median ×%.2f; ast-grep's ×%.2f.\n",
				first.file.ID, last.file.ID, float64(last.file.Lines)/float64(first.file.Lines), last.rematch.Depth, first.rematch.Depth,
				float64(last.stats["syntx"].P50)/float64(max(first.stats["syntx"].P50, 1)),
				float64(last.rematch.Refresh)/float64(max(first.rematch.Refresh, 1)),
				float64(last.stats["ast-grep"].P50)/float64(max(first.stats["ast-grep"].P50, 1)))
		}
	}
	return b.String()
}
