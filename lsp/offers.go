package lsp

import (
	"fmt"
	"sync"
	"time"
	"weak"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// offer is a suggestion the server has shown: what syntx.accept and
// syntx.dismiss refer to by id.
type offer struct {
	ID       string
	SetID    string // the candidate set it was shown in
	Rank     int
	DocKey   string
	URI      string
	Version  int32
	Rule     *rules.Rule
	Site     rules.Span
	SiteLine uint32 // the site's first line in Version
	Edits    []rules.TextEdit
	Original string // text of the edited region before the fix
	Replaced string // text of the region after the fix
	Region   rules.Span
	Score    float64
	Trigger  string // "invoked" or "automatic"
	At       time.Time
	Grammar  syntax.Grammar
	Accepted bool
	// Dismissed: a dismissal was recorded for it (its set is then not
	// handed out again).
	Dismissed bool
	// Parts are the places a migration rewrote (nil for one site).
	Parts []capture.Part
	// text is the document's text the offer was made in: a migration's
	// edit is resolved (resolveCodeAction) only while the document still
	// holds it. Weak: an offer does not keep a text the document left.
	text weak.Pointer[syntax.Text]
	// pending is the store row of a suggestion shown only as a diagnostic,
	// written when it first becomes evidence (takePending); nil once
	// written, and for code actions, which are written when offered.
	pending *store.Suggestion
}

// offers remembers recent offers (the latest maxOffers, and up to a quarter
// more), bounded so a long session cannot grow without limit.
type offers struct {
	mu      sync.Mutex
	session string
	next    uint64
	byID    map[string]*offer
	order   []string
	sets    map[string]recentSet // recent sets by trigger and place, for reuse
	// forgotten holds the ids dropped after a forget (bounded like the
	// offers), so that accepting one is answered clearly.
	forgotten map[string]bool
}

type recentSet struct {
	setID string
	ids   []string
	at    time.Time
}

// reuseWindow is how long a set shown again at the same place, by the same
// kind of trigger, keeps its ids (and is not recorded again).
const reuseWindow = 10 * time.Minute

const maxOffers = 4096

func (o *offers) init(session string) {
	o.session = session
	o.byID = map[string]*offer{}
	o.sets = map[string]recentSet{}
}

// set returns the ids for a set of n suggestions: fresh ones, or for a
// request that repeats a recent one at the same place with the same kind of
// trigger (a cursor moving on a line, a menu opened again), the same ones
// (fresh is then false) — unless one of them was accepted or dismissed
// since, or forgotten.
func (o *offers) set(key, trigger string, n int, now time.Time) (setID string, ids []string, fresh bool) {
	k := trigger + "\x00" + key
	o.mu.Lock()
	r, ok := o.sets[k]
	if ok && len(r.ids) == n && now.Sub(r.at) < reuseWindow && o.reusable(r.ids) {
		o.mu.Unlock()
		return r.setID, r.ids, false
	}
	o.mu.Unlock()
	setID = o.newID()
	ids = make([]string, n)
	for i := range ids {
		ids[i] = o.newID()
	}
	o.mu.Lock()
	if len(o.sets) > maxOffers {
		clear(o.sets)
	}
	o.sets[k] = recentSet{setID: setID, ids: ids, at: now}
	o.mu.Unlock()
	return setID, ids, true
}

// reusable reports whether every id is still offered and undecided; o.mu
// is held.
func (o *offers) reusable(ids []string) bool {
	for _, id := range ids {
		of := o.byID[id]
		if of == nil || of.Accepted || of.Dismissed {
			return false
		}
	}
	return true
}

// forget drops every offer and recent set, remembering the dropped ids:
// after syntx forget their records may be gone, so none is handed out
// again, and accepting one is answered with what happened.
func (o *offers) forget() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.forgotten == nil || len(o.forgotten) > maxOffers {
		o.forgotten = map[string]bool{}
	}
	n := len(o.byID)
	for id, of := range o.byID {
		o.forgotten[id] = true
		o.forgotten[of.SetID] = true
	}
	clear(o.byID)
	clear(o.sets)
	o.order = o.order[:0]
	return n
}

// wasForgotten reports whether id was dropped by forget.
func (o *offers) wasForgotten(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.forgotten[id]
}

func (o *offers) newID() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.next++
	return fmt.Sprintf("%s-%d", o.session, o.next)
}

func (o *offers) add(of *offer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if old, ok := o.byID[of.ID]; ok {
		of.Accepted, of.Dismissed = old.Accepted, old.Dismissed
		if of.pending != nil && old.pending == nil {
			of.pending = nil // written already
		}
		o.byID[of.ID] = of // the same suggestion shown again
		return
	}
	o.byID[of.ID] = of
	o.order = append(o.order, of.ID)
	// Forget the oldest in batches: trimming one at a time copied the
	// whole list for every offer once it was full.
	if len(o.order) > maxOffers+maxOffers/4 {
		drop := len(o.order) - maxOffers
		for _, id := range o.order[:drop] {
			delete(o.byID, id)
		}
		o.order = append(o.order[:0:0], o.order[drop:]...)
	}
}

// takePending returns the store row of a suggestion not written yet, once:
// the caller writes it.
func (o *offers) takePending(id string) *store.Suggestion {
	o.mu.Lock()
	defer o.mu.Unlock()
	of := o.byID[id]
	if of == nil || of.pending == nil {
		return nil
	}
	p := of.pending
	of.pending = nil
	return p
}

func (o *offers) get(id string) *offer {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.byID[id]
}

// stats counts offers, and how many were accepted.
func (o *offers) stats() (offered, accepted int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, of := range o.byID {
		offered++
		if of.Accepted {
			accepted++
		}
	}
	return offered, accepted
}
