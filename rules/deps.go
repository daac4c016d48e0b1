package rules

import (
	"bytes"
	"slices"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// This file decides which matches an edit can change through their scope
// predicates. A match's Deps is the span its predicates read beyond its
// root (the function around a var declaration, the file); the index
// matches its root again when a change touches that span (see Index). Read
// literally, every keystroke in a bundle's factory function would then
// re-match every var declared in it, and in a file of thousands of them a
// keystroke would cost what the file costs. So the predicates that can say
// what they read (predicateDef.exact) declare it: the words whose
// occurrences they looked up (the names a var declares, the names of the
// functions around a site), beside the code's structure. A change is inert
// for a match when it is one edit whose text, before and after, widened to
// the whole words it touches, is made of identifier characters and blanks
// only, holds none of the match's words and none of its language's binding
// words (syntax.Language.BindingWords), does not follow a keyword that names (a function's new name), does not touch a line's indentation,
// and changes no syntax beyond those words. Such an edit renames or retypes
// an identifier that none of the match's predicates looked at, and leaves
// every scope, block and declaration where it was. Several edits between
// two refreshes are judged as the one edit that turns the old text into
// the new (the two texts compared). A change of words only that
// writes or removes a statement word (var, let, if, return: a binding word
// whose effect stays in its statement), or whose syntax change reaches past
// its words, is inert for the matches whose words are not written in the
// statement around it or in the ranges whose syntax changed
// (statementChange). Anything else — a bracket, an operator, a newline, a
// keyword that reaches further (eval, function, import) — counts as
// touching all of Deps. A match whose predicates are partly exact keeps
// the span its inexact ones read apart (Match.ideps, depDetail.part): a
// change there counts whatever its words, and elsewhere in Deps only
// through them. A predicate that reads text rather than looking names up
// cannot be exact: a word typed between two blanks is inert, and its only
// word is the new one (TestPython2FileIsInexact). Whether the file is
// minified (where scope predicates refuse every match) is checked on each
// change: when it flips, the whole file is matched again.

// depDetail refines a match's (or a refusal's) Deps. Immutable: copies of
// a match share it.
type depDetail struct {
	// inexact: a predicate read beyond its capture without saying what;
	// any change to Deps counts.
	inexact bool
	words   []string  // sorted: the words the predicates looked up
	one     [1]string // words' array when there is one word (detailOf)
	// minified: refused only because the file is minified.
	minified bool
	// part: words are what the match depends on in Deps except in its
	// ideps, which predicates read without saying what: any change that
	// touches ideps counts (a #global? beside a #guarded-by?: the one
	// reads a name across the file, the other the conditions above the
	// site).
	part bool
}

func (d *depDetail) has(word string) bool {
	if len(d.words) <= 8 { // most declare one or two names
		return slices.Contains(d.words, word)
	}
	_, ok := slices.BinarySearch(d.words, word)
	return ok
}

// inexactDeps is the detail of every match with inexact Deps, and
// minifiedDeps of every refusal made only because the file is minified.
var (
	inexactDeps  = &depDetail{inexact: true}
	minifiedDeps = &depDetail{minified: true}
)

// detailOf returns the detail of a match whose predicates looked up words
// (which it sorts in place). Matches that looked up the same words share
// one detail for the round of matching: a bundle's analysis refuses and
// accepts tens of thousands of declarations, most of them on a name that
// others looked up too, and each detail the index keeps is work for every
// collection. The words are copied, so that a detail does not keep the
// text of the node a word was read from.
func (e *evalEnv) detailOf(words []string, part bool) *depDetail {
	slices.Sort(words)
	words = slices.Compact(words)
	key := ""
	switch len(words) {
	case 0:
		if part {
			return partNoWordDeps
		}
		return noWordDeps
	case 1:
		key = words[0]
	default:
		key = strings.Join(words, "\x00") // a word holds no NUL (identByte)
	}
	if part {
		key = "\x01" + key // nor a \x01
	}
	if d, ok := e.details[key]; ok {
		return d
	}
	d := &depDetail{part: part}
	if len(words) == 1 {
		d.words = d.one[:] // one object, not two: most look up one name
	} else {
		d.words = make([]string, len(words))
	}
	for i, w := range words {
		d.words[i] = strings.Clone(w)
	}
	if e.details == nil {
		e.details = map[string]*depDetail{}
	}
	if len(words) == 1 && !part {
		key = d.words[0] // not the looked-up word, which keeps its node's text
	}
	e.details[key] = d
	return d
}

// noWordDeps is the detail of a match whose scope predicates looked up no
// word, and partNoWordDeps of one that also read its ideps.
var (
	noWordDeps     = &depDetail{}
	partNoWordDeps = &depDetail{part: true}
)

// partSpan returns what the current match's inexact predicates read when
// its detail says the rest is exact (depDetail.part), else {-1, -1}.
func (e *evalEnv) partSpan() Span {
	if e.detail != nil && e.detail.part {
		return e.ispan
	}
	return noDeps
}

// identByte reports whether b can be part of an identifier in a language
// SyntX parses (non-ASCII bytes included: identifiers may be Unicode).
func identByte(b byte) bool {
	return b == '_' || b == '$' || b >= 0x80 || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9')
}

// startsWord reports whether src[i:] starts a word: nothing of an
// identifier comes right before it ("eval(" in "xeval(" does not).
func startsWord(src *syntax.Text, i int) bool { return i == 0 || !identByte(src.At(i-1)) }

// appendWords appends the identifier words of s.
func appendWords(out []string, s string) []string {
	for i := 0; i < len(s); {
		if !identByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && identByte(s[j]) {
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// bindingWords holds each grammar's binding words (syntax.Language), true
// for its statement words: a change that writes or removes a binding word
// is inert only through statementChange, and only when the word is a
// statement word. A word that binds in another language only (Python's
// match, Go's map, TypeScript's type in a JavaScript file) is an ordinary
// name.
var bindingWords = func() map[syntax.Grammar]map[string]bool {
	out := map[syntax.Grammar]map[string]bool{}
	for _, l := range syntax.Languages() {
		m := map[string]bool{}
		for _, w := range l.BindingWords {
			m[w] = false
		}
		for _, w := range l.StatementWords {
			m[w] = true
		}
		out[l.Grammar] = m
	}
	return out
}()

// namingKeywords are the keywords a function's or class's name follows:
// typing right after one can name what was anonymous, which no predicate
// could have looked up. (After var, let or const a name is always there:
// renaming it puts the old name in the change's words.)
var namingKeywords = set("function", "class", "def", "func")

// change is what Refresh knows about the edits since the last refresh.
type change struct {
	// inert is set when the change is one edit of identifier characters
	// and blanks, with no binding word and no syntax change beyond its words;
	// words are then the words its text held before and after.
	inert bool
	words []string
	// minified is set when the text became minified or stopped being.
	minified bool
}

// affects reports whether the change can alter the answer of predicates
// whose detail is d.
func (c *change) affects(d *depDetail) bool {
	switch {
	case d == nil, d.inexact:
		return true
	case d.minified:
		return c.minified
	case !c.inert:
		return true
	}
	for _, w := range c.words {
		if d.has(w) {
			return true
		}
	}
	return false
}

// wordWindow widens [start, end) of src over the identifier characters on
// each side.
func wordWindow(src *syntax.Text, start, end int) (int, int) {
	for start > 0 && identByte(src.At(start-1)) {
		start--
	}
	for end < src.Len() && identByte(src.At(end)) {
		end++
	}
	return start, end
}

// wordsWindow reports whether src[start:end] (a word window) holds only
// identifier characters and blanks, none of them a line's indentation,
// none of binding (the language's binding words) but statement words, and
// does not follow a naming keyword (ok); bound tells whether it holds a
// statement word. It appends its words. With binding nil (a grammar
// outside the table) no window is ok.
func wordsWindow(src *syntax.Text, start, end int, words []string, binding map[string]bool) (_ []string, bound, ok bool) {
	if binding == nil {
		return words, false, false
	}
	for _, b := range src.Slice(start, end) {
		if !identByte(b) && b != ' ' && b != '\t' {
			return words, false, false
		}
	}
	// Only blanks between the line's start and the window: read back over
	// them, not to the line's start (a minified file's line is the file).
	i := start
	for i > 0 && (src.At(i-1) == ' ' || src.At(i-1) == '\t') {
		i--
	}
	if (i == 0 || src.At(i-1) == '\n') && bytes.ContainsAny(src.Slice(start, end), " \t") {
		return words, false, false // indentation (Python's blocks)
	}
	// The word before, across blanks: "function f", "def f", "class C".
	p := start
	for p > 0 && (src.At(p-1) == ' ' || src.At(p-1) == '\t') {
		p--
	}
	q := p
	for q > 0 && identByte(src.At(q-1)) {
		q--
	}
	if namingKeywords[string(src.Slice(q, p))] {
		return words, false, false
	}
	from := len(words)
	words = appendWords(words, string(src.Slice(start, end)))
	for _, w := range words[from:] {
		statement, binds := binding[w]
		if binds && !statement {
			return words, false, false
		}
		bound = bound || binds
	}
	return words, bound, true
}

// statementAround returns the span of the smallest statement, declaration,
// clause or definition of the tree that holds [start, end), or false when
// there is none below the root.
func statementAround(root *sitter.Node, start, end int) (Span, bool) {
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	var out Span
	found := false
	for childSpanning(c, uint32(start), uint32(end)) {
		n := c.CurrentNode()
		t := n.Type()
		if strings.HasSuffix(t, "statement") || strings.HasSuffix(t, "declaration") || strings.HasSuffix(t, "clause") || strings.HasSuffix(t, "definition") {
			out, found = Span{int(n.StartByte()), int(n.EndByte())}, true
		}
	}
	return out, found
}

// maxStatementBytes bounds the text whose words a statement-word change
// reads (the ranges whose syntax changed, before and after): past it, an
// error that swallowed the rest of a block, the change touches all of Deps.
const maxStatementBytes = 16 << 10

// editWindow is the one edit that turned the text of the last refresh
// into the text now: text[start:oldEnd] became now[start:newEnd]. ok is
// false when there were no edits or no earlier text.
type editWindow struct {
	start, oldEnd, newEnd int
	ok                    bool
}

// window finds the edit window of the edits since the last refresh.
func (ix *Index) window(now *syntax.Text) editWindow {
	if ix.edits == 0 || ix.text == nil {
		return editWindow{}
	}
	var w editWindow
	if ix.edits == 1 {
		e := ix.lastEdit
		w.start, w.oldEnd, w.newEnd = e.start, e.oldEnd, e.newEnd
	} else {
		// Several edits (a notification with several changes, the edits
		// replayed after a background analysis): judged as the one edit
		// that turns the old text into the new, found by comparing them.
		w.start, w.oldEnd, w.newEnd = DiffWindow(ix.text, now)
	}
	w.ok = w.oldEnd <= ix.text.Len() && w.newEnd <= now.Len()
	return w
}

// describeChange finds out what the edits since the last refresh changed,
// given the text now, the window of those edits, whether the text is
// minified and the ranges whose syntax changed.
func (ix *Index) describeChange(root *sitter.Node, now *syntax.Text, win editWindow, minified bool, structural []Span) change {
	c := change{minified: minified != ix.minified}
	if !win.ok {
		return c
	}
	start, oldEnd, newEnd := win.start, win.oldEnd, win.newEnd
	os, oe := wordWindow(ix.text, start, oldEnd)
	ns, ne := wordWindow(now, start, newEnd)
	binding := bindingWords[ix.set.grammar]
	words, oldBound, ok := wordsWindow(ix.text, os, oe, nil, binding)
	if !ok {
		return c
	}
	words, newBound, ok := wordsWindow(now, ns, ne, words, binding)
	if !ok {
		return c
	}
	beyond := false
	for _, s := range structural {
		if s.Start < ns-1 || s.End > ne+1 {
			beyond = true // the syntax changed beyond the words edited
		}
	}
	if !oldBound && !newBound && !beyond {
		c.inert, c.words = true, words
		return c
	}
	stmt, ok := statementAround(root, ns, ne)
	if !ok {
		return c
	}
	if words, ok = statementChange(ix.text, now, win, append(structural, stmt), words); ok {
		c.inert, c.words = true, words
	}
	return c
}

// statementChange widens the words of a change made of words only that
// writes or removes a statement word (var → vxar), or whose syntax change
// reaches beyond its words, by the words of the statement around the edit
// and of the text whose syntax changed, before and after (spans, in the
// text now): what the change re-declares or re-shapes is written there. A
// scope predicate reads the occurrences of its words, the nodes above them
// and their children: how a name is declared can rest on a keyword beside
// it (for (var x of xs): var and x are children of the same node, which
// keeps its kind when var becomes vxar, so no changed range holds x), and
// that keyword is in the statement around the edit; a node above an
// occurrence that changed kind is a range tree-sitter reports as changed
// from its start to its end (ts_tree_get_changed_ranges), which holds that
// occurrence's word. It reports false when that text is too long to read
// for each keystroke.
func statementChange(old, now *syntax.Text, win editWindow, structural []Span, words []string) ([]string, bool) {
	// A position of the text now, taken back to the text before the edit.
	back := func(p int, end bool) int {
		switch {
		case p <= win.start:
			return p
		case p >= win.newEnd:
			return p - win.newEnd + win.oldEnd
		case end:
			return win.oldEnd
		default:
			return win.start
		}
	}
	read := 0
	for _, s := range structural {
		os, oe := back(s.Start, false), back(s.End, true)
		if read += s.End - s.Start + oe - os; read > maxStatementBytes {
			return words, false
		}
		words = appendWords(words, string(now.Slice(s.Start, s.End)))
		words = appendWords(words, string(old.Slice(os, oe)))
	}
	return words, true
}

// touchesAny reports whether s overlaps or touches one of the sorted,
// disjoint spans.
func touchesAny(s Span, sorted []Span) bool {
	i, _ := slices.BinarySearchFunc(sorted, s.Start, func(x Span, t int) int {
		if x.End < t {
			return -1
		}
		return 1
	})
	return i < len(sorted) && sorted[i].Start <= s.End
}

// DiffWindow returns the one edit that turns old into now: old[start:oldEnd]
// became now[start:newEnd], around the longest common prefix and suffix
// (the index judges several edits as one with it; capture updates a
// redaction around it).
func DiffWindow(old, now *syntax.Text) (start, oldEnd, newEnd int) {
	start = syntax.CommonPrefix(old, now)
	suffix := syntax.CommonSuffix(old, now, min(old.Len(), now.Len())-start)
	return start, old.Len() - suffix, now.Len() - suffix
}
