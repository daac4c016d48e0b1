package rules

import (
	"runtime"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/internal/testwait"
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
func heldWith(word string) (n int) {
	queryCache.mu.Lock()
	defer queryCache.mu.Unlock()
	for k := range queryCache.held {
		if strings.Contains(k.text, word) {
			n++
		}
	}
	return n
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
