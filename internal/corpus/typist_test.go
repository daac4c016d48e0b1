package corpus

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// TestTypistChangesAreValid: every change Typist makes lies in the text,
// starts and ends at rune boundaries (valid UTF-8 stays valid), an undo
// gives the text before the change it takes back, and every kind of change
// is made.
func TestTypistChangesAreValid(t *testing.T) {
	src := []byte("package p\n\n// héllo, wörld — ☃\nfunc f() {\n\tx := \"日本語\"\n\t_ = x\n}")
	rng := rand.New(rand.NewPCG(1, 2))
	ty := NewTypist(rng, src)
	var prev []byte
	var last Change
	undos, multi, typed := 0, 0, 0
	for step := range 3000 {
		cs := ty.Next(src)
		if len(cs) > 1 {
			multi++
		}
		before := src
		for _, c := range cs {
			if c.Start < 0 || c.Start > c.End || c.End > len(src) {
				t.Fatalf("step %d: change %+v outside a text of %d bytes", step, c, len(src))
			}
			if c.Start < len(src) && !utf8.RuneStart(src[c.Start]) || c.End < len(src) && !utf8.RuneStart(src[c.End]) {
				t.Fatalf("step %d: change %+v splits a rune", step, c)
			}
			src = append(append(append([]byte(nil), src[:c.Start]...), c.Text...), src[c.End:]...)
		}
		if !utf8.Valid(src) {
			t.Fatalf("step %d: invalid UTF-8 after %+v", step, cs)
		}
		// An undo is the inverse of the single change before it.
		if len(cs) == 1 && prev != nil && cs[0].Start == last.Start && cs[0].End == last.Start+len(last.Text) && string(src) == string(prev) {
			undos++
		}
		if len(cs) == 1 && len(cs[0].Text) == 1 && cs[0].Start == cs[0].End {
			typed++
		}
		prev, last = before, cs[len(cs)-1]
		if len(cs) > 1 {
			prev = nil
		}
		if len(src) > 1<<16 {
			src = src[:0:0]
		}
	}
	if undos < 50 || multi < 50 || typed < 500 {
		t.Fatalf("in 3,000 notifications: %d undos, %d with two changes, %d characters typed", undos, multi, typed)
	}
}
