package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
)

// The bad-input matrix: every case sends something an editor should not (or
// something unusual it may), through the real server over a pipe, and checks
// the documented behaviour. After each case the server must answer the next
// request, the accept acknowledged at the start must still be recorded, and
// the server's text of every open document must equal the client's model.

// matrix is one session shared by the protocol cases, which run in order.
type matrix struct {
	h     *harness
	ctx   context.Context
	model map[string]string // uri -> the text the client believes
	acked int64
}

// rawNotify sends a notification with hand-written params.
func (m *matrix) rawNotify(t *testing.T, method, params string) {
	t.Helper()
	if err := m.h.c.Conn().Notify(m.ctx, method, jsonrpc2.RawMessage(params)); err != nil {
		t.Fatalf("notify %s: %v", method, err)
	}
}

// rawCall sends a request with hand-written params and returns its error.
func (m *matrix) rawCall(method, params string, result any) error {
	return m.h.c.Call(m.ctx, method, jsonrpc2.RawMessage(params), result)
}

// serverText returns the server's copy of a document.
func serverText(s *Server, uri string) (string, bool) {
	key, _ := normURI(uri)
	d := s.docs.get(key)
	if d == nil {
		return "", false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return string(d.text.Bytes()), true
}

func (m *matrix) status(t *testing.T) Status {
	t.Helper()
	var st Status
	if err := m.h.c.Command(m.ctx, "syntx.status", &st); err != nil {
		t.Fatalf("the server does not answer syntx.status: %v", err)
	}
	return st
}

// check is run after every case.
func (m *matrix) check(t *testing.T) {
	t.Helper()
	st := m.status(t) // also orders: every notification before it is applied
	if st.Events["accepted"] < m.acked {
		t.Fatalf("acknowledged accepts lost: %d recorded, %d acknowledged", st.Events["accepted"], m.acked)
	}
	for uri, want := range m.model {
		got, ok := serverText(m.h.srv, uri)
		if !ok {
			t.Fatalf("%s is not open on the server", uri)
		}
		if got != want {
			t.Fatalf("%s: server text differs from the client's model\n got %q\nwant %q", uri, got, want)
		}
	}
}

// change sends one didChange with explicit LSP positions and updates the
// model with the naive, specification-level reading of those positions.
func (m *matrix) change(t *testing.T, uri string, version int32, enc string, changes ...naiveChange) {
	t.Helper()
	var parts []string
	text := m.model[uri]
	for _, c := range changes {
		s := naiveOffset(text, c.sl, c.sc, enc)
		e := naiveOffset(text, c.el, c.ec, enc)
		if s > e {
			s, e = e, s
		}
		text = text[:s] + c.text + text[e:]
		nt, _ := json.Marshal(c.text)
		parts = append(parts, fmt.Sprintf(`{"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}},"text":%s}`, c.sl, c.sc, c.el, c.ec, nt))
	}
	m.model[uri] = text
	m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":%d},"contentChanges":[%s]}`, uri, version, strings.Join(parts, ",")))
}

type naiveChange struct {
	sl, sc, el, ec uint32
	text           string
}

// naiveOffset maps an LSP position to a byte offset the slow, obvious way:
// lines end at "\r\n", "\r" or "\n"; a line past the end clamps to the end of
// the text, a character past the end of its line to the line's end; a
// character inside a surrogate pair (or a UTF-8 sequence) to the start of
// its character. Invalid bytes count as one unit (U+FFFD).
func naiveOffset(s string, line, char uint32, enc string) int {
	i := 0
	for l := uint32(0); l < line; l++ {
		j := strings.IndexAny(s[i:], "\r\n")
		if j < 0 {
			return len(s)
		}
		i += j
		if strings.HasPrefix(s[i:], "\r\n") {
			i += 2
		} else {
			i++
		}
	}
	units := uint32(0)
	for i < len(s) && s[i] != '\r' && s[i] != '\n' {
		r, size := utf8.DecodeRuneInString(s[i:])
		w := uint32(size)
		if enc == "utf-16" {
			w = 1
			if r >= 0x10000 {
				w = 2
			}
		}
		if units+w > char {
			break
		}
		units += w
		i += size
	}
	return i
}

// startMatrix starts a server on a fresh data directory, opens a Go file and
// accepts one suggestion, so that later cases can check it is never lost.
func startMatrix(t *testing.T) *matrix {
	t.Helper()
	h := start(t)
	h.init(t, false)
	m := &matrix{h: h, ctx: ctx(t), model: map[string]string{}}
	uri := "file:///work/m/accepted.go"
	if err := h.c.Open(m.ctx, uri, "go", goSrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(goSrc, "fmt.Errorf")
	acts, err := suggestions(h.c.CodeActions(m.ctx, uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil || len(acts) == 0 {
		t.Fatalf("no action to accept: %v", err)
	}
	if err := h.c.Apply(m.ctx, acts[0]); err != nil {
		t.Fatal(err)
	}
	m.acked = 1
	m.model[uri] = h.c.Doc(uri).Text
	return m
}

// logged reports whether the server sent (or sends before testwait's
// deadline) window/logMessage or window/showMessage containing all of
// words.
func logged(c *lspclient.Client, words ...string) bool {
	wctx, cancel := context.WithTimeout(context.Background(), testwait.Generous)
	defer cancel()
	_, err := c.WaitFor(wctx, func(n lspclient.Notification) bool {
		if n.Method != "window/logMessage" && n.Method != "window/showMessage" {
			return false
		}
		var p struct{ Message string }
		_ = json.Unmarshal(n.Params, &p)
		for _, w := range words {
			if !strings.Contains(p.Message, w) {
				return false
			}
		}
		return true
	})
	return err == nil
}

func codeActionParams(uri string, sl, sc, el, ec int64) string {
	return fmt.Sprintf(`{"textDocument":{"uri":%q},"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}},"context":{"diagnostics":[],"triggerKind":1}}`, uri, sl, sc, el, ec)
}

func TestBadInputMatrix(t *testing.T) {
	t.Parallel()
	m := startMatrix(t)
	const pyURI = "file:///work/m/p.py"
	const pySrcM = "def f(x=[]):\n    return x == None\n"
	if err := m.h.c.Open(m.ctx, pyURI, "python", pySrcM); err != nil {
		t.Fatal(err)
	}
	m.model[pyURI] = pySrcM
	version := int32(1)
	next := func() int32 { version++; return version }

	cases := []struct {
		name string // the input
		// behaviour is what the server does, for the report; run checks it.
		behaviour string
		run       func(t *testing.T)
	}{
		{"position past the end of the document", "clamped to the end (LSP): the insertion lands at the end", func(t *testing.T) {
			m.change(t, pyURI, next(), "utf-16", naiveChange{1000, 5, 1000, 9, "# tail\n"})
			if !strings.HasSuffix(m.model[pyURI], "# tail\n") {
				t.Fatalf("model %q", m.model[pyURI])
			}
		}},
		{"character past the end of a line", "clamped to the end of that line", func(t *testing.T) {
			m.change(t, pyURI, next(), "utf-16", naiveChange{0, 999, 0, 999, "  # c"})
		}},
		{"codeAction range past the end", "clamped; answered", func(t *testing.T) {
			var res []protocol.CommandOrCodeAction
			if err := m.rawCall("textDocument/codeAction", codeActionParams(pyURI, 0, 0, 1<<31, 1<<31), &res); err != nil {
				t.Fatal(err)
			}
			if len(res) == 0 {
				t.Fatal("no actions over the whole document")
			}
		}},
		{"codeAction with reversed range", "the ends are swapped; answered", func(t *testing.T) {
			var res []protocol.CommandOrCodeAction
			if err := m.rawCall("textDocument/codeAction", codeActionParams(pyURI, 5, 0, 0, 0), &res); err != nil {
				t.Fatal(err)
			}
		}},
		{"negative line in didChange", "the notification is refused (logged), the document is unchanged", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":%d},"contentChanges":[{"range":{"start":{"line":-1,"character":0},"end":{"line":0,"character":0}},"text":"X"}]}`, pyURI, next()))
			m.status(t)
			if !logged(m.h.c, "didChange") {
				t.Error("the refusal was not logged to the client")
			}
		}},
		{"line beyond uint32 in didChange", "refused (logged), document unchanged", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":%d},"contentChanges":[{"range":{"start":{"line":99999999999,"character":0},"end":{"line":0,"character":0}},"text":"X"}]}`, pyURI, next()))
		}},
		{"fractional and string positions in didChange", "refused (logged), document unchanged", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":%d},"contentChanges":[{"range":{"start":{"line":0.5,"character":"a"},"end":{"line":0,"character":0}},"text":"X"}]}`, pyURI, next()))
		}},
		{"max uint32 positions in didChange", "clamped to the end", func(t *testing.T) {
			m.change(t, pyURI, next(), "utf-16", naiveChange{4294967295, 4294967295, 4294967295, 4294967295, "#"})
		}},
		{"negative position in codeAction", "InvalidParams (-32602)", func(t *testing.T) {
			if err := m.rawCall("textDocument/codeAction", codeActionParams(pyURI, -1, -1, 0, 0), nil); errCode(err) != -32602 {
				t.Fatalf("got %v", err)
			}
		}},
		{"version beyond int32", "refused (logged), document unchanged", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":3000000000},"contentChanges":[{"text":"gone"}]}`, pyURI))
		}},
		{"negative version", "applied (the client's text is authoritative), logged as not increasing", func(t *testing.T) {
			m.change(t, pyURI, -5, "utf-16", naiveChange{0, 0, 0, 0, "# neg\n"})
			version = -5
		}},
		{"stale (repeated, lower) version", "applied and logged", func(t *testing.T) {
			m.change(t, pyURI, -7, "utf-16", naiveChange{0, 0, 0, 0, "# stale\n"})
			m.status(t)
			if !logged(m.h.c, "version does not increase") {
				t.Error("stale version not logged")
			}
			version = 100
		}},
		{"empty contentChanges", "only the version moves", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":%d},"contentChanges":[]}`, pyURI, next()))
		}},
		{"change without text", "refused (logged), document unchanged", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":%d},"contentChanges":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":1}}}]}`, pyURI, next()))
		}},
		{"whole-document replacement", "replaces the text", func(t *testing.T) {
			m.model[pyURI] = pySrcM
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":%d},"contentChanges":[{"text":%q}]}`, pyURI, next(), pySrcM))
		}},
		{"params not an object", "refused (logged)", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", `"not an object"`)
			m.rawNotify(t, "textDocument/didOpen", `[1,2]`)
			m.rawNotify(t, "textDocument/didClose", `null`)
			if err := m.rawCall("textDocument/codeAction", `42`, nil); errCode(err) != -32602 {
				t.Fatalf("codeAction with a number: %v", err)
			}
		}},
		{"unknown URI in codeAction", "InvalidParams (-32602): document is not open", func(t *testing.T) {
			err := m.rawCall("textDocument/codeAction", codeActionParams("file:///nowhere/x.go", 0, 0, 0, 0), nil)
			if errCode(err) != -32602 || !strings.Contains(err.Error(), "not open") {
				t.Fatalf("got %v", err)
			}
		}},
		{"unknown URI in didChange, didSave, didClose", "ignored and logged", func(t *testing.T) {
			m.rawNotify(t, "textDocument/didChange", `{"textDocument":{"uri":"file:///nowhere/y.go","version":2},"contentChanges":[{"text":"x"}]}`)
			m.rawNotify(t, "textDocument/didSave", `{"textDocument":{"uri":"file:///nowhere/y.go"}}`)
			m.rawNotify(t, "textDocument/didClose", `{"textDocument":{"uri":"file:///nowhere/y.go"}}`)
			m.status(t)
			if !logged(m.h.c, "not open") {
				t.Error("not logged")
			}
		}},
		{"URIs that are not file URIs, or not quite URIs", "tracked by their text; didOpen, didChange and codeAction find the same document (one canonical form)", func(t *testing.T) {
			for i, u := range []string{"untitled:Untitled-1", "file://host/share/a.go", "jdt://contents/a.go?x=%2F", "git:/work/m/a.go?{\"path\":\"/work/m/a.go\",\"ref\":\"~\"}", "vscode-notebook-cell:/work/m/nb.ipynb#W0sZmlsZQ%3D%3D", "not a uri %%"} {
				m.rawNotify(t, "textDocument/didOpen", fmt.Sprintf(`{"textDocument":{"uri":%q,"languageId":"go","version":1,"text":%q}}`, u, goSrc))
				m.model[u] = goSrc
				m.change(t, u, 2, "utf-16", naiveChange{0, 0, 0, 0, fmt.Sprintf("// %d\n", i)})
				var res []protocol.CommandOrCodeAction
				if err := m.rawCall("textDocument/codeAction", codeActionParams(u, 0, 0, 99, 0), &res); err != nil || len(res) == 0 {
					t.Fatalf("%s: %d actions, %v", u, len(res), err)
				}
			}
		}},
		{"didChange before didOpen", "the change is ignored (logged); the later didOpen's text stands", func(t *testing.T) {
			const u = "file:///work/m/late.go"
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":2},"contentChanges":[{"text":"package early"}]}`, u))
			if err := m.h.c.Open(m.ctx, u, "go", "package late\n"); err != nil {
				t.Fatal(err)
			}
			m.model[u] = "package late\n"
		}},
		{"didOpen of an open document", "replaced by the new text (logged)", func(t *testing.T) {
			const u = "file:///work/m/late.go"
			if err := m.h.c.Open(m.ctx, u, "go", goSrc); err != nil {
				t.Fatal(err)
			}
			m.model[u] = goSrc
		}},
		{"same file under two spellings", "one document (URIs are normalised)", func(t *testing.T) {
			m.change(t, "file:///work/m/late.go", 2, "utf-16", naiveChange{0, 0, 0, 0, "// a\n"})
			m.rawNotify(t, "textDocument/didChange", `{"textDocument":{"uri":"file:///work/m/../m/l%61te.go","version":3},"contentChanges":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":"// b\n"}]}`)
			m.model["file:///work/m/late.go"] = "// b\n" + m.model["file:///work/m/late.go"]
		}},
		{"unknown language id", "tracked as text only: no suggestions, edits still applied", func(t *testing.T) {
			const u = "file:///work/m/prog.cob"
			if err := m.h.c.Open(m.ctx, u, "cobol", "IDENTIFICATION DIVISION.\n"); err != nil {
				t.Fatal(err)
			}
			m.model[u] = "IDENTIFICATION DIVISION.\n"
			m.change(t, u, 2, "utf-16", naiveChange{1, 0, 1, 0, "PROGRAM-ID. X.\n"})
			var res []protocol.CommandOrCodeAction
			if err := m.rawCall("textDocument/codeAction", codeActionParams(u, 0, 0, 9, 0), &res); err != nil || len(res) != 0 {
				t.Fatalf("%d actions, %v", len(res), err)
			}
		}},
		{"unknown language id with a known extension", "the extension decides the grammar", func(t *testing.T) {
			const u = "file:///work/m/ext.go"
			if err := m.h.c.Open(m.ctx, u, "plaintext-ish", goSrc); err != nil {
				t.Fatal(err)
			}
			m.model[u] = goSrc
			var res []protocol.CommandOrCodeAction
			if err := m.rawCall("textDocument/codeAction", codeActionParams(u, 0, 0, 99, 0), &res); err != nil || len(res) == 0 {
				t.Fatalf("%d actions, %v", len(res), err)
			}
		}},
		{"binary content (NUL bytes)", "tracked as text only, no suggestions; suggestions return once the NUL is gone", func(t *testing.T) {
			const u = "file:///work/m/bin.go"
			src := "\x00" + goSrc
			if err := m.h.c.Open(m.ctx, u, "go", src); err != nil {
				t.Fatal(err)
			}
			m.model[u] = src
			var res []protocol.CommandOrCodeAction
			if err := m.rawCall("textDocument/codeAction", codeActionParams(u, 0, 0, 99, 0), &res); err != nil || len(res) != 0 {
				t.Fatalf("binary: %d actions, %v", len(res), err)
			}
			m.change(t, u, 2, "utf-16", naiveChange{0, 0, 0, 1, ""})
			if err := m.rawCall("textDocument/codeAction", codeActionParams(u, 0, 0, 99, 0), &res); err != nil || len(res) == 0 {
				t.Fatalf("after removing the NUL: %d actions, %v", len(res), err)
			}
		}},
		{"invalid UTF-8 (raw bytes in the JSON string)", "each invalid byte is read as U+FFFD; positions count it as one unit", func(t *testing.T) {
			const u = "file:///work/m/latin1.py"
			raw := "# caf\xe9 \xff\xfe\nx = 1\n"
			m.rawNotify(t, "textDocument/didOpen", fmt.Sprintf(`{"textDocument":{"uri":%q,"languageId":"python","version":1,"text":"%s"}}`, u, strings.ReplaceAll(raw, "\n", `\n`)))
			m.status(t)
			got, ok := serverText(m.h.srv, u)
			if !ok {
				t.Fatalf("a didOpen with invalid UTF-8 was refused; logs: %+v", m.h.c.Notifications())
			}
			want := strings.ToValidUTF8(raw, "\uFFFD")
			if got != want && got != replaceEachInvalid(raw) {
				t.Fatalf("server text %q", got)
			}
			m.model[u] = got
			// An edit after the replaced bytes lands where the client meant.
			m.change(t, u, 2, "utf-16", naiveChange{0, uint32(utf16Units(got[:strings.Index(got, "\n")])), 0, uint32(utf16Units(got[:strings.Index(got, "\n")])), "!"})
			// And raw invalid bytes in a didChange.
			m.rawNotify(t, "textDocument/didChange", fmt.Sprintf(`{"textDocument":{"uri":%q,"version":3},"contentChanges":[{"range":{"start":{"line":1,"character":0},"end":{"line":1,"character":0}},"text":"`+"\xc3\x28"+`"}]}`, u))
			m.status(t)
			g2, _ := serverText(m.h.srv, u)
			if !utf8.ValidString(g2) {
				t.Fatalf("invalid UTF-8 kept in the server's text: %q", g2)
			}
			m.model[u] = g2
		}},
		{"unknown command", "InvalidParams (-32602) naming the known commands", func(t *testing.T) {
			err := m.h.c.Command(m.ctx, "syntx.frobnicate", nil)
			if errCode(err) != -32602 || !strings.Contains(err.Error(), "syntx.accept") {
				t.Fatalf("got %v", err)
			}
		}},
		{"malformed command arguments", "InvalidParams (-32602) saying what was expected", func(t *testing.T) {
			for _, p := range []string{
				`{"command":"syntx.accept"}`,
				`{"command":"syntx.accept","arguments":[]}`,
				`{"command":"syntx.accept","arguments":[42]}`,
				`{"command":"syntx.accept","arguments":[{"id":"x"}]}`,
				`{"command":"syntx.accept","arguments":[""]}`,
				`{"command":"syntx.accept","arguments":["no-such-suggestion"]}`,
				`{"command":"syntx.accept","arguments":"not a list"}`,
				`{"command":"syntx.dismiss","arguments":["no-such-set","not-helpful"]}`,
				`{"command":"syntx.dismiss","arguments":[null]}`,
				`{"command":"syntx.setPersona","arguments":["nobody"]}`,
				`{"command":"syntx.setPersona","arguments":[["developer"]]}`,
				`{"command":42}`,
				`{}`,
			} {
				if err := m.rawCall("workspace/executeCommand", p, nil); errCode(err) != -32602 {
					t.Errorf("%s: got %v, want -32602", p, err)
				}
			}
		}},
		{"dismiss with an unknown reason", "InvalidParams (-32602)", func(t *testing.T) {
			var res []protocol.CommandOrCodeAction
			if err := m.rawCall("textDocument/codeAction", codeActionParams(pyURI, 0, 0, 99, 0), &res); err != nil || len(res) < 2 {
				t.Fatalf("%d actions, %v", len(res), err)
			}
			last := res[len(res)-1].(*protocol.CodeAction)
			var setID string
			if b, err := protocol.Marshal(last.Command.Arguments[0]); err != nil || json.Unmarshal(b, &setID) != nil || setID == "" {
				t.Fatalf("the menu's last entry has no set id: %+v", last.Command)
			}
			if err := m.h.c.Command(m.ctx, "syntx.dismiss", nil, setID, "because"); errCode(err) != -32602 {
				t.Fatalf("got %v", err)
			}
		}},
		{"cancel of an unknown request", "ignored", func(t *testing.T) {
			m.rawNotify(t, "$/cancelRequest", `{"id":987654}`)
			m.rawNotify(t, "$/cancelRequest", `{"id":{"x":1}}`)
			m.rawNotify(t, "$/cancelRequest", `7`)
		}},
		{"accept run twice", "the second is a no-op; one accepted event", func(t *testing.T) {
			var res []protocol.CommandOrCodeAction
			if err := m.rawCall("textDocument/codeAction", codeActionParams(pyURI, 0, 0, 99, 0), &res); err != nil || len(res) < 2 {
				t.Fatalf("%d actions, %v", len(res), err)
			}
			a := res[0].(*protocol.CodeAction)
			tde := a.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
			var chs []naiveChange
			for i := len(tde.Edits) - 1; i >= 0; i-- { // last first: earlier ranges stay valid
				e := tde.Edits[i].(*protocol.TextEdit)
				chs = append(chs, naiveChange{e.Range.Start.Line, e.Range.Start.Character, e.Range.End.Line, e.Range.End.Character, e.NewText})
			}
			m.change(t, pyURI, next(), "utf-16", chs...)
			for i := 0; i < 2; i++ {
				if err := m.h.c.Call(m.ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{Command: a.Command.Command, Arguments: a.Command.Arguments}, nil); err != nil {
					t.Fatal(err)
				}
			}
			m.acked++
			if st := m.status(t); st.Events["accepted"] != m.acked {
				t.Fatalf("%d accepted events, want %d", st.Events["accepted"], m.acked)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t)
			m.check(t)
			t.Logf("%s → %s", c.name, c.behaviour)
		})
	}
}

