package realcorpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// syncBuffer is a log sink for a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
}

// TestFetchCISubset fetches the CI subset for real, through the Go module
// proxy, the npm registry and Debian's archive, into a temporary cache;
// enumerates it; fetches again (nothing is downloaded twice); verifies it;
// and runs each language's checker in the roots it built, offline.
func TestFetchCISubset(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches from the package registries")
	}
	needTools(t, "go", "npm", "node", "apt-get", "dpkg-deb")
	file, err := DefaultPinsPath()
	if err != nil {
		t.Fatal(err)
	}
	pins, err := LoadPins(file)
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	var log syncBuffer
	opts := FetchOptions{Selection: Selection{CI: true}, Log: slog.New(slog.NewTextHandler(&log, nil))}
	if err := Fetch(t.Context(), pins, cache, opts); err != nil {
		t.Fatalf("fetch: %v\n%s", err, log.String())
	}
	ids, _ := pins.selected(Selection{CI: true})
	for _, id := range ids {
		if !strings.Contains(log.String(), "msg=fetched pin="+id+" ") {
			t.Errorf("the log does not say %s was fetched:\n%s", id, log.String())
		}
	}

	c, err := Open(cache, pins)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []syntax.Grammar{syntax.Go, syntax.Python, syntax.JavaScript, syntax.TypeScript} {
		for _, f := range []Filter{{Language: lang, Role: Test}, {Language: lang, Role: Prod}} {
			if len(c.Files(f)) == 0 {
				t.Errorf("CI subset: no files for %+v", f)
			}
		}
	}
	for _, p := range []Purpose{Dev, Check} {
		if len(c.Files(Filter{Purpose: p})) == 0 {
			t.Errorf("CI subset: no %s files", p)
		}
	}
	for _, b := range pins.Bench {
		if b.CI && !c.Has(b.ID) {
			t.Errorf("CI bench file %s not fetched", b.ID)
		}
	}
	if b, ok := c.Primary(ShapeUMD); !ok || b.ID != "umd-5k" {
		t.Errorf("Primary(umd) = %+v, %v", b, ok)
	}
	if c.Tools().TSC == "" {
		t.Error("tsc not fetched")
	}

	// Idempotent: a second fetch downloads nothing.
	var again syncBuffer
	opts.Log = slog.New(slog.NewTextHandler(&again, nil))
	if err := Fetch(t.Context(), pins, cache, opts); err != nil {
		t.Fatalf("second fetch: %v", err)
	}
	if strings.Contains(again.String(), "msg=fetching") || strings.Count(again.String(), `msg="up to date"`) != len(ids) {
		t.Errorf("the second fetch did not find everything up to date:\n%s", again.String())
	}
	if err := Verify(pins, cache, Selection{CI: true}); err != nil {
		t.Fatalf("verify: %v", err)
	}

	t.Run("go vet -overlay in a module copy", func(t *testing.T) { checkGoVet(t, c) })
	t.Run("tsc --noEmit in an npm project", func(t *testing.T) { checkTSC(t, c) })
	t.Run("py_compile and pyflakes on a Debian tree", func(t *testing.T) { checkPython(t, c) })
}

func checkGoVet(t *testing.T, c *Corpus) {
	ch, err := c.Checker("go-x-sync")
	if err != nil {
		t.Fatal(err)
	}
	var file File
	for _, f := range c.Files(Filter{Package: "go-x-sync", Role: Prod}) {
		if f.Rel == "errgroup/errgroup.go" {
			file = f
		}
	}
	if file.Path == "" {
		t.Fatal("no errgroup/errgroup.go in go-x-sync")
	}
	vet := func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), ch.Go, append([]string{"vet"}, args...)...)
		cmd.Dir, cmd.Env = ch.Dir, append(os.Environ(), ch.Env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := vet(file.GoImport); err != nil {
		t.Fatalf("go vet %s (offline, in the copy): %v\n%s", file.GoImport, err, out)
	}
	// The same package with one file replaced through an overlay: the
	// corpus is not touched, and vet sees the replacement.
	src, err := os.ReadFile(file.Path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), "func (g *Group) Wait() error {", "func (g *Group) Wait() error {\n\tfmt.Printf(\"%d\\n\", g)", 1)
	if bad == string(src) || !strings.Contains(bad, "\"fmt\"") {
		t.Fatal("errgroup.go changed shape; pick another line to break")
	}
	dir := t.TempDir()
	replaced := filepath.Join(dir, "errgroup.go")
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(replaced, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]any{"Replace": map[string]string{file.Path: replaced}})
	if err := os.WriteFile(overlay, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := vet("-overlay", overlay, file.GoImport)
	if err == nil || !strings.Contains(out, "Printf format %d has arg g of wrong type") {
		t.Fatalf("go vet -overlay did not report the broken Printf: %v\n%s", err, out)
	}
}

