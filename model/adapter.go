package model

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/model/safetensors"
)

// Adapter directory layout (PEFT's).
const (
	AdapterConfigFile  = "adapter_config.json"
	AdapterWeightsFile = "adapter_model.safetensors"
)

// Size limits for adapter files.
const (
	maxAdapterConfigSize  = 1 << 20
	maxAdapterWeightsSize = 256 << 20
)

// basePrefix prefixes base_model_name_or_path in the adapters SyntX writes.
const basePrefix = "syntx-base-sha256:"

// Safetensors metadata keys.
const (
	stMetaFormat  = "format"
	stMetaVersion = "syntx.version"
	stMetaBase    = "syntx.base_sha256"
)

// AdapterConfig is adapter_config.json as PEFT writes it for LoRA. Fields
// are in PEFT's (sorted) key order; keys that do not apply to SyntX's
// networks keep PEFT's neutral values.
type AdapterConfig struct {
	AlphaPattern        map[string]float64 `json:"alpha_pattern"`
	AutoMapping         any                `json:"auto_mapping"`
	BaseModelNameOrPath string             `json:"base_model_name_or_path"`
	Bias                string             `json:"bias"`
	FanInFanOut         bool               `json:"fan_in_fan_out"`
	InferenceMode       bool               `json:"inference_mode"`
	InitLoRAWeights     bool               `json:"init_lora_weights"`
	LayersPattern       any                `json:"layers_pattern"`
	LayersToTransform   any                `json:"layers_to_transform"`
	LoRAAlpha           float64            `json:"lora_alpha"`
	LoRADropout         float64            `json:"lora_dropout"`
	ModulesToSave       any                `json:"modules_to_save"`
	PEFTType            string             `json:"peft_type"`
	R                   int                `json:"r"`
	RankPattern         map[string]int     `json:"rank_pattern"`
	Revision            any                `json:"revision"`
	TargetModules       []string           `json:"target_modules"`
	TaskType            any                `json:"task_type"`
	UseDoRA             bool               `json:"use_dora"`
	UseRSLoRA           bool               `json:"use_rslora"`
}

// Adapter is a LoRA adapter loaded from disk and checked against a base.
type Adapter struct {
	// Dir is the directory it was loaded from.
	Dir string
	// Version is the adapter's version: the "syntx.version" metadata of
	// its safetensors file, or the directory's base name.
	Version string
	// BaseHash is the hex SHA-256 of the base model it was made for.
	BaseHash string
	Config   AdapterConfig
	LoRA     *LoRA
}

// TensorName returns PEFT's name of a LoRA tensor: part is "lora_A" or
// "lora_B".
func TensorName(module, part string) string {
	return "base_model.model." + module + "." + part + ".weight"
}

