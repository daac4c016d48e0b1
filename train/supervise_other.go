//go:build !unix

package train

import (
	"errors"
	"os"
)

// Processes cannot be suspended here: Supervisor.Pause cancels a
// background run instead (see Supervisor).
func pauseProcess(*os.Process) error { return errors.ErrUnsupported }

func resumeProcess(*os.Process) error { return errors.ErrUnsupported }

// stopProcess kills p: there is no SIGTERM to ask it to stop.
func stopProcess(p *os.Process) error { return p.Kill() }
