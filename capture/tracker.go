package capture

import (
	"bytes"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// Outcome is a decision the Tracker reached about a suggestion.
type Outcome struct {
	SuggestionID string
	SetID        string
	// Outcome is Kept, Undone, Edited or Ignored; "" when the tracker
	// stopped following a suggestion without a decision (Unsaved).
	Outcome   store.Outcome
	FinalText string // the developer's version, for edited
	At        time.Time
	// SetSize and Deliberate describe the menu an ignored suggestion was
	// shown in: how many suggestions shared its evidence, and whether it
	// was asked for a selection or for SyntX's kinds only (Evidence.For).
	SetSize    int
	Deliberate bool
	// Shown: the suggestion was a diagnostic the developer saw and did
	// nothing with (Tracker.Shown), not a menu.
	Shown bool
	// Unsaved: the document was closed, or the editor quit, while the
	// applied fix had never been saved; nothing is recorded for it.
	Unsaved bool
}

// Applied describes an accepted suggestion as the editor applied it: the
// region of the document that the fix rewrote, what it was and what it
// became.
type Applied struct {
	SuggestionID string
	SetID        string
	DocKey       string
	Grammar      syntax.Grammar
	Start        int    // byte offset of the region in the document at acceptance
	Original     string // the region's text before the fix
	Suggested    string // the region's text after the fix
	// Parts, when set, are the places a suggestion that rewrites several
	// of them (a migration of a whole file) changed, in document order.
	// Each is followed on its own, and the suggestion's outcome combines
	// theirs: undone when every part is back to its original, edited when
	// one is changed otherwise or only some are undone (the final text is
	// the parts' text, one a line), kept when all survive. Edits between
	// the parts do not count. Start, Original and Suggested are then unused.
	Parts []Part
	// Imports are the places where the fix added or removed an import
	// (python.eval-literal adds `import ast` at the top of the file), with
	// their start in the text after the fix. They are followed, never
	// judged: a developer may reorganise imports without touching the
	// suggestion. Following them lets a change that spans the import and
	// the rewrite (an editor's undo sent as one change from the first to
	// the last) be mapped onto each place instead of onto the whole span.
	// Only Start and Suggested are used.
	Imports []Part
}

// Part is one place of a suggestion with several.
type Part struct {
	Start     int
	Original  string
	Suggested string
}

// group ties the parts of one suggestion together.
type group struct {
	parts []*tracked
	// before is the original text of the span from the first part's start
	// to the last part's end: the parts' originals and the text between
	// them. An undo that arrives as one change over the whole span (the
	// smallest single change, or the whole document) grows every part
	// over its neighbours, so no part alone reads as undone; the span
	// does.
	before string
}

// Tracker follows accepted suggestions and invoked menus. It is safe for
// concurrent use.
type Tracker struct {
	mu          sync.Mutex
	checkpoints []time.Duration
	ignoreAfter time.Duration
	tracked     map[string][]*tracked // by document
	menus       []*menu
	// menuSeen holds the sets already followed as menus (pending or
	// judged), so that opening the same menu again at the same place is
	// not more evidence; cleared when it grows past maxMenuSeen.
	menuSeen map[string]bool
}

// maxMenuSeen bounds Tracker.menuSeen.
const maxMenuSeen = 4096

type tracked struct {
	Applied
	start, end int // the region in the current text
	// prefix and suffix are the text the region grew into on either side
	// (edits that overlapped its edges); the expected texts include them.
	prefix, suffix string
	acceptedAt     time.Time
	next           int // index of the next checkpoint
	dirty          bool
	// saved: the document was saved after the fix was applied, so the fix
	// reached the disk (a close or an exit then keeps it).
	saved bool
	// touched: a change ended at the region's start or began at its end
	// without overlapping it; Settle then checks whether the text around
	// the region reads the original again (the undo of a fix that only
	// removed text is an insertion at its edge).
	touched bool
	// group is set on the parts of a suggestion with several; restored
	// marks a part whose text is back to its original.
	group    *group
	restored bool
	// anchor marks an import the fix changed (Applied.Imports): followed
	// through the edits so that a change spanning it can be mapped, never
	// judged, dropped once its suggestion is decided.
	anchor bool
	// spanned: a change covering this region and another grew the region
	// over the code between them (the code between changed too, so the
	// change could not be mapped onto each); the developer's version is
	// then the region's first and last lines, never the code between.
	spanned bool
}

type menu struct {
	setID      string
	ids        []string
	docKey     string
	at         time.Time
	decided    bool
	deliberate bool
	shown      bool // a diagnostic seen, not a menu (Tracker.Shown)
}

// NewTracker tracks with the given survival checkpoints (increasing; the
// last ends tracking) and the window after which an invoked menu with no
// choice counts as ignored.
func NewTracker(checkpoints []time.Duration, ignoreAfter time.Duration) *Tracker {
	return &Tracker{checkpoints: checkpoints, ignoreAfter: ignoreAfter, tracked: map[string][]*tracked{}, menuSeen: map[string]bool{}}
}

// SetWindows changes the checkpoints and ignore window for what is tracked
// from now on.
func (t *Tracker) SetWindows(checkpoints []time.Duration, ignoreAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.checkpoints, t.ignoreAfter = checkpoints, ignoreAfter
}

// Menu records an invoked menu: if none of ids is accepted or dismissed
// within the ignore window (or before its document closes or the editor
// quits), each is ignored, sharing the menu's evidence (Evidence.For).
// deliberate says that the menu was asked for a selection or for SyntX's
// kinds only. A set followed before (the same menu opened again at the same
// place, which keeps its ids) is not followed again: one menu is one piece
// of evidence however often it is opened.
func (t *Tracker) Menu(setID, docKey string, ids []string, deliberate bool, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.menuSeen[setID] {
		return
	}
	if len(t.menuSeen) >= maxMenuSeen {
		clear(t.menuSeen)
	}
	t.menuSeen[setID] = true
	t.menus = append(t.menus, &menu{setID: setID, ids: ids, docKey: docKey, at: now, deliberate: deliberate})
}

// Shown records a diagnostic the developer saw (suggestion id of set
// setID, shown unasked): if it is not accepted or dismissed within the
// ignore window (or before its document closes or the editor quits), it is
// ignored with the weak evidence of capture.evidence.shown. It is followed
// apart from any menu of the same set, once.
func (t *Tracker) Shown(setID, docKey, id string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := "shown\x00" + setID + "\x00" + id
	if t.menuSeen[key] {
		return
	}
	if len(t.menuSeen) >= maxMenuSeen {
		clear(t.menuSeen)
	}
	t.menuSeen[key] = true
	t.menus = append(t.menus, &menu{setID: setID, ids: []string{id}, docKey: docKey, at: now, shown: true})
}

// ignored returns the ignored outcomes of an unanswered menu.
func (m *menu) ignored(now time.Time) []Outcome {
	out := make([]Outcome, 0, len(m.ids))
	for _, id := range m.ids {
		out = append(out, Outcome{SuggestionID: id, SetID: m.setID, Outcome: store.Ignored, At: now,
			SetSize: len(m.ids), Deliberate: m.deliberate, Shown: m.shown})
	}
	return out
}

// Chosen marks the menu holding suggestion id (or the set setID) as
// answered: it will not be recorded as ignored.
func (t *Tracker) Chosen(setID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.menus {
		if m.setID == setID {
			m.decided = true
		}
	}
}

// Accept starts tracking an applied suggestion. text is the document now,
// after the editor applied the fix. If the fix is not where it was offered
// (the document moved on), it is looked for nearby; Accept returns false if
// it cannot be found, and the suggestion is then not tracked.
func (t *Tracker) Accept(a Applied, text []byte, now time.Time) bool {
	var add []*tracked
	if len(a.Parts) > 0 {
		g := &group{}
		from := 0
		for _, p := range a.Parts {
			start, ok := locate(text, p.Suggested, max(p.Start, from))
			if !ok || start < from {
				return false
			}
			part := a
			part.Start, part.Original, part.Suggested, part.Parts = p.Start, p.Original, p.Suggested, nil
			tr := &tracked{Applied: part, start: start, end: start + len(p.Suggested), acceptedAt: now, group: g}
			if len(g.parts) > 0 {
				g.before += string(text[from:start])
			}
			g.before += p.Original
			g.parts = append(g.parts, tr)
			from = tr.end
		}
		add = g.parts
	} else {
		start, ok := locate(text, a.Suggested, a.Start)
		if !ok {
			return false
		}
		add = []*tracked{{Applied: a, start: start, end: start + len(a.Suggested), acceptedAt: now}}
	}
	for _, p := range a.Imports {
		// An import that cannot be found (the editor placed it
		// elsewhere) is not followed; the fix still is.
		if start, ok := locate(text, p.Suggested, p.Start); ok {
			imp := a
			imp.Start, imp.Original, imp.Suggested, imp.Parts, imp.Imports = p.Start, p.Original, p.Suggested, nil, nil
			add = append(add, &tracked{Applied: imp, start: start, end: start + len(p.Suggested), acceptedAt: now, anchor: true})
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.menus {
		if m.setID == a.SetID {
			m.decided = true
		}
	}
	t.tracked[a.DocKey] = append(t.tracked[a.DocKey], add...)
	return true
}

// locate finds want in text at or near at.
func locate(text []byte, want string, at int) (int, bool) {
	if at >= 0 && at+len(want) <= len(text) && string(text[at:at+len(want)]) == want {
		return at, true
	}
	if want == "" {
		return 0, false
	}
	const window = 4096
	lo, hi := max(0, at-window), min(len(text), at+len(want)+window)
	best, found := -1, false
	for i := lo; i+len(want) <= hi; i++ {
		if string(text[i:i+len(want)]) == want {
			if !found || abs(i-at) < abs(best-at) {
				best, found = i, true
			}
		}
	}
	return best, found
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Tracking reports how many suggestions are tracked in a document.
func (t *Tracker) Tracking(docKey string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, tr := range t.tracked[docKey] {
		if !tr.anchor {
			n++
		}
	}
	return n
}

// Edit follows one change of a document: old is the text before it, the
// change replaced old[start:end] with repl. Editors express the same change
// in different shapes (a whole line, a whole document), so the change is
// first reduced to the bytes that really differ.
func (t *Tracker) Edit(docKey string, old *syntax.Text, start, end int, repl []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.tracked[docKey]
	if len(list) == 0 {
		return
	}
	src := old
	// Trim the common prefix and suffix of the replaced text and repl.
	for start < end && len(repl) > 0 && src.At(start) == repl[0] {
		start++
		repl = repl[1:]
	}
	for end > start && len(repl) > 0 && src.At(end-1) == repl[len(repl)-1] {
		end--
		repl = repl[:len(repl)-1]
	}
	if start == end && len(repl) == 0 {
		return
	}
	delta := len(repl) - (end - start)
	mapped, several := mapSpanning(list, src, start, end, repl)
	for _, tr := range list {
		if mapped[tr] {
			continue
		}
		if several && start < tr.end && end > tr.start {
			tr.spanned = true
		}
		switch {
		case end < tr.start:
			tr.start += delta
			tr.end += delta
		case start > tr.end:
		case tr.start < tr.end && end == tr.start && !attachedBefore(src, start, end, repl, tr.start):
			// Before the region, apart from it: shift.
			tr.touched = true
			tr.start += delta
			tr.end += delta
		case tr.start < tr.end && start == tr.end && !attachedAfter(src, start, end, repl, tr.end):
			// After the region, apart from it: nothing to do.
			tr.touched = true
		default:
			// The change overlaps the region, or touches its edge with
			// nothing between them (unknown → unknown[], Xunknown,
			// f(...)): grow the region to cover the change.
			if start < tr.start {
				tr.prefix = string(src.Slice(start, tr.start)) + tr.prefix
				tr.start = start
			}
			if end > tr.end {
				tr.suffix += string(src.Slice(tr.end, end))
				tr.end = end
			}
			tr.end += delta
			tr.dirty = true
		}
	}
}

// mapSpanning maps a change that covers more than one region's text (an
// undo sent as one change from an import at the top to the call it goes
// with, a whole document, a range of whole lines) onto each region it
// covers, instead of growing the regions over the text between them. The
// text between the covered regions (and around them, inside the change) is
// taken to be unchanged: it must begin and end the new text, and each gap
// between two regions is looked for, in order, in what remains; what lies
// between the gaps is a region's new text; a long gap that changed in its
// middle is found by its ends (gapContext bytes each). The regions it
// moved are returned (marked dirty, so Settle judges each against its own
// original); nil when the change is not of that shape, or the code right
// next to the regions changed too, and the regions then grow as usual. several reports
// that the change covered more than one region.
func mapSpanning(list []*tracked, src *syntax.Text, start, end int, repl []byte) (mapped map[*tracked]bool, several bool) {
	var cov []*tracked
	for _, tr := range list {
		if (start < tr.end && end > tr.start) || (start == end && start > tr.start && start < tr.end) {
			cov = append(cov, tr)
		}
	}
	if len(cov) == 0 || (len(cov) == 1 && start >= cov[0].start && end <= cov[0].end) {
		return nil, false
	}
	several = len(cov) > 1
	sort.Slice(cov, func(i, j int) bool { return cov[i].start < cov[j].start })
	for i := 1; i < len(cov); i++ {
		if cov[i].start < cov[i-1].end {
			return nil, several // overlapping regions (two suggestions): no single mapping
		}
	}
	last := cov[len(cov)-1]
	lo, hi := min(start, cov[0].start), max(end, last.end)
	// The span [lo, hi) after the change.
	after := make([]byte, 0, (start-lo)+len(repl)+(hi-end))
	after = append(append(append(after, src.Slice(lo, start)...), repl...), src.Slice(end, hi)...)
	head, tail := src.Slice(lo, cov[0].start), src.Slice(last.end, hi)
	if len(head)+len(tail) > len(after) || !bytes.HasPrefix(after, head) || !bytes.HasSuffix(after, tail) {
		return nil, several
	}
	type span struct{ s, e int }
	spans := make([]span, len(cov))
	p, limit := len(head), len(after)-len(tail)
	for i, tr := range cov {
		if i == len(cov)-1 {
			if p > limit {
				return nil, several
			}
			spans[i] = span{p, limit}
			break
		}
		gap := src.Slice(tr.end, cov[i+1].start)
		if j := bytes.Index(after[p:limit], gap); j >= 0 {
			spans[i] = span{p, p + j}
			p += j + len(gap)
			continue
		}
		// The code between changed too (a comment retyped while the
		// import and the call were undone): a long gap is found by its
		// two ends, the code just after one place and just before the
		// next, which the change left as they were.
		if len(gap) < 2*gapContext {
			return nil, several
		}
		l, r := gap[:gapContext], gap[len(gap)-gapContext:]
		a := bytes.Index(after[p:limit], l)
		if a < 0 {
			return nil, several
		}
		from := p + a + len(l)
		var b int
		if i+1 == len(cov)-1 {
			b = bytes.LastIndex(after[from:limit], r)
		} else {
			b = bytes.Index(after[from:limit], r)
		}
		if b < 0 {
			return nil, several
		}
		spans[i] = span{p, p + a}
		p = from + b + len(r)
	}
	out := make(map[*tracked]bool, len(cov))
	for i, tr := range cov {
		tr.start, tr.end = lo+spans[i].s, lo+spans[i].e
		tr.dirty = true
		out[tr] = true
	}
	return out, several
}

// gapContext is how much of the code on either side of a gap between two
// places of a fix must be left as it was for a change over both to be
// mapped when the code between them changed too.
const gapContext = 32

// separator reports whether b keeps two tokens apart whatever stands on
// either side: white space, a comma, a semicolon.
func separator(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', '\f', '\v', ',', ';':
		return true
	}
	return false
}

// attachedBefore reports whether a change of src[start:end] into repl,
// which ends where a region begins (end == at), is part of the fix rather
// than of the code before it: nothing separates the two afterwards. The
// change is apart from the region when the region starts with a separator,
// or when the text it removed ends with one (or it removed nothing) and the
// text now before the region (what it inserted, else what precedes it)
// ends with one too.
func attachedBefore(src *syntax.Text, start, end int, repl []byte, at int) bool {
	if at < src.Len() && separator(src.At(at)) {
		return false
	}
	if end > start && !separator(src.At(end-1)) {
		return true
	}
	switch {
	case len(repl) > 0:
		return !separator(repl[len(repl)-1])
	case start > 0:
		return !separator(src.At(start - 1))
	}
	return false
}

// attachedAfter is attachedBefore for a change that begins where a region
// ends (start == at).
func attachedAfter(src *syntax.Text, start, end int, repl []byte, at int) bool {
	if at > 0 && separator(src.At(at-1)) {
		return false
	}
	if end > start && !separator(src.At(start)) {
		return true
	}
	switch {
	case len(repl) > 0:
		return !separator(repl[0])
	case end < src.Len():
		return !separator(src.At(end))
	}
	return false
}

// Settle checks the tracked regions of a document after a change: a region
// back at its original text is undone. text is the document now; only the
// regions an edit reached, and around them, are read.
func (t *Tracker) Settle(docKey string, text *syntax.Text, now time.Time) []Outcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !slices.ContainsFunc(t.tracked[docKey], func(tr *tracked) bool { return tr.touched || tr.dirty }) {
		return nil // no edit reached a region
	}
	var out []Outcome
	keep := t.tracked[docKey][:0]
	var groups []*group
	for _, tr := range t.tracked[docKey] {
		if tr.anchor {
			tr.dirty, tr.touched = false, false
			keep = append(keep, tr)
			continue
		}
		if tr.touched && !tr.dirty {
			tr.touched = false
			if tr.restoredAround(text.Len(), text.Slice) {
				if tr.group != nil {
					tr.restored = true
					groups = append(groups, tr.group)
					keep = append(keep, tr)
					continue
				}
				out = append(out, Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Undone, At: now})
				continue
			}
		}
		if !tr.dirty {
			keep = append(keep, tr)
			continue
		}
		tr.dirty, tr.touched = false, false
		cur := string(text.Slice(tr.start, tr.end))
		switch cur {
		case tr.prefix + tr.Original:
			if tr.group != nil {
				tr.restored = true
				groups = append(groups, tr.group)
				break
			}
			out = append(out, Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Undone, At: now})
			continue
		case tr.prefix + tr.Suggested + tr.suffix:
			// Back to the suggestion: forget the growth.
			tr.start += len(tr.prefix)
			tr.end -= len(tr.suffix)
			tr.prefix, tr.suffix = "", ""
			tr.restored, tr.spanned = false, false
		}
		keep = append(keep, tr)
	}
	// A suggestion with several parts is undone when all of them are
	// (decided once, however many of its parts one change restored).
	done := map[*group]bool{}
	for _, g := range groups {
		if done[g] {
			continue
		}
		done[g] = true
		all := true
		for _, p := range g.parts {
			all = all && p.restored
		}
		if !all {
			continue
		}
		out = append(out, Outcome{SuggestionID: g.parts[0].SuggestionID, SetID: g.parts[0].SetID, Outcome: store.Undone, At: now})
		kept := keep[:0]
		for _, tr := range keep {
			if tr.group != g {
				kept = append(kept, tr)
			}
		}
		keep = kept
	}
	t.setList(docKey, keep)
	return out
}

