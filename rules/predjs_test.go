package rules

import (
	"testing"

	"github.com/syntx/syntx/syntax"
)

func TestPredicateBooleanContext(t *testing.T) {
	t.Parallel()
	q := `((binary_expression operator: "&&") @site (#boolean-context? @site))`
	js := syntax.JavaScript
	runPredCases(t, []predCase{
		{"if condition", js, q, "if (a && a.b) { f(); }", 1},
		{"while condition", js, q, "while (n && n.next) { n = n.next; }", 1},
		{"do condition", js, q, "do { n = n.next; } while (n && n.next);", 1},
		{"negated", js, q, "const x = !(a && a.b);", 1},
		{"ternary condition", js, q, "const x = a && a.b ? 1 : 2;", 1},
		{"inside || in a condition", js, q, "if (c || (a && a.b)) { f(); }", 1},
		{"left of && in a condition", js, q, "if (a && a.b && c) { f(); }", 2},
		{"assigned", js, q, "const x = a && a.b;", 0},
		{"returned", js, q, "function f(a) { return a && a.b; }", 0},
		{"ternary branch", js, q, "const x = c ? a && a.b : 2;", 0},
		{"argument", js, q, "f(a && a.b);", 0},
		{"expression statement", js, q, "a && a.b();", 0},
		{"inside || that is assigned", js, q, "const x = c || (a && a.b);", 0},
		{"if body", js, q, "if (c) { x = a && a.b; }", 0},
	})
}
