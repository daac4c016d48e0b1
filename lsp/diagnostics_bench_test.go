package lsp

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// diagBenchFiles are real, unmodified files of about 5,000 lines, one per
// language, from the pinned real-code corpus (see internal/realcorpus).
var diagBenchFiles = []struct {
	id   string
	lang string
	g    syntax.Grammar
}{
	{"long-func", "go", syntax.Go},                     // the Go assembler's x86 encoder, 5,423 lines
	{"large-class", "python", syntax.Python},           // Python 3.11's _pydecimal.py, 6,425 lines
	{"umd-5k", "javascript", syntax.JavaScript},        // moment.js 2.30.1, 5,688 lines
	{"deep-generics", "typescript", syntax.TypeScript}, // zod's v3 types.ts, 5,138 lines
}

// BenchmarkDiagnostics measures, through the real server over a JSON-RPC
// pipe with diagnostics.delay = 0 (so the figures are the server's work,
// not the debounce), how long a client waits:
//
//   - open: from didOpen of the file to its publishDiagnostics (the file is
//     closed again after each, under a new URI each time);
//   - edit: from a one-character edit in the middle of the file to the
//     publishDiagnostics carrying the edit's version;
//   - action: the same edit, then at once an automatic codeAction at the
//     edited line, which runs while the diagnostics are computed: its
//     latency, against the same with diagnostics off (x-off), because
//     diagnostics must not make the lightbulb wait.
//
// Reported: p50 and p99 of each, the number of diagnostics, and each p50
// as a multiple of a full parse and rescan of the file (what a rule server
// does per edit) measured in the same run.
func BenchmarkDiagnostics(b *testing.B) {
	ids := make([]string, len(diagBenchFiles))
	for i, f := range diagBenchFiles {
		ids[i] = f.id
	}
	corpus := realcorpus.Require(b, ids...)
	for _, f := range diagBenchFiles {
		var file string
		for _, s := range realcorpus.Shapes {
			for _, bf := range corpus.Bench(s) {
				if bf.ID == f.id {
					file = bf.File
				}
			}
		}
		src, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		for _, phase := range []string{"open", "edit", "action"} {
			b.Run(f.id+"/"+phase, func(b *testing.B) {
				benchDiagnostics(b, f.lang, f.g, string(src), phase)
			})
		}
	}
}

