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
	r := redact.Locate(string(src))
	kl := r.KeepLines()
	parts := make([]string, len(spans))
	for i, sp := range spans {
		a, b := max(0, min(sp.Start, len(src))), max(0, min(sp.End, len(src)))
		if a > b {
			a, b = b, a
		}
		parts[i] = kl[r.Offset(a, false):r.Offset(b, true)]
	}
	return parts
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
