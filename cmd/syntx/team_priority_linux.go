package main

import (
	"github.com/syntx/syntx/internal/sched"
	"github.com/syntx/syntx/train"
)

// idlePriority makes a background sync run only on CPU and disk time
// nothing else wants: nice 10 and one thread of Go code (as a background
// training run), and then SCHED_IDLE and the idle I/O class for every
// thread of the process (internal/sched). Niceness alone leaves a nice-10
// process about a tenth of a busy core beside the language server, which
// on a 2-core laptop is measurable in codeAction latency while a backlog
// is pushed; a SCHED_IDLE thread runs only when a core would otherwise be
// idle. Linux applies both per thread, and a new thread inherits its
// creator's, so every thread there is now is set, until a pass finds no
// new one. A server starts its syncs at idle priority already
// (sched.StartIdle); this covers `syntx team sync --background` run by
// hand or by a scheduler.
func idlePriority() error {
	if err := train.LowerPriority(); err != nil {
		return err
	}
	return train.EachThread(sched.IdleThread)
}
