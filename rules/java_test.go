//go:build syntx_java

package rules

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// TestJavaIsOneRowAndARulesFolder runs, under -tags syntx_java, what `syntx
// rules test` runs, on the built-in rules plus the Java rules folder
// (testdata/java/rules): the table's Java row makes "java" a rule language,
// its rules load with the built-in ones, their examples pass, and the rule
// finds its site in the corpus.
func TestJavaIsOneRowAndARulesFolder(t *testing.T) {
	if !slices.Contains(Languages, "java") {
		t.Fatalf("rule languages %v: the language table's Java row is missing", Languages)
	}
	lib := Load(Source{Name: "builtin", FS: Builtin()}, Dir("testdata/java/rules"))
	if len(lib.Problems) > 0 {
		t.Fatalf("problems: %v", lib.Problems)
	}
	r := lib.Rule("java.string-literal-equals")
	if r == nil {
		t.Fatal("the Java rule did not load")
	}
	ctx := context.Background()
	passed := 0
	for _, res := range lib.TestExamples(ctx) {
		if res.Err != nil {
			t.Errorf("%s (%s) example %d: %v", res.Rule.ID, res.Grammar, res.Index, res.Err)
			continue
		}
		passed++
	}
	t.Logf("rules: %d rules, %d examples passed", len(lib.Rules()), passed)
	src, err := os.ReadFile("testdata/java/corpus/Accounts.java")
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := ApplyFirst(ctx, lib.Set(syntax.Java), src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(fixed), `"admin".equals(a.role())`) {
		t.Fatal("the corpus file was not fixed")
	}
}
