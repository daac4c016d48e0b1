package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

// TestIndexIncrementalEqualsFullOnRealCode is TestIndexIncrementalEqualsFull
// on real, unmodified files of the real-code corpus (internal/realcorpus;
// skipped when it is not fetched, failed under SYNTX_REALCORPUS_REQUIRED=1),
// edited as a person edits: a word typed a character at a time, backspaces,
// a line broken, deleted or duplicated, a word replaced by another of the
// file's, a line pasted from elsewhere, the last change undone, and now and
// then two changes in one notification (two cursors). After every
// notification the incrementally maintained matches must equal a full
// rescan of the same tree.
//
// By default it edits 2 files per language, drawn with seed 1, 25
// notifications each (`make check-index-real-ci` runs it on the CI subset);
// SYNTX_REAL_INDEX_FILES, SYNTX_REAL_INDEX_STEPS and SYNTX_REAL_INDEX_SEED
// change that (README, "Development", gives the long run).
func TestIndexIncrementalEqualsFullOnRealCode(t *testing.T) {
	c := realcorpus.Require(t)
	files := realcorpus.EnvCount(t, "SYNTX_REAL_INDEX_FILES", 2)
	steps := realcorpus.EnvCount(t, "SYNTX_REAL_INDEX_STEPS", 25)
	seed := uint64(realcorpus.EnvCount(t, "SYNTX_REAL_INDEX_SEED", 1))
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	for _, g := range []syntax.Grammar{syntax.Go, syntax.Python, syntax.JavaScript, syntax.TypeScript, syntax.TSX} {
		drawn, err := c.Sample(g, seed, files, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range drawn {
			t.Run(string(g)+"/"+f.Package+"/"+f.Rel, func(t *testing.T) {
				editRealFile(t, lib, g, f.Src, seed*1000+uint64(i), steps)
			})
		}
	}
	// The benchmark files: the shapes whose matching is queued and resumed
	// (a UMD bundle, a minified line, a 3,000-line class), a fifth of the
	// notifications each; past 1 MB only with SYNTX_REAL_INDEX_HUGE=1 (a
	// full rescan of umd-100k per notification takes seconds).
	huge := os.Getenv("SYNTX_REAL_INDEX_HUGE") == "1"
	for _, sh := range realcorpus.Shapes {
		for _, bf := range c.Bench(sh) {
			if bf.Bytes > 1<<20 && !huge {
				continue
			}
			t.Run("bench/"+bf.ID, func(t *testing.T) {
				src, err := os.ReadFile(bf.File)
				if err != nil {
					t.Fatal(err)
				}
				editRealFile(t, lib, syntax.Detect("", bf.File), src, seed, max(5, steps/5))
			})
		}
	}
}

// editRealFile makes steps notifications of edits to src and checks the
// index after each. A failure names the seed and the changes so far.
func editRealFile(t *testing.T, lib *Library, g syntax.Grammar, src []byte, seed uint64, steps int) {
	text := syntax.NewText(src)
	tree, err := syntax.Parse(context.Background(), g, text.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	ix := NewIndex(lib.Set(g), tree, text)
	later := newPostponed(lib.Set(g), tree, text, seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	ty := corpus.NewTypist(rng, src)
	var log []string
	for step := range steps {
		changes := ty.Next(text.Bytes())
		for _, c := range changes {
			log = append(log, fmt.Sprintf("step %d: %d-%d %q", step, c.Start, c.End, c.Text))
		}
		text = applyNotification(t, tree, ix, text, changes, later.ix)
		label := fmt.Sprintf("seed %d step %d after\n%s\n", seed, step, strings.Join(log[max(0, len(log)-12):], "\n"))
		verifyIncremental(t, ix, tree, text, rng, label)
		later.check(t, tree, text, step == steps-1, label)
	}
}
