package rulecheck

import (
	"reflect"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/syntax"
)

func TestNewDiags(t *testing.T) {
	t.Parallel()
	d := func(file string, line int, msg string) Diag {
		return Diag{File: file, Line: line, Source: "tsc", Msg: msg}
	}
	tests := []struct {
		name          string
		before, after []Diag
		want          []Diag
	}{
		{"none", nil, nil, nil},
		{"same message moved by the fix", []Diag{d("a.ts", 3, "x")}, []Diag{d("a.ts", 5, "x")}, nil},
		{"new message", []Diag{d("a.ts", 3, "x")}, []Diag{d("a.ts", 3, "x"), d("a.ts", 9, "y")}, []Diag{d("a.ts", 9, "y")}},
		{"one more of a repeated message", []Diag{d("a.ts", 1, "x")}, []Diag{d("a.ts", 1, "x"), d("a.ts", 2, "x")}, []Diag{d("a.ts", 2, "x")}},
		{"a fix that removes a diagnostic", []Diag{d("a.ts", 1, "x"), d("a.ts", 2, "y")}, []Diag{d("a.ts", 2, "y")}, nil},
		{"the same message in another file", []Diag{d("a.ts", 1, "x")}, []Diag{d("b.ts", 1, "x")}, []Diag{d("b.ts", 1, "x")}},
		{"positions inside messages do not count",
			[]Diag{d("a.go", 4, "x redeclared in this block\nother declaration of x at a.go:2:6")},
			[]Diag{d("a.go", 5, "x redeclared in this block\nother declaration of x at a.go:3:6")}, nil},
		{"pyflakes line references do not count",
			[]Diag{d("m.py", 9, "redefinition of unused 'os' from line 1")},
			[]Diag{d("m.py", 10, "redefinition of unused 'os' from line 2")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := newDiags(tc.before, tc.after); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("newDiags = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseVet(t *testing.T) {
	t.Parallel()
	out := "# encoding/xml [encoding/xml.test]\n" +
		"encoding/xml/read.go:234:15: d.Token undefined (type *Decoder has no field or method Token)\n" +
		"/tmp/x/7/xml.go:236:14: impossible type assertion: t.(*Decoder)\n" +
		"\t*Decoder does not implement TokenReader (missing method Token)\n" +
		"vet: encoding/xml/xml.go:10:2: \"os\" imported and not used\n" +
		// go vet replays a cached finding with the overlay file of the
		// check that first produced it.
		"/tmp/syntx-rulecheck-go-3816512859/20/xml.go:1505:21: call of reflect.ValueOf copies lock value: /tmp/syntx-rulecheck-go-3816512859/20/xml.go:9 holds it\n" +
		"go: updates to go.mod needed\n"
	got := parseVet(out, "/goroot/src", map[string]string{"/tmp/x/7/xml.go": "/goroot/src/encoding/xml/xml.go"})
	want := []Diag{
		{File: "encoding/xml/read.go", Line: 234, Source: "go vet", Msg: "d.Token undefined (type *Decoder has no field or method Token)"},
		{File: "encoding/xml/xml.go", Line: 236, Source: "go vet", Msg: "impossible type assertion: t.(*Decoder)\n*Decoder does not implement TokenReader (missing method Token)"},
		{File: "encoding/xml/xml.go", Line: 10, Source: "go vet", Msg: "\"os\" imported and not used"},
		{File: "encoding/xml/xml.go", Line: 1505, Source: "go vet", Msg: "call of reflect.ValueOf copies lock value: /goroot/src/encoding/xml/xml.go:9 holds it"},
		{Source: "go vet", Msg: "go: updates to go.mod needed"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseVet:\n got %#v\nwant %#v", got, want)
	}
}

func TestEditsOfAndRegion(t *testing.T) {
	t.Parallel()
	src := []byte("package p\n\nfunc f() { é := 1; _ = é }\n")
	text := syntax.NewText(src)
	u := "file:///w/p.go"
	we := &protocol.WorkspaceEdit{DocumentChanges: []protocol.DocumentChange{&protocol.TextDocumentEdit{
		TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri.URI(u)}},
		Edits: []protocol.TextDocumentEditElement{
			// utf-8 positions: "é" is two bytes.
			&protocol.TextEdit{Range: protocol.Range{Start: protocol.Position{Line: 2, Character: 24}, End: protocol.Position{Line: 2, Character: 26}}, NewText: "e"},
			&protocol.TextEdit{Range: protocol.Range{Start: protocol.Position{Line: 2, Character: 11}, End: protocol.Position{Line: 2, Character: 13}}, NewText: "e"},
			&protocol.TextEdit{Range: protocol.Range{Start: protocol.Position{Line: 1, Character: 0}, End: protocol.Position{Line: 1, Character: 0}}, NewText: "import \"os\"\n"},
		},
	}}}
	edits, err := editsOf(we, u, text)
	if err != nil {
		t.Fatal(err)
	}
	if edits[0].Start != 10 || edits[1].Start != 22 || edits[2].Start != 35 {
		t.Fatalf("edits not sorted by byte offset: %+v", edits)
	}
	fixed := applyEdits(src, edits)
	if want := "package p\nimport \"os\"\n\nfunc f() { e := 1; _ = e }\n"; string(fixed) != want {
		t.Errorf("applyEdits = %q, want %q", fixed, want)
	}
	// The region shown for the fix leaves out the import far from the site.
	before, after := region(src, edits, [2]int{22, 37})
	if before != "é := 1; _ = é" || after != "e := 1; _ = e" {
		t.Errorf("region = %q → %q", before, after)
	}
	if _, err := editsOf(we, "file:///w/other.go", text); err == nil {
		t.Error("an edit of another document was accepted")
	}
	overlap := &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{uri.URI(u): {
		{Range: protocol.Range{Start: protocol.Position{Line: 0, Character: 0}, End: protocol.Position{Line: 0, Character: 5}}},
		{Range: protocol.Range{Start: protocol.Position{Line: 0, Character: 3}, End: protocol.Position{Line: 0, Character: 7}}},
	}}}
	if _, err := editsOf(overlap, u, text); err == nil {
		t.Error("overlapping edits were accepted")
	}
}