func (t *Tracker) setList(docKey string, list []*tracked) {
	// An import is followed only while its suggestion is.
	live := map[string]bool{}
	for _, tr := range list {
		if !tr.anchor {
			live[tr.SuggestionID] = true
		}
	}
	keep := list[:0]
	for _, tr := range list {
		if !tr.anchor || live[tr.SuggestionID] {
			keep = append(keep, tr)
		}
	}
	list = keep
	if len(list) == 0 {
		delete(t.tracked, docKey)
		return
	}
	t.tracked[docKey] = list
}

// restoredAround reports whether the region, not grown by any edit, sits
// inside a copy of the original text that the edits around it restored:
// the fix removed text (x.keys() → x, list(x) → x) and the editor's undo
// inserted it back at the region's edges.
//
// The text is n bytes long, and slice returns its bytes in [a, b): a
// document's Text in pieces, or one slice.
func (tr *tracked) restoredAround(n int, slice func(a, b int) []byte) bool {
	if tr.prefix != "" || tr.suffix != "" || tr.end > n || tr.start < 0 {
		return false
	}
	cur := string(slice(tr.start, tr.end))
	if len(tr.Original) <= len(cur) {
		return false
	}
	for off := 0; off+len(cur) <= len(tr.Original); off++ {
		if tr.Original[off:off+len(cur)] != cur {
			continue
		}
		lo, hi := tr.start-off, tr.start-off+len(tr.Original)
		if lo >= 0 && hi <= n && string(slice(lo, hi)) == tr.Original {
			return true
		}
	}
	return false
}

