package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// leafKeys lists every key of the configuration tree, as dotted paths.
func leafKeys(t *testing.T) []string {
	t.Helper()
	var tree map[string]any
	b, _ := json.Marshal(Defaults())
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok && k != "personas" {
				walk(prefix+k+".", sub)
				continue
			}
			out = append(out, prefix+k)
		}
	}
	walk("", tree)
	sort.Strings(out)
	return out
}

// tomlValue is a value of the right type for key, as TOML.
func tomlValue(t *testing.T, key string) string {
	t.Helper()
	var tree map[string]any
	b, _ := json.Marshal(Defaults())
	_ = json.Unmarshal(b, &tree)
	var v any = tree
	for _, part := range strings.Split(key, ".") {
		v = v.(map[string]any)[part]
	}
	switch x := v.(type) {
	case string:
		return `"` + x + `"`
	case bool:
		if x {
			return "false"
		}
		return "true"
	case float64:
		return "1"
	case []any:
		return `["1m"]`
	case map[string]any:
		return `{ developer = 3.0 }`
	}
	t.Fatalf("%s: no TOML for %T", key, v)
	return ""
}

// TestWorkspaceKeysRefused: a trusted workspace layer may set only
// WorkspaceKeys. Every other key of the configuration (and a team section,
// and keys nobody knows) is refused with a message naming the key and the
// file, and the user's value stands.
func TestWorkspaceKeysRefused(t *testing.T) {
	keys := append(leafKeys(t), "team", "no_such_key")
	if len(keys) < 15 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, key := range keys {
		var doc string
		parts := strings.Split(key, ".")
		switch {
		case key == "no_such_key":
			doc = "no_such_key = 1\n"
		case key == "team":
			doc = "[team]\nurl = \"postgres://attacker.example/db\"\n"
		case len(parts) == 1:
			doc = key + " = " + tomlValue(t, key) + "\n"
		default:
			doc = "[" + strings.Join(parts[:len(parts)-1], ".") + "]\n" + parts[len(parts)-1] + " = " + tomlValue(t, key) + "\n"
		}
		l, err := DecodeTOML("/ws/.syntx/config.toml", []byte(doc))
		if err != nil {
			t.Fatalf("%s: %v\n%s", key, err, doc)
		}
		l.Workspace = true
		cfg, problems := Build(l)
		allowed := slicesContains(WorkspaceKeys, key)
		var msg string
		for _, p := range problems {
			msg += p.Error() + "\n"
		}
		if allowed {
			if msg != "" {
				t.Errorf("%s is allowed, but: %s", key, msg)
			}
			continue
		}
		want := key
		switch key {
		case "team":
			want = "team.url"
		case "personas":
			want = "personas.developer"
		}
		if !strings.Contains(msg, "/ws/.syntx/config.toml: "+want+" may not be set by a workspace") {
			t.Errorf("%s: problems %q do not refuse it naming the key and the file", key, msg)
		}
		if want := Defaults(); !equalJSON(cfg, want) {
			t.Errorf("%s: a refused key changed the configuration: %+v", key, cfg)
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestWorkspaceCannotOverrideUser: the attacks of issue 14 through a
// trusted workspace's config.toml: store_code, keep_adapters, limits and
// the model path stay the user's; the allowed key applies.
func TestWorkspaceCannotOverrideUser(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("SYNTX_HOME", filepath.Join(home, "data"))
	writeFile(t, filepath.Join(home, "config", "syntx", "config.toml"), "[capture]\nstore_code = false\n[train]\nkeep_adapters = 5\n")
	ws := filepath.Join(home, "ws")
	writeFile(t, filepath.Join(ws, ".syntx", "config.toml"), `
[capture]
store_code = true
[train]
keep_adapters = 1
[limits]
max_document_bytes = 1024
[policy]
model = "/dev/zero"
threshold = 0.6
`)
	w := ReadWorkspace(ws)
	w.Trusted = true
	cfg, problems := LoadWorkspace(w, nil)
	if cfg.Capture.StoreCode || cfg.Train.KeepAdapters != 5 || cfg.Limits.MaxDocumentBytes != Defaults().Limits.MaxDocumentBytes || cfg.Policy.Model != "" {
		t.Errorf("the workspace overrode the user: store_code %v, keep_adapters %d, max_document_bytes %d, model %q",
			cfg.Capture.StoreCode, cfg.Train.KeepAdapters, cfg.Limits.MaxDocumentBytes, cfg.Policy.Model)
	}
	if cfg.Policy.Threshold != 0.6 {
		t.Errorf("policy.threshold %v, want the workspace's 0.6", cfg.Policy.Threshold)
	}
	if len(problems) != 4 {
		t.Errorf("%d problems, want 4 refused keys: %v", len(problems), problems)
	}
	// Untrusted: not even the allowed key.
	w.Trusted = false
	if cfg, _ := LoadWorkspace(w, nil); cfg.Policy.Threshold != Defaults().Policy.Threshold {
		t.Errorf("an untrusted workspace set policy.threshold to %v", cfg.Policy.Threshold)
	}
	// Load consults the trust store: not trusted there either.
	if cfg, _ := Load(ws, nil); cfg.Policy.Threshold != Defaults().Policy.Threshold {
		t.Errorf("Load used an untrusted workspace's threshold %v", cfg.Policy.Threshold)
	}
	if err := OpenTrust(filepath.Join(home, "data")).Grant(ReadWorkspace(ws)); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := Load(ws, nil); cfg.Policy.Threshold != 0.6 || cfg.Capture.StoreCode {
		t.Errorf("after syntx trust: threshold %v, store_code %v", cfg.Policy.Threshold, cfg.Capture.StoreCode)
	}
}

// TestSpecialConfigFiles: a configuration that is a FIFO, a device or a
// symbolic link out of the workspace is refused without being read (a read
// would block, or never end).
func TestSpecialConfigFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.toml")); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(filepath.Join(dir, "zero.toml")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("user config linked to /dev/zero: %v", err)
	}
	ws := filepath.Join(dir, "ws")
	if err := os.MkdirAll(filepath.Join(ws, ".syntx", "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(ws, ".syntx", "config.toml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(ws, ".syntx", "rules", "x.toml")); err != nil {
		t.Fatal(err)
	}
	w := ReadWorkspace(ws)
	if w.Config != nil || len(w.Rules) != 0 || len(w.Problems) != 2 {
		t.Fatalf("workspace with links to /dev/zero: config %d bytes, %d rules, problems %v", len(w.Config), len(w.Rules), w.Problems)
	}
	// .syntx itself a link out of the workspace.
	ws2 := filepath.Join(dir, "ws2")
	if err := os.MkdirAll(ws2, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "elsewhere", "config.toml"), "persona = \"developer\"\n")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(ws2, ".syntx")); err != nil {
		t.Fatal(err)
	}
	if w := ReadWorkspace(ws2); w.Config != nil || len(w.Problems) != 1 {
		t.Errorf(".syntx linked out of the workspace: config %q, problems %v", w.Config, w.Problems)
	}
}

