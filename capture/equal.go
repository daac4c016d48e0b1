package capture

import (
	"slices"
	"strings"

	"github.com/syntx/syntx/syntax"
)

// SameSyntax reports whether a and b are the same code apart from whitespace
// and comments: their tree-sitter token sequences (syntax.Tokens: leaf
// types and texts, comments left out) are equal. Snippets need not be complete programs; an
// unknown grammar falls back to comparing the texts with all whitespace
// removed.
func SameSyntax(g syntax.Grammar, a, b string) bool {
	if a == b {
		return true
	}
	if g == "" {
		return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
	}
	ta, err1 := syntax.Tokens(g, []byte(a))
	tb, err2 := syntax.Tokens(g, []byte(b))
	if err1 != nil || err2 != nil {
		return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
	}
	return slices.Equal(ta, tb)
}
