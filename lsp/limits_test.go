package lsp

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	lsuri "go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// pathological inputs: big or deeply nested documents. Set SYNTX_SOAK=1 for
// the 5 MB ones (`make soak`): their background analysis costs tens of CPU
// seconds.
func pathological() []struct{ name, lang, text string } {
	docs := []struct{ name, lang, text string }{
		{"20mb.go", "go", "package p\n" + strings.Repeat("var x = 1 // padding padding padding\n", 20<<20/37)},
		{"1mb-one-line.go", "go", "package p\nvar x = []int{" + strings.Repeat("1, ", 1<<20/3) + "}\n"},
		{"300k-dense.go", "go", "package p\nimport \"fmt\"\n" + strings.Repeat("func f(err error) error { return fmt.Errorf(\"x %v\", err) }\n", 300<<10/60)},
		{"100k-parens.ts", "typescript", "let x = " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + ";\n"},
		{"100k-brackets.py", "python", "x = " + strings.Repeat("[", 100000) + "1" + strings.Repeat("]", 100000) + "\n"},
		{"100k-braces.go", "go", "package p\nfunc f() " + strings.Repeat("{", 100000) + strings.Repeat("}", 100000) + "\n"},
		{"70k-concat.js", "javascript", "let x = " + strings.Repeat("a + ", 70000) + "1;\n"},
	}
	if os.Getenv("SYNTX_SOAK") != "" {
		docs = append(docs,
			struct{ name, lang, text string }{"5mb-one-line.go", "go", "package p\nvar x = []int{" + strings.Repeat("1, ", 5<<20/3) + "}\n"},
			struct{ name, lang, text string }{"5mb-dense.go", "go", "package p\nimport \"fmt\"\n" + strings.Repeat("func f(err error) error { return fmt.Errorf(\"x %v\", err) }\n", 5<<20/60)},
		)
	}
	return docs
}

