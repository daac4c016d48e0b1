package capture

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// Outcome is a decision the Tracker reached about a suggestion.
type Outcome struct {
	SuggestionID string
	SetID        string
	Outcome      store.Outcome // Kept, Undone, Edited or Ignored
	FinalText    string        // the developer's version, for edited
	At           time.Time
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
}

// Tracker follows accepted suggestions and invoked menus. It is safe for
// concurrent use.
type Tracker struct {
	mu          sync.Mutex
	checkpoints []time.Duration
	ignoreAfter time.Duration
	tracked     map[string][]*tracked // by document
	menus       []*menu
}

type tracked struct {
	Applied
	start, end int // the region in the current text
	// prefix and suffix are the text the region grew into on either side
	// (edits that overlapped its edges); the expected texts include them.
	prefix, suffix string
	acceptedAt     time.Time
	next           int // index of the next checkpoint
	dirty          bool
	// touched: a change ended at the region's start or began at its end
	// without overlapping it; Settle then checks whether the text around
	// the region reads the original again (the undo of a fix that only
	// removed text is an insertion at its edge).
	touched bool
	// group is set on the parts of a suggestion with several; restored
	// marks a part whose text is back to its original.
	group    *group
	restored bool
}

type menu struct {
	setID   string
	ids     []string
	docKey  string
	at      time.Time
	decided bool
}

// NewTracker tracks with the given survival checkpoints (increasing; the
// last ends tracking) and the window after which an invoked menu with no
// choice counts as ignored.
func NewTracker(checkpoints []time.Duration, ignoreAfter time.Duration) *Tracker {
	return &Tracker{checkpoints: checkpoints, ignoreAfter: ignoreAfter, tracked: map[string][]*tracked{}}
}

// SetWindows changes the checkpoints and ignore window for what is tracked
// from now on.
func (t *Tracker) SetWindows(checkpoints []time.Duration, ignoreAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.checkpoints, t.ignoreAfter = checkpoints, ignoreAfter
}

// Menu records an invoked menu: if none of ids is accepted or dismissed
// within the ignore window, each is ignored.
func (t *Tracker) Menu(setID, docKey string, ids []string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.menus = append(t.menus, &menu{setID: setID, ids: ids, docKey: docKey, at: now})
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
	return len(t.tracked[docKey])
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
	src := old.Bytes()
	// Trim the common prefix and suffix of the replaced text and repl.
	for start < end && len(repl) > 0 && src[start] == repl[0] {
		start++
		repl = repl[1:]
	}
	for end > start && len(repl) > 0 && src[end-1] == repl[len(repl)-1] {
		end--
		repl = repl[:len(repl)-1]
	}
	if start == end && len(repl) == 0 {
		return
	}
	delta := len(repl) - (end - start)
	for _, tr := range list {
		switch {
		case end < tr.start || (end == tr.start && tr.start < tr.end):
			// Before the region (or touching its start): shift.
			tr.touched = tr.touched || end == tr.start
			tr.start += delta
			tr.end += delta
		case start > tr.end || (start == tr.end && tr.start < tr.end):
			// After the region, or touching its end: nothing to do.
			tr.touched = tr.touched || start == tr.end
		default:
			// The change overlaps the region: grow it to cover the change.
			if start < tr.start {
				tr.prefix = string(src[start:tr.start]) + tr.prefix
				tr.start = start
			}
			if end > tr.end {
				tr.suffix += string(src[tr.end:end])
				tr.end = end
			}
			tr.end += delta
			tr.dirty = true
		}
	}
}

