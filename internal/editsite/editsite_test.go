package editsite

import (
	"strings"
	"testing"

	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// TestForTypesInAShownSitesLine: the site is a lightbulb's (not the var a
// migration would convert), typed inside the first identifier of its line;
// without a site, in the middle of the longest declaration.
func TestForTypesInAShownSitesLine(t *testing.T) {
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	target := rules.NewProjects("").For("/nowhere/a.js", syntax.JavaScript)
	// The var in the middle is no-var's (a migration: a source action,
	// never a lightbulb); the indexOf is the shown site.
	src := "function find(list, item) {\n  if (list.indexOf(item) !== -1) {\n    return 1;\n  }\n" +
		strings.Repeat("  item = item + 1;\n", 6) +
		"  for (var i = 0; i < 3; i++) {\n    item += i;\n  }\n" +
		strings.Repeat("  item = item + 1;\n", 6) + "  return 0;\n}\n"
	at, has, err := For(lib, syntax.JavaScript, src, target)
	if err != nil {
		t.Fatal(err)
	}
	if !has {
		t.Fatal("no rule site found")
	}
	if want := strings.Index(src, "list.indexOf") + 1; at != want {
		t.Errorf("types at %d (%q), want %d, inside list on indexOf's line", at, src[at-1:at+5], want)
	}

	plain := "function a() {\n  return 1;\n}\nfunction longest(x) {\n  const y = x + 1;\n  const z = y * 2;\n  return z;\n}\n"
	at, has, err = For(lib, syntax.JavaScript, plain, target)
	if err != nil || has {
		t.Fatalf("a file without rule sites: hasSites %v, err %v", has, err)
	}
	if line := strings.Count(plain[:at], "\n"); line < 4 || line > 6 {
		t.Errorf("types on line %d (at %d), want in the body of the longest declaration (lines 4-6)", line, at)
	}
}
