package capture

import (
	"sort"
	"strings"

	"github.com/syntx/syntx/internal/redact"
	"github.com/syntx/syntx/rules"
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

// Redacted is a document with its secrets located once, to cut several
// texts from: the originals of a request's suggestions and, around each
// region, what its fix leaves there.
type Redacted struct {
	src []byte
	r   redact.Redaction
	kl  string // r.KeepLines(), made on first use
}

// NewRedacted locates the secrets of the whole of src.
func NewRedacted(src []byte) *Redacted {
	return &Redacted{src: src, r: redact.Locate(string(src))}
}

// Bytes returns the document, unredacted.
func (d *Redacted) Bytes() []byte { return d.src }

// Each returns the text of each span, as RedactedEach does.
func (d *Redacted) Each(spans []rules.Span) []string {
	if d.kl == "" && len(d.src) > 0 {
		d.kl = d.r.KeepLines()
	}
	parts := make([]string, len(spans))
	for i, sp := range spans {
		a, b := max(0, min(sp.Start, len(d.src))), max(0, min(sp.End, len(d.src)))
		if a > b {
			a, b = b, a
		}
		parts[i] = d.kl[d.r.Offset(a, false):d.r.Offset(b, true)]
	}
	return parts
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
	a, b := max(0, min(at.Start, len(src))), max(0, min(at.End, len(src)))
	if a > b {
		a, b = b, a
	}
	lo, hi := max(0, a-nearContext), min(len(src), b+nearContext) // in src; the window keeps src[lo:a] and src[b:hi]
	for _, sp := range d.r.Spans() {
		if sp.Start < lo && sp.End > lo {
			lo = sp.Start
		}
		if sp.Start < hi && sp.End > hi {
			hi = sp.End
		}
	}
	lo, hi = min(lo, a), max(hi, b)
	win := make([]byte, 0, (a-lo)+len(repl)+(hi-b))
	win = append(append(append(win, src[lo:a]...), repl...), src[b:hi]...)
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
