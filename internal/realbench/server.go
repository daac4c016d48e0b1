package realbench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// Server is a language server process under test, driven over its stdio
// with raw JSON-RPC messages, so that the client's own work (encoding a
// large document, computing positions) stays out of what is timed.
type Server struct {
	Name string
	cmd  *exec.Cmd
	conn jsonrpc2.Conn
	// full is set when the server asks for whole documents in didChange
	// (textDocumentSync Full), as ast-grep's does.
	full bool
	stop context.CancelFunc

	mu    sync.Mutex
	diags map[string]published // by document URI
	logs  []string             // window/logMessage
	wake  chan struct{}        // closed and replaced on each of those
}

type published struct {
	version int32
	items   []json.RawMessage
}

// Spec says how to start a server.
type Spec struct {
	Name string
	Argv []string
	Dir  string   // working directory ("" for the current one)
	Env  []string // added to the environment (later entries win)
	// Root is the workspace root sent in initialize.
	Root string
	// InitOptions is sent as initializationOptions (nil: none).
	InitOptions any
	// ReadyLog, when set, is a log message the server sends once it can
	// take documents (ast-grep's drops those opened while it loads its
	// rules).
	ReadyLog string
}

// rawCodec passes pre-encoded messages through and keeps results raw.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	if m, ok := v.(jsonrpc2.RawMessage); ok {
		return m, nil
	}
	return json.Marshal(v)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append(jsonrpc2.RawMessage(nil), data...)
		return nil
	}
	return json.Unmarshal(bytes.Clone(data), v)
}

type pipe struct {
	io.ReadCloser
	w io.WriteCloser
}

func (p pipe) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipe) Close() error {
	_ = p.w.Close()
	return p.ReadCloser.Close()
}

// Start starts the server and initializes it.
func Start(ctx context.Context, spec Spec) (*Server, error) {
	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Dir = spec.Dir
	cmd.Env = append(os.Environ(), spec.Env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	s := &Server{Name: spec.Name, cmd: cmd, diags: map[string]published{}, wake: make(chan struct{})}
	s.conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(pipe{ReadCloser: stdout, w: stdin}), jsonrpc2.WithCodec(rawCodec{}))
	// The connection lives as long as the server, not as ctx (the
	// start's deadline).
	var connCtx context.Context
	connCtx, s.stop = context.WithCancel(context.Background())
	s.conn.Go(connCtx, s.handle)
	if err := s.initialize(ctx, spec); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: initialize: %w (stderr: %s)", spec.Name, err, strings.TrimSpace(stderr.String()))
	}
	if spec.ReadyLog != "" {
		if err := s.waitLog(ctx, spec.ReadyLog); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// waitLog waits for a log message holding text.
func (s *Server) waitLog(ctx context.Context, text string) error {
	for seen := 0; ; {
		s.mu.Lock()
		logs, wake := s.logs, s.wake
		s.mu.Unlock()
		for ; seen < len(logs); seen++ {
			if strings.Contains(logs[seen], text) {
				return nil
			}
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return fmt.Errorf("%s: no log message %q: %w", s.Name, text, ctx.Err())
		}
	}
}

type limitedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
	n  int
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

// handle answers what servers ask of their client and records the
// diagnostics they publish.
func (s *Server) handle(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	switch req.Method() {
	case "window/logMessage":
		var p struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal(req.Params(), &p); err == nil {
			s.mu.Lock()
			s.logs = append(s.logs, p.Message)
			close(s.wake)
			s.wake = make(chan struct{})
			s.mu.Unlock()
		}
		return nil, nil
	case "textDocument/publishDiagnostics":
		var p struct {
			URI         string            `json:"uri"`
			Version     *int32            `json:"version"`
			Diagnostics []json.RawMessage `json:"diagnostics"`
		}
		if err := json.Unmarshal(req.Params(), &p); err == nil {
			v := int32(-1)
			if p.Version != nil {
				v = *p.Version
			}
			s.mu.Lock()
			s.diags[p.URI] = published{version: v, items: p.Diagnostics}
			close(s.wake)
			s.wake = make(chan struct{})
			s.mu.Unlock()
		}
		return nil, nil
	case "workspace/configuration":
		var p struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(req.Params(), &p)
		return make([]any, len(p.Items)), nil
	case "window/workDoneProgress/create", "client/registerCapability", "client/unregisterCapability":
		return nil, nil
	}
	if req.IsCall() {
		return nil, jsonrpc2.NewError(jsonrpc2.ErrMethodNotFound.Code, "not handled: "+req.Method())
	}
	return nil, nil
}

func (s *Server) initialize(ctx context.Context, spec Spec) error {
	root := fileURI(spec.Root)
	params := map[string]any{
		"processId":  os.Getpid(),
		"clientInfo": map[string]any{"name": "syntx-realbench"},
		"rootUri":    root,
		"workspaceFolders": []any{
			map[string]any{"uri": root, "name": "bench"},
		},
		"capabilities": map[string]any{
			"workspace": map[string]any{"workspaceEdit": map[string]any{"documentChanges": true}, "configuration": true},
			"textDocument": map[string]any{
				"synchronization":    map[string]any{"dynamicRegistration": false},
				"publishDiagnostics": map[string]any{"versionSupport": true},
				// As VS Code: code actions whose edit it resolves when one
				// is picked (codeAction/resolve).
				"codeAction": map[string]any{"codeActionLiteralSupport": map[string]any{"codeActionKind": map[string]any{
					"valueSet": []string{"", "quickfix", "refactor", "refactor.rewrite", "source", "source.fixAll"},
				}}, "dataSupport": true, "resolveSupport": map[string]any{"properties": []string{"edit"}}},
			},
		},
	}
	if spec.InitOptions != nil {
		params["initializationOptions"] = spec.InitOptions
	}
	var res struct {
		Capabilities struct {
			TextDocumentSync json.RawMessage `json:"textDocumentSync"`
		} `json:"capabilities"`
	}
	if _, err := s.conn.Call(ctx, "initialize", params, &res); err != nil {
		return err
	}
	// textDocumentSync is a kind (1 = Full) or options with a change kind.
	var kind int
	if err := json.Unmarshal(res.Capabilities.TextDocumentSync, &kind); err != nil {
		var opts struct {
			Change int `json:"change"`
		}
		_ = json.Unmarshal(res.Capabilities.TextDocumentSync, &opts)
		kind = opts.Change
	}
	s.full = kind == 1
	return s.conn.Notify(ctx, "initialized", map[string]any{})
}

// Open sends didOpen.
func (s *Server) Open(ctx context.Context, d *Doc) error {
	return s.conn.Notify(ctx, "textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": d.URI, "languageId": d.LanguageID, "version": d.version, "text": d.text(),
	}})
}

