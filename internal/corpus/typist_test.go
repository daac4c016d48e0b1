package corpus

import (
	"math/rand/v2"
	"strings"
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
	undos, multi, typed, wide, crlf := 0, 0, 0, 0, 0
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
		if len(cs) == 1 && utf8.RuneCountInString(cs[0].Text) == 1 && len(cs[0].Text) > 1 {
			wide++
		}
		if len(cs) == 1 && strings.HasPrefix(cs[0].Text, "\r\n") {
			crlf++
		}
		prev, last = before, cs[len(cs)-1]
		if len(cs) > 1 {
			prev = nil
		}
		if len(src) > 1<<16 {
			src = src[:0:0]
		}
	}
	if undos < 50 || multi < 50 || typed < 500 || wide < 50 || crlf != 0 {
		t.Fatalf("in 3,000 notifications: %d undos, %d with two changes, %d characters typed, %d beyond ASCII, %d CRLF breaks in an LF text", undos, multi, typed, wide, crlf)
	}
	// In a CRLF text a line is broken with CRLF.
	src = []byte(strings.Repeat("\tx := f(y)\r\n", 200))
	ty = NewTypist(rand.New(rand.NewPCG(3, 4)), src)
	for range 400 {
		for _, c := range ty.Next(src) {
			if strings.HasPrefix(c.Text, "\n") && len(strings.TrimLeft(c.Text[1:], " \t")) == 0 && c.Start > 0 && src[c.Start-1] != '\r' && lineEnd(src, c.Start) > c.Start+1 && src[lineEnd(src, c.Start)-2] == '\r' {
				t.Fatalf("broke a CRLF line with LF at %d: %q", c.Start, src)
			}
			if strings.HasPrefix(c.Text, "\r\n") {
				crlf++
			}
			src = append(append(append([]byte(nil), src[:c.Start]...), c.Text...), src[c.End:]...)
		}
	}
	if crlf == 0 {
		t.Fatal("no CRLF line break typed in a CRLF text")
	}
}
