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
// of the layer applies. The team section (team mode's connection and what a
// member shares) counts only in the user's config.toml: the client's layer
// (Layer.Client: initializationOptions, didChangeConfiguration settings)
// has it refused too, so that the command line, the server's idle syncs
// and every editor use one hub. Workspace is the content of one folder,
// read once through package safeio so that what is hashed for trust is
// what is loaded.
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
	"net/url"
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
	// Diagnostics configures the suggestions published as diagnostics.
	Diagnostics Diagnostics `json:"diagnostics"`
	// Team configures team mode (a hub on the team's PostgreSQL). It is
	// read from the user's config.toml only: see Team.
	Team Team `json:"team"`
}

// Team configures team mode: the hub is a PostgreSQL database the team
// runs (package team). Connection and sharing settings are the user's
// alone: a workspace layer and initializationOptions may not set any key
// of this section (refused with a message), so that the command line, the
// idle-time sync and every editor use one hub, chosen by the user.
type Team struct {
	// DB is the hub's connection string, a postgres:// URL or a
	// "host=... dbname=..." DSN; "" turns team mode off (no socket is
	// ever opened). It must not hold a password: passwords come from
	// PGPASSWORD, the passfile below, or ~/.pgpass.
	DB string `json:"db"`
	// Passfile is a PostgreSQL password file (libpq's format); "" means
	// $PGPASSFILE or ~/.pgpass.
	Passfile string `json:"passfile"`
	// Share is what this member sends once joined: "features" (preference
	// records without code) or "none" (pull the team adapter only).
	Share string `json:"share"`
	// ShareCode also sends the redacted code of each preference, when the
	// hub's policy allows it too.
	ShareCode bool `json:"share_code"`
	// MinMembers is the k of the team report: a statistic is shown only
	// when at least k members contributed. The hub's own minimum applies
	// when it is larger; this can only raise it.
	MinMembers int `json:"min_members"`
	// SyncInterval is how often an idle server pushes and pulls.
	SyncInterval Duration `json:"sync_interval"`
}

// Diagnostics configures the diagnostics the server publishes: one for each
// suggestion the policy would show on an automatic trigger.
type Diagnostics struct {
	// Enabled publishes them (textDocument/publishDiagnostics, or answers
	// textDocument/diagnostic with them); false answers with none.
	Enabled bool `json:"enabled"`
	// Delay is how long after the last edit (or an adapter swap) they are
	// computed again and published.
	Delay Duration `json:"delay"`
	// Severity is each category's severity: "error", "warning",
	// "information" or "hint".
	Severity Severities `json:"severity"`
	// MaxPerFile bounds how many one document gets (the best scored).
	MaxPerFile int `json:"max_per_file"`
}

// Severities are the diagnostic severities per category.
type Severities struct {
	Security    string `json:"security"`
	Performance string `json:"performance"`
	Correctness string `json:"correctness"`
	Style       string `json:"style"`
}

// For returns the severity of a category ("hint" for an unknown one).
func (s Severities) For(category string) string {
	v := map[string]string{"security": s.Security, "performance": s.Performance, "correctness": s.Correctness, "style": s.Style}[category]
	if v == "" {
		return "hint"
	}
	return v
}

// SeverityNames are the values a category's severity may take, most severe
// first (LSP's DiagnosticSeverity 1 to 4).
var SeverityNames = []string{"error", "warning", "information", "hint"}

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
	// Evidence weighs each outcome as training evidence
	// (capture.evidence.kept, ..., ignored_selection, shown). Like every capture
	// key it is the user's: a workspace may not set it.
	Evidence Evidence `json:"evidence"`
}

