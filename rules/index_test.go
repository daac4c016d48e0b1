package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/syntax"
)

var indexCorpus = map[syntax.Grammar]struct {
	src    string
	pieces []string
}{
	syntax.Go: {
		src: `package p

import (
	"errors"
	"fmt"
	"os"
	"time"
)

func a(err error) error { return fmt.Errorf("a: %v", err) }

func b(xs []string) {
	for _, x := range xs {
		defer close(x)
	}
	if err == os.ErrNotExist {
		return errors.New(fmt.Sprintf("%d", time.Now().Sub(t)))
	}
}
`,
		pieces: []string{"x", "\n", "}", "{", "for {\n", "defer f()\n", `fmt.Errorf("x %v", err)`, "err == os.ErrNotExist", "time.Now().Sub(t)", "// ", "\"", "return\n"},
	},
	syntax.Python: {
		src: `import yaml


def f(x=[], y={}):
    if x == None:
        return yaml.load(y)
    try:
        pass
    except:
        pass
`,
		pieces: []string{"x", "\n", "    ", "def g(a=[]):\n    pass\n", "yaml.load(s)", " == None", "except:\n", "#", "'", "):"},
	},
	// Scope predicates: whether var becomes let depends on uses far from
	// the declaration, so edits there must make matches appear and go.
	syntax.JavaScript: {
		src: `const lib = require("lib");
var total = 0;
var unused = 1;
function f(c) {
  if (c) {
    var x = 1;
    use(x);
  }
  for (var i = 0; i < 3; i++) {
    run(i);
  }
  var d = new Date().getTime();
  return d;
}
report(total);
`,
		pieces: []string{"x", "\n", "}", "{", "i", " x;", "use(x);", "var x = 2;", "() => i", "Date.now ? 1 : ", "//", "eval(s);", "return x;",
			"total = 2;", "total", "unused++;", "require", "function Date() {}\n"},
	},
	syntax.TypeScript: {
		src: `function f(a: any, b?: any) {
  if (a == b) { el.innerHTML = a!.x; }
  return JSON.parse(JSON.stringify(b));
}
`,
		pieces: []string{"x", "\n", "}", "{", " == ", "el.innerHTML = v;", "a!.b", "JSON.parse(JSON.stringify(q))", "(p: any) => p", "`", "//"},
	},
}

func matchKeys(ms []Match, src []byte) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %d-%d %q [", m.Rule.ID, m.Site.Start, m.Site.End, src[m.Site.Start:m.Site.End])
		for _, c := range m.Captures {
			fmt.Fprintf(&b, " %s:%d-%d", c.Name, c.Span.Start, c.Span.End)
		}
		b.WriteString(" ]\n")
	}
	return b.String()
}

// TestIndexIncrementalEqualsFull edits documents at random and checks, after
// every edit, that the incrementally maintained matches equal a full rescan.
func TestIndexIncrementalEqualsFull(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	ctx := context.Background()
	for g, c := range indexCorpus {
		t.Run(string(g), func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 12; seed++ {
				rng := rand.New(rand.NewPCG(seed, 99))
				text := syntax.NewText([]byte(c.src))
				tree, err := syntax.Parse(ctx, g, text.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				ix := NewIndex(lib.Set(g), tree, text.Bytes())
				if len(ix.Matches(tree, text.Bytes())) < 4 {
					t.Fatalf("corpus matches only %d times", len(ix.Matches(tree, text.Bytes())))
				}
				for step := 0; step < 40; step++ {
					for k := 1 + rng.IntN(2); k > 0; k-- { // one or two changes per notification
						a := rng.IntN(text.Len() + 1)
						b := min(text.Len(), a+rng.IntN(6))
						if rng.IntN(3) == 0 {
							b = a
						}
						repl := ""
						if rng.IntN(4) > 0 {
							repl = c.pieces[rng.IntN(len(c.pieces))]
						}
						var e syntax.Edit
						text, e = text.Replace(a, b, []byte(repl))
						tree.Edit(e)
						ix.Edit(e)
					}
					changed, err := tree.Reparse(ctx, text.Bytes())
					if err != nil {
						t.Fatal(err)
					}
					ix.Refresh(tree, text, changed)
					full, err := syntax.Parse(ctx, g, text.Bytes())
					if err != nil {
						t.Fatal(err)
					}
					fullMatches := NewIndex(lib.Set(g), full, text.Bytes()).Matches(full, text.Bytes())
					want := matchKeys(fullMatches, text.Bytes())
					full.Close()
					// Matching only near a cursor must agree too before the flush.
					cur := rng.IntN(text.Len() + 1)
					got := map[string]bool{}
					for _, m := range ix.Within(tree, text.Bytes(), cur, cur) {
						k := fmt.Sprintf("%s %d-%d ", m.Rule.ID, m.Site.Start, m.Site.End)
						got[k] = true
						if !strings.Contains(want, k) {
							t.Fatalf("seed %d step %d: Within gave %s, not in a full rescan", seed, step, m)
						}
					}
					for _, m := range fullMatches {
						if m.Site.Start <= cur && cur <= m.Site.End && !got[fmt.Sprintf("%s %d-%d ", m.Rule.ID, m.Site.Start, m.Site.End)] {
							t.Fatalf("seed %d step %d: Within(%d) missed %s", seed, step, cur, m)
						}
					}
					full.Close()
					if got := matchKeys(ix.Matches(tree, text.Bytes()), text.Bytes()); got != want {
						t.Fatalf("seed %d step %d: incremental matches differ\n--- got\n%s--- want\n%s--- text\n%s", seed, step, got, want, text.Bytes())
					}
				}
				tree.Close()
			}
		})
	}
}

