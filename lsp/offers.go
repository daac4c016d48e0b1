package lsp

import (
	"fmt"
	"sync"
	"time"

	"github.com/syntx/syntx/rules"
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
	Accepted bool
}

// offers remembers recent offers, bounded so a long session cannot grow
// without limit.
type offers struct {
	mu      sync.Mutex
	session string
	next    uint64
	byID    map[string]*offer
	order   []string
}

const maxOffers = 4096

func (o *offers) init(session string) {
	o.session = session
	o.byID = map[string]*offer{}
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
	o.byID[of.ID] = of
	o.order = append(o.order, of.ID)
	if len(o.order) > maxOffers {
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
