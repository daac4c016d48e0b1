package rules

import (
	"bytes"
	"slices"

	"github.com/syntx/syntx/syntax"
)

// dynMarks lists where a text spells a direct eval call or a with
// statement ("eval(", "with (", "with(", each a word of its own, not the end
// of a longer one: "swith (" is a call of swith): the words that make a
// JavaScript function's names dynamic for the scope predicates
// (scopeIndex.jsCallsEval). Asking it of a bundle's factory function by
// searching the function's text cost every keystroke a scan of the whole
// file (2.7 ms of echarts.js's 5.8 ms Refresh); the index keeps the marks
// across keystrokes, updated around each edit, and a function asks them
// with a binary search.
type dynMarks struct {
	src  *syntax.Text // the text the marks are of
	offs []dynMark    // sorted by offset
}

type dynMark struct{ off, n int }

var dynWords = [][]byte{[]byte("eval("), []byte("with ("), []byte("with(")}

// dynReach is the longest of dynWords.
const dynReach = 6

// scanDyn appends the marks of src that start in [from, to).
func scanDyn(src *syntax.Text, from, to int, out []dynMark) []dynMark {
	from, to = max(from, 0), min(to, src.Len())
	if from >= to {
		return out
	}
	// The bytes read: the one before from (does a word start there?) to
	// the end of a word that starts before to.
	lo := max(from-1, 0)
	w := src.Slice(lo, min(to+dynReach, src.Len()))
	for i := from; i < to; {
		j := bytes.IndexAny(w[i-lo:to-lo], "ew")
		if j < 0 {
			break
		}
		i += j
		for _, word := range dynWords {
			if bytes.HasPrefix(w[i-lo:], word) && (i == 0 || !identByte(w[i-1-lo])) {
				out = append(out, dynMark{i, len(word)})
				break
			}
		}
		i++
	}
	return out
}

func newDynMarks(src *syntax.Text) *dynMarks {
	return &dynMarks{src: src, offs: scanDyn(src, 0, src.Len(), nil)}
}

// update brings the marks from d.src to now, where d.src[start:oldEnd]
// became now[start:newEnd] and the rest is unchanged. A mark starting
// before start-dynReach+1 ends before the edit; one starting after oldEnd
// only moves (the byte before it, which says whether it starts a word, is
// not the edit's); the ones between, the one right after the edit
// included, are found again in now.
func (d *dynMarks) update(now *syntax.Text, start, oldEnd, newEnd int) {
	lo := start - dynReach + 1
	i, _ := slices.BinarySearchFunc(d.offs, lo, func(m dynMark, t int) int { return m.off - t })
	j, _ := slices.BinarySearchFunc(d.offs, oldEnd+1, func(m dynMark, t int) int { return m.off - t })
	tail := slices.Clone(d.offs[j:])
	delta := newEnd - oldEnd
	for k := range tail {
		tail[k].off += delta
	}
	offs := scanDyn(now, lo, newEnd+1, d.offs[:i])
	// A mark found from a start at or before newEnd may run past it, and
	// one in the tail starts after newEnd: they never coincide.
	d.offs = append(offs, tail...)
	d.src = now
}

// within reports whether a mark lies wholly inside [start, end).
func (d *dynMarks) within(start, end int) bool {
	i, _ := slices.BinarySearchFunc(d.offs, start, func(m dynMark, t int) int { return m.off - t })
	for ; i < len(d.offs) && d.offs[i].off < end; i++ {
		if d.offs[i].off+d.offs[i].n <= end {
			return true
		}
	}
	return false
}
