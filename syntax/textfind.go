package syntax

import (
	"cmp"
	"slices"
	"sort"
	"strings"
)

// Where a fixed string occurs in a Text, kept from one version of a
// document to the next.
//
// Some questions about a document are answered by searching its whole
// text for a fixed string: where "eslint-" comments are (a disable region
// may open anywhere above a site), where a name occurs (the scope
// predicates' lookups in a bundle's one big function). Asked once per
// keystroke, each search costs the file: 3.4 MB in a large bundle. A Text
// remembers the answers it gave, and Replace carries them to the next
// version: an edit of [start, end) changes only the occurrences that
// overlap it, so the new text's list is the old one's before the edit, the
// new text searched around the edit, and the old one's after the edit
// moved by the edit's length. The answer is exact: an occurrence that ends
// before the edit reads only bytes the edit kept, and one that starts at or
// after the edit's new end reads only bytes that were after its old end.

// findKeep is for how many versions an answer no one asks for again is
// carried; findCarryMax bounds the occurrences listed per string (past it
// Find answers "too many": a common word's list would cost each keystroke
// its length), findCarryTotal all the occurrences carried to one version
// (the answers asked for last go first), and findPatterns the strings
// kept per text.
const (
	findKeep       = 32
	findCarryMax   = 1 << 14
	findCarryTotal = 1 << 16
	findPatterns   = 128
)

// found is one string's occurrences in a text, or many when there are
// more than findCarryMax, and the version of the document (Text.gen) that
// last asked for them.
type found struct {
	at   []int
	many bool
	used uint64
}

// Find returns where pat starts in the text, every occurrence in order
// (occurrences may overlap), and true; or false when pat occurs more than
// findCarryMax times, and the caller searches what it needs itself (a
// list that long would cost each keystroke its length; "e" in a bundle).
// The slice must not be modified. The text is searched once per string;
// later versions made by Replace start from this version's answer.
func (t *Text) Find(pat string) ([]int, bool) {
	if pat == "" {
		return nil, true
	}
	t.findMu.Lock()
	defer t.findMu.Unlock()
	if f, ok := t.found[pat]; ok {
		f.used = t.gen
		return f.at, !f.many
	}
	at, ok := t.findAll(0, t.n, pat, nil)
	if t.found == nil {
		t.found = map[string]*found{}
	}
	if len(t.found) >= findPatterns {
		t.dropOldest()
	}
	if !ok {
		at = nil
	}
	t.found[pat] = &found{at: at, many: !ok, used: t.gen}
	return at, ok
}

// dropOldest forgets the answer asked for longest ago. Call with findMu
// held.
func (t *Text) dropOldest() {
	oldest, first := "", true
	for p, f := range t.found {
		if first || f.used < t.found[oldest].used || f.used == t.found[oldest].used && p < oldest {
			oldest, first = p, false
		}
	}
	delete(t.found, oldest)
}

// findAll appends to out where pat starts in [lo, hi), in order (each
// occurrence lies in [lo, hi)); it stops, reporting false, once out holds
// more than findCarryMax.
func (t *Text) findAll(lo, hi int, pat string, out []int) ([]int, bool) {
	p := []byte(pat)
	for i := lo; i+len(p) <= hi; {
		j := t.Index(i, hi, p)
		if j < 0 {
			break
		}
		if len(out) == findCarryMax {
			return out, false
		}
		out = append(out, j)
		i = j + 1
	}
	return out, true
}

// carryFound gives nt, which is t with t.src[start:end] replaced by repl,
// the answers of Find that t has and that were asked for recently.
func (t *Text) carryFound(nt *Text, start, end int, repl []byte) {
	t.findMu.Lock()
	defer t.findMu.Unlock()
	if len(t.found) == 0 {
		return
	}
	delta := len(repl) - (end - start)
	newEnd := start + len(repl)
	pats := make([]string, 0, len(t.found))
	for pat, f := range t.found {
		if nt.gen-f.used <= findKeep {
			pats = append(pats, pat)
		}
	}
	// The answers asked for last first, until the budget is spent.
	slices.SortFunc(pats, func(a, b string) int {
		return cmp.Or(cmp.Compare(t.found[b].used, t.found[a].used), strings.Compare(a, b))
	})
	budget := findCarryTotal
	for _, pat := range pats {
		f := t.found[pat]
		if nt.found == nil {
			nt.found = make(map[string]*found, len(t.found))
		}
		if f.many {
			// Still too many, or few enough to list when asked again:
			// either way the caller searches for itself, which is right.
			nt.found[pat] = &found{many: true, used: f.used}
			continue
		}
		if budget -= len(f.at); budget < 0 {
			break
		}
		n := len(pat)
		// Before the edit: the occurrences that end at or before start.
		i := sort.SearchInts(f.at, start-n+1)
		j := sort.SearchInts(f.at, end)
		at := make([]int, i, len(f.at)+4)
		copy(at, f.at[:i])
		// Around it: the ones that start before the new end, searched in
		// the new text.
		at, ok := nt.findAll(max(start-n+1, 0), min(newEnd+n-1, nt.n), pat, at)
		// After it: the ones that started at or after the old end, moved.
		for _, p := range f.at[j:] {
			at = append(at, p+delta)
		}
		if !ok || len(at) > findCarryMax {
			nt.found[pat] = &found{many: true, used: f.used}
			continue
		}
		nt.found[pat] = &found{at: at, used: f.used}
	}
}
