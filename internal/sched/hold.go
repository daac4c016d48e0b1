package sched

import (
	"bufio"
	"context"
	"io"
	"strings"
	"sync"
)

// The lines with which a parent holds and releases a background child
// that waits for them at its own safe points (Holder), written to the
// child's standard input. A pipe keeps them in order, which signals would
// not (two pending signals are delivered lowest number first), works on
// every system, and a line written before the child reads it waits in the
// pipe instead of killing it as an unhandled signal would. SIGSTOP would
// stop the child anywhere: in a team push, inside a transaction, holding
// the lock every member's push waits for.
const (
	HoldLine    = "hold\n"
	ReleaseLine = "release\n"
)

// Holder is the child's side: it follows the lines read from r (its
// standard input) until r ends, and Wait blocks while held. When r ends
// (the parent exited) the child is released for good.
type Holder struct {
	mu   sync.Mutex
	held bool
	wake chan struct{} // closed and replaced on each release
}

// NewHolder starts reading r.
func NewHolder(r io.Reader) *Holder {
	h := &Holder{wake: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			switch sc.Text() {
			case strings.TrimSuffix(HoldLine, "\n"):
				h.set(true)
			case strings.TrimSuffix(ReleaseLine, "\n"):
				h.set(false)
			}
		}
		h.set(false)
	}()
	return h
}

func (h *Holder) set(held bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.held && !held {
		close(h.wake)
		h.wake = make(chan struct{})
	}
	h.held = held
}

// Wait returns at once unless held, else once released or when ctx ends.
func (h *Holder) Wait(ctx context.Context) error {
	for {
		h.mu.Lock()
		held, wake := h.held, h.wake
		h.mu.Unlock()
		if !held {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
