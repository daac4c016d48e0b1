package lsp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"

	"github.com/syntx/syntx/internal/testwait"
)

// The jsonrpc2 workarounds of jsonrpc2_workarounds.go were last checked
// against jsonrpc2Checked. These tests run jsonrpc2 alone (no Server) and
// show that each defect is still there; they fail once upstream behaves —
// then delete the workaround the message names — or once go.mod moves to
// another version, so that a bump re-checks them. The server-level tests
// named in the file's header keep checking that our fixes work.

func TestJsonrpc2VersionIsTheCheckedOne(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "go.lsp.dev/jsonrpc2 " + jsonrpc2Checked
	if !strings.Contains(string(gomod), want+"\n") {
		t.Fatalf("go.mod no longer requires %s: check each workaround in lsp/jsonrpc2_workarounds.go against the new version (its tests say which still apply), then update jsonrpc2Checked", want)
	}
}

// writeFrame writes body as one Content-Length framed message.
func writeFrame(w io.Writer, body string) error {
	_, err := fmt.Fprintf(w, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return err
}

// upstreamConn serves handler with a bare jsonrpc2 connection over one end
// of a pipe and returns the other end. Both are closed when the test ends.
func upstreamConn(t *testing.T, ctx context.Context, handler jsonrpc2.Handler) (jsonrpc2.Conn, net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	conn := jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(a))
	conn.Go(ctx, handler)
	t.Cleanup(func() {
		_ = b.Close()
		_ = a.Close()
		<-conn.Done()
	})
	return conn, b
}

// A frame jsonrpc2 cannot decode ends its connection: the call sent after
// it is never answered. Workaround: guardedStream.ReadFrame and screen.
func TestUpstreamEndsTheConnectionOnAnUndecodableFrame(t *testing.T) {
	for _, bad := range []string{
		`{"jsonrpc":"2.0","id":1}`, // neither a method nor a result
		`{bad json}`,
		`{"jsonrpc":"1.0","id":1,"method":"m"}`,
	} {
		t.Run(bad, func(t *testing.T) {
			conn, peer := upstreamConn(t, context.Background(), func(context.Context, *jsonrpc2.Request) (any, error) {
				return "ok", nil
			})
			outcome := make(chan string, 2)
			go func() {
				// Either write fails once the connection is gone.
				if writeFrame(peer, bad) == nil {
					_ = writeFrame(peer, `{"jsonrpc":"2.0","id":2,"method":"m"}`)
				}
			}()
			go func() {
				if msg, _, err := jsonrpc2.NewHeaderStream(peer).Read(context.Background()); err == nil {
					outcome <- fmt.Sprintf("answered %#v", msg)
				}
			}()
			go func() {
				<-conn.Done()
				outcome <- "ended"
			}()
			if got := testwait.For(t, outcome, "the connection to end, or to answer, after an undecodable frame"); got != "ended" {
				t.Fatalf("jsonrpc2 %s no longer ends the connection on %s (%s): guardedStream.ReadFrame's screening may go (keep the -32700/-32600 answers if upstream does not give them)", jsonrpc2Checked, bad, got)
			}
		})
	}
}

// rwc is an in-memory io.ReadWriteCloser for jsonrpc2's streams.
type rwc struct {
	io.Reader
	io.Writer
}

func (rwc) Close() error { return nil }

// The header stream refuses a frame whose Content-Length is 0 with
// ErrInvalidHeader, which ends the connection, although the frame is
// complete and the stream still in step. Workaround: guardedStream.readFrame.
func TestUpstreamRefusesAnEmptyFrame(t *testing.T) {
	next := `{"jsonrpc":"2.0","id":2,"method":"m"}`
	in := "Content-Length: 0\r\n\r\n" + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(next), next)
	s := jsonrpc2.NewHeaderStream(rwc{Reader: strings.NewReader(in), Writer: io.Discard})
	_, _, err := s.Read(context.Background())
	if !errors.Is(err, jsonrpc2.ErrInvalidHeader) {
		t.Fatalf("jsonrpc2 %s reads an empty frame with error %v, not ErrInvalidHeader: guardedStream.readFrame may go if the connection now survives it (TestEmptyFrame says)", jsonrpc2Checked, err)
	}
}

// The context a handler is given is jsonrpc2's pooled request: kept past
// the handler, it does not report that its request ended, and its
// fields are zeroed for the next request (a nil parent, which panics).
// Workaround: detachRequest and inflight (in place of CancelHandler).
func TestUpstreamRecyclesTheRequestContext(t *testing.T) {
	kept := make(chan context.Context, 1)
	conn, peer := upstreamConn(t, context.Background(), func(ctx context.Context, _ *jsonrpc2.Request) (any, error) {
		kept <- ctx
		return "ok", nil
	})
	go func() { _ = writeFrame(peer, `{"jsonrpc":"2.0","id":1,"method":"m"}`) }()
	answered := make(chan error, 1)
	go func() {
		_, _, err := jsonrpc2.NewHeaderStream(peer).Read(context.Background())
		answered <- err
	}()
	if err := testwait.For(t, answered, "the answer to the call"); err != nil {
		t.Fatal(err)
	}
	ctx := testwait.For(t, kept, "the handler to run")
	// End the connection so that jsonrpc2 is done with the request.
	_ = peer.Close()
	testwait.For(t, conn.Done(), "the connection to end")

	var ended error
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		ended = ctx.Err()
	}()
	if panicked == nil && ended != nil {
		t.Fatalf("jsonrpc2 %s: a request's context kept past its handler now reports %v: detachRequest and inflight may go (jsonrpc2.CancelHandler becomes usable)", jsonrpc2Checked, ended)
	}
	t.Logf("a request's context kept past its handler: Err() = %v, panic = %v", ended, panicked)
}
