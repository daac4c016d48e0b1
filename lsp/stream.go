package lsp

import (
	"bufio"
	"context"
	"io"
	"sync/atomic"

	"go.lsp.dev/jsonrpc2"
)

// frameIO is what jsonrpc2's header stream offers beyond jsonrpc2.Stream.
type frameIO interface {
	jsonrpc2.Stream
	ReadFrame(ctx context.Context) ([]byte, int64, error)
	WriteFrame(ctx context.Context, data []byte) (int64, error)
}

// guardedStream is the connection's stream. It reads frames itself and
// screens them before jsonrpc2 sees them, to work around two defects of
// jsonrpc2 (undecodable frames and empty bodies end the connection; see
// jsonrpc2_workarounds.go, which holds ReadFrame and Read). Writes go through
// jsonrpc2's header stream.
//
// The stream also counts the requests whose answer has not been written yet
// (Pending): every call read adds one, every response written takes one
// away. A response is written only when the client reads (the pipe is
// bounded), so this counts what a client that does not read its answers
// costs the server; the server refuses requests past a bound instead of
// keeping each one's work in memory. The count is our own design, not a
// workaround: it stays when the workarounds go.
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
