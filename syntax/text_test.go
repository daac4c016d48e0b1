package syntax

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestOffsetAndPosition(t *testing.T) {
	t.Parallel()
	src := "a😀b\r\nxé\ry\n\nlast"
	tx := NewText([]byte(src))
	if got, want := tx.LineCount(), 5; got != want {
		t.Fatalf("LineCount = %d, want %d", got, want)
	}
	cases := []struct {
		name    string
		pos     Position
		enc     Encoding
		off     int
		clamped bool
	}{
		{"start", Position{0, 0}, UTF16, 0, false},
		{"after emoji utf16", Position{0, 3}, UTF16, 5, false},
		{"inside surrogate pair", Position{0, 2}, UTF16, 1, true},
		{"after emoji utf8", Position{0, 5}, UTF8, 5, false},
		{"inside utf8 rune", Position{0, 3}, UTF8, 1, false},
		{"end of line", Position{0, 4}, UTF16, 6, false},
		{"past end of line clamps before CRLF", Position{0, 99}, UTF16, 6, true},
		{"line after CRLF", Position{1, 2}, UTF16, 11, false},
		{"lone CR line", Position{2, 1}, UTF16, 13, false},
		{"empty line", Position{3, 0}, UTF16, 14, false},
		{"past last line", Position{40, 0}, UTF16, len(src), true},
		{"huge numbers", Position{1 << 31, 1 << 31}, UTF8, len(src), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			off, clamped := tx.Offset(c.pos, c.enc)
			if off != c.off || clamped != c.clamped {
				t.Fatalf("Offset(%v) = %d,%v; want %d,%v", c.pos, off, clamped, c.off, c.clamped)
			}
		})
	}
	if p := tx.Position(5, UTF16); p != (Position{0, 3}) {
		t.Fatalf("Position(5) = %v", p)
	}
	if p := tx.Position(7, UTF16); p != (Position{0, 4}) {
		t.Fatalf("Position inside CRLF = %v, want end of line", p)
	}
}

// naiveLines recomputes line starts from scratch: the model Replace is
// checked against.
func naiveLines(src []byte) []int {
	lines := []int{0}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\n':
			lines = append(lines, i+1)
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			lines = append(lines, i+1)
		}
	}
	return lines
}

