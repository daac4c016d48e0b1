package lsp

import (
	"fmt"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/rules"
)

// TestKeystrokesReadTheTextInPieces types into documents of many pieces
// (one file of each shape the incremental index is built for) next to a
// rule site, and after each keystroke asks for the lightbulb's actions on
// the site's line, the menu there and the whole file's menu; then checks
// that the server's text was never joined into one slice. A keystroke in a
// large file copied and allocated the whole text, and the collections
// those allocations brought were what made one keystroke in a few hundred
// slow (README, "Performance"): anything on these paths that asks the text
// for all of its bytes brings that back, and fails here.
func TestKeystrokesReadTheTextInPieces(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		shape      corpus.Shape
		languageID string
		ext        string
	}{
		{corpus.UMD, "javascript", "js"},
		{corpus.Describe, "javascript", "js"},
		{corpus.Class, "python", "py"},
		{corpus.BigFunc, "go", "go"},
	} {
		t.Run(string(c.shape), func(t *testing.T) {
			t.Parallel()
			h := start(t)
			h.initPatient(t)
			cx := ctx(t)
			uri := fmt.Sprintf("file:///work/pieces/%s.%s", c.shape, c.ext)
			src := corpus.GenerateShape(c.shape, 3000)
			if err := h.c.Open(cx, uri, c.languageID, src); err != nil {
				t.Fatal(err)
			}
			// Answered once the document is analysed: its sites are known,
			// and the offer it records redacts the document whole, once.
			if _, err := h.c.CodeActions(cx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked); err != nil {
				t.Fatal(err)
			}
			doc := h.srv.docs.get(uri)
			doc.mu.Lock()
			pieces := doc.text.Len() / (16 << 10)
			var site rules.Match
			for _, m := range doc.index.Matches(doc.tree, doc.text) {
				if m.Site.Start >= doc.text.Len()/2 && m.Rule.Migration == "" {
					site = m
					break
				}
			}
			doc.mu.Unlock()
			if pieces < 4 || site.Rule == nil {
				t.Fatalf("%d bytes, a site in the second half: %v; want a document of several pieces with a site there", len(src), site.Rule != nil)
			}
			// The end of the site's line: typing there keeps the site.
			eol := site.Site.End + strings.IndexByte(src[site.Site.End:], '\n')
			shown := 0
			for i := 0; i < 6; i++ {
				edit := lspclient.Edit{Start: eol, End: eol, Text: " "}
				if i%2 == 1 {
					edit = lspclient.Edit{Start: eol, End: eol + 1}
				}
				if err := h.c.Change(cx, uri, edit); err != nil {
					t.Fatal(err)
				}
				for _, trigger := range []protocol.CodeActionTriggerKind{protocol.CodeActionTriggerKindAutomatic, protocol.CodeActionTriggerKindInvoked} {
					acts, err := suggestions(h.c.CodeActions(cx, uri, site.Site.Start, site.Site.Start, trigger))
					if err != nil {
						t.Fatal(err)
					}
					shown += len(acts)
				}
				if _, err := h.c.CodeActions(cx, uri, 0, len(h.c.Doc(uri).Text), protocol.CodeActionTriggerKindInvoked); err != nil {
					t.Fatal(err)
				}
				// The offers are recorded, redacted from the text, on the
				// recorder's goroutine.
				if err := h.srv.rec.Wait(); err != nil {
					t.Fatal(err)
				}
				doc.mu.Lock()
				joined := doc.text.Joined()
				doc.mu.Unlock()
				if joined {
					t.Fatalf("keystroke %d: the text (%d bytes) was joined into one slice", i+1, len(src))
				}
			}
			if shown == 0 {
				t.Fatalf("no suggestion at %s's site (%s) after any keystroke: the requests did not reach the fixes", c.shape, site.Rule.ID)
			}
		})
	}
}