// judge decides a suggestion's outcome when a checkpoint passes or the
// document is saved or closed; for a part, its group's.
func (tr *tracked) judge(text []byte, now time.Time, final bool) (Outcome, bool) {
	if tr.group != nil {
		return tr.group.judge(text, now, final)
	}
	return tr.judgeRegion(text, now, final)
}

// judge combines the parts' outcomes: undone when every part is, edited
// when one is edited or only some are undone, kept when all are kept (and
// final).
func (g *group) judge(text []byte, now time.Time, final bool) (Outcome, bool) {
	first := g.parts[0]
	if g.restored(text) {
		return Outcome{SuggestionID: first.SuggestionID, SetID: first.SetID, Outcome: store.Undone, At: now}, true
	}
	undone, edited := 0, 0
	var lines []rules.Span
	for _, p := range g.parts {
		if p.end > len(text) {
			return Outcome{}, false
		}
		cur := string(text[p.start:p.end])
		lines = append(lines, p.versionSpans(text, true)...)
		if o, ok := p.judgeRegion(text, now, true); ok {
			switch o.Outcome {
			case store.Undone:
				undone++
			case store.Edited:
				edited++
			}
		} else if cur != p.prefix+p.Suggested+p.suffix {
			edited++
		}
	}
	base := Outcome{SuggestionID: first.SuggestionID, SetID: first.SetID, At: now}
	switch {
	case undone == len(g.parts):
		base.Outcome = store.Undone
	case edited > 0 || undone > 0:
		base.Outcome, base.FinalText = store.Edited, RedactedSpans(text, mergeSpans(lines), "\n")
	case final:
		base.Outcome = store.Kept
	default:
		return Outcome{}, false
	}
	return base, true
}

