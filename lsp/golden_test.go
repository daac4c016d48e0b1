package lsp

import (
	"bytes"
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"golang.org/x/tools/txtar"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/syntax"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// cursor marks the cursor in a golden file's source.
const cursor = "‸"

// TestGolden opens each testdata/golden/*.txtar source in the real server,
// asks for code actions at the cursor (‸), applies each, and compares the
// result with the section named after the action's rule. -update rewrites
// the sections.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	defer cancel()
	a, b := net.Pipe()
	s := NewServer(Options{})
	go s.Serve(ctx, a)
	c := lspclient.New(ctx, b)
	defer c.Close()
	if _, err := c.Initialize(ctx, "", false, nil); err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ar := txtar.Parse(data)
		if len(ar.Files) == 0 {
			t.Fatalf("%s: no source section", file)
		}
		src := ar.Files[0]
		at := strings.Index(string(src.Data), cursor)
		if at < 0 {
			t.Fatalf("%s: no cursor %s in %s", file, cursor, src.Name)
		}
		text := strings.Replace(string(src.Data), cursor, "", 1)
		g := syntax.Detect("", src.Name)
		uri := "file:///golden/" + filepath.Base(file) + "/" + src.Name
		if err := c.Open(ctx, uri, g.LanguageID(src.Name), text); err != nil {
			t.Fatal(err)
		}
		acts, err := suggestions(c.CodeActions(ctx, uri, at, at, protocol.CodeActionTriggerKindInvoked))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, act := range acts {
			var rule string
			_ = jsonField(act.Data, "ruleId", &rule)
			got[rule] = applyEdit(t, text, act)
		}
		if *update {
			out := &txtar.Archive{Comment: ar.Comment, Files: []txtar.File{src}}
			rules := make([]string, 0, len(got))
			for r := range got {
				rules = append(rules, r)
			}
			sort.Strings(rules)
			for _, r := range rules {
				out.Files = append(out.Files, txtar.File{Name: r, Data: []byte(got[r])})
			}
			if err := os.WriteFile(file, txtar.Format(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want := map[string]string{}
		for _, sec := range ar.Files[1:] {
			want[sec.Name] = string(sec.Data)
		}
		for r, w := range want {
			g, ok := got[r]
			switch {
			case !ok:
				t.Errorf("%s: no %s action at the cursor", file, r)
			case g != w:
				t.Errorf("%s: %s gave\n%s\nwant\n%s", file, r, g, w)
			}
		}
		for r := range got {
			if _, ok := want[r]; !ok {
				t.Errorf("%s: unexpected %s action at the cursor (run with -update if it is right)", file, r)
			}
		}
	}
}

// applyEdit applies an action's edit to text the way a client does.
func applyEdit(t *testing.T, text string, a *protocol.CodeAction) string {
	t.Helper()
	tx := syntax.NewText([]byte(text))
	tde := a.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, el := range tde.Edits {
		te := el.(*protocol.TextEdit)
		s, _ := tx.Offset(syntax.Position{Line: te.Range.Start.Line, Character: te.Range.Start.Character}, syntax.UTF16)
		e, _ := tx.Offset(syntax.Position{Line: te.Range.End.Line, Character: te.Range.End.Character}, syntax.UTF16)
		edits = append(edits, edit{s, e, te.NewText})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	out := []byte(text)
	for _, e := range edits {
		out = append(out[:e.start:e.start], append([]byte(e.text), out[e.end:]...)...)
	}
	return string(bytes.Clone(out))
}
