package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// home returns a $SYNTX_HOME whose adapters/v1 holds the golden adapter's
// files (weights replaced by data when data is not nil) and whose ACTIVE
// names pointer.
func policyHome(t *testing.T, pointer string, weights []byte) string {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(AdaptersDir(home), "v1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("..", "testdata", "model", "adapter-boost-go-naming")
	for _, f := range []string{AdapterConfigFile, AdapterWeightsFile} {
		b, err := os.ReadFile(filepath.Join(golden, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == AdapterWeightsFile && weights != nil {
			b = weights
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if pointer != "" {
		if err := os.WriteFile(filepath.Join(AdaptersDir(home), ActiveFile), []byte(pointer+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func TestLoadPolicy(t *testing.T) {
	t.Parallel()
	badModel := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(badModel, []byte("not onnx"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		opts        PolicyOptions
		adapter     string // serving
		refused     string
		modelErr    bool
		adapterErr  string
		versionHint string
	}{
		{name: "embedded base, no home", opts: PolicyOptions{}},
		{name: "no adapter active", opts: PolicyOptions{Home: policyHome(t, "", nil)}},
		{name: "the active adapter", opts: PolicyOptions{Home: policyHome(t, "v1", nil)}, adapter: "v1", versionHint: "+boost-go-naming"},
		{name: "a corrupt adapter", opts: PolicyOptions{Home: policyHome(t, "v1", []byte("garbage"))}, refused: "v1", adapterErr: "adapter v1"},
		{name: "a pointer to nothing", opts: PolicyOptions{Home: policyHome(t, "v7", nil)}, adapterErr: "missing or incomplete"},
		{name: "a refused policy.model", opts: PolicyOptions{Model: badModel}, modelErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := LoadPolicy(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p.Runtime == nil || p.Base == nil {
				t.Fatal("no policy")
			}
			if (p.ModelErr != nil) != c.modelErr || p.BaseSource != "embedded" {
				t.Errorf("model error %v, base from %q", p.ModelErr, p.BaseSource)
			}
			if p.AdapterVersion != c.adapter || p.AdapterRefused != c.refused {
				t.Errorf("adapter %q, refused %q; want %q, %q", p.AdapterVersion, p.AdapterRefused, c.adapter, c.refused)
			}
			if got := p.AdapterErr; (got == nil) != (c.adapterErr == "") || got != nil && !strings.Contains(got.Error(), c.adapterErr) {
				t.Errorf("adapter error %v, want one saying %q", got, c.adapterErr)
			}
			if c.versionHint != "" && !strings.HasSuffix(p.Runtime.Version(), c.versionHint) {
				t.Errorf("serving %q, want the adapter's version", p.Runtime.Version())
			}
			if c.adapter == "" && p.Runtime.Adapter() != nil {
				t.Error("an adapter serves")
			}
		})
	}
}
