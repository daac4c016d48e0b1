package rules

import (
	"runtime"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/syntax"
)

// probeRule is a user's rule whose query text no other test compiles.
func probeRule(word string) []byte {
	return []byte(`[[rule]]
id = "go.query-cache-probe"
language = "go"
category = "style"
title = "Probe"
message = "m"
prior = 0.5
query = '((identifier) @site (#eq? @site "` + word + `"))'
fix = 'x'
`)
}

// heldWith counts the held (not pinned) queries whose text holds word.
func heldWith(word string) int {
	return queryCache.held.count(func(k queryKey) bool { return strings.Contains(k.text, word) })
}

// TestQueryCacheLetsGo: a query that holds a user's or a workspace's rule
// (the rule's own, and its grammar's combined query, built-in patterns
// included) is shared by the libraries that hold it and goes once none
// does, so that saving a rule file again and again does not keep a
// compiled copy of the grammar's whole query per save. A built-in rule's
// query is kept for good.
func TestQueryCacheLetsGo(t *testing.T) {
	t.Parallel()
	const word = "syntxQueryCacheProbe"
	user := func() Source {
		return Source{Name: "/u/rules", Origin: OriginUser, Files: []safeio.File{{Name: "probe.toml", Data: probeRule(word)}}}
	}
	load := func() *Library {
		lib := Load(Source{Name: "builtin", Origin: OriginBuiltin, FS: Builtin()}, user())
		if p := lib.Problems; len(p) > 0 {
			t.Fatalf("problems: %v", p)
		}
		return lib
	}
	a, b := load(), load()
	ra, rb := a.Rule("go.query-cache-probe"), b.Rule("go.query-cache-probe")
	if ra == nil || rb == nil {
		t.Fatal("the probe rule did not load")
	}
	ca, err := ra.compiled("go")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := rb.compiled("go")
	if err != nil {
		t.Fatal(err)
	}
	if ca != cb {
		t.Error("two libraries holding one user rule compiled its query twice")
	}
	if n := heldWith(word); n < 2 {
		t.Fatalf("%d held queries hold the user's rule; want its own and the combined one at least", n)
	}
	builtin := a.Rule("go.errorf-wrap")
	cq, err := builtin.compiled("go")
	if err != nil {
		t.Fatal(err)
	}
	if _, pinned := queryCache.pinned.Load(queryKey{"go", builtin.Query}); !pinned {
		t.Error("a built-in rule's query is not pinned")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	a, b, ra, rb, ca, cb = nil, nil, nil, nil, nil, nil
	testwait.Until(t, "the user rule's queries to go once no library holds them", func() bool {
		runtime.GC()
		return heldWith(word) == 0
	})
	if _, pinned := queryCache.pinned.Load(queryKey{"go", builtin.Query}); !pinned {
		t.Error("a built-in rule's query went with the libraries")
	}
	runtime.KeepAlive(cq)
}

// TestRefusedPredicateRuleLeftOut: a user's rule whose predicate
// go-tree-sitter refuses (#eq? with one argument) is reported with the
// binding's words and left out before the grammar's rules are combined
// (the binding leaks a query it refuses: syntax.QueryRefusal), and the
// other rules, the user's own good one included, load and combine.
func TestRefusedPredicateRuleLeftOut(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(string(probeRule("x")), `(#eq? @site "x")`, `(#eq? @site)`, 1)
	bad = strings.Replace(bad, "go.query-cache-probe", "go.refused-probe", 1)
	good := strings.Replace(string(probeRule("y")), "go.query-cache-probe", "go.accepted-probe", 1)
	lib := Load(Source{Name: "builtin", Origin: OriginBuiltin, FS: Builtin()},
		Source{Name: "/u/rules", Origin: OriginUser, Files: []safeio.File{{Name: "bad.toml", Data: []byte(bad)}, {Name: "good.toml", Data: []byte(good)}}})
	set := lib.Set("go")
	var msgs []string
	for _, p := range lib.Problems {
		msgs = append(msgs, p.Err.Error())
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "go.refused-probe") || !strings.Contains(all, "wrong number of arguments to `#eq?` predicate. Expected 2, got 1") {
		t.Errorf("problems do not name the refused rule and why:\n%s", all)
	}
	if strings.Contains(all, "do not combine") {
		t.Errorf("the rules were matched one by one:\n%s", all)
	}
	if len(set.queries) != 1 {
		t.Errorf("%d queries for go, want the combined one", len(set.queries))
	}
	found := false
	for _, r := range set.rules {
		if r.ID == "go.refused-probe" {
			t.Error("the refused rule is in the set")
		}
		found = found || r.ID == "go.accepted-probe"
	}
	if !found {
		t.Error("the user's good rule is not in the set")
	}

}

// TestRefusedPredicateRuleLeaksNothing: loaded again and again (a rule
// file saved), a library with a refused rule leaks no compiled query: the
// binding never sees the rule. Not parallel: it measures the C heap, which
// other tests' trees would move.
func TestRefusedPredicateRuleLeaksNothing(t *testing.T) {
	bad := strings.Replace(string(probeRule("x")), `(#eq? @site "x")`, `(#eq? @site)`, 1)
	bad = strings.Replace(bad, "go.query-cache-probe", "go.refused-probe", 1)
	if syntax.CHeapInUse() < 0 {
		t.Skip("the C heap is measured with glibc's mallinfo2")
	}
	load := func() {
		l := Load(Source{Name: "builtin", Origin: OriginBuiltin, FS: Builtin()},
			Source{Name: "/u/rules", Origin: OriginUser, Files: []safeio.File{{Name: "bad.toml", Data: []byte(bad)}}})
		l.Set("go")
		runtime.GC() // the combined query held for l goes
		runtime.GC()
	}
	load()
	// Each leak was the Go rules' combined query, some 85 KB; glibc counts
	// what its threads' caches keep as in use, up to a few hundred KB.
	const n = 16
	before := syntax.CHeapInUse()
	for range n {
		load()
	}
	grown := syntax.CHeapInUse() - before
	t.Logf("%d loads: C heap %+d bytes", n, grown)
	if grown > 500_000 {
		t.Errorf("%d loads with the refused rule left %d bytes of C heap", n, grown)
	}
}
