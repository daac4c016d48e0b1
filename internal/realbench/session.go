package realbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.lsp.dev/jsonrpc2"

	"github.com/syntx/syntx/syntax"
)

// Doc is an open document whose one edit site toggles between the text as
// it is and the text with one character inserted.
type Doc struct {
	URI, LanguageID string
	base            string
	at              int // byte offset of the insertion
	line, col       uint32
	lines           uint32 // lines in the text
	version         int32
	inserted        bool
	full            [2][]byte // the text without / with the insertion, as JSON strings
	uriJSON         []byte
}

// typed is the character typed at the edit site.
const typed = "x"

// NewDoc describes a document of path with text, edited at byte offset at.
func NewDoc(path, languageID, text string, at int) *Doc {
	t := syntax.NewText([]byte(text))
	p := t.Position(at, syntax.UTF16)
	d := &Doc{URI: fileURI(path), LanguageID: languageID, base: text, at: at, line: p.Line, col: p.Character, lines: uint32(t.LineOf(t.Len())) + 1, version: 1}
	d.full[0], _ = json.Marshal(text)
	d.full[1], _ = json.Marshal(text[:at] + typed + text[at:])
	d.uriJSON, _ = json.Marshal(d.URI)
	return d
}

// Line returns the line of the edit site.
func (d *Doc) Line() uint32 { return d.line }

// Col returns the edit's column (UTF-16), where a bare cursor's request is
// made on its line: on a minified file's one line a cursor reaches about
// a kilobyte on each side, not the whole line.
func (d *Doc) Col() uint32 { return d.col }

// Lines returns how many lines the text has.
func (d *Doc) Lines() uint32 { return d.lines }

func (d *Doc) text() string {
	if d.inserted {
		return d.base[:d.at] + typed + d.base[d.at:]
	}
	return d.base
}

