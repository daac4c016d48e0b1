package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Where adapters live: Home/adapters/v<N>/ hold the versions (package train
// writes them) and Home/adapters/ACTIVE names the active one.
const (
	adaptersDirName = "adapters"
	// ActiveFile is the pointer file naming the active adapter version.
	ActiveFile = "ACTIVE"
)

// AdaptersDir returns the directory holding the adapter versions of home
// ($SYNTX_HOME).
func AdaptersDir(home string) string { return filepath.Join(home, adaptersDirName) }

// AdapterVersionNumber returns N for a version name SyntX writes, "v"
// followed by a positive decimal number N, and false for any other name.
func AdapterVersionNumber(v string) (int, bool) {
	if len(v) < 2 || v[0] != 'v' || v[1] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(v[1:])
	if err != nil || n <= 0 || strconv.Itoa(n) != v[1:] {
		return 0, false
	}
	return n, true
}

// ActiveAdapter reads the pointer file Home/adapters/ACTIVE and returns the
// active adapter's version and directory. ok is false, with a nil error,
// when no adapter is active (the base policy runs alone). It does not load
// the adapter: LoadPolicy does, or LoadAdapter and Runtime.Swap.
func ActiveAdapter(home string) (version, dir string, ok bool, err error) {
	adir := AdaptersDir(home)
	b, err := os.ReadFile(filepath.Join(adir, ActiveFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("active adapter: %w", err)
	}
	version = strings.TrimSpace(string(b))
	if _, valid := AdapterVersionNumber(version); !valid {
		return "", "", false, fmt.Errorf("active adapter: %s names %q, which is not an adapter version", filepath.Join(adir, ActiveFile), version)
	}
	dir = filepath.Join(adir, version)
	if !AdapterComplete(dir) {
		return "", "", false, fmt.Errorf("active adapter: %s is missing or incomplete", dir)
	}
	return version, dir, true, nil
}

// The team layer (package train installs it from a team hub):
// Home/team/adapters/t<N>/ hold the pulled versions and
// Home/team/adapters/ACTIVE names the one in use.

// TeamAdaptersDir returns the directory holding the pulled team adapters
// of home.
func TeamAdaptersDir(home string) string { return filepath.Join(home, "team", adaptersDirName) }

// TeamVersionNumber returns N for a team version name, "t" followed by a
// positive decimal number N, and false for any other name.
func TeamVersionNumber(v string) (int, bool) {
	if len(v) < 2 || v[0] != 't' {
		return 0, false
	}
	return AdapterVersionNumber("v" + v[1:])
}

// ActiveTeamAdapter reads Home/team/adapters/ACTIVE and returns the team
// layer's version and directory. ok is false, with a nil error, when no
// team layer is in use. It does not load the adapter: LoadPolicy does.
func ActiveTeamAdapter(home string) (version, dir string, ok bool, err error) {
	adir := TeamAdaptersDir(home)
	b, err := os.ReadFile(filepath.Join(adir, ActiveFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("team adapter: %w", err)
	}
	version = strings.TrimSpace(string(b))
	if _, valid := TeamVersionNumber(version); !valid {
		return "", "", false, fmt.Errorf("team adapter: %s names %q, which is not a team adapter version", filepath.Join(adir, ActiveFile), version)
	}
	dir = filepath.Join(adir, version)
	if !AdapterComplete(dir) {
		return "", "", false, fmt.Errorf("team adapter: %s is missing or incomplete", dir)
	}
	return version, dir, true, nil
}

// AdapterComplete reports whether dir holds both adapter files.
func AdapterComplete(dir string) bool {
	for _, f := range []string{AdapterConfigFile, AdapterWeightsFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// PolicyOptions say where a policy comes from.
type PolicyOptions struct {
	// Model is an ONNX file (configuration key policy.model); "" means the
	// embedded base.
	Model string
	// Home is $SYNTX_HOME, whose team layer and active adapter are merged
	// in; "" means none.
	Home string
	// Runtime are the options of the Runtime that serves it.
	Runtime []RuntimeOption
}

// LoadedPolicy is the policy LoadPolicy built, and what it had to leave
// out.
type LoadedPolicy struct {
	Runtime *Runtime
	// Base is the base network; BaseSource says where it came from
	// ("embedded" or the Model path).
	Base       *Network
	BaseSource string
	// AdapterVersion and AdapterDir name the active adapter that serves
	// ("" when the base serves alone).
	AdapterVersion, AdapterDir string
	// ModelErr says why the configured Model was refused, and the
	// embedded base serves instead.
	ModelErr error
	// AdapterErr says why the active adapter (its pointer or its files)
	// was refused, and the base serves alone. AdapterRefused is the
	// version it named, when it named one.
	AdapterErr     error
	AdapterRefused string
	// TeamVersion and TeamDir name the team layer that serves under the
	// own adapter ("" for none); TeamErr and TeamRefused say why the team
	// layer was refused, as AdapterErr and AdapterRefused do.
	TeamVersion, TeamDir string
	TeamErr              error
	TeamRefused          string
	// Team and Adapter are the layers that serve (nil for none).
	Team, Adapter *Adapter
}

// LoadPolicy builds the policy that serves: the configured ONNX file, or
// the embedded base when none is configured or it is refused, with Home's
// team layer and active adapter merged in when they load (see Compose).
// It is the one place that loads base and adapters together (the language
// server, `syntx review`, `syntx learn`, `syntx model`, `syntx train` use
// it); a refused model or adapter is reported in the result, not as an
// error, because a working policy is still there.
// The error is for the embedded base failing to load, a build defect.
func LoadPolicy(o PolicyOptions) (*LoadedPolicy, error) {
	p := &LoadedPolicy{BaseSource: "embedded"}
	if o.Model != "" {
		data, err := ReadONNXFile(o.Model)
		if err == nil {
			p.Base, err = LoadONNX(data)
		}
		if err != nil {
			p.Base, p.ModelErr = nil, fmt.Errorf("policy.model %s: %w", o.Model, err)
		} else {
			p.BaseSource = o.Model
		}
	}
	if p.Base == nil {
		var err error
		if p.Base, err = LoadBase(); err != nil {
			return nil, fmt.Errorf("the embedded base model: %w", err)
		}
	}
	rt, err := NewRuntime(p.Base, o.Runtime...)
	if err != nil {
		return nil, err
	}
	p.Runtime = rt
	if o.Home == "" {
		return p, nil
	}
	// The team layer first (pulled from a team hub; see "Two layers" in
	// the package documentation), then the developer's own adapter over
	// it. Each is refused alone: a broken team layer leaves the own
	// adapter serving over the base, and the other way round.
	var team, own *Adapter
	tversion, tdir, tok, err := ActiveTeamAdapter(o.Home)
	switch {
	case err != nil:
		p.TeamErr = err
	case tok:
		a, err := LoadAdapter(tdir, p.Base)
		if err == nil {
			err = rt.SwapLayers(a, nil)
		}
		if err != nil {
			p.TeamErr, p.TeamRefused = fmt.Errorf("team adapter %s: %w", tversion, err), tversion
		} else {
			team, p.TeamVersion, p.TeamDir = a, tversion, tdir
		}
	}
	version, dir, ok, err := ActiveAdapter(o.Home)
	switch {
	case err != nil:
		p.AdapterErr = err
	case ok:
		a, err := LoadAdapter(dir, p.Base)
		if err == nil {
			err = rt.SwapLayers(team, a)
		}
		if err != nil {
			p.AdapterErr, p.AdapterRefused = fmt.Errorf("adapter %s: %w", version, err), version
		} else {
			own, p.AdapterVersion, p.AdapterDir = a, version, dir
		}
	}
	p.Team, p.Adapter = team, own
	return p, nil
}

// TeamBase returns the base with the team layer merged in (the base when
// none serves): the network the developer's own adapter trains over.
func (p *LoadedPolicy) TeamBase() (*Network, error) {
	if p.Team == nil {
		return p.Base, nil
	}
	return p.Base.Compose(p.Team, nil)
}
