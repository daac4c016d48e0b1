package rules

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMatchListDependents checks the chunks' word index (byWord, its
// bounds, open) and their shared Deps (chunk.deps) against a plain list of
// the same matches, edited the plain way (every match's Deps mapped
// through shiftSpan): the Deps each match reports, and the roots
// dependents finds by the plain rule — every match whose Deps touch the
// change, whose root does not overlap it, and which the change affects —
// through random inserts, edits (many of them at a chunk's border, at the
// end of a match or where Deps start or end), drops and reads that
// normalize chunks.
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
	var ref []Match // the same matches, positions and Deps absolute
	for step := 0; step < 800; step++ {
		var fresh []Match
		// A few spans shared by many matches, as the functions around
		// declarations are, and some of each match's own.
		shared := []Span{{0, 5000 + rng.IntN(100)}, {rng.IntN(2000), 2000 + rng.IntN(2000)}}
		for k := rng.IntN(40); k > 0; k-- {
			at := rng.IntN(5000)
			d := details[rng.IntN(len(details))]
			deps := noDeps
			if d != nil {
				deps = Span{max(at-rng.IntN(800), 0), at + rng.IntN(800)}
				if rng.IntN(2) == 0 {
					deps = shared[rng.IntN(len(shared))]
				}
			}
			fresh = append(fresh, Match{Rule: rule, Site: Span{at, at + 3}, Hull: Span{at, at + 3}, Root: Span{at, at + 4}, Deps: deps, dep: d})
		}
		sortMatches(fresh)
		ref = append(ref, fresh...)
		l.insert(fresh)
		switch rng.IntN(4) {
		case 0:
			a := rng.IntN(5000)
			drop := []Span{{a, a + rng.IntN(400)}}
			l.drop(drop)
			ref = slices.DeleteFunc(ref, func(m Match) bool { return overlapsAny(m.Root, drop) })
		case 1:
			start := borderOrRandom(rng, &l, ref)
			oldEnd := start + rng.IntN(200)
			if rng.IntN(3) == 0 {
				oldEnd = start // an insertion
			}
			delta := rng.IntN(200) - (oldEnd - start) // the new text is 0 to 199 bytes
			l.edit(start, oldEnd, delta)
			ref = slices.DeleteFunc(ref, func(m Match) bool { return m.Root.Intersects(Span{start, oldEnd}) })
			for i := range ref {
				if ref[i].Root.Start > oldEnd {
					shiftMatch(&ref[i], delta)
				}
				if ref[i].dep != nil {
					ref[i].Deps = shiftSpan(ref[i].Deps, start, oldEnd, oldEnd+delta)
				}
			}
		case 2:
			l.all() // normalizes every chunk
		}
		checkListDeps(t, step, &l, ref)
		ch := changes[rng.IntN(len(changes))]
		a := borderOrRandom(rng, &l, ref)
		spans := []Span{{a, a + 2}}
		var want []string
		for _, m := range ref {
			if m.dep != nil && touchesAny(m.Deps, spans) && !overlapsAny(m.Root, spans) && ch.affects(m.dep) {
				want = append(want, fmt.Sprint(m.Root))
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

// borderOrRandom returns, half the time, a position where chunk
// bookkeeping changes (a chunk's first or last root or the bounds of its
// Deps, the end of a match's root, the start or end of its Deps), and
// otherwise any position.
func borderOrRandom(rng *rand.Rand, l *matchList, ref []Match) int {
	if rng.IntN(2) == 0 || len(ref) == 0 || len(l.chunks) == 0 {
		return rng.IntN(5000)
	}
	c := l.chunks[rng.IntN(len(l.chunks))]
	m := ref[rng.IntN(len(ref))]
	switch rng.IntN(7) {
	case 0:
		return c.lo
	case 1:
		return max(c.hi, 0)
	case 5, 6:
		if lo, hi := c.depHull(); hi >= 0 {
			return []int{lo, hi}[rng.IntN(2)]
		}
	case 2:
		return m.Root.End
	case 3:
		if m.dep != nil {
			return m.Deps.Start
		}
	}
	if m.dep != nil {
		return m.Deps.End
	}
	return m.Root.Start
}

// checkListDeps compares the roots and Deps the list holds (through
// chunk.out, as readers see them) with the plain list's.
func checkListDeps(t *testing.T, step int, l *matchList, ref []Match) {
	t.Helper()
	type held struct {
		root, deps Span
		has        bool
	}
	order := func(a, b held) int {
		return cmp.Or(cmp.Compare(a.root.Start, b.root.Start), cmp.Compare(a.root.End, b.root.End),
			cmp.Compare(a.deps.Start, b.deps.Start), cmp.Compare(a.deps.End, b.deps.End))
	}
	var got, want []held
	for _, c := range l.chunks {
		for i := range c.ms {
			m := c.out(i)
			got = append(got, held{m.Root, m.Deps, m.dep != nil})
		}
	}
	for _, m := range ref {
		want = append(want, held{m.Root, m.Deps, m.dep != nil})
	}
	slices.SortFunc(got, order)
	slices.SortFunc(want, order)
	if !slices.Equal(got, want) {
		t.Fatalf("step %d: the list holds\n%v\nwant\n%v", step, got, want)
	}
}
