package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/syntax"
)

func TestDiffWindow(t *testing.T) {
	long := func(s string) string {
		b := make([]byte, 0, 10000+len(s))
		for i := 0; i < 5000; i++ {
			b = append(b, 'a'+byte(i%26))
		}
		b = append(b, s...)
		for i := 0; i < 5000; i++ {
			b = append(b, 'a'+byte(i%26))
		}
		return string(b)
	}
	for _, c := range []struct{ old, now string }{
		{"", ""}, {"abc", "abc"}, {"abc", "abxc"}, {"abxc", "abc"}, {"aaa", "aaaa"},
		{"", "x"}, {"x", ""}, {"hello world", "hello, world!"},
		{long("count"), long("counxt")}, {long("x"), long("")}, {long(""), long("")},
	} {
		s, oe, ne := DiffWindow(syntax.NewText([]byte(c.old)), syntax.NewText([]byte(c.now)))
		if s > oe || s > ne || c.old[:s] != c.now[:s] || c.old[oe:] != c.now[ne:] {
			t.Errorf("%q -> %q: window %d %d %d does not explain the change", c.old, c.now, s, oe, ne)
		}
		if c.old == c.now && (oe != s || ne != s) {
			t.Errorf("%q: no change, but window %d %d %d", c.old, s, oe, ne)
		}
		if c.old == "abc" && c.now == "abxc" && (s != 2 || oe != 2 || ne != 3) {
			t.Errorf("abc -> abxc: window %d %d %d, want 2 2 3", s, oe, ne)
		}
	}
}

