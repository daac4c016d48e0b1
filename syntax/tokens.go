package syntax

import (
	"bytes"
	"context"

	sitter "github.com/smacker/go-tree-sitter"
)

// Token is a leaf of a syntax tree: a node without children, or text inside
// a node that no child covers (the content of a string literal in some
// grammars), whose Type is then "text".
type Token struct {
	Type, Text string
}

// Tokens parses src with g and returns its tokens in order, comments (the
// language table's CommentNodes) and white space left out: two snippets
// with the same tokens are the same code apart from layout and comments.
// src need not be a complete program.
func Tokens(g Grammar, src []byte) ([]Token, error) {
	t, err := Parse(context.Background(), g, src)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return appendTokens(nil, t.Root(), src, g.IsComment), nil
}

// appendTokens walks n's subtree with a cursor (no recursion, and no
// indexed child access, which is quadratic in tree-sitter).
func appendTokens(out []Token, n *sitter.Node, src []byte, comment func(nodeType string) bool) []Token {
	gap := func(from, to uint32) {
		if to > from {
			if s := bytes.TrimSpace(src[from:to]); len(s) > 0 {
				out = append(out, Token{Type: "text", Text: string(s)})
			}
		}
	}
	c := sitter.NewTreeCursor(n)
	defer c.Close()
	// covered[i] is where the text of the i-th open ancestor that its
	// children have not covered yet starts.
	var covered []uint32
	for {
		n := c.CurrentNode()
		if len(covered) > 0 {
			gap(covered[len(covered)-1], n.StartByte())
		}
		if !comment(n.Type()) {
			if c.GoToFirstChild() {
				covered = append(covered, n.StartByte())
				continue
			}
			if s := bytes.TrimSpace(src[n.StartByte():n.EndByte()]); len(s) > 0 {
				out = append(out, Token{Type: n.Type(), Text: string(s)})
			}
		}
		// n is done: on to its next sibling, or up, closing each parent's
		// trailing text.
		end := n.EndByte()
		for {
			if len(covered) > 0 {
				covered[len(covered)-1] = end
			}
			if c.GoToNextSibling() {
				break
			}
			if len(covered) == 0 || !c.GoToParent() {
				return out
			}
			p := c.CurrentNode()
			gap(covered[len(covered)-1], p.EndByte())
			covered = covered[:len(covered)-1]
			end = p.EndByte()
		}
	}
}
