package lsp

import (
	"context"
	"path/filepath"

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
	enc := syntax.UTF16
	posEnc := protocol.PositionEncodingKindUTF16
	if g := p.Capabilities.General; g != nil {
		for _, e := range g.PositionEncodings {
			if e == protocol.PositionEncodingKindUTF8 {
				enc, posEnc = syntax.UTF8, protocol.PositionEncodingKindUTF8
				break
			}
		}
	}
	var caps clientCaps
	if w := p.Capabilities.Workspace; w != nil && w.WorkspaceEdit != nil && w.WorkspaceEdit.DocumentChanges != nil {
		caps.documentChanges = *w.WorkspaceEdit.DocumentChanges
	}
	if w := p.Capabilities.Window; w != nil && w.WorkDoneProgress != nil {
		caps.workDoneProgress = *w.WorkDoneProgress
	}
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
	s.projects = rules.NewProjects(workspace)
	s.ws, s.clientTrust = ws, clientTrust
	s.initOptions = initOptions
	s.mu.Unlock()
	for _, pr := range problems {
		s.log.Warn("config", "problem", pr.Error())
	}
	s.openCapture(ctx, cfg)
	rt := s.loadPolicy(ctx, cfg)
	s.mu.Lock()
	s.rt = rt
	s.mu.Unlock()
	s.reloadAdapter(ctx)
	s.log.Info("initialized", "client", p.ClientInfo.Name, "workspace", workspace, "encoding", enc.String(), "rules", len(lib.Rules()))

	change := protocol.TextDocumentSyncKindIncremental
	yes := true
	no := false
	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			PositionEncoding: posEnc,
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: &yes,
				Change:    &change,
				Save:      &protocol.SaveOptions{IncludeText: &no},
			},
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: append(ActionKinds(), "quickfix.syntx"),
				ResolveProvider: &no,
			},
			ExecuteCommandProvider: protocol.ExecuteCommandOptions{Commands: Commands},
		},
		ServerInfo: protocol.ServerInfo{Name: "syntx", Version: protocol.NewOptional(Version)},
	}, nil
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
	return nil, nil
}

func (s *Server) shutdown(ctx context.Context, _ []byte) (any, error) {
	s.state.Store(int32(stateShutdown))
	s.log.Info("shutdown")
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
	return nil, nil
}
