package realcorpus

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name string
	typ  byte
	body string
	link string
	mode int64
}

func tarball(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Format: tar.FormatPAX}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tree lists what a directory holds: path → "file:<content>", "dir" or
// "link".
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case rel == ".":
		case fi.Mode()&os.ModeSymlink != 0:
			got[rel] = "link"
		case fi.IsDir():
			got[rel] = "dir"
		default:
			b, _ := os.ReadFile(p)
			got[rel] = "file:" + string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestExtractTar(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dst := filepath.Join(dir, "out")
	data := tarball(t,
		entry{name: "package/", typ: tar.TypeDir},
		entry{name: "package/index.js", typ: tar.TypeReg, body: "module.exports = 1\n"},
		entry{name: "package/./lib//a.js", typ: tar.TypeReg, body: "a"},
		entry{name: "package/bin/cli", typ: tar.TypeReg, body: "#!/bin/sh\n", mode: 0o755},
		entry{name: "package/index.js", typ: tar.TypeReg, body: "module.exports = 2\n"}, // a later entry wins, as in tar
	)
	res, err := extractTar(bytes.NewReader(data), dst, true, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"index.js": "file:module.exports = 2\n",
		"lib":      "dir", "lib/a.js": "file:a",
		"bin": "dir", "bin/cli": "file:#!/bin/sh\n",
	}
	got := tree(t, dst)
	if len(got) != len(want) {
		t.Errorf("extracted %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dst, "bin", "cli")); fi == nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/cli mode %v, want 0755", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(dst, "index.js")); fi == nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("index.js mode %v, want 0644", fi.Mode())
	}
	if res.Files != 4 || len(res.Skipped) != 0 {
		t.Errorf("result %+v", res)
	}
}

// TestExtractTarHostile feeds archives an attacker would build. Each must
// either fail without leaving anything behind, or extract without creating
// a link or writing outside the destination.
func TestExtractTarHostile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		entries []entry
		lim     Limits
		strip   bool
		wantErr string            // "" when the archive extracts (minus what is skipped)
		want    map[string]string // the tree when it extracts
		skipped int
	}{
		{name: "absolute path", entries: []entry{{name: "/etc/cron.d/evil", typ: tar.TypeReg, body: "x"}}, wantErr: "absolute path"},
		{name: "parent directory", entries: []entry{{name: "../evil", typ: tar.TypeReg, body: "x"}}, wantErr: "leaves the archive"},
		{name: "parent after strip", entries: []entry{{name: "package/../../evil", typ: tar.TypeReg, body: "x"}}, strip: true, wantErr: "leaves the archive"},
		{name: "parent in the middle", entries: []entry{{name: "a/b/../../../evil", typ: tar.TypeReg, body: "x"}}, wantErr: "leaves the archive"},
		{name: "newline in a name", entries: []entry{{name: "a\nb", typ: tar.TypeReg, body: "x"}}, wantErr: "line break"},
		{name: "file over the limit", entries: []entry{{name: "big", typ: tar.TypeReg, body: strings.Repeat("x", 100)}},
			lim: Limits{MaxFileBytes: 10, MaxTotalBytes: 1000, MaxEntries: 10}, wantErr: "over the limit"},
		{name: "total over the limit", entries: []entry{{name: "a", typ: tar.TypeReg, body: "123456"}, {name: "b", typ: tar.TypeReg, body: "123456"}},
			lim: Limits{MaxFileBytes: 10, MaxTotalBytes: 10, MaxEntries: 10}, wantErr: "more than 10 bytes"},
		{name: "too many entries", entries: []entry{{name: "a", typ: tar.TypeDir}, {name: "b", typ: tar.TypeDir}, {name: "c", typ: tar.TypeDir}},
			lim: Limits{MaxFileBytes: 10, MaxTotalBytes: 10, MaxEntries: 2}, wantErr: "more than 2 entries"},
		{name: "file where a directory goes", entries: []entry{{name: "a", typ: tar.TypeReg, body: "x"}, {name: "a/b", typ: tar.TypeReg, body: "y"}}, wantErr: "in the way"},
		{
			name: "symlink then a file through it",
			entries: []entry{
				{name: "evil", typ: tar.TypeSymlink, link: "/tmp"},
				{name: "evil/pwned", typ: tar.TypeReg, body: "x"},
			},
			want:    map[string]string{"evil": "dir", "evil/pwned": "file:x"},
			skipped: 1,
		},
		{
			name: "relative symlink out of the tree",
			entries: []entry{
				{name: "lib/up", typ: tar.TypeSymlink, link: "../../../../etc"},
				{name: "lib/ok.js", typ: tar.TypeReg, body: "ok"},
			},
			want:    map[string]string{"lib": "dir", "lib/ok.js": "file:ok"},
			skipped: 1,
		},
		{
			name: "hard link, device and fifo",
			entries: []entry{
				{name: "a", typ: tar.TypeReg, body: "a"},
				{name: "hard", typ: tar.TypeLink, link: "/etc/passwd"},
				{name: "dev", typ: tar.TypeChar},
				{name: "fifo", typ: tar.TypeFifo},
			},
			want:    map[string]string{"a": "file:a"},
			skipped: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dst := filepath.Join(dir, "out")
			lim := tt.lim
			if lim == (Limits{}) {
				lim = DefaultLimits
			}
			res, err := extractTar(bytes.NewReader(tarball(t, tt.entries...)), dst, tt.strip, lim)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if left := tree(t, dir); len(left) != 0 {
					t.Fatalf("a failed extraction left %v", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := tree(t, dst)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("extracted %v, want %v", got, tt.want)
			}
			if len(res.Skipped) != tt.skipped {
				t.Errorf("skipped %v, want %d", res.Skipped, tt.skipped)
			}
			if left := tree(t, dir); len(left) != len(got)+1 {
				t.Errorf("something was written beside the destination: %v", left)
			}
		})
	}
}

func TestExtractTarGzTruncated(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	data := tarball(t, entry{name: "package/a.js", typ: tar.TypeReg, body: strings.Repeat("a", 5000)})
	zw.Write(data[:1000]) // cut inside the file's content
	zw.Close()
	file := filepath.Join(dir, "x.tgz")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := extractTarGz(file, filepath.Join(dir, "out"), true, DefaultLimits); err == nil {
		t.Fatal("a truncated archive extracted")
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a failed extraction left its destination: %v", err)
	}
}

func TestExtractTarRefusesExistingDestination(t *testing.T) {
	t.Parallel()
	dst := t.TempDir()
	_, err := extractTar(bytes.NewReader(tarball(t, entry{name: "a", typ: tar.TypeReg, body: "a"})), dst, false, DefaultLimits)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("error %v, want a refusal to extract over an existing directory", err)
	}
}
