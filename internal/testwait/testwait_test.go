package testwait

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB whose test binary ends in margin: its waits
// give up at once, and Fatalf records the message.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func (r *recorder) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }

func (r *recorder) Deadline() (time.Time, bool) { return time.Now().Add(margin), true }

func TestForReturnsTheValue(t *testing.T) {
	t.Parallel()
	ch := make(chan int, 1)
	go func() { ch <- 7 }()
	if got := For(t, ch, "the value"); got != 7 {
		t.Fatalf("For returned %d, want 7", got)
	}
	closed := make(chan struct{})
	close(closed)
	For(t, closed, "a closed channel")
}

func TestForFailsNamingWhatDidNotHappen(t *testing.T) {
	t.Parallel()
	r := &recorder{TB: t}
	For(r, make(chan int), "the server to exit")
	if !strings.Contains(r.fatal, "the server to exit") || !strings.Contains(r.fatal, "did not happen") {
		t.Fatalf("For failed with %q", r.fatal)
	}
}

func TestUntil(t *testing.T) {
	t.Parallel()
	n := 0
	Until(t, "the third call", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
	r := &recorder{TB: t}
	Until(r, "adapters/ACTIVE to appear", func() bool { return false })
	if !strings.Contains(r.fatal, "adapters/ACTIVE to appear") {
		t.Fatalf("Until failed with %q", r.fatal)
	}
}

func TestDeadlineKeepsAMarginBeforeTheBinarys(t *testing.T) {
	t.Parallel()
	if d := time.Until(Deadline(&recorder{TB: t})); d > time.Second {
		t.Fatalf("a test whose binary ends in %v waits %v", margin, d)
	}
	if end, ok := t.Deadline(); !ok || time.Until(end) > Generous+margin {
		if d := time.Until(Deadline(t)); d < Generous-time.Second || d > Generous {
			t.Fatalf("deadline in %v, want %v", d, Generous)
		}
	}
}
