package capture

import (
	"sort"
	"strings"

	"github.com/syntx/syntx/internal/redact"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// Code is redacted in the context of its document, never on its own: a
// secret passed by position (req.SetBasicAuth(user, "…"), jwt.sign(p, "…"))
// is recognised by the call around it, which a suggestion's region or a
// developer's edited version usually leaves out. So the texts capture keeps
// (a suggestion's original and suggested code, the developer's version) are
// cut out of the whole document with its secrets already replaced.

// RedactedSpans returns the texts of spans of src, in order and joined by
// sep, cut from src with every secret redact.Locate finds in the whole of
// src replaced by its placeholder. A span that cuts a secret keeps the part
// of the placeholder it covers; the secret itself never survives.
func RedactedSpans(src []byte, spans []rules.Span, sep string) string {
	return strings.Join(RedactedEach(src, spans), sep)
}

// RedactedEach returns the text of each span of src, cut as RedactedSpans
// cuts them, from one redaction of src: the originals of many suggestions
// in one document cost one pass of redact.Locate, not one each.
func RedactedEach(src []byte, spans []rules.Span) []string {
	if len(spans) == 0 {
		return nil
	}
	return NewRedacted(src).Each(spans)
}

// Redacted is a document with its secrets located, to cut several texts
// from: the originals of a request's suggestions and, around each region,
// what its fix leaves there. It keeps the document's Text (not a copy)
// and the secrets' spans, never a redacted copy of the whole: a cut is
// redacted from the part of the document it covers.
type Redacted struct {
	src   *syntax.Text
	spans []redact.Span // sorted, disjoint, in src
}

// NewRedacted locates the secrets of the whole of src.
func NewRedacted(src []byte) *Redacted {
	return NewRedactedText(syntax.NewText(src))
}

// NewRedactedText locates the secrets of the whole of a document's text.
func NewRedactedText(src *syntax.Text) *Redacted {
	return &Redacted{src: src, spans: redact.Locate(string(src.Bytes())).Spans()}
}

// Len returns the document's length in bytes.
func (d *Redacted) Len() int { return d.src.Len() }

// Slice returns the document's bytes in [a, b), unredacted. They must not
// be modified.
func (d *Redacted) Slice(a, b int) []byte { return d.src.Slice(a, b) }

// Each returns the text of each span, as RedactedEach does.
func (d *Redacted) Each(spans []rules.Span) []string {
	parts := make([]string, len(spans))
	for i, sp := range spans {
		a, b := max(0, min(sp.Start, d.src.Len())), max(0, min(sp.End, d.src.Len()))
		if a > b {
			a, b = b, a
		}
		parts[i] = d.cut(a, b)
	}
	return parts
}

// cut returns src[a:b] as it reads in the whole document redacted with its
// line breaks kept (redact.Redaction.KeepLines, cut at Offset(a, false) and
// Offset(b, true)), from the part of the document [a, b) and the secrets
// it cuts cover.
func (d *Redacted) cut(a, b int) string {
	lo, hi := a, b
	i := sort.Search(len(d.spans), func(i int) bool { return d.spans[i].End > a })
	if i < len(d.spans) && d.spans[i].Start < a {
		lo = d.spans[i].Start
	}
	j := sort.Search(len(d.spans), func(j int) bool { return d.spans[j].End > b })
	if j < len(d.spans) && d.spans[j].Start < b {
		hi = d.spans[j].End
	}
	var local []redact.Span
	for _, sp := range d.spans[i:] {
		if sp.Start >= hi {
			break
		}
		local = append(local, redact.Span{Start: sp.Start - lo, End: sp.End - lo, Kind: sp.Kind})
	}
	r := redact.Spanned(d.src.String(lo, hi), local)
	return r.KeepLines()[r.Offset(a-lo, false):r.Offset(b-lo, true)]
}

// Update returns the redaction of src, a later version of d's document:
// the secrets NewRedacted(src) finds, located again only around what
// changed. The change is what lies between the longest common prefix and
// suffix of the two versions; the secrets more than nearContext bytes
// from it (more than any of redact's patterns reads around a secret) are
// d's, shifted, and the ones near it come from redacting a window of
// nearContext more on each side, widened over d's secrets across its
// edges. Should that window find a secret across the edge of the part it
// answers for, which the bound says cannot happen, the whole document is
// redacted again instead (TestUpdateIsWholeRedaction compares the two).
//
// A keystroke's code actions record their offer with the document as it
// then reads; redacting all of a 200 KB file for each cost milliseconds
// of the recorder's time and three copies of the file.
func (d *Redacted) Update(src *syntax.Text) *Redacted {
	if d == nil {
		return NewRedactedText(src)
	}
	old := d.src
	p, oe, ne := rules.DiffWindow(old, src) // old [p, oe) became src [p, ne)
	if oe == p && ne == p {
		return &Redacted{src: src, spans: d.spans}
	}
	if ne-p > src.Len()/2 || oe-p > old.Len()/2 {
		return NewRedactedText(src) // most of it changed
	}
	delta := ne - oe
	lo, hi := max(0, p-nearContext), min(old.Len(), oe+nearContext) // in old; answered for again
	for _, sp := range d.spans {
		if sp.Start < lo && sp.End > lo {
			lo = sp.Start
		}
		if sp.Start < hi && sp.End > hi {
			hi = sp.End
		}
	}
	nhi := hi + delta // hi in src
	wlo, whi := max(0, lo-nearContext), min(src.Len(), nhi+nearContext)
	found := redact.Locate(src.String(wlo, whi)).Spans()
	out := make([]redact.Span, 0, len(d.spans)+len(found))
	for _, sp := range d.spans {
		if sp.End > lo {
			break
		}
		out = append(out, sp)
	}
	for _, f := range found {
		f.Start += wlo
		f.End += wlo
		if f.End <= lo || f.Start >= nhi {
			continue // context: d's secrets answer for it
		}
		if f.Start < lo || f.End > nhi {
			return NewRedactedText(src)
		}
		out = append(out, f)
	}
	for _, sp := range d.spans {
		if sp.Start >= hi {
			out = append(out, redact.Span{Start: sp.Start + delta, End: sp.End + delta, Kind: sp.Kind})
		}
	}
	return &Redacted{src: src, spans: out}
}

// nearContext is how much of the text on each side of a replaced region
// Replacement reads: more than any of redact's patterns reads around a
// secret (the longest, a private key's lines, 8 KB; a call's arguments,
// 2 KB), so what it returns is what redacting the whole document after
// the fix returns for the region (TestReplacementIsWholeRedaction).
const nearContext = 16 << 10

// Replacement returns repl as the document reads, redacted, with
// src[at] replaced by it: RedactedSpans(after, [the region in after], "")
// without redacting all of after (each suggestion of a whole-file request
// on a 300 KB file did, which was most of the work such a request left
// behind). It redacts a window of nearContext bytes around the region,
// widened over every secret the redaction of the whole of src found
// across the window's edges, so that no secret is cut.
func (d *Redacted) Replacement(at rules.Span, repl string) string {
	src := d.src
	a, b := max(0, min(at.Start, src.Len())), max(0, min(at.End, src.Len()))
	if a > b {
		a, b = b, a
	}
	lo, hi := max(0, a-nearContext), min(src.Len(), b+nearContext) // in src; the window keeps src[lo:a] and src[b:hi]
	for _, sp := range d.spans {
		if sp.Start < lo && sp.End > lo {
			lo = sp.Start
		}
		if sp.Start < hi && sp.End > hi {
			hi = sp.End
		}
	}
	lo, hi = min(lo, a), max(hi, b)
	win := make([]byte, 0, (a-lo)+len(repl)+(hi-b))
	win = append(append(append(win, src.Slice(lo, a)...), repl...), src.Slice(b, hi)...)
	return RedactedSpans(win, []rules.Span{{Start: a - lo, End: a - lo + len(repl)}}, "")
}

// ApplyEdits returns src with edits applied (they must not overlap) and a
// function that maps an offset of src outside the edits to the result.
func ApplyEdits(src []byte, edits []rules.TextEdit) ([]byte, func(int) int) {
	es := append([]rules.TextEdit(nil), edits...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].Span.Start < es[j].Span.Start })
	var b strings.Builder
	last := 0
	type shift struct{ end, delta int }
	var shifts []shift
	delta := 0
	for _, e := range es {
		if e.Span.Start < last || e.Span.End > len(src) {
			continue // overlapping or out of range: left out
		}
		b.Write(src[last:e.Span.Start])
		b.WriteString(e.NewText)
		last = e.Span.End
		delta += len(e.NewText) - (e.Span.End - e.Span.Start)
		shifts = append(shifts, shift{e.Span.End, delta})
	}
	b.Write(src[last:])
	mapOff := func(off int) int {
		d := 0
		for _, s := range shifts {
			if s.end > off {
				break
			}
			d = s.delta
		}
		return off + d
	}
	return []byte(b.String()), mapOff
}
