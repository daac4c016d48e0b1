// Package neovim_test drives the Neovim plugin (lua/syntx) end to end: a real
// headless Neovim (Debian's 0.7.2 in CI) with the plugin on its runtimepath
// starts the real `syntx serve`, and test/scenario.lua acts as a user would.
// What the server recorded is then read back with `syntx status --json`.
//
// The test is skipped when nvim is not on PATH. SYNTX_BIN selects the server
// binary; without it the test builds one from this checkout.
package neovim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syntx/syntx/internal/testwait"
)

// site is where each language's scenario applies a suggestion.
type site struct {
	lang, file, pattern, edit string
}

var sites = []site{
	{"go", "inventory.go", `fmt.Errorf("count %s: %v"`, "// edited in nvim"},
	{"python", "settings.py", "if data == None:", "# edited in nvim"},
	{"javascript", "cart.js", "if (cart.items.length == 0)", "// edited in nvim"},
	{"typescript", "events.ts", "list.length == 0", "// edited in nvim"},
}

func pluginDir(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

func repoRoot(t *testing.T) string {
	return filepath.Clean(filepath.Join(pluginDir(t), "..", ".."))
}

func needNvim(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("nvim")
	if err != nil {
		t.Skip("nvim is not on PATH (CI installs Debian's neovim)")
	}
	return p
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// syntxBin is $SYNTX_BIN, or a binary built once from this checkout.
func syntxBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SYNTX_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "syntx-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "syntx")
		// go test puts the go command that runs it first on PATH.
		cmd := exec.Command("go", "build", "-o", builtBin, "./cmd/syntx")
		cmd.Dir = repoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/syntx: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// env is an isolated environment: the test's SYNTX_HOME, and XDG
// directories of its own so neither Neovim nor SyntX read the user's config.
type env struct {
	home string // SYNTX_HOME
	xdg  string
	bin  string
	// pgids are the process groups of the nvim sessions run (nvim and the
	// servers it started).
	pgids []int
}

// waitServersGone waits until no process of the nvim sessions' groups is
// left: the servers have exited and written what they settled.
func (e *env) waitServersGone(t *testing.T) {
	t.Helper()
	ctx := testwait.Context(t)
	for _, pg := range e.pgids {
		for syscall.Kill(-pg, 0) == nil {
			select {
			case <-ctx.Done():
				t.Fatalf("the server started by nvim (process group %d) did not exit after nvim quit", pg)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := t.TempDir()
	e := &env{home: filepath.Join(base, "syntx-home"), xdg: filepath.Join(base, "xdg"), bin: syntxBin(t)}
	for _, d := range []string{"config", "data", "state", "cache"} {
		if err := os.MkdirAll(filepath.Join(e.xdg, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) environ(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "SYNTX_HOME", "SYNTX_INIT_OPTIONS", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "NVIM", "NVIM_LISTEN_ADDRESS", "VIMINIT", "MYVIMRC":
			continue
		}
		out = append(out, kv)
	}
	out = append(out,
		"SYNTX_HOME="+e.home,
		"SYNTX_BIN="+e.bin,
		"XDG_CONFIG_HOME="+filepath.Join(e.xdg, "config"),
		"XDG_DATA_HOME="+filepath.Join(e.xdg, "data"),
		"XDG_STATE_HOME="+filepath.Join(e.xdg, "state"),
		"XDG_CACHE_HOME="+filepath.Join(e.xdg, "cache"),
	)
	return append(out, extra...)
}

// status runs `syntx status --json` against the test's SYNTX_HOME.
func (e *env) status(t *testing.T) (*status, error) {
	t.Helper()
	cmd := exec.CommandContext(testwait.Context(t), e.bin, "status", "--json")
	cmd.Env = e.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("syntx status --json: %w; stderr: %s", err, firstLines(stderr.String(), 5))
	}
	var s status
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		return nil, fmt.Errorf("syntx status --json: output is not the expected JSON object: %w; output: %s", err, firstLines(stdout.String(), 5))
	}
	if s.Events == nil {
		return nil, fmt.Errorf("syntx status --json: no \"events\" object in %s", firstLines(stdout.String(), 5))
	}
	return &s, nil
}

// status is what DESIGN.md promises `syntx status --json` prints.
type status struct {
	Events      map[string]int  `json:"events"`
	Preferences *int            `json:"preferences"`
	Adapter     json.RawMessage `json:"adapter"`
}

func (s *status) adapter() string {
	if s == nil || len(s.Adapter) == 0 {
		return "<absent>"
	}
	return string(s.Adapter)
}

// result is what scenario.lua writes.
type result struct {
	Done     bool            `json:"done"`
	Errors   []string        `json:"errors"`
	Files    []fileResult    `json:"files"`
	Progress json.RawMessage `json:"progress"` // [] or [{token, value}]
	State    struct {
		Retrain *struct {
			Token   string          `json:"token"`
			Done    bool            `json:"done"`
			Err     *string         `json:"err"`
			Adapter json.RawMessage `json:"adapter"`
		} `json:"retrain"`
	} `json:"state"`
	Before          json.RawMessage `json:"before"`
	After           json.RawMessage `json:"after"`
	AdapterBefore   json.RawMessage `json:"adapter_before"`
	RetrainFinished bool            `json:"retrain_finished"`
	RetrainMessages []string        `json:"retrain_messages"`
	Commands        map[string]any  `json:"commands"`
	Status          json.RawMessage `json:"status"`
	Statusline      string          `json:"statusline"`
	Diagnostics     *diagResult     `json:"diagnostics"`
	Migrate         *struct {
		Menu []struct {
			Title string `json:"title"`
			Kind  string `json:"kind"`
			Edit  bool   `json:"edit"`
		} `json:"menu"`
		After []string `json:"after"`
	} `json:"migrate"`
	Trust *struct {
		Before []string `json:"before"`
		After  []string `json:"after"`
		Result struct {
			OK     bool   `json:"ok"`
			Output string `json:"output"`
			Root   string `json:"root"`
		} `json:"result"`
	} `json:"trust"`
}

type fileResult struct {
	Path        string          `json:"path"`
	Filetype    string          `json:"filetype"`
	Actions     int             `json:"actions"`
	Before      string          `json:"before"`
	AfterApply  string          `json:"after_apply"`
	AfterUndo   *string         `json:"after_undo"`
	AcceptError *string         `json:"accept_error"`
	Saved       []string        `json:"saved"`
	Health      []string        `json:"health"`
	Applied     json.RawMessage `json:"applied"`
	// seed mode
	Kept   int `json:"kept"`
	Undone int `json:"undone"`
}

type progressEvent struct {
	Token any `json:"token"`
	Value struct {
		Kind       string   `json:"kind"`
		Title      string   `json:"title"`
		Message    string   `json:"message"`
		Percentage *float64 `json:"percentage"`
	} `json:"value"`
}

// runNvim runs one headless Neovim session on spec and returns its results.
func (e *env) runNvim(t *testing.T, dir string, spec map[string]any, extraEnv ...string) *result {
	t.Helper()
	nvim := needNvim(t)
	out := filepath.Join(dir, fmt.Sprintf("result-%d.json", time.Now().UnixNano()))
	spec["out"] = out
	specPath := out + ".spec.json"
	b, _ := json.Marshal(spec)
	if err := os.WriteFile(specPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	plugin := pluginDir(t)
	// The scenario's waits end a little before nvim is killed, so that it
	// still writes its results and says what it was waiting for.
	deadline := testwait.Deadline(t)
	spec["timeout_ms"] = max(time.Until(deadline)-20*time.Second, time.Second).Milliseconds()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "--clean",
		"-u", filepath.Join(plugin, "test", "minimal_init.lua"),
		"-c", "luafile "+filepath.Join(plugin, "test", "scenario.lua"))
	cmd.Dir = dir
	cmd.Env = e.environ(append([]string{"SYNTX_E2E_SPEC=" + specPath}, extraEnv...)...)
	cmd.Stdin = nil
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	// Kill nvim and the server it started together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	if cmd.Process != nil {
		e.pgids = append(e.pgids, cmd.Process.Pid)
	}
	t.Logf("nvim %s: %.1fs", spec["mode"], time.Since(start).Seconds())
	if ctx.Err() != nil {
		t.Fatalf("nvim did not finish by the test's deadline (killed); output:\n%s%s", firstLines(output.String(), 40), e.lspLog())
	}
	if err != nil {
		t.Fatalf("nvim: %v; output:\n%s%s", err, firstLines(output.String(), 40), e.lspLog())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("scenario wrote no results (%v); nvim output:\n%s%s", err, firstLines(output.String(), 40), e.lspLog())
	}
	var r result
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("results: %v\n%s", err, raw)
	}
	if !r.Done {
		t.Fatalf("scenario did not finish: %s", raw)
	}
	for _, msg := range r.Errors {
		t.Errorf("in nvim: %s", msg)
	}
	if t.Failed() {
		t.Logf("results: %s%s", raw, e.lspLog())
	}
	return &r
}

// lspLog is the tail of Neovim's LSP log (the server's stderr lands there).
func (e *env) lspLog() string {
	for _, p := range []string{
		filepath.Join(e.xdg, "cache", "nvim", "lsp.log"), // 0.7
		filepath.Join(e.xdg, "state", "nvim", "lsp.log"), // 0.8+
	} {
		if b, err := os.ReadFile(p); err == nil {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) > 30 {
				lines = lines[len(lines)-30:]
			}
			return "\nlsp.log (tail):\n" + strings.Join(lines, "\n")
		}
	}
	return ""
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}

// copyDemo copies testdata/demo/<name> into dir.
func copyDemo(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "demo", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNeovimFeedback is scenario 1: in each language, open a file, ask for
// code actions at a known site, apply the first one as Neovim does (edit,
// then its syntx.accept command), undo it with u, type elsewhere, save, quit.
// The server must have recorded an offer and an acceptance per language, and
// an undo somewhere.
func TestNeovimFeedback(t *testing.T) {
	needNvim(t)
	e := newEnv(t)
	work := t.TempDir()

	prev, statusErr := e.status(t)
	if statusErr != nil {
		// Reported once; the editor side of each session is still checked.
		t.Errorf("before the first session: %v; the server-side assertions (events.offered/accepted per language, events.undone) are not checked", statusErr)
	}
	for i, s := range sites {
		t.Run(s.lang, func(t *testing.T) {
			dir := filepath.Join(work, s.lang)
			path := copyDemo(t, dir, s.file)
			r := e.runNvim(t, dir, map[string]any{
				"mode":   "feedback",
				"health": i == 0,
				"files":  []map[string]any{{"path": path, "pattern": s.pattern, "edit": s.edit, "undo": true}},
			})
			if len(r.Files) != 1 {
				t.Fatalf("expected one file result, got %d", len(r.Files))
			}
			f := r.Files[0]
			if f.Filetype != s.lang {
				t.Errorf("filetype %q, want %q", f.Filetype, s.lang)
			}
			if f.Actions < 1 {
				t.Fatalf("no SyntX code action at %q", s.pattern)
			}
			if f.AfterApply == f.Before {
				t.Errorf("applying %s did not change the line %q", f.Applied, f.Before)
			}
			if f.AcceptError != nil {
				t.Errorf("syntx.accept failed: %s", *f.AcceptError)
			}
			if f.AfterUndo == nil || *f.AfterUndo != f.Before {
				t.Errorf("after u the line is %v, want the original %q", f.AfterUndo, f.Before)
			}
			// The filetype's indent rules may indent the typed line.
			if len(f.Saved) == 0 || strings.TrimSpace(f.Saved[len(f.Saved)-1]) != s.edit {
				t.Errorf("the saved file does not end with the typed line %q", s.edit)
			}
			if i == 0 {
				checkHealth(t, f.Health)
			}

			if statusErr != nil {
				return // reported once, below
			}
			cur, err := e.status(t)
			if err != nil {
				t.Errorf("after the %s session: %v", s.lang, err)
				return
			}
			if prev != nil {
				if d := cur.Events["offered"] - prev.Events["offered"]; d < 1 {
					t.Errorf("events.offered went from %d to %d for %s; want at least one more", prev.Events["offered"], cur.Events["offered"], s.lang)
				}
				if d := cur.Events["accepted"] - prev.Events["accepted"]; d < 1 {
					t.Errorf("events.accepted went from %d to %d for %s; want at least one more", prev.Events["accepted"], cur.Events["accepted"], s.lang)
				}
			}
			prev = cur
		})
	}
	if prev != nil && statusErr == nil {
		if prev.Events["undone"] < 1 {
			t.Errorf("events.undone = %d after four undone suggestions; want ≥ 1 (events: %v)", prev.Events["undone"], prev.Events)
		}
		t.Logf("recorded: events %v, preferences %v, adapter %s", prev.Events, deref(prev.Preferences), prev.adapter())
	}
}

func deref(p *int) any {
	if p == nil {
		return "<absent>"
	}
	return *p
}

func checkHealth(t *testing.T, lines []string) {
	t.Helper()
	text := strings.Join(lines, "\n")
	for _, want := range []string{"syntx: Neovim", "OK: require('syntx').setup() ran", "version`: syntx", "syntx.retrain"} {
		if !strings.Contains(text, want) {
			t.Errorf(":checkhealth syntx does not say %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "ERROR") {
		t.Errorf(":checkhealth syntx reports an error:\n%s", text)
	}
}

// TestNeovimRetrain is scenario 2: seed a SYNTX_HOME with feedback through
// the editor (every suggestion in the four demo files, twice: style ones
// undone, the others kept), then run :SyntxRetrain. Progress must arrive
// ($/progress, recorded on the Lua side) and the active adapter must change.
func TestNeovimRetrain(t *testing.T) {
	needNvim(t)
	e := newEnv(t)
	work := t.TempDir()
	// Keep background training out of the way, let the explicit retrain use
	// whatever feedback there is, and let a saved suggestion count as kept
	// after 200 ms instead of 30 s.
	opts := `SYNTX_INIT_OPTIONS={"train":{"idle_delay":"1h","min_new_preferences":1},"capture":{"checkpoints":["200ms","1s"]}}`

	var files []map[string]any
	for round := 1; round <= 2; round++ {
		for _, s := range sites {
			files = append(files, map[string]any{"path": copyDemo(t, filepath.Join(work, fmt.Sprintf("round%d", round)), s.file)})
		}
	}
	seed := e.runNvim(t, work, map[string]any{"mode": "seed", "files": files}, opts)
	kept, undone := 0, 0
	for _, f := range seed.Files {
		kept += f.Kept
		undone += f.Undone
	}
	t.Logf("seeded: %d kept, %d undone", kept, undone)
	if kept == 0 || undone == 0 {
		t.Fatalf("seeding applied %d kept and %d undone suggestions; want some of each", kept, undone)
	}

	before, statusErr := e.status(t)
	if statusErr != nil {
		t.Errorf("after seeding: %v", statusErr)
	} else {
		t.Logf("before retrain: events %v, preferences %v, adapter %s", before.Events, deref(before.Preferences), before.adapter())
	}

	goFile := copyDemo(t, filepath.Join(work, "retrain"), "inventory.go")
	r := e.runNvim(t, work, map[string]any{"mode": "retrain", "files": []map[string]any{{"path": goFile}}}, opts)

	if r.State.Retrain == nil || !r.State.Retrain.Done {
		t.Fatalf("syntx.retrain did not answer")
	}
	if r.State.Retrain.Err != nil {
		t.Errorf("syntx.retrain failed: %s", *r.State.Retrain.Err)
	}
	var progress []progressEvent
	_ = json.Unmarshal(r.Progress, &progress) // an empty Lua table encodes as [] or {}
	begins, ends, ours := 0, 0, 0
	for _, p := range progress {
		if tok, ok := p.Token.(string); ok && tok == r.State.Retrain.Token {
			ours++
		}
		switch p.Value.Kind {
		case "begin":
			begins++
		case "end":
			ends++
		}
	}
	t.Logf("progress: %d notifications (%d on the retrain token %q), statusline %q", len(progress), ours, r.State.Retrain.Token, r.Statusline)
	if begins < 1 || ends < 1 {
		t.Errorf("$/progress during :SyntxRetrain: %d begin and %d end notifications; want at least one of each (got %s)", begins, ends, r.Progress)
	}
	// One message: the decision and the numbers it used.
	if len(r.RetrainMessages) != 1 || !strings.Contains(r.RetrainMessages[0], "retrained: ") || !strings.Contains(r.RetrainMessages[0], "held-out") {
		t.Errorf(":SyntxRetrain's messages: %q; want one, with the decision and its numbers", r.RetrainMessages)
	}
	if string(r.Before) != "" && string(r.After) != "" {
		var b, a struct {
			Adapter json.RawMessage `json:"adapter"`
		}
		_ = json.Unmarshal(r.Before, &b)
		_ = json.Unmarshal(r.After, &a)
		// Neovim decodes a JSON null inside an object to nil, so a null
		// adapter is absent here.
		if len(a.Adapter) == 0 || string(a.Adapter) == "null" {
			t.Errorf("syntx.status reports no active adapter after :SyntxRetrain (got %s)", firstLines(string(r.After), 3))
		} else if string(a.Adapter) == string(b.Adapter) {
			t.Errorf("syntx.status adapter is %s before and after :SyntxRetrain; want a new one", a.Adapter)
		}
	}

	after, err := e.status(t)
	if err != nil {
		t.Errorf("after retrain: %v", err)
		return
	}
	t.Logf("after retrain: events %v, preferences %v, adapter %s", after.Events, deref(after.Preferences), after.adapter())
	if before != nil {
		if after.adapter() == before.adapter() {
			t.Errorf("syntx status --json: adapter %s before and after :SyntxRetrain; want it to change", after.adapter())
		}
		if after.adapter() == "null" || after.adapter() == "<absent>" {
			t.Errorf("syntx status --json: adapter %s after :SyntxRetrain; want the new version", after.adapter())
		}
	}
}

// TestNeovimCommands runs the plugin's commands as a user types them:
// :SyntxDismiss on the line of an offered suggestion (picking the first entry
// of each menu), :SyntxPersona, :SyntxStatus. The server must have recorded
// the dismissal.
// TestNeovimQuitKeeps is issue 17's first defect: apply a fix, save, and
// :wq with the file open. Neovim sends no didClose; the server settles what
// it follows when Neovim stops it, so `syntx status --json` shows the fix
// kept (not only accepted) once the server has exited.
func TestNeovimQuitKeeps(t *testing.T) {
	needNvim(t)
	e := newEnv(t)
	work := t.TempDir()
	var files []map[string]any
	for _, s := range sites {
		if s.lang == "python" {
			files = append(files, map[string]any{"path": copyDemo(t, work, s.file), "pattern": s.pattern})
		}
	}
	r := e.runNvim(t, work, map[string]any{"mode": "quit", "files": files})
	if len(r.Files) != 1 || r.Files[0].AcceptError != nil || r.Files[0].AfterApply == r.Files[0].Before {
		t.Fatalf("the fix was not applied and accepted: %+v", r.Files)
	}
	// Neovim waits for its client to exit (500 ms, then SIGTERM); the
	// server may still be writing when nvim is gone. Wait for every process
	// of nvim's group (the server) to end.
	e.waitServersGone(t)
	st, err := e.status(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after :wq: events %v, preferences %v", st.Events, deref(st.Preferences))
	if st.Events["accepted"] != 1 || st.Events["kept"] != 1 {
		t.Fatalf("after apply, save and :wq: events %v; want 1 accepted and 1 kept", st.Events)
	}
	if st.Preferences == nil || *st.Preferences == 0 {
		t.Fatalf("after :wq: no preferences from the kept fix")
	}
}

func TestNeovimCommands(t *testing.T) {
	needNvim(t)
	e := newEnv(t)
	work := t.TempDir()
	s := sites[0]
	path := copyDemo(t, filepath.Join(work, s.lang), s.file)
	r := e.runNvim(t, work, map[string]any{
		"mode":  "commands",
		"files": []map[string]any{{"path": path, "pattern": s.pattern}},
	})
	for _, cmd := range []string{"SyntxDismiss wrong", "SyntxPersona security-reviewer", "SyntxStatus"} {
		if ok, _ := r.Commands[cmd].(bool); !ok {
			t.Errorf(":%s had no effect (results: %v)", cmd, r.Commands)
		}
	}
	if n, _ := r.Commands["remembered"].(float64); n < 1 {
		t.Errorf("the plugin remembered no offered suggestion for :SyntxDismiss (%v)", r.Commands)
	}
	st, err := e.status(t)
	if err != nil {
		t.Errorf("after the session: %v", err)
		return
	}
	if st.Events["dismissed"] < 1 {
		t.Errorf("events.dismissed = %d after :SyntxDismiss; want ≥ 1 (events: %v)", st.Events["dismissed"], st.Events)
	}
}

// TestNeovimTrust is scenario 4: a project with its own rule in
// .syntx/rules. Untrusted, the server does not offer it; :SyntxTrust runs
// `syntx trust`, tells the server, and the rule is offered, marked as the
// workspace's.
func TestNeovimTrust(t *testing.T) {
	needNvim(t)
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "project")
	src := copyDemo(t, dir, "inventory.go")
	rule := "[[rule]]\n" +
		"id = \"go.team-errorf\"\n" +
		"language = \"go\"\n" +
		"category = \"style\"\n" +
		"title = \"Team wording for errors\"\n" +
		"message = \"The team writes errors this way.\"\n" +
		"prior = 0.9\n" +
		"query = '((call_expression function: (selector_expression field: (field_identifier) @_f)) @site (#eq? @_f \"Errorf\"))'\n" +
		"fix = '{{.site}}'\n"
	if err := os.MkdirAll(filepath.Join(dir, ".syntx", "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".syntx", "rules", "team.toml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.runNvim(t, dir, map[string]any{
		"mode":  "trust",
		"files": []map[string]any{{"path": src, "pattern": sites[0].pattern}},
	})
	if r.Trust == nil {
		t.Fatal("the trust scenario recorded nothing")
	}
	for _, title := range r.Trust.Before {
		if strings.Contains(title, "workspace rule") {
			t.Errorf("before :SyntxTrust, the project's rule was offered: %q", r.Trust.Before)
		}
	}
	if !r.Trust.Result.OK || !strings.Contains(r.Trust.Result.Output, "1 workspace rule(s) will load") {
		t.Errorf(":SyntxTrust: %+v", r.Trust.Result)
	}
	found := false
	for _, title := range r.Trust.After {
		found = found || (strings.HasPrefix(title, "Team wording for errors") && strings.HasSuffix(title, "(workspace rule .syntx/rules/team.toml)"))
	}
	if !found {
		t.Errorf("after :SyntxTrust, the project's rule is not offered as a workspace rule: %q", r.Trust.After)
	}
}

type diagResult struct {
	OnOpen     []nvimDiag `json:"on_open"`
	AfterEdit  []nvimDiag `json:"after_edit"`
	InsertedAt int        `json:"inserted_at"`
	Menu       []struct {
		Title string `json:"title"`
		Kind  string `json:"kind"`
	} `json:"menu"`
	Picker struct {
		ID     string `json:"id"`
		Before bool   `json:"before"`
		After  bool   `json:"after"`
	} `json:"picker"`
	PID           int        `json:"pid"`
	CrashMessages []string   `json:"crash_messages"`
	AfterCrash    int        `json:"after_crash"`
	Restarted     int        `json:"restarted"`
	AfterRestart  []nvimDiag `json:"after_restart"`
}

type nvimDiag struct {
	Lnum     int    `json:"lnum"`
	Col      int    `json:"col"`
	Code     string `json:"code"`
	Severity int    `json:"severity"`
	Message  string `json:"message"`
}

// diagSrc has two sites whose fixes are safe, so the base policy shows them
// unasked (is-literal, not-in), and one it does not (dict-keys-membership
// needs to know d is a dict).
const diagSrc = `def check(x, items, d):
    if x is 1:
        return True
    if not x in items:
        return False
    if x in d.keys():
        return None
    return x
`

// TestNeovimDiagnostics is scenario 5: opening a file shows SyntX's
// diagnostics (vim.diagnostic, source "syntx"); an edit that adds a site
// gets its diagnostic; the code action menu ends with the dismiss entry; a
// server killed with SIGKILL is reported once, with the way back, and
// :SyntxRestart brings the server and the diagnostics back.
func TestNeovimDiagnostics(t *testing.T) {
	needNvim(t)
	e := newEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "check.py")
	if err := os.WriteFile(path, []byte(diagSrc), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := `SYNTX_INIT_OPTIONS={"diagnostics":{"delay":"50ms"}}`
	r := e.runNvim(t, dir, map[string]any{"mode": "diagnostics", "files": []map[string]any{{
		"path": path, "insert_before": "    return x", "insert": []string{"    if x is 2:", "        return 2"},
	}}}, opts)
	d := r.Diagnostics
	if d == nil {
		t.Fatal("the diagnostics scenario recorded nothing")
	}
	codes := map[string]int{}
	for _, x := range d.OnOpen {
		codes[x.Code] = x.Lnum
		if x.Severity != 4 {
			t.Errorf("%s: severity %d, want 4 (hint)", x.Code, x.Severity)
		}
	}
	for code, line := range map[string]int{"python.is-literal": 1, "python.not-in": 3} {
		if got, ok := codes[code]; !ok || got != line {
			t.Errorf("on open: %s on line %d (present %v), want line %d; all: %+v", code, got, ok, line, d.OnOpen)
		}
	}
	onInserted := false
	for _, x := range d.AfterEdit {
		if x.Lnum == d.InsertedAt && x.Code == "python.is-literal" {
			onInserted = true
		}
	}
	if !onInserted {
		t.Errorf("after inserting a site at line %d: %+v", d.InsertedAt, d.AfterEdit)
	}
	if n := len(d.Menu); n < 2 || !strings.Contains(d.Menu[n-1].Title, "Dismiss these suggestions") || d.Menu[n-1].Kind != "syntx.dismiss" {
		t.Errorf("the menu does not end with the dismiss entry: %+v", d.Menu)
	}
	for _, m := range d.Menu[:max(len(d.Menu)-1, 0)] {
		if strings.Contains(m.Title, "Dismiss") {
			t.Errorf("a dismiss entry before the end: %+v", d.Menu)
		}
	}
	if d.Picker.ID == "" || !d.Picker.Before || d.Picker.After {
		t.Errorf(":SyntxDismiss's list: %+v; want the suggestion listed when offered and gone once applied", d.Picker)
	}
	if d.PID == 0 {
		t.Fatal("the scenario did not find the server's pid")
	}
	if len(d.CrashMessages) != 1 || !strings.Contains(d.CrashMessages[0], "stopped unexpectedly (signal 9)") || !strings.Contains(d.CrashMessages[0], ":SyntxRestart") {
		t.Errorf("messages about the crash: %q; want one, naming the signal and :SyntxRestart", d.CrashMessages)
	}
	if d.Restarted == 0 || len(d.AfterRestart) == 0 {
		t.Errorf(":SyntxRestart: client %d, diagnostics %+v", d.Restarted, d.AfterRestart)
	}
	if len(r.Errors) > 0 {
		t.Errorf("scenario errors: %q", r.Errors)
	}
}

const migrateJS = `function total(items) {
  var sum = 0;
  for (var i = 0; i < items.length; i++) {
    sum += items[i].price;
  }
  return sum;
}

function first(list) {
  if (list.length) {
    var head = list[0];
  }
  return head;
}
`

// TestNeovimMigration: a file's migration picked in Neovim's own code
// action menu. Neovim 0.7 resolves code actions' edits, so the action
// comes without its edit (a bundle's is most of a megabyte); Neovim asks
// for it with codeAction/resolve, applies it (the safe sites only: head is
// used after its block and stays var) and runs syntx.accept, which the
// server records.
func TestNeovimMigration(t *testing.T) {
	needNvim(t)
	e := newEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "total.js")
	if err := os.WriteFile(path, []byte(migrateJS), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.runNvim(t, dir, map[string]any{"mode": "migrate", "files": []map[string]any{{"path": path, "pattern": "var sum"}}})
	if len(r.Errors) > 0 {
		t.Fatalf("scenario errors: %q", r.Errors)
	}
	m := r.Migrate
	if m == nil {
		t.Fatal("the migrate scenario recorded nothing")
	}
	found := false
	for _, a := range m.Menu {
		if strings.HasPrefix(a.Kind, "source.syntx.") {
			found = true
			if a.Edit || a.Title != "Convert this file to let/const (2 sites)" {
				t.Errorf("the migration in the menu: %+v; want it titled with its 2 sites, without its edit", a)
			}
		}
	}
	if !found {
		t.Fatalf("no source action in the menu: %+v", m.Menu)
	}
	want := strings.NewReplacer("var sum", "let sum", "var i", "let i").Replace(migrateJS)
	if got := strings.Join(m.After, "\n") + "\n"; got != want {
		t.Fatalf("after the migration:\n%s\nwant:\n%s", got, want)
	}
	saved, err := os.ReadFile(path)
	if err != nil || string(saved) != want {
		t.Fatalf("saved file: %q (%v)", saved, err)
	}
	e.waitServersGone(t)
	st, err := e.status(t)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events["accepted"] != 1 {
		t.Fatalf("events %v; want the migration accepted once", st.Events)
	}
}
