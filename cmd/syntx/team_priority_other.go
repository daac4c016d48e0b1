//go:build !linux

package main

import "github.com/syntx/syntx/train"

// idlePriority lowers a background sync's priority: nice 10 and one thread
// of Go code (SCHED_IDLE and idle I/O are Linux's).
func idlePriority() error { return train.LowerPriority() }
