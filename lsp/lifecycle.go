package lsp

import (
	"context"
	"path/filepath"
	"slices"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// Commands is every command the server knows (DESIGN.md, "Contracts").
var Commands = []string{
	"syntx.accept",
	"syntx.dismiss",
	"syntx.retrain",
	"syntx.status",
	"syntx.setPersona",
	"syntx.rollback",
	"syntx.teamSync",
}

// ActionKinds are the code action kinds the server produces.
func ActionKinds() []protocol.CodeActionKind {
	var out []protocol.CodeActionKind
	for _, base := range []string{"quickfix", "refactor.rewrite", "source"} {
		for _, c := range rules.Categories {
			out = append(out, protocol.CodeActionKind(base+".syntx."+c))
		}
	}
	return out
}

func (s *Server) initialize(ctx context.Context, params []byte) (any, error) {
	var p protocol.InitializeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if !s.state.CompareAndSwap(int32(stateCreated), int32(stateInitialized)) {
		return nil, invalidRequest("initialize may be sent only once")
	}
	enc, posEnc := positionEncoding(&p)
	caps := clientCapsOf(&p)
	workspace := workspaceRoot(&p)
	clientTrust, initOptions := splitTrust(p.InitializationOptions)
	ws := s.readWorkspace(workspace, clientTrust)
	cfg, problems := config.LoadWorkspace(ws, initOptions)
	lib := s.opts.Rules
	if lib == nil {
		lib = rules.Load(rules.ForWorkspace(ws)...)
	}
	s.mu.Lock()
	s.enc, s.clientCap, s.workspace, s.cfg, s.lib = enc, caps, workspace, cfg, lib
	s.projects = s.newProjects(workspace)
	s.ws, s.clientTrust = ws, clientTrust
	s.initOptions = initOptions
	s.mu.Unlock()
	for _, pr := range problems {
		s.log.Warn("config", "problem", pr.Error())
	}
	// Idle time counts from the session's start, not from the epoch.
	s.active()
	s.openCapture(ctx, cfg)
	rt := s.loadPolicy(ctx, cfg)
	s.mu.Lock()
	s.rt = rt
	s.mu.Unlock()
	s.reloadAdapter(ctx)
	s.log.Info("initialized", "client", p.ClientInfo.Name, "workspace", workspace, "encoding", enc.String(), "rules", len(lib.Rules()))
	return initializeResult(caps, posEnc), nil
}

// positionEncoding is the encoding of positions: UTF-8 when the client
// offers it, else LSP's default, UTF-16.
func positionEncoding(p *protocol.InitializeParams) (syntax.Encoding, protocol.PositionEncodingKind) {
	if g := p.Capabilities.General; g != nil {
		for _, e := range g.PositionEncodings {
			if e == protocol.PositionEncodingKindUTF8 {
				return syntax.UTF8, protocol.PositionEncodingKindUTF8
			}
		}
	}
	return syntax.UTF16, protocol.PositionEncodingKindUTF16
}

// clientCapsOf returns the client capabilities the server acts on.
func clientCapsOf(p *protocol.InitializeParams) clientCaps {
	var caps clientCaps
	if w := p.Capabilities.Workspace; w != nil && w.WorkspaceEdit != nil && w.WorkspaceEdit.DocumentChanges != nil {
		caps.documentChanges = *w.WorkspaceEdit.DocumentChanges
	}
	if w := p.Capabilities.Window; w != nil && w.WorkDoneProgress != nil {
		caps.workDoneProgress = *w.WorkDoneProgress
	}
	if td := p.Capabilities.TextDocument; td != nil && td.Diagnostic != nil {
		caps.pullDiagnostics = true
	}
	if w := p.Capabilities.Workspace; w != nil && w.Diagnostics != nil && w.Diagnostics.RefreshSupport != nil {
		caps.refreshDiagnostics = *w.Diagnostics.RefreshSupport
	}
	if w := p.Capabilities.Workspace; w != nil && w.DidChangeWatchedFiles != nil && w.DidChangeWatchedFiles.DynamicRegistration != nil {
		caps.watchFiles = *w.DidChangeWatchedFiles.DynamicRegistration
	}
	if td := p.Capabilities.TextDocument; td != nil && td.CodeAction != nil {
		ca := td.CodeAction
		caps.resolveEdit = ca.DataSupport != nil && *ca.DataSupport && slices.Contains(ca.ResolveSupport.Properties, "edit")
	}
	return caps
}

// initializeResult is the server's answer to initialize: its capabilities
// for a client with caps, positions in posEnc.
func initializeResult(caps clientCaps, posEnc protocol.PositionEncodingKind) *protocol.InitializeResult {
	change := protocol.TextDocumentSyncKindIncremental
	yes := true
	no := false
	resolve := caps.resolveEdit
	var diagProvider protocol.DiagnosticProvider
	if caps.pullDiagnostics {
		id := "syntx"
		diagProvider = &protocol.DiagnosticOptions{Identifier: &id}
	}
	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			PositionEncoding: posEnc,
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: &yes,
				Change:    &change,
				Save:      &protocol.SaveOptions{IncludeText: &no},
			},
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: append(ActionKinds(), dismissKind),
				ResolveProvider: &resolve,
			},
			DiagnosticProvider:     diagProvider,
			ExecuteCommandProvider: protocol.ExecuteCommandOptions{Commands: Commands},
		},
		ServerInfo: protocol.ServerInfo{Name: "syntx", Version: protocol.NewOptional(Version)},
	}
}

