package rules

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// TestJoinedEditDescribesBoth: when byteEdit.then joins two edits, the
// joined one describes what both did: the text before its start and after
// its old end is unchanged, at the same distance from the end, and it says
// nothing about edits apart from each other; runs of keystrokes in one
// place (typing, backspacing, replacing a selection) join.
func TestJoinedEditDescribesBoth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	apply := func(s string, e byteEdit, repl string) string { return s[:e.start] + repl + s[e.oldEnd:] }
	joined := 0
	for i := 0; i < 20000; i++ {
		orig := strings.Repeat("abcdefghij", 1+rng.IntN(3))
		edit := func(s string) (byteEdit, string) {
			a := rng.IntN(len(s) + 1)
			b := min(a+rng.IntN(4), len(s))
			repl := strings.Repeat("X", rng.IntN(4))
			return byteEdit{a, b, a + len(repl)}, repl
		}
		e, r1 := edit(orig)
		mid := apply(orig, e, r1)
		f, r2 := edit(mid)
		final := apply(mid, f, r2)
		j, ok := e.then(f)
		apart := f.start > e.newEnd || f.oldEnd < e.start
		if ok == apart {
			t.Fatalf("%+v then %+v: joined %v, apart %v", e, f, ok, apart)
		}
		if !ok {
			continue
		}
		joined++
		if j.start > j.oldEnd || j.start > j.newEnd || j.oldEnd > len(orig) || j.newEnd > len(final) ||
			orig[:j.start] != final[:j.start] || orig[j.oldEnd:] != final[j.newEnd:] {
			t.Fatalf("%q: %+v (%q) then %+v (%q) gave %q; joined %+v does not describe it", orig, e, r1, f, r2, final, j)
		}
	}
	if joined < 3000 {
		t.Fatalf("only %d of 20000 pairs joined: the test exercised too little", joined)
	}
	// A word typed, then backspaced, is one edit.
	var ix Index
	for k := range 5 {
		ix.Edit(syntax.Edit{StartByte: uint32(10 + k), OldEndByte: uint32(10 + k), NewEndByte: uint32(11 + k)})
		ix.Postpone([][2]uint32{{uint32(10 + k), uint32(11 + k)}})
	}
	for k := 5; k > 0; k-- {
		ix.Edit(syntax.Edit{StartByte: uint32(9 + k), OldEndByte: uint32(10 + k), NewEndByte: uint32(9 + k)})
	}
	if len(ix.deferred) != 2 || ix.deferred[0].edit != (byteEdit{10, 10, 10}) {
		t.Fatalf("typing and backspacing a word kept %+v, want one edit (10, 10, 10) and one change", ix.deferred)
	}
	if got := ix.deferred[1].changed; len(got) != 5 || got[4] != (Span{10, 10}) {
		t.Fatalf("the changes kept are %v; the backspaces should have moved them onto 10", got)
	}
}
