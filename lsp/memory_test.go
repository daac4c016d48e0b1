package lsp

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/testwait"
)

func TestGCPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		base, biggest int
		live          uint64
		want          int
	}{
		{50, 0, 30 * mb, 50},         // nothing open
		{50, 200 << 10, 15 * mb, 50}, // ordinary files: the base allowance is larger
		{50, 3 * mb, 30 * mb, 80},    // a 3 MB bundle: room for 8 copies
		{50, 100 * mb, 10 * mb, 400}, // at most gcMaxPercent
		{50, 3 * mb, 0, 50},          // before the first collection
		{500, 3 * mb, 30 * mb, 500},  // a larger base stays
		{100, 1 * mb, 4 * mb, 200},   // 8 copies of 1 MB over 4 MB live
	} {
		if got := gcPercent(c.base, c.biggest, c.live); got != c.want {
			t.Errorf("gcPercent(%d, %d, %d) = %d, want %d", c.base, c.biggest, c.live, got, c.want)
		}
	}
}

// TestGCAllowanceFollowsDocuments: with a base GOGC, the server raises the
// collector's allowance while a large document holds a tree (to room for
// gcKeystrokes copies of its text) and puts it back when that document is
// closed; without one (GOGC from the environment) it never sets it.
func TestGCAllowanceFollowsDocuments(t *testing.T) {
	var mu sync.Mutex
	var calls []int
	hooks := &gcHooks{
		live: func() uint64 { return 10 << 20 },
		set: func(p int) int {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, p)
			return 0
		},
	}
	last := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(calls) == 0 {
			return 0, 0
		}
		return calls[len(calls)-1], len(calls)
	}
	for _, base := range []int{50, 0} {
		h := start(t)
		h.srv.trees.gcBase = base
		h.srv.trees.gcHooks = hooks
		h.init(t, false)
		mu.Lock()
		calls = nil
		mu.Unlock()
		// A Go file of ~1 MB: 8 copies over a 10 MB live heap is 80%.
		var b strings.Builder
		b.WriteString("package p\n\nimport \"strings\"\n\n")
		for i := 0; b.Len() < 1<<20; i++ {
			fmt.Fprintf(&b, "func f%d(s string) string {\n\treturn strings.Replace(s, \"a\", \"b\", -1)\n}\n\n", i)
		}
		uri := "file:///big.go"
		if err := h.c.Open(ctx(t), uri, "go", b.String()); err != nil {
			t.Fatal(err)
		}
		// Analysed in the background (it is large): code actions answer
		// once it holds its tree.
		testwait.Until(t, "the large document's analysis", func() bool {
			acts, err := h.c.CodeActions(ctx(t), uri, 0, b.Len(), protocol.CodeActionTriggerKindInvoked)
			return err == nil && len(acts) > 0
		})
		got, n := last()
		if base == 0 {
			if n != 0 {
				t.Fatalf("without a base GOGC the server set it %d times (last %d)", n, got)
			}
			continue
		}
		if want := 100 * gcKeystrokes * b.Len() / (10 << 20); got != want {
			t.Fatalf("with a 1 MB document holding a tree: GOGC %d, want %d", got, want)
		}
		if err := h.c.Notify(ctx(t), "textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}}); err != nil {
			t.Fatal(err)
		}
		testwait.Until(t, "the base GOGC after the large document closed", func() bool {
			got, _ := last()
			return got == base
		})
	}
}

// TestOpenDocumentKeepsOneCopyOfItsText: an open document, not yet used,
// costs its text and its line index. Protocol's decoder makes each string
// of a message a view of the whole message, so a document that kept the
// URI or language ID of its didOpen kept a second copy of its text
// (protocol_workarounds.go: owned). Measured over the pipe, with the
// heap's live bytes after collections; the bound leaves room for the line
// index and for what else the process holds, and a second copy of the
// text would double the cost.
func TestOpenDocumentKeepsOneCopyOfItsText(t *testing.T) {
	h := start(t)
	// No diagnostics: publishing them analyses each document, and what is
	// measured here is a document opened and not used.
	if _, err := h.c.Initialize(ctx(t), t.TempDir(), false, map[string]any{"diagnostics": map[string]any{"enabled": false}}); err != nil {
		t.Fatal(err)
	}
	const docs, size = 8, 1 << 20
	line := "// " + strings.Repeat("x", 1000) + "\n"
	text := "package big\n\n" + strings.Repeat(line, size/len(line))
	live := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := live()
	for i := range docs {
		uri := fmt.Sprintf("file:///big/doc%d.go", i)
		if err := h.c.Open(ctx(t), uri, "go", text); err != nil {
			t.Fatal(err)
		}
		key, _ := normURI(uri)
		// The notification is read after Open returns.
		testwait.Until(t, uri+" to be open", func() bool { return h.srv.docs.get(key) != nil })
	}
	after := live()
	perByte := float64(int64(after)-int64(before)) / float64(docs*len(text))
	t.Logf("%d documents of %d KB: %.2f bytes of Go heap per byte of text", docs, len(text)>>10, perByte)
	if perByte > 1.5 {
		t.Errorf("an open document costs %.2f bytes of Go heap per byte of its text, want its text and line index (at most 1.5): is a second copy kept?", perByte)
	}
}