// naiveUTF16 maps an offset the slow way: decode to UTF-16 and count.
func naiveUTF16(src []byte, lineStart, off int) int {
	n := 0
	for _, r := range string(src[lineStart:off]) {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// allLineStarts returns tx's line starts as one slice.
func allLineStarts(tx *Text) []int {
	out := make([]int, tx.lines.len())
	for i := range out {
		out[i] = tx.lines.at(i)
	}
	return out
}

func checkText(t *testing.T, tx *Text) {
	t.Helper()
	checkDecodedColumns(t, tx)
	if want := naiveLines(tx.Bytes()); !slices.Equal(allLineStarts(tx), want) {
		t.Fatalf("lines = %v, want %v (src %q)", allLineStarts(tx), want, tx.Bytes())
	}
	if got, want := tx.loneCR, hasLoneCR(tx.Bytes()); got != want {
		t.Fatalf("loneCR = %v, want %v", got, want)
	}
	for off := 0; off <= len(tx.Bytes()); off++ {
		if off < len(tx.Bytes()) && !utf8.RuneStart(tx.Bytes()[off]) {
			continue
		}
		// LFLine answers what a scan for the "\n"s around off finds.
		ws := bytes.LastIndexByte(tx.Bytes()[:off], '\n') + 1
		we := bytes.IndexByte(tx.Bytes()[off:], '\n')
		if we < 0 {
			we = len(tx.Bytes())
		} else {
			we += off
		}
		if s, e := tx.LFLine(off); s != ws || e != we {
			t.Fatalf("LFLine(%d) = %d, %d, want %d, %d (src %q)", off, s, e, ws, we, tx.Bytes())
		}
		p := tx.Position(off, UTF16)
		back, _ := tx.Offset(p, UTF16)
		line := tx.LineOf(off)
		if off <= tx.lineEnd(line) {
			if back != off {
				t.Fatalf("Offset(Position(%d)) = %d (pos %v, src %q)", off, back, p, tx.Bytes())
			}
			if utf8.Valid(tx.Bytes()[tx.lines.at(line):off]) {
				if want := naiveUTF16(tx.Bytes(), tx.lines.at(line), off); int(p.Character) != want {
					t.Fatalf("Position(%d).Character = %d, want %d", off, p.Character, want)
				}
			}
		}
	}
}

var fuzzPieces = []string{"", "a", "\n", "\r\n", "\r", "é", "😀", "func", "(", ")", "{\n", "}\n", " ", "\t", "x := 1\n", "\xff"}

// FuzzIncrementalEdits applies a stream of edits to a Text and to a syntax
// tree incrementally, and checks both against a naive full rebuild: the
// line index, position mapping and tree-sitter points must agree.
func FuzzIncrementalEdits(f *testing.F) {
	f.Add([]byte("package p\n\nfunc f() {\n\tx := 1\n}\n"), int64(1))
	f.Add([]byte("def f(x=[]):\r\n    return x\r\n"), int64(2))
	f.Add([]byte("a\rb\r\nc"), int64(3))
	f.Fuzz(func(t *testing.T, seed []byte, s int64) {
		if len(seed) > 4096 {
			return
		}
		rng := rand.New(rand.NewPCG(uint64(s), 7))
		tx := NewText(seed)
		g := []Grammar{Go, Python}[rng.IntN(2)]
		tree, err := Parse(context.Background(), g, tx.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		for step := 0; step < 8; step++ {
			a, b := rng.IntN(tx.Len()+1), rng.IntN(tx.Len()+1)
			if a > b {
				a, b = b, a
			}
			var repl []byte
			for k := rng.IntN(3); k > 0; k-- {
				repl = append(repl, fuzzPieces[rng.IntN(len(fuzzPieces))]...)
			}
			var e Edit
			tx, e = tx.Replace(a, b, repl)
			if int(e.NewEndByte) != a+len(repl) {
				t.Fatalf("edit end %d", e.NewEndByte)
			}
			checkText(t, tx)
			tree.Edit(e)
		}
		if _, err := tree.Reparse(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
		full, err := Parse(context.Background(), g, tx.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		defer full.Close()
		// Under error recovery tree-sitter's incremental parse may build
		// another tree than a parse from scratch (the same text, other
		// ERROR nodes): the shapes are compared where the text parses
		// without errors.
		if got, want := tree.Root().String(), full.Root().String(); got != want && !full.Root().HasError() {
			t.Fatalf("incremental tree differs from full parse\n got %s\nwant %s", got, want)
		}
		if got, want := tree.Root().EndPoint(), full.Root().EndPoint(); got != want {
			t.Fatalf("incremental end point %v, full %v", got, want)
		}
		if got, want := tree.Root().EndPoint(), tx.Point(tx.Len()); got != want {
			t.Fatalf("tree end point %v, text point %v", got, want)
		}
	})
}

// TestLongLineColumns: on lines longer than colStep (a minified bundle),
// Position and Offset count UTF-16 columns from marks; they must give what
// counting from the line's start gives, for every rune start, every column
// (inside surrogate pairs and past the end too), with multi-byte runes,
// emoji and invalid bytes across the marks.
func TestLongLineColumns(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(16, 1))
	pieces := []string{"a", "bc", "é", "😀", "\xff", "中", " ", "x=1;"}
	for n := 0; n < 6; n++ {
		var b []byte
		for len(b) < 3*colStep+rng.IntN(4*colStep) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		if n%2 == 1 { // a short line first, a long one after it
			b = append([]byte("short\r\n"), b...)
		}
		tx := NewText(b)
		line := tx.LineCount() - 1
		start, end := tx.lines.at(line), tx.lineEnd(line)
		if tx.marks(line, start, end) == nil {
			t.Fatalf("a %d-byte line has no marks", end-start)
		}
		for off := start; off <= end; off++ {
			if off < end && !utf8.RuneStart(tx.Bytes()[off]) {
				continue
			}
			if got, want := tx.Position(off, UTF16).Character, uint32(UTF16Len(tx.Bytes()[start:off])); got != want {
				t.Fatalf("case %d: Position(%d).Character = %d, want %d", n, off, got, want)
			}
		}
		total := UTF16Len(tx.Bytes()[start:end])
		for c := 0; c <= total+2; c++ {
			gotOff, gotClamped := tx.Offset(Position{Line: uint32(line), Character: uint32(c)}, UTF16)
			wantOff, wantClamped := offsetFromLineStart(tx.Bytes()[start:end], c)
			if gotOff != start+wantOff || gotClamped != wantClamped {
				t.Fatalf("case %d: Offset(column %d) = %d,%v; want %d,%v", n, c, gotOff, gotClamped, start+wantOff, wantClamped)
			}
		}
	}
}

// offsetFromLineStart is Offset's UTF-16 column count done from the start
// of the line, the reference for the marks.
func offsetFromLineStart(line []byte, want int) (int, bool) {
	units, off := 0, 0
	for off < len(line) {
		if units >= want {
			return off, units > want
		}
		r, size := utf8.DecodeRune(line[off:])
		n := 1
		if r >= 0x10000 && size > 1 {
			n = 2
		}
		if units+n > want {
			return off, true
		}
		units += n
		off += size
	}
	return len(line), units < want
}

// TestReplaceCarriesMarks: after edits of every kind on texts with long
// lines (letters typed and deleted inside a long line, multi-byte runes and
// invalid bytes at the edit's edges, line breaks written and removed, a
// long paste, "\r\n" split), the marks a Text carried over from the one
// before it must give what counting from each line's start gives; and on
// the long line a one-letter edit must carry the marks, not drop them.
func TestReplaceCarriesMarks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(17, 3))
	pieces := []string{"a", "bc", "é", "😀", "\xff", "\x80", "中", " ", "x=1;", "\n", "\r\n", "\r", "\xe2\x82"}
	for n := 0; n < 12; n++ {
		var b []byte
		for len(b) < 3*colStep+rng.IntN(4*colStep) {
			b = append(b, pieces[rng.IntN(4)+rng.IntN(len(pieces)-4)*(rng.IntN(8)/7)]...)
			if n >= 8 && rng.IntN(200) == 0 {
				// Runs of continuation bytes longer than the marks' step
				// (invalid UTF-8): marks stand inside them (runeBoundary).
				b = append(b, strings.Repeat("\x80", colStep+rng.IntN(2*colStep))...)
			}
		}
		tx := NewText(b)
		for step := 0; step < 40; step++ {
			for line := 0; line < tx.LineCount(); line++ { // marks asked for, as requests do
				tx.Position(tx.lineEnd(line), UTF16)
			}
			at := rng.IntN(tx.Len() + 1)
			end := min(tx.Len(), at+rng.IntN(3))
			repl := pieces[rng.IntN(len(pieces))]
			if rng.IntN(10) == 0 {
				repl = strings.Repeat("abcé", colStep) // a long paste
			}
			carried := false
			if line := tx.LineOf(at); tx.LineOf(end) == line && tx.lineEnd(line)-tx.lines.at(line) > colStep && !strings.ContainsAny(repl, "\r\n") && !strings.ContainsAny(string(tx.Bytes()[at:end]), "\r\n") && len(repl) < 8 && (at == 0 || tx.Bytes()[at-1] != '\r') {
				carried = true
			}
			nt, _ := tx.Replace(at, end, []byte(repl))
			if carried && n < 8 {
				// (After a run of continuation bytes, an edit that puts a
				// lead byte within three bytes of a mark drops the marks.)
				if _, ok := nt.cols[nt.LineOf(at)]; !ok {
					t.Fatalf("case %d step %d: a %q edit on a long line dropped its marks", n, step, repl)
				}
			}
			tx = nt
			for line := 0; line < tx.LineCount(); line++ {
				start, end := tx.lines.at(line), tx.lineEnd(line)
				m, ok := tx.cols[line]
				if !ok {
					continue // not carried: counted again when asked
				}
				if len(m) == 0 || m[0].off != start || m[0].units != 0 {
					t.Fatalf("case %d step %d: line %d's first mark is %v, want its start %d", n, step, line, m, start)
				}
				for _, c := range m {
					if c.off < start || c.off > end || (c.off > start && c.off < end && !tx.runeBoundary(c.off)) {
						t.Fatalf("case %d step %d: line %d [%d,%d) has a mark at %d", n, step, line, start, end, c.off)
					}
					if want := UTF16Len(tx.Bytes()[start:c.off]); c.units != want {
						t.Fatalf("case %d step %d: line %d's mark at %d counts %d units, want %d", n, step, line, c.off, c.units, want)
					}
				}
			}
		}
	}
}

// TestReplaceCarriesFind checks Find's answers carried by Replace against
// a search of the new text: random edits (inserts, deletions, pastes
// that make or break an occurrence, at the text's ends) of texts written
// in a small alphabet, for strings that overlap themselves ("aa", "aba")
// and do not. A carried answer must also have been carried, not searched
// again, so that the test fails if Replace stops carrying.
func TestReplaceCarriesFind(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 11))
	pats := []string{"a", "aa", "aba", "ab\n", "eslint-", "b"}
	pieces := []string{"a", "b", "ab", "aba", "\n", "\r", "eslint-", "eslint", "-", "c", ""}
	for n := 0; n < 30; n++ {
		var b []byte
		for len(b) < 1+rng.IntN(400) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		tx := NewText(b)
		for step := 0; step < 60; step++ {
			asked := pats[:1+rng.IntN(len(pats))]
			for _, p := range asked {
				tx.Find(p)
			}
			at := rng.IntN(tx.Len() + 1)
			end := min(tx.Len(), at+rng.IntN(6))
			repl := pieces[rng.IntN(len(pieces))] + pieces[rng.IntN(len(pieces))]
			nt, _ := tx.Replace(at, end, []byte(repl))
			for _, p := range asked {
				if _, ok := nt.found[p]; !ok {
					t.Fatalf("case %d step %d: Find(%q) was not carried", n, step, p)
				}
			}
			tx = nt
			for _, p := range pats {
				got, ok := tx.Find(p)
				want := findAllFlat(tx.Bytes(), p)
				if !ok || !slices.Equal(got, want) {
					t.Fatalf("case %d step %d: Find(%q) = %v after replacing [%d,%d) by %q, want %v in %q", n, step, p, got, at, end, repl, want, tx.Bytes())
				}
			}
			if got, want := tx.Newlines(), strings.Count(string(tx.Bytes()), "\n"); got != want {
				t.Fatalf("case %d step %d: Newlines = %d, want %d", n, step, got, want)
			}
		}
	}
}

