package rules

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/internal/realcorpus"
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
		// Sites over several lines: a directive on a site's last line, a
		// word in a string inside a site, and block comments that start on
		// the line before a site (or on its last line) and hold their word
		// on the next line.
		"multi-line": strings.Repeat("if (a ==\n    b) {} // syntx-ignore\nif (a\n  == \"eslint-disable-line\") {}\n"+
			"/* reason:\n eslint-disable-next-line eqeqeq */ if (a == b) {}\n// x\nif (a ==\n b) {} /* see\n @ts-ignore */\n"+
			"if (a == b) {}\n/* eslint-disable-next-line eqeqeq */\nif (c\n == d) {}\n", 8),
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
			set.MatchRange(tree, syntax.NewText(src), 0, len(src), func(m Match) { ms = append(ms, m) })
			if len(ms) < 3 {
				t.Fatalf("%d matches, want at least 3", len(ms))
			}
			shared := NewSuppressions(tree, syntax.NewText(src))
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
				want, wantOK := NewSuppressions(tree, syntax.NewText(src)).Suppressed(m)
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
				got, gotOK := NewSuppressions(tree, syntax.NewText(src)).lintRegion(m)
				want, wantOK := regionOracle(tree, src, m)
				if gotOK != wantOK || gotOK && got.StartByte() != want.StartByte() {
					t.Errorf("site %v: region %v, every comment read says %v", m.Site, gotOK, wantOK)
				}
			}
			// Asked from the last site to the first, the scan has gone
			// past each site already.
			backwards := NewSuppressions(tree, syntax.NewText(src))
			for i := len(ms) - 1; i >= 0; i-- {
				got, gotOK := backwards.Suppressed(ms[i])
				want, wantOK := NewSuppressions(tree, syntax.NewText(src)).Suppressed(ms[i])
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

// regionOracle is lintRegion the slow way (for ESLint's directives, the
// only ones the documents hold): every comment of the tree
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
				ec := readRegionComment(&regionTools[0], syntax.NewText(src), n, int(n.StartByte())+at)
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

// TestSuppressionsTextEqualsScanOnRealCode: a Suppressions made from a
// document's Text (which finds the comments on a site's lines from where
// the line directive words occur: directiveComments) answers every match
// of real, unmodified files as one made from the bytes alone (which reads
// every comment on those lines: commentsIn). The files are drawn from the
// real-code corpus among those holding a directive word (skipped without
// the corpus), 3 per language with seed 1
// (SYNTX_REAL_SUPP_FILES and SYNTX_REAL_SUPP_SEED change that), and the
// UMD bundles of the benchmark (echarts' holds 33 "eslint-disable" and 40
// "@ts-ignore" among its 13,602 var declarations).
func TestSuppressionsTextEqualsScanOnRealCode(t *testing.T) {
	c := realcorpus.Require(t)
	files := realcorpus.EnvCount(t, "SYNTX_REAL_SUPP_FILES", 3)
	seed := uint64(realcorpus.EnvCount(t, "SYNTX_REAL_SUPP_SEED", 1))
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	check := func(t *testing.T, g syntax.Grammar, src []byte) {
		tree, err := syntax.Parse(context.Background(), g, src)
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		var ms []Match
		lib.Set(g).MatchRange(tree, syntax.NewText(src), 0, len(src), func(m Match) { ms = append(ms, m) })
		scan, viaText := NewSuppressions(tree, syntax.NewText(src)), NewTextSuppressions(tree, syntax.NewText(src))
		suppressed := 0
		for _, m := range ms {
			want, wantOK := scan.Suppressed(m)
			got, gotOK := viaText.Suppressed(m)
			if got != want || gotOK != wantOK {
				t.Errorf("%s at %v: from the Text %v %q, from the bytes %v %q", m.Rule.ID, m.Site, gotOK, got.Comment, wantOK, want.Comment)
			}
			if gotOK {
				suppressed++
			}
		}
		t.Logf("%d matches, %d suppressed", len(ms), suppressed)
	}
	for _, g := range []syntax.Grammar{syntax.Go, syntax.JavaScript, syntax.TypeScript, syntax.TSX} {
		// Files that hold a line directive word, where the two ways of
		// finding a site's comments can differ.
		holdsWord := func(_ realcorpus.File, src []byte) bool {
			for _, w := range lineWords[g] {
				if bytes.Contains(src, []byte(w)) {
					return true
				}
			}
			return false
		}
		drawn, err := c.Sample(g, seed, files, holdsWord)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range drawn {
			t.Run(string(g)+"/"+f.Package+"/"+f.Rel, func(t *testing.T) { check(t, g, f.Src) })
		}
	}
	for _, bf := range c.Bench(realcorpus.ShapeUMD) {
		t.Run("bench/"+bf.ID, func(t *testing.T) {
			src, err := os.ReadFile(bf.File)
			if err != nil {
				t.Fatal(err)
			}
			check(t, syntax.Detect("", bf.File), src)
		})
	}
}