// Settle checks the tracked regions of a document after a change: a region
// back at its original text is undone. text is the document now.
func (t *Tracker) Settle(docKey string, text []byte, now time.Time) []Outcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Outcome
	keep := t.tracked[docKey][:0]
	var groups []*group
	for _, tr := range t.tracked[docKey] {
		if tr.touched && !tr.dirty {
			tr.touched = false
			if tr.restoredAround(text) {
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
		cur := string(text[tr.start:tr.end])
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
			tr.restored = false
		}
		keep = append(keep, tr)
	}
	// A suggestion with several parts is undone when all of them are.
	for _, g := range groups {
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
func (tr *tracked) restoredAround(text []byte) bool {
	if tr.prefix != "" || tr.suffix != "" || tr.end > len(text) || tr.start < 0 {
		return false
	}
	cur := string(text[tr.start:tr.end])
	if len(tr.Original) <= len(cur) {
		return false
	}
	for off := 0; off+len(cur) <= len(tr.Original); off++ {
		if tr.Original[off:off+len(cur)] != cur {
			continue
		}
		lo, hi := tr.start-off, tr.start-off+len(tr.Original)
		if lo >= 0 && hi <= len(text) && string(text[lo:hi]) == tr.Original {
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
	undone, edited := 0, 0
	var texts []string
	for _, p := range g.parts {
		if p.end > len(text) {
			return Outcome{}, false
		}
		cur := string(text[p.start:p.end])
		texts = append(texts, lineAround(text, p.start, p.end))
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
		base.Outcome, base.FinalText = store.Edited, strings.Join(texts, "\n")
	case final:
		base.Outcome = store.Kept
	default:
		return Outcome{}, false
	}
	return base, true
}

// lineAround returns the whole lines holding [start, end).
func lineAround(text []byte, start, end int) string {
	s := strings.LastIndexByte(string(text[:start]), '\n') + 1
	e := end
	if i := strings.IndexByte(string(text[end:]), '\n'); i >= 0 {
		e += i
	} else {
		e = len(text)
	}
	return string(text[s:e])
}

// judgeRegion decides one region's outcome: edited if its syntax differs
// from the suggestion's, else kept when final, else nothing yet.
func (tr *tracked) judgeRegion(text []byte, now time.Time, final bool) (Outcome, bool) {
	cur := string(text[tr.start:tr.end])
	expected := tr.prefix + tr.Suggested + tr.suffix
	switch {
	case cur == tr.prefix+tr.Original+tr.suffix || (tr.suffix == "" && cur == tr.prefix+tr.Original) || tr.restoredAround(text):
		return Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Undone, At: now}, true
	case !SameSyntax(tr.Grammar, cur, expected):
		if SameSyntax(tr.Grammar, cur, tr.prefix+tr.Original+tr.suffix) {
			return Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Undone, At: now}, true
		}
		return Outcome{SuggestionID: tr.SuggestionID, SetID: tr.SetID, Outcome: store.Edited, FinalText: cur, At: now}, true
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
			for _, id := range m.ids {
				out = append(out, Outcome{SuggestionID: id, SetID: m.setID, Outcome: store.Ignored, At: now})
			}
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

// Saved decides the suggestions of a saved document that passed their
// first checkpoint.
func (t *Tracker) Saved(docKey string, text []byte, now time.Time) []Outcome {
	return t.finish(docKey, text, now, false)
}

// Closed decides every suggestion of a closed document: after the first
// checkpoint as on save, and before it from the text as it is (the document
// cannot be followed further).
func (t *Tracker) Closed(docKey string, text []byte, now time.Time) []Outcome {
	out := t.finish(docKey, text, now, true)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.tracked, docKey)
	for _, m := range t.menus {
		if m.docKey == docKey && !m.decided {
			m.decided = true
			for _, id := range m.ids {
				out = append(out, Outcome{SuggestionID: id, SetID: m.setID, Outcome: store.Ignored, At: now})
			}
		}
	}
	return out
}

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
		passed := len(t.checkpoints) > 0 && !now.Before(tr.acceptedAt.Add(t.checkpoints[0]))
		if (passed || closing) && tr.end <= len(text) {
			if o, ok := tr.judge(text, now, true); ok {
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
