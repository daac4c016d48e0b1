package lsp

import (
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
)

// pyEvalSrc has eval far below the imports: python.eval-literal rewrites the
// call and adds `import ast` at the top, a fix of two parts with a long
// stretch of code between them.
var pyEvalSrc = "import os\n\n\ndef read_limits(path):\n    with open(path) as fh:\n        text = fh.read()\n" +
	strings.Repeat("    # the limits file is a Python literal written by the installer\n", 200) +
	"    return eval(text)\n"

// commonEnds returns the length of the common prefix of a and b, and of
// their common suffix not overlapping it.
func commonEnds(a, b string) (int, int) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return p, s
}

// TestMultiPartFixUndoShapes (issue 17, found on real code): the undo of a
// fix of two parts far apart (an import added at the top, a call rewritten
// below) is recorded as undone however the editor sends it — one change
// over both parts with the code between them as it was (the smallest single
// change, a Neovim-style range of whole lines, the whole document), or one
// change per part in either order, or a minimal diff that takes a
// character of its neighbour — and a developer's version is never the text
// between the parts.
func TestMultiPartFixUndoShapes(t *testing.T) {
	t.Parallel()
	type shape func(fixed, orig string) [][]lspclient.Edit // changes, sent in order
	one := func(e lspclient.Edit) [][]lspclient.Edit { return [][]lspclient.Edit{{e}} }
	minimal := func(fixed, orig string) [][]lspclient.Edit {
		p, s := commonEnds(fixed, orig)
		return one(lspclient.Edit{Start: p, End: len(fixed) - s, Text: orig[p : len(orig)-s]})
	}
	lines := func(fixed, orig string) [][]lspclient.Edit {
		p, s := commonEnds(fixed, orig)
		ls := strings.LastIndexByte(fixed[:p], '\n') + 1
		le := len(fixed) - s
		if i := strings.IndexByte(fixed[le:], '\n'); i >= 0 {
			le += i + 1
		}
		tail := len(fixed) - le
		return one(lspclient.Edit{Start: ls, End: le, Text: orig[ls : len(orig)-tail]})
	}
	whole := func(fixed, orig string) [][]lspclient.Edit {
		return one(lspclient.Edit{Start: 0, End: len(fixed), Text: orig})
	}
	importPart := func(fixed string, rotate int) lspclient.Edit {
		i := strings.Index(fixed, "import ast\n") - rotate
		return lspclient.Edit{Start: i, End: i + len("import ast\n"), Text: ""}
	}
	callPart := func(fixed string) lspclient.Edit {
		i := strings.Index(fixed, "ast.literal_eval(text)")
		return lspclient.Edit{Start: i, End: i + len("ast.literal_eval(text)"), Text: "eval(text)"}
	}
	for _, c := range []struct {
		name  string
		undo  shape
		want  store.Outcome
		final string // in the developer's version, for edited
	}{
		{"one minimal change over both parts", minimal, store.Undone, ""},
		{"one change of whole lines over both parts (Neovim)", lines, store.Undone, ""},
		{"the whole document", whole, store.Undone, ""},
		{"one change per part, import first", func(fixed, _ string) [][]lspclient.Edit {
			f := fixed
			ie := importPart(f, 0)
			f = f[:ie.Start] + f[ie.End:]
			return [][]lspclient.Edit{{ie}, {callPart(f)}}
		}, store.Undone, ""},
		{"one change per part, call first", func(fixed, _ string) [][]lspclient.Edit {
			return [][]lspclient.Edit{{callPart(fixed)}, {importPart(fixed, 0)}}
		}, store.Undone, ""},
		{"both parts in one didChange (VS Code undo)", func(fixed, _ string) [][]lspclient.Edit {
			return [][]lspclient.Edit{{callPart(fixed), importPart(fixed, 0)}}
		}, store.Undone, ""},
		{"the import's removal taking its neighbour's newline", func(fixed, _ string) [][]lspclient.Edit {
			return [][]lspclient.Edit{{callPart(fixed)}, {importPart(fixed, 1)}}
		}, store.Undone, ""},
		{"one change over both parts, the call written otherwise", func(fixed, orig string) [][]lspclient.Edit {
			return minimal(fixed, strings.Replace(orig, "eval(text)", "json.loads(text)", 1))
		}, store.Edited, "json.loads(text)"},
		{"one change over both parts, a comment between them retyped", func(fixed, orig string) [][]lspclient.Edit {
			mid := strings.Index(orig, "installer") + len(orig)/4
			return minimal(fixed, orig[:mid]+strings.Replace(orig[mid:], "installer", "setup script", 1))
		}, store.Undone, ""},
		// The code right next to the call changed too: the change cannot
		// be mapped onto the places; it is an edit, and the developer's
		// version is the first and last lines it covers, not all between.
		{"one change over both parts, the statement around the call changed", func(fixed, orig string) [][]lspclient.Edit {
			return minimal(fixed, strings.Replace(orig, "return eval(text)", "yield eval(text)", 1))
		}, store.Edited, "yield eval(text)"},
		{"nothing", func(string, string) [][]lspclient.Edit { return nil }, store.Kept, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := startCapture(t)
			uri := "file:///w/limits.py"
			h.acceptIn(uri, pyEvalSrc, "eval(text)", "python.eval-literal")
			fixed := h.c.Doc(uri).Text
			if !strings.Contains(fixed, "import ast\n") || !strings.Contains(fixed, "ast.literal_eval(text)") {
				t.Fatalf("the fix is not of two parts:\n%.200s", fixed)
			}
			for _, ch := range c.undo(fixed, pyEvalSrc) {
				if err := h.c.Change(ctx(t), uri, ch...); err != nil {
					t.Fatal(err)
				}
			}
			if got := h.c.Doc(uri).Text; c.want == store.Undone && (!strings.Contains(got, "return eval(text)") || strings.Contains(got, "import ast")) {
				t.Fatalf("the test's undo did not restore the original:\n%s", h.c.Doc(uri).Text)
			}
			h.settle(c.want)
			h.wantOnly(c.want, c.name)
			if c.want != store.Edited {
				return
			}
			var dev string
			for _, p := range prefs(t, h.db()) {
				if p.Chosen.Role == store.RoleDeveloper {
					dev = p.Chosen.Text
				}
			}
			if !strings.Contains(dev, c.final) || strings.Contains(dev, "installer") || len(dev) > 200 {
				t.Fatalf("developer's version (%d bytes) %.300q: want the rewritten part only, holding %q", len(dev), dev, c.final)
			}
		})
	}
}
