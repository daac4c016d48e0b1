package lsp

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/internal/editsite"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// BenchmarkRealFileInProcess runs the whole-file and edit → codeAction
// requests of internal/realbench on the real corpus's bench files, in
// process and without the transport, so that `go test -cpuprofile` sees
// the server's own work (internal/realbench drives a separate process and
// is what the README's table comes from). Skipped without the corpus.
func BenchmarkRealFileInProcess(b *testing.B) {
	ids := []string{"umd-5k", "umd-100k", "describe", "large-class", "deep-generics", "long-func", "minified"}
	c := realcorpus.Require(b, ids...)
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	for _, sh := range realcorpus.Shapes {
		for _, bf := range c.Bench(sh) {
			if !strings.Contains(" "+strings.Join(ids, " ")+" ", " "+bf.ID+" ") {
				continue
			}
			b.Run(bf.ID, func(b *testing.B) { realFileBench(b, lib, bf) })
		}
	}
}

func realFileBench(b *testing.B, lib *rules.Library, bf realcorpus.BenchFile) {
	data, err := os.ReadFile(bf.File)
	if err != nil {
		b.Fatal(err)
	}
	g := syntax.Detect("", bf.File)
	d := benchDoc{src: string(data), uri: "file://" + bf.File}
	// Where make bench-real types (internal/editsite), so that a profile
	// of this benchmark explains its table.
	best, _, err := editsite.For(lib, g, d.src, rules.NewProjects("").For(bf.File, g))
	if err != nil {
		b.Fatal(err)
	}
	text := syntax.NewText(data)
	p := text.Position(best, syntax.UTF16)
	d.line, d.char, d.siteChar = p.Line, p.Character, p.Character
	s := inProcess(b, d, g)
	ctx := context.Background()
	key, _ := normURI(d.uri)
	// A document past syncAnalyseBytes is analysed in the background: the
	// clock starts once it has its tree.
	if err := s.queues.wait(ctx, key); err != nil {
		b.Fatal(err)
	}
	doc := s.docs.get(key)
	if doc == nil {
		s.docs.mu.RLock()
		for k := range s.docs.m {
			b.Log("open:", k)
		}
		s.docs.mu.RUnlock()
		b.Fatalf("%s (%s) is not open", d.uri, key)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		doc.mu.Lock()
		s.wake(doc)
		ready := doc.tree != nil
		doc.mu.Unlock()
		if ready {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s was not analysed within 2 minutes", bf.ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
	lines := uint32(strings.Count(d.src, "\n"))
	whole, _ := protocol.Marshal(&protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)},
		Range:        protocol.Range{Start: protocol.Position{Line: 0}, End: protocol.Position{Line: lines + 1}},
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, TriggerKind: protocol.CodeActionTriggerKindInvoked},
	})
	line, _ := protocol.Marshal(&protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)},
		Range:        protocol.Range{Start: protocol.Position{Line: d.line, Character: d.siteChar}, End: protocol.Position{Line: d.line, Character: d.siteChar}},
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, TriggerKind: protocol.CodeActionTriggerKindAutomatic},
	})
	version := int32(1)
	run := func(b *testing.B, f func(i int)) {
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			f(i)
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds()), "p50-µs")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
	}
	b.Run("whole-file", func(b *testing.B) {
		run(b, func(int) {
			if _, err := s.codeAction(ctx, whole); err != nil {
				b.Fatal(err)
			}
		})
	})
	// afterEdit times request alone after each of b.N keystrokes, taken in
	// first (the memos the keystroke touched are gone), as
	// internal/realbench times it; with encode, the encoding of the answer
	// too, as the wire carries it, and its size.
	afterEdit := func(b *testing.B, request []byte, encode bool) {
		lat := make([]time.Duration, 0, b.N)
		edits := d.changes(&version, b.N)
		size := 0
		for i := 0; i < b.N; i++ {
			if _, err := s.didChange(ctx, edits[i]); err != nil {
				b.Fatal(err)
			}
			if err := s.queues.wait(ctx, key); err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			res, err := s.codeAction(ctx, request)
			if err != nil {
				b.Fatal(err)
			}
			if encode {
				out, err := (codec{}).Marshal(res)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			lat = append(lat, time.Since(t0))
		}
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds()), "p50-µs")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
		if encode {
			b.ReportMetric(float64(size), "answer-bytes")
		}
	}
	b.Run("whole-after-edit", func(b *testing.B) { afterEdit(b, whole, false) })
	// Ctrl+. on the edited line right after a keystroke: an explicit
	// request, which also asks for the file's source actions (a bundle's
	// migration).
	invoked, _ := protocol.Marshal(&protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)},
		Range:        protocol.Range{Start: protocol.Position{Line: d.line, Character: d.siteChar}, End: protocol.Position{Line: d.line, Character: d.siteChar}},
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, TriggerKind: protocol.CodeActionTriggerKindInvoked},
	})
	b.Run("invoked-after-edit", func(b *testing.B) { afterEdit(b, invoked, true) })
	// What recording an offer of the file's migrations makes of them
	// (migrationTexts, in the recorder): their bytes, before and after.
	b.Run("migration-record", func(b *testing.B) {
		doc := s.docs.get(key)
		doc.mu.Lock()
		s.wake(doc)
		mctx, cancel := context.WithTimeout(ctx, time.Minute)
		cands := s.migrations(mctx, doc, s.docTarget(doc, time.Now().Add(time.Minute)), "", s.encoding(), nil)
		cancel()
		red := capture.NewRedacted(doc.text.Bytes())
		doc.mu.Unlock()
		if len(cands) == 0 {
			b.Skip("no migration in this file")
		}
		size := 0
		run(b, func(int) {
			size = 0
			for _, c := range cands {
				before, after := migrationTexts(red, c)
				size += len(before) + len(after)
			}
		})
		b.ReportMetric(float64(size), "record-bytes")
	})
	b.Run("edit-codeaction", func(b *testing.B) {
		edits := d.changes(&version, b.N)
		run(b, func(i int) {
			if _, err := s.didChange(ctx, edits[i]); err != nil {
				b.Fatal(err)
			}
			if err := s.queues.wait(ctx, key); err != nil {
				b.Fatal(err)
			}
			if _, err := s.codeAction(ctx, line); err != nil {
				b.Fatal(err)
			}
		})
	})
}
