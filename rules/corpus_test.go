package rules

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

const corpusDir = "../testdata/corpus"

// TestCorpusParses checks the statistics corpus: at least 40 files of 100 to
// 1,000 lines per language, each parsing without ERROR or MISSING nodes (a
// file the grammar cannot read would hide rule sites from the statistics).
func TestCorpusParses(t *testing.T) {
	t.Parallel()
	files, err := CorpusFiles(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	perLang := map[string]int{}
	for _, f := range files {
		perLang[f.Grammar.RuleLanguage()]++
		src, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(src), "\n"); n < 100 || n > 1000 {
			t.Errorf("%s: %d lines, want 100 to 1,000", f.Path, n)
		}
		tree, err := syntax.Parse(context.Background(), f.Grammar, src)
		if err != nil {
			t.Fatal(err)
		}
		if syntax.HasErrors(tree.Root()) {
			t.Errorf("%s: syntax errors: %s", f.Path, firstError(tree.Root(), src))
		}
		tree.Close()
	}
	for _, lang := range Languages {
		if perLang[lang] < 40 {
			t.Errorf("%s: %d corpus files, want at least 40", lang, perLang[lang])
		}
	}
}

// eachCorpusTree calls fn with each file of the corpus, its text and its
// syntax tree, which is closed once fn returns.
func eachCorpusTree(t *testing.T, fn func(f CorpusFile, src []byte, tree *syntax.Tree)) {
	t.Helper()
	files, err := CorpusFiles(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := syntax.Parse(context.Background(), f.Grammar, src)
		if err != nil {
			t.Fatal(err)
		}
		fn(f, src, tree)
		tree.Close()
	}
}

// firstError describes the first ERROR or MISSING node under n.
func firstError(n *sitter.Node, src []byte) string {
	if n.IsError() || n.IsMissing() {
		p := n.StartPoint()
		text := n.Content(src)
		if len(text) > 60 {
			text = text[:60] + "…"
		}
		return fmt.Sprintf("line %d col %d: %s %q", p.Row+1, p.Column+1, n.Type(), text)
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		if c := n.Child(i); c.HasError() || c.IsMissing() {
			if s := firstError(c, src); s != "" {
				return s
			}
		}
	}
	return ""
}
