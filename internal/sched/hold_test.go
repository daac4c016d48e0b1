package sched

import (
	"context"
	"io"
	"testing"
	"time"
)

// TestHolder: Wait returns at once until a hold line is read, blocks while
// held (a second hold changes nothing), returns once released, and is
// released for good when the input ends.
func TestHolder(t *testing.T) {
	r, w := io.Pipe()
	h := NewHolder(r)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	write := func(s string) {
		if _, err := io.WriteString(w, s); err != nil { // returns once read
			t.Fatal(err)
		}
	}
	blocked := func() bool {
		short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancelShort()
		return h.Wait(short) != nil
	}
	// A line is read before it is acted on: wait for the hold to show.
	heldSoon := func() bool {
		for ctx.Err() == nil {
			if blocked() {
				return true
			}
		}
		return false
	}
	write(ReleaseLine) // not held: nothing to release
	if blocked() {
		t.Fatal("held before any hold line")
	}
	write(HoldLine)
	write(HoldLine)
	write("something else\n")
	if !heldSoon() {
		t.Fatal("not held after a hold line")
	}
	done := make(chan error, 1)
	go func() { done <- h.Wait(ctx) }()
	write(ReleaseLine)
	if err := <-done; err != nil {
		t.Fatalf("after the release: %v", err)
	}
	write(HoldLine)
	if !heldSoon() {
		t.Fatal("not held after the second hold")
	}
	w.Close()
	if err := h.Wait(ctx); err != nil {
		t.Fatalf("after the input ended: %v", err)
	}
}
