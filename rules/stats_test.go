package rules

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpusStatsCounts checks the counting on a small corpus written here.
func TestCorpusStatsCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("py/a.py", "def f(x):\n    if x == None:\n        return 1\n    return x != None\n")
	write("py/b.py", "def g(x):\n    return x is None\n")
	write("py/c.py", "def h(x=[]):\n    return x\n")
	write("_gen/skipped.py", "y = x == None\n")
	write("notes.txt", "x == None\n")
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	st, err := CorpusStats(context.Background(), lib, dir, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files["python"] != 3 || st.Files["go"] != 0 {
		t.Fatalf("files %v, want 3 python files", st.Files)
	}
	byID := map[string]RuleStats{}
	for _, r := range st.Rules {
		byID[r.ID] = r
	}
	if r := byID["python.none-comparison"]; r.Matches != 2 || r.Files != 1 || r.LanguageFiles != 3 || r.Flag != "" {
		t.Errorf("none-comparison: %+v, want 2 matches in 1 of 3 files, no flag", r)
	}
	if r := byID["python.yaml-safe-load"]; r.Matches != 0 || r.Flag != "never" {
		t.Errorf("yaml-safe-load: %+v, want flagged never", r)
	}
	if r := byID["python.mutable-default"]; r.Files != 1 || r.Flag != "" {
		t.Errorf("mutable-default: %+v", r)
	}
	if r := byID["go.errorf-wrap"]; r.LanguageFiles != 0 || r.Flag != "" {
		t.Errorf("go.errorf-wrap without Go files: %+v, want no flag", r)
	}
	var buf bytes.Buffer
	if err := st.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "python.none-comparison") || !strings.Contains(buf.String(), "python.yaml-safe-load never matches") || strings.Contains(buf.String(), "go.errorf-wrap") {
		t.Errorf("report:\n%s", buf.String())
	}
}

// TestCorpusStatsNoFlags runs every builtin rule over testdata/corpus: a
// rule that never matches there is broken or untested by the corpus, and
// one that matches in most files is too loose. Either way the corpus or the
// rule needs attention.
func TestCorpusStatsNoFlags(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	st, err := CorpusStats(context.Background(), lib, corpusDir, DefaultEverywhere)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Flagged() {
		t.Errorf("%s flagged %q: %d matches in %d of %d files", r.ID, r.Flag, r.Matches, r.Files, r.LanguageFiles)
	}
	if len(st.Unparsed) > 0 {
		t.Errorf("corpus files with syntax errors: %v", st.Unparsed)
	}
}
