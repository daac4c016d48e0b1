package rules

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/syntx/syntx/syntax"
)

var (
	fuzzLibOnce sync.Once
	fuzzLib     *Library
)

func builtinLibrary(t testing.TB) *Library {
	fuzzLibOnce.Do(func() { fuzzLib = Load(Source{Name: "builtin", FS: Builtin()}) })
	return fuzzLib
}

// fuzzEditPieces are inserted by the fuzzed edit: syntax that opens and
// closes constructs, line endings of every kind, multi-byte text.
var fuzzEditPieces = []string{"", "x", "\n", "\r\n", "\r", "(", ")", "{", "}\n", "\"", "'", "`", "//", "#", "é😀", "\x00", "\xff", " == None", "err", "fmt.Errorf(\"%v\", err)\n"}

// FuzzRules parses arbitrary bytes with a grammar, checks that the rules'
// rooted patterns match what their queries as written match, runs the
// builtin rules over the whole tree and over a fuzzed range, renders and
// applies every match's fix, then makes a fuzzed edit and checks the
// incrementally maintained index against a full rescan of the edited tree.
// Nothing may panic; a fix's edits must be sorted, disjoint and inside the
// document. Seeds: testdata/fuzz/FuzzRules.
func FuzzRules(f *testing.F) {
	f.Add([]byte("package p\n\nimport \"fmt\"\n\nfunc f(err error) error { return fmt.Errorf(\"x: %v\", err) }\n"), uint8(0), uint64(1))
	f.Add([]byte("import yaml\n\ndef f(x=[]):\n    if x == None:\n        return yaml.load(x)\n"), uint8(1), uint64(2))
	f.Add([]byte("function f(a) { if (a == null) { el.innerHTML = a; } return JSON.parse(JSON.stringify(a)); }\n"), uint8(2), uint64(3))
	f.Add([]byte("function f(a: any) { return a!.b == 1; }\n"), uint8(3), uint64(4))
	f.Add([]byte("const C = (p: any) => <div>{p == 1}</div>;\n"), uint8(4), uint64(5))
	f.Add([]byte("\xff\x00\r\n\r("), uint8(0), uint64(6))
	f.Fuzz(func(t *testing.T, src []byte, lang uint8, seed uint64) {
		if len(src) > 1<<14 {
			return // the engine's cost is linear; big inputs only slow the fuzzer
		}
		lib := builtinLibrary(t)
		g := syntax.Grammars[int(lang)%len(syntax.Grammars)]
		set := lib.Set(g)
		ctx := context.Background()
		tree, err := syntax.Parse(ctx, g, src)
		if err != nil {
			return // the parse timed out: the document is then text only
		}
		defer tree.Close()
		rng := rand.New(rand.NewPCG(seed, 0x5eed))

		// The rooted patterns the index runs find what the queries as
		// written find.
		if got, want := rootedMatches(set, tree, src), originalMatches(t, set, tree, src); !slices.Equal(got, want) {
			t.Fatalf("%s: rooted matches differ\n--- got\n%s\n--- want\n%s", g, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		ix := NewIndex(set, tree, syntax.NewText(src))
		all := ix.Matches(tree, syntax.NewText(src))
		for _, m := range all {
			checkMatch(t, m, src)
			edits, err := Fix(m, tree, src)
			if err != nil {
				continue // a rule whose fix cannot be rendered here is skipped by the server
			}
			checkEdits(t, m, edits, len(src))
			_ = Apply(src, edits)
		}

		// A fuzzed range must give a subset of the full matches.
		a, b := rng.IntN(len(src)+1), rng.IntN(len(src)+1)
		if a > b {
			a, b = b, a
		}
		set.MatchRange(tree, syntax.NewText(src), a, b, func(m Match) { checkMatch(t, m, src) })
		for _, m := range ix.Within(tree, syntax.NewText(src), a, b) {
			if m.Site.Start > b || m.Site.End < a {
				t.Fatalf("Within(%d, %d) gave %s", a, b, m)
			}
		}

		// One fuzzed edit, applied incrementally and compared with a
		// rescan of a fresh parse.
		text := syntax.NewText(src)
		s := rng.IntN(text.Len() + 1)
		e := min(text.Len(), s+rng.IntN(8))
		repl := fuzzEditPieces[rng.IntN(len(fuzzEditPieces))]
		text, ed := text.Replace(s, e, []byte(repl))
		tree.Edit(ed)
		ix.Edit(ed)
		changed, err := tree.Reparse(ctx, text)
		if err != nil {
			return
		}
		ix.Refresh(tree, text, changed)
		// Compared with a rescan of the same tree: under error recovery an
		// incremental parse can differ from a fresh one.
		want := matchKeys(NewIndex(set, tree, text).Matches(tree, text), text.Bytes())
		if got := matchKeys(ix.Matches(tree, text), text.Bytes()); got != want {
			t.Fatalf("%s: incremental matches differ after replacing %d-%d with %q\n--- got\n%s--- want\n%s--- text\n%q", g, s, e, repl, got, want, text.Bytes())
		}
	})
}

func checkMatch(t *testing.T, m Match, src []byte) {
	t.Helper()
	if m.Rule == nil {
		t.Fatalf("match without a rule: %+v", m)
	}
	if m.Site.Start < 0 || m.Site.Start > m.Site.End || m.Site.End > len(src) {
		t.Fatalf("%s: site outside the document (%d bytes)", m, len(src))
	}
	for _, c := range m.Captures {
		if c.Span.Start < 0 || c.Span.Start > c.Span.End || c.Span.End > len(src) {
			t.Fatalf("%s: capture %s %v outside the document (%d bytes)", m, c.Name, c.Span, len(src))
		}
	}
}

func checkEdits(t *testing.T, m Match, edits []TextEdit, n int) {
	t.Helper()
	last := 0
	for _, e := range edits {
		if e.Span.Start < last || e.Span.Start > e.Span.End || e.Span.End > n {
			t.Fatalf("%s: fix edits not sorted, disjoint and inside the document (%d bytes): %+v", m, n, edits)
		}
		last = e.Span.End
	}
}
