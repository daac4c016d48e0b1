package lsp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/store"
)

// Broken environments: the data directory, the database, an adapter or the
// configuration is unusable. The server must start, say what is wrong (in
// syntx.status and the client's log), keep offering suggestions, answer the
// next request, lose nothing it acknowledged and overwrite nothing.

type envServer struct {
	*harness
	ctx       context.Context
	workspace string
}

// startEnv starts a server on dataDir and initializes it with workspace as
// the root and initOptions as initializationOptions.
func startEnv(t *testing.T, dataDir, workspace string, initOptions any) *envServer {
	t.Helper()
	c, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, b := net.Pipe()
	s := NewServer(Options{Logger: quietLogger(), DataDir: dataDir, Rules: builtinRules()})
	code := make(chan int, 1)
	go func() { code <- s.Serve(c, a) }()
	cl := lspclient.New(c, b)
	t.Cleanup(func() { _ = cl.Close() })
	if workspace == "" {
		workspace = t.TempDir()
	}
	e := &envServer{harness: &harness{c: cl, code: code, srv: s}, ctx: ctx(t), workspace: workspace}
	if _, err := cl.Initialize(e.ctx, workspace, false, initOptions); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return e
}

func (e *envServer) status(t *testing.T) Status {
	t.Helper()
	var st Status
	if err := e.c.Command(e.ctx, "syntx.status", &st); err != nil {
		t.Fatalf("syntx.status: %v", err)
	}
	return st
}

// offerAndAccept opens a Go file with an Errorf site, applies the best action
// and returns the accept command's error (nil: acknowledged).
func (e *envServer) offerAndAccept(t *testing.T, name string) error {
	t.Helper()
	uri := lspclient.FileURI(filepath.Join(e.workspace, name))
	if err := e.c.Open(e.ctx, uri, "go", goSrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(goSrc, "fmt.Errorf")
	acts, err := suggestions(e.c.CodeActions(e.ctx, uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) == 0 {
		t.Fatal("no suggestions offered")
	}
	return e.c.Apply(e.ctx, acts[0])
}

func (e *envServer) shutdown(t *testing.T) {
	t.Helper()
	if err := e.c.Shutdown(e.ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	testwait.For(t, e.code, "the server to exit after shutdown and exit")
}

func countAccepted(t *testing.T, dbPath string) int64 {
	t.Helper()
	db, err := store.Open(context.Background(), dbPath, store.Options{FullCheck: true})
	if err != nil {
		t.Fatalf("the database does not open after the session: %v", err)
	}
	defer db.Close()
	st, err := db.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Verify(context.Background()); err != nil || !rep.OK {
		t.Fatalf("audit chain: %v %v", rep, err)
	}
	return st.Events[store.Accepted]
}

// seedData runs one normal session on home and returns the number of
// acknowledged accepts.
func seedData(t *testing.T, home string) int64 {
	t.Helper()
	e := startEnv(t, home, "", nil)
	if err := e.offerAndAccept(t, "seed.go"); err != nil {
		t.Fatal(err)
	}
	e.shutdown(t)
	return 1
}

// mountReadOnly makes dir read-only for everyone, root included, with a
// read-only bind mount. It returns false when that is not possible.
func mountReadOnly(t *testing.T, dir string) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		return false
	}
	if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
		t.Logf("bind mount not permitted: %v %s", err, out)
		return false
	}
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", dir).CombinedOutput(); err != nil {
		t.Logf("read-only remount not permitted: %v %s", err, out)
		_ = exec.Command("umount", dir).Run()
		return false
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return true
}

