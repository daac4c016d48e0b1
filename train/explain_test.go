package train

import (
	"math"
	"testing"

	"github.com/syntx/syntx/model"
)

func readsInput(net *model.Network, module string) bool {
	for _, nd := range net.Nodes() {
		if nd.Module == module && len(nd.Inputs) > 0 && nd.Inputs[0] == model.InputName {
			return true
		}
	}
	return false
}

// TestExplainAttributes checks Explain on an adapter that reads only the
// rule's column: the whole logit change is the rule group's, none is any
// other group's, and an adapter at the base changes nothing.
func TestExplainAttributes(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	c := model.Candidate{RuleID: "go.append-prealloc", Category: "performance", Language: "go", Prior: 0.6, FileRole: "test"}
	rule, _ := model.FeatureSlot("rule", c.RuleID, "")
	p, err := model.NewLoRA(base, model.LoRAConfig{Rank: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	delta, parts, err := Explain(base, p, c)
	if err != nil {
		t.Fatal(err)
	}
	if delta != 0 {
		t.Errorf("fresh adapter (B = 0): delta %v, want 0", delta)
	}
	for _, g := range parts {
		if g.Delta != 0 {
			t.Errorf("fresh adapter: group %s %v, want 0", g.Group, g.Delta)
		}
	}
	for i := range p.Layers {
		ly := &p.Layers[i]
		for r := 0; r < ly.A.Rows; r++ {
			for j := 0; j < ly.A.Cols; j++ {
				v := float32(0)
				if j == rule && ly.A.Cols == model.FeatureWidth && readsInput(base, ly.Module) {
					v = 0.5
				}
				ly.A.Data[r*ly.A.Cols+j] = v
			}
		}
		for k := range ly.B.Data {
			ly.B.Data[k] = 0.3
		}
	}
	delta, parts, err = Explain(base, p, c)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(delta) < 1e-3 {
		t.Fatalf("delta %v: the adapter does nothing to the rule", delta)
	}
	seen := false
	for _, g := range parts {
		switch g.Group {
		case "rule":
			seen = true
			if math.Abs(g.Delta-delta) > 1e-4 {
				t.Errorf("rule group: %v, want the whole delta %v", g.Delta, delta)
			}
		default:
			if math.Abs(g.Delta) > 1e-4 {
				t.Errorf("group %s: %v, want 0", g.Group, g.Delta)
			}
		}
	}
	if !seen {
		t.Errorf("no rule group in %v", parts)
	}
}