// TestFindTooMany: a string with more than findCarryMax occurrences is
// not listed (Find reports false, and its callers search for themselves),
// before and after an edit, while a rarer string in the same text still
// is; an edit that leaves a listed string with too many turns it to
// "too many" too.
func TestFindTooMany(t *testing.T) {
	t.Parallel()
	tx := NewText([]byte(strings.Repeat("e x ", findCarryMax+1) + "rare"))
	if at, ok := tx.Find("e"); ok || at != nil {
		t.Fatalf("Find(%q) listed %d occurrences, want too many", "e", len(at))
	}
	if at, ok := tx.Find("rare"); !ok || len(at) != 1 {
		t.Fatalf("Find(%q) = %v, %v; want one occurrence", "rare", at, ok)
	}
	tx.Find("x ")
	tx, _ = tx.Replace(0, 0, []byte("e"))
	if _, ok := tx.Find("e"); ok {
		t.Fatal("too many before the edit, listed after it")
	}
	if at, ok := tx.Find("rare"); !ok || len(at) != 1 || string(tx.Bytes()[at[0]:at[0]+4]) != "rare" {
		t.Fatalf("Find(%q) after the edit = %v, %v", "rare", at, ok)
	}
	// "x " had findCarryMax+1 occurrences from the start: too many.
	if _, ok := tx.Find("x "); ok {
		t.Fatal("Find listed more than findCarryMax occurrences")
	}
	small := NewText([]byte(strings.Repeat("ab", findCarryMax-1)))
	if _, ok := small.Find("ab"); !ok {
		t.Fatal("findCarryMax-1 occurrences not listed")
	}
	small, _ = small.Replace(0, 0, []byte("abab"))
	if _, ok := small.Find("ab"); ok {
		t.Fatal("an edit took a list past findCarryMax and it was still listed")
	}
}

