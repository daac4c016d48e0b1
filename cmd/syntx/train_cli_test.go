package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/model"
)

// TestTrainModelReportCLI records a session with the demo, then trains on
// it from the command line and inspects, exports and rolls back the result.
func TestTrainModelReportCLI(t *testing.T) {
	t.Parallel()
	home := seededHome(t)
	t.Run("retrain over LSP", func(t *testing.T) { retrainOverLSP(t, home) })
	t.Run("retrain leaves the read loop free", func(t *testing.T) { retrainWhileAnswering(t, home) })
	// The adapter active before this run (the LSP retrain's, when its gate
	// passed) is what a rollback must restore.
	prev := status(t, home).Adapter
	o, err := runCLI(t, home, "train", "--json", "--progress", "none")
	if err != nil {
		t.Fatalf("train: %v\n%s", err, o)
	}
	var res struct {
		Decision string
		Version  string
		Active   string
	}
	if err := json.Unmarshal([]byte(o), &res); err != nil || res.Version == "" {
		t.Fatalf("train --json: %v\n%s", err, o)
	}
	st := status(t, home)
	switch res.Decision {
	case "accepted":
		if st.Adapter == nil || *st.Adapter != res.Version {
			t.Fatalf("accepted %s but status says adapter %v", res.Version, st.Adapter)
		}
	case "rejected":
		if (st.Adapter == nil) != (prev == nil) || st.Adapter != nil && *st.Adapter != *prev {
			t.Fatalf("rejected, yet the active adapter changed from %s to %s", adapterName(prev), adapterName(st.Adapter))
		}
	default:
		t.Fatalf("decision %q", res.Decision)
	}
	if o, err := runCLI(t, home, "model", "info"); err != nil || !strings.Contains(o, "base") {
		t.Fatalf("model info: %v\n%s", err, o)
	}
	onnx := filepath.Join(t.TempDir(), "policy.onnx")
	if o, err := runCLI(t, home, "model", "export-onnx", onnx); err != nil {
		t.Fatalf("export-onnx: %v\n%s", err, o)
	}
	data, err := os.ReadFile(onnx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := model.LoadONNX(data); err != nil {
		t.Fatalf("the exported policy does not load: %v", err)
	}
	report := filepath.Join(t.TempDir(), "report.html")
	if o, err := runCLI(t, home, "report", "-o", report); err != nil {
		t.Fatalf("report: %v\n%s", err, o)
	}
	page, _ := os.ReadFile(report)
	if !strings.Contains(string(page), "<svg") || strings.Contains(string(page), "<script") || strings.Contains(string(page), "http://") && !strings.Contains(string(page), "http://www.w3.org/2000/svg") {
		t.Fatalf("report is not one self-contained page with inline SVG")
	}
	if res.Decision == "accepted" {
		if o, err := runCLI(t, home, "model", "rollback"); err != nil {
			t.Fatalf("rollback: %v\n%s", err, o)
		}
		st := status(t, home)
		switch {
		case prev == nil && st.Adapter != nil:
			t.Fatalf("after rolling back the only adapter, %v is active", *st.Adapter)
		case prev != nil && (st.Adapter == nil || *st.Adapter != *prev):
			t.Fatalf("after rolling back %s, adapter %v is active; want the previous one, %s", res.Version, st.Adapter, *prev)
		}
	}
	if o, err := runCLI(t, home, "audit", "verify"); err != nil {
		t.Fatalf("audit verify after training: %v\n%s", err, o)
	}
}

// seededHome records a demo session (applied, undone and edited
// suggestions) and returns its data directory.
func seededHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(binary, "demo", "-keep", "-dir", "../../testdata/demo")
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	first := strings.SplitN(string(out), "\n", 2)[0]
	i := strings.Index(first, "data in ")
	if i < 0 {
		t.Fatalf("demo did not say where its data is: %q", first)
	}
	home := filepath.Join(strings.TrimSpace(first[i+len("data in "):]), "data")
	if st := status(t, home); st.Preferences < 10 {
		t.Fatalf("the demo session left %d preferences", st.Preferences)
	}
	return home
}

