package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/syntax"
)

// TestParentInIsParent: the parent a lifted pattern's match is checked
// against, found by a walk down from the node the query ran on
// (parentIn), is the node's parent on a cursor's path from the root, for
// every node and several tops above it, the tree's root among them: the corpus files in each language, the
// shapes of real files, and the same documents broken by deletions (ERROR
// and MISSING nodes, zero-width ones among them).
func TestParentInIsParent(t *testing.T) {
	t.Parallel()
	type doc struct {
		g   syntax.Grammar
		src string
	}
	var docs []doc
	for _, lang := range []string{"go", "javascript", "python", "typescript"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", "corpus", lang, "*"))
		if len(files) > 4 {
			files = files[:4]
		}
		for _, f := range files {
			g := syntax.Detect("", f)
			if g == "" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, doc{g, string(b)})
		}
	}
	for _, s := range corpus.Shapes {
		g := map[corpus.Shape]syntax.Grammar{corpus.Class: syntax.Python, corpus.BigFunc: syntax.Go}[s]
		if g == "" {
			g = syntax.JavaScript
		}
		docs = append(docs, doc{g, corpus.GenerateShape(s, 150)})
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for _, d := range docs[:len(docs):len(docs)] {
		for range 3 {
			b := []byte(d.src)
			for range 4 {
				at := rng.IntN(len(b))
				b = append(b[:at], b[min(at+1+rng.IntN(3), len(b)):]...)
			}
			docs = append(docs, doc{d.g, string(b)})
		}
	}
	checked := 0
	for i, d := range docs {
		tree, err := syntax.Parse(context.Background(), d.g, []byte(d.src))
		if err != nil {
			t.Fatal(err)
		}
		root := tree.Root()
		// Every node, with the visible nodes above it (a cursor's path).
		c := sitter.NewTreeCursor(root)
		path := []*sitter.Node{root}
		for {
			n := path[len(path)-1]
			if len(path) > 1 {
				want := path[len(path)-2] // the cursor's: Node.Parent errs (syntax/shim.go)
				// Tops: the tree's root, its child, the node's
				// grandparent, its parent and itself.
				for _, k := range []int{0, 1, len(path) - 3, len(path) - 2, len(path) - 1} {
					if k < 0 || k >= len(path) {
						continue
					}
					top := path[k]
					var above *sitter.Node
					if k > 0 {
						above = path[k-1]
					}
					got := parentIn(top, above, n)
					checked++
					if got == nil || want == nil || got.ID() != want.ID() {
						t.Errorf("doc %d (%s): the parent of %s %v from top %s %v: %v, want %v",
							i, d.g, n.Type(), nodeSpan(n), top.Type(), nodeSpan(top), describeNode(got), describeNode(want))
					}
				}
			}
			if c.GoToFirstChild() {
				path = append(path, c.CurrentNode())
				continue
			}
			for !c.GoToNextSibling() {
				if !c.GoToParent() {
					goto done
				}
				path = path[:len(path)-1]
			}
			path[len(path)-1] = c.CurrentNode()
		}
	done:
		c.Close()
		tree.Close()
	}
	if checked < 10000 {
		t.Fatalf("only %d nodes checked", checked)
	}
}

func describeNode(n *sitter.Node) string {
	if n == nil {
		return "nil"
	}
	return fmt.Sprintf("%s %v", n.Type(), nodeSpan(n))
}
