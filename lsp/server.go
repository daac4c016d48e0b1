package lsp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/redact"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// Version is the server version reported in initialize; cmd/syntx sets it.
var Version = "dev"

// Options configure a Server.
type Options struct {
	// Logger receives the server's logs; warnings and errors are also sent
	// to the client as window/logMessage.
	Logger *slog.Logger
	// Clock returns the current time; tests inject a fake one.
	Clock func() time.Time
	// Rules, when set, replaces loading rules at initialize (tests).
	Rules *rules.Library
	// DataDir is where SyntX keeps its data ($SYNTX_HOME).
	DataDir string
	// TickInterval overrides how often checkpoints are checked (tests with
	// a fake Clock); zero derives it from the configured windows.
	TickInterval time.Duration
	// Trainer is the command that runs `syntx train` (its argv before the
	// "train" argument); nil means this executable.
	Trainer []string
	// GCPercent, when positive, is the collector's GOGC, which the server
	// then raises while a large document is being edited (memory.go); zero
	// leaves the collector alone.
	GCPercent int
	// ReleaseExecutable unmaps the executable's unmodified read-only pages
	// once initialized and around whole-file analyses, so that those only
	// start-up (or an analysis) used stop counting against the server's
	// memory (memory.go); serve sets it.
	ReleaseExecutable bool
	// MigrationIdle is how long after a document's last change its
	// migration index is brought up to date (refreshWhenIdle); zero means
	// migrationIdle, negative never (tests).
	MigrationIdle time.Duration
}

type state int32

const (
	stateCreated state = iota
	stateInitialized
	stateShutdown
)

// Server is one LSP session.
type Server struct {
	opts  Options
	log   *slog.Logger
	now   func() time.Time
	conn  jsonrpc2.Conn
	state atomic.Int32
	// ready: the client sent initialized. The server sends it no request
	// before (LSP: not before the initialize answer, and a request the
	// record's start-up read once raced with that answer).
	ready  atomic.Bool
	exitCh chan int

	mu          sync.RWMutex // guards the fields below
	cfg         config.Config
	lib         *rules.Library
	enc         syntax.Encoding
	workspace   string
	projects    *rules.Projects // declared targets of the workspace's projects
	clientCap   clientCaps
	initOptions []byte

	docs   documents
	queues queues
	trees  trees
	exe    exePages
	offers offers
	// stream is the connection's stream, for its count of unanswered
	// requests (nil when jsonrpc2 offers no frame access).
	stream *guardedStream
	// ws is the workspace folder's content and its trust decision;
	// clientTrust is the editor's own decision (VS Code's workspace trust),
	// nil when the client sent none.
	ws          *config.Workspace
	clientTrust *bool

	// Capture and policy, set up at initialize.
	rec *capture.Recorder // nil when the database is unavailable
	// record is the developer's record of outcomes (loadRecord); nil
	// without a database.
	record          atomic.Pointer[capture.Record]
	captureErr      string
	tracker         *capture.Tracker
	tickStop        chan struct{}
	lastForget      atomic.Int64 // audit seq of the newest forget seen (checkForget)
	settleMu        sync.Mutex   // settleSession runs once
	settled         bool
	rt              *model.Runtime // nil: rank by priors
	personaOverride string         // set by syntx.setPersona
	lastActive      atomic.Int64   // unix nanos of the developer's last activity (see active)
	newOutcomes     atomic.Int64   // outcomes recorded since the last training run
	// teamChanged: a new team layer came in under the developer's own
	// adapter, which was trained over another; the next idle run retrains
	// it over the new one even without new outcomes.
	teamChanged atomic.Bool
	// retryAt: the last run found too little data, with newOutcomes
	// below this when it started (0: no such run since the last one that
	// trained); no idle run starts until newOutcomes reaches it, whatever
	// made the run due (teamChanged included): only new feedback of the
	// developer's own can make the data enough.
	retryAt          atomic.Int64
	train            trainer
	team             teamSyncer
	lastAdapterCheck time.Time // touched by the ticker goroutine only
	// refusedAdapter identifies the adapter (version and file stamps) last
	// refused, so that following the pointer every second does not retry
	// and re-announce it until it changes.
	refusedMu      sync.Mutex
	refusedAdapter string

	inflight inflight
	diags    diagnostics

	// hooks let tests hold work at fixed points, to observe what else the
	// server does meanwhile; set them before Serve.
	hooks struct {
		// find runs at the start of a code action's work, in its
		// document's queue.
		find func(key string)
		// busy runs when a request is refused because too many answers
		// wait to be read.
		busy func()
		// idleTrain runs when the idle scheduler starts a background
		// training run, before the run itself.
		idleTrain func()
		// idleTrainEnded runs when a background run the idle scheduler
		// started has ended, with its error (nil for a run that ended with
		// a decision).
		idleTrainEnded func(error)
	}
}

func (s *Server) cancelRequest(params []byte) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(params, &p) != nil {
		return
	}
	var n int64
	var str string
	switch {
	case json.Unmarshal(p.ID, &n) == nil:
		s.inflight.cancel(jsonrpc2.NewNumberID(n))
	case json.Unmarshal(p.ID, &str) == nil:
		s.inflight.cancel(jsonrpc2.NewStringID(str))
	}
}

