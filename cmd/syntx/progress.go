package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// isTerminal reports whether w is a terminal (a character device), where
// progress bars are drawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws one line of progress, rewritten in place:
//
//	learn [##########....................] 1234/3702 commits   4.1s
//	train [######........................]  21% policy (kl)    0.9s
//
// With a unit it shows done/total units, otherwise the percentage and the
// latest message. It redraws at most ten times a second, and always the
// end; when off (not a terminal) it draws nothing.
type progressBar struct {
	w           io.Writer
	on          bool
	label, unit string
	start, last time.Time
	drawn       bool
}

func newProgressBar(w io.Writer, on bool, label, unit string) *progressBar {
	return &progressBar{w: w, on: on, label: label, unit: unit}
}

func (b *progressBar) update(done, total int, msg string) {
	now := time.Now()
	if b.start.IsZero() {
		b.start = now
	}
	if !b.on || total <= 0 || (b.drawn && done < total && now.Sub(b.last) < 100*time.Millisecond) {
		return
	}
	b.last = now
	const width = 30
	n := min(width, max(0, width*done/total))
	what := fmt.Sprintf("%3d%% %-24.24s", 100*done/total, msg)
	if b.unit != "" {
		what = fmt.Sprintf("%d/%d %s", done, total, b.unit)
	}
	fmt.Fprintf(b.w, "\r%s [%s%s] %s %5.1fs", b.label, strings.Repeat("#", n), strings.Repeat(".", width-n), what, now.Sub(b.start).Seconds())
	b.drawn = true
}

// finish ends the line.
func (b *progressBar) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}
