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

// teamLayer copies the golden adapter into home as team version t1
// (weights replaced by data when not nil) and names it in the team
// layer's pointer.
func teamLayer(t *testing.T, home, pointer string, weights []byte) {
	t.Helper()
	dir := filepath.Join(TeamAdaptersDir(home), "t1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{AdapterConfigFile, AdapterWeightsFile} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "model", "adapter-boost-go-naming", f))
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
	if err := os.WriteFile(filepath.Join(TeamAdaptersDir(home), ActiveFile), []byte(pointer+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestLoadPolicyTeamLayer: LoadPolicy serves base → team layer → own
// adapter, and refuses either layer alone.
func TestLoadPolicyTeamLayer(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name                       string
		own, teamPointer           string
		ownBad, teamBad            bool
		team, adapter              string // serving
		teamRefused, ownRefused    string
		teamErr                    string
		wantTeamBase, wantComposed bool
	}{
		{name: "both layers", own: "v1", teamPointer: "t1", team: "t1", adapter: "v1", wantTeamBase: true, wantComposed: true},
		{name: "the team layer alone", teamPointer: "t1", team: "t1", wantTeamBase: true},
		{name: "a corrupt team layer under a good own adapter", own: "v1", teamPointer: "t1", teamBad: true, adapter: "v1", teamRefused: "t1", teamErr: "team adapter t1"},
		{name: "a corrupt own adapter over a good team layer", own: "v1", ownBad: true, teamPointer: "t1", team: "t1", ownRefused: "v1", wantTeamBase: true},
		{name: "a team pointer naming an own version", own: "v1", teamPointer: "v1", adapter: "v1", teamErr: "not a team adapter version"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ow, tw []byte
			if c.ownBad {
				ow = []byte("garbage")
			}
			if c.teamBad {
				tw = []byte("garbage")
			}
			home := policyHome(t, c.own, ow)
			teamLayer(t, home, c.teamPointer, tw)
			p, err := LoadPolicy(PolicyOptions{Home: home})
			if err != nil {
				t.Fatal(err)
			}
			if p.TeamVersion != c.team || p.AdapterVersion != c.adapter || p.TeamRefused != c.teamRefused || p.AdapterRefused != c.ownRefused {
				t.Errorf("team %q adapter %q, refused %q %q; want %q %q, %q %q", p.TeamVersion, p.AdapterVersion, p.TeamRefused, p.AdapterRefused, c.team, c.adapter, c.teamRefused, c.ownRefused)
			}
			if got := p.TeamErr; (got == nil) != (c.teamErr == "") || got != nil && !strings.Contains(got.Error(), c.teamErr) {
				t.Errorf("team error %v, want one saying %q", got, c.teamErr)
			}
			if (p.Runtime.Team() != nil) != (c.team != "") || (p.Runtime.Adapter() != nil) != (c.adapter != "") || p.Runtime.Team() != p.Team || p.Runtime.Adapter() != p.Adapter {
				t.Errorf("serving team %v own %v; LoadedPolicy says %v %v", p.Runtime.Team(), p.Runtime.Adapter(), p.Team, p.Adapter)
			}
			tb, err := p.TeamBase()
			if err != nil {
				t.Fatal(err)
			}
			if (tb != p.Base) != c.wantTeamBase {
				t.Errorf("TeamBase is the base: %v, want %v", tb == p.Base, !c.wantTeamBase)
			}
			if c.wantComposed {
				want, err := p.Base.Compose(p.Team, p.Adapter)
				if err != nil {
					t.Fatal(err)
				}
				if got := p.Runtime.Network().AdapterVersion(); got != want.AdapterVersion() || !strings.Contains(got, "+") {
					t.Errorf("serving %q, want the composition %q", got, want.AdapterVersion())
				}
			}
		})
	}
}
