package syntax

import (
	"bytes"
	"sort"
	"sync/atomic"

	sitter "github.com/smacker/go-tree-sitter"
)

// A Text holds its content in pieces: byte slices that are never written
// once a Text holds them, so that the next version, made by Replace, shares
// every piece the edit did not touch. A keystroke then copies at most two
// pieces and the typed text, not the document: copying a 3 MB bundle on
// each keystroke, and the collections those allocations brought, were most
// of what a keystroke cost in a large file, and what made one keystroke in
// a few hundred slow in any file (README, "Performance", the twenty-fifth
// pass).
//
// Readers ask the Text for what they read: Len, At, Slice (shared with the
// piece when it lies in one, copied when it spans two), String, and
// IndexByte or Index bounded by a range. Bytes joins the pieces into one
// slice, once per version, for readers that need the whole text at once.

// pieceMax is the most a piece holds; a piece that an edit leaves shorter
// than pieceMin is joined with a neighbour when the two fit in pieceMax.
const (
	pieceMax = 16 << 10
	pieceMin = pieceMax / 4
)

// pieces is a text's content: ps in order, ends[i] the offset just after
// ps[i]. Neither slice is written once a Text holds it.
type pieces struct {
	ps   [][]byte
	ends []int
}

// cutPieces returns src's pieces, sharing src's array: each piece's capacity
// ends where it does, so that no append to one can write the next.
func cutPieces(src []byte) pieces {
	n := (len(src) + pieceMax - 1) / pieceMax
	p := pieces{ps: make([][]byte, 0, n), ends: make([]int, 0, n)}
	for off := 0; off < len(src); off += pieceMax {
		end := min(off+pieceMax, len(src))
		p.ps = append(p.ps, src[off:end:end])
		p.ends = append(p.ends, end)
	}
	return p
}

// find returns the index of the piece holding off, for 0 <= off < len;
// len(ps) for off >= len.
func (p pieces) find(off int) int {
	return sort.Search(len(p.ends), func(i int) bool { return p.ends[i] > off })
}

func (p pieces) start(i int) int {
	if i == 0 {
		return 0
	}
	return p.ends[i-1]
}

// replace returns p with [start, end) replaced by repl: the pieces before
// and after the ones the edit touches are shared; the touched ones are
// copied with the edit applied, cut again at pieceMax, and joined with a
// neighbour when left short.
func (p pieces) replace(start, end int, repl []byte) pieces {
	if len(p.ps) == 0 {
		return cutPieces(bytes.Clone(repl))
	}
	i := p.find(start)
	if i == len(p.ps) { // at the end: the last piece grows
		i--
	}
	j := i
	if end > start {
		j = p.find(end - 1)
	}
	lo, hi := p.start(i), p.ends[j]
	// Join a short neighbour into the copy: edits that delete leave no
	// crumbs behind.
	if i > 0 && len(p.ps[i-1]) < pieceMin {
		i--
		lo = p.start(i)
	}
	if j+1 < len(p.ps) && len(p.ps[j+1]) < pieceMin {
		j++
		hi = p.ends[j]
	}
	mid := make([]byte, 0, (start-lo)+len(repl)+(hi-end))
	mid = p.appendRange(mid, lo, start)
	mid = append(mid, repl...)
	mid = p.appendRange(mid, end, hi)
	return p.splice(i, j, mid, len(repl)-(end-start))
}

// appendRange appends the content in [a, b) to out.
func (p pieces) appendRange(out []byte, a, b int) []byte {
	for k := p.find(a); k < len(p.ps) && p.start(k) < b; k++ {
		_, part := p.part(k, a, b)
		out = append(out, part...)
	}
	return out
}

// part returns the bytes of piece k that lie in [from, to), and the
// offset they start at.
func (p pieces) part(k, from, to int) (int, []byte) {
	s := p.start(k)
	lo, hi := max(from-s, 0), min(to-s, len(p.ps[k]))
	return s + lo, p.ps[k][lo:hi]
}

// splice returns p with pieces i..j replaced by mid's pieces, the ends
// after them moved by delta.
func (p pieces) splice(i, j int, mid []byte, delta int) pieces {
	cut := cutPieces(mid)
	n := len(p.ps) - (j - i + 1) + len(cut.ps)
	out := pieces{ps: make([][]byte, 0, n), ends: make([]int, 0, n)}
	out.ps = append(out.ps, p.ps[:i]...)
	out.ends = append(out.ends, p.ends[:i]...)
	base := p.start(i)
	for k, b := range cut.ps {
		out.ps = append(out.ps, b)
		out.ends = append(out.ends, base+cut.ends[k])
	}
	out.ps = append(out.ps, p.ps[j+1:]...)
	for _, e := range p.ends[j+1:] {
		out.ends = append(out.ends, e+delta)
	}
	return out
}

// At returns the byte at offset i, 0 <= i < Len.
func (t *Text) At(i int) byte {
	k := t.p.find(i)
	return t.p.ps[k][i-t.p.start(k)]
}

// Slice returns the content in [a, b), clamped to the text. It must not be
// modified; it is shared with the text when it lies in one piece (its
// capacity ends with it, so an append copies), a copy otherwise.
func (t *Text) Slice(a, b int) []byte {
	a, b = max(a, 0), min(b, t.n)
	if a >= b {
		return nil
	}
	k := t.p.find(a)
	s := t.p.start(k)
	if b <= t.p.ends[k] {
		return t.p.ps[k][a-s : b-s : b-s]
	}
	if f := t.flat.Load(); f != nil {
		return (*f)[a:b:b]
	}
	return t.p.appendRange(make([]byte, 0, b-a), a, b)
}

