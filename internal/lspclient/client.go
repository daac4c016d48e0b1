// Package lspclient is a small LSP client used to drive a SyntX server: by
// the integration tests, `syntx demo` and the learning benchmark. It speaks
// through a real go.lsp.dev/jsonrpc2 connection, keeps its own copy of each
// open document, and applies code-action edits the way an editor does: the
// edit first (as a didChange), then the action's command.
package lspclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/syntax"
)

// Notification is a message the server sent without expecting an answer.
type Notification struct {
	Method string
	Params json.RawMessage
}

// Client is a connection to a language server.
type Client struct {
	conn jsonrpc2.Conn
	enc  syntax.Encoding
	// resolves: the server resolves code actions (codeAction/resolve), and
	// Apply asks it for an edit an action came without, as editors do.
	resolves bool
	// Capabilities, when set before Initialize, adjusts the capabilities
	// the client announces (for behaviour that depends on them, such as
	// pull diagnostics).
	Capabilities func(*protocol.ClientCapabilities)

	mu     sync.Mutex
	docs   map[string]*Doc
	notes  []Notification
	waitCh chan struct{} // closed and replaced on every notification
}

// Doc is the client's copy of an open document.
type Doc struct {
	URI        string
	LanguageID string
	Version    int32
	Text       string
}

type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	if m, ok := v.(jsonrpc2.RawMessage); ok {
		return m, nil
	}
	return protocol.Marshal(v)
}

func (codec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append(jsonrpc2.RawMessage(nil), data...)
		return nil
	}
	// data borrows jsonrpc2's read buffer, and the protocol decoder keeps
	// strings that point into its input (union results such as
	// []CommandOrCodeAction): decode from a copy. A workaround for
	// go.lsp.dev/protocol, described and tested with the others in
	// lsp/protocol_workarounds.go.
	return protocol.Unmarshal(bytes.Clone(data), v)
}

// New starts a client over rwc (the server's stdio, or one end of a pipe).
func New(ctx context.Context, rwc io.ReadWriteCloser) *Client {
	c := &Client{docs: map[string]*Doc{}, waitCh: make(chan struct{})}
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(rwc), jsonrpc2.WithCodec(codec{}))
	c.conn.Go(ctx, c.handle)
	return c
}

func (c *Client) handle(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	// The method and params borrow jsonrpc2's read buffer: copy them.
	method := strings.Clone(req.Method())
	params := json.RawMessage(append([]byte(nil), req.Params()...))
	c.mu.Lock()
	c.notes = append(c.notes, Notification{Method: method, Params: params})
	close(c.waitCh)
	c.waitCh = make(chan struct{})
	c.mu.Unlock()
	if !req.IsCall() {
		return nil, nil
	}
	switch method {
	case "window/workDoneProgress/create", "client/registerCapability", "client/unregisterCapability":
		return nil, nil
	case "workspace/configuration":
		return []any{}, nil
	}
	return nil, jsonrpc2.NewError(jsonrpc2.ErrMethodNotFound.Code, "client does not handle "+method)
}

// Conn returns the underlying connection, for raw calls.
func (c *Client) Conn() jsonrpc2.Conn { return c.conn }

// Call sends a request and decodes its result.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

// Notify sends a notification.
func (c *Client) Notify(ctx context.Context, method string, params any) error {
	return c.conn.Notify(ctx, method, params)
}

// Notifications returns what the server has sent so far.
func (c *Client) Notifications() []Notification {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Notification(nil), c.notes...)
}

