package rulecheck

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func syntheticRun(n int) *Result {
	r := &Result{Lines: map[string]int{"go": 10000}, Packages: []string{"p"}}
	for i := 0; i < n; i++ {
		r.Offers = append(r.Offers, &Offer{
			Rule: fmt.Sprintf("go.rule-%d", i%5), Language: "go", Package: "p", File: fmt.Sprintf("f%03d.go", i),
			Line: i + 1, Site: [2]int{i, i + 1}, Before: fmt.Sprintf("x%d", i), After: fmt.Sprintf("y%d", i), Automatic: i%3 != 0,
		})
	}
	return r
}

func TestDrawIsSeededAndKeepsVerdicts(t *testing.T) {
	t.Parallel()
	r := syntheticRun(200)
	a := Draw(r, "go", 21, 40, nil)
	b := Draw(r, "go", 21, 40, nil)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed drew two samples")
	}
	if c := Draw(r, "go", 22, 40, nil); reflect.DeepEqual(a.Items, c.Items) {
		t.Error("another seed drew the same sample")
	}
	if len(a.Items) != 40 {
		t.Fatalf("drew %d, want 40", len(a.Items))
	}
	if want := "in 10000 lines of go (1 packages)"; !strings.HasSuffix(a.Drawn, want) {
		t.Errorf("drawn %q, want it to end %q", a.Drawn, want)
	}
	r.Packages, r.PackagesOf = []string{"p", "q", "r"}, map[string]int{"go": 2, "python": 1}
	if want := "(2 packages)"; !strings.HasSuffix(Draw(r, "go", 21, 40, nil).Drawn, want) {
		t.Errorf("with packages of two languages, drawn %q, want it to count the go ones, %s", Draw(r, "go", 21, 40, nil).Drawn, want)
	}
	r.Packages, r.PackagesOf = []string{"p"}, nil
	for _, j := range a.Items {
		var n int
		fmt.Sscanf(j.File, "f%03d.go", &n)
		if j.Shown != ShownAutomatic || n%3 == 0 {
			t.Errorf("drew %s (%s), which is not shown automatically, while automatic ones were left", j.File, j.Shown)
		}
	}
	a.Items[0].Verdict, a.Items[0].Reason = Welcome, "fixes a real bug"
	// Lines move; the judgement stays with the suggestion.
	for _, o := range r.Offers {
		o.Line += 3
	}
	again := Draw(r, "go", 21, 40, a)
	if again.Items[0].Verdict != Welcome || again.Items[0].Reason != "fixes a real bug" {
		t.Errorf("verdict not carried over: %+v", again.Items[0])
	}
	// With fewer automatic suggestions than asked for, all of them are
	// drawn, and menu-only ones make up the rest.
	small := Draw(syntheticRun(60), "go", 21, 50, nil)
	shown := map[string]int{}
	for _, j := range small.Items {
		shown[j.Shown]++
	}
	if shown[ShownAutomatic] != 40 || shown[ShownMenu] != 10 {
		t.Errorf("with 40 automatic suggestions of 60, drew %v", shown)
	}
}

func TestSampleCheck(t *testing.T) {
	t.Parallel()
	mk := func(verdicts ...string) *Sample {
		s := &Sample{Language: "go"}
		for i, v := range verdicts {
			shown := ShownAutomatic
			if strings.HasPrefix(v, "menu:") {
				shown, v = ShownMenu, strings.TrimPrefix(v, "menu:")
			}
			s.Items = append(s.Items, Judged{Shown: shown, Rule: "go.x", File: fmt.Sprint(i), Verdict: v, Reason: "because"})
		}
		return s
	}
	tests := []struct {
		name   string
		s      *Sample
		min    int
		errSub string
	}{
		{"meets the targets", mk(Welcome, Welcome, Nitpick, FalsePositive, Harmful), 5, ""},
		{"too small", mk(Welcome), 2, "judged suggestions, want at least"},
		{"two harmful", mk(Welcome, Welcome, Welcome, Harmful, Harmful), 5, "2 harmful"},
		{"more nitpicks than welcome", mk(Welcome, Nitpick, Nitpick, FalsePositive, FalsePositive), 5, "1 welcome < 2 nitpicks"},
		{"menu-only ones do not count for the targets", mk(Welcome, "menu:nitpick", "menu:nitpick", "menu:harmful", "menu:harmful"), 5, ""},
		{"unjudged", mk(Welcome, Welcome, "", Nitpick, Nitpick), 5, "is not one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.s.Check(tc.min)
			switch {
			case tc.errSub == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tc.errSub != "" && (err == nil || !strings.Contains(err.Error(), tc.errSub)):
				t.Errorf("Check = %v, want an error with %q", err, tc.errSub)
			}
		})
	}
	s := mk(Welcome)
	s.Items[0].Reason = " "
	if err := s.Check(1); err == nil || !strings.Contains(err.Error(), "no reason") {
		t.Errorf("a verdict without a reason passed: %v", err)
	}
}

func TestSampleSaveLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := Draw(syntheticRun(60), "go", 21, 40, nil)
	s.Items[0].Verdict, s.Items[0].Reason = Harmful, "breaks callers: 'quoted' text\nand two lines"
	if err := s.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSample(dir, "go")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got.Items[0], s.Items[0])
	}
}

