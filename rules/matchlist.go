package rules

import (
	"slices"
	"sort"
)

// matchList holds a document's matches in order (see less) in chunks of a
// few dozen, each with an offset applied to all of its positions, so that an
// edit shifts the matches after it in time proportional to the number of
// chunks, and the matches it touches are found without visiting the others.
// It may hold several matches with the same key (one rule matching one site
// through different patterns or roots); readers see the first of each.
type matchList struct {
	chunks []*chunk
	n      int
}

type chunk struct {
	delta int     // added to every position stored in ms and deps
	ms    []Match // in order; positions without delta
	// Bounds of the chunk, with delta: the smallest start and largest end
	// of any site, root or memo span, and the largest site end.
	lo, hi, siteHi int
	// deps holds the distinct Deps of the matches, without delta; a match
	// with Deps names its entry (Match.dg). Inside a chunk a match's own
	// Deps field is not kept up to date: the entry is, and is copied into
	// the match when it leaves the list (first, within, normalize). An
	// edit that Deps span (a keystroke inside the factory of a bundle,
	// which the Deps of each of its var declarations cover) then moves
	// the few distinct spans of a chunk, not every match's.
	deps []Span
	// dlo and dhi index the entries of deps with the smallest start and
	// the largest end (-1: none). Deps are kept apart from lo and hi: a
	// function-wide span would make every edit in the function visit
	// every match in it. An edit maps every entry of a chunk through the
	// same monotone function (shiftSpan), so the entries that bound them
	// still do after it: no edit needs to look for them again.
	dlo, dhi int32
	// byWord indexes the matches (positions in ms) by the words their
	// predicates looked up, and open lists those an edit of any word can
	// affect (Deps without words: see deps.go), so
	// that an edit of one identifier visits the matches that looked it up,
	// not every match whose Deps cover it: in a bundle, every chunk holds
	// a var of the factory and a function declaring the edited name.
	byWord map[string]wordDeps
	open   []int32
}

// wordDeps lists the matches of a chunk that looked up one word, with the
// entries of the chunk's deps that bound their Deps (see chunk.dlo): a
// function declaring the word elsewhere in the chunk is passed over by one
// comparison.
type wordDeps struct {
	at     []int32
	lo, hi int32
}

const (
	chunkSize = 64  // chunks are built this full
	chunkMax  = 256 // and split when they grow past this
)

// set replaces the list with ms, which must be in order.
func (l *matchList) set(ms []Match) {
	l.chunks = l.chunks[:0]
	l.n = len(ms)
	for len(ms) > 0 {
		k := min(chunkSize, len(ms))
		c := &chunk{ms: append([]Match(nil), ms[:k]...)}
		c.bounds()
		l.chunks = append(l.chunks, c)
		ms = ms[k:]
	}
}

// bounds recomputes the chunk's bounds from its matches, whose Deps must
// be current (normalize); delta must be 0.
func (c *chunk) bounds() {
	c.lo, c.hi, c.siteHi = int(^uint(0)>>1), -1, -1
	c.depBounds()
	for i := range c.ms {
		m := &c.ms[i]
		c.lo = min(c.lo, m.Site.Start, m.Root.Start)
		c.hi = max(c.hi, m.Site.End, m.Root.End)
		if d, ok := memoDeps(m); ok {
			c.lo, c.hi = min(c.lo, d.Start), max(c.hi, d.End)
		}
		c.siteHi = max(c.siteHi, m.Site.End)
	}
}

// depBounds recomputes deps, dlo, dhi, byWord and open from the matches'
// Deps.
func (c *chunk) depBounds() {
	c.deps = c.deps[:0]
	c.dlo, c.dhi = -1, -1
	clear(c.byWord)
	c.open = c.open[:0]
	for i := range c.ms {
		m := &c.ms[i]
		if m.dep == nil {
			continue // no Deps: nothing beyond the root was read
		}
		m.dg = c.entry(m.Deps)
		switch {
		case m.dep.inexact:
			c.open = append(c.open, int32(i))
		case m.dep.part:
			// Visited on every change, which may touch its ideps; its
			// words decide elsewhere in Deps (dependents).
			m.di = c.entry(m.ideps)
			c.open = append(c.open, int32(i))
		case m.dep.minified:
			// Only a change of minifiedness affects it, and that matches
			// the whole file again.
		default:
			if c.byWord == nil {
				c.byWord = map[string]wordDeps{}
			}
			for _, w := range m.dep.words {
				e, ok := c.byWord[w]
				if !ok {
					e = wordDeps{lo: m.dg, hi: m.dg}
				}
				e.at = append(e.at, int32(i))
				e.lo, e.hi = c.lower(e.lo, m.dg), c.upper(e.hi, m.dg)
				c.byWord[w] = e
			}
		}
	}
}

