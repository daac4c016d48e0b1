// Package config loads SyntX's settings and decides what a workspace may
// contribute to them.
//
// Settings come in layers, each overriding the one before: built-in defaults,
// $XDG_CONFIG_HOME/syntx/config.toml, <workspace>/.syntx/config.toml, and the
// LSP client's initializationOptions (the same tree as JSON). A layer that
// cannot be read or has invalid values is reported and skipped as a whole; the
// layers below it stay in force, so a broken file never leaves the server
// without a configuration.
//
// Every time window is a config value ("30s", "2m"), so tests and benchmarks
// never sleep through real minutes.
//
// # Trust
//
// The user's configuration file and the client's initializationOptions (the
// editor's user settings) are the user's. A workspace folder is not: a
// cloned repository or a pull request is somebody else's, so its
// .syntx/config.toml (and its .syntx/rules, loaded by package rules) count
// only once the user trusts the folder (TrustStore, or the editor's own
// workspace trust), and even then a workspace may set only the keys in
// WorkspaceKeys. Privacy (capture.store_code), the persona and its weights,
// model and adapter paths, training and adapter retention, limits and
// connections stay the user's: a workspace layer that sets one of them has
// that key refused, with a message naming the key and the file, and the rest
// of the layer applies. Workspace is the content of one folder, read once
// through package safeio so that what is hashed for trust is what is
// loaded.
//
// Files are read through safeio: regular files only, at most MaxConfigBytes,
// so a configuration that is a FIFO, a device or a symbolic link to one is
// refused without being read.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/train"
)

// Duration is a time.Duration written as a string such as "90s" or "5m".
type Duration time.Duration

// UnmarshalJSON accepts "5m" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err2 := json.Unmarshal(b, &secs); err2 != nil {
			return fmt.Errorf("duration must be a string like \"30s\" or a number of seconds")
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Config is the whole configuration. The JSON names are the TOML keys.
type Config struct {
	Persona  string             `json:"persona"`
	Personas map[string]float64 `json:"personas"`
	Capture  Capture            `json:"capture"`
	Policy   Policy             `json:"policy"`
	Train    Train              `json:"train"`
	Limits   Limits             `json:"limits"`
	Review   Review             `json:"review"`
	// Suggestions configures what is offered.
	Suggestions Suggestions `json:"suggestions"`
}

// Suggestions configures what the server offers.
type Suggestions struct {
	// MigrationSites offers the sites of migration rules (var to let/const,
	// % to f-strings, any to unknown) one by one as well; by default each
	// migration is one source action per file.
	MigrationSites bool `json:"migration_sites"`
}

// Capture configures outcome tracking.
type Capture struct {
	Checkpoints []Duration `json:"checkpoints"`
	StoreCode   bool       `json:"store_code"`
	// IgnoreAfter is how long an invoked menu may stay unanswered before
	// its suggestions are recorded as ignored.
	IgnoreAfter Duration `json:"ignore_after"`
}

// CheckpointDurations returns the checkpoints as time.Durations.
func (c Capture) CheckpointDurations() []time.Duration {
	out := make([]time.Duration, len(c.Checkpoints))
	for i, d := range c.Checkpoints {
		out[i] = d.D()
	}
	return out
}

// Policy configures ranking.
type Policy struct {
	Threshold float64 `json:"threshold"`
	Model     string  `json:"model"`
}

// Train configures on-device training.
type Train struct {
	IdleDelay         Duration `json:"idle_delay"`
	MinNewPreferences int      `json:"min_new_preferences"`
	Objective         string   `json:"objective"`
	KeepAdapters      int      `json:"keep_adapters"`
	Seed              int64    `json:"seed"`
	// Refit: an adapter that passes the gate is trained again on every
	// preference, the held-out ones too, before it is saved.
	Refit bool `json:"refit"`
}

// Limits bound the work one document or request can cause.
type Limits struct {
	MaxDocumentBytes int      `json:"max_document_bytes"`
	MaxCandidates    int      `json:"max_candidates"`
	RequestTimeout   Duration `json:"request_timeout"`
}

