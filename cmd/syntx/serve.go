package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/lsp"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[flags]", `Run the language server. It speaks LSP 3.17 over stdin and stdout; logs go to
stderr and to the client's log. Point your editor at "syntx serve".`)
	verbose := fs.Bool("v", false, "log debug messages to stderr")
	_ = fs.Bool("stdio", true, "use stdin and stdout (the only transport; accepted for editors that pass it)")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	gc := 0
	if os.Getenv("GOGC") == "" {
		// The server's Go heap is small (~10 MB with large files open) next
		// to its syntax trees; collecting at 50% growth instead of 100%
		// keeps ~3 MB less resident at a negligible cost in time. The
		// server raises it while a large document is edited (lsp/memory.go).
		debug.SetGCPercent(serveGCPercent)
		gc = serveGCPercent
	}
	s := lsp.NewServer(lsp.Options{Logger: logger, DataDir: config.DataHome(), GCPercent: gc, ReleaseExecutable: true})
	code := s.Serve(ctx, stdio{e.stdin, e.stdout})
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

// stdio joins stdin and stdout into the stream the server reads and writes.
type stdio struct {
	r io.Reader
	w io.Writer
}

func (s stdio) Read(p []byte) (int, error)  { return s.r.Read(p) }
func (s stdio) Write(p []byte) (int, error) { return s.w.Write(p) }
func (s stdio) Close() error {
	if c, ok := s.r.(io.Closer); ok {
		_ = c.Close()
	}
	return nil
}

// serveGCPercent is the server's GOGC unless the environment sets one.
const serveGCPercent = 50
