package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMatchListDependents checks the chunks' word index (byWord, its
// hulls, open) against the plain rule — every match whose Deps touch the
// change, whose root does not overlap it, and which the change affects —
// through random inserts, edits, drops and reads that normalize chunks.
func TestMatchListDependents(t *testing.T) {
	details := []*depDetail{nil, inexactDeps, {minified: true}, {words: []string{"a"}}, {words: []string{"a", "b"}}, {words: []string{"c"}}}
	changes := []change{
		{inert: true, words: []string{"a"}},
		{inert: true, words: []string{"b", "z"}},
		{inert: true, words: []string{"q"}},
		{},
	}
	rule := &Rule{Spec: Spec{ID: "r"}}
	rng := rand.New(rand.NewPCG(3, 5))
	var l matchList
	for step := 0; step < 600; step++ {
		var fresh []Match
		for k := rng.IntN(40); k > 0; k-- {
			at := rng.IntN(5000)
			d := details[rng.IntN(len(details))]
			deps := noDeps
			if d != nil {
				deps = Span{max(at-rng.IntN(800), 0), at + rng.IntN(800)}
			}
			fresh = append(fresh, Match{Rule: rule, Site: Span{at, at + 3}, Hull: Span{at, at + 3}, Root: Span{at, at + 4}, Deps: deps, dep: d})
		}
		sortMatches(fresh)
		l.insert(fresh)
		switch rng.IntN(4) {
		case 0:
			a := rng.IntN(5000)
			l.drop([]Span{{a, a + rng.IntN(100)}})
		case 1:
			start := rng.IntN(5000)
			oldEnd := start + rng.IntN(200)
			l.edit(start, oldEnd, rng.IntN(200)-(oldEnd-start)) // the new text is 0 to 199 bytes
		case 2:
			l.all() // normalizes every chunk
		}
		ch := changes[rng.IntN(len(changes))]
		a := rng.IntN(5000)
		spans := []Span{{a, a + 2}}
		var want []string
		for _, c := range l.chunks {
			for _, m := range c.ms {
				deps := Span{m.Deps.Start + c.delta, m.Deps.End + c.delta}
				root := Span{m.Root.Start + c.delta, m.Root.End + c.delta}
				if m.dep != nil && touchesAny(deps, spans) && !overlapsAny(root, spans) && ch.affects(m.dep) {
					want = append(want, fmt.Sprint(root))
				}
			}
		}
		var got []string
		for _, r := range l.dependents(spans, nil, &ch) {
			got = append(got, fmt.Sprint(r))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d, change %+v at %d: roots %v, want %v", step, ch, a, got, want)
		}
	}
	if len(l.chunks) < 4 {
		t.Fatalf("%d chunks: the test did not exercise several", len(l.chunks))
	}
}
