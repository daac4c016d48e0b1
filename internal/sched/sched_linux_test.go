package sched

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// policyOf is the scheduling policy (field 41) of a /proc stat line.
func policyOf(t *testing.T, stat string) string {
	t.Helper()
	// Fields after the command name (in parentheses, which may hold
	// spaces) start at field 3.
	f := strings.Fields(stat[strings.LastIndexByte(stat, ')')+2:])
	if len(f) < 39 {
		t.Fatalf("%d fields in %q", len(f), stat)
	}
	return f[41-3]
}

// TestStartIdle: the child runs at SCHED_IDLE from its first instruction
// (cat reads its own stat: it never lowers its priority itself), and no
// thread of this process is left at idle priority.
func TestStartIdle(t *testing.T) {
	for range 3 {
		cmd := exec.Command("cat", "/proc/self/stat")
		var out strings.Builder
		cmd.Stdout = &out
		if err := StartIdle(cmd); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		if p := policyOf(t, out.String()); p != "5" {
			t.Errorf("the child's policy is %s, want SCHED_IDLE (5)", p)
		}
	}
	// The idle threads end with their goroutines, shortly after.
	var idle []string
	for range 200 {
		idle = idleThreads(t)
		if len(idle) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("threads %v of the test process stay at SCHED_IDLE", idle)
}

// idleThreads lists this process's threads at SCHED_IDLE.
func idleThreads(t *testing.T) []string {
	tasks, err := filepath.Glob("/proc/self/task/*/stat")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads listed: %v", err)
	}
	var idle []string
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended
		}
		// The main thread cannot exit: when the goroutine that ran there
		// ends locked, the runtime parks it for good (it never runs Go
		// code again), so it may stay idle.
		if p == fmt.Sprintf("/proc/self/task/%d/stat", os.Getpid()) {
			continue
		}
		if policyOf(t, string(b)) == "5" {
			idle = append(idle, p)
		}
	}
	return idle
}
