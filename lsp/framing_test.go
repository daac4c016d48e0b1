package lsp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/testwait"
)

// rawConn writes frames by hand and reads the server's replies.
type rawConn struct {
	c net.Conn
	r *bufio.Reader
}

func (rc *rawConn) send(t *testing.T, body string) {
	t.Helper()
	if _, err := fmt.Fprintf(rc.c, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		t.Fatal(err)
	}
}

func (rc *rawConn) read(t *testing.T) string {
	t.Helper()
	_ = rc.c.SetReadDeadline(testwait.Deadline(t))
	n := -1
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			t.Fatalf("read header: %v", err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(rc.r, buf); err != nil {
		t.Fatal(err)
	}
	return string(buf)
}

// readResponse skips server notifications until a response arrives.
func (rc *rawConn) readResponse(t *testing.T) string {
	t.Helper()
	for {
		m := rc.read(t)
		if !strings.Contains(m, `"method"`) {
			return m
		}
	}
}

func TestMalformedMessages(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	s := NewServer(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- s.Serve(ctx, a) }()
	rc := &rawConn{c: b, r: bufio.NewReader(b)}
	rc.send(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	if r := rc.readResponse(t); !strings.Contains(r, `"capabilities"`) {
		t.Fatalf("initialize: %s", r)
	}
	cases := []struct{ body, want string }{
		{`{"jsonrpc":"2.0","id":2,"method":"textDocument/codeAction","params":{bad json}}`, `"id":null,"error":{"code":-32700`},
		{`[1,2,3]`, `"error":{"code":-32600`},
		{`[{"jsonrpc":"2.0","id":5,"method":"shutdown"}`, `"error":{"code":-32700`},
		{`{"jsonrpc":"2.0","id":3,"method":"workspace/executeCommand","params":"str"}`, `"id":3,"error":{"code":-32602`},
		{`{"jsonrpc":"2.0","id":4}`, `"id":4,"error":{"code":-32600`},
		{`{"jsonrpc":"1.0","id":6,"method":"shutdown"}`, `"id":6,"error":{"code":-32600`},
		{`{"id":7,"method":"workspace/executeCommand","params":{"command":"syntx.status"}}`, `"id":7,"error":{"code":-32600`},
		{"\xff\xfe", `"error":{"code":-32700`},
	}
	for _, c := range cases {
		rc.send(t, c.body)
		if r := rc.readResponse(t); !strings.Contains(r, c.want) {
			t.Errorf("%s: got %s, want an error %s", c.body, r, c.want)
		}
	}
	rc.send(t, `{"jsonrpc":"2.0","id":9,"method":"workspace/executeCommand","params":{"command":"syntx.status"}}`)
	if r := rc.readResponse(t); !strings.Contains(r, `"rules"`) {
		t.Fatalf("server no longer answers: %s", r)
	}
	_ = b.Close()
	testwait.For(t, done, "the server to stop at the end of its input")
}
