package syntax

import (
	"context"
	"fmt"
	"time"

	sitter "github.com/smacker/go-tree-sitter"
)

// Tree is a parsed document that can be updated incrementally. It is not
// safe for concurrent use: the caller serialises access (the binding's Tree
// caches nodes in a map).
type Tree struct {
	grammar Grammar
	parser  *sitter.Parser
	tree    *sitter.Tree
	edited  bool // tree has been edited since the last parse
}

// ParseTimeout bounds one parse; a parse that takes longer fails (the
// document is then tracked as text only) instead of stalling the server.
const ParseTimeout = 3 * time.Second

// Parse parses src with grammar g.
//
// ctx is checked before parsing but not handed to tree-sitter: the binding
// watches a cancellable context from a goroutine that can fire after the
// parse finished and poison the parser's next parse. The parse is bounded by
// ParseTimeout instead.
func Parse(ctx context.Context, g Grammar, src []byte) (*Tree, error) {
	lang := g.Language()
	if lang == nil {
		return nil, fmt.Errorf("syntax: unknown grammar %q", g)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := sitter.NewParser()
	p.SetLanguage(lang)
	p.SetOperationLimit(int(ParseTimeout / time.Microsecond))
	t, err := p.ParseInputCtx(context.Background(), nil, reader(src))
	if err != nil {
		return nil, fmt.Errorf("syntax: parse %s: %w", g, err)
	}
	return &Tree{grammar: g, parser: p, tree: t}, nil
}

// Grammar returns the grammar the tree was parsed with.
func (t *Tree) Grammar() Grammar { return t.grammar }

// Root returns the root node.
func (t *Tree) Root() *sitter.Node { return t.tree.RootNode() }

// Sitter returns the underlying tree-sitter tree.
func (t *Tree) Sitter() *sitter.Tree { return t.tree }

// Edit records a text edit so that the next Reparse can reuse unchanged
// subtrees. Several edits may be recorded before one Reparse.
func (t *Tree) Edit(e Edit) {
	editTree(t.tree, e)
	t.edited = true
}

// Reparse parses src (the text after every recorded Edit) reusing the edited
// tree, and returns the byte ranges whose syntax changed.
func (t *Tree) Reparse(ctx context.Context, src []byte) ([][2]uint32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	nt, err := t.parser.ParseInputCtx(context.Background(), t.tree, reader(src))
	if err != nil {
		return nil, fmt.Errorf("syntax: reparse %s: %w", t.grammar, err)
	}
	var changed [][2]uint32
	if t.edited {
		changed = changedRanges(t.tree, nt)
	}
	t.tree.Close()
	t.tree, t.edited = nt, false
	return changed, nil
}

// readChunk is how much text the parser is handed at a time.
const readChunk = 16 << 10

// reader hands src to the parser in chunks, as it asks for them. Parsing from
// a byte slice (the binding's ParseCtx) copies the whole text into C memory
// on every parse: for an incremental reparse of a large file that copy, a
// multi-megabyte allocation and its page faults, cost more than the parse,
// which reads only the text around the edit.
func reader(src []byte) sitter.Input {
	return sitter.Input{Encoding: sitter.InputEncodingUTF8, Read: func(off uint32, _ sitter.Point) []byte {
		if int(off) >= len(src) {
			return nil
		}
		return src[off:min(len(src), int(off)+readChunk)]
	}}
}

// ForgetNodes drops the Go values of the nodes handed out so far: the
// binding keeps each one in a map until the tree is freed, and matching a
// whole file visits thousands (2 MB for four 5,000-line files). The syntax
// tree itself is shared, not copied. Nodes obtained before must not be used
// after.
func (t *Tree) ForgetNodes() {
	c := t.tree.Copy()
	t.tree.Close()
	t.tree = c
}

// Close releases the tree and its parser.
func (t *Tree) Close() {
	if t.tree != nil {
		t.tree.Close()
		t.tree = nil
	}
	if t.parser != nil {
		t.parser.Close()
		t.parser = nil
	}
}

// HasErrors reports whether n's subtree contains ERROR or MISSING nodes.
func HasErrors(n *sitter.Node) bool { return n.HasError() }
