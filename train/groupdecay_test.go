package train

import (
	"testing"

	"github.com/syntx/syntx/model"
)

// TestDecayScale checks which LoRA parameters Settings.RuleDecay makes
// dearer: the lora_A columns of the modules reading the feature row where
// only rule-specific features sit, nothing else.
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
	rule, _ := model.FeatureSlot("rule", c.RuleID, "")
	role, _ := model.FeatureSlot("role", "test", "")
	if g.shared[rule] || g.many[rule] || !g.shared[role] || !g.many[role] {
		t.Fatalf("test candidates' rule slot %d and role slot %d collide; pick other rules", rule, role)
	}
	l := newLayout(p)
	if s := decayScale(base, p, l, &g, 1); s != nil {
		t.Errorf("RuleDecay 1: got a scale, want none")
	}
	if s := decayScale(base, p, l, nil, 4); s != nil {
		t.Errorf("no groups (team run): got a scale, want none")
	}
	s := decayScale(base, p, l, &g, 4)
	reads := 0
	for i, ly := range p.Layers {
		input := ly.A.Cols == model.FeatureWidth && readsInput(base, ly.Module)
		if input {
			reads++
		}
		for r := 0; r < ly.A.Rows; r++ {
			for j := 0; j < ly.A.Cols; j++ {
				want := 1.0
				if input && (g.specific[j] && !g.shared[j] || g.stem[j] != "" && !g.many[j]) {
					want = 4
				}
				if input && j == rule && want != 4 || j == role && want != 1 {
					t.Fatalf("column %d: rule slot %d, role slot %d, want %v", j, rule, role, want)
				}
				if got := s[l.offA[i]+r*ly.A.Cols+j]; got != want {
					t.Fatalf("%s lora_A[%d,%d]: scale %v, want %v", ly.Module, r, j, got, want)
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
	// A shared group's column that one rule alone uses in the run carries
	// that rule's evidence only: dearer too.
	fam, _ := model.FeatureSlot("family", model.RuleFamily(c.RuleID), "")
	if !g.many[fam] && g.multiplier(fam, 4) != 4 {
		t.Errorf("family column %d, used by %s alone: multiplier %v, want 4", fam, c.RuleID, g.multiplier(fam, 4))
	}
	if g.multiplier(role, 4) != 1 {
		t.Errorf("role column %d, used by two rules: multiplier %v, want 1", role, g.multiplier(role, 4))
	}
}