// change builds the next didChange: the insertion, or its removal; whole
// when full.
func (d *Doc) change(full bool) jsonrpc2.RawMessage {
	d.inserted = !d.inserted
	d.version++
	var b bytes.Buffer
	b.WriteString(`{"textDocument":{"uri":`)
	b.Write(d.uriJSON)
	b.WriteString(`,"version":`)
	b.WriteString(strconv.Itoa(int(d.version)))
	b.WriteString(`},"contentChanges":[`)
	switch {
	case full && d.inserted:
		b.WriteString(`{"text":`)
		b.Write(d.full[1])
		b.WriteString(`}`)
	case full:
		b.WriteString(`{"text":`)
		b.Write(d.full[0])
		b.WriteString(`}`)
	case d.inserted:
		fmt.Fprintf(&b, `{"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}},"text":%q}`, d.line, d.col, d.line, d.col, typed)
	default:
		fmt.Fprintf(&b, `{"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}},"text":""}`, d.line, d.col, d.line, d.col+1)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// request is a code action request: a cursor on a line, or a whole file.
type request struct {
	line    uint32
	char    uint32 // the cursor's column: the edit's on its line, else 0
	whole   bool
	invoked bool // explicit (a whole file always is); else automatic, as a lightbulb asks
}

func (d *Doc) codeAction(r request, diags []json.RawMessage) jsonrpc2.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"textDocument":{"uri":`)
	b.Write(d.uriJSON)
	b.WriteString(`},`)
	trigger := 2 // automatic: the lightbulb
	if r.invoked {
		trigger = 1
	}
	if r.whole {
		fmt.Fprintf(&b, `"range":{"start":{"line":0,"character":0},"end":{"line":%d,"character":0}},`, d.lines)
		trigger = 1 // invoked
	} else {
		fmt.Fprintf(&b, `"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}},`, r.line, r.char, r.line, r.char)
	}
	b.WriteString(`"context":{"diagnostics":[`)
	first := true
	for _, dg := range diags {
		if !r.whole && !onLine(dg, r.line) {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		b.Write(dg)
	}
	fmt.Fprintf(&b, `],"triggerKind":%d}}`, trigger)
	return b.Bytes()
}

func onLine(diag json.RawMessage, line uint32) bool {
	var d struct {
		Range struct {
			Start, End struct{ Line uint32 }
		}
	}
	if json.Unmarshal(diag, &d) != nil {
		return false
	}
	return d.Range.Start.Line <= line && line <= d.Range.End.Line
}

// usesDiagnostics reports whether the server answers code actions from the
// diagnostics the client passes, which it publishes after each change.
func (s *Server) usesDiagnostics() bool { return s.full }

// EditThen makes one edit of d and then the request. With settle, it waits
// until the server has taken in the edit (for a server that publishes
// diagnostics, those of the new version; for the others, the answer to a
// request that asks for nothing: the requests are answered in order) and
// times the request alone; without, it times from sending the edit to the
// answer. It returns the time and the number of actions.
func (s *Server) EditThen(ctx context.Context, d *Doc, r request, settle bool) (time.Duration, int, error) {
	change := d.change(s.full)
	t0 := time.Now()
	if err := s.conn.Notify(ctx, "textDocument/didChange", change); err != nil {
		return 0, 0, err
	}
	var diags []json.RawMessage
	if s.usesDiagnostics() {
		var err error
		if diags, err = s.waitDiagnostics(ctx, d.URI, d.version); err != nil {
			return 0, 0, err
		}
	} else if settle {
		var res jsonrpc2.RawMessage
		if _, err := s.conn.Call(ctx, "textDocument/codeAction", d.nothing(), &res); err != nil {
			return 0, 0, fmt.Errorf("%s: codeAction: %w", s.Name, err)
		}
	}
	if settle {
		t0 = time.Now()
	}
	var res jsonrpc2.RawMessage
	if _, err := s.conn.Call(ctx, "textDocument/codeAction", d.codeAction(r, diags), &res); err != nil {
		return 0, 0, fmt.Errorf("%s: codeAction: %w", s.Name, err)
	}
	dt := time.Since(t0)
	var acts []json.RawMessage
	_ = json.Unmarshal(res, &acts)
	return dt, len(acts), nil
}

// nothing is a code action request that no server has actions for: an empty
// range on the first line, for a kind nobody offers.
// Nothing times a request the server answers without work (d.nothing):
// what a round trip costs apart from the server's analysis.
func (s *Server) Nothing(ctx context.Context, d *Doc) (time.Duration, error) {
	t0 := time.Now()
	var res jsonrpc2.RawMessage
	if _, err := s.conn.Call(ctx, "textDocument/codeAction", d.nothing(), &res); err != nil {
		return 0, fmt.Errorf("%s: codeAction: %w", s.Name, err)
	}
	return time.Since(t0), nil
}

func (d *Doc) nothing() jsonrpc2.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"textDocument":{"uri":`)
	b.Write(d.uriJSON)
	b.WriteString(`},"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"context":{"diagnostics":[],"only":["none.realbench"],"triggerKind":1}}`)
	return b.Bytes()
}

// Ready waits until the server has taken in d: for a server that publishes
// diagnostics, those of its current version; for the others, an answered
// request, and when the edit site's line has a rule site (hasSites), a
// request there that finds it (SyntX analyses a large file in the
// background, answering with nothing until it is done).
func (s *Server) Ready(ctx context.Context, d *Doc, hasSites bool) error {
	if s.usesDiagnostics() {
		_, err := s.waitDiagnostics(ctx, d.URI, d.version)
		return err
	}
	for {
		var res jsonrpc2.RawMessage
		r := request{line: d.line, char: d.col}
		r.invoked = true
		if _, err := s.conn.Call(ctx, "textDocument/codeAction", d.codeAction(r, nil), &res); err != nil {
			return err
		}
		var acts []json.RawMessage
		_ = json.Unmarshal(res, &acts)
		if len(acts) > 0 || !hasSites {
			return nil
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("%s: no code action in %s: %w", s.Name, d.URI, ctx.Err())
		}
	}
}
