package main

import (
	"fmt"
	"syscall"
	"unsafe"

	"github.com/syntx/syntx/train"
)

// Linux's scheduling policy and I/O class for work that must not slow the
// editor (sched(7), ioprio_set(2)).
const (
	schedIdle      = 5 // SCHED_IDLE
	ioprioWhoProc  = 1 // IOPRIO_WHO_PROCESS (a thread id, on Linux)
	ioprioClassIdl = 3 // IOPRIO_CLASS_IDLE
	ioprioClassSh  = 13
)

// idlePriority makes a background sync run only on CPU and disk time
// nothing else wants: nice 10 and one thread of Go code (as a background
// training run), and then SCHED_IDLE and the idle I/O class for every
// thread of the process. Niceness alone leaves a nice-10 process about a
// tenth of a busy core beside the language server, which on a 2-core
// laptop is measurable in codeAction latency while a backlog is pushed;
// a SCHED_IDLE thread runs only when a core would otherwise be idle.
// Linux applies both per thread, and a new thread inherits its creator's,
// so every thread there is now is set, until a pass finds no new one.
func idlePriority() error {
	if err := train.LowerPriority(); err != nil {
		return err
	}
	return train.EachThread(func(tid int) error {
		var param struct{ priority int32 }
		if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), schedIdle, uintptr(unsafe.Pointer(&param))); errno != 0 && errno != syscall.ESRCH {
			return fmt.Errorf("idle priority: sched_setscheduler: %w", errno)
		}
		if _, _, errno := syscall.RawSyscall(syscall.SYS_IOPRIO_SET, ioprioWhoProc, uintptr(tid), ioprioClassIdl<<ioprioClassSh); errno != 0 && errno != syscall.ESRCH {
			return fmt.Errorf("idle priority: ioprio_set: %w", errno)
		}
		return nil
	})
}
