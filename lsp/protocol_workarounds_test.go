package lsp

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unsafe"

	"go.lsp.dev/protocol"
)

// The protocol workarounds of protocol_workarounds.go were last checked
// against protocolChecked. These tests run the protocol decoder alone (no
// Server) and show that each defect is still there; they fail once upstream
// behaves — then delete the workaround the message names — or once go.mod
// moves to another version, so that a bump re-checks them. The server-level
// tests named in the file's header keep checking that our fixes work.

func TestProtocolVersionIsTheCheckedOne(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "go.lsp.dev/protocol " + protocolChecked
	if !strings.Contains(string(gomod), want+"\n") {
		t.Fatalf("go.mod no longer requires %s: check each workaround in lsp/protocol_workarounds.go against the new version (its tests say which still apply), then update protocolChecked", want)
	}
}

// A didChange whose change has a malformed range decodes without an error,
// as a replacement of the whole document. Workaround: decodeDidChange.
func TestUpstreamReadsABadRangeAsAWholeDocumentChange(t *testing.T) {
	for _, r := range []string{
		`{"start":{"line":-1,"character":0},"end":{"line":0,"character":0}}`,
		`{"start":{"line":0,"character":0},"end":{"line":"one","character":0}}`,
	} {
		t.Run(r, func(t *testing.T) {
			params := `{"textDocument":{"uri":"file:///a.go","version":2},"contentChanges":[{"range":` + r + `,"text":"x"}]}`
			var p protocol.DidChangeTextDocumentParams
			err := protocol.Unmarshal([]byte(params), &p)
			if err != nil || len(p.ContentChanges) != 1 {
				t.Fatalf("protocol %s refuses a change with range %s (%v, %d changes): decodeDidChange may go back to decode with protocol.DidChangeTextDocumentParams", protocolChecked, r, err, len(p.ContentChanges))
			}
			whole, ok := p.ContentChanges[0].(*protocol.TextDocumentContentChangeWholeDocument)
			if !ok {
				t.Fatalf("protocol %s decodes a change with range %s as %T, not a whole-document change: decodeDidChange may go back to decode with protocol.DidChangeTextDocumentParams", protocolChecked, r, p.ContentChanges[0])
			}
			if whole.Text != "x" {
				t.Fatalf("whole-document change with text %q, want the edit's text", whole.Text)
			}
			// Our decoding refuses it.
			if _, err := decodeDidChange([]byte(params)); err == nil {
				t.Errorf("decodeDidChange accepts a change with range %s", r)
			}
		})
	}
}

// Unmarshal into a union slice keeps strings that point into its input:
// overwriting the input afterwards changes the decoded titles and commands.
// Workaround: internal/lspclient's codec.Unmarshal decodes from a copy.
func TestUpstreamUnionResultsAliasTheInput(t *testing.T) {
	in := []byte(`[{"title":"extract","command":"syntx.accept"},{"title":"inline","kind":"quickfix"}]`)
	var res []protocol.CommandOrCodeAction
	if err := protocol.Unmarshal(in, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("decoded %d results, want 2", len(res))
	}
	copy(in, bytes.Repeat([]byte("#"), len(in))) // jsonrpc2 reading the next message
	cmd, ok1 := res[0].(*protocol.Command)
	act, ok2 := res[1].(*protocol.CodeAction)
	if !ok1 || !ok2 {
		t.Fatalf("decoded %T and %T, want a Command and a CodeAction", res[0], res[1])
	}
	if cmd.Title == "extract" && cmd.Command == "syntx.accept" && act.Title == "inline" {
		t.Fatalf("protocol %s no longer keeps pointers into the input of a union slice: internal/lspclient's codec.Unmarshal may decode without copying", protocolChecked)
	}
	t.Logf("after the input was overwritten: %q %q %q", cmd.Title, cmd.Command, act.Title)
}

// Unmarshal decodes strings as views of one copy of the whole message: a
// didOpen's URI points into the same allocation as its text, so keeping
// the URI keeps the text. Workaround: owned.
func TestUpstreamDecodedStringsKeepTheMessage(t *testing.T) {
	text := strings.Repeat("x", 64<<10)
	msg := `{"textDocument":{"uri":"file:///a.go","languageId":"go","version":1,"text":"` + text + `"}}`
	var p protocol.DidOpenTextDocumentParams
	if err := protocol.Unmarshal([]byte(msg), &p); err != nil {
		t.Fatal(err)
	}
	if p.TextDocument.Text != text || p.TextDocument.URI != "file:///a.go" {
		t.Fatalf("decoded %q and %d bytes of text", p.TextDocument.URI, len(p.TextDocument.Text))
	}
	// The URI comes before the text in the message: inside the copy, it
	// starts less than a message's length before the text.
	textAt := uintptr(unsafe.Pointer(unsafe.StringData(p.TextDocument.Text)))
	for _, s := range []string{string(p.TextDocument.URI), string(p.TextDocument.LanguageID)} {
		at := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		if at >= textAt || textAt-at > uintptr(len(msg)) {
			t.Fatalf("protocol %s no longer decodes %q as a view of the message: lsp's owned copies may go (didOpen, codeAction)", protocolChecked, s)
		}
	}
	// Ours does not keep it.
	if u := owned(p.TextDocument.URI); unsafe.StringData(string(u)) == unsafe.StringData(string(p.TextDocument.URI)) {
		t.Error("owned returned the decoded string itself")
	}
}
