package lsp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
)

type harness struct {
	c    *lspclient.Client
	code <-chan int
	srv  *Server
	// settings are added to the initializationOptions initPatientIn
	// sends (compareWithFresh gives the fresh server the same).
	settings map[string]any
}

func start(t *testing.T) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, b := net.Pipe()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := NewServer(Options{Logger: logger, DataDir: t.TempDir()})
	code := serve(t, ctx, s, a)
	c := lspclient.New(ctx, b)
	t.Cleanup(func() { _ = c.Close() })
	return &harness{c: c, code: code, srv: s}
}

// serve runs s on conn until the test ends and returns its exit code's
// channel. The server's end of the connection is closed at cleanup, and the
// cleanup waits for Serve to return, so that the server has finished
// writing its data directory before the test's temporary directories are
// removed (cleanups run last-in first-out: register serve after the
// directories the server writes).
func serve(t *testing.T, ctx context.Context, s *Server, conn io.ReadWriteCloser) <-chan int {
	t.Helper()
	code := make(chan int, 1)
	served := make(chan struct{})
	go func() { code <- s.Serve(ctx, conn); close(served) }()
	t.Cleanup(func() {
		_ = conn.Close()
		testwait.For(t, served, "the server to stop after its connection closed")
	})
	return code
}

func (h *harness) init(t *testing.T, utf8 bool) {
	t.Helper()
	if _, err := h.c.Initialize(ctx(t), t.TempDir(), utf8, nil); err != nil {
		t.Fatalf("initialize: %v", err)
	}
}

// initPatient initializes with limits.request_timeout at a minute: for
// tests whose point is that work on one document does not hold up another's
// answer, not how fast an answer comes. With the default 2 s, a machine busy
// enough (a 2-core laptop compiling beside the suite) makes a request on a
// small document time out while a large one is parsed, and the test would
// measure the machine.
func (h *harness) initPatient(t *testing.T) {
	t.Helper()
	h.initPatientIn(t, t.TempDir())
}

// initPatientIn is initPatient with the workspace folder root.
func (h *harness) initPatientIn(t *testing.T, root string) {
	t.Helper()
	opts := map[string]any{"limits": map[string]any{"request_timeout": "1m"}}
	for k, v := range h.settings {
		opts[k] = v
	}
	if _, err := h.c.Initialize(ctx(t), root, false, opts); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if got := h.srv.config().Limits.RequestTimeout.D(); got != time.Minute {
		t.Fatalf("limits.request_timeout from initializationOptions: %v, want 1m", got)
	}
}

// ctx is the context of a test's client calls: it ends at testwait's
// generous deadline, so that a hung server fails the test with the call
// that hung.
func ctx(t *testing.T) context.Context { return testwait.Context(t) }

// suggestions drops the "Dismiss these suggestions" entry that ends an
// invoked menu.
func suggestions(acts []*protocol.CodeAction, err error) ([]*protocol.CodeAction, error) {
	var out []*protocol.CodeAction
	for _, a := range acts {
		if a.Kind == nil || *a.Kind != dismissKind {
			out = append(out, a)
		}
	}
	return out, err
}

func errCode(err error) int64 {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return int64(e.Code)
	}
	return 0
}

const goSrc = `package p

import "fmt"

func load(name string, err error) error {
	return fmt.Errorf("load %s: %v", name, err)
}
`

