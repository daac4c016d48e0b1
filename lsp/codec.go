package lsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// codec marshals payloads with the protocol package's union-aware encoder,
// like the one protocol.NewServer installs.
type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case jsonrpc2.RawMessage:
		if m == nil {
			return []byte("null"), nil
		}
		return m, nil
	}
	return protocol.Marshal(v)
}

func (codec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append(jsonrpc2.RawMessage(nil), data...)
		return nil
	}
	return protocol.Unmarshal(data, v)
}

// decode unmarshals params into v. Text that is not valid UTF-8 (which some
// clients send for files in legacy encodings) is decoded with each invalid
// byte replaced by U+FFFD rather than refused.
func decode(params []byte, v any) error {
	if len(params) == 0 {
		return fmt.Errorf("%w: missing params", jsonrpc2.ErrInvalidParams)
	}
	err := protocol.Unmarshal(params, v)
	if err != nil && !utf8.Valid(params) {
		err = protocol.Unmarshal(bytes.ToValidUTF8(params, []byte("\uFFFD")), v)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", jsonrpc2.ErrInvalidParams, err)
	}
	return nil
}

// Errors with the codes the LSP specification assigns.
var (
	errNotInitialized = jsonrpc2.NewError(-32002, "server not initialized: send initialize first")
	errCancelled      = jsonrpc2.NewError(codeRequestCancelled, "request cancelled")
	errShutDown       = jsonrpc2.NewError(jsonrpc2.ErrInvalidRequest.Code, "server is shutting down")
	errBusy           = jsonrpc2.NewError(codeServerCancelled, fmt.Sprintf("server busy: %d requests are waiting for their answers to be read; this one was not run", maxPendingRequests))
)

// LSP 3.17 error codes jsonrpc2 does not name.
const (
	codeRequestCancelled = -32800
	codeServerCancelled  = -32802
	codeRequestFailed    = -32803
)

// Causes of a request's context ending: the client's $/cancelRequest, or
// limits.request_timeout.
var (
	errClientCancelled = errors.New("cancelled by the client")
	errTimedOut        = errors.New("limits.request_timeout reached")
)

// requestEnded answers a request whose context ended: RequestCancelled when
// the client cancelled it, RequestFailed when it ran out of time.
func requestEnded(ctx context.Context, method string, timeout time.Duration) error {
	if errors.Is(context.Cause(ctx), errTimedOut) {
		return jsonrpc2.NewError(codeRequestFailed, fmt.Sprintf("%s did not finish within limits.request_timeout (%v); the document is too large or a rule too slow for it", method, timeout))
	}
	return errCancelled
}

func invalidParams(format string, args ...any) error {
	return jsonrpc2.NewError(jsonrpc2.ErrInvalidParams.Code, fmt.Sprintf(format, args...))
}

func invalidRequest(format string, args ...any) error {
	return jsonrpc2.NewError(jsonrpc2.ErrInvalidRequest.Code, fmt.Sprintf(format, args...))
}
