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
	var out []string
	collect(t.Root(), []byte(s), &out)
	return out, nil
}

// collect appends the leaves of n (type and text), leaving comments out.
// Text inside a node that no child covers (the content of a string literal
// in some grammars) counts as a token too.
func collect(n *sitter.Node, src []byte, out *[]string) {
	if strings.Contains(n.Type(), "comment") {
		return
	}
	count := int(n.ChildCount())
	if count == 0 {
		if text := strings.TrimSpace(string(src[n.StartByte():n.EndByte()])); text != "" {
			*out = append(*out, n.Type()+"\x00"+text)
		}
		return
	}
	prev := n.StartByte()
	for i := 0; i < count; i++ {
		c := n.Child(i)
		if gap := strings.TrimSpace(string(src[prev:c.StartByte()])); gap != "" {
			*out = append(*out, "text\x00"+gap)
		}
		collect(c, src, out)
		prev = c.EndByte()
	}
	if gap := strings.TrimSpace(string(src[prev:n.EndByte()])); gap != "" {
		*out = append(*out, "text\x00"+gap)
	}
}
