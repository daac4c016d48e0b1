package syntax

import (
	"bytes"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"
)

// Encoding is the unit in which an LSP client counts the character offset of
// a position.
type Encoding int

const (
	// UTF16 counts UTF-16 code units, the LSP default.
	UTF16 Encoding = iota
	// UTF8 counts bytes; used when the client offers "utf-8" in
	// general.positionEncodings.
	UTF8
)

func (e Encoding) String() string {
	if e == UTF8 {
		return "utf-8"
	}
	return "utf-16"
}

// Position is an LSP position: a zero-based line and a character offset in
// the negotiated Encoding.
type Position struct {
	Line, Character uint32
}

// Text is a document's content, in pieces that later versions share
// (pieces.go), with an index of its line starts. It is the single place
// where LSP positions, byte offsets and tree-sitter points are converted
// into one another.
//
// Lines end at "\n", "\r\n" or a lone "\r", as LSP specifies. Tree-sitter
// counts rows at "\n" only; Point accounts for the difference.
type Text struct {
	p      pieces    // the content (pieces.go)
	n      int       // its length
	flat   flatBytes // the pieces joined, once Bytes was asked
	joined atomic.Bool
	lines  lineStarts
	loneCR bool // the content holds a "\r" not followed by "\n"

	// cols holds, for each line longer than colStep bytes whose UTF-16
	// columns were asked for, marks to count them from: on a minified
	// bundle (one line of 300 KB) every position would otherwise be counted
	// from the start of the file.
	colsMu sync.Mutex
	cols   map[int][]colMark

	// gen counts the versions Replace made since NewText; found holds what
	// Find was asked (textfind.go).
	gen    uint64
	findMu sync.Mutex
	found  map[string]*found
}

// colStep is the distance between the UTF-16 column marks of a long line.
const colStep = 1 << 10

// colMark is a rune start of a long line and its UTF-16 column.
type colMark struct{ off, units int }

// marks returns the column marks of line (start, end): the first at
// start, then one at the rune start at or before every colStep bytes; nil
// for a line of at most colStep bytes.
func (t *Text) marks(line, start, end int) []colMark {
	if end-start <= colStep {
		return nil
	}
	t.colsMu.Lock()
	defer t.colsMu.Unlock()
	if m, ok := t.cols[line]; ok {
		return m
	}
	m := make([]colMark, 0, (end-start)/colStep+1)
	m = append(m, colMark{start, 0})
	units := 0
	for at := start; ; {
		next := at + colStep
		if next >= end {
			break
		}
		for next > at && !utf8.RuneStart(t.At(next)) {
			next--
		}
		if next == at {
			// colStep continuation bytes in a row (invalid UTF-8): the
			// mark goes at the last of them, which runeBoundary holds is
			// where a rune starts.
			next = at + colStep
		}
		units += UTF16Len(t.Slice(at, next))
		m = append(m, colMark{next, units})
		at = next
	}
	if t.cols == nil {
		t.cols = make(map[int][]colMark)
	}
	t.cols[line] = m
	return m
}

// NewText indexes src. The Text keeps src; callers must not modify it.
func NewText(src []byte) *Text {
	t := &Text{p: cutPieces(src), n: len(src)}
	if len(t.p.ps) > 1 {
		t.flat.Store(&src) // src is already the whole
	}
	lines := appendLineStarts(make([]int, 1, len(src)/32+1), src, 0, 1, len(src), len(src))
	if cap(lines) > 2*len(lines) {
		// Lines longer than 64 bytes on average (a minified file's one
		// line): the guess held room for 8 bytes per 32 bytes of text that
		// would stay with the document.
		lines = slices.Clone(lines)
	}
	t.lines = newLineStarts(lines)
	t.loneCR = hasLoneCR(src)
	return t
}

// Len is the content's length in bytes.
func (t *Text) Len() int { return t.n }

// LineCount is the number of LSP lines (at least 1).
func (t *Text) LineCount() int { return t.lines.len() }

// Newlines is the number of "\n" bytes in the text.
func (t *Text) Newlines() int {
	if !t.loneCR {
		return t.lines.len() - 1 // every line break holds one "\n"
	}
	n := 0
	for _, piece := range t.p.ps {
		n += bytes.Count(piece, []byte{'\n'})
	}
	return n
}

// LineStart returns the byte offset at which line starts; lines past the end
// map to the end of the content.
func (t *Text) LineStart(line int) int {
	if line < 0 {
		return 0
	}
	if line >= t.lines.len() {
		return t.n
	}
	return t.lines.at(line)
}