// entry returns the index of d in deps, adding it if it is not among the
// last few: the matches of a chunk share a few Deps (the functions around
// them), and in order those of one function come together. A span may be
// listed twice; that costs an entry, not an answer.
func (c *chunk) entry(d Span) int32 {
	for i := len(c.deps) - 1; i >= max(len(c.deps)-8, 0); i-- {
		if c.deps[i] == d {
			return int32(i)
		}
	}
	c.deps = append(c.deps, d)
	i := int32(len(c.deps) - 1)
	c.dlo, c.dhi = c.lower(c.dlo, i), c.upper(c.dhi, i)
	return i
}

// lower returns whichever of the entries a and b starts first (a may be
// -1); upper, whichever ends last.
func (c *chunk) lower(a, b int32) int32 {
	if a < 0 || c.deps[b].Start < c.deps[a].Start {
		return b
	}
	return a
}

func (c *chunk) upper(a, b int32) int32 {
	if a < 0 || c.deps[b].End > c.deps[a].End {
		return b
	}
	return a
}

// depHull returns the hull of the chunk's Deps, with delta; hi < 0 when
// no match has any.
func (c *chunk) depHull() (lo, hi int) {
	if c.dlo < 0 {
		return 0, -1
	}
	return c.deps[c.dlo].Start + c.delta, c.deps[c.dhi].End + c.delta
}

// depsOf returns the Deps of c.ms[i], with delta.
func (c *chunk) depsOf(i int) Span {
	d := c.deps[c.ms[i].dg]
	return Span{d.Start + c.delta, d.End + c.delta}
}

// idepsOf returns the ideps of c.ms[i], with delta; its dep must be part.
func (c *chunk) idepsOf(i int) Span {
	d := c.deps[c.ms[i].di]
	return Span{d.Start + c.delta, d.End + c.delta}
}

// shiftDeps maps the chunk's Deps through an edit of [start, oldEnd) to
// newEnd; oldDelta is the chunk's delta before the edit. The bounding
// entries (dlo, dhi, the words') stay what they are (see chunk.dlo).
func (c *chunk) shiftDeps(oldDelta, start, oldEnd, newEnd int) {
	for i, d := range c.deps {
		abs := shiftSpan(Span{d.Start + oldDelta, d.End + oldDelta}, start, oldEnd, newEnd)
		c.deps[i] = Span{abs.Start - c.delta, abs.End - c.delta}
	}
}

// first returns a copy of the chunk's first match, with its delta.
func (c *chunk) first() Match {
	return c.out(0)
}

// out returns a copy of c.ms[i] with its delta and its Deps.
func (c *chunk) out(i int) Match {
	m := c.ms[i]
	if c.delta != 0 {
		m.Captures = append([]Capture(nil), m.Captures...)
		shiftMatch(&m, c.delta)
	}
	if m.dep != nil {
		m.Deps = c.depsOf(i)
		if m.dep.part {
			m.ideps = c.idepsOf(i)
		}
	}
	return m
}

// normalize applies the chunk's delta to its matches and deps, and brings
// the matches' Deps up to date.
func (c *chunk) normalize() {
	if d := c.delta; d != 0 {
		for i := range c.ms {
			shiftMatch(&c.ms[i], d)
		}
		for i := range c.deps {
			c.deps[i].Start += d
			c.deps[i].End += d
		}
		c.delta = 0
	}
	for i := range c.ms {
		if m := &c.ms[i]; m.dep != nil {
			m.Deps = c.deps[m.dg]
			if m.dep.part {
				m.ideps = c.deps[m.di]
			}
		}
	}
}

// shiftMatch shifts m's positions, Deps aside (see chunk.deps).
func shiftMatch(m *Match, d int) {
	m.Site.Start += d
	m.Site.End += d
	m.Hull.Start += d
	m.Hull.End += d
	m.Root.Start += d
	m.Root.End += d
	for i := range m.Captures { // owned by the index: shifted in place
		m.Captures[i].Span.Start += d
		m.Captures[i].Span.End += d
	}
}

