package realbench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/internal/editsite"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// primary are the bench files measured one by one, in the table's order.
var primary = []string{"umd-5k", "describe", "large-class", "deep-generics", "long-func", "minified"}

// series is the UMD size series.
var series = []string{"umd-1k", "umd-5k", "umd-20k", "umd-100k"}

// fourFiles are the files open at once for the peak RSS: one per language.
var fourFiles = []string{"long-func", "large-class", "deep-generics", "umd-5k"}

// astGrepReady is what ast-grep's server logs once its rules are loaded.
const astGrepReady = "Rules reloaded successfully"

// timeout bounds one request (and one wait for diagnostics); generous, for
// a loaded machine.
const timeout = 2 * time.Minute

// settleTimeout bounds the wait for a server to go idle before a measure
// (Server.Settle); one that is still busy then fails the benchmark.
const settleTimeout = time.Minute

func ctxFor(tb testing.TB) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), timeout)
}

// BenchmarkReal is `make bench-real`: every measurement of the package
// documentation, then the Markdown table (BENCH_REAL_OUT, and the log).
func BenchmarkReal(b *testing.B) {
	ids := append(append(append([]string{}, primary...), series...), "ast-grep", "gopls")
	c := realcorpus.Require(b, ids...)
	bin := os.Getenv("SYNTX_BIN")
	if bin == "" {
		b.Fatal("SYNTX_BIN is not set (make bench-real builds bin/syntx and sets it)")
	}
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	env := &benchEnv{b: b, c: c, bin: bin, lib: lib, agRules: astGrepRules(b)}
	res := &results{}
	for _, id := range primary {
		f := env.file(id)
		b.Run(id, func(b *testing.B) { env.measureFile(b, f, res) })
	}
	b.Run("rss-four-files", func(b *testing.B) { env.measureRSS(b, res) })
	b.Run("round-trip", func(b *testing.B) { env.measureRoundTrip(b, env.file(fourFiles[0]), res) })
	for _, id := range series {
		f := env.file(id)
		b.Run("series/"+id, func(b *testing.B) { env.measureSeries(b, f, res) })
	}
	table := res.markdown()
	b.Log("\n" + table)
	if out := os.Getenv("BENCH_REAL_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRematchSeries is the in-process column of the UMD size series
// alone: one keystroke's incremental reparse and re-match (rematch: both
// indexes moved, the per-site one refreshed) on each series file, b.N keystrokes, with no server started, so that a change to
// the index can be measured on real bundles in minutes (`go test -run '^$'
// -bench RematchSeries -benchtime 100x ./internal/realbench/`). The /var
// runs type into the var keyword nearest the middle instead of a name.
func BenchmarkRematchSeries(b *testing.B) {
	env := inProcessEnv(b, series...)
	for _, id := range series {
		f := env.file(id)
		b.Run(id, func(b *testing.B) {
			rm := env.rematch(b, f)
			b.ReportMetric(float64(rm.Matches), "matches")
			b.ReportMetric(float64(strings.Count(f.text, "\n")), "lines")
		})
	}
	// A letter typed into the identifier nearest the middle at the depth
	// of umd-1k's edit: the same keystroke, as deep, in a file 82 times
	// as long.
	depth := 0
	for _, id := range series {
		f := env.file(id)
		_, tree := parse(b, f)
		if depth == 0 {
			depth = editDepth(tree, f.at)
		}
		f.at = nearestAtDepth(b, f, tree, depth)
		tree.Close()
		b.Run(fmt.Sprintf("%s/depth-%d", id, depth), func(b *testing.B) {
			env.rematch(b, f)
		})
	}
	// A letter typed into the var nearest the middle (vxar: the
	// declaration becomes an error, and the keyword comes back).
	for _, id := range series {
		f := env.file(id)
		f.at = nearestWord(f.text, "var", len(f.text)/2) + 1
		b.Run(id+"/var", func(b *testing.B) {
			env.rematch(b, f)
		})
	}
}

// BenchmarkAnalysis is the rule matching of a file's whole-file analysis
// on the primary bench files: every rule in one index (lib.Set, as before
// the migration rules had an index of their own) against the server's two
// indexes made in one traversal (rules.NewIndexes); reports the median
// (`go test -run '^$' -bench Analysis -benchtime 20x ./internal/realbench/`).
func BenchmarkAnalysis(b *testing.B) {
	env := inProcessEnv(b, primary...)
	lib := env.lib
	for _, id := range primary {
		f := env.file(id)
		src := []byte(f.text)
		tree, err := syntax.Parse(context.Background(), f.grammar, src)
		if err != nil {
			b.Fatal(err)
		}
		for name, match := range map[string]func(){
			"whole-set": func() { rules.NewIndex(lib.Set(f.grammar), tree, syntax.NewText(src)) },
			"indexes":   func() { rules.NewIndexes(lib, f.grammar, tree, syntax.NewText(src)) },
		} {
			b.Run(id+"/"+name, func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				for range b.N {
					t0 := time.Now()
					match()
					lat = append(lat, time.Since(t0))
				}
				b.ReportMetric(ms(percentile(lat, 0.5)), "p50-ms")
			})
		}
		tree.Close()
	}
}

// inProcessEnv is the corpus's files ids and the built-in rules, for the
// benchmarks that start no server.
func inProcessEnv(b *testing.B, ids ...string) *benchEnv {
	return &benchEnv{b: b, c: realcorpus.Require(b, ids...), lib: rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})}
}