// Review configures `syntx review`.
type Review struct {
	Persona string `json:"persona"`
}

// Defaults returns the built-in configuration.
func Defaults() Config {
	return Config{
		Persona: "developer",
		Personas: map[string]float64{
			"developer":           1.0,
			"security-reviewer":   2.0,
			"performance-auditor": 1.5,
			"senior-reviewer":     1.5,
			"history":             0.5,
		},
		Capture: Capture{
			Checkpoints: []Duration{Duration(30 * time.Second), Duration(2 * time.Minute), Duration(5 * time.Minute), Duration(10 * time.Minute), Duration(15 * time.Minute)},
			StoreCode:   true,
			IgnoreAfter: Duration(time.Minute),
		},
		Policy: Policy{Threshold: 0.25},
		Train:  Train{IdleDelay: Duration(5 * time.Minute), MinNewPreferences: 20, Objective: "kl", KeepAdapters: 10, Seed: 1, Refit: true},
		Limits: Limits{MaxDocumentBytes: 8 << 20, MaxCandidates: 32, RequestTimeout: Duration(2 * time.Second)},
		Review: Review{Persona: "senior-reviewer"},
	}
}

// Validate checks values a user may get wrong.
func (c *Config) Validate() error {
	var errs []string
	if c.Persona == "" {
		errs = append(errs, "persona must not be empty")
	} else if _, ok := c.Personas[c.Persona]; !ok {
		errs = append(errs, fmt.Sprintf("persona %q is not listed in [personas]", c.Persona))
	}
	for name, w := range c.Personas {
		if w < 0 || w > 100 {
			errs = append(errs, fmt.Sprintf("personas.%s: weight %v must be between 0 and 100", name, w))
		}
	}
	if len(c.Capture.Checkpoints) == 0 {
		errs = append(errs, "capture.checkpoints must list at least one duration")
	}
	for i, d := range c.Capture.Checkpoints {
		if d <= 0 || (i > 0 && d <= c.Capture.Checkpoints[i-1]) {
			errs = append(errs, "capture.checkpoints must be positive and increasing")
			break
		}
	}
	if c.Capture.IgnoreAfter <= 0 {
		errs = append(errs, "capture.ignore_after must be positive")
	}
	if c.Policy.Threshold < 0 || c.Policy.Threshold > 1 {
		errs = append(errs, fmt.Sprintf("policy.threshold %v must be between 0 and 1", c.Policy.Threshold))
	}
	if err := train.CheckObjective(c.Train.Objective); err != nil {
		errs = append(errs, "train.objective: "+err.Error())
	}
	if c.Train.IdleDelay < 0 || c.Train.MinNewPreferences < 0 || c.Train.KeepAdapters < 1 {
		errs = append(errs, "train.idle_delay and train.min_new_preferences must not be negative, train.keep_adapters at least 1")
	}
	if c.Limits.MaxDocumentBytes < 1024 || c.Limits.MaxCandidates < 1 || c.Limits.RequestTimeout <= 0 {
		errs = append(errs, "limits.max_document_bytes must be at least 1024, limits.max_candidates and limits.request_timeout positive")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Layer is one source of settings.
type Layer struct {
	Name   string         // a path, or "initializationOptions"
	Values map[string]any // the decoded tree
	// Workspace marks a workspace's layer: only WorkspaceKeys apply.
	Workspace bool
}

// WorkspaceKeys are the settings a trusted workspace may set in its
// .syntx/config.toml: how eagerly suggestions show on automatic triggers in
// this repository, and the persona its reviews are recorded under. Every
// other key is the user's.
var WorkspaceKeys = []string{"policy.threshold", "review.persona"}

// refusal says why a key is not a workspace's to set, by key prefix (the
// longest prefix wins).
var refusal = map[string]string{
	"":                    "it is not a setting a workspace may change",
	"persona":             "the persona says whose feedback you give",
	"personas":            "persona weights decide how much feedback counts",
	"capture":             "how outcomes are recorded shapes what SyntX learns",
	"capture.store_code":  "it is a privacy setting",
	"policy.model":        "it is a path to a model",
	"train":               "training runs on your machine with your settings",
	"train.keep_adapters": "it decides how many adapters (and rollbacks) you keep",
	"limits":              "limits protect the editor from what a repository holds",
	"team":                "connections are yours to configure",
}

func refusalFor(key string) string {
	best := ""
	for p := range refusal {
		if (key == p || strings.HasPrefix(key, p+".")) && len(p) > len(best) {
			best = p
		}
	}
	return refusal[best]
}

// filterWorkspace removes from a workspace layer every key not in
// WorkspaceKeys and says why each was refused.
func filterWorkspace(name string, values map[string]any) (map[string]any, []Problem) {
	var problems []Problem
	var walk func(prefix string, in map[string]any) map[string]any
	walk = func(prefix string, in map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range in {
			key := prefix + k
			if m, ok := v.(map[string]any); ok && len(m) > 0 {
				if sub := walk(key+".", m); len(sub) > 0 {
					out[k] = sub
				}
				continue
			}
			if slicesContains(WorkspaceKeys, key) {
				out[k] = v
				continue
			}
			problems = append(problems, Problem{Layer: name, Err: fmt.Errorf("%s may not be set by a workspace (%s): set it in %s or the editor's settings; ignored",
				key, refusalFor(key), UserConfigPath())})
		}
		return out
	}
	out := walk("", values)
	sort.Slice(problems, func(i, j int) bool { return problems[i].Err.Error() < problems[j].Err.Error() })
	return out, problems
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Problem is a layer that was skipped or a key that was ignored.
type Problem struct {
	Layer string
	Err   error
}

func (p Problem) Error() string { return p.Layer + ": " + p.Err.Error() }

// ReadFile reads a TOML layer; a missing file yields (nil, nil). The file
// must be a regular file of at most MaxConfigBytes.
func ReadFile(path string) (*Layer, error) {
	data, err := safeio.ReadFile(path, MaxConfigBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return DecodeTOML(path, data)
}

// DecodeTOML decodes a TOML layer named name.
func DecodeTOML(name string, data []byte) (*Layer, error) {
	var v map[string]any
	if _, err := toml.Decode(string(data), &v); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Layer{Name: name, Values: v}, nil
}

// JSONLayer decodes initializationOptions. Empty input or null yields nil.
func JSONLayer(name string, data []byte) (*Layer, error) {
	s := strings.TrimSpace(string(data))
	if s == "" || s == "null" {
		return nil, nil
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: must be a JSON object: %w", name, err)
	}
	// Clients often nest settings under the server's name.
	if inner, ok := v["syntx"].(map[string]any); ok && len(v) == 1 {
		v = inner
	}
	return &Layer{Name: name, Values: v}, nil
}

// Build applies layers over the defaults. A layer whose values do not decode
// or validate is skipped whole and reported.
func Build(layers ...*Layer) (Config, []Problem) {
	var problems []Problem
	tree := map[string]any{}
	base, _ := json.Marshal(Defaults())
	_ = json.Unmarshal(base, &tree)
	cfg := Defaults()
	for _, l := range layers {
		if l == nil {
			continue
		}
		values := normalise(l.Values)
		if l.Workspace {
			var refused []Problem
			values, refused = filterWorkspace(l.Name, values)
			problems = append(problems, refused...)
		}
		next := deepCopy(tree)
		merge(next, values)
		c, unknown, err := decode(next)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			problems = append(problems, Problem{Layer: l.Name, Err: fmt.Errorf("ignored: %w", err)})
			continue
		}
		for _, k := range unknown {
			problems = append(problems, Problem{Layer: l.Name, Err: fmt.Errorf("unknown key %q ignored", k)})
		}
		tree, cfg = next, c
	}
	return cfg, problems
}

// UserConfigPath is the user's configuration file,
// $XDG_CONFIG_HOME/syntx/config.toml ("" when there is no home).
func UserConfigPath() string {
	if dir := ConfigHome(); dir != "" {
		return filepath.Join(dir, "syntx", "config.toml")
	}
	return ""
}

// UserRulesDir is the user's rules directory, $XDG_CONFIG_HOME/syntx/rules
// ("" when there is no home).
func UserRulesDir() string {
	if dir := ConfigHome(); dir != "" {
		return filepath.Join(dir, "syntx", "rules")
	}
	return ""
}

// ConfigHome is $XDG_CONFIG_HOME, or ~/.config.
func ConfigHome() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".config")
	}
	return ""
}

