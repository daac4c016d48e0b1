package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/syntx/syntx/store"
)

// Recorder writes to the store from one goroutine, in the order calls were
// made. Offers and outcomes observed in notifications are queued; Wait
// returns once everything queued before it is written, which is how commands
// make their writes durable before answering.
type Recorder struct {
	db  *store.DB
	log *slog.Logger
	q   chan job
	wg  sync.WaitGroup

	// mu guards closed and the lifetime of q: senders hold it shared, Close
	// exclusively. The writer goroutine never takes it, so a full queue
	// cannot deadlock with it.
	mu     sync.RWMutex
	closed bool

	accMu   sync.Mutex
	accepts map[string]int64 // suggestion id -> its accept event, for provenance

	// record, when kept (LoadRecord), counts every label written; only
	// the writer goroutine sets it.
	record *Record

	// held is what the queued offers keep alive (OfferFunc), under
	// heldMu; heldFree is signalled when it shrinks, and waiting counts
	// the senders waiting for it.
	heldMu   sync.Mutex
	heldFree *sync.Cond
	held     int64
	waiting  int
}

type job struct {
	fn   func(ctx context.Context) error
	done chan error
}

// queueSize bounds the backlog; beyond it writers block, which slows the
// editor session rather than losing data.
const queueSize = 1024

// heldBudget bounds the bytes the queued offers keep alive (OfferFunc: the
// text of their document, which the writer redacts when it gets to them),
// as queueSize bounds their number: 1,024 offers of a 3.4 MB bundle typed
// in faster than the writer records them would hold 3.4 GB. Past it,
// OfferFunc waits for the writer as a full queue makes it wait. An offer
// holding more than the budget alone waits for the others to be written.
const heldBudget = 64 << 20

// NewRecorder starts the writer goroutine over db.
func NewRecorder(db *store.DB, log *slog.Logger) *Recorder {
	r := &Recorder{db: db, log: log, q: make(chan job, queueSize), accepts: map[string]int64{}}
	r.heldFree = sync.NewCond(&r.heldMu)
	r.wg.Add(1)
	go r.loop()
	return r
}

// DB returns the store.
func (r *Recorder) DB() *store.DB { return r.db }

func (r *Recorder) loop() {
	defer r.wg.Done()
	for j := range r.q {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := j.fn(ctx)
		cancel()
		if err != nil {
			r.log.Error("capture: write failed", "err", err)
		}
		if j.done != nil {
			j.done <- err
		}
	}
}

var errClosed = errors.New("capture: recorder closed")

func (r *Recorder) enqueue(fn func(ctx context.Context) error, wait bool) error {
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return errClosed
	}
	j := job{fn: fn}
	if wait {
		j.done = make(chan error, 1)
	}
	r.q <- j
	r.mu.RUnlock()
	if wait {
		return <-j.done
	}
	return nil
}

// Offer queues the suggestions of one candidate set and their offered
// events.
func (r *Recorder) Offer(ss []store.Suggestion, weight float64) {
	_ = r.enqueue(func(ctx context.Context) error {
		_, err := r.db.Offer(ctx, weight, ss...)
		return err
	}, false)
}

// OfferFunc queues a candidate set whose records prepare builds on the
// writer goroutine (redacting code in the context of its document costs
// more than a code-action request should wait for), with their offered
// events. holds is how many bytes prepare keeps alive until it has run
// (the document's text): it waits while the queued offers hold more than
// heldBudget.
func (r *Recorder) OfferFunc(prepare func() []store.Suggestion, weight float64, holds int) {
	r.reserve(holds)
	err := r.enqueue(func(ctx context.Context) error {
		defer r.release(holds)
		_, err := r.db.Offer(ctx, weight, prepare()...)
		return err
	}, false)
	if err != nil {
		r.release(holds) // not queued
	}
}

// reserve waits until n more bytes fit in heldBudget, or nothing else is
// held, and counts them held.
func (r *Recorder) reserve(n int) {
	if n <= 0 {
		return
	}
	r.heldMu.Lock()
	defer r.heldMu.Unlock()
	for r.held > 0 && r.held+int64(n) > heldBudget {
		r.waiting++
		r.heldFree.Wait()
		r.waiting--
	}
	r.held += int64(n)
}

// release counts n bytes (reserved) no longer held.
func (r *Recorder) release(n int) {
	if n <= 0 {
		return
	}
	r.heldMu.Lock()
	r.held -= int64(n)
	r.heldMu.Unlock()
	r.heldFree.Broadcast()
}