// BenchmarkMigrationCatchUp is what the first source-action request after
// a burst of typing would pay without the server's idle refresh
// (lsp.refreshWhenIdle): the migration rules' index brought up to date
// after 20 keystrokes in one place that it only postponed. It reports the
// first burst after the file's analysis alone (one sample: that refresh
// also builds what the index's scope predicates keep from one refresh to
// the next) and the median of the later ones (`go test -run '^$' -bench
// MigrationCatchUp -benchtime 7x ./internal/realbench/`).
func BenchmarkMigrationCatchUp(b *testing.B) {
	ids := []string{"umd-5k", "umd-100k", "minified", "large-class", "deep-generics"}
	env := inProcessEnv(b, ids...)
	ctx := context.Background()
	for _, id := range ids {
		f := env.file(id)
		b.Run(id, func(b *testing.B) {
			text, tree := parse(b, f)
			defer tree.Close()
			_, migs := rules.NewIndexes(env.lib, f.grammar, tree, text)
			const burst = 20
			lat := make([]time.Duration, 0, b.N)
			for i := range b.N {
				// A burst typed, then the next one deletes it.
				for k := range burst {
					var ed syntax.Edit
					if i%2 == 0 {
						text, ed = text.Replace(f.at+k, f.at+k, []byte(typed))
					} else {
						text, ed = text.Replace(f.at, f.at+1, nil)
					}
					tree.Edit(ed)
					changed, err := tree.Reparse(ctx, text)
					if err != nil {
						b.Fatal(err)
					}
					migs.Edit(ed)
					migs.Postpone(changed)
				}
				t0 := time.Now()
				migs.Refresh(tree, text, nil)
				lat = append(lat, time.Since(t0))
			}
			b.ReportMetric(ms(lat[0]), "first-ms")
			if len(lat) > 1 {
				b.ReportMetric(ms(percentile(lat[1:], 0.5)), "later-p50-ms")
			}
		})
	}
}

// BenchmarkKeystrokeText is the text side of a keystroke on the minified
// file's one 280 KB line: a letter typed at the edit site (and deleted the
// next time), then the site's UTF-16 position, as a request asks it
// (`go test -run '^$' -bench KeystrokeText ./internal/realbench/`). Each new
// Text counts the line's UTF-16 columns from the marks it carried over
// (syntax.Text.Replace) instead of from the line's start.
func BenchmarkKeystrokeText(b *testing.B) {
	env := inProcessEnv(b, "minified")
	f := env.file("minified")
	text := syntax.NewText([]byte(f.text))
	text.Position(f.at, syntax.UTF16)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			text, _ = text.Replace(f.at, f.at, []byte(typed))
		} else {
			text, _ = text.Replace(f.at, f.at+1, nil)
		}
		text.Position(f.at, syntax.UTF16)
	}
}

