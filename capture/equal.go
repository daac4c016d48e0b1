package capture

import (
	"context"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// SameSyntax reports whether a and b are the same code apart from whitespace
// and comments: their tree-sitter token sequences (leaf types and texts,
// comments left out) are equal. Snippets need not be complete programs; an
// unknown grammar falls back to comparing the texts with all whitespace
// removed.
func SameSyntax(g syntax.Grammar, a, b string) bool {
	if a == b {
		return true
	}
	if g == "" {
		return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
	}
	ta, err1 := tokens(g, a)
	tb, err2 := tokens(g, b)
	if err1 != nil || err2 != nil {
		return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
	}
	if len(ta) != len(tb) {
		return false
	}
	for i := range ta {
		if ta[i] != tb[i] {
			return false
		}
	}
	return true
}

func tokens(g syntax.Grammar, s string) ([]string, error) {
	t, err := syntax.Parse(context.Background(), g, []byte(s))
	if err != nil {
		return nil, err
	}
	defer t.Close()
	src := []byte(s)
	var out []string
	c := sitter.NewTreeCursor(t.Root())
	defer c.Close()
	for {
		n := c.CurrentNode()
		isComment := strings.Contains(n.Type(), "comment")
		if !isComment && c.GoToFirstChild() {
			continue
		}
		if !isComment && n.ChildCount() == 0 && n.EndByte() > n.StartByte() {
			text := strings.TrimSpace(string(src[n.StartByte():n.EndByte()]))
			if text != "" {
				out = append(out, n.Type()+"\x00"+text)
			}
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return out, nil
			}
		}
	}
}
