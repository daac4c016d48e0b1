package rules

import "slices"

// rejections holds the places where a scope predicate refused a match (see
// Index), indexed like a chunk of matches (see chunk.byWord): by the words
// their predicates looked up, so that an inert edit visits the refusals
// that looked up one of its words, not every refusal whose Deps cover it.
// A refusal that goes is marked dead and stays in rs, keeping the index's
// positions valid, until more than half are dead and rs is compacted.
type rejections struct {
	rs     []rejection
	dead   []bool // beside rs
	ndead  int
	byWord map[string][]int32
	open   []int32 // Deps without words (see deps.go)
}

// add records refusals.
func (x *rejections) add(rs ...rejection) {
	for _, r := range rs {
		i := int32(len(x.rs))
		x.rs = append(x.rs, r)
		x.dead = append(x.dead, false)
		x.index(i)
	}
}

func (x *rejections) index(i int32) {
	switch d := x.rs[i].dep; {
	case d == nil, d.inexact, d.part:
		x.open = append(x.open, i)
	case d.minified:
		// Only a change of minifiedness affects it, and that matches
		// the whole file again.
	default:
		if x.byWord == nil {
			x.byWord = map[string][]int32{}
		}
		for _, w := range d.words {
			x.byWord[w] = append(x.byWord[w], i)
		}
	}
}

func (x *rejections) kill(i int) {
	if !x.dead[i] {
		x.dead[i] = true
		x.ndead++
	}
}

// edit forgets the refusals whose root the edit of [start, oldEnd) to
// newEnd touches (they are recorded again when their region is matched)
// and shifts the others.
func (x *rejections) edit(start, oldEnd, newEnd int) {
	edited := Span{start, oldEnd}
	for i := range x.rs {
		if x.dead[i] {
			continue
		}
		r := &x.rs[i]
		if r.Root.Intersects(edited) {
			x.kill(i)
			continue
		}
		r.Root = shiftSpan(r.Root, start, oldEnd, newEnd)
		r.Hull = shiftSpan(r.Hull, start, oldEnd, newEnd)
		r.Deps = shiftSpan(r.Deps, start, oldEnd, newEnd)
		if r.dep != nil && r.dep.part {
			r.ideps = shiftSpan(r.ideps, start, oldEnd, newEnd)
		}
	}
	x.compact()
}

// drop forgets the refusals whose root overlaps one of the sorted, disjoint
// regions: matching the regions again records them anew.
func (x *rejections) drop(regions []Span) {
	for i := range x.rs {
		if !x.dead[i] && overlapsAny(x.rs[i].Root, regions) {
			x.kill(i)
		}
	}
	x.compact()
}

// dropRoots forgets the refusals whose root is one of the spans, sorted
// by cmpSpan: matching them again records them anew.
func (x *rejections) dropRoots(roots []Span) {
	if len(roots) == 0 {
		return
	}
	for i := range x.rs {
		if !x.dead[i] && hasSpan(roots, x.rs[i].Root) {
			x.kill(i)
		}
	}
	x.compact()
}

// dependents appends to roots, and forgets, the roots of the refusals
// whose Deps touch one of the sorted, disjoint spans touched, whose root
// lies outside regions, and which the change affects.
func (x *rejections) dependents(touched, regions, roots []Span, ch *change) []Span {
	consider := func(i int) {
		r := &x.rs[i]
		if !x.dead[i] && touchesAny(r.Deps, touched) && !overlapsAny(r.Root, regions) &&
			(ch.affects(r.dep) || r.dep.part && touchesAny(r.ideps, touched)) {
			roots = append(roots, r.Root)
			x.kill(i)
		}
	}
	if ch.minified || !ch.inert {
		for i := range x.rs {
			consider(i)
		}
	} else {
		seen := slices.Clone(x.open)
		for _, w := range ch.words {
			seen = append(seen, x.byWord[w]...)
		}
		slices.Sort(seen) // in order, once each
		for _, i := range slices.Compact(seen) {
			consider(int(i))
		}
	}
	x.compact()
	return roots
}

// compact removes the dead refusals once they are more than half.
func (x *rejections) compact() {
	if x.ndead <= 16 || x.ndead*2 <= len(x.rs) {
		return
	}
	live := make([]rejection, 0, len(x.rs)-x.ndead)
	for i, r := range x.rs {
		if !x.dead[i] {
			live = append(live, r)
		}
	}
	*x = rejections{}
	x.add(live...)
}
