package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/rulecheck"
)

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"run", "-targets", "some"}, "want none, breaks or all"},
		// Judged samples below the targets fail, naming the language.
		{[]string{"judged", "-judged", "/nonexistent", "-report", "/nonexistent/report.json"}, "go: 0 judged suggestions, want at least 40"},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %v = %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}

// TestSampleRefusesToDropVerdicts: drawing again from a changed run would
// drop judged suggestions; sample says which and writes nothing, unless
// -force.
func TestSampleRefusesToDropVerdicts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	judged := filepath.Join(dir, "judged")
	writeRun := func(n int) string {
		r := &rulecheck.Result{Lines: map[string]int{"go": 10000}, Packages: []string{"p"}}
		for i := 0; i < n; i++ {
			r.Offers = append(r.Offers, &rulecheck.Offer{Rule: "go.x", Language: "go", Package: "p", File: fmt.Sprintf("f%03d.go", i),
				Line: i + 1, Before: fmt.Sprint("x", i), After: fmt.Sprint("y", i), Automatic: true})
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("report-%d.json", n))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"sample", "-report", writeRun(100), "-judged", judged}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	s, err := rulecheck.LoadSample(judged, "go")
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Items {
		s.Items[i].Verdict, s.Items[i].Reason = rulecheck.Welcome, "judged"
	}
	if err := s.Save(judged); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(rulecheck.SamplePath(judged, "go"))
	if err != nil {
		t.Fatal(err)
	}
	changed := writeRun(101)
	err = run(ctx, []string{"sample", "-report", changed, "-judged", judged}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "would drop") || !strings.Contains(err.Error(), "go: go.x p f") {
		t.Fatalf("sample from a changed run = %v, want it to refuse and name the dropped verdicts", err)
	}
	if !strings.Contains(err.Error(), "in no other judged file, and the priors count them") || strings.Contains(err.Error(), "also in") {
		t.Errorf("with no round file, every dropped verdict is the only one: %v", err)
	}
	if after, _ := os.ReadFile(rulecheck.SamplePath(judged, "go")); !bytes.Equal(after, before) {
		t.Fatal("a refused sample wrote the judged file")
	}
	// Kept in a round file, as the README's rounds keep a replaced sample,
	// the verdicts are no longer the only ones.
	if err := os.MkdirAll(filepath.Join(judged, "round1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(judged, "round1", "go-sample.toml"), before, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"sample", "-report", changed, "-judged", judged}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "also in round1/go-sample.toml") || strings.Contains(err.Error(), "in no other judged file") {
		t.Errorf("with the old sample in a round file: %v, want every dropped verdict found there", err)
	}
	// Another language's draw leaves this one's sample alone.
	if err := run(ctx, []string{"sample", "-report", changed, "-judged", judged, "-lang", "python"}, &out, &errOut); err != nil {
		t.Errorf("sample -lang python: %v", err)
	}
	if after, _ := os.ReadFile(rulecheck.SamplePath(judged, "go")); !bytes.Equal(after, before) {
		t.Error("sample -lang python wrote the go sample")
	}
	if err := run(ctx, []string{"sample", "-report", changed, "-judged", judged, "-lang", "cobol"}, &out, &errOut); err == nil {
		t.Error("sample -lang cobol: no error")
	}
	out.Reset()
	if err := run(ctx, []string{"sample", "-report", changed, "-judged", judged, "-force"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dropped") {
		t.Errorf("-force did not say what it dropped:\n%s", out.String())
	}
	if after, _ := os.ReadFile(rulecheck.SamplePath(judged, "go")); bytes.Equal(after, before) {
		t.Error("-force did not write the new draw")
	}
}
