package lsp

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

var benchGrammars = []syntax.Grammar{syntax.Go, syntax.Python, syntax.JavaScript, syntax.TypeScript}

// benchSite is a line in the middle of the generated file holding a rule
// site, and a column inside it where a character is typed.
var benchSite = map[syntax.Grammar]struct {
	text     string
	typeAt   int // where the typed character goes: inside a word, as most typing is
	actionAt int
}{
	syntax.Go:         {"return \"\", fmt.Errorf(\"load 100 ", 24, 14},
	syntax.Python:     {"if path == None", 4, 9},
	syntax.JavaScript: {"if (item.qty == 0)", 6, 14},
	syntax.TypeScript: {"if (row.name == \"skip\")", 6, 14},
}

type benchDoc struct {
	src      string
	uri      string
	line     uint32 // line of the site
	char     uint32 // where a character is inserted and removed
	siteChar uint32
}

func newBenchDoc(b *testing.B, g syntax.Grammar) benchDoc {
	src := corpus.Generate(g, 5000)
	// The site in the 100th block, near the middle of the file.
	site := benchSite[g]
	anchor := strings.Index(src, site.text)
	if g != syntax.Go {
		anchor = nthIndex(src, site.text, 100)
	}
	if anchor < 0 {
		b.Fatalf("no site %q", site.text)
	}
	text := syntax.NewText([]byte(src))
	p := text.Position(anchor, syntax.UTF16)
	return benchDoc{src: src, uri: "file:///bench/big" + benchExt(g),
		line: p.Line, char: p.Character + uint32(site.typeAt), siteChar: p.Character + uint32(site.actionAt)}
}

func nthIndex(s, sub string, n int) int {
	off := 0
	for i := 0; i < n; i++ {
		j := strings.Index(s[off:], sub)
		if j < 0 {
			return -1
		}
		off += j + len(sub)
	}
	return off - len(sub)
}

func (d benchDoc) change(version int32, insert bool) *protocol.DidChangeTextDocumentParams {
	r := protocol.Range{Start: protocol.Position{Line: d.line, Character: d.char}, End: protocol.Position{Line: d.line, Character: d.char}}
	text := "x"
	if !insert {
		r.End.Character++
		text = ""
	}
	return &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{Range: r, Text: text}},
	}
}

// changes returns n didChange notifications of d, marshalled, numbered
// from *version+1 on (*version advances): an even version inserts the
// character and an odd one deletes it, so that runs of them alternate
// however they are split. A server logs a version that does not increase,
// which a client does not send, so a benchmark that repeated one would
// time that log line too.
func (d benchDoc) changes(version *int32, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		*version++
		out[i], _ = protocol.Marshal(d.change(*version, *version%2 == 0))
	}
	return out
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// fullRescan is the baseline: what a rule server that rescans the whole file
// after each edit does before it can answer (a full parse and every rule over
// the whole tree).
func fullRescan(g syntax.Grammar, lib *rules.Library, src []byte) time.Duration {
	t0 := time.Now()
	t, _ := syntax.Parse(context.Background(), g, src)
	rules.NewIndex(lib.Set(g), t, syntax.NewText(src))
	d := time.Since(t0)
	t.Close()
	return d
}

// BenchmarkEditThenCodeAction types one character into a 5,000-line file and
// asks for code actions at the edited line, through the real server over a
// JSON-RPC pipe, as an editor does on every keystroke with a lightbulb.
// Reported: median and p99 latency of the pair, and how many times faster the
// median is than a full rescan measured in the same process.
func BenchmarkEditThenCodeAction(b *testing.B) {
	for _, g := range benchGrammars {
		b.Run(string(g), func(b *testing.B) {
			d := newBenchDoc(b, g)
			ctx := context.Background()
			a, pb := net.Pipe()
			s := NewServer(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DataDir: b.TempDir()})
			go s.Serve(ctx, a)
			c := lspclient.New(ctx, pb)
			defer c.Close()
			if _, err := c.Initialize(ctx, "", false, nil); err != nil {
				b.Fatal(err)
			}
			if err := c.Open(ctx, d.uri, string(g), d.src); err != nil {
				b.Fatal(err)
			}
			ca := &protocol.CodeActionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)},
				Range:        protocol.Range{Start: protocol.Position{Line: d.line, Character: d.siteChar}, End: protocol.Position{Line: d.line, Character: d.siteChar}},
				Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, TriggerKind: protocol.CodeActionTriggerKindAutomatic},
			}
			var res []json.RawMessage
			lat := make([]time.Duration, 0, b.N)
			version := int32(1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				version++
				t0 := time.Now()
				if err := c.Notify(ctx, "textDocument/didChange", d.change(version, i%2 == 0)); err != nil {
					b.Fatal(err)
				}
				if err := c.Call(ctx, "textDocument/codeAction", ca, &res); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				if len(res) == 0 {
					b.Fatal("no actions at the site")
				}
			}
			b.StopTimer()
			var base []time.Duration
			lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
			for i := 0; i < 15; i++ {
				base = append(base, fullRescan(g, lib, []byte(d.src)))
			}
			p50 := percentile(lat, 0.5)
			b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
			b.ReportMetric(float64(percentile(base, 0.5).Microseconds()), "rescan-p50-µs")
			b.ReportMetric(float64(percentile(base, 0.5))/float64(p50), "x-vs-rescan")
		})
	}
}

