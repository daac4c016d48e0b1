//go:build unix

package train

import (
	"fmt"
	"runtime"
	"syscall"
)

// LowerPriority makes the calling process a background citizen, for
// `syntx train --background`: nice 10 and one OS thread running Go code.
func LowerPriority() error {
	runtime.GOMAXPROCS(1)
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, 0, 10); err != nil {
		return fmt.Errorf("lower priority: %w", err)
	}
	return nil
}
