package syntax

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPiecesReadLikeFlat edits texts of several pieces at random (typing,
// deleting across pieces, pasting more than a piece, line breaks of every
// kind, multi-byte runes) and compares every way of reading the text with
// the same questions asked of the content as one slice, and checks that
// each piece stays within pieceMax, that none is empty, and that a version
// is unchanged by the edits made from it.
func TestPiecesReadLikeFlat(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 21))
	words := []string{"x", "ab", "\n", "\r\n", "\r", "é", "😀", "eslint-disable", "var a = 1;\n", " ", "\t"}
	for n := 0; n < 12; n++ {
		var b strings.Builder
		for b.Len() < 3*pieceMax+rng.IntN(pieceMax) {
			b.WriteString(words[rng.IntN(len(words))])
		}
		flat := []byte(b.String())
		tx := NewText(bytes.Clone(flat))
		for step := 0; step < 150; step++ {
			at := rng.IntN(len(flat) + 1)
			end := at
			switch rng.IntN(6) {
			case 0: // a deletion across pieces
				end = min(len(flat), at+rng.IntN(2*pieceMax))
			case 1, 2:
				end = min(len(flat), at+rng.IntN(3))
			}
			var repl []byte
			switch rng.IntN(5) {
			case 0: // a paste longer than a piece
				for len(repl) < pieceMax+rng.IntN(pieceMax) {
					repl = append(repl, words[rng.IntN(len(words))]...)
				}
			case 1:
			default:
				repl = []byte(words[rng.IntN(len(words))])
			}
			before := tx
			beforeFlat := bytes.Clone(flat)
			tx, _ = tx.Replace(at, end, repl)
			flat = append(append(append([]byte{}, flat[:at]...), repl...), flat[end:]...)
			if !bytes.Equal(before.Slice(0, before.Len()), beforeFlat) {
				t.Fatalf("case %d step %d: Replace changed the version it was made from", n, step)
			}
			checkPieces(t, tx)
			compareFlat(t, rng, tx, flat)
			// The two versions share most of their pieces.
			p := 0
			for p < min(len(flat), len(beforeFlat)) && flat[p] == beforeFlat[p] {
				p++
			}
			sfx := 0
			for sfx < min(len(flat), len(beforeFlat))-p && flat[len(flat)-1-sfx] == beforeFlat[len(beforeFlat)-1-sfx] {
				sfx++
			}
			if got := CommonPrefix(before, tx); got != p {
				t.Fatalf("case %d step %d: CommonPrefix = %d, want %d", n, step, got, p)
			}
			if got := CommonSuffix(before, tx, min(len(flat), len(beforeFlat))-p); got != sfx {
				t.Fatalf("case %d step %d: CommonSuffix = %d, want %d", n, step, got, sfx)
			}
		}
	}
}

func checkPieces(t *testing.T, tx *Text) {
	t.Helper()
	off := 0
	for i, p := range tx.p.ps {
		if len(p) == 0 || len(p) > pieceMax {
			t.Fatalf("piece %d holds %d bytes", i, len(p))
		}
		if cap(p) != len(p) {
			t.Fatalf("piece %d has room to grow (cap %d, len %d): an append would write its array", i, cap(p), len(p))
		}
		off += len(p)
		if tx.p.ends[i] != off {
			t.Fatalf("piece %d ends at %d, its bytes at %d", i, tx.p.ends[i], off)
		}
	}
	if off != tx.Len() {
		t.Fatalf("pieces hold %d bytes, Len %d", off, tx.Len())
	}
}