// BenchmarkDidChange measures the server's work for one-character edits of
// a 5,000-line file (apply, incremental reparse, incremental re-match),
// in process, without the transport.
func BenchmarkDidChange(b *testing.B) {
	for _, g := range benchGrammars {
		b.Run(string(g), func(b *testing.B) {
			d := newBenchDoc(b, g)
			ctx := context.Background()
			s := NewServer(Options{})
			s.state.Store(int32(stateInitialized))
			s.lib = rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
			open, _ := json.Marshal(map[string]any{"textDocument": map[string]any{"uri": d.uri, "languageId": string(g), "version": 1, "text": d.src}})
			if _, err := s.didOpen(ctx, open); err != nil {
				b.Fatal(err)
			}
			version := int32(1)
			key, _ := normURI(d.uri)
			// A document is parsed when first used: two edits (one that
			// adds, one that takes it away) parse it before the clock runs.
			for _, p := range d.changes(&version, 2) {
				if _, err := s.didChange(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			params := d.changes(&version, b.N)
			if err := s.queues.wait(ctx, key); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.didChange(ctx, params[i]); err != nil {
					b.Fatal(err)
				}
				// The edit is applied in the document's queue.
				if err := s.queues.wait(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func lspURI(s string) uri.URI { return uri.URI(s) }

// inProcess starts a server without a transport, initialized with a data
// directory, and opens d.
func inProcess(b *testing.B, d benchDoc, g syntax.Grammar) *Server {
	ctx := context.Background()
	s := NewServer(Options{DataDir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	// What VS Code announces: versioned edits, and code actions whose edit
	// it resolves when one is picked.
	initParams, _ := json.Marshal(map[string]any{"capabilities": map[string]any{
		"workspace":    map[string]any{"workspaceEdit": map[string]any{"documentChanges": true}},
		"textDocument": map[string]any{"codeAction": map[string]any{"dataSupport": true, "resolveSupport": map[string]any{"properties": []string{"edit"}}}},
	}})
	if _, err := s.initialize(ctx, initParams); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.closeCapture)
	open, _ := json.Marshal(map[string]any{"textDocument": map[string]any{"uri": d.uri, "languageId": string(g), "version": 1, "text": d.src}})
	if _, err := s.didOpen(ctx, open); err != nil {
		b.Fatal(err)
	}
	return s
}

func medianOf(d []time.Duration) time.Duration { return percentile(d, 0.5) }

// BenchmarkCaptureOverhead measures what outcome tracking adds to a
// one-character didChange: the same edits are timed with no suggestion
// tracked, then with one accepted suggestion tracked on the edited line.
func BenchmarkCaptureOverhead(b *testing.B) {
	g := syntax.Python
	d := newBenchDoc(b, g)
	s := inProcess(b, d, g)
	ctx := context.Background()
	version := int32(1)
	run := func(n int) []time.Duration {
		params := d.changes(&version, n)
		lat := make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			t0 := time.Now()
			if _, err := s.didChange(ctx, params[i]); err != nil {
				b.Fatal(err)
			}
			if err := s.queues.wait(ctx, d.uri); err != nil { // applied in the document's queue
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		return lat
	}
	n := max(b.N, 20)
	b.ResetTimer()
	untracked := run(n)
	// Accept the suggestion on the edited line, as an editor would.
	ca, _ := protocol.Marshal(&protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)},
		Range:        protocol.Range{Start: protocol.Position{Line: d.line, Character: d.siteChar}, End: protocol.Position{Line: d.line, Character: d.siteChar}},
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, TriggerKind: protocol.CodeActionTriggerKindInvoked},
	})
	res, err := s.codeAction(ctx, ca)
	if err != nil {
		b.Fatal(err)
	}
	acts := res.([]protocol.CommandOrCodeAction)
	if len(acts) == 0 {
		doc := s.docs.get(d.uri)
		b.Fatalf("no actions at %d:%d: %q", d.line, d.siteChar, strings.Split(string(doc.text.Bytes()), "\n")[d.line])
	}
	a := acts[0].(*protocol.CodeAction)
	var id string
	_ = jsonField(a.Data, "suggestionId", &id)
	te := a.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit).Edits[0].(*protocol.TextEdit)
	doc := s.docs.get(d.uri)
	doc.mu.Lock()
	version = doc.version + 1
	doc.mu.Unlock()
	apply, _ := protocol.Marshal(&protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{Range: te.Range, Text: te.NewText}},
	})
	if _, err := s.didChange(ctx, apply); err != nil {
		b.Fatal(err)
	}
	// The next change inserts (changes).
	version |= 1
	if err := s.queues.wait(ctx, d.uri); err != nil { // the edit is applied in the document's queue
		b.Fatal(err)
	}
	if err := s.accept(ctx, id); err != nil {
		b.Fatal(err)
	}
	if s.tracker.Tracking(d.uri) != 1 {
		b.Fatal("the accepted suggestion is not tracked")
	}
	tracked := run(n)
	b.StopTimer()
	b.ReportMetric(float64(medianOf(untracked).Microseconds()), "untracked-p50-µs")
	b.ReportMetric(float64(medianOf(tracked).Microseconds()), "tracked-p50-µs")
	b.ReportMetric(float64(medianOf(tracked))/float64(medianOf(untracked)), "tracked/untracked")
}

// BenchmarkCodeActionPolicyShare runs codeAction in process on a 5,000-line
// file with the policy, and reports which share of its time the policy's
// scoring takes.
func BenchmarkCodeActionPolicyShare(b *testing.B) {
	for _, g := range benchGrammars {
		b.Run(string(g), func(b *testing.B) {
			d := newBenchDoc(b, g)
			s := inProcess(b, d, g)
			ctx := context.Background()
			ca, _ := protocol.Marshal(&protocol.CodeActionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)},
				Range:        protocol.Range{Start: protocol.Position{Line: d.line}, End: protocol.Position{Line: d.line + 12}},
				Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, TriggerKind: protocol.CodeActionTriggerKindAutomatic},
			})
			var total, scoring []time.Duration
			var cands []*candidate
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				res, err := s.codeAction(ctx, ca)
				if err != nil {
					b.Fatal(err)
				}
				total = append(total, time.Since(t0))
				if i == 0 {
					n := len(res.([]protocol.CommandOrCodeAction))
					b.ReportMetric(float64(n), "actions")
					doc := s.docs.get(d.uri)
					doc.mu.Lock()
					for _, m := range doc.index.Within(doc.tree, doc.text, doc.text.LineStart(int(d.line)), doc.text.LineStart(int(d.line)+12)) {
						edits, _ := rules.Fix(m, doc.tree, doc.text.Bytes())
						c := newCandidate(m, edits, doc.text, syntax.UTF16)
						c.features.RuleID, c.features.Prior = m.Rule.ID, m.Rule.Prior
						cands = append(cands, c)
					}
					doc.mu.Unlock()
				}
				t1 := time.Now()
				if _, err := s.scoreCandidates(ctx, cands); err != nil {
					b.Fatal(err)
				}
				scoring = append(scoring, time.Since(t1))
			}
			b.StopTimer()
			b.ReportMetric(float64(medianOf(total).Microseconds()), "codeAction-p50-µs")
			b.ReportMetric(float64(medianOf(scoring).Nanoseconds())/1000, "policy-p50-µs")
			b.ReportMetric(100*float64(medianOf(scoring))/float64(medianOf(total)), "policy-%")
		})
	}
}

