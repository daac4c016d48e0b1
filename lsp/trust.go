package lsp

import (
	"context"
	"encoding/json"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/rules"
)

// Workspace trust. A workspace folder's .syntx/rules and .syntx/config.toml
// are somebody else's until the user trusts the folder. The server decides
// at initialize, and again when told trust changed:
//
//   - a client with its own workspace trust (VS Code) sends its decision as
//     initializationOptions.workspaceTrust (true or false) and, when the user
//     grants trust later, the notification syntx/workspaceTrust with
//     {"trusted": true}; its decision is final;
//   - otherwise the trust store in the data directory decides
//     (config.TrustStore: `syntx trust`, pinned to the files' hashes), and
//     syntx/workspaceTrust without "trusted" (Neovim's :SyntxTrust sends it
//     after running `syntx trust`) asks the server to look again.
//
// Untrusted, the server runs with the built-in and user rules and the user's
// settings, and says once (window/showMessage) what it left out and how to
// trust it.

// trustNotification is the client-to-server notification that trust
// changed: {"trusted": true|false}, or {} to consult the trust store again.
const trustNotification = "syntx/workspaceTrust"

// trustOption is the initializationOptions key that carries the editor's
// own trust decision. It is not part of the configuration tree.
const trustOption = "workspaceTrust"

// splitTrust takes the editor's trust decision out of initializationOptions
// (or didChangeConfiguration settings) and returns it with the rest.
func splitTrust(opts []byte) (*bool, []byte) {
	var m map[string]json.RawMessage
	if len(opts) == 0 || json.Unmarshal(opts, &m) != nil {
		return nil, append([]byte(nil), opts...)
	}
	inner := m
	nested := false
	if raw, ok := m["syntx"]; ok && len(m) == 1 {
		if json.Unmarshal(raw, &inner) != nil {
			return nil, append([]byte(nil), opts...)
		}
		nested = true
	}
	raw, ok := inner[trustOption]
	if !ok {
		return nil, append([]byte(nil), opts...)
	}
	delete(inner, trustOption)
	var trusted *bool
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		trusted = &b
	}
	var out []byte
	if nested {
		out, _ = json.Marshal(map[string]any{"syntx": inner})
	} else {
		out, _ = json.Marshal(inner)
	}
	return trusted, out
}

// readWorkspace reads the workspace folder and decides its trust: the
// client's decision when it sent one, else the trust store's.
func (s *Server) readWorkspace(root string, clientTrust *bool) *config.Workspace {
	if root == "" {
		return nil
	}
	ws := config.ReadWorkspace(root)
	switch {
	case ws.Empty():
	case clientTrust != nil && *clientTrust:
		ws.Trusted, ws.Note = true, "trusted in the editor"
	case clientTrust != nil:
		ws.Note = "the editor has not trusted this folder (restricted mode)"
	case s.opts.DataDir == "":
		ws.Note = "there is no data directory to hold trust decisions"
	default:
		if err := config.OpenTrust(s.opts.DataDir).Decide(ws); err != nil {
			s.log.Warn("workspace trust", "err", err)
		}
	}
	return ws
}

// announceTrust says once what the workspace contributes, or what it would
// and why it does not.
func (s *Server) announceTrust(ctx context.Context, ws *config.Workspace) {
	if ws == nil {
		return
	}
	for _, p := range ws.Problems {
		s.log.Warn("workspace file skipped", "problem", p.Error())
	}
	if ws.Empty() {
		return
	}
	if ws.Trusted {
		s.log.Info("workspace rules and settings loaded", "workspace", ws.Root, "files", ws.Summary(), "trust", ws.Note)
		return
	}
	s.log.Info("workspace rules and settings not loaded", "workspace", ws.Root, "files", ws.Summary(), "why", ws.Note)
	s.showMessage(ctx, protocol.MessageTypeWarning,
		"this workspace has its own %s, which were not loaded: %s. The built-in and your own rules and settings are in use. "+
			"To use the workspace's, trust the folder: VS Code's workspace trust, :SyntxTrust in Neovim, or `syntx trust %s` in a terminal.",
		ws.Summary(), ws.Note, ws.Root)
}

// workspaceTrust handles syntx/workspaceTrust: trust was granted (or
// revoked) after initialize. The workspace is read and decided again; when
// its rules or settings change, they are reloaded and the open documents
// analysed again.
func (s *Server) workspaceTrust(ctx context.Context, params []byte) (any, error) {
	var p struct {
		Trusted *bool `json:"trusted"`
	}
	if len(params) > 0 && string(params) != "null" {
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, invalidParams("%s: %v", trustNotification, err)
		}
	}
	s.mu.Lock()
	if p.Trusted != nil {
		s.clientTrust = p.Trusted
	}
	root, clientTrust := s.workspace, s.clientTrust
	s.mu.Unlock()
	// Reading the folder and compiling rules takes time: off the read loop.
	go s.reloadWorkspace(context.Background(), root, clientTrust)
	return nil, nil
}

// reloadWorkspace decides trust again and reloads what changed.
func (s *Server) reloadWorkspace(ctx context.Context, root string, clientTrust *bool) {
	ws := s.readWorkspace(root, clientTrust)
	s.mu.RLock()
	old, settings := s.ws, s.initOptions
	s.mu.RUnlock()
	if old != nil && ws != nil && old.Trusted == ws.Trusted && old.Digest() == ws.Digest() {
		return // nothing changed
	}
	cfg, problems := config.LoadWorkspace(ws, settings)
	for _, pr := range problems {
		s.log.Warn("config", "problem", pr.Error())
	}
	var lib *rules.Library
	if s.opts.Rules == nil {
		lib = rules.Load(rules.ForWorkspace(ws)...)
		for _, p := range lib.Problems {
			s.log.Warn("rule skipped", "problem", p.String())
		}
	}
	s.mu.Lock()
	s.ws, s.cfg = ws, cfg
	if lib != nil {
		s.lib = lib
	}
	s.mu.Unlock()
	if lib != nil {
		// Queued before the message, so that a request the user makes on
		// reading it sees the new rules.
		s.reanalyseAll()
	}
	if ws != nil && ws.Trusted && !ws.Empty() {
		n := 0
		if lib != nil {
			for _, r := range lib.Rules() {
				if r.Origin == rules.OriginWorkspace {
					n++
				}
			}
		}
		s.showMessage(ctx, protocol.MessageTypeInfo, "workspace trusted: %d workspace rule(s) loaded from %s", n, ws.Root)
	} else {
		s.announceTrust(ctx, ws)
	}
}

// reanalyseAll analyses every open document again with the current rules,
// each in its own queue.
func (s *Server) reanalyseAll() {
	lib := s.library()
	maxBytes := s.config().Limits.MaxDocumentBytes
	for _, key := range s.docs.keys() {
		s.queues.run(key, func() {
			doc := s.docs.get(key)
			if doc == nil {
				return
			}
			doc.mu.Lock()
			doc.analyse(context.Background(), lib, maxBytes)
			doc.mu.Unlock()
		})
	}
}

// ruleSource names where a rule comes from for the user: the workspace
// file relative to the workspace, or its source.
func ruleSource(r *rules.Rule) string {
	if r.Origin == rules.OriginWorkspace {
		return strings.TrimPrefix(config.WorkspaceDir+"/rules/"+r.File, "./")
	}
	return r.Source
}
