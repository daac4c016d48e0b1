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
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// This file holds every workaround for go.lsp.dev/jsonrpc2, as of
// jsonrpc2Checked (jsonrpc2_workarounds_test.go fails when go.mod moves to
// another version, and, for each defect below, when upstream fixes it: then
// delete the workaround its message names).
//
//   - The connection ends on a frame it cannot decode: a body that is not
//     JSON, a message with neither a method nor a result, a jsonrpc other
//     than "2.0" (the read loop treats the decoding error as a read error). One bad
//     message from an editor or a plugin would end the session. guardedStream
//     reads the frames itself and screens each (ReadFrame, screen): a frame
//     jsonrpc2 cannot decode is answered with the JSON-RPC error the
//     specification names (-32700 parse error, -32600 invalid request) and
//     skipped. Test: TestUpstreamEndsTheConnectionOnAnUndecodableFrame;
//     server side: TestMalformedMessages.
//   - The header stream ends the connection on a frame whose Content-Length
//     is 0 (readContentLength refuses it as ErrInvalidHeader, documented in
//     framer.go), although the stream is still in step: readFrame reads
//     frames itself, and an empty body is answered with a parse error like
//     any other body that is not JSON. Headers that cannot be parsed still
//     end the connection (the stream cannot be resynchronised), as does a
//     Content-Length over maxFrameBytes. Test:
//     TestUpstreamRefusesAnEmptyFrame; server side: TestEmptyFrame.
//   - The context a handler is given is the pooled request itself
//     (incomingRequest in conn.go, recycled through irPool once the handler
//     returns): kept past the handler, it no longer says that its request
//     ended (Err is nil; with the request zeroed, it dereferences a nil
//     parent) and it may already be the next request's context. Anything
//     that watches it from a goroutine (context propagation, a queued job,
//     tree-sitter) can touch it after that. detachRequest gives handlers a
//     context of their own (values kept, for jsonrpc2.Async), which handle
//     cancels when the handler returns. For the same reason
//     jsonrpc2.CancelHandler, which derives its contexts from the pooled one,
//     is not used: inflight maps request ids to the detached contexts'
//     cancel functions for $/cancelRequest. Test:
//     TestUpstreamRecyclesTheRequestContext; server side:
//     TestRequestTimeoutAndCancel and TestToleratesOddInput (with handlers'
//     contexts derived from jsonrpc2's, the context package's propagation
//     goroutine calls the recycled request's Done and panics: "cannot
//     create context from nil parent").
//
// Not workarounds, though they sit next to jsonrpc2: screen's refusal of
// batches (jsonrpc2 serves them; LSP has none, so we answer -32600),
// Serve's one-second bound on conn.Close (a read from a stdin that cannot
// be polled cannot be interrupted: the operating system's limit, not
// jsonrpc2's), the handlers' calls to jsonrpc2.Async (its API for releasing
// the read loop), and guardedStream's count of unanswered requests (our
// back-pressure).

// jsonrpc2Checked is the go.lsp.dev/jsonrpc2 version the workarounds were
// checked against.
const jsonrpc2Checked = "v1.0.1"

// Workaround: undecodable frames end the connection.

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

// ReadFrame returns the next frame jsonrpc2 can decode (jsonrpc2's conn
// reads frames through it when the stream offers it). A frame it cannot
// decode is answered here and skipped; each call read is counted (Pending).
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

// Workaround: Content-Length: 0 ends the connection.

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

// Workaround: the request context is recycled.

// detachRequest returns the context a handler runs with in place of
// jsonrpc2's pooled request context ctx: ctx's values (jsonrpc2.Async finds
// its release token there), none of its cancellation, and a cancel function
// that handle calls when the handler returns (nil cause) or that
// $/cancelRequest calls (errClientCancelled).
func detachRequest(ctx context.Context) (context.Context, context.CancelCauseFunc) {
	return context.WithCancelCause(context.WithoutCancel(ctx))
}

// inflight maps the ids of running requests to their cancel functions, for
// $/cancelRequest, in place of jsonrpc2.CancelHandler, which derives a
// context from the pooled request context with a goroutine that can outlive
// the request.
type inflight struct {
	mu sync.Mutex
	m  map[jsonrpc2.ID]context.CancelFunc
}

func (f *inflight) add(id jsonrpc2.ID, cancel context.CancelFunc) {
	// cancel is called only for $/cancelRequest.
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[jsonrpc2.ID]context.CancelFunc{}
	}
	f.m[id] = cancel
}

func (f *inflight) remove(id jsonrpc2.ID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, id)
}

func (f *inflight) cancel(id jsonrpc2.ID) {
	f.mu.Lock()
	cancel := f.m[id]
	f.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
