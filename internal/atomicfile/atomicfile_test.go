package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	if err := WriteFile(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	// An existing file with a looser mode is replaced by a 0600 one.
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "two" {
		t.Fatalf("content = %q, %v; want two", b, err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != FileMode {
		t.Errorf("mode = %v, want %v", fi.Mode().Perm(), FileMode)
	}
	assertNoTemp(t, dir)
}

func TestWriteModeKeepsAskedMode(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "model.onnx")
	if err := WriteMode(p, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
}

// A writer that fails half-way leaves the old content and no temporary
// file behind.
func TestFailedWriteLeavesTheOldFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "cursor.json")
	if err := WriteFile(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err := Write(p, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want it to wrap the writer's error and name %s", err, p)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "old" {
		t.Errorf("content = %q after a failed write, want old", b)
	}
	assertNoTemp(t, dir)
}

func TestWriteIntoMissingDirectoryFails(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "no", "such", "file")
	if err := WriteFile(p, []byte("x")); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want an error naming %s", err, p)
	}
}

// MkdirAll makes 0700 directories even under a permissive umask, and Clean
// removes the temporary files a crash leaves. Not parallel: the umask is
// the process's.
func TestMkdirAllIgnoresUmaskAndCleanRemovesLeftovers(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(base, "a"), dir} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != DirMode {
			t.Errorf("%s: mode %v, want %v", d, fi.Mode().Perm(), DirMode)
		}
	}
	if err := WriteFile(filepath.Join(dir, "f"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "f"))
	if fi.Mode().Perm() != FileMode {
		t.Errorf("file mode %v under umask 0, want %v", fi.Mode().Perm(), FileMode)
	}
	// A crash between create and rename leaves a temporary file.
	left := filepath.Join(dir, ".f"+tmpInfix+"123")
	if err := os.WriteFile(left, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Clean(dir); err != nil {
		t.Fatal(err)
	}
	assertNoTemp(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
		t.Errorf("Clean removed a real file: %v", err)
	}
	// A file in the way of a directory is an error.
	if err := MkdirAll(filepath.Join(dir, "f")); err == nil {
		t.Error("MkdirAll over a regular file succeeded")
	}
}

func TestRemoveAndRemoveAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	if err := WriteFile(p, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := Remove(p); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
	sub := filepath.Join(dir, "sub")
	if err := MkdirAll(filepath.Join(sub, "deep")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(sub, "deep", "f"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := RemoveAll(sub); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sub); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RemoveAll left %s: %v", sub, err)
	}
	if err := RemoveAll(sub); err != nil {
		t.Errorf("RemoveAll of a missing path: %v", err)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if IsTemp(e.Name()) {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}
