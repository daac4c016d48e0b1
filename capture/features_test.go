package capture

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// contextByNodes is Context as it was first written, with the binding's
// node methods (each sibling step looks the node up from the root and scans
// its parent's children): the definition the cursor walk must reproduce,
// since trained adapters depend on the features.
func contextByNodes(tree *syntax.Tree, site rules.Span) []string {
	root := tree.Root()
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	var path []*sitter.Node
	for c.GoToFirstChildForByte(uint32(site.Start)) >= 0 {
		n := c.CurrentNode()
		if int(n.StartByte()) > site.Start || int(n.EndByte()) < site.End {
			break
		}
		path = append(path, n)
	}
	out := []string{}
	if len(path) == 0 {
		return out
	}
	node := path[len(path)-1]
	for i := len(path) - 2; i >= 0 && len(path)-2-i < maxAncestors; i-- {
		if path[i].IsNamed() {
			out = append(out, "anc:"+path[i].Type())
		}
	}
	if len(path) > 1 {
		if p := node.PrevNamedSibling(); p != nil {
			out = append(out, "sib:-:"+p.Type())
		}
		if n := node.NextNamedSibling(); n != nil {
			out = append(out, "sib:+:"+n.Type())
		}
	}
	out = append(out, "node:"+node.Type())
	before, after := 0, 0
	for i := len(path) - 1; i >= max(1, len(path)-3); i-- {
		n := path[i]
		for p := n.PrevSibling(); p != nil && before < maxTokens/2; p = p.PrevSibling() {
			out = append(out, "tok:-:"+p.Type())
			before++
		}
		for s := n.NextSibling(); s != nil && after < maxTokens/2; s = s.NextSibling() {
			out = append(out, "tok:+:"+s.Type())
			after++
		}
	}
	return out
}

// TestContextMatchesDefinition compares Context with contextByNodes at every
// rule site and at random spans of the generated corpus and of files shaped
// as real ones, including files with syntax errors.
func TestContextMatchesDefinition(t *testing.T) {
	t.Parallel()
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	type doc struct {
		name string
		g    syntax.Grammar
		src  []byte
	}
	var docs []doc
	files, err := rules.CorpusFiles(filepath.Join("..", "testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if i%4 != 0 {
			continue // a quarter of the corpus is plenty
		}
		src, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc{f.Path, f.Grammar, src})
	}
	for _, s := range corpus.Shapes {
		src := []byte(corpus.GenerateShape(s, 400))
		docs = append(docs, doc{string(s), s.Grammar(), src})
		// The same file cut short: unclosed constructs, ERROR nodes.
		docs = append(docs, doc{string(s) + " (cut)", s.Grammar(), src[:len(src)*2/3]})
	}
	rng := rand.New(rand.NewPCG(7, 7))
	sites := 0
	for i, d := range docs {
		tree, err := syntax.Parse(context.Background(), d.g, d.src)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			// An incrementally reparsed tree, after edits that break it.
			text := syntax.NewText(d.src)
			for k := 0; k < 20; k++ {
				a := rng.IntN(text.Len() + 1)
				b := min(text.Len(), a+rng.IntN(5))
				var e syntax.Edit
				text, e = text.Replace(a, b, []byte([]string{"{", "}", "(", "\n", "x", "\"", "/*"}[rng.IntN(7)]))
				tree.Edit(e)
			}
			if _, err := tree.Reparse(context.Background(), text); err != nil {
				t.Fatal(err)
			}
			d.src = text.Bytes()
		}
		var spans []rules.Span
		for _, m := range rules.NewIndex(lib.Set(d.g), tree, syntax.NewText(d.src)).Matches(tree, syntax.NewText(d.src)) {
			spans = append(spans, m.Site)
		}
		for k := 0; k < 50; k++ {
			a := rng.IntN(len(d.src) + 1)
			spans = append(spans, rules.Span{Start: a, End: min(len(d.src), a+rng.IntN(40))})
		}
		for _, sp := range spans {
			got, want := Context(tree, sp), contextByNodes(tree, sp)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: site %v %q:\n got %q\nwant %q", d.name, sp, d.src[sp.Start:sp.End], got, want)
			}
			sites++
		}
		tree.Close()
	}
	t.Logf("%d sites", sites)
}
