package rules

import (
	"testing"

	"github.com/syntx/syntx/syntax"
)

// The Go rules of issue 21's second round: what their preconditions rest on.

func TestPredicateGoBuild(t *testing.T) {
	t.Parallel()
	q := `((package_clause) @site (#go-build? @site "go1[.]"))`
	not := `((package_clause) @site (#not-go-build? @site "go1[.]"))`
	g := syntax.Go
	runPredCases(t, []predCase{
		{"go:build with a version", g, q, "//go:build go1.21 && !go1.22\n\npackage p\n", 1},
		{"+build with a version", g, q, "// +build go1.7\n\npackage p\n", 1},
		{"after a licence header", g, q, "// Copyright 2024.\n\n//go:build linux || go1.20\n\npackage p\n", 1},
		{"constraint without a version", g, q, "//go:build linux && !noquic\n\npackage p\n", 0},
		{"no constraint", g, q, "package p\n", 0},
		{"a doc comment that mentions a version", g, q, "// Package p needs go1.21 features.\npackage p\n", 0},
		{"a directive after the package clause", g, q, "package p\n\n//go:build go1.21\nfunc f() {}\n", 0},
		{"negated: no constraint", g, not, "package p\n", 1},
		{"negated: a version", g, not, "//go:build go1.21\n\npackage p\n", 0},
	})
}

// TestLoopvarCopyNeedsGo122: before go 1.22 in go.mod, and where no go.mod
// says, a range loop may share one variable and the copy matters.
func TestLoopvarCopyNeedsGo122(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	r := lib.Rule("go.loopvar-copy")
	if r == nil {
		t.Fatal("go.loopvar-copy is not loaded")
	}
	for _, c := range []struct {
		goVersion int
		want      bool
	}{{0, false}, {1021, false}, {1022, true}, {1026, true}} { // 0: no go.mod declares a version
		if ok, why := (Target{Go: c.goVersion}).Allows(r, syntax.Go); ok != c.want {
			t.Errorf("go %d: allowed %v (%s), want %v", c.goVersion, ok, why, c.want)
		}
	}
}