// Close shuts the server down (shutdown, exit) and waits for it, killing it
// after a while.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = s.conn.Call(ctx, "shutdown", nil, nil)
	_ = s.conn.Notify(ctx, "exit", nil)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		_ = s.cmd.Process.Kill()
		<-done
	}
	_ = s.conn.Close()
	s.stop()
}

// CPUTicks returns the CPU time the server process has used so far, user
// and system, in clock ticks (/proc/PID/stat; 10 ms each on Linux).
// The kernel here keeps no per-thread schedstat, so ticks are the finest
// count a client can read.
func (s *Server) CPUTicks() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// the fields counted here start after its closing one.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("%s: /proc stat: no command name", s.Name)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("%s: /proc stat: %d fields", s.Name, len(f)+2)
	}
	var total int64
	for _, v := range f[11:13] { // utime and stime: fields 14 and 15
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Settle waits until the server is idle: its CPU time grows by at most
// one tick over settleWindow. It returns the ticks it used meanwhile.
//
// A request can leave work behind it: SyntX records an offer in the
// background (the first one of a document redacts all of it: 170 ms of
// CPU on the minified line), gopls type-checks after an edit. Rounds that
// start while it runs share two cores with it, which is what a few of
// them then measure. Each measure starts settled, so that its rounds
// measure typing into the file, not the tail of what came before; what
// the server did in the background is reported beside it (settle-ticks).
func (s *Server) Settle(ctx context.Context) (int64, error) {
	first, err := s.CPUTicks()
	if err != nil {
		return 0, err
	}
	last := first
	for {
		select {
		case <-time.After(settleWindow):
		case <-ctx.Done():
			return last - first, fmt.Errorf("%s: not idle: %w", s.Name, ctx.Err())
		}
		now, err := s.CPUTicks()
		if err != nil {
			return last - first, err
		}
		if now-last <= 1 {
			return now - first, nil
		}
		last = now
	}
}

// settleWindow is how long Settle watches a server's CPU time: 25 ticks,
// of which it may use one (4%).
const settleWindow = 250 * time.Millisecond

// PeakRSS returns the largest resident set the server process has had
// (VmHWM), in bytes.
func (s *Server) PeakRSS() (int64, error) {
	st, err := s.Status("VmHWM")
	return st["VmHWM"], err
}

// Status reads memory fields of the server's /proc status (VmHWM, VmRSS,
// RssAnon, RssFile, ...), in bytes.
func (s *Server) Status(fields ...string) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || !slices.Contains(fields, name) {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return nil, err
		}
		out[name] = kb << 10
	}
	for _, name := range fields {
		if _, ok := out[name]; !ok {
			return nil, fmt.Errorf("no %s in /proc status", name)
		}
	}
	return out, nil
}

// waitDiagnostics waits until the server has published the diagnostics of
// version of the document, and returns them.
func (s *Server) waitDiagnostics(ctx context.Context, uri string, version int32) ([]json.RawMessage, error) {
	for {
		s.mu.Lock()
		p, ok := s.diags[uri]
		wake := s.wake
		s.mu.Unlock()
		if ok && p.version >= version {
			return p.items, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: no diagnostics for version %d of %s: %w", s.Name, version, uri, ctx.Err())
		}
	}
}

func fileURI(path string) string { return "file://" + path }