// DataHome is $SYNTX_HOME, or $XDG_DATA_HOME/syntx, or ~/.local/share/syntx.
func DataHome() string {
	if d := os.Getenv("SYNTX_HOME"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "syntx")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "syntx")
	}
	return filepath.Join(os.TempDir(), "syntx")
}

// Load reads the user's configuration, the configuration of the workspace
// folder (when it is not "" and the trust store in DataHome trusts it), and
// the JSON initializationOptions (nil for none), and builds the
// configuration.
func Load(workspace string, initOptions []byte) (Config, []Problem) {
	var ws *Workspace
	var problems []Problem
	if workspace != "" {
		ws = ReadWorkspace(workspace)
		if err := OpenTrust(DataHome()).Decide(ws); err != nil {
			problems = append(problems, Problem{Layer: ws.ConfigPath(), Err: fmt.Errorf("not trusted: %w", err)})
		}
	}
	cfg, more := LoadWorkspace(ws, initOptions)
	return cfg, append(problems, more...)
}

// LoadWorkspace is Load with the workspace already read and its trust
// decided (nil: no workspace). An untrusted workspace's configuration is
// not used.
func LoadWorkspace(ws *Workspace, initOptions []byte) (Config, []Problem) {
	var layers []*Layer
	var problems []Problem
	if f := UserConfigPath(); f != "" {
		l, err := ReadFile(f)
		if err != nil {
			problems = append(problems, Problem{Layer: f, Err: fmt.Errorf("ignored: %w", err)})
		} else {
			layers = append(layers, l)
		}
	}
	if wl, err := ws.Layer(); err != nil {
		problems = append(problems, Problem{Layer: ws.ConfigPath(), Err: fmt.Errorf("ignored: %w", err)})
	} else if wl != nil {
		layers = append(layers, wl)
	}
	l, err := JSONLayer("initializationOptions", initOptions)
	if err != nil {
		problems = append(problems, Problem{Layer: "initializationOptions", Err: fmt.Errorf("ignored: %w", err)})
	}
	layers = append(layers, l)
	cfg, more := Build(layers...)
	return cfg, append(problems, more...)
}

