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
	for _, j := range a.Items {
		var n int
		fmt.Sscanf(j.File, "f%03d.go", &n)
		if n%3 == 0 {
			t.Errorf("drew %s, which is not shown automatically", j.File)
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
	if small := Draw(syntheticRun(9), "go", 21, 40, nil); len(small.Items) != 6 {
		t.Errorf("with 6 automatic suggestions drew %d", len(small.Items))
	}
}

func TestSampleCheck(t *testing.T) {
	t.Parallel()
	mk := func(verdicts ...string) *Sample {
		s := &Sample{Language: "go"}
		for i, v := range verdicts {
			s.Items = append(s.Items, Judged{Rule: "go.x", File: fmt.Sprint(i), Verdict: v, Reason: "because"})
		}
		return s
	}
	tests := []struct {
		name   string
		s      *Sample
		errSub string
	}{
		{"meets the targets", mk(Welcome, Welcome, Nitpick, FalsePositive, Harmful), ""},
		{"too small", mk(Welcome), "judged suggestions, want at least"},
		{"two harmful", mk(Welcome, Welcome, Welcome, Harmful, Harmful), "2 harmful"},
		{"more nitpicks than welcome", mk(Welcome, Nitpick, Nitpick, FalsePositive, FalsePositive), "1 welcome < 2 nitpicks"},
		{"unjudged", mk(Welcome, Welcome, "", Nitpick, Nitpick), "is not one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			min := 5
			if tc.name == "too small" {
				min = 2
			}
			err := tc.s.Check(min)
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