func TestReadOnlyDataDir(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	acked := seedData(t, home)
	dbPath := filepath.Join(home, "syntx.db")
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	how := "chmod 0500"
	switch {
	case os.Geteuid() != 0:
		if err := os.Chmod(home, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(home, 0o700) })
	case mountReadOnly(t, home):
		how = "read-only bind mount (root ignores chmod)"
	default:
		t.Skip("running as root without mount: chmod does not stop root and no read-only mount is possible; the data-dir-is-a-file case covers an unusable directory")
	}
	t.Logf("data directory made read-only by %s", how)
	e := startEnv(t, home, "", nil)
	st := e.status(t)
	if !strings.HasPrefix(st.Capture, "off: ") || !strings.Contains(st.Capture, "not writable") {
		t.Fatalf("capture %q, want off, saying the directory is not writable", st.Capture)
	}
	if !logged(e.c, "capture disabled") {
		t.Error("the client was not told that capture is off")
	}
	// Suggestions still come, and accepting one is answered (documented
	// fallback: capture off, nothing recorded, the session goes on).
	if err := e.offerAndAccept(t, "ro.go"); err != nil {
		t.Fatalf("accept with capture off: %v", err)
	}
	e.status(t)
	e.shutdown(t)
	after, err := os.ReadFile(dbPath)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the database changed in a read-only directory (%v)", err)
	}
	if how != "chmod 0500" {
		_ = exec.Command("umount", home).Run()
	} else {
		_ = os.Chmod(home, 0o700)
	}
	if n := countAccepted(t, dbPath); n != acked {
		t.Fatalf("%d accepted events after the read-only session, want %d", n, acked)
	}
}

// TestDataDirIsAFile: $SYNTX_HOME names a regular file (or a path under
// one). Works the same as root or not.
func TestDataDirIsAFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "home")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "syntx")} {
		e := startEnv(t, dir, "", nil)
		st := e.status(t)
		if !strings.HasPrefix(st.Capture, "off: ") || !strings.Contains(st.Capture, "not a directory") {
			t.Fatalf("%s: capture %q", dir, st.Capture)
		}
		if err := e.offerAndAccept(t, "f.go"); err != nil {
			t.Fatal(err)
		}
		if err := e.c.Command(e.ctx, "syntx.dismiss", nil, "x", "wrong"); err == nil {
			t.Fatal("dismiss with capture off was acknowledged")
		}
		e.shutdown(t)
	}
	if b, _ := os.ReadFile(file); string(b) != "not a directory" {
		t.Fatalf("the file was overwritten: %q", b)
	}
}

// mountTmpfs mounts a tmpfs of size at dir (root only).
func mountTmpfs(t *testing.T, dir, size string) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		return false
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Logf("tmpfs mount not permitted: %v %s", err, out)
		return false
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return true
}

// fill writes a file until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return
		}
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// Then byte by byte, to use the last partial block.
	for {
		if _, err := f.Write(buf[:1]); err != nil {
			return
		}
	}
}