func utf16Units(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// replaceEachInvalid replaces every invalid byte (not every run) with U+FFFD,
// as encoding/json does.
func replaceEachInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// TestMixedLineEndings edits a document holding "\r\n", "\r" and "\n" line
// ends with random changes across them (joining and splitting terminators,
// multi-byte and astral characters, positions past the ends), and checks
// after every notification that the server's text equals a naive model of
// the specification, in both position encodings.
func TestMixedLineEndings(t *testing.T) {
	t.Parallel()
	pieces := []string{"", "a", "\n", "\r\n", "\r", "é", "😀", "x = 1\r\n", "\r\r\n\n", "def f():\r    pass\n"}
	for _, enc := range []string{"utf-16", "utf-8"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			h := start(t)
			h.init(t, enc == "utf-8")
			// 300 edits, each followed by syntx.status: the test's generous
			// deadline for all of them on a loaded machine.
			c := testwait.Context(t)
			m := &matrix{h: h, ctx: c, model: map[string]string{}}
			const u = "file:///work/m/endings.py"
			src := "import os\r\nx = 1\ry = 2\nz = [\r\n  1,\r  2😀,\n]\r\n\r\rdef f(a=[]):\r\n    return a == None\r"
			if err := h.c.Open(m.ctx, u, "python", src); err != nil {
				t.Fatal(err)
			}
			m.model[u] = src
			rng := rand.New(rand.NewPCG(7, 11))
			for v := int32(2); v < 300; v++ {
				var chs []naiveChange
				for k := 1 + rng.IntN(3); k > 0; k-- {
					lines := uint32(strings.Count(m.model[u], "\n") + strings.Count(m.model[u], "\r") + 2)
					sl, el := rng.Uint32N(lines), rng.Uint32N(lines)
					if sl > el {
						sl, el = el, sl
					}
					if rng.IntN(2) == 0 {
						el = sl
					}
					sc, ec := rng.Uint32N(14), rng.Uint32N(14)
					if sl == el && sc > ec {
						sc, ec = ec, sc
					}
					chs = append(chs, naiveChange{sl, sc, el, ec, pieces[rng.IntN(len(pieces))]})
				}
				m.change(t, u, v, enc, chs...)
				if v%10 == 0 {
					var res []protocol.CommandOrCodeAction
					if err := m.rawCall("textDocument/codeAction", codeActionParams(u, 0, 0, 999, 0), &res); err != nil {
						t.Fatal(err)
					}
				}
				m.check(t)
			}
		})
	}
}

