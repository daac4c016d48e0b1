package rules

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

// TestCorpusIsGenerated runs the corpus generator (testdata/corpus/_gen/
// gen.py, deterministic) into a temporary directory and compares what it
// writes with the committed corpus, file by file: a hand edit to a
// generated file, or a block edited without generating again, would be
// lost the next time someone runs the generator, and the rules' corpus
// tests would then test something else.
func TestCorpusIsGenerated(t *testing.T) {
	t.Parallel()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed (CI installs it)")
	}
	if _, err := exec.LookPath("gofmt"); err != nil {
		t.Skip("gofmt is not on PATH")
	}
	out := t.TempDir()
	cmd := exec.Command(python, filepath.Join(corpusDir, "_gen", "gen.py"), out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen.py: %v\n%s", err, msg)
	}
	for _, lang := range []string{"go", "python", "javascript", "typescript"} {
		committed, generated := listDir(t, filepath.Join(corpusDir, lang)), listDir(t, filepath.Join(out, lang))
		for name, want := range generated {
			got, ok := committed[name]
			switch {
			case !ok:
				t.Errorf("%s/%s: written by gen.py, not committed", lang, name)
			case !bytes.Equal(got, want):
				t.Errorf("%s/%s: differs from what gen.py writes (run python3 testdata/corpus/_gen/gen.py, or move the change into %s.blocks)", lang, name, lang)
			}
		}
		var extra []string
		for name := range committed {
			if _, ok := generated[name]; !ok {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			t.Errorf("%s/%s: committed, not written by gen.py", lang, name)
		}
	}
}

// listDir returns the files of dir by name.
func listDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}