func checkTSC(t *testing.T, c *Corpus) {
	ch, err := c.Checker("ts-immer")
	if err != nil {
		t.Fatal(err)
	}
	if ch.TSConfig == "" {
		t.Fatal("no tsconfig for ts-immer")
	}
	cmd := exec.CommandContext(t.Context(), c.Tools().TSC, "--noEmit", "-p", ch.TSConfig)
	cmd.Dir = ch.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc --noEmit -p %s: %v\n%s", ch.TSConfig, err, out)
	}
}

func checkPython(t *testing.T, c *Corpus) {
	tools := c.Tools()
	if tools.Python == "" || tools.Pyflakes == "" {
		t.Skip("Debian's python3 and python3-pyflakes are not installed")
	}
	files := c.Files(Filter{Package: "py-six"})
	if len(files) != 1 {
		t.Fatalf("py-six has %d files", len(files))
	}
	out, err := exec.CommandContext(t.Context(), tools.Python, "-c",
		"import ast,sys; ast.parse(open(sys.argv[1], 'rb').read(), sys.argv[1])", files[0].Path).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 parse %s: %v\n%s", files[0].Rel, err, out)
	}
	// six.py names Python 2's builtins on purpose; pyflakes says so, and
	// that it ran on the file is what matters here.
	out, _ = exec.CommandContext(t.Context(), tools.Pyflakes, files[0].Path).CombinedOutput()
	if !strings.Contains(string(out), "six.py:") || strings.Contains(string(out), "Traceback") {
		t.Fatalf("pyflakes on %s:\n%s", files[0].Rel, out)
	}
}

// TestFetchChecksumMismatch pins real packages with wrong checksums: the
// fetch must fail naming each pin, keep nothing of the bad download, and
// still fetch the other pins.
func TestFetchChecksumMismatch(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches from the package registries")
	}
	needTools(t, "go", "npm")
	wrong512 := "sha512-" + strings.Repeat("A", 86) + "=="
	pinsText := `
[[source]]
id = "bad-npm"
manager = "npm"
name = "ms"
version = "2.1.3"
sum = "` + wrong512 + `"

[[source]]
id = "bad-go"
manager = "go"
name = "github.com/pkg/errors"
version = "v0.9.1"
sum = "h1:ycBJEhp9p4vXvUZNszeOq0kGTPghopOL8q0fq3vstxw="

[[source]]
id = "good-npm"
manager = "npm"
name = "ms"
version = "2.1.2"
sum = "sha512-sGkPx+VjMtmA6MX27oA4FBFELFCZZ4S4XqeGOXCv68tT+jb3vk/RyaKWP0PTKyWtmLSM0b+adUTEvbs1PEaH2w=="
`
	pins, err := ParsePins([]byte(pinsText))
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	var log syncBuffer
	err = Fetch(t.Context(), pins, cache, FetchOptions{Log: slog.New(slog.NewTextHandler(&log, nil))})
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("fetch: %v, want ErrChecksum\n%s", err, log.String())
	}
	for _, id := range []string{"bad-npm", "bad-go"} {
		if !strings.Contains(err.Error(), id+": ") {
			t.Errorf("the error does not name %s: %v", id, err)
		}
		if _, err := os.Stat(filepath.Join(cache, "state", id+".json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: marked as fetched", id)
		}
		if _, err := os.Stat(filepath.Join(cache, "src", id)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: its root was built", id)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "downloads", "bad-npm*")); len(m) > 0 {
		t.Errorf("the bad npm download was kept: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "gomod", "cache", "download", "github.com", "pkg", "errors", "@v", "v0.9.1.zip")); len(m) > 0 {
		t.Errorf("the bad Go download was kept: %v", m)
	}
	if _, err := os.Stat(filepath.Join(cache, "state", "good-npm.json")); err != nil {
		t.Errorf("the good pin was not fetched: %v", err)
	}
}