// TestWithinByDeadline: a request whose deadline has passed answers with
// what is already matched and leaves the rest pending for later requests.
func TestWithinByDeadline(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	ctx := context.Background()
	src := indexCorpus[syntax.Go].src
	text := syntax.NewText([]byte(src))
	tree, err := syntax.Parse(ctx, syntax.Go, text.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	ix := NewIndex(lib.Set(syntax.Go), tree, text.Bytes())
	at := strings.Index(src, "fmt.Errorf")
	var e syntax.Edit
	text, e = text.Replace(at, at, []byte(" "))
	tree.Edit(e)
	ix.Edit(e)
	changed, err := tree.Reparse(ctx, text.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	ix.Refresh(tree, text, changed)
	if ix.Pending() == 0 {
		t.Fatal("nothing pending after an edit")
	}
	at += 3 // inside the call, now one byte further
	late := ix.WithinBy(tree, text.Bytes(), at, at, time.Now().Add(-time.Second))
	if ix.Pending() == 0 {
		t.Fatal("a request past its deadline matched the pending region")
	}
	full := ix.Within(tree, text.Bytes(), at, at)
	if ix.Pending() != 0 && len(full) <= len(late) {
		t.Fatalf("the next request did not match the rest: %d then %d matches, %d bytes pending", len(late), len(full), ix.Pending())
	}
	if len(full) == 0 {
		t.Fatal("no match at the edited site")
	}
}

// TestIndexScopeDependencies edits the code a scope predicate looked at,
// away from the match itself, and checks that the match appears, goes or
// changes as a full rescan says.
func TestIndexScopeDependencies(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	ctx := context.Background()
	cases := []struct {
		name     string
		g        syntax.Grammar
		src      string
		old, new string // the edit: replace the first old by new
	}{
		{"const becomes let", syntax.JavaScript, "const lib = require(\"lib\");\nvar total = 0;\n\nfunction f() {}\n\nreport(total);\n", "report(total);", "total = 2;"},
		{"a use after the block removes the match", syntax.JavaScript, "function f(c) {\n  if (c) {\n    var x = 1;\n    use(x);\n  }\n  return 0;\n}\n", "return 0", "return x"},
		{"removing the use after the block adds the match", syntax.JavaScript, "function f(c) {\n  if (c) {\n    var x = 1;\n    use(x);\n  }\n  return x;\n}\n", "return x", "return 0"},
		{"no longer a module", syntax.JavaScript, "const lib = require(\"lib\");\nvar total = 0;\nreport(total);\n", "require(\"lib\")", "load(\"lib\")"},
		{"the declaration's type changes", syntax.Go, "package p\n\nfunc f(xs []string) string {\n\ts := \"\"\n\tfor _, x := range xs {\n\t\ts += \"<\" + x\n\t}\n\treturn s\n}\n", "s := \"\"", "s := []byte(nil)"},
		{"Date is shadowed elsewhere", syntax.JavaScript, "const t = +new Date();\n\nfunction g() {}\n", "function g() {}", "function Date() {}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			text := syntax.NewText([]byte(c.src))
			tree, err := syntax.Parse(ctx, c.g, text.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			ix := NewIndex(lib.Set(c.g), tree, text.Bytes())
			before := matchKeys(ix.Matches(tree, text.Bytes()), text.Bytes())
			at := strings.Index(c.src, c.old)
			var e syntax.Edit
			text, e = text.Replace(at, at+len(c.old), []byte(c.new))
			tree.Edit(e)
			ix.Edit(e)
			changed, err := tree.Reparse(ctx, text.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			ix.Refresh(tree, text, changed)
			full, err := syntax.Parse(ctx, c.g, text.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			defer full.Close()
			want := matchKeys(NewIndex(lib.Set(c.g), full, text.Bytes()).Matches(full, text.Bytes()), text.Bytes())
			if want == before {
				t.Fatalf("the edit changes nothing; the case tests nothing:\n%s", want)
			}
			if got := matchKeys(ix.Matches(tree, text.Bytes()), text.Bytes()); got != want {
				t.Errorf("incremental matches differ\n--- got\n%s--- want\n%s--- text\n%s", got, want, text.Bytes())
			}
		})
	}
}
