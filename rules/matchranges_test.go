package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// TestMatchRangesEqualsRangeByRange: matching many ranges with one
// evaluation environment (MatchRanges, as a review of a change does) finds
// what matching each range on its own finds, on every file of the corpus
// and random ranges of it.
func TestMatchRangesEqualsRangeByRange(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	rng := rand.New(rand.NewPCG(3, 17))
	found := 0
	eachCorpusTree(t, func(f CorpusFile, src []byte, tree *syntax.Tree) {
		set := lib.Set(f.Grammar)
		var ranges []Span
		for at := 0; at < len(src); {
			end := min(len(src), at+1+rng.IntN(400))
			if rng.IntN(3) > 0 {
				ranges = append(ranges, Span{at, end})
			}
			at = end + rng.IntN(200)
		}
		key := func(m Match) string { return fmt.Sprintf("%s unsafe=%v", matchString(m), m.Unsafe) }
		var shared, alone []string
		set.MatchRanges(tree, syntax.NewText(src), ranges, func(m Match) { shared = append(shared, key(m)) })
		for _, r := range ranges {
			set.MatchRange(tree, syntax.NewText(src), r.Start, r.End, func(m Match) { alone = append(alone, key(m)) })
		}
		slices.Sort(shared)
		slices.Sort(alone)
		shared, alone = slices.Compact(shared), slices.Compact(alone)
		if !slices.Equal(shared, alone) {
			t.Fatalf("%s: %d matches with one environment, %d range by range\n%v\n%v", f.Path, len(shared), len(alone), shared, alone)
		}
		found += len(shared)
	})
	if found < 100 {
		t.Fatalf("%d matches over the corpus's ranges: the test compares too little", found)
	}
}
