package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// checkBuilt is what every Build must give: a configuration that validates,
// and the defaults when no layer was usable.
func checkBuilt(t *testing.T, cfg Config, problems []Problem, layers ...*Layer) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Build returned a configuration that does not validate: %v\n%+v", err, cfg)
	}
	for _, p := range problems {
		if p.Layer == "" || p.Err == nil || p.Error() == "" {
			t.Fatalf("problem without a layer or a message: %+v", p)
		}
	}
	usable := false
	for _, l := range layers {
		if l != nil {
			usable = true
		}
	}
	if !usable && !reflect.DeepEqual(cfg, Defaults()) {
		t.Fatalf("no layers, but the configuration is not the defaults: %+v", cfg)
	}
}

// FuzzConfigTOML reads arbitrary bytes as a config.toml and builds the
// configuration from it. Reading may fail; nothing may panic, and Build
// always returns a configuration that passes Validate. Seeds:
// testdata/fuzz/FuzzConfigTOML.
func FuzzConfigTOML(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("persona = \"developer\"\n[capture]\ncheckpoints = [\"30s\", \"2m\"]\n"))
	f.Add([]byte("[limits]\nmax_document_bytes = 1\nmax_candidates = -3\nrequest_timeout = \"-1s\"\n"))
	f.Add([]byte("\x00\xff[[[\n= ="))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := ReadFile(path)
		if err != nil {
			if l != nil {
				t.Fatalf("ReadFile returned a layer and an error: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
		}
		cfg, problems := Build(l)
		checkBuilt(t, cfg, problems, l)
		// The same layer under and over a JSON one, as Load stacks them.
		j, _ := JSONLayer("initializationOptions", []byte(`{"persona":"security-reviewer"}`))
		cfg, problems = Build(l, j)
		checkBuilt(t, cfg, problems, l, j)
		if cfg.Persona != "security-reviewer" {
			t.Fatalf("a valid top layer was lost under a fuzzed one: persona %q", cfg.Persona)
		}
	})
}

// FuzzConfigJSON decodes arbitrary bytes as initializationOptions (and as
// didChangeConfiguration settings) and builds the configuration. Seeds:
// testdata/fuzz/FuzzConfigJSON.
func FuzzConfigJSON(f *testing.F) {
	f.Add([]byte(`null`))
	f.Add([]byte(`{"syntx":{"policy":{"threshold":0.5}}}`))
	f.Add([]byte(`{"capture":{"checkpoints":[1e300, "2m"]},"limits":{"request_timeout":-5}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"personas":{"developer":-1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := JSONLayer("initializationOptions", data)
		if err != nil && l != nil {
			t.Fatalf("JSONLayer returned a layer and an error: %v", err)
		}
		cfg, problems := Build(l)
		checkBuilt(t, cfg, problems, l)
		// Two fuzzed layers stacked.
		cfg, problems = Build(l, l)
		checkBuilt(t, cfg, problems, l)
	})
}