// TestPathologicalInputsDoNotStall opens and edits each pathological document
// and, right behind it on the wire, asks for code actions on another, small
// document, then on the pathological one: every request is answered (the
// small document's with its suggestion; the pathological one's with a
// result or RequestFailed past limits.request_timeout, never
// RequestCancelled), and the server's text stays the client's. Documents
// over limits.max_document_bytes are text only; large ones are analysed in
// the background; trees nested deeper than maxTreeDepth are text only. How
// long each answer took is logged, not asserted: that one document's work
// cannot hold up another's is TestOtherDocumentsAnsweredWhileOneIsBusy's,
// by the order of events.
func TestPathologicalInputsDoNotStall(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.initPatient(t)
	// Seven pathological documents, one after the other: a generous
	// deadline for the whole test (the race detector makes decoding a
	// 20 MB message take seconds).
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	small := "file:///work/limits/small.go"
	if err := h.c.Open(c, small, "go", goSrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(goSrc, "fmt.Errorf")
	other := func() time.Duration {
		t.Helper()
		t0 := time.Now()
		acts, err := suggestions(h.c.CodeActions(c, small, at, at, protocol.CodeActionTriggerKindInvoked))
		if err != nil || len(acts) != 1 {
			t.Fatalf("code actions on the small document: %d, %v", len(acts), err)
		}
		return time.Since(t0)
	}
	for _, d := range pathological() {
		uri := "file:///work/limits/" + d.name
		t0 := time.Now()
		if err := h.c.Open(c, uri, d.lang, d.text); err != nil {
			t.Fatal(err)
		}
		sent := time.Since(t0)
		openLat := other() + sent
		t0 = time.Now()
		for i := 0; i < 3; i++ {
			off := len(h.c.Doc(uri).Text) / 2
			if err := h.c.Change(c, uri, lspclient.Edit{Start: off, End: off, Text: " "}); err != nil {
				t.Fatal(err)
			}
		}
		editLat := time.Since(t0) + other()
		t0 = time.Now()
		_, err := h.c.CodeActions(c, uri, 0, 10, protocol.CodeActionTriggerKindAutomatic)
		ownLat := time.Since(t0)
		if err != nil && errCode(err) != codeRequestFailed {
			t.Fatalf("%s: code actions on it: %v (want a result, or RequestFailed)", d.name, err)
		}
		// A request answered RequestFailed may leave the edits behind it
		// still queued: wait for the document's queue before comparing.
		key, _ := normURI(uri)
		if err := h.srv.queues.wait(c, key); err != nil {
			t.Fatalf("%s: the document's queue never drained: %v", d.name, err)
		}
		var quiet string
		if doc := h.srv.docs.get(uri); doc != nil {
			doc.mu.Lock()
			quiet = doc.quiet
			if got := string(doc.text.Bytes()); got != h.c.Doc(uri).Text {
				t.Errorf("%s: server text differs from the client's", d.name)
			}
			doc.mu.Unlock()
		}
		t.Logf("%-17s %8d bytes: open → other answered in %v; 3 edits → other answered in %v; its own codeAction %v; state %q",
			d.name, len(d.text), openLat.Round(time.Millisecond), editLat.Round(time.Millisecond), ownLat.Round(time.Millisecond), quiet)
		if err := h.c.Notify(c, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lsuri.URI(uri)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBackgroundAnalysis: a document over syncAnalyseBytes gets suggestions
// once its background analysis finishes, also after edits made meanwhile.
func TestBackgroundAnalysis(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.init(t, false)
	c := ctx(t)
	uri := "file:///work/limits/big.go"
	filler := strings.Repeat("// filler filler filler filler filler filler filler filler\n", syncAnalyseBytes/58+10)
	src := goSrc + filler
	if err := h.c.Open(c, uri, "go", src); err != nil {
		t.Fatal(err)
	}
	// Edits while the analysis runs.
	for i := 0; i < 5; i++ {
		if err := h.c.Change(c, uri, lspclient.Edit{Start: len(h.c.Doc(uri).Text), End: len(h.c.Doc(uri).Text), Text: "// more\n"}); err != nil {
			t.Fatal(err)
		}
	}
	at := strings.Index(goSrc, "fmt.Errorf")
	deadline := time.Now().Add(15 * time.Second)
	for {
		acts, err := suggestions(h.c.CodeActions(c, uri, at, at, protocol.CodeActionTriggerKindInvoked))
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) == 1 {
			if err := h.c.Apply(c, acts[0]); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no suggestions after the background analysis")
		}
		time.Sleep(20 * time.Millisecond)
	}
	doc := h.srv.docs.get(uri)
	doc.mu.Lock()
	got, quiet, analysing := string(doc.text.Bytes()), doc.quiet, doc.analysing
	doc.mu.Unlock()
	if got != h.c.Doc(uri).Text || quiet != "" || analysing {
		t.Fatalf("after the analysis: text equal %v, quiet %q, analysing %v", got == h.c.Doc(uri).Text, quiet, analysing)
	}
}

// TestBackgroundAnalysisWhileTyping: a large document that is typed into
// without pause, faster than it can be analysed, still gets its suggestions:
// the edits made during the analysis are replayed on its result rather than
// starting it over, and every later edit is incremental.
func TestBackgroundAnalysisWhileTyping(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.initPatient(t)
	c := ctx(t)
	uri := "file:///work/limits/bundle.js"
	src := corpus.GenerateShape(corpus.UMD, 40000)
	if len(src) < 3*syncAnalyseBytes {
		t.Fatalf("the bundle is only %d bytes", len(src))
	}
	if err := h.c.Open(c, uri, "javascript", src); err != nil {
		t.Fatal(err)
	}
	site := "el.innerHTML"
	at := strings.Index(src[len(src)/2:], site) + len(src)/2
	// Bounded by the suite's generous deadline, not a budget: on a busy
	// machine the analysis of a 40,000-line bundle takes what it takes.
	deadline := testwait.Deadline(t)
	for typed := 0; ; typed++ {
		// One keystroke inside a word on the site's line, then the
		// lightbulb's request there.
		if err := h.c.Change(c, uri, lspclient.Edit{Start: at + 3, End: at + 3, Text: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := h.c.Change(c, uri, lspclient.Edit{Start: at + 3, End: at + 4, Text: ""}); err != nil {
			t.Fatal(err)
		}
		acts, err := suggestions(h.c.CodeActions(c, uri, at, at, protocol.CodeActionTriggerKindInvoked))
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) > 0 {
			t.Logf("suggestions after %d keystrokes", 2*typed+2)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no suggestions after %d keystrokes: the background analysis never finished", 2*typed+2)
		}
	}
	doc := h.srv.docs.get(uri)
	doc.mu.Lock()
	defer doc.mu.Unlock()
	if got := string(doc.text.Bytes()); got != h.c.Doc(uri).Text {
		t.Fatal("the server's text differs from the client's")
	}
	lib := h.srv.library()
	want := rules.NewIndex(lib.Sites(syntax.JavaScript), doc.tree, doc.text).Matches(doc.tree, doc.text)
	if got := doc.index.Matches(doc.tree, doc.text); len(got) != len(want) {
		t.Fatalf("after the replayed edits the index holds %d matches, a rescan %d", len(got), len(want))
	}
	want = rules.NewIndex(lib.Migrations(syntax.JavaScript), doc.tree, doc.text).Matches(doc.tree, doc.text)
	if got := doc.migrationIndex().Matches(doc.tree, doc.text); len(got) != len(want) || len(want) == 0 {
		t.Fatalf("the migration rules' index holds %d matches, a rescan %d", len(got), len(want))
	}
}

func TestDeeperThan(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		g    syntax.Grammar
		src  string
		deep bool
	}{
		{syntax.Go, goSrc, false},
		{syntax.Go, "package p\nvar x = " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + "\n", true},
		{syntax.Python, "x = " + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + "\n", false},
		{syntax.JavaScript, "x = " + strings.Repeat("a + ", 5000) + "1\n", true},
		// Long but flat (a parse of it must stay far below ParseTimeout on a
		// busy machine: the test is about depth, not size).
		{syntax.TypeScript, strings.Repeat("let x = 1;\n", 2000), false},
	} {
		tree, err := syntax.Parse(t.Context(), c.g, []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := deeperThan(tree.Root(), maxTreeDepth); got != c.deep {
			t.Errorf("%s %d bytes: deeperThan = %v, want %v", c.g, len(c.src), got, c.deep)
		}
		tree.Close()
	}
}

// TestMaxCandidates: limits.max_candidates bounds one answer.
func TestMaxCandidates(t *testing.T) {
	t.Parallel()
	src := "package p\n\nimport \"fmt\"\n\n" + strings.Repeat("func f(err error) error { return fmt.Errorf(\"x %v\", err) }\n", 6)
	for _, limit := range []int{2, 32} {
		e := startEnv(t, t.TempDir(), "", map[string]any{"limits": map[string]any{"max_candidates": limit}})
		if got := e.srv.config().Limits.MaxCandidates; got != limit {
			t.Fatalf("limits.max_candidates = %d, want %d", got, limit)
		}
		uri := "file:///work/limits/many.go"
		if err := e.c.Open(e.ctx, uri, "go", src); err != nil {
			t.Fatal(err)
		}
		acts, err := suggestions(e.c.CodeActions(e.ctx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked))
		if err != nil {
			t.Fatal(err)
		}
		if want := min(limit, 6); len(acts) != want {
			t.Fatalf("max_candidates %d: %d suggestions, want %d", limit, len(acts), want)
		}
		e.shutdown(t)
	}
}

// TestMaxCandidatesKeepsSourceActions: limits.max_candidates bounds the
// per-site suggestions of an answer; the file's source actions come on
// top. A whole-file request ranks the per-site ones first here (includes'
// prior is above no-var's), and the cap used to leave the migration out.
func TestMaxCandidatesKeepsSourceActions(t *testing.T) {
	t.Parallel()
	src := "function setup() {\n  var seen = [];\n  var limit = 3;\n  return [seen, limit];\n}\n" + strings.Repeat("function has(list, x) { return list.indexOf(x) !== -1; }\n", 4)
	e := startEnv(t, t.TempDir(), "", map[string]any{"limits": map[string]any{"max_candidates": 2}})
	uri := "file:///work/limits/many.js"
	if err := e.c.Open(e.ctx, uri, "javascript", src); err != nil {
		t.Fatal(err)
	}
	acts, err := suggestions(e.c.CodeActions(e.ctx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	var sites, source []string
	for _, a := range acts {
		if strings.HasPrefix(string(*a.Kind), "source.") {
			source = append(source, a.Title)
		} else {
			sites = append(sites, a.Title)
		}
	}
	if len(sites) != 2 || len(source) != 1 || source[0] != "Convert this file to let/const (2 sites)" {
		t.Fatalf("max_candidates 2: per-site %q, source actions %q; want 2 and the migration", sites, source)
	}
	e.shutdown(t)
}

// TestMigrationIndexRefreshedWhenIdle: keystrokes only postpone the
// migration rules' index (rules.Index.Postpone); once they pause, the
// server brings it up to date without waiting for a request, and it then
// equals a rescan. With the pause set to never, nothing is armed to
// refresh it and it is stale after the same keystrokes, as it was before
// refreshWhenIdle.
func TestMigrationIndexRefreshedWhenIdle(t *testing.T) {
	t.Parallel()
	src := "function f(a) {\n  var x = a + 1;\n  var y = x * 2;\n  return y;\n}\n"
	for _, idle := range []time.Duration{20 * time.Millisecond, -1} {
		e := startLoading(t, t.TempDir(), t.TempDir(), nil, func(s *Server) { s.opts.MigrationIdle = idle })
		uri := string(lsuri.File(e.workspace + "/a.js"))
		if err := e.c.Open(e.ctx, uri, "javascript", src); err != nil {
			t.Fatal(err)
		}
		at := strings.Index(src, "  return")
		for i, typed := range []string{"v", "a", "r", " ", "z", " ", "=", " ", "y", ";", "\n  "} {
			if err := e.c.Change(e.ctx, uri, lspclient.Edit{Start: at + i, End: at + i, Text: typed}); err != nil {
				t.Fatal(err)
			}
		}
		version := e.c.Doc(uri).Version
		key, _ := normURI(uri)
		var doc *document
		testwait.Until(t, "the document is open", func() bool { doc = e.srv.docs.get(key); return doc != nil })
		stale := func() bool {
			doc.mu.Lock()
			defer doc.mu.Unlock()
			return doc.version < version || doc.migs.Stale()
		}
		if idle < 0 {
			testwait.Until(t, "the keystrokes arrive", func() bool {
				doc.mu.Lock()
				defer doc.mu.Unlock()
				return doc.version == version
			})
			// Nothing will refresh it: no pause is armed (the only way
			// the index is refreshed without a request), and it is stale.
			doc.mu.Lock()
			armed := doc.idle != nil
			doc.mu.Unlock()
			if armed || !stale() {
				t.Fatalf("with the pause set to never: a refresh armed %v, the index stale %v", armed, stale())
			}
			continue
		}
		testwait.Until(t, "the migration index is refreshed once typing pauses", func() bool { return !stale() })
		doc.mu.Lock()
		lib := e.srv.library()
		want := rules.NewIndex(lib.Migrations(syntax.JavaScript), doc.tree, doc.text).Matches(doc.tree, doc.text)
		got := doc.migs.Matches(doc.tree, doc.text)
		doc.mu.Unlock()
		if len(got) != len(want) || len(want) != 3 {
			t.Fatalf("the refreshed index holds %d matches, a rescan %d (want 3: x, y and the typed z)", len(got), len(want))
		}
	}
}
