package rules

import (
	"bytes"
	"context"
	"go/format"
	"os"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// TestCorpusFixes applies every rule's fix at every site it matches in the
// corpus, one at a time, and checks that the result still parses without
// ERROR or MISSING nodes, and for Go that a gofmt-clean file stays
// gofmt-clean: the examples show a fix on chosen code, the corpus on code
// nobody chose for the rule.
func TestCorpusFixes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("applies every fix in the corpus")
	}
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	files, err := CorpusFiles(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fixes := 0
	for _, f := range files {
		src, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := syntax.Parse(ctx, f.Grammar, src)
		if err != nil {
			t.Fatal(err)
		}
		gofmtClean := false
		if f.Grammar == syntax.Go {
			formatted, err := format.Source(src)
			gofmtClean = err == nil && bytes.Equal(formatted, src)
		}
		for _, m := range NewIndex(lib.Set(f.Grammar), tree, syntax.NewText(src)).Matches(tree, syntax.NewText(src)) {
			edits, err := Fix(m, tree, src)
			if err != nil {
				t.Errorf("%s: %s: %v", f.Path, m, err)
				continue
			}
			fixed := Apply(src, edits)
			fixes++
			ft, err := syntax.Parse(ctx, f.Grammar, fixed)
			if err != nil {
				t.Fatal(err)
			}
			if syntax.HasErrors(ft.Root()) {
				t.Errorf("%s: %s: the fix leaves syntax errors: %s", f.Path, m, firstError(ft.Root(), fixed))
			}
			ft.Close()
			if gofmtClean {
				if formatted, err := format.Source(fixed); err != nil || !bytes.Equal(formatted, fixed) {
					t.Errorf("%s: %s: the fix leaves the file not gofmt-clean (%v)", f.Path, m, err)
				}
			}
		}
		tree.Close()
	}
	t.Logf("%d fixes applied", fixes)
	if fixes < 500 {
		t.Errorf("only %d fixes applied in the corpus", fixes)
	}
}
