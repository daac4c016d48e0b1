package review

import (
	"bytes"
	"sort"
)

// lines indexes the lines of a text: starts[i] is the byte offset of line
// i (0-based); a final line without a newline counts.
type lines struct {
	src    []byte
	starts []int
}

func newLines(src []byte) *lines {
	l := &lines{src: src, starts: make([]int, 1, bytes.Count(src, []byte{'\n'})+1)}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			l.starts = append(l.starts, i+1)
		}
	}
	if len(src) == 0 {
		l.starts = l.starts[:0]
	}
	return l
}

// n returns the number of lines.
func (l *lines) n() int { return len(l.starts) }

// start returns the byte offset of line i; i == n() gives len(src).
func (l *lines) start(i int) int {
	if i >= len(l.starts) {
		return len(l.src)
	}
	if i < 0 {
		return 0
	}
	return l.starts[i]
}

// lineOf returns the line holding byte off.
func (l *lines) lineOf(off int) int {
	i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	return max(i, 0)
}

// text returns the bytes of lines r.
func (l *lines) text(r LineRange) []byte { return l.src[l.start(r.Start):l.start(r.End)] }

// line returns line i with its newline.
func (l *lines) line(i int) []byte { return l.src[l.start(i):l.start(i+1)] }

// spanLines returns the lines a byte span [start, end) touches (an empty
// span touches the line it is on).
func (l *lines) spanLines(start, end int) LineRange {
	a := l.lineOf(start)
	b := l.lineOf(max(end-1, start))
	return LineRange{a, b + 1}
}

// maxDiffCost bounds the edit distance the line diff searches for; beyond
// it the differing middle is reported as one hunk (correct, only coarser).
const maxDiffCost = 1000

// lineDiff returns the hunks that turn a into b, comparing whole lines.
func lineDiff(a, b *lines) []Hunk { return keyDiff(a.keys(), b.keys()) }

// keys returns the lines as strings, for keyDiff.
func (l *lines) keys() []string {
	out := make([]string, l.n())
	for i := range out {
		out[i] = string(l.line(i))
	}
	return out
}

// keyDiff returns the hunks that turn a into b, where a[i] and b[j] stand
// for whole lines (their text, or a keyed hash of it: equal keys, equal
// lines).
func keyDiff(a, b []string) []Hunk {
	na, nb := len(a), len(b)
	pre := 0
	for pre < na && pre < nb && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < na-pre && suf < nb-pre && a[na-1-suf] == b[nb-1-suf] {
		suf++
	}
	if pre+suf == na && pre+suf == nb {
		return nil
	}
	// Intern the middle lines.
	ids := map[string]int{}
	intern := func(l []string) []int {
		out := make([]int, 0, len(l))
		for _, s := range l {
			id, ok := ids[s]
			if !ok {
				id = len(ids)
				ids[s] = id
			}
			out = append(out, id)
		}
		return out
	}
	x := intern(a[pre : na-suf])
	y := intern(b[pre : nb-suf])
	pairs, ok := myers(x, y, maxDiffCost)
	if !ok {
		return []Hunk{{Old: LineRange{pre, na - suf}, New: LineRange{pre, nb - suf}}}
	}
	var hunks []Hunk
	i, j := 0, 0
	for _, p := range pairs {
		if p[0] > i || p[1] > j {
			hunks = append(hunks, Hunk{Old: LineRange{pre + i, pre + p[0]}, New: LineRange{pre + j, pre + p[1]}})
		}
		i, j = p[0]+1, p[1]+1
	}
	if i < len(x) || j < len(y) {
		hunks = append(hunks, Hunk{Old: LineRange{pre + i, pre + len(x)}, New: LineRange{pre + j, pre + len(y)}})
	}
	return hunks
}

// myers returns the matched index pairs of a shortest edit script from a to
// b (Myers' O(ND) algorithm), in order; ok is false when the distance
// exceeds maxD.
func myers(a, b []int, maxD int) (pairs [][2]int, ok bool) {
	n, m := len(a), len(b)
	maxD = min(maxD, n+m)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	// trace[d] is v[-d-1 .. d+1] before round d.
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		snap := make([]int, 2*d+3)
		copy(snap, v[off-d-1:off+d+2])
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, n, m), true
			}
		}
	}
	return nil, false
}

func backtrack(trace [][]int, n, m int) [][2]int {
	var rev [][2]int
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		v := trace[d]
		at := func(k int) int { return v[k+d+1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, [2]int{x, y})
		}
		if d > 0 {
			x, y = px, py
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// cluster is a block of old lines and the new lines it became: the lines
// asked about, widened by every hunk that touches them.
type cluster struct {
	Old, New LineRange
	Touched  bool // some hunk changed, inserted or deleted lines in it
}

// clusterAround maps the old lines r through hunks (sorted, from one diff).
// A hunk touches r when it overlaps it, or inserts lines inside it or at
// either edge. Without such a hunk the lines are unchanged and New is where
// they moved.
func clusterAround(hunks []Hunk, r LineRange) cluster {
	first, last := -1, -1
	delta := 0 // lines added minus removed by the hunks before r
	for i, h := range hunks {
		touches := (h.Old.Start < r.End && h.Old.End > r.Start) ||
			(h.Old.Len() == 0 && r.Start <= h.Old.Start && h.Old.Start <= r.End)
		if touches {
			if first < 0 {
				first = i
			}
			last = i
			continue
		}
		if first < 0 && h.Old.End <= r.Start {
			delta += h.New.Len() - h.Old.Len()
		}
	}
	if first < 0 {
		return cluster{Old: r, New: LineRange{r.Start + delta, r.End + delta}}
	}
	f, l := hunks[first], hunks[last]
	old := LineRange{min(r.Start, f.Old.Start), max(r.End, l.Old.End)}
	return cluster{
		Old:     old,
		New:     LineRange{f.New.Start - (f.Old.Start - old.Start), l.New.End + (old.End - l.Old.End)},
		Touched: true,
	}
}

// invert swaps the old and new sides of hunks.
func invert(hunks []Hunk) []Hunk {
	out := make([]Hunk, len(hunks))
	for i, h := range hunks {
		out[i] = Hunk{Old: h.New, New: h.Old}
	}
	return out
}
