package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
)

// binary is the syntx binary built once for the tests that run it as a
// separate process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "syntx-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "syntx")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runCLI(t *testing.T, home string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

func TestHelpForEveryCommand(t *testing.T) {
	t.Parallel()
	out, err := runCLI(t, t.TempDir(), "help")
	if err != nil {
		t.Fatalf("help: %v\n%s", err, out)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not list %s", c.name)
		}
		if c.name == "help" {
			continue
		}
		o, err := runCLI(t, t.TempDir(), c.name, "-h")
		if err != nil || !strings.Contains(o, "Usage: syntx "+c.name) {
			t.Errorf("%s -h: %v\n%s", c.name, err, o)
		}
	}
	if o, err := runCLI(t, t.TempDir(), "version"); err != nil || !strings.HasPrefix(o, "syntx ") {
		t.Errorf("version: %v %q", err, o)
	}
	if _, err := runCLI(t, t.TempDir(), "no-such-command"); err == nil {
		t.Error("unknown command exits 0")
	}
}

// serve starts `syntx serve` with home as SYNTX_HOME.
func serve(t *testing.T, ctx context.Context, home string) (*lspclient.Client, *exec.Cmd) {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	if _, err := c.Initialize(ctx, home, false, nil); err != nil {
		t.Fatal(err)
	}
	return c, cmd
}

type statusJSON struct {
	Events      map[string]int64 `json:"events"`
	Preferences int64            `json:"preferences"`
	Adapter     *string          `json:"adapter"`
}

func status(t *testing.T, home string) statusJSON {
	t.Helper()
	out, err := runCLI(t, home, "status", "--json")
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json is not one JSON object: %v\n%s", err, out)
	}
	return st
}

// TestKillServerKeepsAcknowledgedEvents kills the server with SIGKILL in the
// middle of a session: every accept it answered is in the database, the
// audit chain verifies, and a new server opens the same database.
func TestKillServerKeepsAcknowledgedEvents(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if st := status(t, home); st.Events["offered"] != 0 || st.Adapter != nil || len(st.Events) != 7 {
		t.Fatalf("empty status %+v", st)
	}
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	defer cancel()
	acked := 0
	for round := 0; round < 3; round++ {
		c, cmd := serve(t, ctx, home)
		src, err := os.ReadFile("../../testdata/demo/settings.py")
		if err != nil {
			t.Fatal(err)
		}
		uri := lspclient.FileURI(filepath.Join(home, "settings.py"))
		if err := c.Open(ctx, uri, "python", string(src)); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			text := c.Doc(uri).Text
			acts, err := c.CodeActions(ctx, uri, 0, len(text), protocol.CodeActionTriggerKindInvoked)
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) == 0 || acts[0].Edit == nil {
				break
			}
			if err := c.Apply(ctx, acts[0]); err != nil {
				t.Fatal(err)
			}
			acked++ // the accept command was answered
		}
		// Keep the server busy, then kill it without warning.
		_ = c.Change(ctx, uri, lspclient.Edit{Start: 0, End: 0, Text: "# x\n"})
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		_ = c.Close()
	}
	st := status(t, home)
	if st.Events["accepted"] != int64(acked) {
		t.Fatalf("accepted events %d, acknowledged %d", st.Events["accepted"], acked)
	}
	if out, err := runCLI(t, home, "audit", "verify"); err != nil || !strings.Contains(out, "audit chain OK") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
}

func TestDemoRuns(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "demo", "-dir", "../../testdata/demo")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"inventory.go", "settings.py", "cart.js", "events.ts", "applied"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
