package safeio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ok"), "hello")
	write(t, filepath.Join(dir, "big"), strings.Repeat("x", 101))
	fifo(t, filepath.Join(dir, "fifo"))
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "ok"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		want string // content, or the error it wraps
		err  error
	}{
		{"ok", "hello", nil},
		{"link", "hello", nil}, // a user's own link is followed
		{"big", "", ErrTooLarge},
		{"fifo", "", ErrNotRegular},
		{"zero", "", ErrNotRegular},
		{".", "", ErrNotRegular},
		{"missing", "", fs.ErrNotExist},
	} {
		b, err := ReadFile(filepath.Join(dir, c.name), 100)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s: got %q, %v; want %v", c.name, b, err, c.err)
			}
			continue
		}
		if err != nil || string(b) != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, b, err, c.want)
		}
	}
	// A special file reporting size 0 is still read through the limit.
	if _, err := os.Stat("/proc/self/status"); err == nil {
		if _, err := ReadFile("/proc/self/status", 10); !errors.Is(err, ErrTooLarge) {
			t.Errorf("/proc/self/status with a 10-byte limit: %v, want ErrTooLarge", err)
		}
	}
}

func TestWalk(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	dir := filepath.Join(base, "rules")
	write(t, filepath.Join(dir, "a.toml"), "a")
	write(t, filepath.Join(dir, "sub", "b.toml"), "bb")
	write(t, filepath.Join(dir, "sub", "deep", "deeper", "c.toml"), "c")
	write(t, filepath.Join(dir, "notes.txt"), "ignored")
	write(t, filepath.Join(dir, "huge.toml"), strings.Repeat("x", 50))
	write(t, filepath.Join(base, "outside.toml"), "secret")
	fifo(t, filepath.Join(dir, "fifo.toml"))
	for name, target := range map[string]string{
		"zero.toml":    "/dev/zero",           // absolute: never followed inside a Dir
		"escape.toml":  "../outside.toml",     // out of the directory
		"inside.toml":  "a.toml",              // stays inside: read
		"dirlink.toml": "sub",                 // a directory
		"loop.toml":    "loop.toml",           // a loop
		"dangle.toml":  "does-not-exist.toml", // nothing
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	files, problems := d.Walk(".toml", Limits{FileBytes: 10, TotalBytes: 1000, Files: 100, Depth: 2})
	var got []string
	for _, f := range files {
		got = append(got, f.Name+"="+string(f.Data))
	}
	if want := "a.toml=a inside.toml=a sub/b.toml=bb"; strings.Join(got, " ") != want {
		t.Errorf("files: %s, want %s", strings.Join(got, " "), want)
	}
	skipped := map[string]string{}
	for _, p := range problems {
		skipped[p.Name] = p.Error()
	}
	for name, want := range map[string]string{
		"zero.toml":       "does not lead to a file inside",
		"escape.toml":     "does not lead to a file inside",
		"loop.toml":       "does not lead to a file inside",
		"dangle.toml":     "does not lead to a file inside",
		"dirlink.toml":    "symbolic link to a directory",
		"fifo.toml":       "it is a FIFO",
		"huge.toml":       "file too large",
		"sub/deep/deeper": "nested deeper than 2",
	} {
		if !strings.Contains(skipped[name], want) {
			t.Errorf("%s: problem %q, want it to say %q", name, skipped[name], want)
		}
		if !strings.Contains(skipped[name], filepath.Join(dir, name)) {
			t.Errorf("%s: problem %q does not name the file", name, skipped[name])
		}
	}
	if len(problems) != 8 {
		t.Errorf("%d problems, want 8: %v", len(problems), problems)
	}

	// Counts and totals.
	_, problems = d.Walk(".toml", Limits{FileBytes: 10, TotalBytes: 1000, Files: 1, Depth: 2})
	n := 0
	for _, p := range problems {
		if strings.Contains(p.Error(), "more than 1 files") {
			n++
		}
	}
	if n != 4 { // fifo, huge, inside and sub/b: counted before they are opened
		t.Errorf("with Files 1: %d files refused for the count, want 4: %v", n, problems)
	}
	files, problems = d.Walk(".toml", Limits{FileBytes: 10, TotalBytes: 2, Files: 100, Depth: 2})
	if len(files) != 2 {
		t.Errorf("with TotalBytes 2: %d files, want a.toml and inside.toml", len(files))
	}
	found := false
	for _, p := range problems {
		found = found || strings.Contains(p.Error(), "already hold 2 of the 2 bytes")
	}
	if !found {
		t.Errorf("with TotalBytes 2: no problem names the total: %v", problems)
	}

	// A missing directory walks as empty.
	if _, err := OpenDir(filepath.Join(base, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenDir of a missing directory: %v", err)
	}
}

func TestSub(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	ws := filepath.Join(base, "ws")
	write(t, filepath.Join(ws, "real", "x.toml"), "x")
	if err := os.Symlink("real", filepath.Join(ws, "inside")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(ws, "out")); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDir(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	in, err := d.Sub("inside")
	if err != nil {
		t.Fatalf("a link to a directory inside: %v", err)
	}
	if b, err := in.ReadFile("x.toml", 10); err != nil || string(b) != "x" {
		t.Errorf("read through the linked sub-directory: %q %v", b, err)
	}
	in.Close()
	if _, err := d.Sub("out"); err == nil {
		t.Error("a link to a directory outside opened")
	}
	if _, err := d.ReadFile("../ws/real/x.toml", 10); err == nil {
		t.Error("a path leaving the directory was read")
	}
}