// TestFullDataDir runs a session on a tiny tmpfs: first too small for the
// database to be created, then with room for the database but filled up
// in the middle of the session.
func TestFullDataDir(t *testing.T) {
	t.Parallel()
	tiny := t.TempDir()
	if !mountTmpfs(t, tiny, "1m") {
		t.Skip("a full file system needs a tmpfs mount (root); not permitted here")
	}
	t.Run("no room for the database", func(t *testing.T) {
		fill(t, filepath.Join(tiny, "filler"))
		e := startEnv(t, filepath.Join(tiny, "home"), "", nil)
		st := e.status(t)
		if !strings.HasPrefix(st.Capture, "off: ") {
			t.Fatalf("capture %q, want off", st.Capture)
		}
		t.Logf("capture: %s", st.Capture)
		if !logged(e.c, "capture disabled") {
			t.Error("the client was not told")
		}
		if err := e.offerAndAccept(t, "a.go"); err != nil {
			t.Fatal(err)
		}
		e.shutdown(t)
		// With room again, the next session captures (what the failed
		// start-up left behind does not block it).
		if err := os.Remove(filepath.Join(tiny, "filler")); err != nil {
			t.Fatal(err)
		}
		e = startEnv(t, filepath.Join(tiny, "home"), "", nil)
		if st := e.status(t); st.Capture != "on" {
			t.Fatalf("after space came back: capture %q", st.Capture)
		}
		if err := e.offerAndAccept(t, "b.go"); err != nil {
			t.Fatal(err)
		}
		e.shutdown(t)
		if n := countAccepted(t, filepath.Join(tiny, "home", "syntx.db")); n != 1 {
			t.Fatalf("%d accepted events, want 1", n)
		}
	})
	t.Run("full in the middle of the session", func(t *testing.T) {
		dir := t.TempDir()
		if !mountTmpfs(t, dir, "4m") {
			t.Skip("no tmpfs")
		}
		home := filepath.Join(dir, "home")
		e := startEnv(t, home, "", nil)
		if st := e.status(t); st.Capture != "on" {
			t.Fatalf("capture %q", st.Capture)
		}
		if err := e.offerAndAccept(t, "before.go"); err != nil {
			t.Fatal(err)
		}
		acked := int64(1)
		filler := filepath.Join(dir, "filler")
		fill(t, filler)
		// While full: accepts either succeed (SQLite had room) or fail with a
		// clear error; the server goes on either way.
		var failed []*protocol.CodeAction
		for i := 0; i < 5; i++ {
			uri := lspclient.FileURI(filepath.Join(e.workspace, "full"+string(rune('a'+i))+".go"))
			if err := e.c.Open(e.ctx, uri, "go", goSrc); err != nil {
				t.Fatal(err)
			}
			at := strings.Index(goSrc, "fmt.Errorf")
			acts, err := suggestions(e.c.CodeActions(e.ctx, uri, at, at, protocol.CodeActionTriggerKindInvoked))
			if err != nil || len(acts) == 0 {
				t.Fatalf("suggestions while the disk is full: %d, %v", len(acts), err)
			}
			err = e.c.Apply(e.ctx, acts[0])
			switch {
			case err == nil:
				acked++
			case strings.Contains(err.Error(), "recording failed"):
				t.Logf("accept while full: %v", err)
				failed = append(failed, acts[0])
			default:
				t.Fatalf("accept while full: unclear error %v", err)
			}
		}
		e.status(t)
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		// Space again: a retried accept is recorded, or refused; never
		// acknowledged without being recorded.
		for _, a := range failed {
			err := e.c.Call(e.ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{Command: a.Command.Command, Arguments: a.Command.Arguments}, nil)
			if err == nil {
				acked++
			} else {
				t.Logf("retried accept: %v", err)
			}
		}
		if err := e.offerAndAccept(t, "after.go"); err != nil {
			t.Fatalf("accept after space came back: %v", err)
		}
		acked++
		if st := e.status(t); st.Events["accepted"] != acked {
			t.Fatalf("%d accepted events, %d acknowledged", st.Events["accepted"], acked)
		}
		e.shutdown(t)
		if n := countAccepted(t, filepath.Join(home, "syntx.db")); n != acked {
			t.Fatalf("after the session: %d accepted events, %d acknowledged", n, acked)
		}
	})
}

func TestCorruptDatabase(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	garbage := make([]byte, 64<<10)
	_, _ = rand.Read(garbage)
	dbPath := filepath.Join(home, "syntx.db")
	if err := os.WriteFile(dbPath, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, home, "", nil)
	st := e.status(t)
	if !strings.HasPrefix(st.Capture, "off: ") || !strings.Contains(st.Capture, "not a SyntX database") && !strings.Contains(st.Capture, "not a database") {
		t.Fatalf("capture %q, want off, naming the database as unreadable", st.Capture)
	}
	if !logged(e.c, "capture disabled", "untouched") {
		t.Error("the client was not told that capture is off")
	}
	if err := e.offerAndAccept(t, "c.go"); err != nil {
		t.Fatal(err)
	}
	e.status(t)
	e.shutdown(t)
	after, err := os.ReadFile(dbPath)
	if err != nil || !bytes.Equal(after, garbage) {
		t.Fatal("the corrupt database was modified")
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(dbPath + suffix); err == nil {
			t.Errorf("%s%s was created next to the corrupt database", dbPath, suffix)
		}
	}
}

