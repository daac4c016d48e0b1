package learnbench

import (
	"path/filepath"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/capture"
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

// TestOpensAsTest: the persona's idea of a test file agrees with the
// server's file role, for files the corpus names as tests whichever half
// of the sites they fall in.
func TestOpensAsTest(t *testing.T) {
	for _, c := range []struct {
		i    int
		file string
		want bool
	}{
		{0, "/c/src/net/url/url.go", false},
		{1, "/c/src/net/url/url.go", true},
		{0, "/c/src/net/url/url_test.go", true},
		{0, "/c/lib/test/test_json/test_decode.py", true},
		{0, "/c/lib/json/decoder.py", false},
		{0, "/c/src/v4/classic/tests/to-json-schema.test.ts", true},
		{0, "/c/test/dash.test.js", true},
		{2, "/c/lib/express.js", false},
	} {
		if got := opensAsTest(c.i, c.file); got != c.want {
			t.Errorf("opensAsTest(%d, %s) = %v, want %v", c.i, c.file, got, c.want)
		}
		// The name the site is opened under gets the same role from the server.
		name := filepath.Base(c.file)
		if c.want {
			name = testName(name)
		}
		if role := capture.FileRole(name, nil); (role == "test") != c.want {
			t.Errorf("%s opened as %s: server's role %q, persona's test %v", c.file, name, role, c.want)
		}
	}
}
