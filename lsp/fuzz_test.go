package lsp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"

	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/rules"
)

var (
	fuzzRulesOnce sync.Once
	fuzzRules     *rules.Library
)

// builtinRules loads the embedded rules once per process: compiling the
// queries costs more than a fuzz input.
func builtinRules() *rules.Library {
	fuzzRulesOnce.Do(func() { fuzzRules = rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()}) })
	return fuzzRules
}

// panicWatch is a log handler that notices the handler's recovered panics,
// which the server otherwise turns into an InternalError answer.
type panicWatch struct {
	mu     sync.Mutex
	panics []string
}

func (w *panicWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "handler panic" {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
		w.mu.Lock()
		w.panics = append(w.panics, msg)
		w.mu.Unlock()
	}
	return nil
}
func (w *panicWatch) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *panicWatch) WithGroup(string) slog.Handler      { return w }

func (w *panicWatch) first() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.panics) == 0 {
		return ""
	}
	return w.panics[0]
}

// frameSep separates the frames of one fuzz input. A raw 0x1E cannot occur
// in valid JSON, so splitting loses no valid message.
const frameSep = "\x1e"

const (
	maxFuzzInput  = 64 << 10
	maxFuzzFrames = 24
)

// frameReader reads Content-Length framed messages from the server.
type frameReader struct {
	r *bufio.Reader
}

func (fr *frameReader) next() ([]byte, error) {
	n := -1
	for {
		line, err := fr.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	if n < 0 {
		return nil, fmt.Errorf("frame without Content-Length")
	}
	buf := make([]byte, n)
	_, err := io.ReadFull(fr.r, buf)
	return buf, err
}

// FuzzServerFrames feeds arbitrary bytes, split into frames at 0x1E, to an
// initialized server over a pipe, each as one Content-Length framed message,
// and requires that the server never panics (not even in a handler, where
// the panic is recovered) and still answers a valid request afterwards,
// unless one of the frames was an exit notification. Seeds:
// testdata/fuzz/FuzzServerFrames.
func FuzzServerFrames(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///f/a.go","languageId":"go","version":1,"text":"package p\n\nimport \"fmt\"\n\nfunc f(err error) error { return fmt.Errorf(\"x %v\", err) }\n"}}}` + frameSep +
		`{"jsonrpc":"2.0","id":2,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///f/a.go"},"range":{"start":{"line":4,"character":30},"end":{"line":4,"character":30}},"context":{"diagnostics":[]}}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"textDocument/codeAction","params":{bad json}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":3,"method":"codeAction/resolve","params":{"title":"x","data":{"suggestionId":"s-1"}}}` + frameSep +
		`{"jsonrpc":"2.0","id":4,"method":"codeAction/resolve","params":{"title":"x","data":"not an object"}}` + frameSep +
		`{"jsonrpc":"2.0","id":5,"method":"codeAction/resolve","params":{"title":"x","edit":{"changes":{}}}}`))
	f.Add([]byte("\xff\xfe"))
	// Compile the built-in rules (seconds, once per process) before the
	// fuzzer times inputs: on a loaded machine the first input of each new
	// worker would otherwise take long enough to count as a hang.
	builtinRules()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		frames := bytes.Split(data, []byte(frameSep))
		if len(frames) > maxFuzzFrames {
			frames = frames[:maxFuzzFrames]
		}
		exits := false
		for _, fr := range frames {
			if m, err := jsonrpc2.DecodeMessage(fr); err == nil {
				if r, ok := m.(interface{ Method() string }); ok && r.Method() == "exit" {
					exits = true
				}
			}
		}
		watch := &panicWatch{}
		s := NewServer(Options{Logger: slog.New(watch), Rules: builtinRules()})
		a, b := net.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		served := make(chan int, 1)
		go func() {
			code := s.Serve(ctx, a)
			// The server is gone, as a process's stdio closes when it
			// exits: writes to it fail at once instead of blocking until
			// a deadline (an exit frame ends the server mid-input).
			_ = a.Close()
			served <- code
		}()

		// Drain everything the server writes; remember the answer to the
		// final request.
		const finalID = `"fuzz-final-request"`
		answered := make(chan []byte, 1)
		go func() {
			fr := &frameReader{r: bufio.NewReader(b)}
			for {
				m, err := fr.next()
				if err != nil {
					return
				}
				if bytes.Contains(m, []byte(`"id":`+finalID)) && !bytes.Contains(m, []byte(`"method"`)) {
					select {
					case answered <- m:
					default:
					}
				}
			}
		}()
		var writeErr atomic.Value
		write := func(body []byte) bool {
			_ = b.SetWriteDeadline(testwait.Deadline(t))
			if _, err := fmt.Fprintf(b, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
				writeErr.Store(err)
				return false
			}
			return true
		}
		write([]byte(`{"jsonrpc":"2.0","id":"fuzz-init","method":"initialize","params":{"capabilities":{}}}`))
		write([]byte(`{"jsonrpc":"2.0","method":"initialized","params":{}}`))
		ok := true
		for _, fr := range frames {
			if ok = write(fr); !ok {
				break
			}
		}
		if ok {
			write([]byte(`{"jsonrpc":"2.0","id":` + finalID + `,"method":"workspace/executeCommand","params":{"command":"syntx.status"}}`))
		}
		var got []byte
		deadline := time.NewTimer(time.Until(testwait.Deadline(t)))
		defer deadline.Stop()
		select {
		case got = <-answered:
		case code := <-served:
			served <- code
		case <-deadline.C:
		}
		if p := watch.first(); p != "" {
			t.Fatalf("a handler panicked: %s", p)
		}
		if got == nil && !exits {
			t.Fatalf("the server did not answer a valid request after the fuzzed frames (write error: %v)", writeErr.Load())
		}
		if got != nil && !bytes.Contains(got, []byte(`"result"`)) && !bytes.Contains(got, []byte(`"error"`)) {
			t.Fatalf("final answer is neither a result nor an error: %s", got)
		}
		_ = b.Close()
		testwait.For(t, served, "the server to stop at the end of its input")
	})
}