// WaitFor blocks until a server message satisfies match, or ctx ends.
func (c *Client) WaitFor(ctx context.Context, match func(Notification) bool) (Notification, error) {
	seen := 0
	for {
		c.mu.Lock()
		notes, ch := c.notes, c.waitCh
		c.mu.Unlock()
		for ; seen < len(notes); seen++ {
			if match(notes[seen]) {
				return notes[seen], nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Notification{}, ctx.Err()
		}
	}
}

// Initialize performs initialize and initialized. utf8 offers the utf-8
// position encoding; initOptions is sent as initializationOptions.
func (c *Client) Initialize(ctx context.Context, rootDir string, utf8 bool, initOptions any) (*protocol.InitializeResult, error) {
	yes := true
	p := protocol.InitializeParams{
		ClientInfo: protocol.ClientInfo{Name: "syntx-lspclient"},
		Capabilities: protocol.ClientCapabilities{
			Workspace: &protocol.WorkspaceClientCapabilities{
				WorkspaceEdit: &protocol.WorkspaceEditClientCapabilities{DocumentChanges: &yes},
			},
			Window: &protocol.WindowClientCapabilities{WorkDoneProgress: &yes},
		},
	}
	if utf8 {
		p.Capabilities.General = &protocol.GeneralClientCapabilities{PositionEncodings: []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF8, protocol.PositionEncodingKindUTF16}}
	}
	if c.Capabilities != nil {
		c.Capabilities(&p.Capabilities)
	}
	if rootDir != "" {
		u := uri.File(rootDir)
		//lint:ignore SA1019 rootUri is what most clients still send beside (or instead of) workspaceFolders
		p.RootURI = &u
	}
	if initOptions != nil {
		b, err := json.Marshal(initOptions)
		if err != nil {
			return nil, err
		}
		p.InitializationOptions = jsontext.Value(b)
	}
	var res protocol.InitializeResult
	if err := c.Call(ctx, "initialize", &p, &res); err != nil {
		return nil, err
	}
	if res.Capabilities.PositionEncoding == protocol.PositionEncodingKindUTF8 {
		c.enc = syntax.UTF8
	}
	if o, ok := res.Capabilities.CodeActionProvider.(*protocol.CodeActionOptions); ok && o.ResolveProvider != nil {
		c.resolves = *o.ResolveProvider
	}
	if err := c.Notify(ctx, "initialized", &protocol.InitializedParams{}); err != nil {
		return nil, err
	}
	return &res, nil
}

// Shutdown sends shutdown then exit and waits for the connection to end.
func (c *Client) Shutdown(ctx context.Context) error {
	if err := c.Call(ctx, "shutdown", nil, nil); err != nil {
		return err
	}
	_ = c.Notify(ctx, "exit", nil)
	select {
	case <-c.conn.Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Open sends didOpen.
func (c *Client) Open(ctx context.Context, docURI, languageID, text string) error {
	d := &Doc{URI: docURI, LanguageID: languageID, Version: 1, Text: text}
	c.mu.Lock()
	c.docs[docURI] = d
	c.mu.Unlock()
	return c.Notify(ctx, "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: uri.URI(docURI), LanguageID: protocol.LanguageKind(languageID), Version: 1, Text: text,
	}})
}

// Doc returns the client's copy of a document.
func (c *Client) Doc(docURI string) *Doc {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := *c.docs[docURI]
	return &d
}

// Edit is a change in byte offsets of the client's copy.
type Edit struct {
	Start, End int
	Text       string
}

// Change applies edits (byte offsets into the current text, non-overlapping)
// to the client's copy and sends them as one incremental didChange, with
// positions in the negotiated encoding, last edit first so that each range
// refers to the text as it is when that change applies.
func (c *Client) Change(ctx context.Context, docURI string, edits ...Edit) error {
	c.mu.Lock()
	d := c.docs[docURI]
	if d == nil {
		c.mu.Unlock()
		return fmt.Errorf("lspclient: %s is not open", docURI)
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].Start > edits[j].Start })
	text := syntax.NewText([]byte(d.Text))
	var changes []protocol.TextDocumentContentChangeEvent
	for _, e := range edits {
		if e.Start < 0 || e.End > text.Len() || e.Start > e.End {
			c.mu.Unlock()
			return fmt.Errorf("lspclient: edit %d-%d outside the document (%d bytes)", e.Start, e.End, text.Len())
		}
		sp, ep := text.Position(e.Start, c.enc), text.Position(e.End, c.enc)
		changes = append(changes, &protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{
				Start: protocol.Position{Line: sp.Line, Character: sp.Character},
				End:   protocol.Position{Line: ep.Line, Character: ep.Character},
			},
			Text: e.Text,
		})
		text, _ = text.Replace(e.Start, e.End, []byte(e.Text))
	}
	d.Version++
	d.Text = string(text.Bytes())
	version := d.Version
	c.mu.Unlock()
	return c.Notify(ctx, "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri.URI(docURI)}, Version: version},
		ContentChanges: changes,
	})
}

// ReplaceAll replaces the text with a minimal diff (common prefix and
// suffix kept), as editors re-express changes their own way.
func (c *Client) ReplaceAll(ctx context.Context, docURI, newText string) error {
	d := c.Doc(docURI)
	old := d.Text
	p := 0
	for p < len(old) && p < len(newText) && old[p] == newText[p] {
		p++
	}
	s := 0
	for s < len(old)-p && s < len(newText)-p && old[len(old)-1-s] == newText[len(newText)-1-s] {
		s++
	}
	// Keep the cut on UTF-8 boundaries.
	for p > 0 && p < len(old) && old[p]&0xC0 == 0x80 {
		p--
	}
	for s > 0 && len(old)-s < len(old) && old[len(old)-s]&0xC0 == 0x80 {
		s--
	}
	return c.Change(ctx, docURI, Edit{Start: p, End: len(old) - s, Text: newText[p : len(newText)-s]})
}

