package model

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestComposeTwoLayers: the served policy of base → team → own is the base
// weights plus both adapters' deltas (PEFT's sum of active LoRA adapters),
// in either order; rolling back one layer leaves exactly the other's delta;
// the merged network exported as one ONNX file runs the same in onnx-go;
// and both layers are ordinary PEFT adapter directories of the base.
func TestComposeTwoLayers(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	dir := t.TempDir()
	team, own := randomLoRA(t, base, 1, 8, 0.05), randomLoRA(t, base, 2, 4, 0.05)
	load := func(name string, p *LoRA) *Adapter {
		d := filepath.Join(dir, name)
		if err := SaveAdapter(d, base, p, name); err != nil {
			t.Fatal(err)
		}
		a, err := LoadAdapter(d, base)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	ta, oa := load("t1", team), load("v3", own)
	both, err := base.Compose(ta, oa)
	if err != nil {
		t.Fatal(err)
	}
	if v := both.AdapterVersion(); v != "t1+v3" {
		t.Errorf("composed version %q, want t1+v3", v)
	}
	// The weights: W + Δteam + Δown, whichever is merged first.
	m1, _ := base.Merge(team)
	m12, _ := m1.Merge(own)
	m2, _ := base.Merge(own)
	m21, _ := m2.Merge(team)
	for _, tg := range base.Targets() {
		w0, _ := base.Weight(tg.Weight)
		wb, _ := both.Weight(tg.Weight)
		w12, _ := m12.Weight(tg.Weight)
		w21, _ := m21.Weight(tg.Weight)
		wt, _ := m1.Weight(tg.Weight)
		wo, _ := m2.Weight(tg.Weight)
		for i := range w0.Data {
			sum := float64(wt.Data[i]) + float64(wo.Data[i]) - float64(w0.Data[i])
			for name, v := range map[string]float32{"composed": wb.Data[i], "team then own": w12.Data[i], "own then team": w21.Data[i]} {
				if d := float64(v) - sum; d > 1e-5 || d < -1e-5 {
					t.Fatalf("%s: %s[%d] = %v, want W + Δteam + Δown = %v", name, tg.Weight, i, v, sum)
				}
			}
		}
	}
	x := randomRows(7, 16)
	assertClose(t, "composed native vs onnx-go", nativeForward(both, x, 16), onnxGoForward(t, both, x, 16), 1e-4)

	// A runtime swaps each layer alone.
	rt, err := NewRuntime(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.SwapLayers(ta, oa); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(rt.Version(), "+t1+v3") || rt.Team() != ta || rt.Adapter() != oa {
		t.Fatalf("version %q, team %v, own %v", rt.Version(), rt.Team(), rt.Adapter())
	}
	score := func() []float64 {
		out := make([]float64, 2)
		cands := []Candidate{{RuleID: "go.sql-sprintf", Category: "security", Language: "go", Prior: 0.8}, {RuleID: "go.time-since", Category: "style", Language: "go", Prior: 0.55}}
		if err := rt.Score(context.Background(), cands, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	sBoth := score()
	if err := rt.SwapTeam(nil); err != nil { // roll back the team layer alone
		t.Fatal(err)
	}
	if rt.Adapter() != oa || rt.Team() != nil || !strings.HasSuffix(rt.Version(), "+v3") {
		t.Fatalf("after the team rollback: version %q", rt.Version())
	}
	sOwn := score()
	if err := rt.SwapLayers(ta, nil); err != nil { // roll back the own layer alone
		t.Fatal(err)
	}
	if !strings.HasSuffix(rt.Version(), "+t1") {
		t.Fatalf("after the own rollback: version %q", rt.Version())
	}
	sTeam := score()
	if sBoth[0] == sOwn[0] || sBoth[0] == sTeam[0] || sOwn[0] == sTeam[0] {
		t.Errorf("the layers do not each change the score: both %v, own %v, team %v", sBoth, sOwn, sTeam)
	}
	// An adapter for another base is refused by Compose.
	other := *oa
	other.BaseHash = strings.Repeat("0", 64)
	if _, err := base.Compose(ta, &other); err == nil {
		t.Error("an adapter for another base was composed")
	}
}
