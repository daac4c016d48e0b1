package lsp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
)

// tsLogSrc has a console.log on its own line, followed by a line indented
// less: typescript.console-log removes the whole line, and what follows
// it begins with the same white space as what it removed.
const tsLogSrc = "export function unsubscribe(removed: boolean): void {\n" +
	"  if (removed) {\n" +
	"    console.log(removed)\n" +
	"  }\n" +
	"}\n"

// TestEditAfterRemovedLine (issue 17, found on real code: the learning
// benchmark's contrarian persona, typescript.console-log in a .ts file of
// the real corpus): after a fix that removed a whole line, typing where it
// removed it (the start of the line that took its place) is an edit of the
// fix, but typing on that line past its indentation is code of the next
// line, apart from the fix, and the fix is kept. A byte-by-byte diff of the
// two texts cannot tell the two places apart (the removed line began with
// the same white space); capture follows where the fix really removed the
// text, and the benchmark's persona now types there too (learnbench's
// removedAt).
func TestEditAfterRemovedLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		at   int // from where the fix removed the line
		text string
		want store.Outcome
	}{
		{"typed where the line was removed", 0, "_e", store.Edited},
		{"typed on the next line, past its indentation", len("  "), "_e", store.Kept},
		// Another line in its place: the developer's version of the fix.
		{"another line typed in its place", 0, "    report(removed)\n", store.Edited},
		{"the line typed back", 0, "    console.log(removed)\n", store.Undone},
		// An editor's own diff of its undo may put the line back past
		// the next line's indentation: the same text, undone.
		{"the line put back past the indentation (an editor's diff)", len("  "), "  console.log(removed)\n  ", store.Undone},
		{"nothing", -1, "", store.Kept},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := startCapture(t)
			uri := "file:///w/hooks.ts"
			h.acceptInLang(uri, "typescript", tsLogSrc, "console.log", "typescript.console-log")
			line := strings.Index(tsLogSrc, "    console.log")
			if got, want := h.c.Doc(uri).Text, tsLogSrc[:line]+tsLogSrc[line+len("    console.log(removed)\n"):]; got != want {
				t.Fatalf("the fix did not remove the whole line:\n%s", got)
			}
			if c.at >= 0 {
				if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: line + c.at, End: line + c.at, Text: c.text}); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.c.Notify(ctx(t), "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}}); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(31 * time.Second)
			h.tick()
			h.clock.Advance(15 * time.Minute)
			h.tick()
			h.wantOnly(c.want, fmt.Sprintf("after %q", h.c.Doc(uri).Text))
		})
	}
}