func TestCorruptAdapter(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	acked := seedData(t, home)
	dir := filepath.Join(home, "adapters", "v1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("../testdata/model/adapter-boost-go-naming/adapter_config.json")
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 4096)
	_, _ = rand.Read(garbage)
	for name, data := range map[string][]byte{"adapter_config.json": cfg, "adapter_model.safetensors": garbage} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, "adapters", "ACTIVE"), []byte("v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, home, "", nil)
	// initialize follows the pointer and refuses the adapter, saying so.
	refusal := func(n lspclient.Notification) bool {
		var p struct{ Message string }
		_ = json.Unmarshal(n.Params, &p)
		return n.Method == "window/showMessage" && strings.Contains(p.Message, "adapter v1 refused")
	}
	if _, err := e.c.WaitFor(e.ctx, refusal); err != nil {
		t.Fatalf("waiting for the announcement that adapter v1 is refused: %v", err)
	}
	st := e.status(t)
	if strings.Contains(st.Policy, "v1") {
		t.Fatalf("the corrupt adapter is in use: policy %q", st.Policy)
	}
	// The server follows the pointer every second; a refused adapter that
	// has not changed is neither retried nor announced again. Follow it
	// three more times here, then let a request answered after any
	// announcement they sent bring those to the client.
	for i := 0; i < 3; i++ {
		e.srv.reloadAdapter(e.ctx)
	}
	e.status(t)
	shown := 0
	for _, n := range e.c.Notifications() {
		if refusal(n) {
			shown++
		}
	}
	if shown != 1 {
		t.Fatalf("the refused adapter was announced %d times, want once", shown)
	}
	if st.Capture != "on" {
		t.Fatalf("capture %q", st.Capture)
	}
	if err := e.offerAndAccept(t, "adapter.go"); err != nil {
		t.Fatal(err)
	}
	e.shutdown(t)
	if b, _ := os.ReadFile(filepath.Join(dir, "adapter_model.safetensors")); !bytes.Equal(b, garbage) {
		t.Fatal("the corrupt adapter file was modified")
	}
	if n := countAccepted(t, filepath.Join(home, "syntx.db")); n != acked+1 {
		t.Fatalf("%d accepted, want %d", n, acked+1)
	}
}

func TestCorruptConfig(t *testing.T) {
	t.Parallel()
	clean := t.TempDir()
	want, _ := config.Load(clean, nil) // the defaults under this environment's user config
	ws := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ws, ".syntx"), 0o700); err != nil {
		t.Fatal(err)
	}
	garbage := []byte("persona = \x00\xff[[[\n[limits]\nmax_candidates = \"many\"\n")
	if err := os.WriteFile(filepath.Join(ws, ".syntx", "config.toml"), garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []any{
		"not an object",
		[]int{1, 2, 3},
		map[string]any{"limits": map[string]any{"max_candidates": -5, "request_timeout": "soon"}},
		map[string]any{"policy": map[string]any{"threshold": 7}, "persona": ""},
		map[string]any{"capture": map[string]any{"checkpoints": []string{"5m", "1m"}}},
	} {
		// The workspace is trusted (its config is read, and broken).
		data := t.TempDir()
		if err := config.OpenTrust(data).Grant(config.ReadWorkspace(ws)); err != nil {
			t.Fatal(err)
		}
		e := startEnv(t, data, ws, opts)
		if got := e.srv.config(); !reflect.DeepEqual(got, want) {
			t.Fatalf("initializationOptions %v: configuration is not the defaults:\n got %+v\nwant %+v", opts, got, want)
		}
		if !logged(e.c, "config.toml", "ignored") {
			t.Errorf("the broken config.toml was not reported")
		}
		if !logged(e.c, "initializationOptions", "ignored") {
			t.Errorf("initializationOptions %v were not reported", opts)
		}
		if err := e.offerAndAccept(t, "cfg.go"); err != nil {
			t.Fatal(err)
		}
		// A broken didChangeConfiguration is reported and changes nothing.
		if err := e.c.Notify(e.ctx, "workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"limits": map[string]any{"max_candidates": "x"}}}); err != nil {
			t.Fatal(err)
		}
		e.status(t)
		if got := e.srv.config(); !reflect.DeepEqual(got, want) {
			t.Fatalf("after a broken didChangeConfiguration: %+v", got)
		}
		e.shutdown(t)
	}
	if b, _ := os.ReadFile(filepath.Join(ws, ".syntx", "config.toml")); !bytes.Equal(b, garbage) {
		t.Fatal("config.toml was modified")
	}
}