// edit drops the matches whose root touches the replaced span [start,
// oldEnd] and shifts those after it by delta (and Deps that span the edit,
// to its new end).
func (l *matchList) edit(start, oldEnd, delta int) {
	edited := Span{start, oldEnd}
	for _, c := range l.chunks {
		switch {
		case c.hi < start:
			if _, dhi := c.depHull(); dhi >= start {
				c.shiftDeps(c.delta, start, oldEnd, oldEnd+delta)
			}
		case c.lo > oldEnd:
			old := c.delta
			dlo, dhi := c.depHull()
			c.delta += delta
			c.lo += delta
			c.hi += delta
			c.siteHi += delta
			if dhi >= 0 && dlo <= oldEnd {
				// Deps that start before the edit keep their start
				// while the chunk moves.
				c.shiftDeps(old, start, oldEnd, oldEnd+delta)
			}
		default:
			c.normalize()
			out := c.ms[:0]
			for _, m := range c.ms {
				if m.Root.Intersects(edited) {
					continue
				}
				if d, ok := memoDeps(&m); ok && d.Intersects(edited) {
					m.memo.v = nil
				}
				deps := m.Deps
				if m.Root.Start > oldEnd {
					shiftMatch(&m, delta)
				}
				if m.dep != nil {
					m.Deps = shiftSpan(deps, start, oldEnd, oldEnd+delta)
					if m.dep.part {
						m.ideps = shiftSpan(m.ideps, start, oldEnd, oldEnd+delta)
					}
				}
				out = append(out, m)
			}
			l.keep(c, out)
		}
	}
	l.compact()
}

// keep makes out, a prefix-filtered view of c.ms, the chunk's matches:
// it clears what is left behind, counts the removed and recomputes the
// chunk's bounds.
func (l *matchList) keep(c *chunk, out []Match) {
	clear(c.ms[len(out):])
	l.n -= len(c.ms) - len(out)
	c.ms = out
	c.bounds()
}

// drop removes the matches whose root overlaps one of the sorted, disjoint
// regions.
func (l *matchList) drop(regions []Span) {
	if len(regions) == 0 {
		return
	}
	for _, c := range l.chunks {
		if !overlapsAny(Span{c.lo, c.hi}, regions) {
			continue
		}
		c.normalize()
		out := c.ms[:0]
		for _, m := range c.ms {
			if overlapsAny(m.Root, regions) {
				continue
			}
			if d, ok := memoDeps(&m); ok && overlapsAny(d, regions) {
				m.memo.v = nil
			}
			out = append(out, m)
		}
		l.keep(c, out)
	}
	l.compact()
}

// dropRoots removes the matches whose root is one of the sorted spans.
func (l *matchList) dropRoots(roots []Span) {
	if len(roots) == 0 {
		return
	}
	for _, c := range l.chunks {
		// The roots may nest: no binary search over their ends.
		if !slices.ContainsFunc(roots, func(r Span) bool { return r.Intersects(Span{c.lo, c.hi}) }) {
			continue
		}
		c.normalize()
		out := c.ms[:0]
		for _, m := range c.ms {
			if !hasSpan(roots, m.Root) {
				out = append(out, m)
			}
		}
		l.keep(c, out)
	}
	l.compact()
}

// dependents appends to roots the roots of the matches whose Deps touch
// one of the sorted, disjoint spans while their root does not overlap
// them, and which the change affects. For an inert change it visits only
// the matches that looked up one of the change's words, or read beyond
// their root without saying what (see chunk.byWord).
func (l *matchList) dependents(spans, roots []Span, ch *change) []Span {
	consider := func(c *chunk, i int) {
		m := &c.ms[i]
		if m.dep == nil {
			return
		}
		root := Span{m.Root.Start + c.delta, m.Root.End + c.delta}
		if touchesAny(c.depsOf(i), spans) && !overlapsAny(root, spans) &&
			(ch.affects(m.dep) || m.dep.part && touchesAny(c.idepsOf(i), spans)) {
			roots = append(roots, root)
		}
	}
	byWord := !ch.minified && ch.inert
	var seen []int32
	for _, c := range l.chunks {
		if dlo, dhi := c.depHull(); dhi < 0 || !touchesAny(Span{dlo, dhi}, spans) {
			continue
		}
		if !byWord {
			for i := range c.ms {
				consider(c, i)
			}
			continue
		}
		seen = append(seen[:0], c.open...)
		for _, w := range ch.words {
			if e, ok := c.byWord[w]; ok && touchesAny(Span{c.deps[e.lo].Start + c.delta, c.deps[e.hi].End + c.delta}, spans) {
				seen = append(seen, e.at...)
			}
		}
		if len(seen) > 1 {
			slices.Sort(seen) // in order, once each: a match may hold two of the words
			seen = slices.Compact(seen)
		}
		for _, i := range seen {
			consider(c, int(i))
		}
	}
	return roots
}