// nearestWord returns where the whole word w nearest to at starts in text.
func nearestWord(text, w string, at int) int {
	best := -1
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			break
		}
		p := i + j
		if (p == 0 || !wordByte(text[p-1])) && (p+len(w) == len(text) || !wordByte(text[p+len(w)])) && (best < 0 || abs(p-at) < abs(best-at)) {
			best = p
		}
		i = p + len(w)
	}
	return best
}

func wordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

type benchEnv struct {
	b       *testing.B
	c       *realcorpus.Corpus
	bin     string
	lib     *rules.Library
	agRules string // a workspace with ast-grep's rule set
}

// benchFile is a bench file with its text and edit site.
type benchFile struct {
	realcorpus.BenchFile
	grammar    syntax.Grammar
	languageID string
	text       string
	at         int  // the edit site (byte offset)
	hasSites   bool // SyntX's rules match somewhere in it
}

func (e *benchEnv) file(id string) benchFile {
	for _, shape := range []realcorpus.Shape{realcorpus.ShapeUMD, realcorpus.ShapeDescribe, realcorpus.ShapeLargeClass, realcorpus.ShapeDeepGenerics, realcorpus.ShapeLongFunc, realcorpus.ShapeMinified} {
		for _, bf := range e.c.Bench(shape) {
			if bf.ID != id {
				continue
			}
			data, err := os.ReadFile(bf.File)
			if err != nil {
				e.b.Fatal(err)
			}
			g := syntax.Detect("", bf.File)
			f := benchFile{BenchFile: bf, grammar: g, text: string(data)}
			f.languageID = map[syntax.Grammar]string{syntax.Go: "go", syntax.Python: "python", syntax.JavaScript: "javascript", syntax.TypeScript: "typescript", syntax.TSX: "typescriptreact"}[g]
			f.at, f.hasSites, err = editsite.For(e.lib, g, f.text, rules.NewProjects("").For(bf.File, g))
			if err != nil {
				e.b.Fatal(err)
			}
			return f
		}
	}
	e.b.Fatalf("no bench file %s in the corpus", id)
	return benchFile{}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// astGrepRules copies testdata/astgrep into a temporary workspace: ast-grep
// reads sgconfig.yml from its working directory.
func astGrepRules(b *testing.B) string {
	dir := b.TempDir()
	src := filepath.Join("..", "..", "testdata", "astgrep")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// pathFor returns where the server of sp reads f: ast-grep's only looks at
// files inside its workspace, so it gets a copy there; the others read the
// corpus's file.
func (e *benchEnv) pathFor(b *testing.B, sp Spec, f benchFile) string {
	if sp.Name != "ast-grep" {
		return f.File
	}
	p := filepath.Join(sp.Root, f.ID+filepath.Ext(f.File))
	if strings.HasSuffix(f.File, ".test.tsx") {
		p = filepath.Join(sp.Root, f.ID+".test.tsx")
	}
	if _, err := os.Stat(p); err != nil {
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

// specs returns how to start SyntX, ast-grep and, for a Go file when
// withGopls, gopls.
func (e *benchEnv) specs(b *testing.B, f benchFile, withGopls bool) []Spec {
	tools := e.c.Tools()
	specs := []Spec{
		{Name: "syntx", Argv: []string{e.bin, "serve"}, Env: []string{"SYNTX_HOME=" + b.TempDir()}, Root: b.TempDir()},
		{Name: "ast-grep", Argv: []string{tools.AstGrep, "lsp"}, Dir: e.agRules, Root: e.agRules, ReadyLog: astGrepReady},
	}
	if withGopls && f.grammar == syntax.Go {
		ch, err := e.c.Checker(f.ID)
		if err != nil {
			b.Fatal(err)
		}
		dir := ch.Dir
		if rel, err := filepath.Rel(dir, f.File); err == nil && strings.HasPrefix(rel, "cmd"+string(filepath.Separator)) {
			dir = filepath.Join(dir, "cmd") // the cmd module
		}
		specs = append(specs, Spec{Name: "gopls", Argv: []string{tools.Gopls}, Dir: dir, Env: ch.Env, Root: dir})
	}
	return specs
}

// open starts the server of sp and opens f in it.
func (e *benchEnv) open(b *testing.B, sp Spec, f benchFile) (*Server, *Doc) {
	ctx, cancel := ctxFor(b)
	defer cancel()
	s, err := Start(ctx, sp)
	if err != nil {
		b.Fatal(err)
	}
	d := NewDoc(e.pathFor(b, sp, f), f.languageID, f.text, f.at)
	if err := s.Open(ctx, d); err != nil {
		s.Close()
		b.Fatal(err)
	}
	if err := s.Ready(ctx, d, f.hasSites); err != nil {
		s.Close()
		b.Fatal(err)
	}
	return s, d
}

// measure names the request kinds of the tables.
type measure string

const (
	mEdit  measure = "edit→codeAction"
	mLine  measure = "line-after-edit"
	mWhole measure = "whole-file"
	// mTyped is mEdit at a person's pace: typingGap between the end of
	// one round and the next keystroke (not timed). Back to back, the
	// server never has a gap; a person always leaves one.
	mTyped measure = "typing"
	// mMenu is Ctrl+. on the edited line, timed alone after the edit: an
	// explicit request, which also asks for the file's source actions
	// (the UMD series, SyntX only).
	mMenu measure = "menu-after-edit"
)

// typingGap is the pause between keystrokes of mTyped: 30 ms, 33
// keystrokes a second, faster than a fast typist's bursts (a 120-word-a-
// minute typist leaves about 100 ms).
const typingGap = 30 * time.Millisecond

func (m measure) request(d *Doc) request {
	switch m {
	case mLine:
		r := request{line: min(d.Line()+40, d.Lines()-1)}
		if r.line == d.Line() {
			r.char = d.Col()
		}
		return r
	case mWhole:
		return request{whole: true}
	case mMenu:
		return request{line: d.Line(), char: d.Col(), invoked: true}
	}
	return request{line: d.Line(), char: d.Col()}
}

// rounds runs b.N rounds of edit-then-request on one server and reports
// the median and 99th percentile.
func rounds(b *testing.B, s *Server, d *Doc, m measure) stat {
	sctx, scancel := context.WithTimeout(context.Background(), settleTimeout)
	ticks, err := s.Settle(sctx)
	scancel()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(ticks), "settle-ticks")
	var lat []time.Duration
	actions := 0
	for i := 0; i < b.N; i++ {
		if m == mTyped {
			time.Sleep(typingGap)
		}
		ctx, cancel := ctxFor(b)
		dt, n, err := s.EditThen(ctx, d, m.request(d), m != mEdit && m != mTyped)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, dt)
		actions = max(actions, n)
	}
	st := stat{P50: percentile(lat, 0.5), P99: percentile(lat, 0.99), Actions: actions, N: len(lat)}
	b.ReportMetric(ms(st.P50), "p50-ms")
	b.ReportMetric(ms(st.P99), "p99-ms")
	b.ReportMetric(float64(actions), "actions")
	return st
}

// measureFile measures each server in turn on f, alone: a competitor's
// background work (gopls type-checks after an edit) must not slow the
// others on a 2-core machine. Ratios come from the medians of this one run.
func (e *benchEnv) measureFile(b *testing.B, f benchFile, res *results) {
	row := res.row(f)
	for _, sp := range e.specs(b, f, true) {
		s, d := e.open(b, sp, f)
		for _, m := range []measure{mEdit, mTyped, mLine, mWhole} {
			b.Run(sp.Name+"/"+string(m), func(b *testing.B) { row.set(m, sp.Name, rounds(b, s, d, m)) })
		}
		s.Close()
	}
}

// measureRoundTrip times, on SyntX with f open, a request it answers
// without work (Server.Nothing), back to back and at the typing pace: the
// floor under every request of the table, the transport's and the
// machine's. After a pause the client's and the server's threads sleep,
// and waking them costs what a keystroke at a person's pace pays on top
// of the server's work.
func (e *benchEnv) measureRoundTrip(b *testing.B, f benchFile, res *results) {
	s, d := e.open(b, e.specs(b, f, false)[0], f)
	defer s.Close()
	for _, m := range []measure{mEdit, mTyped} {
		name := map[measure]string{mEdit: "back-to-back", mTyped: "typing"}[m]
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			for i := 0; i < b.N; i++ {
				if m == mTyped {
					time.Sleep(typingGap)
				}
				ctx, cancel := ctxFor(b)
				dt, err := s.Nothing(ctx, d)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, dt)
			}
			st := stat{P50: percentile(lat, 0.5), P99: percentile(lat, 0.99), N: len(lat)}
			b.ReportMetric(ms(st.P50), "p50-ms")
			b.ReportMetric(ms(st.P99), "p99-ms")
			res.setRoundTrip(m, st)
		})
	}
}

