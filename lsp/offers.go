package lsp

import (
	"fmt"
	"sync"
	"time"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/rules"
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
	Edits    []rules.TextEdit
	Original string // text of the edited region before the fix
	Replaced string // text of the region after the fix
	Region   rules.Span
	Score    float64
	Trigger  string // "invoked" or "automatic"
	At       time.Time
	Grammar  syntax.Grammar
	Accepted bool
	// Parts are the places a migration rewrote (nil for one site).
	Parts []capture.Part
}

// offers remembers recent offers (the latest maxOffers, and up to a quarter
// more), bounded so a long session cannot grow without limit.
type offers struct {
	mu      sync.Mutex
	session string
	next    uint64
	byID    map[string]*offer
	order   []string
	sets    map[string]recentSet // automatic sets by place, for reuse
}

type recentSet struct {
	setID string
	ids   []string
	at    time.Time
}

// reuseWindow is how long an automatic set shown again at the same place
// keeps its ids (and is not recorded again).
const reuseWindow = 10 * time.Minute

const maxOffers = 4096

func (o *offers) init(session string) {
	o.session = session
	o.byID = map[string]*offer{}
	o.sets = map[string]recentSet{}
}

// set returns the ids for a set of n suggestions: fresh ones, or for an
// automatic request that repeats a recent one at the same place, the same
// ones (fresh is then false).
func (o *offers) set(key, trigger string, n int, now time.Time) (setID string, ids []string, fresh bool) {
	if trigger == "automatic" {
		o.mu.Lock()
		r, ok := o.sets[key]
		o.mu.Unlock()
		if ok && len(r.ids) == n && now.Sub(r.at) < reuseWindow && o.get(r.ids[0]) != nil {
			return r.setID, r.ids, false
		}
	}
	setID = o.newID()
	ids = make([]string, n)
	for i := range ids {
		ids[i] = o.newID()
	}
	if trigger == "automatic" {
		o.mu.Lock()
		if len(o.sets) > maxOffers {
			clear(o.sets)
		}
		o.sets[key] = recentSet{setID: setID, ids: ids, at: now}
		o.mu.Unlock()
	}
	return setID, ids, true
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
		of.Accepted = old.Accepted
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
