package rules

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// TestDynMarksFollowEdits: marks updated around random edits (some that
// write, split or join "eval(" and "with (") are the marks of the new text
// found from scratch, and within agrees with a search of the span's text.
func TestDynMarksFollowEdits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(21))
	pieces := []string{"eval(", "with (", "with(", "eval", "with", "(", " ", "e", "w", "x = 1;\n", "evil(", "wit", "s", "$", "swith (", "x.eval("}
	src := []byte("function f(a) { with (a) { b(); } return eval(a) + evaluate(x); }\nwith(o) g();\n")
	d := newDynMarks(syntax.NewText(src))
	for i := 0; i < 3000; i++ {
		start := rng.Intn(len(src) + 1)
		oldEnd := min(len(src), start+rng.Intn(8))
		repl := []byte(pieces[rng.Intn(len(pieces))])
		if rng.Intn(3) == 0 {
			repl = nil
		}
		now := append(append(append([]byte{}, src[:start]...), repl...), src[oldEnd:]...)
		d.update(syntax.NewText(now), start, oldEnd, start+len(repl))
		want := newDynMarks(syntax.NewText(now))
		if !slices.Equal(d.offs, want.offs) {
			t.Fatalf("edit %d (%d-%d → %q): marks %v, from scratch %v\n%s", i, start, oldEnd, repl, d.offs, want.offs, now)
		}
		for k := 0; k < 5; k++ {
			a := rng.Intn(len(now) + 1)
			b := a + rng.Intn(len(now)-a+1)
			found := false
			for p := a; p < b; p++ {
				for _, w := range dynWords {
					found = found || p+len(w) <= b && string(now[p:p+len(w)]) == string(w) && (p == 0 || !identByte(now[p-1]))
				}
			}
			if d.within(a, b) != found {
				t.Fatalf("within(%d, %d) = %v, the text %q (after %q) says %v", a, b, !found, now[a:b], now[max(0, a-1):a], found)
			}
		}
		src = now
	}
}
