package learnbench

import (
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// TestRemovedAt: for a fix that only removed text, the persona types where
// the fix removed it (its edit's start), not where a byte-by-byte diff
// places the removal; a fix whose edit does not explain the texts keeps
// the diff's answer.
func TestRemovedAt(t *testing.T) {
	t.Parallel()
	const doc = "file:///w/a.ts"
	before := "  if (x) {\n    console.log(x)\n  }\n"
	after := "  if (x) {\n  }\n"
	diff := firstChange(before, after) // past the next line's indentation
	removal := func(line, char uint32, text string) *protocol.WorkspaceEdit {
		return &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{
			uri.URI(doc): {{Range: protocol.Range{Start: protocol.Position{Line: line, Character: char}, End: protocol.Position{Line: line + 1}}, NewText: text}},
		}}
	}
	for _, tc := range []struct {
		name string
		we   *protocol.WorkspaceEdit
		want int
	}{
		{"the whole line removed at its start", removal(1, 0, ""), len("  if (x) {\n")},
		{"an edit that writes text", removal(1, 0, "    // x\n"), diff},
		{"an edit that does not explain the texts", removal(0, 0, ""), diff},
		{"another document's edit", &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{"file:///w/b.ts": removal(1, 0, "").Changes[uri.URI(doc)]}}, diff},
		{"no edit", nil, diff},
	} {
		if got := removedAt(before, after, doc, tc.we, diff); got != tc.want {
			t.Errorf("%s: removedAt = %d, want %d (the diff says %d)", tc.name, got, tc.want, diff)
		}
	}
	if diff != len("  if (x) {\n  ") {
		t.Fatalf("firstChange = %d: the test's texts no longer show the ambiguity", diff)
	}
}
