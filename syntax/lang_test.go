package syntax

import (
	"slices"
	"testing"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		id, path string
		want     Grammar
	}{
		{"go", "", Go},
		{"Python", "x.txt", Python},
		{"javascriptreact", "", JavaScript},
		{"jsx", "", JavaScript},
		{"typescriptreact", "a.ts", TSX}, // the id wins over the extension
		{"", "/w/a.PYW", Python},
		{"", "/w/a.mts", TypeScript},
		{"", "/w/a.tsx", TSX},
		{"plaintext", "/w/a.go", Go},
		{"", "/w/Makefile", ""},
		{"rust", "/w/a.rs", ""},
	} {
		if got := Detect(c.id, c.path); got != c.want {
			t.Errorf("Detect(%q, %q) = %q, want %q", c.id, c.path, got, c.want)
		}
	}
}

func TestTableDerivedLists(t *testing.T) {
	t.Parallel()
	if got := GrammarsFor("typescript"); !slices.Equal(got, []Grammar{TypeScript, TSX}) {
		t.Errorf("GrammarsFor(typescript) = %v", got)
	}
	for _, g := range Grammars {
		if g.Language() == nil {
			t.Errorf("%s has no tree-sitter language", g)
		}
		if !slices.Contains(GrammarsFor(g.RuleLanguage()), g) {
			t.Errorf("%s's rule language %q does not apply to it", g, g.RuleLanguage())
		}
	}
	for _, l := range Languages() {
		for _, w := range l.StatementWords {
			if !slices.Contains(l.BindingWords, w) {
				t.Errorf("%s: statement word %q is not one of its binding words", l.Name, w)
			}
		}
	}
	for _, c := range []struct{ path, id, test string }{
		{"/w/a.go", "go", "/w/a_test.go"},
		{"/w/b.py", "python", "/w/test_b.py"},
		{"/w/c.jsx", "javascriptreact", "/w/c.test.jsx"},
		{"/w/d.tsx", "typescriptreact", "/w/d.test.tsx"},
		{"/w/e.txt", "", ""},
	} {
		if got := Detect("", c.path).LanguageID(c.path); got != c.id {
			t.Errorf("LanguageID(%s) = %q, want %q", c.path, got, c.id)
		}
		if got := TestFileName(c.path); got != c.test {
			t.Errorf("TestFileName(%s) = %q, want %q", c.path, got, c.test)
		}
	}
}

func TestTokensLeaveOutLayoutAndComments(t *testing.T) {
	t.Parallel()
	text := func(toks []Token) []string {
		var out []string
		for _, t := range toks {
			out = append(out, t.Text)
		}
		return out
	}
	for _, c := range []struct {
		g    Grammar
		a, b string
		same bool
	}{
		{Go, "x := f(a, b)", "x :=  f(a,\n\tb) // why", true},
		{Go, `s := "a b"`, `s := "ab"`, false}, // string content is a token
		{Python, "y = g(1)  # note", "y = g( 1 )", true},
		{JavaScript, "a = 1; /* c */", "a = 1;", true},
		{TSX, "const a = <b>hi</b>;", "const a = <b>ho</b>;", false},
	} {
		ta, err := Tokens(c.g, []byte(c.a))
		if err != nil {
			t.Fatal(err)
		}
		tb, err := Tokens(c.g, []byte(c.b))
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Equal(ta, tb); got != c.same {
			t.Errorf("%s: %q vs %q: same %v, want %v (%q / %q)", c.g, c.a, c.b, got, c.same, text(ta), text(tb))
		}
	}
}