// restored reports whether the span the parts cover now, from the first
// start to the last end, reads as the original span (token by token) after
// a change that grew the parts over one another.
func (g *group) restored(text []byte) bool {
	lo, hi, grown := len(text), 0, false
	for _, p := range g.parts {
		if p.start < 0 || p.end > len(text) || p.start > p.end {
			return false
		}
		lo, hi = min(lo, p.start), max(hi, p.end)
		grown = grown || p.prefix != "" || p.suffix != ""
	}
	return grown && lo < hi && SameSyntax(g.parts[0].Grammar, string(text[lo:hi]), g.before)
}

// versionSpans returns the spans of the text that make a region's
// developer's version: the region itself (lines, for a part of a fix with
// several, when lines is set), or, when a change over it and another place
// grew it over the code between them (spanned), its first and last lines.
func (tr *tracked) versionSpans(text []byte, lines bool) []rules.Span {
	switch {
	case tr.spanned:
		first, last := lineAround(text, tr.start, tr.start), lineAround(text, tr.end, tr.end)
		if first == last || first.End >= last.Start {
			return []rules.Span{{Start: first.Start, End: max(first.End, last.End)}}
		}
		return []rules.Span{first, last}
	case lines:
		return []rules.Span{lineAround(text, tr.start, tr.end)}
	}
	return []rules.Span{{Start: tr.start, End: tr.end}}
}

