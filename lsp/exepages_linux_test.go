//go:build linux

package lsp

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// exeMappings sums, from this process's smaps, the resident bytes of the
// executable's read-only mappings without anonymous pages, and counts
// those with some (RELRO).
func exeMappings(t *testing.T) (cleanRss int, relro int) {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := readSmaps(bufio.NewScanner(f))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		switch {
		case m.path != exe || m.writable:
		case m.anonB == 0:
			cleanRss += m.rss
		default:
			relro++
		}
	}
	return cleanRss, relro
}

// TestDropExecutablePages: the executable's read-only, unmodified pages
// are unmapped (the resident code and read-only data fall by at least a
// quarter), the read-only mapping the dynamic linker relocated (RELRO: C
// function pointers) is left alone, and the process runs on: tree-sitter
// parses and glibc is called through those pointers (with the relocated
// page dropped, the next C call jumps to address zero). It runs in a copy
// of the test binary written with plain writes, as an installed server is:
// the page cache holds a freshly linked binary in large folios, which the
// kernel maps 2 MB at a time.
func TestDropExecutablePages(t *testing.T) {
	if os.Getenv("SYNTX_DROP_CHILD") == "1" {
		dropAndCheck(t)
		return
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "lsp.test")
	if err := os.WriteFile(cp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cp, "-test.run=^TestDropExecutablePages$", "-test.v")
	cmd.Env = append(os.Environ(), "SYNTX_DROP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestDropExecutablePages") {
		t.Fatalf("in a copy of the test binary: %v\n%s", err, out)
	}
}

func dropAndCheck(t *testing.T) {
	// The collector, which reads much of the read-only data, waits.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	before, relro := exeMappings(t)
	if before == 0 {
		t.Fatal("no read-only mapping of the executable is resident")
	}
	n, err := dropExecutablePages()
	if err != nil || n == 0 {
		t.Fatalf("dropExecutablePages: %d bytes, %v", n, err)
	}
	after, relroAfter := exeMappings(t)
	t.Logf("resident read-only pages of the executable: %d bytes before, %d after", before, after)
	if after > before-before/4 {
		t.Fatalf("resident read-only pages of the executable: %d bytes before, %d after", before, after)
	}
	if relroAfter != relro || relro == 0 {
		t.Fatalf("read-only mappings with relocated (anonymous) pages: %d before, %d after (want the same, and some)", relro, relroAfter)
	}
	syntax.ReleaseMemory()
	tree, err := syntax.Parse(context.Background(), syntax.Go, []byte("package p\n\nfunc f() {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if tree.Root().ChildCount() == 0 {
		t.Fatal("empty tree after the drop")
	}
}

// TestCleanReadOnlyMappings: only the executable's own mappings count
// (a path with spaces; not a deleted or another file), writable ones and
// those with anonymous pages are left, and a file's own dirty pages (a
// freshly copied executable's) do not disqualify a mapping.
func TestCleanReadOnlyMappings(t *testing.T) {
	smaps := `00400000-00402000 r--p 00000000 fe:00 1  /opt/my tools/syntx
Rss:                   8 kB
Private_Dirty:         8 kB
Anonymous:             0 kB
00402000-0145d000 r-xp 00002000 fe:00 1  /opt/my tools/syntx
Rss:                8032 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
02740000-02744000 r--p 02340000 fe:00 1  /opt/my tools/syntx
Anonymous:             4 kB
02744000-02810000 rw-p 02344000 fe:00 1  /opt/my tools/syntx
Anonymous:             0 kB
02810000-02820000 r--p 00000000 fe:00 2  /opt/my tools/syntx (deleted)
Anonymous:             0 kB
7f0000000000-7f0000001000 r-xp 00000000 fe:00 3  /usr/lib/x86_64-linux-gnu/libc.so.6
Anonymous:             0 kB
7f0000002000-7f0000003000 rw-p 00000000 00:00 0
Anonymous:             4 kB
`
	got, err := cleanReadOnlyMappings(bufio.NewScanner(strings.NewReader(smaps)), "/opt/my tools/syntx")
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]uintptr{{0x400000, 0x402000}, {0x402000, 0x145d000}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %x, want %x", got, want)
	}
}
