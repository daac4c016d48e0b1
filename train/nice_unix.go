//go:build unix

package train

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// LowerPriority makes the calling process a background citizen, for
// `syntx train --background`: nice 10 and one OS thread running Go code.
// Linux keeps the nice value per thread (setpriority on the process id
// changes only the calling thread), so every thread the process has is
// set, not only the caller (EachThread); a thread created later inherits
// its creator's.
func LowerPriority() error {
	runtime.GOMAXPROCS(1)
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, 0, 10); err != nil {
		return fmt.Errorf("lower priority: %w", err)
	}
	return EachThread(func(tid int) error {
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, 10); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("lower priority: thread %d: %w", tid, err)
		}
		return nil
	})
}

// EachThread calls f once for every thread of the process, in passes over
// /proc/self/task until a pass finds no thread it has not seen (a thread
// created meanwhile by one not yet set is caught by the next pass). Where
// there is no /proc/self/task (not Linux: per-process priorities) it does
// nothing.
func EachThread(f func(tid int) error) error {
	done := map[int]bool{}
	for pass := 0; pass < 8; pass++ {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			if pass == 0 && errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("threads: %w", err)
		}
		fresh := 0
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || done[tid] {
				continue
			}
			done[tid] = true
			fresh++
			if err := f(tid); err != nil {
				return err
			}
		}
		if fresh == 0 {
			return nil
		}
	}
	return nil
}
