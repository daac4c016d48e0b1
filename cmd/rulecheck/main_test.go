package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
