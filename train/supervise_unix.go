//go:build unix

package train

import (
	"os"
	"syscall"
)

// pauseProcess suspends p until resumeProcess.
func pauseProcess(p *os.Process) error { return p.Signal(syscall.SIGSTOP) }

func resumeProcess(p *os.Process) error { return p.Signal(syscall.SIGCONT) }

// stopProcess asks p to stop: a suspended process is continued first, so
// that it sees the SIGTERM (`syntx train` stops at its next step).
func stopProcess(p *os.Process) error {
	_ = p.Signal(syscall.SIGCONT)
	return p.Signal(syscall.SIGTERM)
}