// Evidence weighs each outcome as training evidence: a preference's weight
// is its persona's weight times its outcome's evidence weight (package
// capture applies them; its documentation has the table). A menu's evidence
// (ignored, or dismissed as a whole) is one signal about the set, shared by
// its suggestions.
type Evidence struct {
	// Kept, Edited and Undone weigh an applied suggestion's outcome.
	Kept   float64 `json:"kept"`
	Edited float64 `json:"edited"`
	Undone float64 `json:"undone"`
	// Dismissed weighs one suggestion dismissed with a reason;
	// DismissedSet a whole menu dismissed, shared by its suggestions.
	Dismissed    float64 `json:"dismissed"`
	DismissedSet float64 `json:"dismissed_set"`
	// Ignored weighs an invoked menu closed without a choice, shared by its
	// suggestions; IgnoredSelection the same menu when it was asked for a
	// selection or for SyntX's kinds only (opened more deliberately). A
	// lightbulb nobody opened (an automatic trigger) is no evidence: it
	// records nothing.
	Ignored          float64 `json:"ignored"`
	IgnoredSelection float64 `json:"ignored_selection"`
	// Shown weighs a learned diagnostic the developer had in front of them
	// (the cursor on its lines, or an edit near it) and did nothing with:
	// weaker than a menu they opened and left.
	Shown float64 `json:"shown"`
}

// MaxEvidence bounds each evidence weight.
const MaxEvidence = 10

// check reports a weight that is negative, not a number or above
// MaxEvidence.
func (e Evidence) check() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"kept", e.Kept}, {"edited", e.Edited}, {"undone", e.Undone}, {"dismissed", e.Dismissed},
		{"dismissed_set", e.DismissedSet}, {"ignored", e.Ignored}, {"ignored_selection", e.IgnoredSelection}, {"shown", e.Shown}} {
		if !(f.v >= 0 && f.v <= MaxEvidence) {
			return fmt.Errorf("capture.evidence.%s: %v must be between 0 and %d", f.name, f.v, MaxEvidence)
		}
	}
	return nil
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
	// Threshold is the least acceptance probability a suggestion needs to
	// show on an automatic trigger. The default, DefaultThreshold, comes
	// from measurement on real code (issue 21, make check-rules-real).
	Threshold float64 `json:"threshold"`
	Model     string  `json:"model"`
	// RecordStrength and RecordMin hold a suggestion back from automatic
	// triggers by the developer's own record of outcomes (capture.Record,
	// the capture package's "The developer's record"): when the other
	// rules of its category in its file role have at least RecordMin
	// weighted outcomes, and their acceptance rate, taken as a prior worth
	// RecordStrength outcomes and updated by the rule's own, is below
	// Threshold. RecordStrength 0 turns it off.
	RecordStrength float64 `json:"record_strength"`
	RecordMin      float64 `json:"record_min"`
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

