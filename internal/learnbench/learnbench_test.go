package learnbench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestFeedbackMovesServedRanking is the benchmark in miniature: a persona
// that wants performance suggestions only gives 20 pieces of feedback over
// LSP, the server retrains, and on held-out files the automatic triggers
// show less of what it rejects and stay silent more often.
func TestFeedbackMovesServedRanking(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a real session")
	}
	bin := os.Getenv("SYNTX_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "syntx")
		if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/syntx").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{
		Binary: bin, Corpus: "../../testdata/corpus", Personas: []string{"performance-auditor"},
		Objectives: []string{"kl"}, Noise: []float64{0}, Checkpoints: []int{0, 20}, HeldOut: 60, Seed: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Curves[0]
	before, after := c.Points[0], c.Points[len(c.Points)-1]
	t.Logf("before: %+v\nafter:  %+v\nactions %v", before, after, c.Actions)
	if after.Events != 20 || after.TrainDecision != "accepted" {
		t.Fatalf("after %d events the run was %q", after.Events, after.TrainDecision)
	}
	if !(after.Noise < before.Noise && after.SilenceRecall > before.SilenceRecall) {
		t.Fatalf("feedback did not move the ranking toward the persona: noise %.2f→%.2f, silence recall %.2f→%.2f",
			before.Noise, after.Noise, before.SilenceRecall, after.SilenceRecall)
	}
}
