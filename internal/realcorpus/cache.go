package realcorpus

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvCache names the variable that overrides the cache directory.
const EnvCache = "SYNTX_REALCORPUS"

// DefaultCacheDir is $SYNTX_REALCORPUS if set, else
// $XDG_CACHE_HOME/syntx/realcorpus (~/.cache/syntx/realcorpus).
func DefaultCacheDir() (string, error) {
	if d := os.Getenv(EnvCache); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("default cache dir: %w (set %s)", err, EnvCache)
	}
	return filepath.Join(base, "syntx", "realcorpus"), nil
}

// The cache's layout. Everything is under one directory; nothing of it is
// ever written into the repository.
//
//	downloads/<id>.tgz|.deb   verified npm tarballs and Debian packages
//	gomod/                     GOMODCACHE: Go module zips and their dependencies
//	npm-cache/                 npm's cache (npm pack, npm ci)
//	src/<id>/                  source roots: a writable Go module (or GOROOT),
//	                           an npm checker project (package/ is the package),
//	                           an extracted Debian tree
//	tools/<id>/                tsc, ast-grep (npm projects), gopls (bin/)
//	state/<id>.json            written last: the pin a root was built from
//	state/<id>.manifest        SHA-256 and size of every file of the root
type layout string

func (l layout) downloads() string         { return filepath.Join(string(l), "downloads") }
func (l layout) gomod() string             { return filepath.Join(string(l), "gomod") }
func (l layout) npmCache() string          { return filepath.Join(string(l), "npm-cache") }
func (l layout) src(id string) string      { return filepath.Join(string(l), "src", id) }
func (l layout) tool(id string) string     { return filepath.Join(string(l), "tools", id) }
func (l layout) state(id string) string    { return filepath.Join(string(l), "state", id+".json") }
func (l layout) manifest(id string) string { return filepath.Join(string(l), "state", id+".manifest") }

// download is where a verified npm tarball or .deb is kept (Go zips stay
// in the module cache).
func (l layout) download(s Source) string {
	switch s.Manager {
	case NPM:
		return filepath.Join(l.downloads(), s.ID+".tgz")
	case Deb:
		return filepath.Join(l.downloads(), s.ID+".deb")
	}
	return ""
}

// root is the directory a source's pool paths and bench paths are
// relative to.
func (l layout) root(s Source) string {
	if s.Manager == NPM {
		return filepath.Join(l.src(s.ID), "package")
	}
	return l.src(s.ID)
}

// layoutVersion changes when the way a root is built changes, so that
// roots built by an older fetcher are built again.
const layoutVersion = 1

// marker records what a root was built from. A root is up to date when
// its marker equals the one the current pins and code would write.
type marker struct {
	Layout  int     `json:"layout"`
	Manager Manager `json:"manager"`
	Name    string  `json:"name"`
	Version string  `json:"version"`
	Sum     string  `json:"sum"`
	// Recipe is a digest of whatever else shaped the root: the npm
	// lockfile, the generated package.json and tsconfig.json.
	Recipe string `json:"recipe,omitempty"`
}

func readMarker(file string) (marker, error) {
	var m marker
	data, err := os.ReadFile(file)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", file, err)
	}
	return m, nil
}

func (m marker) write(file string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(file, append(data, '\n'), 0o644)
}

// checkOutsideRepo refuses a cache directory inside the repository that
// holds the pins (the corpus is never committed, and a `git add -A` must
// not be able to pick it up).
func checkOutsideRepo(pins *Pins, cacheDir string) error {
	if pins.Dir == "" {
		return nil
	}
	repo := pins.Dir
	for {
		if _, err := os.Stat(filepath.Join(repo, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(repo)
		if parent == repo {
			return nil // pins outside a module: nothing to protect
		}
		repo = parent
	}
	repo, err1 := filepath.EvalSymlinks(repo)
	cache, err2 := evalExisting(cacheDir)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("cache dir: %w", err)
	}
	if cache == repo || strings.HasPrefix(cache, repo+string(filepath.Separator)) {
		return fmt.Errorf("cache dir %s is inside the repository %s; the corpus is never kept there (set %s)", cacheDir, repo, EnvCache)
	}
	return nil
}

// evalExisting resolves symlinks in the longest existing prefix of p.
func evalExisting(p string) (string, error) {
	p = filepath.Clean(p)
	var rest []string
	for {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", err
		}
		rest = append([]string{filepath.Base(p)}, rest...)
		p = parent
	}
}
