package sched

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"
)

const (
	schedIdle      = 5 // SCHED_IDLE
	ioprioWhoProc  = 1 // IOPRIO_WHO_PROCESS (a thread id, on Linux)
	ioprioClassIdl = 3 // IOPRIO_CLASS_IDLE
	ioprioClassSh  = 13
)

// IdleThread sets SCHED_IDLE and the idle I/O class on thread tid. A
// thread that has ended (ESRCH) is not an error.
func IdleThread(tid int) error {
	var param struct{ priority int32 }
	if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), schedIdle, uintptr(unsafe.Pointer(&param))); errno != 0 && errno != syscall.ESRCH {
		return fmt.Errorf("idle priority: sched_setscheduler: %w", errno)
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_IOPRIO_SET, ioprioWhoProc, uintptr(tid), ioprioClassIdl<<ioprioClassSh); errno != 0 && errno != syscall.ESRCH {
		return fmt.Errorf("idle priority: ioprio_set: %w", errno)
	}
	return nil
}

// StartIdle starts cmd from a thread of its own at idle priority, which the
// child inherits (os/exec clones the process from the calling thread). The
// thread stays locked to its goroutine, so it ends with it and no other
// goroutine of this process ever runs at idle priority.
func StartIdle(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		if err := IdleThread(syscall.Gettid()); err != nil {
			errc <- err
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}