// String returns the content in [a, b) as a string.
func (t *Text) String(a, b int) string { return string(t.Slice(a, b)) }

// IndexByte returns the offset of the first c in [from, to), or -1.
func (t *Text) IndexByte(from, to int, c byte) int {
	from, to = max(from, 0), min(to, t.n)
	for k := t.p.find(from); k < len(t.p.ps) && t.p.start(k) < to; k++ {
		at, b := t.p.part(k, from, to)
		if i := bytes.IndexByte(b, c); i >= 0 {
			return at + i
		}
	}
	return -1
}

// LastIndexByte returns the offset of the last c in [from, to), or -1.
func (t *Text) LastIndexByte(from, to int, c byte) int {
	from, to = max(from, 0), min(to, t.n)
	if from >= to {
		return -1
	}
	for k := t.p.find(to - 1); k >= 0 && t.p.ends[k] > from; k-- {
		at, b := t.p.part(k, from, to)
		if i := bytes.LastIndexByte(b, c); i >= 0 {
			return at + i
		}
	}
	return -1
}

// Index returns the offset of the first sep that lies in [from, to), or
// -1. An occurrence may span pieces.
func (t *Text) Index(from, to int, sep []byte) int {
	from, to = max(from, 0), min(to, t.n)
	if len(sep) == 0 {
		if from <= to {
			return from
		}
		return -1
	}
	for k := t.p.find(from); k < len(t.p.ps) && t.p.start(k) < to; k++ {
		s := t.p.start(k)
		lo := max(from, s)
		// The piece and enough of what follows for an occurrence that
		// starts in it.
		hi := min(t.p.ends[k]+len(sep)-1, to)
		if hi-lo < len(sep) {
			continue
		}
		var w []byte
		if hi <= t.p.ends[k] {
			w = t.p.ps[k][lo-s : hi-s]
		} else {
			w = t.Slice(lo, hi)
		}
		if i := bytes.Index(w, sep); i >= 0 {
			return lo + i
		}
	}
	return -1
}

// Bytes returns the whole content in one slice. It must not be modified.
// A text in more than one piece joins them the first time it is asked, and
// keeps the join: readers on the keystroke path ask for what they read
// instead.
func (t *Text) Bytes() []byte {
	switch len(t.p.ps) {
	case 0:
		return nil
	case 1:
		return t.p.ps[0]
	}
	if f := t.flat.Load(); f != nil {
		return *f
	}
	t.joined.Store(true)
	out := t.p.appendRange(make([]byte, 0, t.n), 0, t.n)
	t.flat.CompareAndSwap(nil, &out)
	return *t.flat.Load()
}

// Joined reports whether Bytes joined this version's pieces: the tests of
// the keystroke path check that nothing on it asks for the whole text.
func (t *Text) Joined() bool { return t.joined.Load() }

// flatBytes is the join Bytes keeps.
type flatBytes = atomic.Pointer[[]byte]

// Content returns node n's text, as sitter.Node.Content does for a text in
// one slice.
func (t *Text) Content(n *sitter.Node) string {
	return t.String(int(n.StartByte()), int(n.EndByte()))
}

// CommonPrefix returns the length of the longest common prefix of a and
// b. Pieces the two versions share are skipped without reading them.
func CommonPrefix(a, b *Text) int {
	n := min(a.n, b.n)
	for off := 0; off < n; {
		pa, pb := a.from(off), b.from(off)
		k := min(len(pa), len(pb), n-off)
		if &pa[0] != &pb[0] {
			if i := mismatch(pa[:k], pb[:k]); i < k {
				return off + i
			}
		}
		off += k
	}
	return n
}

// CommonSuffix returns the length of the longest common suffix of a and b
// that is at most limit long.
func CommonSuffix(a, b *Text, limit int) int {
	n := min(a.n, b.n, limit)
	for s := 0; s < n; {
		pa, pb := a.upTo(a.n-s), b.upTo(b.n-s)
		k := min(len(pa), len(pb), n-s)
		pa, pb = pa[len(pa)-k:], pb[len(pb)-k:]
		if &pa[0] != &pb[0] {
			for i := k - 1; i >= 0; i-- {
				if pa[i] != pb[i] {
					return s + (k - 1 - i)
				}
			}
		}
		s += k
	}
	return n
}

// from returns the rest of the piece holding off, 0 <= off < Len.
func (t *Text) from(off int) []byte {
	k := t.p.find(off)
	return t.p.ps[k][off-t.p.start(k):]
}

// upTo returns the piece holding end-1 up to end, 0 < end <= Len.
func (t *Text) upTo(end int) []byte {
	k := t.p.find(end - 1)
	return t.p.ps[k][:end-t.p.start(k)]
}

// mismatch returns the first index where a and b (of one length) differ,
// or their length.
func mismatch(a, b []byte) int {
	const block = 64
	i := 0
	for ; i+block <= len(a); i += block {
		if !bytes.Equal(a[i:i+block], b[i:i+block]) {
			break
		}
	}
	for ; i < len(a); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}
