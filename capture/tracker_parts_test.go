package capture

import (
	"github.com/syntx/syntx/store"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/syntax"
)

// A suggestion with several parts (a migration) is followed part by part
// and decided as one.
func TestTrackerParts(t *testing.T) {
	t.Parallel()
	orig := "function f() {\n  var a = 1;\n  g(a);\n  var b = 2;\n  return b;\n}\n"
	fixed := strings.Replace(strings.Replace(orig, "var a", "const a", 1), "var b", "const b", 1)
	parts := func() []Part {
		return []Part{
			{Start: strings.Index(orig, "var a"), Original: "var", Suggested: "const"},
			{Start: strings.Index(fixed, "const b"), Original: "var", Suggested: "const"},
		}
	}
	t0 := time.Unix(1000, 0)
	cps := []time.Duration{time.Second, 2 * time.Second}
	type step struct {
		old, new string // replace the first old with new
	}
	cases := []struct {
		name  string
		steps []step
		want  store.Outcome // outcome after the last checkpoint
	}{
		{"kept, with edits between the parts", []step{{"g(a);", "g(a, 3);"}}, "kept"},
		{"every part undone", []step{{"const a", "var a"}, {"const b", "var b"}}, "undone"},
		// The editor's undo as one change from the first part to the
		// last (a client that sends the smallest single change, or the
		// whole document), restoring the text between them as it was.
		{"every part undone in one change", []step{{fixed, orig}}, "undone"},
		{"one part undone", []step{{"const b", "var b"}}, "edited"},
		{"both parts changed in one change, not to the original", []step{{fixed, strings.Replace(orig, "var b", "let b", 1)}}, "edited"},
		{"one part edited", []step{{"const a", "let a"}}, "edited"},
		// The smallest diff of an undo may take a character of the text
		// next to a part ("t a" → " a" read as deleting "onst").
		{"every part undone, diffs taking a neighbour's character", []step{{"const a", "var a"}, {"t b", "r b"}, {"cons", "va"}}, "undone"},
		{"both parts undone in one change of whole lines", []step{{"  const a = 1;\n  g(a);\n  const b = 2;\n", "  var a = 1;\n  g(a);\n  var b = 2;\n"}}, "undone"},
		{"one change over both parts, the code between changed too", []step{{fixed, strings.Replace(strings.Replace(orig, "g(a);", "h(a);", 1), "var b", "let b", 1)}}, "edited"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(cps, time.Minute)
			if !tr.Accept(Applied{SuggestionID: "s", SetID: "set", DocKey: "d", Grammar: syntax.JavaScript, Parts: parts()}, []byte(fixed), t0) {
				t.Fatal("the parts were not found")
			}
			if n := tr.Tracking("d"); n != 2 {
				t.Fatalf("tracking %d regions, want 2", n)
			}
			text := syntax.NewText([]byte(fixed))
			var outs []Outcome
			for _, s := range c.steps {
				at := strings.Index(string(text.Bytes()), s.old)
				tr.Edit("d", text, at, at+len(s.old), []byte(s.new))
				text, _ = text.Replace(at, at+len(s.old), []byte(s.new))
				outs = append(outs, tr.Settle("d", text, t0)...)
			}
			for _, d := range cps {
				outs = append(outs, tr.Tick(t0.Add(d), func(key string, fn func([]byte)) { fn(text.Bytes()) })...)
			}
			if len(outs) != 1 || outs[0].Outcome != c.want || outs[0].SuggestionID != "s" {
				t.Fatalf("outcomes %+v, want one %s", outs, c.want)
			}
			if c.want == store.Edited && !strings.Contains(outs[0].FinalText, "b = 2") {
				t.Errorf("final text %q does not hold the parts' lines", outs[0].FinalText)
			}
			if c.want == store.Edited && (strings.Contains(outs[0].FinalText, "g(a") || strings.Contains(outs[0].FinalText, "h(a")) {
				t.Errorf("final text %q holds the code between the parts", outs[0].FinalText)
			}
			if n := tr.Tracking("d"); n != 0 {
				t.Errorf("still tracking %d regions after the decision", n)
			}
		})
	}
}