// measureRSS opens the four language files in one SyntX server (and, to
// compare, in one ast-grep server), edits each and asks for its code
// actions, and reports each process's peak resident set.
//
// SyntX is measured twice: run from a copy of the binary (written with
// write(2), as an installed one is), and run as the linker left it. The
// linker writes its output through a shared mapping, and on this kernel
// (6.18) the page cache then holds the file in large folios, which an
// exec maps whole: the same server's file pages were about 9 MiB more (83
// against 74 MiB on 2026-12-06; the copy measured the same as the linked
// file read afresh after dropping the page cache). The copy is what a user
// runs; the linked figure is reported beside it.
func (e *benchEnv) measureRSS(b *testing.B, res *results) {
	ctx, cancel := ctxFor(b)
	defer cancel()
	tools := e.c.Tools()
	installed := copyExecutable(b, e.bin)
	specs := []Spec{
		{Name: "syntx", Argv: []string{installed, "serve"}, Env: []string{"SYNTX_HOME=" + b.TempDir()}, Root: b.TempDir()},
		{Name: "syntx-linked", Argv: []string{e.bin, "serve"}, Env: []string{"SYNTX_HOME=" + b.TempDir()}, Root: b.TempDir()},
		{Name: "ast-grep", Argv: []string{tools.AstGrep, "lsp"}, Dir: e.agRules, Root: e.agRules, ReadyLog: astGrepReady},
	}
	for _, sp := range specs {
		s, err := Start(ctx, sp)
		if err != nil {
			b.Fatal(err)
		}
		var text int
		for _, id := range fourFiles {
			f := e.file(id)
			text += len(f.text)
			d := NewDoc(e.pathFor(b, sp, f), f.languageID, f.text, f.at)
			if err := s.Open(ctx, d); err != nil {
				b.Fatal(err)
			}
			if err := s.Ready(ctx, d, f.hasSites); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < max(b.N, 2); i++ {
				if _, _, err := s.EditThen(ctx, d, mEdit.request(d), false); err != nil {
					b.Fatal(err)
				}
			}
			if _, _, err := s.EditThen(ctx, d, mWhole.request(d), true); err != nil {
				b.Fatal(err)
			}
		}
		peak, err := s.PeakRSS()
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		b.ReportMetric(float64(peak)/(1<<20), s.Name+"-peak-MiB")
		res.setRSS(s.Name, peak, text)
	}
}

