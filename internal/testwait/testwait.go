// Package testwait is how SyntX's tests wait: for an event, never for a
// duration.
//
// A test that sleeps 20 ms and then checks that "nothing happened yet"
// passes on a quiet machine and tests nothing on a busy one (the work it
// meant to wait for has not run yet), and a test that gives an operation
// 5 s fails when a compiler runs on the same two cores. So a test waits for
// the thing it needs — a value on a channel, a closed channel, a
// notification, a condition another process makes true — and the only
// clock involved is a generous deadline whose expiry fails the test with a
// message naming what did not happen:
//
//	code := testwait.For(t, exited, "the server to exit after shutdown and exit")
//	testwait.Until(t, "the trainer to write adapters/ACTIVE", func() bool { ... })
//	ctx := testwait.Context(t) // for client calls: ends at the same deadline
//
// "Nothing happened yet" is checked after an event that proves the server
// has looked (a synchronous tick, a request answered after the
// notifications before it), not after a pause.
//
// The deadline is Generous, or less when the test binary's -timeout would
// end first (then the wait fails a little before the binary panics, with
// the message instead of a goroutine dump).
package testwait

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Generous bounds every wait. It is long enough for a 2-core laptop
// running the suite under `taskset -c 0` beside a CPU hog, and short enough
// that a hang fails with a message rather than at the binary's -timeout.
const Generous = 3 * time.Minute

// margin is kept between a wait's deadline and the test binary's own.
const margin = 10 * time.Second

// deadliner is implemented by *testing.T.
type deadliner interface {
	Deadline() (time.Time, bool)
}

// Deadline returns when a wait that starts now gives up.
func Deadline(t testing.TB) time.Time {
	d := time.Now().Add(Generous)
	if dt, ok := t.(deadliner); ok {
		if end, ok := dt.Deadline(); ok && end.Add(-margin).Before(d) {
			d = end.Add(-margin)
		}
	}
	return d
}

// Context returns a context that ends at Deadline(t) and is cancelled when
// the test ends; pass it to client calls so that a hung server fails the
// test instead of blocking it.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), Deadline(t))
	t.Cleanup(cancel)
	return ctx
}

// For waits until ch delivers a value (or is closed) and returns it. At the
// deadline it fails t with "waited <duration> for <what>".
func For[V any](t testing.TB, ch <-chan V, what string) V {
	t.Helper()
	deadline := Deadline(t)
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	start := time.Now()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waited %v for %s; it did not happen", time.Since(start).Round(time.Second), what)
		var zero V
		return zero
	}
}

// Until calls cond until it returns true, backing off from 1 ms to 100 ms
// between calls. Use it only where no event exists to wait on (a file that
// another process writes, a row another connection commits); prefer For.
// At the deadline it fails t naming what.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if err := UntilErr(Deadline(t), what, cond); err != nil {
		t.Fatal(err)
	}
}

// UntilErr is Until for code that has no testing.TB at hand (a goroutine,
// a helper process): it returns an error naming what did not happen by
// deadline.
func UntilErr(deadline time.Time, what string, cond func() bool) error {
	start := time.Now()
	pause := time.Millisecond
	for !cond() {
		if !time.Now().Before(deadline) {
			return fmt.Errorf("waited %v for %s; it did not happen", time.Since(start).Round(time.Second), what)
		}
		time.Sleep(min(pause, time.Until(deadline)))
		pause = min(2*pause, 100*time.Millisecond)
	}
	return nil
}
