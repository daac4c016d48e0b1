package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIdlePriority: after idlePriority every thread of the process is
// SCHED_IDLE (policy 5 in /proc/PID/task/TID/stat) and niced. It runs in a
// child process (this test binary again), whose priority it may lower.
func TestIdlePriority(t *testing.T) {
	if os.Getenv("SYNTX_TEST_IDLE_CHILD") == "1" {
		if err := idlePriority(); err != nil {
			t.Fatal(err)
		}
		tasks, err := filepath.Glob("/proc/self/task/*/stat")
		if err != nil || len(tasks) == 0 {
			t.Fatalf("no threads listed: %v", err)
		}
		for _, p := range tasks {
			b, err := os.ReadFile(p)
			if err != nil {
				continue // the thread ended
			}
			// Fields after the command name (in parentheses, which may
			// hold spaces): state is field 3, nice 19, policy 41.
			f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
			if len(f) < 39 {
				t.Fatalf("%s: %d fields", p, len(f))
			}
			if nice, policy := f[19-3], f[41-3]; policy != "5" || nice != "10" {
				t.Errorf("%s: policy %s nice %s, want SCHED_IDLE (5) and 10", p, policy, nice)
			}
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestIdlePriority$", "-test.count", "1")
	cmd.Env = append(os.Environ(), "SYNTX_TEST_IDLE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("the child at idle priority: %v\n%s", err, out)
	}
}