// SaveAdapter writes p as a PEFT adapter directory dir (adapter_config.json
// and adapter_model.safetensors) for base, tagged with version. The write is
// atomic: files go to a temporary directory beside dir, are fsynced, and the
// directory is renamed into place and its parent fsynced. Adapters are
// immutable: SaveAdapter fails with an error wrapping fs.ErrExist if dir
// exists.
func SaveAdapter(dir string, base *Network, p *LoRA, version string) error {
	if err := base.Validate(p); err != nil {
		return fmt.Errorf("save adapter: %w", err)
	}
	if version == "" {
		version = filepath.Base(dir)
	}
	cfgJSON, weights, err := encodeAdapter(base, p, version)
	if err != nil {
		return fmt.Errorf("save adapter: %w", err)
	}
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("save adapter: %s: %w", dir, fs.ErrExist)
	}
	parent := filepath.Dir(dir)
	if err := atomicfile.MkdirAll(parent); err != nil {
		return fmt.Errorf("save adapter: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("save adapter: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	// Each file is written and fsynced, and the directory fsynced, by
	// atomicfile; then the whole directory is renamed into place.
	if err := atomicfile.WriteFile(filepath.Join(tmp, AdapterWeightsFile), weights); err != nil {
		return fmt.Errorf("save adapter: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(tmp, AdapterConfigFile), cfgJSON); err != nil {
		return fmt.Errorf("save adapter: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Lstat(dir); statErr == nil {
			return fmt.Errorf("save adapter: %s: %w", dir, fs.ErrExist)
		}
		return fmt.Errorf("save adapter: %w", err)
	}
	ok = true
	if err := atomicfile.SyncDir(parent); err != nil {
		return fmt.Errorf("save adapter: %w", err)
	}
	return nil
}

func encodeAdapter(base *Network, p *LoRA, version string) (cfgJSON, weights []byte, err error) {
	var modules []string
	fifo := map[bool]bool{}
	tensors := map[string]safetensors.Tensor{}
	for _, l := range p.Layers {
		t, _ := base.Target(l.Module)
		modules = append(modules, t.Module)
		fifo[t.FanInFanOut] = true
		tensors[TensorName(t.Module, "lora_A")] = safetensors.FromFloat32([]int{l.A.Rows, l.A.Cols}, l.A.Data)
		tensors[TensorName(t.Module, "lora_B")] = safetensors.FromFloat32([]int{l.B.Rows, l.B.Cols}, l.B.Data)
	}
	if len(fifo) > 1 {
		return nil, nil, fmt.Errorf("%w: targets mix [out, in] and [in, out] weights, which fan_in_fan_out cannot express", ErrAdapter)
	}
	slices.Sort(modules)
	cfg := AdapterConfig{
		AlphaPattern:        map[string]float64{},
		BaseModelNameOrPath: basePrefix + base.baseHash,
		Bias:                "none",
		FanInFanOut:         fifo[true],
		InferenceMode:       true,
		InitLoRAWeights:     true,
		LoRAAlpha:           p.Alpha,
		PEFTType:            "LORA",
		R:                   p.Rank,
		RankPattern:         map[string]int{},
		TargetModules:       modules,
		UseRSLoRA:           p.RSLoRA,
	}
	cfgJSON, err = json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	cfgJSON = append(cfgJSON, '\n')
	weights, err = safetensors.Encode(tensors, map[string]string{
		stMetaFormat:  "pt",
		stMetaVersion: version,
		stMetaBase:    base.baseHash,
	})
	return cfgJSON, weights, err
}

// readLimited reads an adapter file through safeio: a regular file of at
// most limit bytes, never a FIFO or a device put in its place.
func readLimited(path string, limit int64) ([]byte, error) {
	return safeio.ReadFile(path, limit)
}

// LoadAdapter reads a PEFT LoRA adapter directory and checks it against
// base: the config must be a plain LoRA config (peft_type LORA, positive r
// and lora_alpha, a list of target_modules that are targets of base, no
// DoRA, rank or alpha patterns, bias or modules_to_save, fan_in_fan_out
// matching the weights' layout) made for this base, and the safetensors file
// must be valid and hold exactly the F32 tensors lora_A [r, in] and lora_B
// [out, r] of each target, with finite values.
func LoadAdapter(dir string, base *Network) (*Adapter, error) {
	a, err := loadAdapter(dir, base)
	if err != nil {
		return nil, fmt.Errorf("load adapter %s: %w", dir, err)
	}
	return a, nil
}

func loadAdapter(dir string, base *Network) (*Adapter, error) {
	cfgBytes, err := readLimited(filepath.Join(dir, AdapterConfigFile), maxAdapterConfigSize)
	if err != nil {
		return nil, err
	}
	cfg, err := parseAdapterConfig(cfgBytes)
	if err != nil {
		return nil, err
	}
	wantBase := basePrefix + base.baseHash
	if cfg.BaseModelNameOrPath != wantBase {
		return nil, fmt.Errorf("%w: adapter was made for base %q, the active base is %q", ErrAdapter, cfg.BaseModelNameOrPath, wantBase)
	}
	wb, err := readLimited(filepath.Join(dir, AdapterWeightsFile), maxAdapterWeightsSize)
	if err != nil {
		return nil, err
	}
	f, err := safetensors.Parse(wb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", AdapterWeightsFile, err)
	}
	p := &LoRA{Rank: cfg.R, Alpha: cfg.LoRAAlpha, RSLoRA: cfg.UseRSLoRA}
	expected := map[string]bool{}
	for _, mod := range cfg.TargetModules {
		t, ok := base.Target(mod)
		if !ok {
			return nil, fmt.Errorf("%w: target module %q is not a LoRA target of the base (targets: %v)", ErrAdapter, mod, base.moduleNames())
		}
		if t.FanInFanOut != cfg.FanInFanOut {
			return nil, fmt.Errorf("%w: fan_in_fan_out is %v but weight %s is stored %s", ErrAdapter, cfg.FanInFanOut, t.Weight, layoutName(t.FanInFanOut))
		}
		if p.Layer(t.Module) != nil {
			return nil, fmt.Errorf("%w: target module %q is listed twice", ErrAdapter, mod)
		}
		l := LoRALayer{Module: t.Module}
		for _, part := range []string{"lora_A", "lora_B"} {
			name := TensorName(t.Module, part)
			expected[name] = true
			st, ok := f.Tensors[name]
			if !ok {
				return nil, fmt.Errorf("%w: tensor %s is missing", ErrAdapter, name)
			}
			rows, cols := cfg.R, t.In
			if part == "lora_B" {
				rows, cols = t.Out, cfg.R
			}
			if st.DType != safetensors.F32 {
				return nil, fmt.Errorf("%w: tensor %s has dtype %s, want F32", ErrAdapter, name, st.DType)
			}
			if len(st.Shape) != 2 || st.Shape[0] != rows || st.Shape[1] != cols {
				return nil, fmt.Errorf("%w: tensor %s has shape %v, want [%d %d]", ErrAdapter, name, st.Shape, rows, cols)
			}
			data, err := st.Float32s()
			if err != nil {
				return nil, fmt.Errorf("%w: tensor %s: %w", ErrAdapter, name, err)
			}
			m := Matrix{Rows: rows, Cols: cols, Data: data}
			if part == "lora_A" {
				l.A = m
			} else {
				l.B = m
			}
		}
		p.Layers = append(p.Layers, l)
	}
	for _, name := range f.Names() {
		if !expected[name] {
			return nil, fmt.Errorf("%w: unexpected tensor %s", ErrAdapter, name)
		}
	}
	slices.SortFunc(p.Layers, func(a, b LoRALayer) int { return cmpString(a.Module, b.Module) })
	if err := base.Validate(p); err != nil {
		return nil, err
	}
	version := f.Metadata[stMetaVersion]
	if version == "" {
		version = filepath.Base(dir)
	}
	if h, ok := f.Metadata[stMetaBase]; ok && h != base.baseHash {
		return nil, fmt.Errorf("%w: weights were made for base %s, the active base is %s", ErrAdapter, h, base.baseHash)
	}
	return &Adapter{Dir: dir, Version: version, BaseHash: base.baseHash, Config: *cfg, LoRA: p}, nil
}

func layoutName(fifo bool) string {
	if fifo {
		return "[in, out]"
	}
	return "[out, in]"
}

// parseAdapterConfig decodes and checks adapter_config.json.
func parseAdapterConfig(b []byte) (*AdapterConfig, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrAdapter, AdapterConfigFile, err)
	}
	cfg := &AdapterConfig{}
	get := func(key string, dst any) error {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("%w: %s: %s: %w", ErrAdapter, AdapterConfigFile, key, err)
		}
		return nil
	}
	var rFloat float64
	var targets any
	var dora bool
	for key, dst := range map[string]any{
		"peft_type": &cfg.PEFTType, "r": &rFloat, "lora_alpha": &cfg.LoRAAlpha,
		"base_model_name_or_path": &cfg.BaseModelNameOrPath, "bias": &cfg.Bias,
		"fan_in_fan_out": &cfg.FanInFanOut, "use_rslora": &cfg.UseRSLoRA, "use_dora": &dora,
		"target_modules": &targets, "lora_dropout": &cfg.LoRADropout, "inference_mode": &cfg.InferenceMode,
	} {
		if err := get(key, dst); err != nil {
			return nil, err
		}
	}
	if cfg.PEFTType != "LORA" {
		return nil, fmt.Errorf("%w: peft_type is %q, want \"LORA\"", ErrAdapter, cfg.PEFTType)
	}
	if rFloat != math.Trunc(rFloat) || rFloat < 1 || rFloat > 1024 {
		return nil, fmt.Errorf("%w: r is %v, want an integer in [1, 1024]", ErrAdapter, rFloat)
	}
	cfg.R = int(rFloat)
	if !(cfg.LoRAAlpha > 0) || math.IsInf(cfg.LoRAAlpha, 0) {
		return nil, fmt.Errorf("%w: lora_alpha is %v, want a positive number", ErrAdapter, cfg.LoRAAlpha)
	}
	switch t := targets.(type) {
	case []any:
		for _, v := range t {
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("%w: target_modules must be a list of names", ErrAdapter)
			}
			cfg.TargetModules = append(cfg.TargetModules, s)
		}
	case string:
		return nil, fmt.Errorf("%w: target_modules is a pattern (%q); list the module names", ErrAdapter, t)
	}
	if len(cfg.TargetModules) == 0 {
		return nil, fmt.Errorf("%w: target_modules is empty", ErrAdapter)
	}
	if cfg.Bias != "" && cfg.Bias != "none" {
		return nil, fmt.Errorf("%w: bias %q is not supported, only \"none\"", ErrAdapter, cfg.Bias)
	}
	if dora {
		return nil, fmt.Errorf("%w: use_dora is not supported", ErrAdapter)
	}
	for _, key := range []string{"rank_pattern", "alpha_pattern", "modules_to_save", "layers_to_transform", "layer_replication"} {
		v, ok := raw[key]
		if !ok {
			continue
		}
		s := strings.TrimSpace(string(v))
		if s != "null" && s != "{}" && s != "[]" {
			return nil, fmt.Errorf("%w: %s is not supported", ErrAdapter, key)
		}
	}
	return cfg, nil
}

// MergeAdapter merges a into n (see Merge) and labels the result with the
// adapter's version. A nil adapter returns the base.
func (n *Network) MergeAdapter(a *Adapter) (*Network, error) {
	if a == nil {
		return n, nil
	}
	if a.BaseHash != n.baseHash {
		return nil, fmt.Errorf("%w: adapter %s was made for base %s, not %s", ErrAdapter, a.Version, a.BaseHash, n.baseHash)
	}
	m, err := n.Merge(a.LoRA)
	if err != nil {
		return nil, err
	}
	m.adapterVersion = a.Version
	return m, nil
}