// copyExecutable copies the executable bin into a temporary directory with
// plain writes and returns the copy's path.
func copyExecutable(b *testing.B, bin string) string {
	in, err := os.Open(bin)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(b.TempDir(), filepath.Base(bin))
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return dst
}

// measureSeries measures edit → codeAction on a UMD file of the size
// series, for SyntX and ast-grep (each alone), and the index's own work for
// one keystroke, in process.
func (e *benchEnv) measureSeries(b *testing.B, f benchFile, res *results) {
	st := map[string]stat{}
	var menu stat
	for _, sp := range e.specs(b, f, false) {
		s, d := e.open(b, sp, f)
		b.Run(sp.Name+"/"+string(mEdit), func(b *testing.B) { st[sp.Name] = rounds(b, s, d, mEdit) })
		if sp.Name == "syntx" {
			b.Run(sp.Name+"/"+string(mMenu), func(b *testing.B) { menu = rounds(b, s, d, mMenu) })
		}
		s.Close()
	}
	var rm rematch
	b.Run("rematch", func(b *testing.B) { rm = e.rematch(b, f) })
	res.setSeries(f, st, menu, rm)
}

// rematch is the indexes' work for one keystroke: the incremental reparse,
// and the edit and Refresh of the per-site rules' index with the edit and
// Postpone of the migration rules' (re-matching what changed), medians.
type rematch struct {
	Reparse, Refresh  time.Duration
	Nodes, SubtreeB   int
	Matches, FileSize int
	// Depth is the number of nodes from the root down to the edited one:
	// what the target says the cost should follow.
	Depth int
}

