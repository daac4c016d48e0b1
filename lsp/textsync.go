package lsp

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/syntax"
)

// The text synchronisation notifications are decoded on the read loop and
// applied in the document's queue (see queues), in wire order.

func (s *Server) didOpen(ctx context.Context, params []byte) (any, error) {
	var p protocol.DidOpenTextDocumentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	// The document keeps these; the text it copies.
	p.TextDocument.URI, p.TextDocument.LanguageID = owned(p.TextDocument.URI), owned(p.TextDocument.LanguageID)
	key, _ := normURI(string(p.TextDocument.URI))
	s.queues.run(key, func() { s.open(context.Background(), &p) })
	return nil, nil
}

func (s *Server) open(ctx context.Context, p *protocol.DidOpenTextDocumentParams) {
	key, path := normURI(string(p.TextDocument.URI))
	doc := &document{
		uri:        string(p.TextDocument.URI),
		key:        key,
		path:       path,
		languageID: string(p.TextDocument.LanguageID),
		version:    p.TextDocument.Version,
		text:       syntax.NewText([]byte(p.TextDocument.Text)),
		openedAt:   s.now(),
	}
	cfg := s.config()
	s.active()
	doc.ready = func(d *document) {
		s.used(d)
		s.analysed(d.key)
	}
	doc.starting = s.exe.request
	doc.shared.Store(doc.text)
	doc.mu.Lock()
	if _, quiet := doc.precheck(cfg.Limits.MaxDocumentBytes); quiet == "" {
		// Parsed when first used (a request, an edit), in the background
		// when large: an editor opens many files it never asks about, and
		// a tree costs some 35 times its text (see memory.go).
		doc.dormant = true
	} else {
		doc.analyse(ctx, s.library(), cfg.Limits.MaxDocumentBytes)
	}
	quiet := doc.quiet
	doc.mu.Unlock()
	if old := s.docs.put(key, doc); old != nil {
		s.log.Warn("didOpen for a document that is already open; replacing it", "uri", doc.uri)
		old.mu.Lock()
		old.close()
		old.mu.Unlock()
		s.trees.forget(key)
	}
	doc.mu.Lock()
	s.used(doc)
	doc.mu.Unlock()
	s.trees.churned(doc.text.Len())
	if quiet != "" {
		s.log.Info("document tracked as text only", "uri", doc.uri, "reason", quiet)
	}
	s.scheduleDiagnostics(key)
	s.siblingsChanged(key, doc.path)
}

func (s *Server) didChange(ctx context.Context, params []byte) (any, error) {
	// Not protocol's decoder: see protocol_workarounds.go.
	p, err := decodeDidChange(params)
	if err != nil {
		return nil, err
	}
	key, _ := normURI(p.TextDocument.URI)
	s.queues.run(key, func() { s.change(context.Background(), key, p) })
	return nil, nil
}

func (s *Server) change(ctx context.Context, key string, p *didChangeParams) {
	doc := s.docs.get(key)
	if doc == nil {
		s.log.Warn("didChange for a document that is not open; ignored", "uri", p.TextDocument.URI)
		return
	}
	enc := s.encoding()
	cfg := s.config()
	doc.mu.Lock()
	defer doc.mu.Unlock()
	if len(p.ContentChanges) == 0 {
		// Neovim sends these, with a repeated version; nothing changes.
		if p.TextDocument.Version > doc.version {
			doc.version = p.TextDocument.Version
		}
		return
	}
	if p.TextDocument.Version <= doc.version {
		// The client's text is authoritative and changes arrive in order, so
		// the change is applied; a version that does not increase is a client
		// bug worth a log line.
		s.log.Warn("didChange version does not increase; applied anyway", "uri", doc.uri, "version", p.TextDocument.Version, "previous", doc.version)
	}
	doc.version = p.TextDocument.Version
	if s.applyChanges(key, doc, p, enc) {
		s.log.Debug("didChange range clamped to the document", "uri", doc.uri)
	}
	now := s.now()
	s.lastActive.Store(now.UnixNano())
	s.holdTeamSync()
	s.pauseIdleTraining()
	if s.tracker != nil {
		s.recordOutcomes(s.tracker.Settle(key, doc.text, now), false)
	}
	s.reanalyse(ctx, doc, cfg)
	s.refreshWhenIdle(key, doc)
	s.used(doc)
	s.scheduleDiagnostics(key)
	s.siblingsChanged(key, doc.path)
}