// mergeSpans sorts spans and joins those that overlap, so that a line two
// parts share is in a developer's version once.
func mergeSpans(spans []rules.Span) []rules.Span {
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	var out []rules.Span
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, sp.End)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// lineAround returns the span of the whole lines holding [start, end).
func lineAround(text []byte, start, end int) rules.Span {
	s := bytes.LastIndexByte(text[:start], '\n') + 1
	e := end
	if i := bytes.IndexByte(text[end:], '\n'); i >= 0 {
		e += i
	} else {
		e = len(text)
	}
	return rules.Span{Start: s, End: e}
}

// judgeRegion decides one region's outcome: edited if its syntax differs
// from the suggestion's, else kept when final, else nothing yet.
func (tr *tracked) judgeRegion(text []byte, now time.Time, final bool) (Outcome, bool) {
	cur := string(text[tr.start:tr.end])
	expected := tr.prefix + tr.Suggested + tr.suffix
	switch {
	case cur == tr.prefix+tr.Original+tr.suffix || (tr.suffix == "" && cur == tr.prefix+tr.Original) || tr.restoredAround(len(text), func(a, b int) []byte { return text[a:b] }):
		return Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Undone, At: now}, true
	case !SameSyntax(tr.Grammar, cur, expected):
		if SameSyntax(tr.Grammar, cur, tr.prefix+tr.Original+tr.suffix) {
			return Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Undone, At: now}, true
		}
		// The developer's version, redacted in the context of the document.
		final := RedactedSpans(text, tr.versionSpans(text, false), "\n")
		return Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Edited, FinalText: final, At: now}, true
	case final:
		return Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Kept, At: now}, true
	}
	return Outcome{}, false
}

