package rules

import (
	"testing"
)

// TestQueriesHaveNoUnanchoredSiblings holds every built-in query to the
// shape that cannot stall a file (see querylint.go).
func TestQueriesHaveNoUnanchoredSiblings(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	for _, r := range lib.Rules() {
		problems, err := unanchoredSiblings(r.Query)
		if err != nil {
			t.Errorf("%s: %v", r.ID, err)
			continue
		}
		for _, p := range problems {
			t.Errorf("%s: query %s", r.ID, p)
		}
	}
}

func TestUnanchoredSiblingsLint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query string
		bad   bool
	}{
		{`((block (short_var_declaration) (for_statement)) @site)`, true},
		{`((block (short_var_declaration) . (for_statement)) @site)`, false},
		{`((call_expression function: (identifier) @f arguments: (argument_list)) @site)`, false},
		{`((block (comment)* (for_statement)) @site)`, true},
		{`((variable_declaration . "var" @kw) @site)`, false},
		{`((arguments . (string) . (_) @v .) @site (#eq? @v "x"))`, false},
		{`([(a (b) (c)) (d)] @site)`, true},
		{`((if_statement !initializer condition: (x) consequence: (block . (y) .) !alternative) @site)`, false},
		{`((keyed_element (literal_element (identifier) @k) (literal_element (true) @site)))`, false},
		{`((expression_list (identifier) @a (identifier) @b) @site)`, true},
		{`((argument_list "(" (string) @a (_) @b ")") @site)`, false},
		{`((argument_list "," (string) @a (_) @b) @site)`, true},
	}
	for _, c := range cases {
		problems, err := unanchoredSiblings(c.query)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if (len(problems) > 0) != c.bad {
			t.Errorf("%s: problems %v, want bad=%v", c.query, problems, c.bad)
		}
	}
}
