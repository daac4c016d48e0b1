package rules

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRejectionsDependents checks the word index of refusals against the
// plain rule (every live refusal whose Deps touch the change, whose root
// lies outside the regions, and which the change affects) through random
// edits, drops and compactions.
func TestRejectionsDependents(t *testing.T) {
	details := []*depDetail{nil, inexactDeps, {minified: true}, {words: []string{"a"}}, {words: []string{"a", "b"}}, {words: []string{"c"}}}
	changes := []change{
		{inert: true, words: []string{"a"}},
		{inert: true, words: []string{"b", "z"}},
		{inert: true, words: []string{"q"}},
		{},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var x rejections
	var ref []rejection // what x must hold, in any order
	compactions := 0
	for step := 0; step < 400; step++ {
		for k := rng.IntN(8); k > 0; k-- {
			at := rng.IntN(1000)
			r := rejection{Root: Span{at, at + 5}, Hull: Span{at, at + 5}, Deps: Span{max(at-rng.IntN(300), 0), at + rng.IntN(300)}, dep: details[rng.IntN(len(details))]}
			x.add(r)
			ref = append(ref, r)
		}
		switch rng.IntN(3) {
		case 0:
			a := rng.IntN(1000)
			regions := []Span{{a, a + rng.IntN(200)}}
			before := len(x.rs)
			x.drop(regions)
			if len(x.rs) < before {
				compactions++
			}
			ref = slices.DeleteFunc(ref, func(r rejection) bool { return overlapsAny(r.Root, regions) })
		case 1:
			start := rng.IntN(1000)
			oldEnd, newEnd := start+rng.IntN(3), start+rng.IntN(3)
			x.edit(start, oldEnd, newEnd)
			ref = slices.DeleteFunc(ref, func(r rejection) bool { return r.Root.Intersects(Span{start, oldEnd}) })
			for i := range ref {
				ref[i].Root = shiftSpan(ref[i].Root, start, oldEnd, newEnd)
				ref[i].Hull = shiftSpan(ref[i].Hull, start, oldEnd, newEnd)
				ref[i].Deps = shiftSpan(ref[i].Deps, start, oldEnd, newEnd)
			}
		default:
			ch := changes[rng.IntN(len(changes))]
			a := rng.IntN(1000)
			touched := []Span{{a, a + 2}}
			regions := []Span{{max(a-20, 0), a + 20}}
			var want []Span
			ref = slices.DeleteFunc(ref, func(r rejection) bool {
				if touchesAny(r.Deps, touched) && !overlapsAny(r.Root, regions) && ch.affects(r.dep) {
					want = append(want, r.Root)
					return true
				}
				return false
			})
			got := x.dependents(touched, regions, nil, &ch)
			sortSpans(got)
			sortSpans(want)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d, change %+v: roots %v, want %v", step, ch, got, want)
			}
		}
		var live []rejection
		for i, r := range x.rs {
			if !x.dead[i] {
				live = append(live, r)
			}
		}
		if len(live) != len(ref) || len(live)+x.ndead != len(x.rs) {
			t.Fatalf("step %d: %d live refusals (%d dead of %d), want %d", step, len(live), x.ndead, len(x.rs), len(ref))
		}
	}
	if compactions == 0 {
		t.Fatal("no drop compacted the refusals: the test did not exercise compaction")
	}
}

func sortSpans(s []Span) {
	slices.SortFunc(s, func(a, b Span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
}
