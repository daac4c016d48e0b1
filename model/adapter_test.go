package model

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/model/safetensors"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

func saveTestAdapter(t *testing.T, base *Network, p *LoRA, version string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "adapters", version)
	if err := SaveAdapter(dir, base, p, version); err != nil {
		t.Fatalf("save adapter: %v", err)
	}
	return dir
}

func TestSaveLoadAdapterRoundTrip(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	p := randomLoRA(t, base, 31, 8, 0.2)
	dir := saveTestAdapter(t, base, p, "v1")

	a, err := LoadAdapter(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != "v1" || a.LoRA.Rank != 8 || a.LoRA.Alpha != 16 || len(a.LoRA.Layers) != 3 {
		t.Fatalf("loaded adapter: version %q rank %d alpha %v layers %d", a.Version, a.LoRA.Rank, a.LoRA.Alpha, len(a.LoRA.Layers))
	}
	for i, l := range p.Layers {
		got := a.LoRA.Layers[i]
		if got.Module != l.Module || !slices.Equal(got.A.Data, l.A.Data) || !slices.Equal(got.B.Data, l.B.Data) {
			t.Fatalf("layer %s changed in the round trip", l.Module)
		}
	}

	// PEFT layout: config keys and tensor names.
	var cfg map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, AdapterConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"peft_type": "LORA", "r": 8.0, "lora_alpha": 16.0, "bias": "none", "fan_in_fan_out": false, "use_rslora": false} {
		if cfg[k] != want {
			t.Errorf("adapter_config.json %s = %v, want %v", k, cfg[k], want)
		}
	}
	if tm, _ := cfg["target_modules"].([]any); len(tm) != 3 || tm[0] != "fc1" || tm[1] != "fc2" || tm[2] != "skip" {
		t.Errorf("target_modules = %v", cfg["target_modules"])
	}
	wb, err := os.ReadFile(filepath.Join(dir, AdapterWeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(wb)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"base_model.model.fc1.lora_A.weight", "base_model.model.fc1.lora_B.weight",
		"base_model.model.fc2.lora_A.weight", "base_model.model.fc2.lora_B.weight",
		"base_model.model.skip.lora_A.weight", "base_model.model.skip.lora_B.weight",
	}
	if !slices.Equal(f.Names(), want) {
		t.Fatalf("tensors = %v, want %v", f.Names(), want)
	}
	if s := f.Tensors["base_model.model.fc1.lora_A.weight"].Shape; !slices.Equal(s, []int{8, 512}) {
		t.Fatalf("fc1 lora_A shape %v, want [8 512]", s)
	}
	if s := f.Tensors["base_model.model.fc1.lora_B.weight"].Shape; !slices.Equal(s, []int{32, 8}) {
		t.Fatalf("fc1 lora_B shape %v, want [32 8]", s)
	}
	if f.Metadata["format"] != "pt" || f.Metadata["syntx.version"] != "v1" {
		t.Fatalf("metadata %v", f.Metadata)
	}
}

func TestRSLoRAScaling(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	p, err := NewLoRA(base, LoRAConfig{Rank: 4, Alpha: 8, RSLoRA: true, Targets: []string{"skip.weight"}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p.Scale() != 4 || len(p.Layers) != 1 || p.Layers[0].Module != ModuleSkip {
		t.Fatalf("scale %v layers %+v", p.Scale(), p.Layers)
	}
	p.Layers[0].B.Data[0] = 0.25
	a, err := LoadAdapter(saveTestAdapter(t, base, p, "rs"), base)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Config.UseRSLoRA || !a.LoRA.RSLoRA || a.LoRA.Scale() != 4 {
		t.Fatalf("use_rslora lost: %+v", a.Config)
	}
	const rows = 3
	x := randomRows(4, rows)
	want := make([]float32, rows)
	if err := base.ForwardLoRA(x, rows, p, want); err != nil {
		t.Fatal(err)
	}
	merged, err := base.MergeAdapter(a)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "loaded rsLoRA adapter", nativeForward(merged, x, rows), want, 1e-5)
}

func TestSaveAdapterIsAtomicAndImmutable(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	p := randomLoRA(t, base, 41, 4, 0.1)
	dir := saveTestAdapter(t, base, p, "v2")
	err := SaveAdapter(dir, base, p, "v2")
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second save: %v, want fs.ErrExist", err)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "v2" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("parent holds %v, want only v2 (no temporary directories)", names)
	}
	// A LoRA set that does not fit the base is refused before anything is
	// written.
	bad := p.Clone()
	bad.Layers[0].A = NewMatrix(4, 7)
	other := filepath.Join(filepath.Dir(dir), "v3")
	if err := SaveAdapter(other, base, bad, "v3"); err == nil || !strings.Contains(err.Error(), "lora_A is [4, 7]") {
		t.Fatalf("save of a mis-shaped set: %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("failed save left %s behind: %v", other, err)
	}
}

// boostAdapter hand-makes an adapter that raises the logit of candidates of
// rule by about delta, through the given module.
func boostAdapter(t *testing.T, base *Network, module, rule string, delta float32) *LoRA {
	t.Helper()
	p, err := NewLoRA(base, LoRAConfig{Rank: 1, Alpha: 1, Targets: []string{module}})
	if err != nil {
		t.Fatal(err)
	}
	slot, sign := FeatureSlot("rule", rule, "")
	l := &p.Layers[0]
	clear(l.A.Data)
	l.A.Data[slot] = sign // A·x = 1 for candidates of rule, 0 otherwise (barring collisions)
	switch module {
	case ModuleSkip:
		l.B.Data[0] = delta
	case ModuleFC1:
		// Raise every hidden unit in the direction of its outgoing weight:
		// logit += Σ |w2_j|·c.
		w2, _ := base.Weight("fc2.weight")
		var sum float32
		for _, w := range w2.Data {
			sum += float32(math.Abs(float64(w)))
		}
		c := delta / sum
		for j, w := range w2.Data {
			if w > 0 {
				l.B.Data[j] = c
			} else {
				l.B.Data[j] = -c
			}
		}
	default:
		t.Fatalf("no boost recipe for %s", module)
	}
	return p
}

func TestHandMadeAdapterChangesOrder(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	cands := []Candidate{
		{RuleID: "go.unchecked-error", Category: "correctness", Language: "go", Prior: 0.9, EditSize: 4},
		{RuleID: "go.string-concat-loop", Category: "performance", Language: "go", Prior: 0.6, EditSize: 20, Context: []string{"anc:for_statement"}},
		{RuleID: "go.naming", Category: "style", Language: "go", Prior: 0.3, EditSize: 2},
	}
	for _, module := range []string{ModuleSkip, ModuleFC1} {
		t.Run(module, func(t *testing.T) {
			t.Parallel()
			dir := saveTestAdapter(t, base, boostAdapter(t, base, module, "go.naming", 5), "boost-"+module)
			a, err := LoadAdapter(dir, base)
			if err != nil {
				t.Fatal(err)
			}
			rt, err := NewRuntime(base)
			if err != nil {
				t.Fatal(err)
			}
			before := make([]float64, 3)
			if err := rt.Score(context.Background(), cands, before); err != nil {
				t.Fatal(err)
			}
			if !(before[0] > before[1] && before[1] > before[2]) {
				t.Fatalf("base scores %v are not in prior order", before)
			}
			if err := rt.Swap(a); err != nil {
				t.Fatal(err)
			}
			after := make([]float64, 3)
			if err := rt.Score(context.Background(), cands, after); err != nil {
				t.Fatal(err)
			}
			if !(after[2] > after[0] && after[0] > after[1]) {
				t.Fatalf("after boosting go.naming: scores %v, want go.naming first, the others in prior order", after)
			}
			if math.Abs(after[0]-before[0]) > 1e-6 || math.Abs(after[1]-before[1]) > 1e-6 {
				t.Fatalf("boost changed other rules: %v -> %v", before, after)
			}
			if !strings.HasSuffix(rt.Version(), "+boost-"+module) {
				t.Fatalf("version %q does not name the adapter", rt.Version())
			}
		})
	}
}

// TestGradientsReachEveryLoRAParameter checks by finite differences that the
// logit depends on every B entry of a fresh adapter (B = 0, where LoRA
// training starts) and on every A entry that sees a non-zero input once B is
// non-zero: no hidden unit is dead and none has a zero outgoing weight.
func TestGradientsReachEveryLoRAParameter(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	x := randomRows(51, 1)
	logit := func(p *LoRA) float32 {
		out := make([]float32, 1)
		if err := base.ForwardLoRA(x, 1, p, out); err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	check := func(p *LoRA, what string, data []float32, idx []int) {
		t.Helper()
		l0 := logit(p)
		for _, i := range idx {
			old := data[i]
			data[i] = old + 0.5
			d := logit(p) - l0
			data[i] = old
			if d == 0 {
				t.Fatalf("%s[%d]: logit does not depend on it", what, i)
			}
		}
	}
	tr, err := base.Trace(x, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := tr.Value("fc1_out")
	for j, v := range z.Data {
		if v <= 0 {
			t.Fatalf("hidden unit %d is inactive in the base (pre-activation %v)", j, v)
		}
	}

	fresh, err := NewLoRA(base, LoRAConfig{Rank: 4, Seed: 52})
	if err != nil {
		t.Fatal(err)
	}
	for i := range fresh.Layers {
		l := &fresh.Layers[i]
		check(fresh, l.Module+".lora_B", l.B.Data, seq(len(l.B.Data)))
	}

	trained := randomLoRA(t, base, 53, 4, 0.05)
	var active []int
	for k, v := range x {
		if v != 0 {
			active = append(active, k)
		}
	}
	for i := range trained.Layers {
		l := &trained.Layers[i]
		var idx []int
		for r := 0; r < l.A.Rows; r++ {
			cols := active
			if l.Module == ModuleFC2 {
				cols = seq(l.A.Cols) // hidden units are all active
			}
			for _, k := range cols {
				idx = append(idx, r*l.A.Cols+k)
			}
		}
		check(trained, l.Module+".lora_A", l.A.Data, idx)
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// rewriteWeights applies edit to the decoded header of an adapter's
// safetensors file and writes it back with the same data buffer.
func rewriteWeights(t *testing.T, dir string, edit func(h map[string]map[string]any, data []byte) []byte) {
	t.Helper()
	path := filepath.Join(dir, AdapterWeightsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hl := binary.LittleEndian.Uint64(b)
	var h map[string]map[string]any
	var meta json.RawMessage
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+hl], &raw); err != nil {
		t.Fatal(err)
	}
	meta = raw["__metadata__"]
	delete(raw, "__metadata__")
	rb, _ := json.Marshal(raw)
	if err := json.Unmarshal(rb, &h); err != nil {
		t.Fatal(err)
	}
	data := edit(h, slices.Clone(b[8+hl:]))
	full := map[string]any{"__metadata__": meta}
	for k, v := range h {
		full[k] = v
	}
	hb, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hb)))
	out = append(append(out, hb...), data...)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func rewriteConfig(t *testing.T, dir string, edit func(c map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, AdapterConfigFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	edit(c)
	nb, _ := json.Marshal(c)
	if err := os.WriteFile(path, nb, 0o600); err != nil {
		t.Fatal(err)
	}
}

// replaceTensors rewrites the weights file from scratch with the tensors
// returned by edit.
func replaceTensors(t *testing.T, dir string, edit func(ts map[string]safetensors.Tensor)) {
	t.Helper()
	path := filepath.Join(dir, AdapterWeightsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	edit(f.Tensors)
	nb, err := safetensors.Encode(f.Tensors, f.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nb, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadAdapterRejects(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	p := randomLoRA(t, base, 61, 4, 0.1)
	good := saveTestAdapter(t, base, p, "good")
	const fc1A = "base_model.model.fc1.lora_A.weight"
	const fc1B = "base_model.model.fc1.lora_B.weight"

	cases := []struct {
		name string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"truncated weights", func(t *testing.T, dir string) {
			path := filepath.Join(dir, AdapterWeightsFile)
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:len(b)-10], 0o600)
		}, "truncated or lying header"},
		{"truncated header", func(t *testing.T, dir string) {
			path := filepath.Join(dir, AdapterWeightsFile)
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:50], 0o600)
		}, "exceeds the 42 bytes after it"},
		{"empty weights", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, AdapterWeightsFile), nil, 0o600)
		}, "shorter than the 8-byte header length"},
		{"header claims more bytes than present", func(t *testing.T, dir string) {
			// The last tensor in the buffer claims 4 KiB more than the file
			// holds.
			rewriteWeights(t, dir, func(h map[string]map[string]any, data []byte) []byte {
				var last []any
				for _, e := range h {
					off := e["data_offsets"].([]any)
					if last == nil || off[1].(float64) > last[1].(float64) {
						last = off
					}
				}
				last[1] = last[1].(float64) + 4096
				return data
			})
		}, "but the buffer has"},
		{"overlapping offsets", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(h map[string]map[string]any, data []byte) []byte {
				a := h[fc1A]["data_offsets"].([]any)
				b := h[fc1B]["data_offsets"].([]any)
				size := b[1].(float64) - b[0].(float64)
				b[0] = a[0]
				b[1] = a[0].(float64) + size
				return data
			})
		}, "overlaps"},
		{"gap in buffer", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(h map[string]map[string]any, data []byte) []byte {
				for _, e := range h {
					off := e["data_offsets"].([]any)
					off[0] = off[0].(float64) + 8
					off[1] = off[1].(float64) + 8
				}
				return append(make([]byte, 8), data...)
			})
		}, "gap of 8 bytes"},
		{"wrong dtype size", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(h map[string]map[string]any, data []byte) []byte {
				h[fc1A]["dtype"] = "F16"
				return data
			})
		}, "needs"},
		{"unknown dtype", func(t *testing.T, dir string) {
			rewriteWeights(t, dir, func(h map[string]map[string]any, data []byte) []byte {
				h[fc1A]["dtype"] = "F24"
				return data
			})
		}, `unknown dtype "F24"`},
		{"F16 weights", func(t *testing.T, dir string) {
			replaceTensors(t, dir, func(ts map[string]safetensors.Tensor) {
				a := ts[fc1A]
				ts[fc1A] = safetensors.Tensor{DType: safetensors.F16, Shape: a.Shape, Data: a.Data[:len(a.Data)/2]}
			})
		}, "dtype F16, want F32"},
		{"mis-shaped lora_A", func(t *testing.T, dir string) {
			replaceTensors(t, dir, func(ts map[string]safetensors.Tensor) {
				ts[fc1A] = safetensors.FromFloat32([]int{4, 256}, make([]float32, 4*256))
			})
		}, "shape [4 256], want [4 512]"},
		{"transposed lora_B", func(t *testing.T, dir string) {
			replaceTensors(t, dir, func(ts map[string]safetensors.Tensor) {
				ts[fc1B] = safetensors.FromFloat32([]int{4, 32}, make([]float32, 4*32))
			})
		}, "shape [4 32], want [32 4]"},
		{"missing tensor", func(t *testing.T, dir string) {
			replaceTensors(t, dir, func(ts map[string]safetensors.Tensor) { delete(ts, fc1B) })
		}, "tensor " + fc1B + " is missing"},
		{"unexpected tensor", func(t *testing.T, dir string) {
			replaceTensors(t, dir, func(ts map[string]safetensors.Tensor) {
				ts["base_model.model.fc9.lora_A.weight"] = safetensors.FromFloat32([]int{1}, []float32{1})
			})
		}, "unexpected tensor base_model.model.fc9.lora_A.weight"},
		{"NaN weight", func(t *testing.T, dir string) {
			replaceTensors(t, dir, func(ts map[string]safetensors.Tensor) {
				v := make([]float32, 32*4)
				v[3] = float32(math.NaN())
				ts[fc1B] = safetensors.FromFloat32([]int{32, 4}, v)
			})
		}, "non-finite"},
		{"rank mismatch", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["r"] = 8 })
		}, "want [8 512]"},
		{"peft type", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["peft_type"] = "IA3" })
		}, `peft_type is "IA3"`},
		{"zero rank", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["r"] = 0 })
		}, "r is 0"},
		{"negative alpha", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["lora_alpha"] = -1 })
		}, "lora_alpha is -1"},
		{"target pattern", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["target_modules"] = ".*fc.*" })
		}, "target_modules is a pattern"},
		{"unknown target", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["target_modules"] = []string{"fc1", "fc9"} })
		}, `target module "fc9" is not a LoRA target`},
		{"dora", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["use_dora"] = true })
		}, "use_dora"},
		{"rank pattern", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["rank_pattern"] = map[string]int{"fc1": 2} })
		}, "rank_pattern is not supported"},
		{"fan_in_fan_out", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["fan_in_fan_out"] = true })
		}, "fan_in_fan_out is true"},
		{"other base", func(t *testing.T, dir string) {
			rewriteConfig(t, dir, func(c map[string]any) { c["base_model_name_or_path"] = "meta-llama/Llama-2-7b-hf" })
		}, "adapter was made for base"},
		{"bad json", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, AdapterConfigFile), []byte("{"), 0o600)
		}, "unexpected end of JSON"},
		{"missing config", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, AdapterConfigFile))
		}, "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "a")
			if err := os.CopyFS(dir, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			tc.edit(t, dir)
			_, err := LoadAdapter(dir, base)
			if err == nil {
				t.Fatal("LoadAdapter accepted the adapter")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestGoldenAdapter keeps a PEFT adapter directory under testdata/model as
// a format fixture: it must load, and today's writer must produce the same
// bytes (run with -update after a deliberate format change).
func TestGoldenAdapter(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	p := boostAdapter(t, base, ModuleSkip, "go.naming", 2)
	golden := filepath.Join("..", "testdata", "model", "adapter-boost-go-naming")
	if *update {
		os.RemoveAll(golden)
		if err := SaveAdapter(golden, base, p, "boost-go-naming"); err != nil {
			t.Fatal(err)
		}
	}
	a, err := LoadAdapter(golden, base)
	if err != nil {
		t.Fatalf("golden adapter: %v (run go test ./model -run TestGoldenAdapter -update after changing the base)", err)
	}
	if a.Version != "boost-go-naming" || a.LoRA.Rank != 1 {
		t.Fatalf("golden adapter: version %q rank %d", a.Version, a.LoRA.Rank)
	}
	cfg, weights, err := encodeAdapter(base, p, "boost-go-naming")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{AdapterConfigFile: cfg, AdapterWeightsFile: weights} {
		got, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs from what SaveAdapter writes today", name)
		}
	}
}
