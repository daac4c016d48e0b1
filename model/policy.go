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
	// Home is $SYNTX_HOME, whose active adapter is merged in; "" means
	// none.
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
}

// LoadPolicy builds the policy that serves: the configured ONNX file, or
// the embedded base when none is configured or it is refused, with Home's
// active adapter merged in when it loads. It is the one place that loads
// base and adapter together (the language server, `syntx review`, `syntx
// learn`, `syntx model` use it); a refused model or adapter is reported in
// the result, not as an error, because a working policy is still there.
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
	version, dir, ok, err := ActiveAdapter(o.Home)
	switch {
	case err != nil:
		p.AdapterErr = err
	case ok:
		a, err := LoadAdapter(dir, p.Base)
		if err == nil {
			err = rt.Swap(a)
		}
		if err != nil {
			p.AdapterErr, p.AdapterRefused = fmt.Errorf("adapter %s: %w", version, err), version
		} else {
			p.AdapterVersion, p.AdapterDir = version, dir
		}
	}
	return p, nil
}