// TestFindForgetsUnaskedStrings checks that an answer no one asks for
// again stops being carried after findKeep versions, and that a text
// keeps at most findPatterns strings.
func TestFindForgetsUnaskedStrings(t *testing.T) {
	t.Parallel()
	tx := NewText([]byte("abc abc abc"))
	tx.Find("abc")
	for i := 0; i <= findKeep; i++ {
		tx, _ = tx.Replace(0, 0, []byte("x"))
	}
	if _, ok := tx.found["abc"]; ok {
		t.Fatalf("Find(%q) still carried after %d versions nobody asked", "abc", findKeep+1)
	}
	for i := 0; i < findPatterns+10; i++ {
		tx.Find(fmt.Sprint(i))
	}
	if len(tx.found) > findPatterns {
		t.Fatalf("%d strings kept, want at most %d", len(tx.found), findPatterns)
	}
	if _, ok := tx.found[fmt.Sprint(findPatterns+9)]; !ok {
		t.Fatal("the string asked last was dropped")
	}
	// All the occurrences carried to one version stay within
	// findCarryTotal, the answers asked for last kept first.
	big := NewText([]byte(strings.Repeat("abcde", findCarryMax)))
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		big.Find(p) // findCarryMax occurrences each, five times the budget's fifth
	}
	big, _ = big.Replace(0, 0, []byte("x"))
	big.Find("ab") // asked last
	next, _ := big.Replace(0, 0, []byte("x"))
	carried := 0
	for _, f := range next.found {
		carried += len(f.at)
	}
	if carried > findCarryTotal {
		t.Fatalf("%d occurrences carried, want at most %d", carried, findCarryTotal)
	}
	if _, ok := next.found["ab"]; !ok {
		t.Fatal("the answer asked for last was not carried")
	}
}

