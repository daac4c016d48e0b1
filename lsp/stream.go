package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

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
type guardedStream struct {
	frameIO
	log func(msg string, args ...any)
}

func newGuardedStream(rwc io.ReadWriteCloser, log func(string, ...any)) jsonrpc2.Stream {
	s := jsonrpc2.NewHeaderStream(rwc)
	f, ok := s.(frameIO)
	if !ok {
		return s // a jsonrpc2 without frame access: nothing to screen with
	}
	return &guardedStream{frameIO: f, log: log}
}

func (g *guardedStream) ReadFrame(ctx context.Context) ([]byte, int64, error) {
	for {
		frame, n, err := g.frameIO.ReadFrame(ctx)
		if err != nil {
			return frame, n, err
		}
		code, msg := screen(frame)
		if code == 0 {
			return frame, n, nil
		}
		g.log("refused a malformed message", "error", msg, "frame", truncate(frame, 200))
		if _, err := g.frameIO.WriteFrame(ctx, errorFrame(frameID(frame), code, msg)); err != nil {
			return nil, 0, err
		}
	}
}

// screen returns 0 for a frame jsonrpc2 can decode, else the error to answer.
func screen(frame []byte) (int64, string) {
	trimmed := bytes.TrimSpace(frame)
	if !json.Valid(trimmed) {
		return int64(jsonrpc2.ErrParse.Code), "message is not valid JSON"
	}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return int64(jsonrpc2.ErrInvalidRequest.Code), "batch messages are not part of LSP"
	}
	if _, err := jsonrpc2.DecodeMessage(frame); err != nil {
		return int64(jsonrpc2.ErrInvalidRequest.Code), fmt.Sprintf("not a JSON-RPC 2.0 request, notification or response: %v", err)
	}
	return 0, ""
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
