package rules

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// all returns the refusals held, in the list's order.
func (x *rejections) all() []rejection {
	var out []rejection
	for _, c := range x.l.chunks {
		for i := range c.ms {
			m := c.out(i)
			out = append(out, rejection{Root: m.Root, Hull: m.Hull, Deps: m.Deps, ideps: m.ideps, dep: m.dep, rule: m.Rule})
		}
	}
	return out
}

// TestRejections checks the refusals against a plain list through random
// additions, edits, drops and changes, each used as Refresh uses them: the
// refusals each holds (shifted by the edits as shiftSpan says), and the
// roots to match again after a change (every refusal whose Deps touch the
// change, whose root lies outside the regions matched again, and which the
// change affects), found through the words of an inert change or by
// visiting every refusal.
func TestRejections(t *testing.T) {
	details := []*depDetail{nil, inexactDeps, {minified: true}, {words: []string{"a"}}, {words: []string{"a", "b"}}, {words: []string{"c"}}}
	rules := []*Rule{{Spec: Spec{ID: "r1"}}, {Spec: Spec{ID: "r2"}}}
	changes := []change{
		{inert: true, words: []string{"a"}},
		{inert: true, words: []string{"b", "z"}},
		{inert: true, words: []string{"q"}},
		{},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var x rejections
	var ref []rejection // what x must hold, in any order
	found, shifted := 0, 0
	for step := 0; step < 2000; step++ {
		var rs []rejection
		for k := rng.IntN(40); k > 0; k-- {
			at := rng.IntN(1000)
			n := 1 + rng.IntN(30)
			if rng.IntN(20) == 0 {
				at, n = rng.IntN(100), 500+rng.IntN(500) // an outer root
			}
			r := rejection{Root: Span{at, at + n}, Hull: Span{at + 1, at + n/2 + 1}, Deps: Span{max(at-rng.IntN(300), 0), at + n + rng.IntN(300)}, dep: details[rng.IntN(len(details))], rule: rules[rng.IntN(len(rules))]}
			rs = append(rs, r)
			if r.dep == nil {
				r.dep = inexactDeps // as the list holds it (asMatch)
			}
			ref = append(ref, r)
		}
		if step == 0 {
			x.set(rs)
		} else {
			x.add(rs...)
		}
		switch rng.IntN(3) {
		case 0:
			a := rng.IntN(1000)
			regions := []Span{{a, a + rng.IntN(200)}}
			x.drop(regions)
			ref = slices.DeleteFunc(ref, func(r rejection) bool { return overlapsAny(r.Root, regions) })
		case 1:
			start := rng.IntN(1000)
			oldEnd, newEnd := start+rng.IntN(3), start+rng.IntN(3)
			x.edit(start, oldEnd, newEnd)
			ref = slices.DeleteFunc(ref, func(r rejection) bool { return r.Root.Intersects(Span{start, oldEnd}) })
			for i := range ref {
				r := &ref[i]
				if r.Root.Start > oldEnd && oldEnd != newEnd {
					shifted++
				}
				r.Root = shiftSpan(r.Root, start, oldEnd, newEnd)
				r.Hull = shiftSpan(r.Hull, start, oldEnd, newEnd)
				r.Deps = shiftSpan(r.Deps, start, oldEnd, newEnd)
			}
		default:
			ch := changes[rng.IntN(len(changes))]
			a := rng.IntN(1000)
			touched := []Span{{a, a + 2}}
			regions := []Span{{max(a-20, 0), a + 20}}
			var want []Span
			for _, r := range ref {
				if touchesAny(r.Deps, touched) && !overlapsAny(r.Root, regions) && ch.affects(r.dep) {
					want = append(want, r.Root)
				}
			}
			slices.SortFunc(want, cmpSpan)
			want = slices.Compact(want)
			found += len(want)
			got := exactRoots(x.dependents(touched, nil, &ch), regions)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d, change %+v: roots %v, want %v", step, ch, got, want)
			}
			x.drop(regions)
			x.dropRoots(got)
			ref = slices.DeleteFunc(ref, func(r rejection) bool { return overlapsAny(r.Root, regions) || hasSpan(want, r.Root) })
		}
		got := x.all()
		if x.l.n != len(got) {
			t.Fatalf("step %d: the list counts %d refusals and holds %d", step, x.l.n, len(got))
		}
		order := func(a, b rejection) int {
			return cmp.Or(cmpSpan(a.Root, b.Root), cmpSpan(a.Hull, b.Hull), cmpSpan(a.Deps, b.Deps), cmp.Compare(a.rule.ID, b.rule.ID),
				cmp.Compare(slices.Index(details, a.dep), slices.Index(details, b.dep)))
		}
		want := slices.Clone(ref)
		slices.SortFunc(got, order)
		slices.SortFunc(want, order)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: %d refusals held, want %d\n got %v\nwant %v", step, len(got), len(want), got, want)
		}
	}
	if found == 0 || shifted == 0 || len(x.l.chunks) < 2 {
		t.Fatalf("%d roots found, %d refusals shifted, %d chunks: the test exercised too little", found, shifted, len(x.l.chunks))
	}
}
