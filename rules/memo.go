package rules

import "sort"

// A client of the index (the language server) derives data from each match
// it shows — the rendered fix, the policy's features and score — and most of
// it stays valid while the text it was derived from does not change. The
// index keeps such data with the match, with the span it depends on, and
// forgets it when an edit touches that span (or drops the match), so that a
// request over a whole file costs what its answer costs, not a fix and a
// tree walk per candidate.

// memoSlot is a match's client data. Copies of a Match share it.
type memoSlot struct {
	deps Span // relative to the match's Root.Start
	v    any  // nil: nothing stored, or invalidated
}

// Memo returns what SetMemo stored for m, or nil when nothing was stored or
// an edit has touched what it depends on since. m must come from this
// index's current matches.
func (ix *Index) Memo(m *Match) any {
	ix.catchUp()
	if m.memo == nil {
		return nil
	}
	return m.memo.v
}

// SetMemo stores v with m until an edit touches deps, the span of the
// current text that v was derived from. m must come from this index's
// current matches.
func (ix *Index) SetMemo(m *Match, deps Span, v any) {
	ix.catchUp()
	if m.memo == nil {
		return
	}
	deps.Start, deps.End = min(deps.Start, m.Root.Start), max(deps.End, m.Root.End)
	m.memo.deps = Span{deps.Start - m.Root.Start, deps.End - m.Root.Start}
	m.memo.v = v
	// The chunk's bounds must cover the memo's span, so that an edit there
	// visits the chunk.
	l := &ix.list
	i := sort.Search(len(l.chunks), func(i int) bool {
		first := l.chunks[i].first()
		return less(m, &first)
	}) - 1
	if i >= 0 {
		c := l.chunks[i]
		c.lo, c.hi = min(c.lo, deps.Start), max(c.hi, deps.End)
	}
}

// FixIsLocal reports whether the rule's fix reads only the lines its match's
// root spans: it adds or drops no import and inserts nothing at the top
// level or at the end of the file.
func (r *Rule) FixIsLocal() bool {
	if len(r.Imports) > 0 || len(r.Drop) > 0 {
		return false
	}
	for _, e := range r.edits {
		if e.at == "@toplevel" || e.at == "@file_end" {
			return false
		}
	}
	return true
}

// FixReadsIndent reports whether the rule's fix reads the indentation of
// the lines its match is on ({{.indent}}, {{.indent_x}}), which Fix finds by
// scanning back to the line's start.
func (r *Rule) FixReadsIndent() bool { return r.usesIndent }

// memoDeps returns the absolute span m's memo depends on, and whether it
// holds anything.
func memoDeps(m *Match) (Span, bool) {
	if m.memo == nil || m.memo.v == nil {
		return Span{}, false
	}
	return Span{m.Root.Start + m.memo.deps.Start, m.Root.Start + m.memo.deps.End}, true
}