type clientCaps struct {
	documentChanges  bool
	workDoneProgress bool
	// pullDiagnostics: the client asks with textDocument/diagnostic;
	// refreshDiagnostics: it takes workspace/diagnostic/refresh.
	pullDiagnostics    bool
	refreshDiagnostics bool
	// resolveEdit: the client keeps a code action's data and asks
	// codeAction/resolve for an edit the action came without
	// (codeAction.dataSupport, and "edit" in resolveSupport.properties).
	resolveEdit bool
	// watchFiles: the client takes client/registerCapability for
	// workspace/didChangeWatchedFiles (watch.go).
	watchFiles bool
}

// NewServer creates a server; Serve runs it on a stream.
func NewServer(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	s := &Server{opts: opts, now: opts.Clock, exitCh: make(chan int, 1), cfg: config.Defaults()}
	// Everything logged, to stderr and to the client, passes redaction.
	s.log = slog.New(redact.Handler(&clientLogHandler{next: opts.Logger.Handler(), s: s}))
	s.queues.log = s.log
	s.docs.m = map[string]*document{}
	s.projects = s.newProjects("")
	s.trees.gcBase = opts.GCPercent
	s.exe.on = opts.ReleaseExecutable
	s.exe.log = func(n int, err error) {
		if err != nil {
			s.log.Debug("executable pages not released", "err", err)
			return
		}
		s.log.Debug("executable pages released", "bytes", n)
	}
	s.trees.exe = &s.exe
	s.offers.init(newSessionID())
	return s
}

func newSessionID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%08x", time.Now().UnixNano()&0xffffffff)
	}
	return hex.EncodeToString(b[:])
}

// Serve runs the session over rwc until the client sends exit or closes the
// stream. It returns the process exit code the specification asks for: 0
// after shutdown then exit, 1 otherwise.
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser) int {
	stream := newGuardedStream(rwc, func(msg string, args ...any) { s.log.Warn(msg, args...) })
	s.stream, _ = stream.(*guardedStream)
	s.conn = jsonrpc2.NewConn(stream, jsonrpc2.WithCodec(codec{}))
	s.conn.Go(ctx, s.handle)
	code := 1
	select {
	case code = <-s.exitCh:
		// Editors quit without closing their documents: what the session
		// still follows is decided before the connection closes, so a
		// client that waits for it to close waits for that too.
		s.settleSession("exit")
		// Close drains the connection, but a reader blocked on a stdin that
		// is not pollable cannot be interrupted: don't let that hold up the
		// exit the client asked for.
		closed := make(chan struct{})
		go func() { _ = s.conn.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(time.Second):
		}
	case <-s.conn.Done():
		if err := s.conn.Err(); err != nil {
			s.opts.Logger.Error("connection ended", "err", err)
		}
		if state(s.state.Load()) == stateShutdown {
			code = 0
		}
	case <-ctx.Done():
		_ = s.conn.Close()
	}
	// The end of input or a signal: the same settling (a no-op when exit
	// or shutdown did it already).
	s.settleSession("end of session")
	s.docs.closeAll()
	s.stopTrainer()
	s.stopTeamSync()
	s.closeCapture()
	return code
}

// active notes the developer's activity for the idle scheduler: the
// session's start, opening a document, an edit, a code action request (the
// cursor moving, a menu), a command that records feedback. train.idle_delay
// counts from the last of them.
func (s *Server) active() { s.lastActive.Store(s.now().UnixNano()) }

// idle reports whether the developer has been inactive for
// train.idle_delay: background work (training, team syncs) runs then.
func (s *Server) idle(cfg config.Config) bool {
	return s.now().Sub(time.Unix(0, s.lastActive.Load())) >= cfg.Train.IdleDelay.D()
}

// noteActivity counts new outcomes (for idle-time training).
func (s *Server) noteActivity(outcomes int) { s.newOutcomes.Add(int64(outcomes)) }

// handler is the shape of one method's implementation.
type handler func(s *Server, ctx context.Context, params []byte) (any, error)

// methods routes requests and notifications; a method absent here answers
// MethodNotFound (requests) or is ignored (notifications), as the
// specification asks.
var methods = map[string]handler{
	"initialize":                       (*Server).initialize,
	"initialized":                      (*Server).initialized,
	"shutdown":                         (*Server).shutdown,
	"exit":                             (*Server).exit,
	"textDocument/didOpen":             (*Server).didOpen,
	"textDocument/didChange":           (*Server).didChange,
	"textDocument/didSave":             (*Server).didSave,
	"textDocument/didClose":            (*Server).didClose,
	"textDocument/codeAction":          (*Server).codeAction,
	"codeAction/resolve":               (*Server).resolveCodeAction,
	"textDocument/diagnostic":          (*Server).pullDiagnostics,
	"workspace/executeCommand":         (*Server).executeCommand,
	"workspace/didChangeConfiguration": (*Server).didChangeConfiguration,
	"workspace/didChangeWatchedFiles":  (*Server).didChangeWatchedFiles,
	trustNotification:                  (*Server).workspaceTrust,
	"$/setTrace":                       nil,
	"window/workDoneProgress/cancel":   nil,
}