// TestLineStartsAcrossKeystrokes: keystrokes that add no line break share
// the line starts of the text before them and record a move (lineStarts);
// runs of them on one line, on other lines, beside "\r", "\r\n" and lone
// "\r" line ends, mixed with edits that add or join lines, must give every
// version the starts a fresh count gives, and must leave every earlier
// version as it was.
func TestLineStartsAcrossKeystrokes(t *testing.T) {
	pieces := []string{"x", "é", "𝄞", "", "ab", "\n", "\r", "\r\n"}
	for seed := uint64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		tx := NewText([]byte("a\r\nbb\rccc\ndddd\r\n\neeeee\r"))
		versions := []*Text{tx}
		line := 0
		for step := 0; step < 80; step++ {
			if rng.IntN(6) == 0 {
				line = rng.IntN(tx.LineCount())
			}
			start := tx.LineStart(line)
			end := tx.lineEnd(line)
			a := start + rng.IntN(end-start+1)
			b := a
			if rng.IntN(3) == 0 && a < end {
				b = a + 1 + rng.IntN(end-a)
			}
			for b < len(tx.Bytes()) && !utf8.RuneStart(tx.Bytes()[b]) {
				b++
			}
			for a > 0 && a < len(tx.Bytes()) && !utf8.RuneStart(tx.Bytes()[a]) {
				a--
			}
			repl := pieces[rng.IntN(4)]
			if rng.IntN(10) == 0 {
				repl = pieces[4+rng.IntN(len(pieces)-4)]
			}
			tx, _ = tx.Replace(a, b, []byte(repl))
			checkText(t, tx)
			versions = append(versions, tx)
			line = min(line, tx.LineCount()-1)
		}
		for _, v := range versions {
			checkText(t, v)
		}
	}
}

