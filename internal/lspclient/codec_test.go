package lspclient

import (
	"bytes"
	"testing"

	"go.lsp.dev/protocol"
)

// The codec decodes a union result from a copy of jsonrpc2's read buffer,
// which the next message overwrites (a go.lsp.dev/protocol workaround; see
// lsp/protocol_workarounds.go, whose test shows the defect itself).
func TestCodecDecodesUnionResultsFromACopy(t *testing.T) {
	data := []byte(`[{"title":"extract","command":"syntx.accept"},{"title":"inline","kind":"quickfix"}]`)
	var res []protocol.CommandOrCodeAction
	if err := (codec{}).Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	copy(data, bytes.Repeat([]byte("#"), len(data))) // the next message
	if len(res) != 2 {
		t.Fatalf("decoded %d results, want 2", len(res))
	}
	cmd, ok1 := res[0].(*protocol.Command)
	act, ok2 := res[1].(*protocol.CodeAction)
	if !ok1 || !ok2 {
		t.Fatalf("decoded %T and %T, want a Command and a CodeAction", res[0], res[1])
	}
	if cmd.Title != "extract" || cmd.Command != "syntx.accept" || act.Title != "inline" {
		t.Fatalf("decoded results changed with the read buffer: %q %q %q", cmd.Title, cmd.Command, act.Title)
	}
}
