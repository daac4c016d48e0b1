package lsp

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/testwait"
)

// TestReleaseExecutableAfterStartAndAnalysis: with ReleaseExecutable (as
// serve runs), the executable's pages are released once the client has
// said initialized and again around a document's whole-file analysis, not
// on requests that keep the tree; without it, never.
func TestReleaseExecutableAfterStartAndAnalysis(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		var drops atomic.Int32
		c, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		h, _ := serveHarness(t, c, t.TempDir(), Options{ReleaseExecutable: on}, nil, func(s *Server) {
			s.exe.drop = func() (int, error) { drops.Add(1); return 1, nil }
		})
		if on {
			testwait.Until(t, "a release after initialized", func() bool { return drops.Load() == 1 })
		}
		uri := "file:///work/exe/a.go"
		src := "package p\n\nimport \"fmt\"\n\nfunc f(err error) error { return fmt.Errorf(\"f: %v\", err) }\n"
		if err := h.c.Open(c, uri, "go", src); err != nil {
			t.Fatal(err)
		}
		at := strings.Index(src, "fmt.Errorf")
		if _, err := h.c.CodeActions(c, uri, at, at, protocol.CodeActionTriggerKindInvoked); err != nil {
			t.Fatal(err)
		}
		if !on {
			h.srv.exe.mu.Lock()
			pending := h.srv.exe.pending
			h.srv.exe.mu.Unlock()
			if pending || drops.Load() != 0 {
				t.Fatalf("without ReleaseExecutable: %d drops, pending %v", drops.Load(), pending)
			}
			continue
		}
		// Then around the analysis (before it and after it, a tenth of a
		// second apart at the least, so one or two more).
		pending := func() bool {
			h.srv.exe.mu.Lock()
			defer h.srv.exe.mu.Unlock()
			return h.srv.exe.pending
		}
		testwait.Until(t, "a release around the analysis", func() bool { return drops.Load() >= 2 && !pending() })
		settled := drops.Load()
		for range 3 {
			if _, err := h.c.CodeActions(c, uri, at, at, protocol.CodeActionTriggerKindInvoked); err != nil {
				t.Fatal(err)
			}
		}
		if p := pending(); p || drops.Load() != settled {
			t.Fatalf("requests on a document that keeps its tree: %d drops (%d before), pending %v", drops.Load(), settled, p)
		}
	}
}