// parse parses f's text, as a document freshly opened is; the caller
// closes the tree.
func parse(b *testing.B, f benchFile) (*syntax.Text, *syntax.Tree) {
	text := syntax.NewText([]byte(f.text))
	tree, err := syntax.Parse(context.Background(), f.grammar, text.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	return text, tree
}

// nearestAtDepth returns the offset nearest f's edit site that is inside
// an identifier (after its first byte, where the keystroke goes) whose node
// is depth deep in tree, f's.
func nearestAtDepth(b *testing.B, f benchFile, tree *syntax.Tree, depth int) int {
	for d := 0; d < len(f.text); d++ {
		for _, at := range []int{f.at - d, f.at + d} {
			if at <= 0 || at >= len(f.text) || !wordByte(f.text[at-1]) || !wordByte(f.text[at]) {
				continue
			}
			if typ, d := leafAt(tree, at); d == depth && strings.HasSuffix(typ, "identifier") {
				return at
			}
		}
	}
	b.Fatalf("%s: no identifier %d deep", f.ID, depth)
	return 0
}

// editDepth counts the nodes from the tree's root down to the smallest
// one that holds byte at.
func editDepth(tree *syntax.Tree, at int) int {
	_, d := leafAt(tree, at)
	return d
}

// leafAt returns the type and depth of the smallest node that holds byte
// at.
func leafAt(tree *syntax.Tree, at int) (string, int) {
	c := sitter.NewTreeCursor(tree.Root())
	defer c.Close()
	d := 1
	for c.GoToFirstChildForByte(uint32(at)) >= 0 {
		d++
	}
	return c.CurrentNode().Type(), d
}

func (e *benchEnv) rematch(b *testing.B, f benchFile) rematch {
	ctx := context.Background()
	text, tree := parse(b, f)
	defer tree.Close()
	// What a keystroke costs the server's two indexes (lsp's applyChanges
	// and reanalyse): the per-site rules' index is moved and matched
	// again; the migration rules' index is moved and told what changed,
	// and matched only when it is asked for (or the changes it keeps grow
	// past Postpone's bound).
	ix, migs := rules.NewIndexes(e.lib, f.grammar, tree, text)
	var reparse, refresh []time.Duration
	var w rules.WorkStats
	for i := 0; i < max(b.N, 2); i++ {
		var ed syntax.Edit
		if i%2 == 0 {
			text, ed = text.Replace(f.at, f.at, []byte(typed))
		} else {
			text, ed = text.Replace(f.at, f.at+1, nil)
		}
		t0 := time.Now()
		tree.Edit(ed)
		changed, err := tree.Reparse(ctx, text)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ix.Edit(ed)
		migs.Edit(ed)
		ix.Refresh(tree, text, changed)
		if migs.Postpone(changed) {
			migs.Refresh(tree, text, nil)
		}
		t2 := time.Now()
		reparse = append(reparse, t1.Sub(t0))
		refresh = append(refresh, t2.Sub(t1))
		w = ix.LastWork()
	}
	r := rematch{Reparse: percentile(reparse, 0.5), Refresh: percentile(refresh, 0.5), Nodes: w.Nodes, SubtreeB: w.SubtreeBytes,
		Matches: len(ix.Matches(tree, text)), FileSize: text.Len(), Depth: editDepth(tree, f.at)}
	b.ReportMetric(ms(r.Reparse), "reparse-p50-ms")
	b.ReportMetric(ms(r.Refresh), "rematch-p50-ms")
	b.ReportMetric(float64(r.Nodes), "nodes-rematched")
	b.ReportMetric(float64(r.SubtreeB), "subtree-bytes-rematched")
	b.ReportMetric(float64(r.Depth), "edit-depth")
	b.ReportMetric(float64(w.Roots), "roots-rematched")
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkRSSStages is where the RSS step's peak comes from: SyntX's
// resident memory (/proc status: VmHWM, VmRSS, RssAnon, RssFile) once it
// has started, then after each of the four files is opened, edited b.N
// times and asked for a whole-file code action, as the RSS step does (`go
// test -run '^$' -bench RSSStages -benchtime 50x ./internal/realbench/`
// with SYNTX_BIN set; RSS_STAGES_SMAPS=FILE keeps the server's smaps at
// the end). It reports the figures and asserts nothing about them.
func BenchmarkRSSStages(b *testing.B) {
	c := realcorpus.Require(b, fourFiles...)
	bin := os.Getenv("SYNTX_BIN")
	if bin == "" {
		b.Fatal("SYNTX_BIN is not set")
	}
	e := &benchEnv{b: b, c: c, bin: bin, lib: rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})}
	ctx, cancel := ctxFor(b)
	defer cancel()
	sp := Spec{Name: "syntx", Argv: []string{bin, "serve"}, Env: []string{"SYNTX_HOME=" + b.TempDir()}, Root: b.TempDir()}
	s, err := Start(ctx, sp)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fields := []string{"VmHWM", "VmRSS", "RssAnon", "RssFile"}
	stage := func(name string) {
		st, err := s.Status(fields...)
		if err != nil {
			b.Fatal(err)
		}
		line := name + ":"
		for _, f := range fields {
			line += fmt.Sprintf(" %s %.1f MiB", f, float64(st[f])/(1<<20))
		}
		b.Log(line)
	}
	stage("started")
	for _, id := range fourFiles {
		f := e.file(id)
		d := NewDoc(e.pathFor(b, sp, f), f.languageID, f.text, f.at)
		if err := s.Open(ctx, d); err != nil {
			b.Fatal(err)
		}
		if err := s.Ready(ctx, d, f.hasSites); err != nil {
			b.Fatal(err)
		}
		stage(id + " open")
		for i := 0; i < b.N; i++ {
			if _, _, err := s.EditThen(ctx, d, mEdit.request(d), false); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := s.EditThen(ctx, d, mWhole.request(d), true); err != nil {
			b.Fatal(err)
		}
		stage(id + " edited")
	}
	if out := os.Getenv("RSS_STAGES_SMAPS"); out != "" {
		// The mappings behind the figures: the executable's, the Go
		// heap's, the C allocator's arenas.
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", s.cmd.Process.Pid))
		if err == nil {
			err = os.WriteFile(out, data, 0o644)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