// Tick passes the checkpoints that are due and the ignore windows that have
// run out. withText runs fn with the current text of a document, holding
// whatever lock guards that text (fn is not called for a closed document).
//
// Lock order: callers hold a document's lock before calling Edit, Settle,
// Accept, Saved or Closed, which take the tracker's; Tick therefore takes
// the document's lock (through withText) before the tracker's, never the
// other way round.
func (t *Tracker) Tick(now time.Time, withText func(docKey string, fn func(text []byte))) []Outcome {
	t.mu.Lock()
	keys := make([]string, 0, len(t.tracked))
	for key := range t.tracked {
		keys = append(keys, key)
	}
	t.mu.Unlock()
	sort.Strings(keys)
	var out []Outcome
	for _, key := range keys {
		seen := false
		withText(key, func(text []byte) {
			seen = true
			t.mu.Lock()
			defer t.mu.Unlock()
			out = append(out, t.tickDoc(key, text, now)...)
		})
		if !seen {
			// The document went away without a close: stop following it.
			t.mu.Lock()
			delete(t.tracked, key)
			t.mu.Unlock()
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	menus := t.menus[:0]
	for _, m := range t.menus {
		switch {
		case m.decided:
		case now.Sub(m.at) >= t.ignoreAfter:
			out = append(out, m.ignored(now)...)
		default:
			menus = append(menus, m)
		}
	}
	t.menus = menus
	sort.SliceStable(out, func(i, j int) bool { return out[i].SuggestionID < out[j].SuggestionID })
	return out
}

// tickDoc passes the due checkpoints of one document; t.mu is held.
func (t *Tracker) tickDoc(key string, text []byte, now time.Time) []Outcome {
	var out []Outcome
	list := t.tracked[key]
	keep := list[:0]
	decidedGroups := map[*group]bool{}
	seenGroups := map[*group]bool{}
	for _, tr := range list {
		if tr.anchor {
			keep = append(keep, tr)
			continue
		}
		if tr.end > len(text) {
			continue // out of step with the text: cannot be judged
		}
		if tr.group != nil {
			// A group is judged once, on its first part's checkpoints.
			if seenGroups[tr.group] {
				if !decidedGroups[tr.group] {
					keep = append(keep, tr)
				}
				continue
			}
			seenGroups[tr.group] = true
		}
		decided := false
		for tr.next < len(t.checkpoints) && !now.Before(tr.acceptedAt.Add(t.checkpoints[tr.next])) {
			tr.next++
			if o, ok := tr.judge(text, now, tr.next == len(t.checkpoints)); ok {
				out = append(out, o)
				decided = true
				break
			}
		}
		if decided && tr.group != nil {
			decidedGroups[tr.group] = true
		}
		if !decided {
			keep = append(keep, tr)
		}
	}
	t.setList(key, keep)
	return out
}

// Saved notes that a document was saved (its applied fixes reached the
// disk) and decides those of its suggestions that passed their first
// checkpoint.
func (t *Tracker) Saved(docKey string, text []byte, now time.Time) []Outcome {
	t.mu.Lock()
	for _, tr := range t.tracked[docKey] {
		tr.saved = true
	}
	t.mu.Unlock()
	return t.finish(docKey, text, now, false)
}

// Closed decides every suggestion of a closed document from the text as it
// is (the document cannot be followed further): undone and edited as they
// read; kept when the fix was saved since it was applied. A fix never saved
// did not reach the disk (the editor discarded it, or keeps it only in its
// own backup): it yields an Unsaved outcome, which records nothing. The
// document's unanswered menus are ignored.
func (t *Tracker) Closed(docKey string, text []byte, now time.Time) []Outcome {
	out := t.finish(docKey, text, now, true)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.tracked, docKey)
	for _, m := range t.menus {
		if m.docKey == docKey && !m.decided {
			m.decided = true
			out = append(out, m.ignored(now)...)
		}
	}
	return out
}

// Documents lists the documents with suggestions still followed.
func (t *Tracker) Documents() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.tracked))
	for k := range t.tracked {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Exit ends the session: the editor quit (shutdown and exit, the end of its
// input, a signal) without closing its documents, as editors do. Call
// Closed for each document still open (Documents) first; Exit then drops
// what remains (documents that went away) and returns the unanswered menus
// as ignored.
func (t *Tracker) Exit(now time.Time) []Outcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Outcome
	for key := range t.tracked {
		delete(t.tracked, key)
	}
	for _, m := range t.menus {
		if !m.decided {
			m.decided = true
			out = append(out, m.ignored(now)...)
		}
	}
	t.menus = nil
	return out
}

// Following lists the suggestions followed (applied, or in an unanswered
// menu).
func (t *Tracker) Following() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, list := range t.tracked {
		for _, tr := range list {
			if !tr.anchor {
				out = append(out, tr.SuggestionID)
			}
		}
	}
	for _, m := range t.menus {
		if !m.decided {
			out = append(out, m.ids...)
		}
	}
	return out
}