// TestTrustStore: trust is pinned to the files' hashes; a change needs
// trusting again, revoke forgets.
func TestTrustStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ws := filepath.Join(dir, "ws")
	writeFile(t, filepath.Join(ws, ".syntx", "rules", "a.toml"), "# a\n")
	writeFile(t, filepath.Join(ws, ".syntx", "config.toml"), "[policy]\nthreshold = 0.5\n")
	st := OpenTrust(filepath.Join(dir, "home"))
	w := ReadWorkspace(ws)
	if err := st.Decide(w); err != nil || w.Trusted || w.Note != "this folder is not trusted" {
		t.Fatalf("before trust: %v %v %q", err, w.Trusted, w.Note)
	}
	if err := st.Grant(w); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(st.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("trust store mode: %v %v", fi, err)
	}
	w = ReadWorkspace(ws)
	if err := st.Decide(w); err != nil || !w.Trusted {
		t.Fatalf("after trust: %v %v %q", err, w.Trusted, w.Note)
	}
	// Through a symbolic link to the folder: the same folder.
	link := filepath.Join(dir, "link")
	if err := os.Symlink(ws, link); err != nil {
		t.Fatal(err)
	}
	if w := ReadWorkspace(link); st.Decide(w) != nil || !w.Trusted {
		t.Errorf("through a link: not trusted (%q)", w.Note)
	}
	// A pull changes a rule and adds one.
	writeFile(t, filepath.Join(ws, ".syntx", "rules", "a.toml"), "# a, changed\n")
	writeFile(t, filepath.Join(ws, ".syntx", "rules", "b.toml"), "# b\n")
	w = ReadWorkspace(ws)
	if err := st.Decide(w); err != nil || w.Trusted {
		t.Fatalf("after a change: %v %v", err, w.Trusted)
	}
	if want := ".syntx/rules/a.toml changed, .syntx/rules/b.toml added"; !strings.Contains(w.Note, want) {
		t.Errorf("note %q, want it to say %q", w.Note, want)
	}
	ok, err := st.Revoke(link)
	if err != nil || !ok {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	if list, err := st.List(); err != nil || len(list) != 0 {
		t.Errorf("after revoke: %v %v", list, err)
	}
	if ok, err := st.Revoke(ws); err != nil || ok {
		t.Errorf("second revoke: %v %v", ok, err)
	}
}