// lineEnd returns the offset of line's terminator (or the end of content).
func (t *Text) lineEnd(line int) int {
	if line+1 >= t.lines.len() {
		return t.n
	}
	end := t.lines.at(line + 1)
	if end > 0 && t.At(end-1) == '\n' {
		end--
		if end > t.lines.at(line) && t.At(end-1) == '\r' {
			end--
		}
	} else if end > 0 && t.At(end-1) == '\r' {
		end--
	}
	return end
}

// LFLine returns the line holding off as "\n" alone ends lines, without
// its "\n": what a scan from off for the "\n" before and after it finds,
// read from the line index (on a minified file's one line of 300 KB the
// scan reads the file).
func (t *Text) LFLine(off int) (start, end int) {
	if t.loneCR {
		// A lone "\r" starts an LSP line but not this one's: scanned.
		off = min(max(off, 0), t.n)
		if end = t.IndexByte(off, t.n, '\n'); end < 0 {
			end = t.n
		}
		return t.LastIndexByte(0, off, '\n') + 1, end
	}
	off = min(max(off, 0), t.n)
	// Without lone "\r"s, every line start after the first follows a "\n".
	line := t.LineOf(off)
	if line+1 >= t.lines.len() {
		return t.lines.at(line), t.n
	}
	return t.lines.at(line), t.lines.at(line+1) - 1
}

// LineOf returns the LSP line containing byte offset off.
func (t *Text) LineOf(off int) int {
	return sort.Search(t.lines.len(), func(i int) bool { return t.lines.at(i) > off }) - 1
}

// Offset converts an LSP position to a byte offset. Positions past the end of
// a line clamp to the line's end, and lines past the end of the document clamp
// to the end of the document, as the LSP specification prescribes; clamped
// reports whether that happened. A character offset that falls inside a
// multi-unit character is moved to that character's start.
func (t *Text) Offset(p Position, enc Encoding) (off int, clamped bool) {
	if int64(p.Line) >= int64(t.lines.len()) {
		return t.n, true
	}
	line := int(p.Line)
	start, end := t.lines.at(line), t.lineEnd(line)
	want := int(p.Character)
	if enc == UTF8 {
		if want > end-start {
			return end, true
		}
		off = start + want
		for off > start && off < end && !utf8.RuneStart(t.At(off)) {
			off--
		}
		return off, false
	}
	units := 0
	off = start
	if m := t.marks(line, start, end); m != nil {
		i := sort.Search(len(m), func(i int) bool { return m[i].units > want }) - 1
		off, units = m[i].off, m[i].units
	}
	// The walk reads from the mark (at most colStep bytes before a
	// position on a long line) in windows, not the line.
	var win []byte
	winAt := off
	for off < end {
		if units >= want {
			return off, units > want
		}
		if off-winAt+utf8.UTFMax > len(win) && winAt+len(win) < end {
			winAt = off
			win = t.Slice(off, min(end, off+2*colStep))
		}
		r, size := utf8.DecodeRune(win[off-winAt:])
		n := 1
		if r >= 0x10000 && size > 1 {
			n = 2
		}
		if units+n > want {
			return off, true // inside a surrogate pair
		}
		units += n
		off += size
	}
	return end, units < want
}

// Position converts a byte offset to an LSP position in enc. Offsets past the
// end clamp to the end.
func (t *Text) Position(off int, enc Encoding) Position {
	if off > t.n {
		off = t.n
	}
	if off < 0 {
		off = 0
	}
	line := t.LineOf(off)
	start := t.lines.at(line)
	if end := t.lineEnd(line); off > end {
		off = end // inside a "\r\n" terminator
	}
	if enc == UTF8 {
		return Position{Line: uint32(line), Character: uint32(off - start)}
	}
	units := 0
	if m := t.marks(line, start, t.lineEnd(line)); m != nil {
		i := sort.Search(len(m), func(i int) bool { return m[i].off > off }) - 1
		start, units = m[i].off, m[i].units
	}
	return Position{Line: uint32(line), Character: uint32(units + UTF16Len(t.Slice(start, off)))}
}

