//go:build !linux

package sched

import (
	"errors"
	"os/exec"
)

// IdleThread is not supported here.
func IdleThread(int) error { return errors.ErrUnsupported }

// StartIdle is cmd.Start: there is no idle class to inherit here.
func StartIdle(cmd *exec.Cmd) error { return cmd.Start() }
