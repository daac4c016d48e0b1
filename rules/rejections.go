package rules

// rejections holds the places where a scope predicate refused a match (see
// Index) in a match list of their own, each refusal as a match without
// captures whose site is its root. The list's chunks give them what they
// give matches: an edit shifts the refusals after it by moving the delta of
// a chunk, not every refusal (a bundle's migration rules refuse 15,782
// var declarations of echarts' 86,000 lines: shifting each cost each
// keystroke 0.15 ms); the refusals an edit or a region touches are found
// through the chunks' bounds; and an inert edit visits the refusals that
// looked up one of its words (chunk.byWord), not every refusal whose Deps
// cover it.
type rejections struct {
	l matchList
}

// asMatch is r as the list holds it. A refusal always has Deps (what
// the predicate that refused read); one without a detail of them depends
// on all of them, which for a match in the list is inexactDeps (a match
// without a detail has no Deps).
func (r rejection) asMatch() Match {
	dep := r.dep
	if dep == nil {
		dep = inexactDeps
	}
	return Match{Rule: r.rule, Site: r.Root, Root: r.Root, Hull: r.Hull, Deps: r.Deps, ideps: r.ideps, dep: dep}
}

// set replaces the refusals with rs, in any order.
func (x *rejections) set(rs []rejection) {
	x.l.set(sortedRefusals(rs))
}

// add records refusals, in any order.
func (x *rejections) add(rs ...rejection) {
	x.l.insert(sortedRefusals(rs))
}

func sortedRefusals(rs []rejection) []Match {
	ms := make([]Match, len(rs))
	for i, r := range rs {
		ms[i] = r.asMatch()
	}
	sortMatches(ms)
	return ms
}

// edit forgets the refusals whose root the edit of [start, oldEnd) to
// newEnd touches (they are recorded again when their region is matched)
// and shifts the others.
func (x *rejections) edit(start, oldEnd, newEnd int) {
	x.l.edit(start, oldEnd, newEnd-oldEnd)
}

// drop forgets the refusals whose root overlaps one of the sorted, disjoint
// regions: matching the regions again records them anew.
func (x *rejections) drop(regions []Span) { x.l.drop(regions) }

// dropRoots forgets the refusals whose root is one of the spans, sorted
// by cmpSpan: matching them again records them anew.
func (x *rejections) dropRoots(roots []Span) { x.l.dropRoots(roots) }

// dependents appends to roots the roots of the refusals whose Deps touch
// one of the sorted, disjoint spans touched while their root does not, and
// which the change affects. Refresh matches those roots again, after
// forgetting the refusals there (dropRoots), and those inside the regions
// it matches again (drop).
func (x *rejections) dependents(touched, roots []Span, ch *change) []Span {
	return x.l.dependents(touched, roots, ch)
}
