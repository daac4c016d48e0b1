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
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
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
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	s, err := startDemoServer(ctx, e.stdout, home, *dir)
	if err != nil {
		return err
	}
	d := &demo{w: e.stdout, c: s.c}
	for _, f := range files {
		if err := d.file(ctx, f); err != nil {
			return err
		}
	}
	if err := replayFeedback(ctx, d.w, d.c, d.done); err != nil {
		return err
	}
	// Save, then close: a save after the first checkpoint decides what was
	// kept, and closing decides the rest from the text as it is, so every
	// outcome is in before the status, however long the session took.
	for _, uri := range d.uris {
		id := protocol.TextDocumentIdentifier{URI: lspURI(uri)}
		if err := d.c.Notify(ctx, "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: id}); err != nil {
			return err
		}
		if err := d.c.Notify(ctx, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: id}); err != nil {
			return err
		}
	}
	if err := d.summary(ctx); err != nil {
		return err
	}
	return s.stop(ctx)
}

// demoServer is the `syntx serve` the demo talks to.
type demoServer struct {
	c     *lspclient.Client
	cmd   *exec.Cmd
	stdin io.Closer
}

// startDemoServer starts this binary's serve on home/data and initializes
// it with dir as the workspace.
func startDemoServer(ctx context.Context, w io.Writer, home, dir string) (*demoServer, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	cmd.Stderr = io.Discard
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("demo: start server: %w", err)
	}
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	abs, _ := filepath.Abs(dir)
	// Short survival windows so the session's outcomes are decided while
	// the demo runs (real defaults are 30 s to 15 min).
	opts := map[string]any{"capture": map[string]any{"checkpoints": []string{"1s", "2s"}, "ignore_after": "1s"}}
	res, err := c.Initialize(ctx, abs, false, opts)
	if err != nil {
		return nil, fmt.Errorf("demo: initialize: %w", err)
	}
	fmt.Fprintf(w, "SyntX demo: server %s (pid %d), data in %s\n", res.ServerInfo.Name, cmd.Process.Pid, home)
	return &demoServer{c: c, cmd: cmd, stdin: stdin}, nil
}

func (s *demoServer) stop(ctx context.Context) error {
	if err := s.c.Shutdown(ctx); err != nil {
		return fmt.Errorf("demo: shutdown: %w", err)
	}
	_ = s.stdin.Close()
	if err := s.cmd.Wait(); err != nil {
		return fmt.Errorf("demo: server exited: %w", err)
	}
	return nil
}

// demo is the scripted session's state.
type demo struct {
	w                io.Writer
	c                *lspclient.Client
	offered, applied int
	done             []appliedFix
	uris             []string
}

// file opens f (if SyntX parses its language) and applies the best action
// at its earliest site until none is left.
func (d *demo) file(ctx context.Context, f string) error {
	g := syntax.Detect("", f)
	if g == "" {
		return nil
	}
	src, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	uri := lspclient.FileURI(f)
	if err := d.c.Open(ctx, uri, g.LanguageID(f), string(src)); err != nil {
		return err
	}
	d.uris = append(d.uris, uri)
	fmt.Fprintf(d.w, "\n== %s (%s)\n", f, g)
	for step := 0; step < 32; step++ {
		text := d.c.Doc(uri).Text
		acts, err := d.c.CodeActions(ctx, uri, 0, len(text), protocol.CodeActionTriggerKindInvoked)
		if err != nil {
			return fmt.Errorf("demo: codeAction: %w", err)
		}
		if len(acts) == 0 {
			fmt.Fprintln(d.w, "  no more suggestions")
			return nil
		}
		if err := d.applyEarliest(ctx, uri, text, acts); err != nil {
			return err
		}
	}
	return nil
}

// applyEarliest prints the actions offered at the earliest site and
// applies the best.
func (d *demo) applyEarliest(ctx context.Context, uri, text string, acts []*protocol.CodeAction) error {
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
	d.offered += len(here)
	fmt.Fprintf(d.w, "  line %d: %d suggestion(s)\n", line+1, len(here))
	for i, a := range here {
		mark := " "
		if i == 0 {
			mark = "*"
		}
		fmt.Fprintf(d.w, "   %s %.2f  %-32s %s\n", mark, score(a), *a.Kind, a.Title)
	}
	before := lineText(text, line)
	if err := d.c.Apply(ctx, here[0]); err != nil {
		return fmt.Errorf("demo: apply: %w", err)
	}
	d.applied++
	after := lineText(d.c.Doc(uri).Text, line)
	fmt.Fprintf(d.w, "     - %s\n     + %s\n", strings.TrimSpace(before), strings.TrimSpace(after))
	d.done = append(d.done, appliedFix{uri: uri, rule: ruleID(here[0]), before: before, after: after})
	return nil
}

// summary prints what was offered, applied and captured.
func (d *demo) summary(ctx context.Context) error {
	var st struct {
		Events      map[string]int64 `json:"events"`
		Preferences int64            `json:"preferences"`
		Policy      string           `json:"policy"`
	}
	if err := d.c.Command(ctx, "syntx.status", &st); err != nil {
		return fmt.Errorf("demo: status: %w", err)
	}
	fmt.Fprintf(d.w, "\n%d suggestions offered, %d applied.\nCaptured:", d.offered, d.applied)
	for _, o := range store.Outcomes() {
		fmt.Fprintf(d.w, " %s %d", o, st.Events[string(o)])
	}
	fmt.Fprintf(d.w, "\nPreferences derived: %d (policy %s)\n", st.Preferences, st.Policy)
	return nil
}

// appliedFix is a suggestion the demo applied, for the feedback it then
// plays.
type appliedFix struct {
	uri, rule     string
	before, after string // the line before and after the fix
}

// replayFeedback plays a developer who dislikes some suggestions: the
// style rewrites of var are undone (as an editor's undo: the line goes back),
// one suggestion is edited further, and the rest are kept.
func replayFeedback(ctx context.Context, w io.Writer, c *lspclient.Client, done []appliedFix) error {
	fmt.Fprintln(w, "\n== feedback")
	edited := false
	for _, f := range done {
		text := c.Doc(f.uri).Text
		at := strings.Index(text, f.after)
		if at < 0 || f.before == f.after {
			continue
		}
		switch {
		case f.rule == "javascript.no-var" || f.rule == "typescript.strict-equality":
			if err := c.ReplaceAll(ctx, f.uri, text[:at]+f.before+text[at+len(f.after):]); err != nil {
				return err
			}
			fmt.Fprintf(w, "  undo  %-32s %s\n", f.rule, strings.TrimSpace(f.before))
		case !edited && f.rule == "python.yaml-safe-load":
			changed := strings.Replace(f.after, "(fh)", "(fh.read())", 1)
			if err := c.ReplaceAll(ctx, f.uri, text[:at]+changed+text[at+len(f.after):]); err != nil {
				return err
			}
			edited = true
			fmt.Fprintf(w, "  edit  %-32s %s\n", f.rule, strings.TrimSpace(changed))
		default:
			fmt.Fprintf(w, "  keep  %s\n", f.rule)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func ruleID(a *protocol.CodeAction) string {
	var d struct {
		RuleID string `json:"ruleId"`
	}
	_ = json.Unmarshal(a.Data, &d)
	return d.RuleID
}

func lspURI(s string) uri.URI { return uri.URI(s) }

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