// BenchmarkWholeFileCodeAction asks for the code actions of a whole
// 5,000-line file (an explicit request over everything: a "fix all" menu, a
// client that asks per file), in process, with the policy and capture on.
// Reported: median and p99 latency, and the candidates the range holds.
func BenchmarkWholeFileCodeAction(b *testing.B) {
	docs := map[string]func() (benchDoc, syntax.Grammar){}
	for _, g := range benchGrammars {
		docs[string(g)] = func() (benchDoc, syntax.Grammar) { return newBenchDoc(b, g), g }
	}
	for _, sh := range corpus.Shapes {
		docs[string(sh)] = func() (benchDoc, syntax.Grammar) {
			g := sh.Grammar()
			return benchDoc{src: corpus.GenerateShape(sh, 5000), uri: "file:///bench/" + string(sh) + "." + map[syntax.Grammar]string{syntax.Go: "go", syntax.Python: "py", syntax.JavaScript: "js"}[g]}, g
		}
	}
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			d, g := docs[name]()
			s := inProcess(b, d, g)
			ctx := context.Background()
			lines := uint32(strings.Count(d.src, "\n"))
			ca, _ := protocol.Marshal(&protocol.CodeActionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(d.uri)},
				Range:        protocol.Range{Start: protocol.Position{Line: 0}, End: protocol.Position{Line: lines}},
				Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, TriggerKind: protocol.CodeActionTriggerKindInvoked},
			})
			doc := s.docs.get(d.uri)
			doc.mu.Lock()
			n := len(doc.index.Matches(doc.tree, doc.text))
			doc.mu.Unlock()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := s.codeAction(ctx, ca); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			b.ReportMetric(float64(percentile(lat, 0.5).Microseconds()), "p50-µs")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
			b.ReportMetric(float64(n), "candidates")
		})
	}
}

// benchExt is g's first file extension in the language table.
func benchExt(g syntax.Grammar) string {
	l, _ := syntax.LanguageOf(g)
	return l.Extensions()[0]
}