// workspaceRoot is the folder the client opened: the first of
// workspaceFolders, or rootUri or rootPath (both deprecated by LSP 3.17) for
// the clients that send only those; "" for none.
func workspaceRoot(p *protocol.InitializeParams) string {
	if folders, ok := p.WorkspaceFolders.Get(); ok && len(folders) > 0 {
		_, dir := normURI(string(folders[0].URI))
		return dir
	}
	//lint:ignore SA1019 older clients send only rootUri
	if u := p.RootURI; u != nil {
		_, dir := normURI(string(*u))
		return dir
	}
	//lint:ignore SA1019 the oldest clients send only rootPath
	if rp, ok := p.RootPath.Get(); ok && rp != "" {
		return filepath.Clean(rp)
	}
	return ""
}

func (s *Server) initialized(ctx context.Context, _ []byte) (any, error) {
	s.ready.Store(true)
	lib := s.library()
	for _, p := range lib.Problems {
		s.log.Warn("rule skipped", "problem", p.String())
	}
	if n := len(lib.Problems); n > 0 {
		s.showMessage(ctx, protocol.MessageTypeWarning, "%d rule problem(s); skipped: %s", n, lib.Problems[0].String())
	}
	s.mu.RLock()
	ws := s.ws
	s.mu.RUnlock()
	s.announceTrust(ctx, ws)
	s.watchGoFiles()
	s.exe.request() // start-up is over: its pages may go
	return nil, nil
}

func (s *Server) shutdown(ctx context.Context, _ []byte) (any, error) {
	s.state.Store(int32(stateShutdown))
	s.log.Info("shutdown")
	// The client waits for this answer before it sends exit (and some kill
	// the server soon after): settle what the session follows now, after
	// the edits and saves sent before the request. The read loop waits
	// meanwhile, so exit cannot overtake it.
	s.settleSession("shutdown")
	return nil, nil
}

func (s *Server) exit(ctx context.Context, _ []byte) (any, error) {
	code := 1
	if state(s.state.Load()) == stateShutdown {
		code = 0
	}
	select {
	case s.exitCh <- code:
	default:
	}
	return nil, nil
}

func (s *Server) didChangeConfiguration(ctx context.Context, params []byte) (any, error) {
	var p protocol.DidChangeConfigurationParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	s.mu.RLock()
	ws, settings := s.ws, s.initOptions
	s.mu.RUnlock()
	if l, _ := config.JSONLayer("settings", p.Settings); l != nil {
		// Settings replace initializationOptions as the top layer; trust
		// comes only from initializationOptions and the trust
		// notification.
		_, settings = splitTrust(p.Settings)
		s.mu.Lock()
		s.initOptions = settings
		s.mu.Unlock()
	}
	cfg, problems := config.LoadWorkspace(ws, settings)
	for _, pr := range problems {
		s.log.Warn("config", "problem", pr.Error())
	}
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
	if s.tracker != nil {
		s.tracker.SetWindows(cfg.Capture.CheckpointDurations(), cfg.Capture.IgnoreAfter.D())
	}
	s.diagnosticsStale() // the threshold, the severities or the switch may have changed
	return nil, nil
}