// Position converts a byte offset in the client's copy to an LSP position.
func (c *Client) Position(docURI string, off int) protocol.Position {
	d := c.Doc(docURI)
	p := syntax.NewText([]byte(d.Text)).Position(off, c.enc)
	return protocol.Position{Line: p.Line, Character: p.Character}
}

// CodeActions requests code actions for [start, end) (byte offsets).
func (c *Client) CodeActions(ctx context.Context, docURI string, start, end int, trigger protocol.CodeActionTriggerKind, only ...protocol.CodeActionKind) ([]*protocol.CodeAction, error) {
	p := protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri.URI(docURI)},
		Range:        protocol.Range{Start: c.Position(docURI, start), End: c.Position(docURI, end)},
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, Only: only, TriggerKind: trigger},
	}
	var res []protocol.CommandOrCodeAction
	if err := c.Call(ctx, "textDocument/codeAction", &p, &res); err != nil {
		return nil, err
	}
	var out []*protocol.CodeAction
	for _, r := range res {
		if a, ok := r.(*protocol.CodeAction); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// Apply applies a code action as an editor does: its edit as a didChange
// (asked for with codeAction/resolve when the action came without one and
// the server resolves actions), then its command.
func (c *Client) Apply(ctx context.Context, a *protocol.CodeAction) error {
	if a.Edit == nil && c.resolves {
		var r protocol.CodeAction
		if err := c.Call(ctx, "codeAction/resolve", a, &r); err != nil {
			return err
		}
		a = &r
	}
	if a.Edit != nil {
		if err := c.ApplyEdit(ctx, a.Edit); err != nil {
			return err
		}
	}
	if a.Command.Command != "" {
		return c.Call(ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{Command: a.Command.Command, Arguments: a.Command.Arguments}, nil)
	}
	return nil
}

// ApplyEdit applies a workspace edit to the client's documents and sends the
// changes. A versioned edit for a document whose version moved on is refused,
// as editors do.
func (c *Client) ApplyEdit(ctx context.Context, we *protocol.WorkspaceEdit) error {
	type docEdits struct {
		version *int32
		edits   []protocol.TextEdit
	}
	byDoc := map[string]*docEdits{}
	for u, edits := range we.Changes {
		byDoc[string(u)] = &docEdits{edits: edits}
	}
	for _, dc := range we.DocumentChanges {
		tde, ok := dc.(*protocol.TextDocumentEdit)
		if !ok {
			return errors.New("lspclient: only text document edits are supported")
		}
		de := &docEdits{version: tde.TextDocument.Version}
		for _, e := range tde.Edits {
			if te, ok := e.(*protocol.TextEdit); ok {
				de.edits = append(de.edits, *te)
			}
		}
		byDoc[string(tde.TextDocument.URI)] = de
	}
	for docURI, de := range byDoc {
		d := c.Doc(docURI)
		if de.version != nil && *de.version != d.Version {
			return fmt.Errorf("lspclient: edit for version %d of %s, which is at version %d", *de.version, docURI, d.Version)
		}
		text := syntax.NewText([]byte(d.Text))
		var edits []Edit
		for _, e := range de.edits {
			s, _ := text.Offset(syntax.Position{Line: e.Range.Start.Line, Character: e.Range.Start.Character}, c.enc)
			en, _ := text.Offset(syntax.Position{Line: e.Range.End.Line, Character: e.Range.End.Character}, c.enc)
			edits = append(edits, Edit{Start: s, End: en, Text: e.NewText})
		}
		if err := c.Change(ctx, docURI, edits...); err != nil {
			return err
		}
	}
	return nil
}

// Command runs workspace/executeCommand.
func (c *Client) Command(ctx context.Context, command string, result any, args ...any) error {
	var raw []protocol.LSPAny
	for _, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		raw = append(raw, jsontext.Value(b))
	}
	return c.Call(ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{Command: command, Arguments: raw}, result)
}

// FileURI returns the file URI of path (made absolute).
func FileURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return string(uri.File(path))
}

// Pipe joins a server process's stdout (read) and stdin (write) into the
// stream New takes.
type Pipe struct {
	R io.ReadCloser
	W io.WriteCloser
}

func (p Pipe) Read(b []byte) (int, error)  { return p.R.Read(b) }
func (p Pipe) Write(b []byte) (int, error) { return p.W.Write(b) }

// Close closes both ends.
func (p Pipe) Close() error {
	_ = p.W.Close()
	return p.R.Close()
}
