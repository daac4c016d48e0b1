package model

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"testing"
)

func TestFeatureHashIsFNV1a(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ ns, a, b, bytes string }{
		{"rule", "go.naming", "", "rule\x00go.naming"},
		{"persona*cat", "security-reviewer", "security", "persona*cat\x00security-reviewer\x1fsecurity"},
		{"ctx", "", "", "ctx\x00"},
	} {
		h := fnv.New64a()
		h.Write([]byte(tc.bytes))
		if got, want := FeatureHash(tc.ns, tc.a, tc.b), h.Sum64(); got != want {
			t.Errorf("FeatureHash(%q, %q, %q) = %x, want FNV-1a(%q) = %x", tc.ns, tc.a, tc.b, got, tc.bytes, want)
		}
	}
}

func TestFeaturizeLayout(t *testing.T) {
	t.Parallel()
	c := Candidate{
		RuleID: "go.sql-injection", Category: "security", Language: "go", Prior: 0.8,
		Context: []string{"anc:call_expression", "sib:identifier", "tok:string", ""}, EditSize: 12, Persona: "security-reviewer",
	}
	x := make([]float32, FeatureWidth)
	for i := range x {
		x[i] = 9 // Featurize must overwrite, not accumulate
	}
	Featurize(c, x)

	if want := float32(math.Log(0.8 / 0.2)); math.Abs(float64(x[SlotPrior]-want)) > 1e-6 {
		t.Errorf("prior slot = %v, want logit(0.8) = %v", x[SlotPrior], want)
	}
	if x[SlotBias] != 1 {
		t.Errorf("bias slot = %v, want 1", x[SlotBias])
	}
	if want := float32(math.Log2(13) / 16); math.Abs(float64(x[SlotEditSize]-want)) > 1e-6 {
		t.Errorf("edit size slot = %v, want %v", x[SlotEditSize], want)
	}
	for i := 3; i < HashBase; i++ {
		if x[i] != 0 {
			t.Errorf("reserved slot %d = %v", i, x[i])
		}
	}
	// Rebuild the row from the documented recipe.
	want := make([]float32, FeatureWidth)
	want[SlotPrior], want[SlotBias], want[SlotEditSize] = x[SlotPrior], 1, x[SlotEditSize]
	add := func(ns, a, b string, w float32) {
		s, sign := FeatureSlot(ns, a, b)
		want[s] += sign * w
	}
	add("rule", c.RuleID, "", 1)
	add("stem", "sql-injection", "", 1)
	add("family", "sql", "", 1)
	add("stem*role", "sql-injection", "production", 1)
	add("family*role", "sql", "production", 1)
	pt, pu := priorTile(c.Prior)
	add("prior", pt, "", 1)
	add("prior", pu, "", 1)
	add("cat", "security", "", 1)
	add("lang", "go", "", 1)
	add("edit", "b4", "", 0.5) // 12 has bit length 4
	add("role", "production", "", 1)
	add("role*cat", "production", "security", 1)
	add("lang*cat", "go", "security", 1)
	add("persona", "security-reviewer", "", 1)
	add("persona*cat", "security-reviewer", "security", 1)
	for _, s := range c.Context[:3] {
		add("ctx", s, "", float32(0.5/math.Sqrt(3)))
	}
	for i := range want {
		if math.Abs(float64(x[i]-want[i])) > 1e-6 {
			t.Fatalf("slot %d = %v, want %v", i, x[i], want[i])
		}
	}
}

func TestFeaturizeEdgeCases(t *testing.T) {
	t.Parallel()
	a := make([]float32, FeatureWidth)
	b := make([]float32, FeatureWidth)
	Featurize(Candidate{RuleID: "r", Category: "style", Prior: 0.5}, a)
	Featurize(Candidate{RuleID: "r", Category: "style", Prior: 0.5, FileRole: "production"}, b)
	if !slices.Equal(a, b) {
		t.Error(`FileRole "" and "production" featurize differently`)
	}
	Featurize(Candidate{RuleID: "r", Category: "style", Prior: 0.5, FileRole: "test"}, b)
	if slices.Equal(a, b) {
		t.Error("FileRole test does not change the features")
	}
	for _, p := range []float64{0, 1, -3, 7, math.NaN(), math.Inf(1)} {
		Featurize(Candidate{Prior: p}, a)
		if v := float64(a[SlotPrior]); math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 14 {
			t.Errorf("prior %v gives slot value %v", p, v)
		}
	}
	Featurize(Candidate{EditSize: -5}, a)
	if a[SlotEditSize] != 0 {
		t.Errorf("negative edit size gives %v", a[SlotEditSize])
	}
	Featurize(Candidate{EditSize: math.MaxInt}, a)
	if a[SlotEditSize] != 1 {
		t.Errorf("huge edit size gives %v, want 1", a[SlotEditSize])
	}
	defer func() {
		if recover() == nil {
			t.Error("Featurize with a short dst did not panic")
		}
	}()
	Featurize(Candidate{}, make([]float32, 10))
}