func compareFlat(t *testing.T, rng *rand.Rand, tx *Text, flat []byte) {
	t.Helper()
	ref := NewText(bytes.Clone(flat))
	if tx.Len() != len(flat) || !bytes.Equal(tx.Bytes(), flat) {
		t.Fatalf("content differs: %d bytes, want %d", tx.Len(), len(flat))
	}
	if tx.LineCount() != ref.LineCount() || tx.Newlines() != ref.Newlines() || tx.loneCR != ref.loneCR {
		t.Fatalf("lines: %d, %d newlines, lone CR %v; want %d, %d, %v", tx.LineCount(), tx.Newlines(), tx.loneCR, ref.LineCount(), ref.Newlines(), ref.loneCR)
	}
	for line := 0; line < ref.LineCount(); line++ {
		if tx.LineStart(line) != ref.LineStart(line) || tx.lineEnd(line) != ref.lineEnd(line) {
			t.Fatalf("line %d: [%d,%d), want [%d,%d)", line, tx.LineStart(line), tx.lineEnd(line), ref.LineStart(line), ref.lineEnd(line))
		}
	}
	for k := 0; k < 40; k++ {
		a := rng.IntN(len(flat) + 1)
		b := min(len(flat), a+rng.IntN(2*pieceMax+2))
		if got := tx.Slice(a, b); !bytes.Equal(got, flat[a:b]) {
			t.Fatalf("Slice(%d, %d) differs", a, b)
		}
		if a < len(flat) && tx.At(a) != flat[a] {
			t.Fatalf("At(%d) = %q, want %q", a, tx.At(a), flat[a])
		}
		for _, c := range []byte{'\n', '\r', 'x'} {
			want := bytes.IndexByte(flat[a:b], c)
			if want >= 0 {
				want += a
			}
			if got := tx.IndexByte(a, b, c); got != want {
				t.Fatalf("IndexByte(%d, %d, %q) = %d, want %d", a, b, c, got, want)
			}
			want = bytes.LastIndexByte(flat[a:b], c)
			if want >= 0 {
				want += a
			}
			if got := tx.LastIndexByte(a, b, c); got != want {
				t.Fatalf("LastIndexByte(%d, %d, %q) = %d, want %d", a, b, c, got, want)
			}
		}
		for _, sep := range []string{"eslint-disable", "\r\n", "a = 1"} {
			want := bytes.Index(flat[a:b], []byte(sep))
			if want >= 0 {
				want += a
			}
			if got := tx.Index(a, b, []byte(sep)); got != want {
				t.Fatalf("Index(%d, %d, %q) = %d, want %d", a, b, sep, got, want)
			}
		}
		for _, enc := range []Encoding{UTF8, UTF16} {
			if got, want := tx.Position(a, enc), ref.Position(a, enc); got != want {
				t.Fatalf("Position(%d, %v) = %v, want %v", a, enc, got, want)
			}
			p := ref.Position(a, enc)
			p.Character += uint32(rng.IntN(3))
			gotOff, gotClamped := tx.Offset(p, enc)
			wantOff, wantClamped := ref.Offset(p, enc)
			if gotOff != wantOff || gotClamped != wantClamped {
				t.Fatalf("Offset(%v, %v) = %d, %v; want %d, %v", p, enc, gotOff, gotClamped, wantOff, wantClamped)
			}
		}
		if got, want := tx.Point(a), ref.Point(a); got != want {
			t.Fatalf("Point(%d) = %v, want %v", a, got, want)
		}
		// LFLine reads the line index (or, with a lone "\r", searches
		// the pieces); lfLineFlat scans one slice.
		gs, ge := tx.LFLine(a)
		ws, we := lfLineFlat(flat, a)
		if gs != ws || ge != we {
			t.Fatalf("LFLine(%d) = %d, %d; the scan %d, %d", a, gs, ge, ws, we)
		}
	}
	for _, pat := range []string{"eslint-disable", "é", "\r\n"} {
		got, _ := tx.Find(pat)
		want := findAllFlat(flat, pat)
		if len(got) != len(want) {
			t.Fatalf("Find(%q): %d occurrences, want %d", pat, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Find(%q)[%d] = %d, want %d", pat, i, got[i], want[i])
			}
		}
	}
}

// TestParseReadsPieces parses a text of many pieces, edited, and compares
// the tree with a parse of the same content as one slice.
func TestParseReadsPieces(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; b.Len() < 5*pieceMax; i++ {
		b.WriteString("function f")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("(a) { var s = 'é😀'; return a + 1; }\n")
	}
	tx := NewText([]byte(b.String()))
	ctx := context.Background()
	tree, err := ParseText(ctx, JavaScript, tx)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	for step := 0; step < 60; step++ {
		at := rng.IntN(tx.Len())
		var e Edit
		tx, e = tx.Replace(at, min(tx.Len(), at+rng.IntN(3)), []byte([]string{"y", "", "\n", "(", "} {"}[rng.IntN(5)]))
		tree.Edit(e)
		if _, err := tree.Reparse(ctx, tx); err != nil {
			t.Fatal(err)
		}
		flat, err := Parse(ctx, JavaScript, bytes.Clone(tx.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tree.Root().String(), flat.Root().String(); got != want {
			t.Fatalf("step %d: the tree of the pieces differs from the tree of the flat text", step)
		}
		flat.Close()
	}
}

// lfLineFlat is LFLine by a scan of one slice for the "\n" before and
// after off.
func lfLineFlat(src []byte, off int) (start, end int) {
	off = min(max(off, 0), len(src))
	start = bytes.LastIndexByte(src[:off], '\n') + 1
	if end = bytes.IndexByte(src[off:], '\n'); end < 0 {
		return start, len(src)
	}
	return start, off + end
}