// TestLongRunOfContinuationBytes: a line holding more than colStep UTF-8
// continuation bytes in a row (invalid text, one UTF-16 unit each) has no
// rune start where a column mark would go. Counting its marks looped for
// ever there (found by FuzzIncrementalEdits), so a hostile file hung the
// first request that converted a position on that line. (A hang fails the
// test at its timeout.)
func TestLongRunOfContinuationBytes(t *testing.T) {
	for _, src := range []string{
		"a" + strings.Repeat("\x8b", 3*colStep) + "b\nc",
		strings.Repeat("\x8b", colStep+1),
		"x\xe2" + strings.Repeat("\x82", 2*colStep+7) + "€" + strings.Repeat("y", colStep),
	} {
		tx := NewText([]byte(src))
		checkText(t, tx) // hung before the fix
		// A lead byte typed up to three bytes before a mark inside the run
		// takes the bytes up to it into one sequence: the carried marks
		// must follow (checkText compares every position with a count
		// from the line's start).
		mark := -1
		for _, c := range tx.cols[0] {
			if c.off > 0 && !utf8.RuneStart(tx.Bytes()[c.off]) {
				mark = c.off
				break
			}
		}
		if mark < 0 {
			t.Fatalf("%q...: no mark inside the run: %v", src[:8], tx.cols[0])
		}
		for _, lead := range []string{"\xe2", "\xf0", "\xc3", "a"} {
			for k := 1; k <= 4; k++ {
				at := mark - k
				nt, _ := tx.Replace(at, at, []byte(lead))
				checkText(t, nt)
			}
		}
	}
}

// checkDecodedColumns decodes each line from its start, as a client
// counting UTF-16 units would (an invalid byte is one unit, U+FFFD), and
// checks Position and Offset at the runes it finds, invalid bytes included
// (checkText's own comparison is with a count only where the line is
// valid UTF-8 up to the offset): every rune of a short line, every 17th of
// a long one and its end. A mark off a boundary shifts every column after
// it up to the next mark, 1 KB further.
func checkDecodedColumns(t *testing.T, tx *Text) {
	t.Helper()
	for line := 0; line < tx.LineCount(); line++ {
		start, end := tx.lines.at(line), tx.lineEnd(line)
		every := 1
		if end-start > 256 {
			every = 17
		}
		units := 0
		for off, n := start, 0; ; n++ {
			if n%every != 0 && off < end {
				r, size := utf8.DecodeRune(tx.Bytes()[off:end])
				units++
				if r >= 0x10000 && size > 1 {
					units++
				}
				off += size
				continue
			}
			p := tx.Position(off, UTF16)
			if int(p.Line) != line || int(p.Character) != units {
				t.Fatalf("line %d offset %d: position %v, want character %d", line, off, p, units)
			}
			if back, _ := tx.Offset(p, UTF16); back != off {
				t.Fatalf("line %d offset %d: %v maps back to %d", line, off, p, back)
			}
			if off >= end {
				break
			}
			r, size := utf8.DecodeRune(tx.Bytes()[off:end])
			units++
			if r >= 0x10000 && size > 1 {
				units++
			}
			off += size
		}
	}
}

// TestLineIndexFitsLongLines: the line index is sized for ordinary code
// (a line start per 32 bytes) while it is built; a text of long lines (a
// minified file) keeps only what it uses.
func TestLineIndexFitsLongLines(t *testing.T) {
	for _, src := range [][]byte{
		append(bytes.Repeat([]byte("x"), 1<<20), '\n'),
		bytes.Repeat([]byte(strings.Repeat("y", 999)+"\n"), 1000),
	} {
		txt := NewText(src)
		if n, c := txt.lines.len(), cap(txt.lines.base); c > 2*n {
			t.Errorf("%d bytes in %d lines: the index holds room for %d line starts", len(src), n, c)
		}
	}
}

// findAllFlat is where pat starts in src, every occurrence, by a plain
// scan of one slice.
func findAllFlat(src []byte, pat string) []int {
	var out []int
	for i := 0; i+len(pat) <= len(src); i++ {
		if string(src[i:i+len(pat)]) == pat {
			out = append(out, i)
		}
	}
	return out
}