func decode(tree map[string]any) (Config, []string, error) {
	data, err := json.Marshal(tree)
	if err != nil {
		return Config{}, nil, err
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, nil, err
	}
	// Find keys the struct does not know.
	var known map[string]any
	kd, _ := json.Marshal(c)
	_ = json.Unmarshal(kd, &known)
	var unknown []string
	diffKeys("", tree, known, &unknown)
	sort.Strings(unknown)
	return c, unknown, nil
}

func diffKeys(prefix string, have, known map[string]any, out *[]string) {
	for k, v := range have {
		kv, ok := known[k]
		if !ok {
			*out = append(*out, prefix+k)
			continue
		}
		if prefix == "" && k == "personas" {
			continue // free-form names
		}
		if hm, ok := v.(map[string]any); ok {
			if km, ok := kv.(map[string]any); ok {
				diffKeys(prefix+k+".", hm, km, out)
			}
		}
	}
}

// normalise converts TOML-decoded values (e.g. []map, int64) into the JSON
// shapes encoding/json understands.
func normalise(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		if m, ok := x.(map[string]any); ok {
			x = normalise(m)
		}
		out[k] = x
	}
	return out
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if mm, ok := v.(map[string]any); ok {
			v = deepCopy(mm)
		}
		out[k] = v
	}
	return out
}
