package lsp

import (
	"context"
	"encoding/json"
	"fmt"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// codeAction/resolve: a file's source action (a migration) rewrites every
// safe site of its rule, 13,602 in a bundle of 86,000 lines, and its edit
// is most of a megabyte of JSON. A menu opened on a line lists it, and
// the developer rarely picks it, so to a client that resolves code actions
// (clientCaps.resolveEdit: VS Code, Neovim, LSP4IJ) it comes without its
// edit, which that client asks for here once the developer picks it. The
// edit is the one the action would have carried: the offer's, in the
// text it was made in. When the document has changed since, the answer
// is ContentModified and the client asks for code actions again.

// codeContentModified is LSP's ContentModified: the document changed
// since the action was offered.
const codeContentModified = -32801

func (s *Server) resolveCodeAction(ctx context.Context, params []byte) (any, error) {
	var a protocol.CodeAction
	if err := decode(params, &a); err != nil {
		return nil, err
	}
	if a.Edit != nil {
		return &a, nil // nothing was left out
	}
	var d suggestionData
	if len(a.Data) == 0 || json.Unmarshal(a.Data, &d) != nil || d.SuggestionID == "" {
		return nil, invalidParams("codeAction/resolve: %q is not a SyntX suggestion (its data names no suggestionId)", a.Title)
	}
	of := s.offers.get(d.SuggestionID)
	if of == nil {
		why := "it is no longer remembered (an earlier session, or thousands of suggestions ago)"
		if s.offers.wasForgotten(d.SuggestionID) {
			why = "syntx forget ran after it was offered"
		}
		return nil, jsonrpc2.NewError(codeRequestFailed, fmt.Sprintf("codeAction/resolve: suggestion %q cannot be resolved: %s; ask for code actions again", d.SuggestionID, why))
	}
	s.mu.RLock()
	docChanges, enc := s.clientCap.documentChanges, s.enc
	s.mu.RUnlock()
	cfg := s.config()
	timeout := cfg.Limits.RequestTimeout.D()
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()
	// In the document's queue: after the edits the client sent before
	// asking, which the answer must see.
	done := make(chan []protocol.TextEdit, 1)
	s.queues.run(of.DocKey, func() {
		doc := s.docs.get(of.DocKey)
		if doc == nil {
			done <- nil
			return
		}
		doc.mu.Lock()
		defer doc.mu.Unlock()
		if text := of.text.Value(); text == nil || text != doc.text {
			done <- nil
			return
		}
		done <- lspEdits(make([]protocol.TextEdit, 0, len(of.Edits)), doc.text, enc, of.Edits)
	})
	jsonrpc2.Async(ctx)
	select {
	case edits := <-done:
		if edits == nil {
			return nil, jsonrpc2.NewError(codeContentModified, fmt.Sprintf("codeAction/resolve: %s changed since %q was offered; ask for code actions again", of.URI, a.Title))
		}
		a.Edit = workspaceEdit(of.URI, of.Version, docChanges, edits)
		return &a, nil
	case <-ctx.Done():
		return nil, requestEnded(ctx, "codeAction/resolve", timeout)
	}
}