func BenchmarkFeaturize(b *testing.B) {
	c := Candidate{RuleID: "go.sql-injection", Category: "security", Language: "go", Prior: 0.8,
		Context: []string{"anc:call_expression", "anc:function_declaration", "sib:identifier", "tok:string"}, EditSize: 12, Persona: "developer"}
	x := make([]float32, FeatureWidth)
	b.ReportAllocs()
	for b.Loop() {
		Featurize(c, x)
	}
}

// priorTile computes the documented tiles independently of priorTiles.
func priorTile(p float64) (string, string) {
	t := int(math.Floor(10 * p))
	if t > 9 {
		t = 9
	}
	u := int(math.Floor(10*p + 0.5))
	return fmt.Sprintf("t%d", t), fmt.Sprintf("u%d", u)
}

func TestRuleStemAndFamily(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ id, stem, family string }{
		{"javascript.strict-equality", "strict-equality", "strict"},
		{"typescript.strict-equality", "strict-equality", "strict"},
		{"python.sql-percent-format", "sql-percent-format", "sql"},
		{"go.sql-sprintf", "sql-sprintf", "sql"},
		{"python.utcnow", "utcnow", "utcnow"},
		{"noprefix", "noprefix", "noprefix"},
		{"go.", "go.", "go."},
		{"go.-x", "-x", "-x"},
		{"", "", ""},
		{"a.b.c-d", "b.c-d", "b.c"},
	} {
		if got := RuleStem(c.id); got != c.stem {
			t.Errorf("RuleStem(%q) = %q, want %q", c.id, got, c.stem)
		}
		if got := RuleFamily(c.id); got != c.family {
			t.Errorf("RuleFamily(%q) = %q, want %q", c.id, got, c.family)
		}
	}
}

// TestFeaturizeSharesAcrossRules checks the generalisation features: rows
// of the same rewrite in two languages share the stem's slots, sibling
// rules share the family's, and the same rule in a test file and in
// production code differs in the stem × role slot.
func TestFeaturizeSharesAcrossRules(t *testing.T) {
	t.Parallel()
	nz := func(c Candidate) map[int32]bool {
		m := map[int32]bool{}
		for _, s := range featurize(c, make([]float32, FeatureWidth), true, nil, nil) {
			m[s] = true
		}
		return m
	}
	slot := func(ns, a, b string) int32 { s, _ := FeatureSlot(ns, a, b); return int32(s) }
	js := Candidate{RuleID: "javascript.strict-equality", Category: "correctness", Language: "javascript", Prior: 0.7}
	ts := Candidate{RuleID: "typescript.strict-equality", Category: "correctness", Language: "typescript", Prior: 0.7}
	for _, c := range []Candidate{js, ts} {
		if !nz(c)[slot("stem", "strict-equality", "")] {
			t.Errorf("%s lacks the stem feature", c.RuleID)
		}
	}
	a := Candidate{RuleID: "python.sql-fstring", Category: "security", Language: "python", Prior: 0.8}
	b := Candidate{RuleID: "go.sql-sprintf", Category: "security", Language: "go", Prior: 0.8, FileRole: "test"}
	if !nz(a)[slot("family", "sql", "")] || !nz(b)[slot("family", "sql", "")] {
		t.Error("sibling sql rules do not share the family feature")
	}
	if !nz(b)[slot("stem*role", "sql-sprintf", "test")] || nz(b)[slot("stem*role", "sql-sprintf", "production")] {
		t.Error("stem × role does not follow the file role")
	}
	// A stem without a '-' is its own family: no separate family features.
	u := Candidate{RuleID: "python.utcnow", Category: "correctness", Language: "python", Prior: 0.6}
	if nz(u)[slot("family", "utcnow", "")] || nz(u)[slot("family*role", "utcnow", "production")] {
		t.Error("a one-word stem also adds family features")
	}
}

func TestPriorTiles(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p    float64
		t, u string
	}{
		{0, "t0", "u0"}, {0.04, "t0", "u0"}, {0.05, "t0", "u1"}, {0.58, "t5", "u6"},
		{0.6, "t6", "u6"}, {0.62, "t6", "u6"}, {0.66, "t6", "u7"}, {0.999, "t9", "u10"},
		{1, "t9", "u10"}, {-3, "t0", "u0"}, {7, "t9", "u10"}, {math.NaN(), "t5", "u5"},
	} {
		if gt, gu := priorTiles(c.p); gt != c.t || gu != c.u {
			t.Errorf("priorTiles(%v) = %s, %s; want %s, %s", c.p, gt, gu, c.t, c.u)
		}
	}
}