func TestLifecycle(t *testing.T) {
	t.Parallel()
	h := start(t)
	err := h.c.Call(ctx(t), "textDocument/codeAction", &protocol.CodeActionParams{}, nil)
	if errCode(err) != -32002 {
		t.Fatalf("request before initialize: got %v, want -32002", err)
	}
	res, err := h.c.Initialize(ctx(t), t.TempDir(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Capabilities.PositionEncoding != protocol.PositionEncodingKindUTF16 {
		t.Errorf("encoding %q, want utf-16 by default", res.Capabilities.PositionEncoding)
	}
	if got := len(res.Capabilities.ExecuteCommandProvider.Commands); got != len(Commands) {
		t.Errorf("advertised %d commands, want %d", got, len(Commands))
	}
	err = h.c.Call(ctx(t), "initialize", &protocol.InitializeParams{}, nil)
	if errCode(err) != -32600 {
		t.Fatalf("second initialize: got %v, want -32600", err)
	}
	err = h.c.Call(ctx(t), "textDocument/hover", &protocol.HoverParams{}, nil)
	if errCode(err) != -32601 {
		t.Fatalf("unsupported method: got %v, want -32601", err)
	}
	if err := h.c.Call(ctx(t), "shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	err = h.c.Call(ctx(t), "textDocument/codeAction", &protocol.CodeActionParams{}, nil)
	if errCode(err) != -32600 {
		t.Fatalf("request after shutdown: got %v, want -32600", err)
	}
	_ = h.c.Notify(ctx(t), "exit", nil)
	if code := testwait.For(t, h.code, "the server to exit after shutdown and exit"); code != 0 {
		t.Fatalf("exit after shutdown: code %d, want 0", code)
	}
}

func TestExitWithoutShutdown(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.init(t, false)
	_ = h.c.Notify(ctx(t), "exit", nil)
	if code := testwait.For(t, h.code, "the server to exit on exit without shutdown"); code != 1 {
		t.Fatalf("exit without shutdown: code %d, want 1", code)
	}
}

func TestEndOfInputEndsServer(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.init(t, false)
	_ = h.c.Close()
	if code := testwait.For(t, h.code, "the server to notice the end of its input"); code != 1 {
		t.Fatalf("EOF without shutdown: code %d, want 1", code)
	}
}

func TestCodeActionApplyAccept(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.init(t, false)
	uri := "file:///work/p/load.go"
	if err := h.c.Open(ctx(t), uri, "go", goSrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(goSrc, "fmt.Errorf")
	acts, err := suggestions(h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 {
		t.Fatalf("got %d actions, want 1: %+v", len(acts), acts)
	}
	a := acts[0]
	if got := string(*a.Kind); got != "quickfix.syntx.correctness" {
		t.Errorf("kind %q", got)
	}
	// go.errorf-wrap's fix is unsafe (wrapping makes the error part of
	// the API): labelled, and not preferred although it is the top one.
	if a.IsPreferred != nil && *a.IsPreferred {
		t.Errorf("an unsafe fix is preferred")
	}
	if !strings.HasSuffix(a.Title, " (unsafe)") || !strings.Contains(string(a.Data), `"safety":"unsafe"`) || !strings.Contains(string(a.Data), `"check":"Callers can now match`) {
		t.Errorf("unsafe fix not labelled: title %q, data %s", a.Title, a.Data)
	}
	if a.Command.Command != "syntx.accept" || len(a.Command.Arguments) != 1 {
		t.Errorf("command %+v", a.Command)
	}
	if !strings.Contains(string(a.Data), `"ruleId":"go.errorf-wrap"`) || !strings.Contains(string(a.Data), `"suggestionId"`) {
		t.Errorf("data %s", a.Data)
	}
	if err := h.c.Apply(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(goSrc, "%s: %v", "%s: %w", 1)
	if got := h.c.Doc(uri).Text; got != want {
		t.Fatalf("text after apply:\n%s", got)
	}
	// The fixed site no longer matches.
	acts, err = suggestions(h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil || len(acts) != 0 {
		t.Fatalf("after the fix: %d actions, err %v", len(acts), err)
	}
	var st Status
	if err := h.c.Command(ctx(t), "syntx.status", &st); err != nil {
		t.Fatal(err)
	}
	if st.Session.Accepted != 1 || st.Session.Offered != 1 || st.Events["accepted"] != 1 || st.Events["offered"] != 1 {
		t.Fatalf("status %+v", st)
	}
}

func TestOnlyFiltersKinds(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.init(t, false)
	uri := "file:///work/p/a.go"
	src := "package p\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n\t\"time\"\n)\n\nvar e = errors.New(fmt.Sprintf(\"%v\", time.Now().Sub(t0)))\n"
	if err := h.c.Open(ctx(t), uri, "go", src); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		only []protocol.CodeActionKind
		want int
	}{
		{nil, 2},
		{[]protocol.CodeActionKind{"quickfix"}, 1},
		{[]protocol.CodeActionKind{"refactor"}, 1},
		{[]protocol.CodeActionKind{"refactor.rewrite.syntx.style"}, 1},
		{[]protocol.CodeActionKind{"quickfix.syntx.security"}, 0},
		{[]protocol.CodeActionKind{"source"}, 0},
	}
	for _, c := range cases {
		acts, err := suggestions(h.c.CodeActions(ctx(t), uri, 0, len(src), protocol.CodeActionTriggerKindInvoked, c.only...))
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != c.want {
			t.Errorf("only %v: %d actions, want %d", c.only, len(acts), c.want)
		}
	}
}

func TestEncodingsAndIncrementalEdits(t *testing.T) {
	t.Parallel()
	for _, utf8 := range []bool{false, true} {
		h := start(t)
		h.init(t, utf8)
		uri := "file:///work/p/b.go"
		src := "package p\n\nimport \"fmt\"\n\n// 😀 café\nfunc f(err error) error { return fmt.Errorf(\"x: %v\", err) }\n"
		if err := h.c.Open(ctx(t), uri, "go", src); err != nil {
			t.Fatal(err)
		}
		// Type a new line with a second error site, character by character.
		ins := strings.Index(src, "// 😀")
		line := "func g(err error) error { return fmt.Errorf(\"y: %v\", err) } // ü\n"
		for i := range line {
			if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: ins + i, End: ins + i, Text: line[i : i+1]}); err != nil {
				t.Fatal(err)
			}
		}
		text := h.c.Doc(uri).Text
		acts, err := suggestions(h.c.CodeActions(ctx(t), uri, 0, len(text), protocol.CodeActionTriggerKindInvoked))
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 2 {
			t.Fatalf("utf8=%v: %d actions, want 2", utf8, len(acts))
		}
		for _, a := range acts {
			if err := h.c.Apply(ctx(t), a); err != nil {
				// The second action's version is stale once the first applied.
				if !strings.Contains(err.Error(), "version") {
					t.Fatal(err)
				}
			}
		}
		acts, _ = suggestions(h.c.CodeActions(ctx(t), uri, 0, len(h.c.Doc(uri).Text), protocol.CodeActionTriggerKindInvoked))
		if len(acts) != 1 {
			t.Fatalf("utf8=%v: %d actions left, want 1", utf8, len(acts))
		}
		if err := h.c.Apply(ctx(t), acts[0]); err != nil {
			t.Fatal(err)
		}
		got := h.c.Doc(uri).Text
		if strings.Contains(got, "%v") || strings.Count(got, "%w") != 2 || !strings.Contains(got, "😀 café") {
			t.Fatalf("utf8=%v: text after fixes:\n%s", utf8, got)
		}
	}
}

func TestToleratesOddInput(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.init(t, false)
	c := ctx(t)
	uri := "file:///work/p/c.py"
	src := "def f(x=[]):\n    return x == None\n"
	if err := h.c.Open(c, uri, "python", src); err != nil {
		t.Fatal(err)
	}
	raw := func(method, params string) error {
		return h.c.Conn().Notify(c, method, jsonrpc2.RawMessage(params))
	}
	// Empty contentChanges with a repeated version (Neovim 0.7).
	_ = raw("textDocument/didChange", `{"textDocument":{"uri":"`+uri+`","version":1},"contentChanges":[]}`)
	// Versions that jump.
	_ = raw("textDocument/didChange", `{"textDocument":{"uri":"`+uri+`","version":5},"contentChanges":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":"# a\n"}]}`)
	// A stale version, applied anyway (the client's text is authoritative).
	_ = raw("textDocument/didChange", `{"textDocument":{"uri":"`+uri+`","version":3},"contentChanges":[{"range":{"start":{"line":0,"character":3},"end":{"line":0,"character":3}},"text":"b"}]}`)
	// Positions past the end of the line and of the document clamp.
	_ = raw("textDocument/didChange", `{"textDocument":{"uri":"`+uri+`","version":8},"contentChanges":[{"range":{"start":{"line":99,"character":0},"end":{"line":120,"character":5}},"text":"\n# end"}]}`)
	// Negative numbers, wrong types and unknown documents are refused or ignored.
	_ = raw("textDocument/didChange", `{"textDocument":{"uri":"`+uri+`","version":9},"contentChanges":[{"range":{"start":{"line":-1,"character":0},"end":{"line":0,"character":0}},"text":"x"}]}`)
	_ = raw("textDocument/didChange", `{"textDocument":{"uri":"file:///nope.py","version":2},"contentChanges":[{"text":"x"}]}`)
	_ = raw("textDocument/didChange", `"not an object"`)
	_ = raw("textDocument/didOpen", `{"textDocument":{"uri":"file:///bin.py","languageId":"python","version":1,"text":"\u0000\u0001binary"}}`)
	_ = raw("textDocument/didOpen", `{"textDocument":{"uri":"file:///x.cobol","languageId":"cobol","version":1,"text":"IDENTIFICATION DIVISION."}}`)
	want := "# ab\n" + src + "\n# end"
	// A request on the document runs after the notifications before it
	// (in its queue): once it is answered, they are applied.
	var res []protocol.CommandOrCodeAction
	err := h.c.Call(c, "textDocument/codeAction", jsonrpc2.RawMessage(`{"textDocument":{"uri":"`+uri+`"},"range":{"start":{"line":0,"character":0},"end":{"line":1000,"character":1000}},"context":{"diagnostics":[],"triggerKind":1}}`), &res)
	if err != nil {
		t.Fatalf("server stopped answering: %v", err)
	}
	if d := h.srv.docs.get(uri); d != nil {
		d.mu.Lock()
		got := string(d.text.Bytes())
		d.mu.Unlock()
		if got != want {
			t.Fatalf("server text %q, want %q", got, want)
		}
	}
	if len(res) != 3 {
		t.Fatalf("%d actions, want 3 (mutable default, None comparison, dismiss)", len(res))
	}
	// The server's text equals the client's model of it: the None fix lands
	// where expected.
	for _, r := range res {
		a := r.(*protocol.CodeAction)
		if a.Edit == nil {
			if a.Command.Command != "syntx.dismiss" || r != res[len(res)-1] {
				t.Fatalf("an action without an edit that is not the final dismiss entry: %+v", a)
			}
			continue
		}
		if strings.HasPrefix(a.Title, "Compare with None") {
			te := a.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit).Edits[0].(*protocol.TextEdit)
			if te.Range.Start.Line != 2 || te.NewText != "x is None" {
				t.Fatalf("edit %+v against %q", te, want)
			}
		}
	}
	for _, bad := range []struct {
		method, params string
		code           int64
	}{
		{"textDocument/codeAction", `{"textDocument":{"uri":"file:///not-open.go"},"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"context":{"diagnostics":[]}}`, -32602},
		{"textDocument/codeAction", `{"textDocument":{"uri":"` + uri + `"},"range":{"start":{"line":-4,"character":0}}}`, -32602},
		{"workspace/executeCommand", `{"command":"syntx.nope"}`, -32602},
		{"workspace/executeCommand", `{"command":"syntx.accept","arguments":[42]}`, -32602},
		{"workspace/executeCommand", `{"command":"syntx.accept","arguments":["no-such-id"]}`, -32602},
	} {
		err := h.c.Call(c, bad.method, jsonrpc2.RawMessage(bad.params), nil)
		if errCode(err) != bad.code {
			t.Errorf("%s %s: got %v, want code %d", bad.method, bad.params, err, bad.code)
		}
	}
	for _, cmd := range []string{"syntx.setPersona", "syntx.dismiss"} {
		err := h.c.Command(c, cmd, nil)
		if errCode(err) != -32602 {
			t.Errorf("%s without arguments: %v, want invalid params", cmd, err)
		}
	}
	// Still alive.
	var st Status
	if err := h.c.Command(c, "syntx.status", &st); err != nil || st.Documents != 3 {
		t.Fatalf("status %+v, %v", st, err)
	}
}
