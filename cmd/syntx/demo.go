package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/syntax"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[flags]", `Start the real server (this binary's "serve") on a fresh data directory, replay
a scripted editing session over the demo files and print what was offered and
applied. Nothing is written outside the temporary data directory.`)
	dir := fs.String("dir", filepath.Join("testdata", "demo"), "directory with the demo source files")
	keep := fs.Bool("keep", false, "keep the temporary data directory")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	files, err := filepath.Glob(filepath.Join(*dir, "*"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("demo: no files in %s (run it from the repository root, or pass -dir)", *dir)
	}
	sort.Strings(files)
	home, err := os.MkdirTemp("", "syntx-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(home)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	cmd.Stderr = io.Discard
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("demo: start server: %w", err)
	}
	c := lspclient.New(ctx, pipe{stdout, stdin})
	abs, _ := filepath.Abs(*dir)
	res, err := c.Initialize(ctx, abs, false, nil)
	if err != nil {
		return fmt.Errorf("demo: initialize: %w", err)
	}
	w := e.stdout
	fmt.Fprintf(w, "SyntX demo: server %s (pid %d), data in %s\n", res.ServerInfo.Name, cmd.Process.Pid, home)
	offered, applied := 0, 0
	for _, f := range files {
		g := syntax.Detect("", f)
		if g == "" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		uri := lspclient.FileURI(f)
		if err := c.Open(ctx, uri, languageID(g), string(src)); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n== %s (%s)\n", f, g)
		for step := 0; step < 32; step++ {
			text := c.Doc(uri).Text
			acts, err := c.CodeActions(ctx, uri, 0, len(text), protocol.CodeActionTriggerKindInvoked)
			if err != nil {
				return fmt.Errorf("demo: codeAction: %w", err)
			}
			if len(acts) == 0 {
				fmt.Fprintln(w, "  no more suggestions")
				break
			}
			// The earliest site, and every action offered there.
			line := editLine(acts[0])
			for _, a := range acts {
				line = min(line, editLine(a))
			}
			var here []*protocol.CodeAction
			for _, a := range acts {
				if editLine(a) == line {
					here = append(here, a)
				}
			}
			offered += len(here)
			fmt.Fprintf(w, "  line %d: %d suggestion(s)\n", line+1, len(here))
			for i, a := range here {
				mark := " "
				if i == 0 {
					mark = "*"
				}
				fmt.Fprintf(w, "   %s %.2f  %-32s %s\n", mark, score(a), *a.Kind, a.Title)
			}
			before := lineText(text, line)
			if err := c.Apply(ctx, here[0]); err != nil {
				return fmt.Errorf("demo: apply: %w", err)
			}
			applied++
			after := lineText(c.Doc(uri).Text, line)
			fmt.Fprintf(w, "     - %s\n     + %s\n", strings.TrimSpace(before), strings.TrimSpace(after))
		}
	}
	var st json.RawMessage
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		return fmt.Errorf("demo: status: %w", err)
	}
	fmt.Fprintf(w, "\n%d suggestions offered, %d applied. Server status: %s\n", offered, applied, st)
	if err := c.Shutdown(ctx); err != nil {
		return fmt.Errorf("demo: shutdown: %w", err)
	}
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("demo: server exited: %w", err)
	}
	return nil
}

func languageID(g syntax.Grammar) string {
	if g == syntax.TSX {
		return "typescriptreact"
	}
	return string(g)
}

func editLine(a *protocol.CodeAction) int {
	if a.Edit == nil || len(a.Edit.DocumentChanges) == 0 {
		return 1 << 30
	}
	tde, ok := a.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
	if !ok || len(tde.Edits) == 0 {
		return 1 << 30
	}
	line := 1 << 30
	for _, el := range tde.Edits {
		if te, ok := el.(*protocol.TextEdit); ok {
			line = min(line, int(te.Range.Start.Line))
		}
	}
	return line
}

func score(a *protocol.CodeAction) float64 {
	var d struct {
		Score float64 `json:"score"`
	}
	_ = json.Unmarshal(a.Data, &d)
	return d.Score
}

func lineText(text string, line int) string {
	lines := strings.Split(text, "\n")
	if line < len(lines) {
		return lines[line]
	}
	return ""
}

// pipe joins the server's stdout (read) and stdin (write).
type pipe struct {
	r io.ReadCloser
	w io.WriteCloser
}

func (p pipe) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p pipe) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipe) Close() error {
	_ = p.w.Close()
	return p.r.Close()
}