// applyChanges applies a didChange's content changes to doc's text in
// order, telling the diagnostics and the outcome tracker, and shifts the
// tree and the matches (or records the edits for a background analysis);
// it reports whether a range was clamped to the text. Call with doc.mu held.
func (s *Server) applyChanges(key string, doc *document, p *didChangeParams, enc syntax.Encoding) (clamped bool) {
	for _, ch := range p.ContentChanges {
		start, end, text := 0, doc.text.Len(), *ch.Text
		if r := ch.Range; r != nil {
			var c1, c2 bool
			start, c1 = doc.text.Offset(syntax.Position{Line: r.Start.Line, Character: r.Start.Character}, enc)
			end, c2 = doc.text.Offset(syntax.Position{Line: r.End.Line, Character: r.End.Character}, enc)
			clamped = clamped || c1 || c2
		}
		if start > end {
			start, end = end, start
		}
		if r := ch.Range; r != nil {
			s.diagEdited(key, min(r.Start.Line, r.End.Line), max(r.Start.Line, r.End.Line))
		}
		if s.tracker != nil {
			s.tracker.Edit(key, doc.text, start, end, []byte(text))
		}
		var e syntax.Edit
		doc.text, e = doc.text.Replace(start, end, []byte(text))
		doc.shared.Store(doc.text)
		doc.gen++
		doc.migCache = nil // built from the text before: its memory goes now
		if doc.tree != nil {
			doc.tree.Edit(e)
			doc.index.Edit(e)
			doc.migs.Edit(e)
		} else {
			doc.recordEdit(e)
		}
	}
	return clamped
}

// reanalyse brings doc's tree and matches up to date after its text
// changed: an incremental reparse and re-match, or an analysis from
// scratch when that fails, when the document grew past
// limits.max_document_bytes or when a text-only document may now be
// analysed. Call with doc.mu held.
func (s *Server) reanalyse(ctx context.Context, doc *document, cfg config.Config) {
	switch {
	case doc.tree == nil && (doc.analysing || doc.failed):
		// A background analysis replays the edits when it ends; one that
		// failed (a parse timeout, a tree too deep) is not retried on every
		// keystroke, which would stall each one for the parse timeout.
	case doc.tree == nil && syntax.Detect(doc.languageID, doc.path) != "":
		// Text only because it was too big or binary: maybe no longer.
		if doc.text.Len() <= cfg.Limits.MaxDocumentBytes && doc.text.IndexByte(0, doc.text.Len(), 0) < 0 {
			doc.analyse(ctx, s.library(), cfg.Limits.MaxDocumentBytes)
		}
	case doc.tree != nil:
		if doc.text.Len() > cfg.Limits.MaxDocumentBytes {
			doc.analyse(ctx, s.library(), cfg.Limits.MaxDocumentBytes) // records why it is quiet now
			return
		}
		changed, err := doc.tree.Reparse(ctx, doc.text)
		if err != nil {
			s.log.Warn("reparse failed; reparsing from scratch", "uri", doc.uri, "err", err)
			doc.analyse(ctx, s.library(), cfg.Limits.MaxDocumentBytes)
			return
		}
		doc.index.Refresh(doc.tree, doc.text, changed)
		if doc.migs.Postpone(changed) {
			// Edits in many places: matched now, once, rather than moved
			// by every keystroke until asked for.
			doc.migs.Refresh(doc.tree, doc.text, nil)
		}
	}
}

func (s *Server) didSave(ctx context.Context, params []byte) (any, error) {
	var p protocol.DidSaveTextDocumentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	key, _ := normURI(string(p.TextDocument.URI))
	s.queues.run(key, func() {
		doc := s.docs.get(key)
		if doc == nil {
			s.log.Warn("didSave for a document that is not open", "uri", p.TextDocument.URI)
			return
		}
		if s.tracker != nil {
			doc.mu.Lock()
			outs := s.tracker.Saved(key, doc.text.Bytes(), s.now())
			doc.mu.Unlock()
			s.recordOutcomes(outs, false)
		}
	})
	return nil, nil
}

func (s *Server) didClose(ctx context.Context, params []byte) (any, error) {
	var p protocol.DidCloseTextDocumentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	key, _ := normURI(string(p.TextDocument.URI))
	s.queues.run(key, func() {
		doc := s.docs.remove(key)
		if doc == nil {
			s.log.Warn("didClose for a document that is not open", "uri", p.TextDocument.URI)
			return
		}
		doc.mu.Lock()
		var outs []capture.Outcome
		if s.tracker != nil {
			outs = s.tracker.Closed(key, doc.text.Bytes(), s.now())
		}
		n := doc.text.Len()
		doc.close()
		doc.mu.Unlock()
		s.trees.forget(key)
		s.trees.churned(n)
		s.recordOutcomes(outs, false)
		s.clearDiagnostics(key, doc.uri)
		s.siblingsChanged(key, doc.path) // its file on the disk counts again
	})
	return nil, nil
}
