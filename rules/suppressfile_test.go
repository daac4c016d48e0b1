package rules

import (
	"context"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// TestSuppressionsSharedEqualsFresh checks that one Suppressions, asked
// about every match of a document in turn (what a whole-file request
// does), answers as a fresh one per match does: the eslint-disable regions
// it finds once, the comments it keeps per line and the line bounds it
// remembers give each match its own answer. The documents put many matches
// on one long line (a minified file) and open and close regions between
// them.
func TestSuppressionsSharedEqualsFresh(t *testing.T) {
	t.Parallel()
	fix := "x"
	r, err := compile(Spec{ID: "javascript.strict-equality", Language: "javascript", Category: "correctness", Title: "t", Message: "t.", Prior: 0.5,
		Query: `((binary_expression operator: "==") @site)`, Fix: &fix, Safety: Safe, Aliases: []string{"eqeqeq"}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	// A second rule, so that two rules' regions are followed side by side.
	r2, err := compile(Spec{ID: "javascript.no-debugger", Language: "javascript", Category: "correctness", Title: "t", Message: "t.", Prior: 0.5,
		Query: `((debugger_statement) @site)`, Fix: &fix, Safety: Safe}, "test")
	if err != nil {
		t.Fatal(err)
	}
	set, problems := newSet(syntax.JavaScript, []*Rule{r, r2})
	if len(problems) > 0 {
		t.Fatal(problems[0].Err)
	}
	docs := map[string]string{
		"minified": "/*! license */\n" + strings.Repeat("if(a==b){}/* eslint-disable eqeqeq */if(c==d){}/* eslint-enable eqeqeq */if(e==f){}", 40),
		"regions":  strings.Repeat("if (a == b) {}\n/* eslint-disable */\nif (a == b) {}\n// eslint-disable-next-line eqeqeq\nif (a == b) {}\n/* eslint-enable */\nif (a == b) {} // eslint-disable-line\n", 30),
		"one line": "if(a==b){} /* eslint-disable eqeqeq */ if(c==d){} /* eslint-enable eqeqeq */ if(e==f){}\n",
		"none":     strings.Repeat("if (a == b) {}\n", 50),
		// Lines longer than longCommentScan, whose comments are found from
		// where the Text remembers the leaders, among leaders in strings
		// and regular expressions; and line breaks of every kind.
		"long lines": "// eslint-disable-next-line eqeqeq\n" +
			strings.Repeat(`if(a==b){debugger}var u="http://x/*y*/",r=/\/\//;/* eslint-disable-line no-debugger */`, 60) + "\n" +
			strings.Repeat(`if(a==b){debugger}var u='//',v="/*";`, 120) + "/* eslint-disable-line eqeqeq */\n" +
			strings.Repeat(`if(a==b){debugger}`, 240) + "\r\nif(a==b){} // eslint-disable-line\r\n",
		"lone CR": strings.Repeat("if(a==b){}\r// eslint-disable-next-line eqeqeq\nif(a==b){}\r", 10) + strings.Repeat("if(a==b){}/* x */", 260) + "\r" + strings.Repeat("debugger;", 10),
		// Directives among other words: a region's after eslint-env in one
		// comment, a line's comment that names eslint-enable, directives
		// inside strings, and a line's directive before a region's.
		"mixed": strings.Repeat("/* eslint-env node, eslint-disable eqeqeq */\nif (a == b) {}\n"+
			"// eslint-disable-next-line no-debugger -- until eslint-enable\ndebugger; if (a == b) {}\n"+
			"var s = \"/* eslint-enable */\"; if (a == b) {}\n/* eslint-enable eqeqeq */ if (a == b) {}\n"+
			"/* eslint-disable-line eqeqeq, eslint-disable no-debugger */ debugger; if (a == b) {}\n", 12),
		"two rules": strings.Repeat("debugger;\nif (a == b) {}\n/* eslint-disable no-debugger */\ndebugger; if (a == b) {}\n/* eslint-disable eqeqeq */\n"+
			"if (a == b) {} debugger;\n/* eslint-enable no-debugger */\ndebugger; if (a == b) {}\n/* eslint-enable */\n", 20),
	}
	for name, code := range docs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := []byte(code)
			long := 0
			for _, l := range strings.Split(code, "\n") {
				if len(l) > longCommentScan {
					long++
				}
			}
			if name == "long lines" && long != 3 {
				t.Fatalf("%d lines longer than longCommentScan", long)
			}
			tree, err := syntax.Parse(context.Background(), syntax.JavaScript, src)
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			var ms []Match
			set.MatchRange(tree, src, 0, len(src), func(m Match) { ms = append(ms, m) })
			if len(ms) < 3 {
				t.Fatalf("%d matches, want at least 3", len(ms))
			}
			shared := NewSuppressions(tree, src)
			// A Text that came to hold src by an edit, what it found before
			// the edit carried over (as a document's text after a keystroke).
			prefix := "/* eslint-disable */ //lint:file-ignore\n"
			before := syntax.NewText(append([]byte(prefix), src...))
			before.Find("eslint-")
			before.Find("//")
			edited, _ := before.Replace(0, len(prefix), nil)
			if string(edited.Bytes()) != code {
				t.Fatal("the edit did not give the document's text")
			}
			viaText := NewTextSuppressions(tree, edited)
			suppressed := 0
			for _, m := range ms {
				got, gotOK := shared.Suppressed(m)
				want, wantOK := NewSuppressions(tree, src).Suppressed(m)
				if got != want || gotOK != wantOK {
					t.Errorf("site %v: shared says %v %q, fresh %v %q", m.Site, gotOK, got.Comment, wantOK, want.Comment)
				}
				if got, gotOK := viaText.Suppressed(m); got != want || gotOK != wantOK {
					t.Errorf("site %v: from the edited Text %v %q, fresh %v %q", m.Site, gotOK, got.Comment, wantOK, want.Comment)
				}
				if gotOK {
					suppressed++
				}
			}
			// The regions, against every comment of the tree read whole.
			for _, m := range ms {
				got, gotOK := NewSuppressions(tree, src).eslintRegion(m)
				want, wantOK := regionOracle(tree, src, m)
				if gotOK != wantOK || gotOK && got.StartByte() != want.StartByte() {
					t.Errorf("site %v: region %v, every comment read says %v", m.Site, gotOK, wantOK)
				}
			}
			// Asked from the last site to the first, the scan has gone
			// past each site already.
			backwards := NewSuppressions(tree, src)
			for i := len(ms) - 1; i >= 0; i-- {
				got, gotOK := backwards.Suppressed(ms[i])
				want, wantOK := NewSuppressions(tree, src).Suppressed(ms[i])
				if got != want || gotOK != wantOK {
					t.Errorf("site %v, asked backwards: %v %q, fresh %v %q", ms[i].Site, gotOK, got.Comment, wantOK, want.Comment)
				}
			}
			if name != "none" && (suppressed == 0 || suppressed == len(ms)) {
				t.Errorf("%d of %d matches suppressed: the document should have both", suppressed, len(ms))
			}
		})
	}
}

// regionOracle is eslintRegion the slow way: every comment of the tree
// before m's site, in order, read whole.
func regionOracle(tree *syntax.Tree, src []byte, m Match) (*sitter.Node, bool) {
	var disabled *sitter.Node
	c := sitter.NewTreeCursor(tree.Root())
	defer c.Close()
	for {
		n := c.CurrentNode()
		if int(n.StartByte()) >= m.Site.Start {
			break
		}
		if n.Type() == "comment" {
			if at := strings.Index(n.Content(src), "eslint-"); at >= 0 {
				ec := readEslintComment(src, n, int(n.StartByte())+at)
				if ec.isDisable && names(m.Rule, ec.disable, false) {
					disabled = n
				}
				if ec.isEnable && names(m.Rule, ec.enable, false) {
					disabled = nil
				}
			}
		}
		if c.GoToFirstChild() {
			continue
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return disabled, disabled != nil
			}
		}
	}
	return disabled, disabled != nil
}