// Accepted records an accept event and waits until it is written.
func (r *Recorder) Accepted(ev store.Event) error {
	return r.enqueue(func(ctx context.Context) error {
		id, err := r.db.AddEvent(ctx, ev)
		if err != nil {
			return err
		}
		r.accMu.Lock()
		r.accepts[ev.SuggestionID] = id
		r.accMu.Unlock()
		return nil
	}, true)
}

// Outcome records an outcome event and the preferences it yields, each
// weighing the persona's weight times evidence (see Evidence). With wait,
// it returns once they are written.
func (r *Recorder) Outcome(ev store.Event, evidence float64, wait bool) error {
	return r.enqueue(func(ctx context.Context) error {
		s, err := r.db.Suggestion(ctx, ev.SuggestionID)
		if err != nil {
			return fmt.Errorf("outcome %s for %s: %w", ev.Outcome, ev.SuggestionID, err)
		}
		set, err := r.db.CandidateSet(ctx, s.CandidateSet)
		if err != nil {
			return err
		}
		r.accMu.Lock()
		acc := r.accepts[ev.SuggestionID]
		if ev.Outcome != store.Accepted {
			delete(r.accepts, ev.SuggestionID)
		}
		r.accMu.Unlock()
		derived := DeriveWeighted(ev.Outcome, s, set, ev, acc, evidence)
		if _, _, err = r.db.RecordOutcome(ctx, ev, derived...); err != nil {
			return err
		}
		r.count(s, ev, derived, evidence)
		return nil
	}, wait)
}

// count adds what an outcome yielded to the kept record, if any: the
// labels about s, and an edit (which yields no label) as one for s.
func (r *Recorder) count(s store.Suggestion, ev store.Event, derived []store.Preference, evidence float64) {
	if r.record == nil {
		return
	}
	role := roleOf(s.Features)
	changed := false
	for _, p := range derived {
		if p.Kind == store.Label && p.SuggestionID == s.ID {
			r.record.Add(s.RuleID, s.Category, role, p.Desirable, p.Weight, p.CreatedAt)
			changed = true
		}
	}
	if ev.Outcome == store.Edited {
		r.record.Add(s.RuleID, s.Category, role, true, personaWeight(ev)*evidence, ev.At)
		changed = true
	}
	if changed && r.record.onChange != nil {
		r.record.onChange()
	}
}

// LoadRecord fills rec with every label and edited outcome in the store
// (Record.Fill), hands it to use on the writer goroutine (nil when it
// cannot be read), and from then on
// keeps it up to date with the outcomes recorded (a forget loads a fresh
// one). Outcomes queued before it are in the store when it reads, and
// those queued after are counted, so nothing is missed or counted twice.
// With wait it returns once rec is in use; without, at once (reading
// takes about 3 µs a label, which an editor's initialize need not wait
// for; a request that comes through the recorder, such as syntx.status,
// comes after it).
func (r *Recorder) LoadRecord(rec *Record, edited float64, wait bool, use func(*Record)) error {
	return r.enqueue(func(ctx context.Context) error {
		err := rec.Fill(ctx, r.db, edited)
		if err != nil {
			// Nothing half-read stays in use, nor what a forget removed.
			rec, err = nil, fmt.Errorf("reading the record of outcomes: %w", err)
		}
		r.record = rec
		use(rec)
		return err
	}, wait)
}

// personaWeight is an event's persona weight, 1 when unset (as
// DeriveWeighted reads it).
func personaWeight(ev store.Event) float64 {
	if ev.PersonaWeight <= 0 {
		return 1
	}
	return ev.PersonaWeight
}

// Do runs fn on the writer goroutine, after everything queued before it,
// and waits for it.
func (r *Recorder) Do(fn func(ctx context.Context, db *store.DB) error) error {
	return r.enqueue(func(ctx context.Context) error { return fn(ctx, r.db) }, true)
}

// Queue runs fn on the writer goroutine, after everything queued before it,
// without waiting for it: for records the caller need not see durable
// before it answers (a failure is logged by the writer).
func (r *Recorder) Queue(fn func(ctx context.Context, db *store.DB) error) error {
	return r.enqueue(func(ctx context.Context) error { return fn(ctx, r.db) }, false)
}

// Wait returns once everything queued so far is written.
func (r *Recorder) Wait() error {
	return r.enqueue(func(context.Context) error { return nil }, true)
}

// Close writes what is queued and closes the store.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.q)
	r.mu.Unlock()
	r.wg.Wait()
	return r.db.Close()
}
