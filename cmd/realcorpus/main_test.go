package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
)

func TestUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"frobnicate"}, &out, &errOut); err == nil || !strings.Contains(errOut.String(), "commands:") {
		t.Fatalf("unknown command: %v, stderr %q", err, errOut.String())
	}
	if err := run(t.Context(), nil, &out, &errOut); err == nil {
		t.Fatal("no command accepted")
	}
}

// TestList lists the fetched corpus (the CI subset at least) as a
// developer would.
func TestList(t *testing.T) {
	c := realcorpus.Require(t, "py-six", "umd-5k", "typescript")
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"list", "-cache", c.Dir()}, &out, &errOut); err != nil {
		t.Fatalf("list: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"language", "python", "py-six", "bench files:", "umd-5k", "tools:", "tsc"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list does not show %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"path", "-cache", c.Dir(), "umd-5k"}, &out, &errOut); err != nil || !strings.HasSuffix(strings.TrimSpace(out.String()), "moment.js") {
		t.Fatalf("path umd-5k: %q, %v", out.String(), err)
	}
}