// TestEmptyFrame: a frame with Content-Length: 0 is answered with a parse
// error and the session goes on (jsonrpc2's own reader ends the connection).
func TestEmptyFrame(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	s := NewServer(Options{Rules: builtinRules()})
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- s.Serve(c, a) }()
	rc := &rawConn{c: b, r: bufio.NewReader(b)}
	rc.send(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	rc.readResponse(t)
	for _, frame := range []string{"Content-Length: 0\r\n\r\n", "Content-Length: 2\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n  ", "content-length:3\n\n{ }"} {
		if _, err := b.Write([]byte(frame)); err != nil {
			t.Fatal(err)
		}
		if r := rc.readResponse(t); !strings.Contains(r, `"code":-32`) {
			t.Fatalf("%q: got %s, want an error", frame, r)
		}
	}
	rc.send(t, `{"jsonrpc":"2.0","id":9,"method":"workspace/executeCommand","params":{"command":"syntx.status"}}`)
	if r := rc.readResponse(t); !strings.Contains(r, `"rules"`) {
		t.Fatalf("the server no longer answers: %s", r)
	}
	// A header that cannot be parsed ends the session: the stream cannot be
	// resynchronised.
	_, _ = b.Write([]byte("Content-Length: lots\r\n\r\n"))
	testwait.For(t, done, "the server to end on a broken header")
	_ = b.Close()
}

// quietLogger is for servers whose warnings the test provokes on purpose.
func quietLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}
