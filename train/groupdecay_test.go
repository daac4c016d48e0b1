package train

import (
	"testing"

	"github.com/syntx/syntx/model"
)

// TestDecayScale checks which LoRA parameters Settings.RuleDecay makes
// dearer: the lora_A columns of the modules reading the feature row where
// only one rule's evidence sits, nothing else. The expectations are stated
// from the two candidates' features, not from columnGroups.multiplier: c's
// rule, stem and stem*role columns (rule-specific groups only c uses) and
// its family column (a shared group only c's rows use) get the multiplier,
// the file role column both rules' rows use does not, nor does a column no
// row uses.
func TestDecayScale(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	p, err := model.NewLoRA(base, model.LoRAConfig{Rank: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := model.Candidate{RuleID: "go.append-prealloc", Category: "performance", Language: "go", Prior: 0.6, FileRole: "test"}
	other := model.Candidate{RuleID: "python.not-in", Category: "style", Language: "python", Prior: 0.3, FileRole: "test"}
	var g columnGroups
	g.note(c)
	g.note(other)

	// How many of each candidate's features land in each column.
	var uses [2][model.FeatureWidth]int
	for k, cand := range []model.Candidate{c, other} {
		model.FeatureGroupSlots(cand, func(_ string, slot int) { uses[k][slot]++ })
	}
	slot := func(ns, a, b string) int {
		s, _ := model.FeatureSlot(ns, a, b)
		return s
	}
	stem, family := model.RuleStem(c.RuleID), model.RuleFamily(c.RuleID)
	if family == stem {
		t.Fatalf("%s has no family of its own; pick another rule", c.RuleID)
	}
	want := map[int]float64{} // the columns with a stated expectation
	for _, j := range []int{
		slot("rule", c.RuleID, ""),
		slot("stem", stem, ""),
		slot("stem*role", stem, c.FileRole),
		slot("family", family, ""),
	} {
		// c's feature alone must be in the column, or the column holds
		// other evidence too (a hash collision): pick other rules then.
		if uses[0][j] != 1 || uses[1][j] != 0 {
			t.Fatalf("column %d of %s collides with another feature (%d of c's, %d of the other's); pick other rules", j, c.RuleID, uses[0][j], uses[1][j])
		}
		want[j] = 4
	}
	role := slot("role", c.FileRole, "")
	if _, ok := want[role]; ok || uses[0][role] != 1 || uses[1][role] != 1 {
		t.Fatalf("role column %d collides with another feature; pick other rules", role)
	}
	want[role] = 1
	unused := 0
	for j := range model.FeatureWidth {
		if uses[0][j] == 0 && uses[1][j] == 0 {
			want[j] = 1
			unused++
		}
	}
	if unused == 0 {
		t.Fatal("every column is used: no unused column to check")
	}

	l := newLayout(p)
	if s := decayScale(base, p, l, &g, 1); s != nil {
		t.Errorf("RuleDecay 1: got a scale, want none")
	}
	if s := decayScale(base, p, l, nil, 4); s != nil {
		t.Errorf("no groups (team run): got a scale, want none")
	}
	s := decayScale(base, p, l, &g, 4)
	if len(s) != l.n {
		t.Fatalf("scale of %d parameters, want %d", len(s), l.n)
	}
	reads := 0
	for i, ly := range p.Layers {
		input := ly.A.Cols == model.FeatureWidth && readsInput(base, ly.Module)
		if input {
			reads++
		}
		for r := 0; r < ly.A.Rows; r++ {
			for j := 0; j < ly.A.Cols; j++ {
				w, stated := want[j]
				if !input {
					w, stated = 1, true
				}
				if got := s[l.offA[i]+r*ly.A.Cols+j]; stated && got != w {
					t.Fatalf("%s lora_A[%d,%d]: scale %v, want %v", ly.Module, r, j, got, w)
				}
			}
		}
		for k := range ly.B.Data {
			if got := s[l.offB[i]+k]; got != 1 {
				t.Fatalf("%s lora_B[%d]: scale %v, want 1", ly.Module, k, got)
			}
		}
	}
	if reads == 0 {
		t.Fatal("no LoRA module reads the feature row")
	}
}