// UTF16Len counts the UTF-16 code units of b; each invalid byte counts as one
// unit (it stands for U+FFFD).
func UTF16Len(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

// Point converts a byte offset to a tree-sitter point.
func (t *Text) Point(off int) sitter.Point {
	if off > t.n {
		off = t.n
	}
	if !t.loneCR {
		line := t.LineOf(off)
		return sitter.Point{Row: uint32(line), Column: uint32(off - t.lines.at(line))}
	}
	row, last := 0, -1
	for i := t.IndexByte(0, off, '\n'); i >= 0; i = t.IndexByte(i+1, off, '\n') {
		row++
		last = i
	}
	return sitter.Point{Row: uint32(row), Column: uint32(off - last - 1)}
}

// Replace returns a new Text with src[start:end] replaced by repl, and the
// tree-sitter Edit that describes the change. The receiver is not modified, so
// a snapshot taken before the call stays valid.
func (t *Text) Replace(start, end int, repl []byte) (*Text, Edit) {
	if start < 0 {
		start = 0
	}
	if end > t.n {
		end = t.n
	}
	if start > end {
		start, end = end, start
	}
	e := Edit{
		StartByte:   uint32(start),
		OldEndByte:  uint32(end),
		NewEndByte:  uint32(start + len(repl)),
		StartPoint:  t.Point(start),
		OldEndPoint: t.Point(end),
	}
	newEnd := start + len(repl)
	nt := &Text{p: t.p.replace(start, end, repl), n: t.n - (end - start) + len(repl), gen: t.gen + 1}
	nt.lines = t.replaceLines(nt, start, end, repl)
	if t.loneCR || hasLoneCR(nt.Slice(max(start-1, 0), min(newEnd+1, nt.n))) {
		nt.loneCR = nt.hasLoneCR() // rare: only documents with old Mac line endings
	}
	e.NewEndPoint = nt.Point(newEnd)
	t.carryMarks(nt, start, end, repl)
	t.carryFound(nt, start, end, repl)
	return nt, e
}

// carryMarks gives nt, which is t with t.src[start:end] replaced by repl,
// the UTF-16 column marks t has that the edit leaves valid: on a minified
// bundle's one line, counting them again from the line's start cost each
// keystroke the whole line. Lines before the edit keep theirs; lines after
// it keep theirs too, moved by the edit's lengths (their marks count from
// their own start). On the edited line, when the edit holds no line break
// and does not touch one, the marks before the edit stay, the ones after it
// move by the edit's bytes and UTF-16 units, and the ones inside go: every
// byte that is not a UTF-8 continuation byte starts a rune however the
// bytes before it read (a valid sequence continues only with continuation
// bytes, an invalid one is one byte), and so does a continuation byte after
// three others (runeBoundary; the first mark after the edit is checked), so
// a mark still counts its units from the line's start in the new text.
// When the moved marks leave a gap wider than a few steps (a long paste),
// the line's marks are dropped and counted again when asked.
func (t *Text) carryMarks(nt *Text, start, end int, repl []byte) {
	t.colsMu.Lock()
	defer t.colsMu.Unlock()
	if len(t.cols) == 0 {
		return
	}
	first, last := t.LineOf(start), t.LineOf(end)
	edited := t.withinLine(start, end, repl) && first == last
	lineShift := nt.lines.len() - t.lines.len()
	delta := len(repl) - (end - start)
	cols := make(map[int][]colMark, len(t.cols))
	for line, m := range t.cols {
		switch {
		case line < first:
			cols[line] = m
		case line > last:
			moved := make([]colMark, len(m))
			for i, c := range m {
				moved[i] = colMark{c.off + delta, c.units}
			}
			cols[line+lineShift] = moved
		case edited:
			if m := editMarks(t, nt, m, start, end, delta); m != nil {
				cols[line] = m
			}
		}
	}
	nt.cols = cols
}

// withinLine reports whether replacing src[start:end] with repl adds,
// removes and joins no line break: neither holds "\r" or "\n", and no "\r"
// just before the edit could meet a "\n" after it.
func (t *Text) withinLine(start, end int, repl []byte) bool {
	breaks := func(b []byte) bool { return bytes.ContainsAny(b, "\r\n") }
	return t.IndexByte(start, end, '\r') < 0 && t.IndexByte(start, end, '\n') < 0 && !breaks(repl) && (start == 0 || t.At(start-1) != '\r')
}

// runeBoundary reports whether a rune starts at b[i] however the bytes
// before b[i-3] read: b[i] is not a continuation byte, or the three bytes
// before it are (a sequence is at most four bytes long, so whatever lead
// byte precedes them, decoding has finished by b[i], and each continuation
// byte after a sequence is a rune of its own, U+FFFD). Column marks stand
// at such bytes, so that an edit before a mark's three bytes leaves it on
// a boundary.
func (t *Text) runeBoundary(i int) bool {
	return i >= t.n || utf8.RuneStart(t.At(i)) ||
		i >= 3 && !utf8.RuneStart(t.At(i-1)) && !utf8.RuneStart(t.At(i-2)) && !utf8.RuneStart(t.At(i-3))
}

// editMarks returns the marks of a line edited inside (src[start:end]
// became now[start:start+len(src[start:end])+delta]), or nil to count them
// again.
func editMarks(src, now *Text, m []colMark, start, end, delta int) []colMark {
	i := sort.Search(len(m), func(i int) bool { return m[i].off > start }) - 1 // the last mark at or before start
	j := sort.Search(len(m), func(i int) bool { return m[i].off >= end })      // the first mark at or after end
	p := m[i].off
	if j == len(m) { // none after the edit: the line's tail is counted from p
		if end+delta-p > 4*colStep {
			return nil
		}
		return m[: i+1 : i+1]
	}
	q, qNew := m[j].off, m[j].off+delta
	if qNew-p > 4*colStep || !now.runeBoundary(qNew) {
		// (A mark inside a run of continuation bytes is no longer on a
		// boundary when the edit put a lead byte within three bytes of it.)
		return nil
	}
	du := UTF16Len(now.Slice(p, qNew)) - UTF16Len(src.Slice(p, q))
	out := make([]colMark, 0, len(m))
	out = append(out, m[:i+1]...)
	for _, c := range m[j:] {
		out = append(out, colMark{c.off + delta, c.units + du})
	}
	return out
}

// lineStarts holds the byte offset at which each LSP line starts (the
// first is 0). An edit that neither holds nor touches a line break moves
// every start after its line by the same amount: the new Text then shares
// the old one's array and records the move instead of copying it (8 bytes
// a line: 800 KB per keystroke in a 100,000-line bundle). A run of
// keystrokes on one line accumulates in one move; an edit on another line
// copies the array once, with the moves applied. base is never written
// once a Text holds it.
type lineStarts struct {
	base  []int
	from  int // the starts at index from and after are base[i] + shift
	shift int
}

func newLineStarts(base []int) lineStarts { return lineStarts{base: base, from: len(base)} }

func (l lineStarts) len() int { return len(l.base) }

func (l lineStarts) at(i int) int {
	if i >= l.from {
		return l.base[i] + l.shift
	}
	return l.base[i]
}

// replaceLines returns the line starts of src, which is t's text with
// [start, end) replaced by repl.
func (t *Text) replaceLines(src *Text, start, end int, repl []byte) lineStarts {
	l := t.lines
	delta := len(repl) - (end - start)
	if t.withinLine(start, end, repl) {
		// The lines after the edited one move.
		line := t.LineOf(start)
		switch {
		case l.from == line+1:
			return lineStarts{base: l.base, from: line + 1, shift: l.shift + delta}
		case l.from >= len(l.base) || l.shift == 0:
			return lineStarts{base: l.base, from: line + 1, shift: delta}
		}
		out := make([]int, len(l.base))
		for i := range out {
			out[i] = l.at(i)
			if i > line {
				out[i] += delta
			}
		}
		return newLineStarts(out)
	}
	// Line starts up to the line holding start-1 are unchanged; starts that
	// depend only on bytes at or after the old end shift by the length delta;
	// the ones between are rescanned, from start: no line starts between
	// that line's start and start (on a minified bundle's one line, reading
	// from the line's start cost each keystroke the line).
	first := t.LineOf(max(start-1, 0))
	lines := make([]int, first+1, len(l.base)+8)
	for i := range lines {
		lines[i] = l.at(i)
	}
	newEnd := start + len(repl)
	from := max(l.at(first)+1, start, 1)
	// The bytes the scan reads: from-1 to newEnd and the one after.
	lines = appendLineStarts(lines, src.Slice(from-1, newEnd+1), from-1, from, newEnd, src.n)
	i := sort.Search(len(l.base), func(i int) bool { return l.at(i) >= end+1 })
	for ; i < len(l.base); i++ {
		lines = append(lines, l.at(i)+delta)
	}
	return newLineStarts(lines)
}

// appendLineStarts appends every line start p with from <= p <= to, of a
// text of n bytes of which w holds the ones from base on.
func appendLineStarts(lines []int, w []byte, base, from, to, n int) []int {
	for p := max(from, 1); p <= to && p <= n; p++ {
		c := w[p-1-base]
		if c == '\n' || (c == '\r' && (p == n || w[p-base] != '\n')) {
			lines = append(lines, p)
		}
	}
	return lines
}

// hasLoneCR reports whether the text holds a "\r" not followed by "\n".
func (t *Text) hasLoneCR() bool {
	for i := t.IndexByte(0, t.n, '\r'); i >= 0; i = t.IndexByte(i+1, t.n, '\r') {
		if i+1 == t.n || t.At(i+1) != '\n' {
			return true
		}
	}
	return false
}

func hasLoneCR(b []byte) bool {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return true
		}
	}
	return false
}