func (s *Server) handle(ctx context.Context, req *jsonrpc2.Request) (result any, err error) {
	method := req.Method()
	isCall := req.IsCall()
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logger.Error("handler panic", "method", method, "panic", r, "stack", string(debug.Stack()))
			if isCall {
				result, err = nil, jsonrpc2.NewError(jsonrpc2.ErrInternal.Code, fmt.Sprintf("internal error in %s: %v", method, r))
			} else {
				result, err = nil, nil
			}
		}
		if !isCall {
			// A notification cannot be answered, and an error would end the
			// connection: log it instead.
			if err != nil {
				s.log.Warn("notification failed", "method", method, "err", err)
			}
			result, err = nil, nil
		}
	}()
	if method == "$/cancelRequest" {
		s.cancelRequest(req.Params())
		return nil, nil
	}
	// jsonrpc2 recycles ctx when the handler returns: handlers get a
	// detached copy (jsonrpc2_workarounds.go), cancelled with
	// errClientCancelled as the cause when $/cancelRequest asks for it.
	rctx, cancel := detachRequest(ctx)
	defer cancel(nil)
	if isCall {
		id := req.ID()
		s.inflight.add(id, func() { cancel(errClientCancelled) })
		defer s.inflight.remove(id)
	}
	ctx = rctx
	st := state(s.state.Load())
	switch {
	case method == "exit":
	case st == stateCreated && method != "initialize":
		if isCall {
			return nil, errNotInitialized
		}
		return nil, nil // notifications before initialize are dropped
	case st == stateShutdown:
		if isCall {
			return nil, errShutDown
		}
		return nil, nil
	}
	h, ok := methods[method]
	if !ok {
		if isCall {
			return nil, jsonrpc2.NewError(jsonrpc2.ErrMethodNotFound.Code, "method not found: "+method)
		}
		return nil, nil
	}
	if h == nil {
		return nil, nil
	}
	if ctx.Err() != nil {
		return nil, errCancelled
	}
	if isCall && method != "initialize" && method != "shutdown" && s.stream != nil && s.stream.Pending() > maxPendingRequests {
		// The client is not reading its answers: refuse new work rather
		// than hold every request's result in memory. Writing this answer
		// blocks the read loop until the client reads, which bounds what
		// it can pile up.
		if s.hooks.busy != nil {
			s.hooks.busy()
		}
		return nil, errBusy
	}
	return h(s, ctx, req.Params())
}

// maxPendingRequests bounds the requests read whose answer is not written
// yet; past it, a request is answered ServerCancelled without being run.
const maxPendingRequests = 64

// config returns the current configuration.
func (s *Server) config() config.Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg
}

func (s *Server) encoding() syntax.Encoding {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.enc
}

func (s *Server) library() *rules.Library {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lib
}

// notify sends a notification, logging (not failing) when it cannot.
func (s *Server) notify(ctx context.Context, method string, params any) {
	if s.conn == nil {
		return
	}
	if err := s.conn.Notify(context.WithoutCancel(ctx), method, params); err != nil {
		s.opts.Logger.Debug("notify failed", "method", method, "err", err)
	}
}

// showMessage tells the user something through the editor's UI.
func (s *Server) showMessage(ctx context.Context, typ protocol.MessageType, format string, args ...any) {
	s.notify(ctx, "window/showMessage", &protocol.ShowMessageParams{Type: typ, Message: "SyntX: " + fmt.Sprintf(format, args...)})
}

// clientLogHandler forwards warnings and errors to the client's log
// (window/logMessage) besides the server's own log on stderr.
type clientLogHandler struct {
	next slog.Handler
	s    *Server
}

func (h *clientLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l) || l >= slog.LevelWarn
}

func (h *clientLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.next.Enabled(ctx, r.Level) {
		_ = h.next.Handle(ctx, r)
	}
	if r.Level >= slog.LevelWarn && h.s.conn != nil {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool {
			msg += " " + a.String()
			return true
		})
		typ := protocol.MessageTypeWarning
		if r.Level >= slog.LevelError {
			typ = protocol.MessageTypeError
		}
		h.s.notify(context.Background(), "window/logMessage", &protocol.LogMessageParams{Type: typ, Message: msg})
	}
	return nil
}

func (h *clientLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &clientLogHandler{next: h.next.WithAttrs(attrs), s: h.s}
}

func (h *clientLogHandler) WithGroup(name string) slog.Handler {
	return &clientLogHandler{next: h.next.WithGroup(name), s: h.s}
}

// newProjects returns the projects below root, whose Go packages' other
// files are read from their buffers when they are open (documents.buffersIn).
func (s *Server) newProjects(root string) *rules.Projects {
	p := rules.NewProjects(root)
	p.Buffers = s.docs.buffersIn
	return p
}
