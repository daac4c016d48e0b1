package lsp

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

// argsRule rewrites the argument list of SetBasicAuth (adding a trailing
// comma): its region is "(user, "…")", which holds the password but not
// the call that identifies it.
const argsRule = `[[rule]]
id = "go.test-basic-auth-args"
language = "go"
category = "style"
title = "Trailing comma in SetBasicAuth"
message = "test rule whose region is a call's argument list"
prior = 0.9
safety = "safe"
because = "a trailing comma does not change a Go call"
query = '''
((call_expression
   function: (selector_expression field: (field_identifier) @_fn)
   arguments: (argument_list . (_) @a . (interpreted_string_literal) @b .) @site)
 (#eq? @_fn "SetBasicAuth"))
'''
fix = '''({{.a}}, {{.b}},)'''
`

// TestPositionalSecretRedactedInContext (the privacy item): a suggestion
// whose region is smaller than the call holding a password passed by
// position is offered, applied and edited through the server; the
// password is found nowhere under $SYNTX_HOME (the database, its WAL, the
// audit log).
func TestPositionalSecretRedactedInContext(t *testing.T) {
	t.Parallel()
	const secret = "Quartz64!river1"
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()},
		rules.Source{Name: "test", FS: fstest.MapFS{"args.toml": {Data: []byte(argsRule)}}})
	if lib.Rule("go.test-basic-auth-args") == nil {
		t.Fatalf("the test rule did not load: %v", lib.Problems)
	}
	ctx0, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	home := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	a, b := net.Pipe()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := NewServer(Options{Logger: logger, DataDir: home, Clock: clock.Now, TickInterval: manualTicks, Rules: lib})
	done := make(chan struct{})
	go func() { s.Serve(ctx0, a); close(done) }()
	c := lspclient.New(ctx0, b)
	t.Cleanup(func() { _ = c.Close(); <-done })
	if _, err := c.Initialize(ctx0, t.TempDir(), false, nil); err != nil {
		t.Fatal(err)
	}
	h := &captureHarness{c: c, srv: s, clock: clock, home: home, t: t}
	src := "package p\n\nimport \"net/http\"\n\nfunc login(req *http.Request, user string) {\n\treq.SetBasicAuth(user, \"" + secret + "\")\n}\n"
	uri := "file:///w/auth.go"
	if err := c.Open(ctx(t), uri, "go", src); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(src, "(user")
	acts, err := suggestions(c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	var act *protocol.CodeAction
	for _, x := range acts {
		if strings.Contains(string(x.Data), `"ruleId":"go.test-basic-auth-args"`) {
			act = x
		}
	}
	if act == nil {
		t.Fatalf("no go.test-basic-auth-args action among %d", len(acts))
	}
	if err := c.Apply(ctx(t), act); err != nil {
		t.Fatal(err)
	}
	// Edit inside the region: the developer's version is stored too.
	text := c.Doc(uri).Text
	if err := c.Change(ctx(t), uri, lspclient.Edit{Start: strings.Index(text, "(user"), End: strings.Index(text, "(user") + len("(user"), Text: "(name"}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(31 * time.Second)
	st := h.expectEvents(store.Edited, 1)
	if st.Events[store.Offered] == 0 {
		t.Fatalf("nothing offered: %v", st.Events)
	}
	if err := c.Shutdown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	<-done
	var checked int
	err = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		if strings.Contains(string(data), secret) || strings.Contains(string(data), secret[:8]) {
			t.Errorf("%s holds the password", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("nothing under $SYNTX_HOME to check")
	}
}