func benchDiagnostics(b *testing.B, lang string, g syntax.Grammar, src, phase string) {
	ctx := context.Background()
	connect := func(enabled bool) *lspclient.Client {
		a, pb := net.Pipe()
		s := NewServer(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DataDir: b.TempDir()})
		go s.Serve(ctx, a)
		c := lspclient.New(ctx, pb)
		if _, err := c.Initialize(ctx, "", false, map[string]any{"diagnostics": map[string]any{"delay": "0s", "enabled": enabled}}); err != nil {
			b.Fatal(err)
		}
		return c
	}
	c := connect(true)
	defer c.Close()
	// wait returns once a publishDiagnostics for uri and version arrives
	// after the first skip notifications, with its number of diagnostics.
	wait := func(skip int, uri string, version int32) int {
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		i, n := 0, 0
		_, err := c.WaitFor(wctx, func(note lspclient.Notification) bool {
			i++
			if i <= skip || note.Method != "textDocument/publishDiagnostics" {
				return false
			}
			var p struct {
				URI         string            `json:"uri"`
				Version     int32             `json:"version"`
				Diagnostics []json.RawMessage `json:"diagnostics"`
			}
			if json.Unmarshal(note.Params, &p) != nil || p.URI != uri || p.Version != version {
				return false
			}
			n = len(p.Diagnostics)
			return true
		})
		if err != nil {
			b.Fatalf("no diagnostics for %s version %d: %v", uri, version, err)
		}
		return n
	}
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	var lat, base []time.Duration
	diags := 0
	switch phase {
	case "open":
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			uri := "file:///bench/" + lang + "/" + strings.Repeat("n", i%7) + string(rune('a'+i%26)) + "." + map[string]string{"go": "go", "python": "py", "javascript": "js", "typescript": "ts"}[lang]
			skip := len(c.Notifications())
			t0 := time.Now()
			if err := c.Open(ctx, uri, lang, src); err != nil {
				b.Fatal(err)
			}
			diags = wait(skip, uri, 1)
			lat = append(lat, time.Since(t0))
			b.StopTimer()
			if err := c.Notify(ctx, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}}); err != nil {
				b.Fatal(err)
			}
			base = append(base, fullRescan(g, lib, []byte(src)))
			b.StartTimer()
		}
	case "edit":
		uri := "file:///bench/edited." + map[string]string{"go": "go", "python": "py", "javascript": "js", "typescript": "ts"}[lang]
		skip := len(c.Notifications())
		if err := c.Open(ctx, uri, lang, src); err != nil {
			b.Fatal(err)
		}
		wait(skip, uri, 1)
		// A character typed into an identifier in the middle of the file,
		// then removed, alternately.
		mid := strings.Index(src[len(src)/2:], "\n") + len(src)/2 + 1
		for mid < len(src) && !(src[mid] >= 'a' && src[mid] <= 'z') {
			mid++
		}
		version := int32(1)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			version++
			skip := len(c.Notifications())
			ed := lspclient.Edit{Start: mid, End: mid, Text: "x"}
			if i%2 == 1 {
				ed = lspclient.Edit{Start: mid, End: mid + 1, Text: ""}
			}
			t0 := time.Now()
			if err := c.Change(ctx, uri, ed); err != nil {
				b.Fatal(err)
			}
			diags = wait(skip, uri, version)
			lat = append(lat, time.Since(t0))
			b.StopTimer()
			base = append(base, fullRescan(g, lib, []byte(src)))
			b.StartTimer()
		}
	case "action":
		ext := map[string]string{"go": "go", "python": "py", "javascript": "js", "typescript": "ts"}[lang]
		off := connect(false)
		defer off.Close()
		mid := strings.Index(src[len(src)/2:], "\n") + len(src)/2 + 1
		for mid < len(src) && !(src[mid] >= 'a' && src[mid] <= 'z') {
			mid++
		}
		run := func(c *lspclient.Client, uri string, waitDiags bool, n int) []time.Duration {
			skip := len(c.Notifications())
			if err := c.Open(ctx, uri, lang, src); err != nil {
				b.Fatal(err)
			}
			if waitDiags {
				wait(skip, uri, 1)
			}
			var out []time.Duration
			version := int32(1)
			for i := 0; i < n; i++ {
				version++
				skip := len(c.Notifications())
				ed := lspclient.Edit{Start: mid, End: mid, Text: "x"}
				if i%2 == 1 {
					ed = lspclient.Edit{Start: mid, End: mid + 1, Text: ""}
				}
				if err := c.Change(ctx, uri, ed); err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if _, err := c.CodeActions(ctx, uri, mid, mid, protocol.CodeActionTriggerKindAutomatic); err != nil {
					b.Fatal(err)
				}
				out = append(out, time.Since(t0))
				if waitDiags {
					wait(skip, uri, version)
				}
			}
			return out
		}
		b.ResetTimer()
		lat = run(c, "file:///bench/on."+ext, true, b.N)
		b.StopTimer()
		base = run(off, "file:///bench/off."+ext, false, b.N)
		p50 := percentile(lat, 0.5)
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(percentile(base, 0.5).Microseconds())/1000, "off-p50-ms")
		b.ReportMetric(float64(percentile(base, 0.99).Microseconds())/1000, "off-p99-ms")
		b.ReportMetric(float64(p50)/float64(percentile(base, 0.5)), "x-off")
		b.ReportMetric(0, "ns/op")
		return
	}
	b.StopTimer()
	p50 := percentile(lat, 0.5)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(diags), "diagnostics")
	b.ReportMetric(float64(p50)/float64(percentile(base, 0.5)), "x-rescan")
	b.ReportMetric(0, "ns/op")
}
