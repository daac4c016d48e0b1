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
	pt, pu := priorTile(c.Prior)
	add("prior", pt, "", 1)
	add("prior", pu, "", 1)
	add("cat", "security", "", 1)
	add("lang", "go", "", 1)
	add("edit", "b4", "", 1) // 12 has bit length 4
	add("role", "production", "", 1)
	add("role*cat", "production", "security", 1)
	add("lang*cat", "go", "security", 1)
	add("persona", "security-reviewer", "", 1)
	add("persona*cat", "security-reviewer", "security", 1)
	for _, s := range c.Context[:3] {
		add("ctx", s, "", float32(1/math.Sqrt(3)))
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