// TestCommittedSamples holds the judged samples in testdata to their
// contract: at least SampleSize suggestions per language, every one judged
// with a reason, and among the automatic ones at most one harmful and at
// least as many welcome as nitpicks. (How many automatic suggestions a
// language has to judge is the run's business: make check-rules-real.)
func TestCommittedSamples(t *testing.T) {
	t.Parallel()
	for _, lang := range Languages {
		s, err := LoadSample("../../testdata/rulecheck/judged", lang)
		if err != nil {
			t.Fatal(err)
		}
		if s.Language != lang {
			t.Errorf("%s sample says language %q", lang, s.Language)
		}
		if err := s.Check(SampleSize); err != nil {
			t.Error(err)
		}
	}
	// The first round, from which the priors were revised, stays readable.
	for _, lang := range Languages {
		s, err := LoadSample("../../testdata/rulecheck/judged/round1", lang)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Items) == 0 {
			t.Errorf("round 1 of %s is empty", lang)
		}
		for _, j := range s.Items {
			if j.Verdict == "" || j.Reason == "" {
				t.Errorf("round 1: %s %s:%d is not judged", j.Rule, j.File, j.Line)
			}
		}
	}
	silent, err := LoadSilent("../../testdata/rulecheck/silent.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(silent) == 0 {
		t.Error("silent.toml lists no rule")
	}
}

// TestDrawTellsIdenticalRewritesApart: two identical rewrites in one file
// keep their own verdicts, by line.
func TestDrawTellsIdenticalRewritesApart(t *testing.T) {
	t.Parallel()
	r := &Result{Lines: map[string]int{"go": 100}}
	for _, line := range []int{30, 38} {
		r.Offers = append(r.Offers, &Offer{Rule: "go.world-writable-perm", Language: "go", Package: "p", File: "dot_test.go",
			Line: line, Site: [2]int{line, line + 4}, Before: "0777", After: "0755", Automatic: true})
	}
	s := Draw(r, "go", 1, 40, nil)
	s.Items[0].Verdict, s.Items[0].Reason = Harmful, "first"
	again := Draw(r, "go", 1, 40, s)
	if again.Items[0].Verdict != Harmful || again.Items[1].Verdict != "" {
		t.Errorf("verdicts after drawing again: %q, %q", again.Items[0].Verdict, again.Items[1].Verdict)
	}
	// An old sample that judged only the second: the first is another
	// suggestion with the same rewrite, not the second moved, since the run
	// still offers the second where it was (acme's messages.py:254 took the
	// reason of line 260 this way).
	only := &Sample{Language: "go", Items: []Judged{s.Items[1]}}
	only.Items[0].Verdict, only.Items[0].Reason = Welcome, "second"
	third := Draw(r, "go", 1, 40, only)
	if third.Items[0].Verdict != "" || third.Items[1].Verdict != Welcome {
		t.Errorf("a verdict of line 38 alone: %q at 30, %q at 38", third.Items[0].Verdict, third.Items[1].Verdict)
	}
	// Where the run no longer offers it at its line, the one judged
	// suggestion with that rewrite has moved, and its verdict follows.
	moved := &Result{Lines: r.Lines, Offers: []*Offer{{Rule: "go.world-writable-perm", Language: "go", Package: "p", File: "dot_test.go",
		Line: 41, Site: [2]int{41, 45}, Before: "0777", After: "0755", Automatic: true}}}
	if m := Draw(moved, "go", 1, 40, only); m.Items[0].Verdict != Welcome {
		t.Errorf("a verdict of a suggestion that moved from line 38 to 41: %q", m.Items[0].Verdict)
	}
}

// TestDroppedVerdicts: a draw from the same pool holds every verdict; a
// draw from a changed pool (the seeded order follows the whole pool) may
// not, and Dropped names exactly the judged suggestions it no longer holds.
func TestDroppedVerdicts(t *testing.T) {
	t.Parallel()
	r := syntheticRun(200)
	a := Draw(r, "go", 21, 40, nil)
	for i := range a.Items {
		a.Items[i].Verdict, a.Items[i].Reason = Welcome, fmt.Sprint("reason ", i)
	}
	if d := Dropped(a, Draw(r, "go", 21, 40, a)); len(d) != 0 {
		t.Fatalf("drawing again from the same pool dropped %d verdicts", len(d))
	}
	// One more automatic suggestion: the shuffle draws another sample.
	r.Offers = append(r.Offers, &Offer{Rule: "go.rule-9", Language: "go", Package: "p", File: "g.go", Line: 1, Before: "a", After: "b", Automatic: true})
	b := Draw(r, "go", 21, 40, a)
	in := map[string]bool{}
	for _, j := range b.Items {
		in[j.key()] = true
	}
	var want []Judged
	for _, j := range a.Items {
		if !in[j.key()] {
			want = append(want, j)
		}
	}
	if len(want) == 0 {
		t.Fatal("the changed pool drew the same sample: the test does not exercise a drop")
	}
	if got := Dropped(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("dropped %d verdicts, want %d", len(got), len(want))
	}
	// An unjudged suggestion left out is no loss.
	a.Items[0].Verdict = ""
	for _, j := range Dropped(a, b) {
		if j.Verdict == "" {
			t.Errorf("an unjudged suggestion counted as a dropped verdict: %+v", j)
		}
	}
}
