package corpus

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Change replaces Text[Start:End] of a document with Text (byte offsets).
type Change struct {
	Start, End int
	Text       string
}

// Typist makes the changes a person editing a file makes, for property
// tests on real files: a word of the file's typed a character at a time (a
// notification per character), punctuation typed alone (an opened string or
// bracket stays open for a while, as without an editor's auto-pairing), a
// character beyond ASCII (a UTF-16 surrogate pair among them), backspaces,
// a line broken with its indentation and line ending kept, a line deleted
// or duplicated, the word at the cursor replaced by another of the file's,
// a line pasted from elsewhere, the last change undone, and now and then
// the same word typed at two places in one notification (two cursors).
// Cursors stand at rune boundaries, as an editor's do.
type Typist struct {
	rng   *rand.Rand
	words []string // the file's identifiers, the words a person types there
	plan  []Change // the rest of an operation in progress
	undo  *Change  // what takes the last change back
}

var identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// punctuation is what Typist types one character at a time (Enter is a
// line break, which follows the line's ending).
const punctuation = "(){}[]\"'`;,.:=+-*/<>!&|#\t "

// nonASCII are the characters beyond ASCII it types.
var nonASCII = []string{"é", "ß", "日", "語", "😀", "\u00a0", "→"}

// NewTypist returns a Typist for the file src, drawing from rng.
func NewTypist(rng *rand.Rand, src []byte) *Typist {
	seen := map[string]bool{}
	for _, w := range identRE.FindAll(src, 4000) {
		seen[string(w)] = true
	}
	words := slices.Sorted(func(yield func(string) bool) {
		for w := range seen {
			if !yield(w) {
				return
			}
		}
	})
	if len(words) == 0 {
		words = []string{"x"}
	}
	return &Typist{rng: rng, words: words}
}

// Next returns the changes of the next notification to the document whose
// text is now src; they apply in order.
func (e *Typist) Next(src []byte) []Change {
	if len(e.plan) > 0 {
		c := e.plan[0]
		e.plan = e.plan[1:]
		return []Change{e.apply(src, c)}
	}
	at := e.pos(src)
	word := e.words[e.rng.IntN(len(e.words))]
	var c Change
	switch op := e.rng.IntN(20); {
	case op < 7: // type a word, a character at a time
		if e.rng.IntN(2) == 0 {
			word += string(punctuation[e.rng.IntN(len(punctuation))])
		}
		for i := 1; i < len(word); i++ {
			e.plan = append(e.plan, Change{at + i, at + i, word[i : i+1]})
		}
		c = Change{at, at, word[:1]}
	case op < 8: // one punctuation character
		c = Change{at, at, string(punctuation[e.rng.IntN(len(punctuation))])}
	case op < 9: // one character beyond ASCII: two UTF-8 bytes, three, four
		// (a UTF-16 surrogate pair), a no-break space
		c = Change{at, at, nonASCII[e.rng.IntN(len(nonASCII))]}
	case op < 11: // backspace, a few times
		start := at
		for n := 1 + e.rng.IntN(3); n > 0 && start > 0; n-- {
			_, size := utf8.DecodeLastRune(src[:start])
			start -= size
		}
		c = Change{start, at, ""}
	case op < 12: // break the line, keeping its indentation and its ending
		ls := lineStart(src, at)
		indent := ls
		for indent < at && (src[indent] == ' ' || src[indent] == '\t') {
			indent++
		}
		nl := "\n"
		if le := lineEnd(src, at); le >= 2 && le-2 >= at && string(src[le-2:le]) == "\r\n" {
			nl = "\r\n"
		}
		c = Change{at, at, nl + string(src[ls:indent])}
	case op < 13: // delete a line
		c = Change{lineStart(src, at), lineEnd(src, at), ""}
	case op < 14: // duplicate a line
		ls, le := lineStart(src, at), lineEnd(src, at)
		line := string(src[ls:le])
		if !strings.HasSuffix(line, "\n") { // the last line
			line = "\n" + line
		}
		c = Change{le, le, line}
	case op < 16: // replace the word at (or after) the cursor
		c = Change{at, at, word}
		if loc := identRE.FindIndex(src[at:min(len(src), at+200)]); loc != nil {
			c = Change{at + loc[0], at + loc[1], word}
		}
	case op < 17: // paste a line from elsewhere in the file
		from := e.pos(src)
		line := string(src[lineStart(src, from):lineEnd(src, from)])
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		dst := lineStart(src, at)
		c = Change{dst, dst, line}
	case op < 19: // undo the last change
		if e.undo != nil {
			c = *e.undo
			e.undo = nil
			return []Change{c}
		}
		c = Change{at, at, word}
	default: // two cursors: the same word typed at two places; changes
		// apply in order, so the later place first keeps the earlier one's
		// offset
		other := e.pos(src)
		e.undo = nil
		return []Change{{max(at, other), max(at, other), word}, {min(at, other), min(at, other), word}}
	}
	return []Change{e.apply(src, c)}
}

// apply records what undoes c on src and returns c.
func (e *Typist) apply(src []byte, c Change) Change {
	e.undo = &Change{c.Start, c.Start + len(c.Text), string(src[c.Start:c.End])}
	return c
}

// pos draws an offset at a rune boundary, where an editor's cursor stands.
func (e *Typist) pos(src []byte) int {
	at := e.rng.IntN(len(src) + 1)
	for at > 0 && at < len(src) && !utf8.RuneStart(src[at]) {
		at--
	}
	return at
}

// lineStart is the offset of the line holding at.
func lineStart(src []byte, at int) int { return bytes.LastIndexByte(src[:at], '\n') + 1 }

// lineEnd is the offset after the line break of the line holding at (the
// text's end on its last line).
func lineEnd(src []byte, at int) int {
	if i := bytes.IndexByte(src[at:], '\n'); i >= 0 {
		return at + i + 1
	}
	return len(src)
}