// retrainOverLSP asks a running server to retrain: $/progress begin,
// report and end arrive, and the server answers with the run's decision and
// serves the new adapter when it was accepted.
func retrainOverLSP(t *testing.T, home string) {
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	defer cancel()
	c, cmd := serve(t, ctx, home)
	defer func() { _ = c.Shutdown(ctx); _ = cmd.Wait() }()
	var res struct {
		Decision string `json:"decision"`
		Active   string `json:"active"`
	}
	if err := c.Command(ctx, "syntx.retrain", &res); err != nil {
		t.Fatalf("syntx.retrain: %v", err)
	}
	kinds := map[string]int{}
	for _, n := range c.Notifications() {
		if n.Method != "$/progress" {
			continue
		}
		var p struct {
			Value struct {
				Kind string `json:"kind"`
			} `json:"value"`
		}
		_ = json.Unmarshal(n.Params, &p)
		kinds[p.Value.Kind]++
	}
	if kinds["begin"] != 1 || kinds["report"] < 1 || kinds["end"] != 1 {
		t.Fatalf("progress notifications %v, want one begin, reports, one end", kinds)
	}
	var st struct {
		Policy  string  `json:"policy"`
		Adapter *string `json:"adapter"`
	}
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		t.Fatal(err)
	}
	if res.Decision == "accepted" && (st.Adapter == nil || !strings.Contains(st.Policy, res.Active)) {
		t.Fatalf("accepted %s, but the server serves %q (adapter %v)", res.Active, st.Policy, st.Adapter)
	}
	if res.Decision != "accepted" && res.Decision != "rejected" {
		t.Fatalf("decision %q", res.Decision)
	}
	// Rolling back over LSP returns to the base.
	if res.Decision == "accepted" {
		if err := c.Command(ctx, "syntx.rollback", nil); err != nil {
			t.Fatalf("syntx.rollback: %v", err)
		}
		if err := c.Command(ctx, "syntx.status", &st); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(st.Policy, "base") {
			t.Fatalf("after rollback the server serves %q", st.Policy)
		}
	}
}

// retrainWhileAnswering stops the trainer of a syntx.retrain in flight
// (SIGSTOP) and asks for syntx.status: the server answers, saying a run is
// in progress, because the retrain does not hold the read loop. Then the
// trainer continues and the retrain answers.
func retrainWhileAnswering(t *testing.T, home string) {
	ctx := testwait.Context(t)
	c, cmd := serve(t, ctx, home)
	defer func() { _ = c.Shutdown(ctx); _ = cmd.Wait() }()
	answered := make(chan error, 1)
	go func() { answered <- c.Command(ctx, "syntx.retrain", nil) }()
	if _, err := c.WaitFor(ctx, func(n lspclient.Notification) bool {
		return n.Method == "$/progress" && strings.Contains(string(n.Params), `"report"`)
	}); err != nil {
		t.Fatalf("waiting for the retrain's progress: %v", err)
	}
	trainer := childProcess(t, cmd.Process.Pid, "train")
	if err := syscall.Kill(trainer, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Training struct {
			Running bool `json:"running"`
		} `json:"training"`
	}
	err := c.Command(ctx, "syntx.status", &st)
	_ = syscall.Kill(trainer, syscall.SIGCONT)
	if err != nil {
		t.Fatalf("syntx.status while a retrain runs: %v", err)
	}
	if !st.Training.Running {
		t.Fatal("syntx.status answered during the retrain but says no run is in progress")
	}
	if err := testwait.For(t, answered, "syntx.retrain to answer once its trainer continues"); err != nil {
		t.Fatalf("syntx.retrain: %v", err)
	}
}

// childProcess returns the pid of the child of parent whose command line
// contains word (Linux /proc).
func childProcess(t *testing.T, parent int, word string) int {
	t.Helper()
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", parent))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(field)
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if strings.Contains(string(cmdline), word) {
				return pid
			}
		}
	}
	t.Fatalf("no child process of %d runs %q (read from /proc/%d/task/*/children)", parent, word, parent)
	return 0
}

func adapterName(v *string) string {
	if v == nil {
		return "none"
	}
	return *v
}
