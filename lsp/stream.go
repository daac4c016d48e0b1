package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"

	"go.lsp.dev/jsonrpc2"
)

// frameIO is what jsonrpc2's header stream offers beyond jsonrpc2.Stream.
type frameIO interface {
	jsonrpc2.Stream
	ReadFrame(ctx context.Context) ([]byte, int64, error)
	WriteFrame(ctx context.Context, data []byte) (int64, error)
}

// guardedStream screens incoming frames before jsonrpc2 sees them. jsonrpc2
// ends the connection on a frame it cannot decode (a message with neither a
// method nor a result, say), which would take the editor's session down with
// it; here such a frame is answered with the JSON-RPC error the specification
// names (-32700 parse error, -32600 invalid request) and skipped. Batches,
// which LSP does not use, are refused the same way.
//
// Frames are read here rather than by jsonrpc2's header stream, which ends
// the connection on a frame whose Content-Length is 0: an empty body is
// answered with a parse error like any other body that is not JSON. Headers
// that cannot be parsed still end the connection (the stream cannot be
// resynchronised), as does a Content-Length over maxFrameBytes. Writes go
// through jsonrpc2's header stream.
//
// The stream also counts the requests whose answer has not been written yet
// (Pending): every call read adds one, every response written takes one
// away. A response is written only when the client reads (the pipe is
// bounded), so this counts what a client that does not read its answers
// costs the server; the server refuses requests past a bound instead of
// keeping each one's work in memory.
type guardedStream struct {
	frameIO
	in      *bufio.Reader
	log     func(msg string, args ...any)
	pending atomic.Int64
}

func newGuardedStream(rwc io.ReadWriteCloser, log func(string, ...any)) jsonrpc2.Stream {
	s := jsonrpc2.NewHeaderStream(rwc)
	f, ok := s.(frameIO)
	if !ok {
		return s // a jsonrpc2 without frame access: nothing to screen with
	}
	return &guardedStream{frameIO: f, in: bufio.NewReader(rwc), log: log}
}

// Pending returns the number of requests read whose response has not been
// written.
func (g *guardedStream) Pending() int64 { return g.pending.Load() }

// Write writes one message, counting the responses.
func (g *guardedStream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	data, err := jsonrpc2.EncodeMessage(msg)
	if err != nil {
		return 0, err
	}
	m, _ := jsonrpc2.DecodeMessage(data)
	_, response := m.(*jsonrpc2.Response)
	n, err := g.frameIO.WriteFrame(ctx, data)
	if response {
		g.pending.Add(-1)
	}
	return n, err
}

// maxFrameBytes bounds one message, as jsonrpc2 does (1 GiB). The body is
// read as it arrives, so a header that claims more than is sent costs no
// more memory than what was sent.
const maxFrameBytes = 1 << 30

// readFrame reads one Content-Length framed body. It returns io.EOF when the
// stream ends between frames.
func (g *guardedStream) readFrame() ([]byte, int64, error) {
	length, consumed := -1, 0
	for {
		line, err := g.in.ReadSlice('\n')
		if err != nil {
			switch {
			case err == io.EOF && consumed == 0 && len(line) == 0:
				return nil, 0, io.EOF
			case err == io.EOF:
				return nil, 0, io.ErrUnexpectedEOF
			case errors.Is(err, bufio.ErrBufferFull):
				return nil, 0, jsonrpc2.ErrInvalidHeader
			}
			return nil, 0, err
		}
		consumed += len(line)
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, 0, jsonrpc2.ErrInvalidHeader
		}
		if strings.EqualFold(string(name), "content-length") {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(value)), 10, 64)
			if err != nil || n > maxFrameBytes {
				return nil, 0, jsonrpc2.ErrInvalidHeader
			}
			length = int(n)
		}
	}
	if length < 0 {
		return nil, 0, jsonrpc2.ErrInvalidHeader
	}
	var body bytes.Buffer
	body.Grow(min(length, 1<<20))
	if _, err := io.CopyN(&body, g.in, int64(length)); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, err
	}
	return body.Bytes(), int64(consumed + length), nil
}

// Read reads and decodes one message (for a jsonrpc2 that does not read
// frames).
func (g *guardedStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	frame, n, err := g.ReadFrame(ctx)
	if err != nil {
		return nil, 0, err
	}
	msg, err := jsonrpc2.DecodeMessage(frame)
	return msg, n, err
}

func (g *guardedStream) ReadFrame(ctx context.Context) ([]byte, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		frame, n, err := g.readFrame()
		if err != nil {
			return frame, n, err
		}
		code, msg, m := screen(frame)
		if code == 0 {
			if _, call := m.(*jsonrpc2.Call); call {
				g.pending.Add(1)
			}
			return frame, n, nil
		}
		g.log("refused a malformed message", "error", msg, "frame", truncate(frame, 200))
		if _, err := g.frameIO.WriteFrame(ctx, errorFrame(frameID(frame), code, msg)); err != nil {
			return nil, 0, err
		}
	}
}

// screen returns 0 and the decoded message for a frame jsonrpc2 can decode,
// else the error to answer.
func screen(frame []byte) (int64, string, jsonrpc2.Message) {
	trimmed := bytes.TrimSpace(frame)
	if len(trimmed) == 0 {
		return int64(jsonrpc2.ErrParse.Code), "empty message", nil
	}
	if !json.Valid(trimmed) {
		return int64(jsonrpc2.ErrParse.Code), "message is not valid JSON", nil
	}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return int64(jsonrpc2.ErrInvalidRequest.Code), "batch messages are not part of LSP", nil
	}
	m, err := jsonrpc2.DecodeMessage(frame)
	if err != nil {
		return int64(jsonrpc2.ErrInvalidRequest.Code), fmt.Sprintf("not a JSON-RPC 2.0 request, notification or response: %v", err), nil
	}
	return 0, "", m
}

// frameID extracts the id of a frame that is at least a JSON object.
func frameID(frame []byte) json.RawMessage {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(frame, &m) == nil && len(m.ID) > 0 {
		var n json.Number
		var s string
		if json.Unmarshal(m.ID, &n) == nil || json.Unmarshal(m.ID, &s) == nil {
			return m.ID
		}
	}
	return json.RawMessage("null")
}

func errorFrame(id json.RawMessage, code int64, msg string) []byte {
	m, _ := json.Marshal(msg)
	return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":%d,"message":%s}}`, id, code, m))
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
