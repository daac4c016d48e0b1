package syntax

import (
	"context"
	"fmt"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
)

// Tree is a parsed document that can be updated incrementally. It is not
// safe for concurrent use: the caller serialises access (the binding's Tree
// caches nodes in a map).
//
// A Tree does not keep a parser: a tree-sitter parser holds hundreds of
// kilobytes of buffers (its stack, the lexer's lookahead, node caches), more
// than the tree of an ordinary file, so one per open document would cost
// tens of times the document's size. Parse and Reparse borrow one from a
// pool per grammar and give it back.
type Tree struct {
	grammar Grammar
	tree    *sitter.Tree
	// text is the text the tree matched before the edits recorded since
	// (pending of them); word describes the first when it stays inside a
	// name (wordedit.go).
	text    *Text
	pending int
	word    wordEdit
}

// parsers pools parsers per grammar.
var parsers sync.Map // Grammar -> *sync.Pool of *sitter.Parser

func getParser(g Grammar, lang *sitter.Language) *sitter.Parser {
	pool, _ := parsers.LoadOrStore(g, &sync.Pool{})
	if p, ok := pool.(*sync.Pool).Get().(*sitter.Parser); ok {
		return p
	}
	return newParser(lang)
}

func putParser(g Grammar, p *sitter.Parser) {
	if pool, ok := parsers.Load(g); ok {
		pool.(*sync.Pool).Put(p)
	}
}

// Parse parses src with grammar g.
//
// ctx is checked before parsing but not handed to tree-sitter (see
// shim.go); the parse is bounded by ParseTimeout instead.
func Parse(ctx context.Context, g Grammar, src []byte) (*Tree, error) {
	return ParseText(ctx, g, &Text{p: cutPieces(src), n: len(src)})
}

// ParseText is Parse for a document's Text: the tree reads it as the
// parser does, piece by piece.
func ParseText(ctx context.Context, g Grammar, text *Text) (*Tree, error) {
	lang := g.Language()
	if lang == nil {
		return nil, fmt.Errorf("syntax: unknown grammar %q", g)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := getParser(g, lang)
	t, err := parse(p, nil, text)
	if err != nil {
		// A parse that failed (timed out) leaves the parser mid-parse:
		// reset it before anyone reuses it.
		p.Reset()
		putParser(g, p)
		return nil, fmt.Errorf("syntax: parse %s: %w", g, err)
	}
	putParser(g, p)
	return &Tree{grammar: g, tree: t, text: text}, nil
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
	if t.pending == 0 {
		t.word = t.wordEditAt(e)
	} else {
		t.word = wordEdit{}
	}
	editTree(t.tree, e)
	t.pending++
}

// Reparse parses text (the text after every recorded Edit) reusing the
// edited tree, and returns the byte ranges whose syntax changed. After one
// edit inside a name that leaves a plain name (wordedit.go), the edited
// tree is the parse of text: Reparse keeps it and returns the name's span.
func (t *Tree) Reparse(ctx context.Context, text *Text) ([][2]uint32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if start, end, ok := t.keepWordEdit(text); ok {
		// A copy drops the binding's Go values of nodes handed out before
		// the edit (ForgetNodes); the C tree is shared.
		t.ForgetNodes()
		t.text, t.pending, t.word = text, 0, wordEdit{}
		return [][2]uint32{{uint32(start), uint32(end)}}, nil
	}
	return t.reparse(text)
}

// reparse is Reparse's parse.
func (t *Tree) reparse(text *Text) ([][2]uint32, error) {
	p := getParser(t.grammar, t.grammar.Language())
	nt, err := parse(p, t.tree, text)
	if err != nil {
		p.Reset()
		putParser(t.grammar, p)
		return nil, fmt.Errorf("syntax: reparse %s: %w", t.grammar, err)
	}
	putParser(t.grammar, p)
	var changed [][2]uint32
	if t.pending > 0 {
		changed = changedRanges(t.tree, nt)
	}
	t.tree.Close()
	t.tree = nt
	t.text, t.pending, t.word = text, 0, wordEdit{}
	return changed, nil
}

// Close releases the tree.
func (t *Tree) Close() {
	if t.tree != nil {
		t.tree.Close()
		t.tree = nil
	}
	t.text, t.word = nil, wordEdit{}
}

// HasErrors reports whether n's subtree contains ERROR or MISSING nodes.
func HasErrors(n *sitter.Node) bool { return n.HasError() }