// Forget stops following the suggestions and menus for which gone
// returns true (their records were deleted by syntx forget).
func (t *Tracker) Forget(gone func(suggestionID string) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for key, list := range t.tracked {
		keep := list[:0]
		for _, tr := range list {
			if !gone(tr.SuggestionID) {
				keep = append(keep, tr)
			}
		}
		t.setList(key, keep)
	}
	menus := t.menus[:0]
	for _, m := range t.menus {
		if len(m.ids) > 0 && !gone(m.ids[0]) {
			menus = append(menus, m)
		}
	}
	t.menus = menus
}

// finish decides a document's suggestions on save (those past their first
// checkpoint) or on close (all of them; see Closed).
func (t *Tracker) finish(docKey string, text []byte, now time.Time, closing bool) []Outcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Outcome
	keep := t.tracked[docKey][:0]
	decidedGroups := map[*group]bool{}
	for _, tr := range t.tracked[docKey] {
		if tr.group != nil && decidedGroups[tr.group] {
			continue
		}
		if tr.anchor {
			keep = append(keep, tr)
			continue
		}
		passed := len(t.checkpoints) > 0 && !now.Before(tr.acceptedAt.Add(t.checkpoints[0]))
		if (passed || closing) && tr.end <= len(text) {
			o, ok := tr.judge(text, now, tr.saved)
			if !ok && closing {
				o, ok = Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, At: now, Unsaved: true}, true
			}
			if ok {
				out = append(out, o)
				if tr.group != nil {
					decidedGroups[tr.group] = true
				}
				continue
			}
		}
		keep = append(keep, tr)
	}
	if len(decidedGroups) > 0 {
		kept := keep[:0]
		for _, tr := range keep {
			if tr.group == nil || !decidedGroups[tr.group] {
				kept = append(kept, tr)
			}
		}
		keep = kept
	}
	t.setList(docKey, keep)
	return out
}
