package rules

import (
	"regexp"
	"runtime"
	"testing"

	"github.com/syntx/syntx/syntax"

	"github.com/syntx/syntx/internal/testwait"
)

// TestCompileRegexpShares: a pattern compiled while its expression is held
// gives that expression; an invalid one an error; and once no one holds
// it, its entry goes (a library reloaded with other rules does not keep
// the old ones' patterns).
func TestCompileRegexpShares(t *testing.T) {
	const pat = `^TestCompileRegexpShares-[0-9]+$`
	a, err := compileRegexp(pat)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compileRegexp(pat)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || !a.MatchString("TestCompileRegexpShares-12") {
		t.Fatalf("the same pattern gave two expressions (%p, %p)", a, b)
	}
	if _, err := compileRegexp(`(`); err == nil {
		t.Fatal("an invalid pattern compiled")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	a, b = nil, nil
	testwait.Until(t, "the unheld pattern's entry goes", func() bool {
		runtime.GC()
		return regexps.count(func(k string) bool { return k == pat }) == 0
	})
}

// TestBuiltinRulesShareRegexps: the mirrored JavaScript and TypeScript
// rules hold one compiled expression per pattern.
func TestBuiltinRulesShareRegexps(t *testing.T) {
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	seen := map[string]map[*regexp.Regexp]bool{}
	add := func(re *regexp.Regexp) {
		if re == nil {
			return
		}
		if seen[re.String()] == nil {
			seen[re.String()] = map[*regexp.Regexp]bool{}
		}
		seen[re.String()][re] = true
	}
	for _, g := range []syntax.Grammar{syntax.JavaScript, syntax.TypeScript, syntax.TSX} {
		for _, q := range lib.Set(g).queries {
			for _, preds := range q.c.predicates {
				for _, p := range preds {
					add(p.re)
					for _, a := range p.args {
						add(a.re)
					}
				}
			}
		}
	}
	if len(seen) < 10 {
		t.Fatalf("%d patterns in the JavaScript and TypeScript rules: the test sees too little", len(seen))
	}
	for pat, res := range seen {
		if len(res) != 1 {
			t.Errorf("pattern %q has %d compiled expressions", pat, len(res))
		}
	}
	runtime.KeepAlive(lib)
}