// DefaultThreshold is policy.threshold's default. With the base policy a
// suggestion's score is its rule's prior (lowered for security and
// performance rules in test files), so the threshold decides which rules
// the lightbulb shows before any feedback. The priors were revised from a
// judged sample of suggestions on real, unmodified packages; at 0.55 the
// base policy shows the rules whose suggestions reviewers welcomed more
// often than not, well under 2 per 1,000 lines of real code in every
// language (README, "Rules on real code"). Below it: taste (template
// literals, dict()), modernisations of working code, and rules that were
// mostly wrong on real code.
const DefaultThreshold = 0.55

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
			Evidence:    Evidence{Kept: 1, Edited: 1, Undone: 1, Dismissed: 1, DismissedSet: 1, Ignored: 0.3, IgnoredSelection: 0.5, Shown: 0.1},
		},
		Policy: Policy{Threshold: DefaultThreshold, RecordStrength: 2, RecordMin: 3},
		Train:  Train{IdleDelay: Duration(5 * time.Minute), MinNewPreferences: 20, Objective: "kl", KeepAdapters: 10, Seed: 1, Refit: true},
		Limits: Limits{MaxDocumentBytes: 8 << 20, MaxCandidates: 32, RequestTimeout: Duration(2 * time.Second)},
		Review: Review{Persona: "senior-reviewer"},
		Diagnostics: Diagnostics{
			Enabled: true, Delay: Duration(250 * time.Millisecond), MaxPerFile: 500,
			Severity: Severities{Security: "hint", Performance: "hint", Correctness: "hint", Style: "hint"},
		},
		Team: Team{Share: "features", MinMembers: 3, SyncInterval: Duration(15 * time.Minute)},
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
	if err := c.Capture.Evidence.check(); err != nil {
		errs = append(errs, err.Error())
	}
	if c.Policy.Threshold < 0 || c.Policy.Threshold > 1 {
		errs = append(errs, fmt.Sprintf("policy.threshold %v must be between 0 and 1", c.Policy.Threshold))
	}
	if !(c.Policy.RecordStrength >= 0) || !(c.Policy.RecordMin >= 0) {
		errs = append(errs, fmt.Sprintf("policy.record_strength %v and policy.record_min %v must not be negative", c.Policy.RecordStrength, c.Policy.RecordMin))
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
	for cat, v := range map[string]string{"security": c.Diagnostics.Severity.Security, "performance": c.Diagnostics.Severity.Performance,
		"correctness": c.Diagnostics.Severity.Correctness, "style": c.Diagnostics.Severity.Style} {
		if !slicesContains(SeverityNames, v) {
			errs = append(errs, fmt.Sprintf("diagnostics.severity.%s %q must be error, warning, information or hint", cat, v))
		}
	}
	if c.Diagnostics.Delay < 0 || c.Diagnostics.MaxPerFile < 1 {
		errs = append(errs, "diagnostics.delay must not be negative, diagnostics.max_per_file at least 1")
	}
	switch c.Team.Share {
	case "features", "none":
	default:
		errs = append(errs, fmt.Sprintf("team.share %q must be features or none", c.Team.Share))
	}
	if c.Team.MinMembers < 1 || c.Team.SyncInterval <= 0 {
		errs = append(errs, "team.min_members must be at least 1 and team.sync_interval positive")
	}
	if err := checkTeamDB(c.Team.DB); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		sort.Strings(errs)
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
	// Client marks the client's layer (initializationOptions and
	// workspace/didChangeConfiguration settings): the team section is
	// refused there.
	Client bool
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
	return &Layer{Name: name, Values: v, Client: true}, nil
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
		if l.Client {
			var refused []Problem
			values, refused = refuseTeam(l.Name, values)
			problems = append(problems, refused...)
		}
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

// refuseTeam removes the team section from a layer that is not the user's
// configuration file (initializationOptions), and says why.
func refuseTeam(name string, values map[string]any) (map[string]any, []Problem) {
	if _, ok := values["team"]; !ok {
		return values, nil
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		if k != "team" {
			out[k] = v
		}
	}
	return out, []Problem{{Layer: name, Err: fmt.Errorf("the team section is read from %s only, so that the command line and every editor use the same hub; ignored", UserConfigPath())}}
}

// checkTeamDB refuses a team.db that holds a password: secrets come from
// the environment or a passfile, never from a configuration file.
func checkTeamDB(dsn string) error {
	if dsn == "" {
		return nil
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return fmt.Errorf("team.db is not a valid URL: %v", redactURLError(err))
		}
		if _, ok := u.User.Password(); ok {
			return errors.New("team.db must not hold a password (use PGPASSWORD, team.passfile or ~/.pgpass)")
		}
		if u.Query().Has("password") {
			return errors.New("team.db must not hold a password (use PGPASSWORD, team.passfile or ~/.pgpass)")
		}
		return nil
	}
	for _, f := range strings.Fields(dsn) {
		if k, _, ok := strings.Cut(f, "="); ok && strings.TrimSpace(k) == "password" {
			return errors.New("team.db must not hold a password (use PGPASSWORD, team.passfile or ~/.pgpass)")
		}
	}
	return nil
}

// redactURLError drops the URL (which could hold a secret) from a parse
// error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