// compact removes empty chunks.
func (l *matchList) compact() {
	out := l.chunks[:0]
	for _, c := range l.chunks {
		if len(c.ms) > 0 {
			out = append(out, c)
		}
	}
	clear(l.chunks[len(out):])
	l.chunks = out
}

// insert adds matches, which must be in order.
func (l *matchList) insert(fresh []Match) {
	if len(fresh) == 0 {
		return
	}
	if len(l.chunks) == 0 {
		l.set(fresh)
		return
	}
	l.n += len(fresh)
	for len(fresh) > 0 {
		// The chunk whose first match is the last one not after fresh[0].
		ci := sort.Search(len(l.chunks), func(i int) bool {
			first := l.chunks[i].first()
			return less(&fresh[0], &first)
		}) - 1
		ci = max(ci, 0)
		c := l.chunks[ci]
		c.normalize()
		// Take the fresh matches that belong before the next chunk.
		k := len(fresh)
		if ci+1 < len(l.chunks) {
			nf := l.chunks[ci+1].first()
			k = max(sort.Search(len(fresh), func(i int) bool { return !less(&fresh[i], &nf) }), 1)
		}
		c.ms = mergeSorted(c.ms, fresh[:k])
		fresh = fresh[k:]
		c.bounds()
		if len(c.ms) > chunkMax {
			half := len(c.ms) / 2
			nc := &chunk{ms: append([]Match(nil), c.ms[half:]...)}
			clear(c.ms[half:])
			c.ms = c.ms[:half:half]
			c.bounds()
			nc.bounds()
			l.chunks = append(l.chunks, nil)
			copy(l.chunks[ci+2:], l.chunks[ci+1:])
			l.chunks[ci+1] = nc
		}
	}
}

// mergeSorted merges two ordered lists.
func mergeSorted(a, b []Match) []Match {
	out := make([]Match, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || (i < len(a) && !less(&b[j], &a[i])) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// within returns the first match of each key whose site intersects
// [start, end].
func (l *matchList) within(start, end int) []Match {
	// Room for every match of the chunks the range touches: a whole-file
	// request in a bundle takes 13,602, which appending copied a dozen
	// times over.
	room := 0
	for _, c := range l.chunks {
		if !c.outside(start, end) {
			room += len(c.ms)
		}
	}
	var out []Match
	if room > 0 {
		out = make([]Match, 0, room)
	}
	var last matchKey
	have := false
	for _, c := range l.chunks {
		if c.outside(start, end) {
			continue
		}
		// Shifted once here rather than each match as it goes out (out
		// copies the captures of a match it shifts), as all does.
		c.normalize()
		for i := range c.ms {
			if c.ms[i].Site.Start+c.delta > end {
				break
			}
			if c.ms[i].Site.End+c.delta < start {
				continue
			}
			m := c.out(i)
			if k := m.key(); have && k == last {
				continue
			} else {
				last, have = k, true
			}
			out = append(out, m)
		}
	}
	return out
}

// outside reports whether no site of the chunk can touch [start, end].
func (c *chunk) outside(start, end int) bool {
	return c.siteHi < start || c.ms[0].Site.Start+c.delta > end
}

// all returns the first match of each key, every one.
func (l *matchList) all() []Match {
	out := make([]Match, 0, l.n)
	var last matchKey
	have := false
	for _, c := range l.chunks {
		c.normalize()
		for _, m := range c.ms {
			if k := m.key(); have && k == last {
				continue
			} else {
				last, have = k, true
			}
			out = append(out, m)
		}
	}
	return out
}

// less is the order of a match list: by site, then rule, then the rest, so
// that among matches with the same key the first is the same whichever way
// they were found.
func less(a, b *Match) bool {
	if a.Site.Start != b.Site.Start {
		return a.Site.Start < b.Site.Start
	}
	if a.Rule.ID != b.Rule.ID {
		return a.Rule.ID < b.Rule.ID
	}
	if a.Site.End != b.Site.End {
		return a.Site.End < b.Site.End
	}
	if a.Root != b.Root {
		if a.Root.Start != b.Root.Start {
			return a.Root.Start < b.Root.Start
		}
		return a.Root.End < b.Root.End
	}
	if len(a.Captures) != len(b.Captures) {
		return len(a.Captures) < len(b.Captures)
	}
	for i := range a.Captures {
		x, y := &a.Captures[i], &b.Captures[i]
		if x.Span != y.Span {
			if x.Span.Start != y.Span.Start {
				return x.Span.Start < y.Span.Start
			}
			return x.Span.End < y.Span.End
		}
		if x.Name != y.Name {
			return x.Name < y.Name
		}
	}
	return false
}

func sortMatches(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool { return less(&ms[i], &ms[j]) })
}