// TestStatementWordEdits: typing into, deleting, swapping and writing
// statement words (var → vxar, let → const, return deleted, "var " written
// before a line's first word), and now and then a word that reaches further
// (eval, function, global), in files shaped as real ones in every language:
// after each edit, and after undoing it, the incremental matches must equal
// a full rescan of the same tree. (TestIndexScopeDependencies holds the
// edits whose answer the statement's words decide.)
func TestStatementWordEdits(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	for _, s := range corpus.Shapes {
		t.Run(string(s), func(t *testing.T) {
			t.Parallel()
			g := s.Grammar()
			src := corpus.GenerateShape(s, 400)
			lang, _ := syntax.LanguageOf(g)
			var sites []int
			for _, w := range lang.StatementWords {
				for i := 0; ; {
					j := strings.Index(src[i:], w)
					if j < 0 {
						break
					}
					at := i + j
					if (at == 0 || !identByte(src[at-1])) && (at+len(w) == len(src) || !identByte(src[at+len(w)])) {
						sites = append(sites, at)
					}
					i = at + len(w)
				}
			}
			if len(sites) < 20 {
				t.Fatalf("%s: %d statement words, want at least 20", s, len(sites))
			}
			slices.Sort(sites)
			words := lang.StatementWords
			far := slices.DeleteFunc(slices.Clone(lang.BindingWords), func(w string) bool { return slices.Contains(words, w) })
			rng := rand.New(rand.NewPCG(uint64(len(src)), 7))
			ctx := context.Background()
			text := syntax.NewText([]byte(src))
			tree, err := syntax.Parse(ctx, g, text.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			ix := NewIndex(lib.Set(g), tree, text)
			check := func(what string) {
				t.Helper()
				want := matchKeys(NewIndex(lib.Set(g), tree, text).Matches(tree, text), text.Bytes())
				if got := matchKeys(ix.Matches(tree, text), text.Bytes()); got != want {
					t.Fatalf("%s: incremental matches differ\n--- got\n%s--- want\n%s", what, got, want)
				}
			}
			for n := 0; n < 60; n++ {
				at := sites[rng.IntN(len(sites))]
				src := string(text.Bytes())
				if at >= len(src) {
					continue
				}
				end := at
				for end < len(src) && identByte(src[end]) {
					end++
				}
				var a, b int
				var repl string
				switch rng.IntN(4) {
				case 0: // a letter typed inside the word
					a, b, repl = at+1, at+1, "x"
				case 1: // the word deleted
					a, b = at, end
				case 2: // another statement word, or one that reaches further
					a, b, repl = at, end, words[rng.IntN(len(words))]
					if rng.IntN(3) == 0 {
						repl = far[rng.IntN(len(far))]
					}
				default: // a statement word written before the line's first word
					a = strings.LastIndexByte(src[:at], '\n') + 1
					for a < len(src) && (src[a] == ' ' || src[a] == '\t') {
						a++
					}
					b, repl = a, words[rng.IntN(len(words))]+" "
				}
				old := src[a:b]
				text = keystroke(t, tree, ix, text, a, b, repl)
				check(fmt.Sprintf("step %d: %q at %d → %q", n, old, a, repl))
				if rng.IntN(2) == 0 {
					text = keystroke(t, tree, ix, text, a, a+len(repl), old)
					check(fmt.Sprintf("step %d: undone", n))
				}
			}
		})
	}
}

// TestStatementWordDependencies: an edit of a statement word alone, 3,000
// lines from a var it changes the answer for: the declaration it changes
// is written beside it (the name after var, the for-of around it), not in
// the edit, and the var's match must follow as a full parse's does.
func TestStatementWordDependencies(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	for _, c := range []struct {
		last     string // farDecl's far line
		old, new string // the edit: the first old of that line becomes new
	}{
		{"var total = 2;", "var", "vxar"},
		{"var total = 2;", "var", "let"},
		{"var total = 2;", "var ", ""},
		{"total = 2;", "", "var "},
		{"for (var total of xs) step(total);", "var", "vxar"},
		{"for (var total of xs) step(total);", "for", "fxor"},
		{"for (vxar total of xs) step(total);", "vxar", "var"},
	} {
		t.Run(c.last+" "+c.old+"→"+c.new, func(t *testing.T) {
			t.Parallel()
			src := farDecl(c.last)
			text, tree, ix, before := indexed(t, lib, syntax.JavaScript, src)
			at := strings.LastIndex(src, c.last) + strings.Index(c.last, c.old)
			text = keystroke(t, tree, ix, text, at, at+len(c.old), c.new)
			checkAgainstFreshParse(t, lib, syntax.JavaScript, tree, ix, text, before)
			if w := ix.LastWork(); w.Nodes > 8 {
				t.Errorf("re-matched %d nodes: the edit's statement holds two names", w.Nodes)
			}
		})
	}
}

// TestDepDetailsShared: the matches and refusals of one round of matching
// that looked up the same words share one detail, and every refusal made because the file is minified shares one detail. A bundle's
// index keeps one match or refusal per declaration; one detail each was
// most of the objects a collection had to mark while the bundle was typed
// in.
func TestDepDetailsShared(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	var b strings.Builder
	b.WriteString("function f(xs) {\n")
	for i := range 40 {
		fmt.Fprintf(&b, "  if (xs[%d]) {\n    var total = %d;\n    step(total);\n  }\n", i, i)
	}
	b.WriteString("}\n")
	src := b.String()
	text, tree, ix, _ := indexed(t, lib, syntax.JavaScript, src)
	byWords := map[string]*depDetail{}
	seen := 0
	check := func(what string, d *depDetail) {
		if d == nil || d.inexact || d.minified {
			return
		}
		seen++
		k := strings.Join(d.words, " ")
		if other, ok := byWords[k]; ok && other != d {
			t.Errorf("%s: two details for the words %q", what, k)
		}
		byWords[k] = d
	}
	for _, m := range ix.Matches(tree, text) {
		check("match "+m.Rule.ID, m.dep)
	}
	for _, r := range ix.rejected.all() {
		check("refusal "+r.rule.ID, r.dep)
	}
	if seen < 40 {
		t.Fatalf("%d matches and refusals with words; the test expects one per declaration at least", seen)
	}

	// A minified file: every refusal of a scope predicate shares one detail.
	min := minifiedEdge()
	min = min[:strings.LastIndex(min, "\n")] + min[strings.LastIndex(min, "\n")+1:] // one newline fewer
	_, _, mix, _ := indexed(t, lib, syntax.JavaScript, min)
	n := 0
	for _, r := range mix.rejected.all() {
		if r.dep != nil && r.dep.minified {
			n++
			if r.dep != minifiedDeps {
				t.Errorf("refusal %s on a minified file has a detail of its own", r.rule.ID)
			}
		}
	}
	if n == 0 {
		t.Fatal("no refusal on the minified file: the test checks nothing")
	}
}
