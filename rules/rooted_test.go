package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

func TestRootedPatterns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, query string
		want        []rootedPattern
		err         string
	}{
		{name: "node", query: `(call_expression function: (identifier) @fn) @site`,
			want: []rootedPattern{{text: `(call_expression function: (identifier) @fn) @syntx.root @site`}}},
		{name: "group with predicates", query: "((binary_expression left: (_) @l) @site\n (#eq? @l \"x\"))",
			want: []rootedPattern{{text: "((binary_expression left: (_) @l) @syntx.root @site\n (#eq? @l \"x\"))"}}},
		{name: "two patterns", query: "(a) @site\n; a comment (b)\n(c (d) @site)",
			want: []rootedPattern{{text: `(a) @syntx.root @site`}, {text: `((d) @syntx.root @site)`, parent: "c"}}},
		{name: "lifted with predicates", query: `((block (short_var_declaration left: (identifier) @n) @site) (#eq? @n "re"))`,
			want: []rootedPattern{{text: `((short_var_declaration left: (identifier) @n) @syntx.root @site (#eq? @n "re"))`, parent: "block"}}},
		{name: "lifted alternation", query: `([(statement_block (expression_statement) @site) (switch_case (expression_statement) @site)] (#eq? @site "x"))`,
			want: []rootedPattern{
				{text: `((expression_statement) @syntx.root @site (#eq? @site "x"))`, parent: "statement_block"},
				{text: `((expression_statement) @syntx.root @site (#eq? @site "x"))`, parent: "switch_case"},
			}},
		{name: "alternation with a branch that cannot lift", query: `[(a (b) @site) (c (d) @site (e))]`,
			want: []rootedPattern{{text: `[(a (b) @site) (c (d) @site (e))] @syntx.root`}}},
		{name: "captured root is not lifted", query: `(for_statement (block) @site) @loop`,
			want: []rootedPattern{{text: `(for_statement (block) @site) @syntx.root @loop`}}},
		{name: "field child is not lifted", query: `(for_statement body: (block) @site)`,
			want: []rootedPattern{{text: `(for_statement body: (block) @site) @syntx.root`}}},
		{name: "anchored child is not lifted", query: `(block . (comment) @site)`,
			want: []rootedPattern{{text: `(block . (comment) @site) @syntx.root`}}},
		{name: "negated field is not lifted", query: `(if_statement !alternative (block) @site)`,
			want: []rootedPattern{{text: `(if_statement !alternative (block) @site) @syntx.root`}}},
		{name: "wildcard child is not lifted", query: `(block (_) @site)`,
			want: []rootedPattern{{text: `(block (_) @site) @syntx.root`}}},
		{name: "quantified child is not lifted", query: `(block (comment)+ @site)`,
			want: []rootedPattern{{text: `(block (comment)+ @site) @syntx.root`}}},
		{name: "siblings at the top level", query: `((comment) @c . (function_declaration) @site)`,
			want: []rootedPattern{{text: `(_ ((comment) @c . (function_declaration) @site)) @syntx.root`}}},
		{name: "anonymous root", query: `"var" @site`, want: []rootedPattern{{text: `"var" @syntx.root @site`}}},
		{name: "string with parentheses", query: `((string) @site (#match? @site "^\"(\\)"))`,
			want: []rootedPattern{{text: `((string) @syntx.root @site (#match? @site "^\"(\\)"))`}}},
		{name: "too many captures on the root", query: `(a) @x @y @site`, err: "at most 2 captures"},
		{name: "unbalanced", query: `(a (b) @site`, err: "unbalanced"},
		{name: "predicate alone", query: `(#eq? @a "b")`, err: "outside a pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := rootedPatterns(tc.query)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestBuiltinRootedCompile compiles every builtin rule's rooted patterns for
// each grammar, and reports which rules the index matches lifted.
func TestBuiltinRootedCompile(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	if len(lib.Problems) > 0 {
		t.Fatalf("problems: %v", lib.Problems)
	}
	for _, g := range syntax.Grammars {
		set := lib.Set(g)
		if len(set.queries) != 1 {
			t.Errorf("%s: the rules do not combine into one query", g)
		}
		for _, r := range set.Rules() {
			if _, err := r.rootedQuery(g); err != nil {
				t.Errorf("%s: %v", g, err)
			}
			for _, p := range r.rooted {
				if p.parent != "" {
					t.Logf("%s: %s lifted below %s", g, r.ID, p.parent)
				}
			}
		}
	}
}

// originalMatches runs every rule's query as written, one by one, over the
// whole tree: what the rooted patterns must reproduce.
func originalMatches(t testing.TB, set *Set, tree *syntax.Tree, src []byte) []string {
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	var out []string
	for _, r := range set.Rules() {
		c, err := r.compiled(set.grammar)
		if err != nil {
			t.Fatal(err)
		}
		qc.Exec(c.query, tree.Root())
		env := &evalEnv{grammar: c.grammar, src: syntax.NewText(src), root: tree.Root(), names: c.captures}
		for {
			m, ok := qc.NextMatch()
			if !ok {
				break
			}
			if ok, _ := c.accept(m, syntax.NewText(src), env); !ok {
				continue
			}
			mt := Match{Rule: r}
			site := false
			for _, cp := range m.Captures {
				name := c.captures[cp.Index]
				sp := Span{int(cp.Node.StartByte()), int(cp.Node.EndByte())}
				mt.Captures = append(mt.Captures, Capture{Name: name, Span: sp})
				if name == r.Site && !site {
					mt.Site, site = sp, true
				}
			}
			if site {
				out = append(out, matchString(mt))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func matchString(m Match) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d-%d [", m.Rule.ID, m.Site.Start, m.Site.End)
	for _, c := range m.Captures {
		fmt.Fprintf(&b, " %s:%d-%d", c.Name, c.Span.Start, c.Span.End)
	}
	b.WriteString(" ]")
	return b.String()
}

func rootedMatches(set *Set, tree *syntax.Tree, src []byte) []string {
	var out []string
	set.MatchRange(tree, syntax.NewText(src), 0, len(src), func(m Match) { out = append(out, matchString(m)) })
	slices.Sort(out)
	return slices.Compact(out)
}

// TestRootedMatchesOriginal: over the corpus, the rooted patterns (lifted or
// not) find exactly the matches of the queries as written.
func TestRootedMatchesOriginal(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	total := 0
	eachCorpusTree(t, func(f CorpusFile, src []byte, tree *syntax.Tree) {
		set := lib.Set(f.Grammar)
		want := originalMatches(t, set, tree, src)
		got := rootedMatches(set, tree, src)
		total += len(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: rooted matches differ\n--- got\n%s\n--- want\n%s", f.Path, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	if total < 500 {
		t.Fatalf("only %d matches in the corpus", total)
	}
}
