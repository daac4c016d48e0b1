package rules

import (
	"context"
	"testing"
)

func TestBuiltinExamples(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	for _, p := range lib.Problems {
		t.Errorf("problem: %s", p)
	}
	for _, r := range lib.TestExamples(context.Background()) {
		if r.Err != nil {
			t.Errorf("%s (%s) example %d: %v", r.Rule.ID, r.Grammar, r.Index, r.Err)
		}
	}
}
