package lsp

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
)

// logBuffer is a log destination the test reads while the server writes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// count returns how many lines hold s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// TestFixThatDoesNotApplyIsRenderedOncePerText: a fix the text does not
// allow (here go.string-concat-loop's strings.Builder in a file that
// dot-imports strings, as package strings_test of the standard library
// does) is not offered, is rendered once per text rather than on every
// request, and is logged at debug level, not as a warning (it is a
// precondition, not a defect); an edit renders it again.
func TestFixThatDoesNotApplyIsRenderedOncePerText(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	c, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h, _ := serveHarness(t, c, t.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil, nil)
	uri := "file:///work/dot/concat.go"
	src := "package p\n\nimport . \"strings\"\n\n// Join joins.\nfunc Join(xs []string) string {\n\ts := \"\"\n\tfor _, x := range xs {\n\t\ts += \"<\" + TrimSpace(x)\n\t}\n\treturn s\n}\n"
	if err := h.c.Open(c, uri, "go", src); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(src, "s += ")
	ask := func() {
		t.Helper()
		acts, err := suggestions(h.c.CodeActions(c, uri, at, at, protocol.CodeActionTriggerKindInvoked))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts {
			var rule string
			_ = jsonField(a.Data, "ruleId", &rule)
			if rule == "go.string-concat-loop" {
				t.Fatalf("offered %q, whose fix would leave strings undefined", a.Title)
			}
		}
	}
	for range 3 {
		ask()
	}
	if n := logs.count(`msg="fix failed"`); n != 1 {
		t.Fatalf("%d fix failed records after three requests on one text, want 1:\n%s", n, logs.b.String())
	}
	if n := logs.count(`level=WARN msg="fix failed"`); n != 0 {
		t.Fatalf("a fix the text does not allow logged as a warning:\n%s", logs.b.String())
	}
	// An edit (in the doc comment) renders it again, once.
	doc := strings.Index(src, "joins")
	if err := h.c.Change(c, uri, lspclient.Edit{Start: doc, End: doc, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	ask()
	ask()
	if n := logs.count(`msg="fix failed"`); n != 2 {
		t.Fatalf("%d fix failed records after an edit and two more requests, want 2", n)
	}
}
