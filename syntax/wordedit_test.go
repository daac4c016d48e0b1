package syntax

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"
)

// dumpTree writes every node of t, anonymous ones included, with its type
// and byte span: two trees with the same dump are the same parse.
func dumpTree(t *Tree) string {
	var b strings.Builder
	c := sitter.NewTreeCursor(t.Root())
	defer c.Close()
	depth := 0
	for {
		n := c.CurrentNode()
		fmt.Fprintf(&b, "%d %s %d-%d %v\n", depth, n.Type(), n.StartByte(), n.EndByte(), n.IsMissing())
		if c.GoToFirstChild() {
			depth++
			continue
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return b.String()
			}
			depth--
		}
	}
}

// names lists the spans of t's identifier leaves.
func names(t *Tree) [][2]int {
	w := wordsFor(t.grammar)
	var out [][2]int
	var walk func(n *sitter.Node)
	walk = func(n *sitter.Node) {
		if n.ChildCount() == 0 {
			if n.IsNamed() && w.identifiers[n.Symbol()] {
				out = append(out, [2]int{int(n.StartByte()), int(n.EndByte())})
			}
			return
		}
		for i := 0; i < int(n.ChildCount()); i++ {
			walk(n.Child(i))
		}
	}
	walk(t.Root())
	return out
}

// TestWordEditIsAReparse: after edits inside names (a letter typed,
// deleted or replaced; now and then a keyword, a digit first, a quote or
// a space), the tree Reparse keeps without parsing is, node for node, the
// tree tree-sitter's incremental reparse builds from the same edited
// tree, and where the tree before was the parse of its text, the parse of
// the new text; so is the tree after a structural edit that follows kept
// ones. (After an edit that leaves errors, tree-sitter's incremental
// reparse may recover differently from a parse from scratch: those trees
// are not compared with one, as that is not what is tested here.) Every language's corpus files;
// the fast path must be taken for most of the plain edits in a tree
// without errors, or the test tests nothing.
func TestWordEditIsAReparse(t *testing.T) {
	t.Parallel()
	var files []string
	_ = filepath.WalkDir(filepath.Join("..", "testdata", "corpus"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && Detect("", p) != "" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 100 {
		t.Fatalf("%d corpus files", len(files))
	}
	ctx := context.Background()
	rng := rand.New(rand.NewSource(16))
	kept, plain, edits := map[Grammar]int{}, map[Grammar]int{}, 0
	odd := []string{"in", "of", "get", "print", "match", "type", "undefined", "9", "'", "\"", " ", "$", "é"}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		g := Detect("", f)
		text := NewText(data)
		tree, err := Parse(ctx, g, text.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		// synced: the tree is known to be the parse of the text.
		synced := true
		for round := 0; round < 6; round++ {
			ns := names(tree)
			if len(ns) == 0 {
				break
			}
			n := ns[rng.Intn(len(ns))]
			at := n[0] + rng.Intn(n[1]-n[0]+1)
			var e Edit
			isPlain := true
			switch k := rng.Intn(10); {
			case k < 4:
				text, e = text.Replace(at, at, []byte{byte('a' + rng.Intn(26))})
			case k < 6 && n[1]-n[0] > 1:
				at = min(at, n[1]-1)
				text, e = text.Replace(at, at+1, nil)
			case k < 8:
				at = min(at, n[1]-1)
				text, e = text.Replace(at, at+1, []byte{byte('A' + rng.Intn(26))})
			case k < 9:
				isPlain = false
				text, e = text.Replace(n[0], n[1], []byte(odd[rng.Intn(len(odd))]))
			default:
				isPlain = false
				text, e = text.Replace(at, at, []byte(odd[rng.Intn(len(odd))]))
			}
			hadErr := tree.Root().HasError()
			tree.Edit(e)
			_, _, fast := tree.keepWordEdit(text)
			var ref *Tree
			if fast {
				// tree-sitter's own incremental reparse of the same
				// edited tree, for comparison.
				ref = &Tree{grammar: g, tree: tree.tree.Copy()}
				if _, err := ref.reparse(text); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := tree.Reparse(ctx, text); err != nil {
				t.Fatal(err)
			}
			edits++
			if isPlain && !hadErr {
				plain[g]++
				if fast {
					kept[g]++
				}
			}
			if fast {
				if got, want := dumpTree(tree), dumpTree(ref); got != want {
					t.Fatalf("%s: edit %d at %d: the kept tree is not what the incremental reparse builds\n%s", f, round, at, firstDiff(got, want))
				}
				ref.Close()
				// Where the tree was the parse of the text before, the
				// kept one is the parse of the text after.
				if synced && !sameParse(t, tree, text.Bytes()) {
					t.Fatalf("%s: edit %d at %d: the kept tree is not the parse of the text", f, round, at)
				}
			} else {
				synced = !tree.Root().HasError() && sameParse(t, tree, text.Bytes())
			}
			if round%4 == 3 && fast {
				// A structural edit after kept ones: the names they
				// retyped are lexed again.
				p := n[0]
				text, e = text.Replace(p, p, []byte("\n"))
				tree.Edit(e)
				if _, err := tree.Reparse(ctx, text); err != nil {
					t.Fatal(err)
				}
				if synced && !tree.Root().HasError() && !sameParse(t, tree, text.Bytes()) {
					t.Fatalf("%s: after a newline following kept edits the tree is not the parse of the text", f)
				}
			}
		}
		tree.Close()
	}
	t.Logf("%d edits in %d files; plain edits kept without a parse, per grammar: %v of %v", edits, len(files), kept, plain)
	for g, n := range plain {
		if kept[g]*2 < n {
			t.Errorf("%s: only %d of %d plain edits inside names kept the tree: the fast path is not taken", g, kept[g], n)
		}
	}
}

// sameParse reports whether tree is, node for node, the parse of src.
// (tree-sitter's incremental reparse of a text with errors can recover
// differently from a parse from scratch; such trees are not compared.)
func sameParse(t *testing.T, tree *Tree, src []byte) bool {
	full, err := Parse(context.Background(), tree.grammar, src)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	return dumpTree(tree) == dumpTree(full)
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d of the dump: kept %q, parsed %q", i, g[i], w[i])
		}
	}
	return fmt.Sprintf("dumps of %d and %d lines", len(g), len(w))
}
