package realcorpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// FetchOptions configure Fetch.
type FetchOptions struct {
	Selection
	// Force fetches again what is already fetched and verified.
	Force bool
	// Log receives what Fetch does; nil logs to stderr.
	Log *slog.Logger
	// Limits bound each archive's extraction; zero means DefaultLimits.
	Limits Limits
}

// ErrChecksum is wrapped by every checksum mismatch Fetch reports.
var ErrChecksum = errors.New("checksum mismatch")

// Fetch brings the selected pins into cacheDir through the package
// managers and verifies every checksum. It is idempotent: a source whose
// root was built from the same pin (its state marker matches) is skipped.
// A download whose checksum differs from its pin is removed and reported
// as an error wrapping ErrChecksum that names the pin; other pins are
// still fetched, and every error is returned (joined). Two Fetch calls on
// one cache directory take turns (a lock file).
func Fetch(ctx context.Context, pins *Pins, cacheDir string, opts FetchOptions) error {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if !filepath.IsAbs(cacheDir) {
		return fmt.Errorf("fetch: cache dir %q is not absolute", cacheDir)
	}
	if err := checkOutsideRepo(pins, cacheDir); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	ids, err := pins.selected(opts.Selection)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	unlock, err := lockCache(cacheDir, log)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	defer unlock()

	f := &fetcher{pins: pins, l: layout(cacheDir), log: log, lim: opts.Limits}
	start := time.Now()
	var errs []error
	fetched := map[string]bool{}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		t0 := time.Now()
		did, err := f.one(ctx, id, opts.Force)
		if err != nil {
			log.Error("fetch failed", "pin", id, "err", err)
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		fetched[id] = true
		if did {
			log.Info("fetched", "pin", id, "took", time.Since(t0).Round(time.Millisecond))
		} else {
			log.Info("up to date", "pin", id)
		}
	}
	for _, b := range pins.Bench {
		if !fetched[b.Source] {
			continue
		}
		if err := checkBench(f.l, pins, b); err != nil {
			errs = append(errs, err)
		}
	}
	log.Info("fetch done", "pins", len(ids), "failed", len(errs), "took", time.Since(start).Round(time.Millisecond))
	return errors.Join(errs...)
}

type fetcher struct {
	pins *Pins
	l    layout
	log  *slog.Logger
	lim  Limits
}

// one fetches a source or tool unless it is up to date; it reports
// whether it did anything.
func (f *fetcher) one(ctx context.Context, id string, force bool) (bool, error) {
	s, _ := f.pins.Source(id)
	tool, isTool := f.pins.Tool(id)
	want, err := f.wantMarker(s, isTool)
	if err != nil {
		return false, err
	}
	dir := f.l.src(id)
	if isTool {
		dir = f.l.tool(id)
	}
	if !force {
		if have, err := readMarker(f.l.state(id)); err == nil && have == want {
			if _, err := os.Stat(dir); err == nil {
				return false, nil
			}
		}
	}
	// Whatever was there was built from another pin, or half-built.
	_ = os.Remove(f.l.state(id))
	if err := removeAll(dir); err != nil {
		return false, err
	}
	f.log.Info("fetching", "pin", id, "manager", s.Manager, "name", s.Name, "version", s.Version)
	switch {
	case isTool && s.Manager == Go:
		err = f.goTool(ctx, tool)
	case isTool && s.Manager == NPM:
		err = f.npmTool(ctx, tool)
	case s.Manager == Go:
		err = f.goSource(ctx, s)
	case s.Manager == NPM:
		err = f.npmSource(ctx, s)
	case s.Manager == Deb:
		err = f.debSource(ctx, s)
	default:
		err = fmt.Errorf("%s tools are not supported", s.Manager)
	}
	if err != nil {
		_ = removeAll(dir)
		return false, err
	}
	m, err := treeManifest(dir, "node_modules")
	if err != nil {
		return false, err
	}
	if err := m.write(f.l.manifest(id)); err != nil {
		return false, err
	}
	return true, want.write(f.l.state(id))
}

func (f *fetcher) wantMarker(s Source, isTool bool) (marker, error) {
	m := marker{Layout: layoutVersion, Manager: s.Manager, Name: s.Name, Version: s.Version, Sum: s.Sum}
	if s.Manager == NPM && (isTool || f.pins.hasPackages(s.ID)) {
		r, err := f.npmRecipe(s, isTool)
		if err != nil {
			return m, err
		}
		h := sha256.New()
		for _, part := range [][]byte{r.packageJSON, r.lock, r.tsconfig} {
			fmt.Fprintf(h, "%d\n", len(part))
			h.Write(part)
		}
		m.Recipe = sha256Hex(h.Sum(nil))
	}
	return m, nil
}

// ---- Go ----

type goDownload struct {
	Path, Version, Error, Zip, Dir, Sum, GoMod string
}

func (f *fetcher) goEnv(extra ...string) []string {
	env := append(os.Environ(),
		"GOMODCACHE="+f.l.gomod(),
		"GOFLAGS=-modcacherw",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
	)
	return append(env, extra...)
}

// goModDownload downloads a module into the cache's GOMODCACHE and checks
// its h1: hash twice: go checks it against the checksum database, and we
// hash the zip ourselves against the pin.
func (f *fetcher) goModDownload(ctx context.Context, s Source) (goDownload, error) {
	var d goDownload
	out, runErr := f.run(ctx, string(f.l), f.goEnv(), "go", "mod", "download", "-json", s.Name+"@"+s.Version)
	if err := json.Unmarshal(out, &d); err != nil {
		if runErr != nil {
			return d, runErr
		}
		return d, fmt.Errorf("go mod download: %w", err)
	}
	if d.Error != "" {
		return d, fmt.Errorf("go mod download %s@%s: %s", s.Name, s.Version, d.Error)
	}
	if runErr != nil {
		return d, runErr
	}
	got, err := goZipSum(d.Zip)
	if err != nil {
		return d, fmt.Errorf("hash %s: %w", d.Zip, err)
	}
	if got != s.Sum || d.Sum != s.Sum {
		_ = removeAll(d.Dir)
		for _, ext := range []string{".zip", ".ziphash", ".info", ".mod", ".lock"} {
			_ = os.Remove(strings.TrimSuffix(d.Zip, ".zip") + ext)
		}
		return d, fmt.Errorf("%w: %s@%s is pinned as %s, the download hashes to %s (removed)", ErrChecksum, s.Name, s.Version, s.Sum, got)
	}
	return d, nil
}

// goSource builds a writable copy of a module (or of the Go toolchain,
// which then serves as GOROOT) under src/<id>. For a module, the
// dependencies of all its packages and tests are downloaded, and loading
// them offline is checked, so that `go vet` runs in the copy without a
// network.
func (f *fetcher) goSource(ctx context.Context, s Source) error {
	d, err := f.goModDownload(ctx, s)
	if err != nil {
		return err
	}
	dir := f.l.src(s.ID)
	if err := copyTree(d.Dir, dir); err != nil {
		return err
	}
	// The copy is what the corpus reads; the zip stays in the module cache.
	if err := removeAll(d.Dir); err != nil {
		return err
	}
	if isToolchain(s) {
		return f.goroot(ctx, dir)
	}
	if err := addGoMod(dir, d.GoMod); err != nil {
		return err
	}
	if _, err := f.run(ctx, dir, f.goEnv(), "go", "list", "-mod=mod", "-deps", "-test", "./..."); err != nil {
		return fmt.Errorf("download the dependencies of %s: %w", s.Name, err)
	}
	if _, err := f.run(ctx, dir, goCheckEnv(f.l), "go", "list", "-deps", "-test", "./..."); err != nil {
		return fmt.Errorf("offline check of %s: %w", s.Name, err)
	}
	return nil
}

// addGoMod gives a module that predates modules (no go.mod in its zip) the
// go.mod the go command itself uses for it (the module cache's .mod file),
// so that the copy is a main module.
func addGoMod(dir, goMod string) error {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return nil
	}
	data, err := os.ReadFile(goMod)
	if err != nil {
		return fmt.Errorf("module without go.mod: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "go.mod"), data, 0o644)
}

func isToolchain(s Source) bool { return s.Manager == Go && s.Name == "golang.org/toolchain" }

// goroot makes a copied toolchain module runnable as GOROOT: module zips
// carry no file modes, so its commands get their execute bits back, and
// its go command must list the standard library offline.
func (f *fetcher) goroot(ctx context.Context, dir string) error {
	var exes []string
	for _, pat := range []string{"bin/*", "pkg/tool/*/*"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return err
		}
		exes = append(exes, m...)
	}
	for _, e := range exes {
		if err := os.Chmod(e, 0o755); err != nil {
			return err
		}
	}
	goBin := filepath.Join(dir, "bin", "go")
	if _, err := f.run(ctx, filepath.Join(dir, "src"), stdCheckEnv(dir), goBin, "list", "std", "cmd"); err != nil {
		return fmt.Errorf("the toolchain does not run as GOROOT: %w", err)
	}
	return nil
}

// goCheckEnv is the environment of a checker in a module copy: offline,
// the cache's module cache, go.sum from the copy.
func goCheckEnv(l layout) []string {
	return append(os.Environ(), checkEnvGo(l)...)
}

func checkEnvGo(l layout) []string {
	return []string{
		"GOMODCACHE=" + l.gomod(),
		"GOFLAGS=-mod=mod",
		"GOPROXY=off",
		"GOSUMDB=off",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
	}
}

// checkEnvStd is the environment of a checker of the standard library:
// the copied toolchain as GOROOT and first on PATH, offline.
func checkEnvStd(goroot string) []string {
	return []string{
		"GOROOT=" + goroot,
		// Tools that run "go" themselves (gopls) must find this one.
		"PATH=" + filepath.Join(goroot, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOFLAGS=",
		"GOPROXY=off",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
	}
}

func stdCheckEnv(goroot string) []string { return append(os.Environ(), checkEnvStd(goroot)...) }

func (f *fetcher) goTool(ctx context.Context, t Tool) error {
	if _, err := f.goModDownload(ctx, t.Source); err != nil {
		return err
	}
	dir := f.l.tool(t.ID)
	if _, err := f.run(ctx, string(f.l), f.goEnv("GOBIN="+filepath.Join(dir, "bin")), "go", "install", t.Name+"@"+t.Version); err != nil {
		return err
	}
	return checkExecutable(filepath.Join(dir, filepath.FromSlash(t.Bin)))
}

// ---- npm ----

type npmRecipe struct {
	deps        map[string]string
	packageJSON []byte
	lock        []byte
	lockFile    string
	tsconfig    []byte // nil without compiler options
}

// LockDir is where a source's or tool's committed package-lock.json lives.
func (p *Pins) LockDir(id string) string { return filepath.Join(p.Dir, "npm", id) }

// npmRecipe is what an npm checker project is built from: package.json
// (generated from the pin: the package and its check_deps, exact
// versions), the committed lockfile, and the generated tsconfig.json.
func (f *fetcher) npmRecipe(s Source, isTool bool) (npmRecipe, error) {
	r := npmRecipe{deps: map[string]string{s.Name: s.Version}}
	for n, v := range s.CheckDeps {
		r.deps[n] = v
	}
	pj, err := json.MarshalIndent(map[string]any{
		"name":         "realcorpus-" + strings.ReplaceAll(s.ID, ".", "-"),
		"private":      true,
		"description":  "checker project of " + s.Name + "@" + s.Version + ", generated by realcorpus",
		"dependencies": r.deps,
	}, "", "  ")
	if err != nil {
		return r, err
	}
	r.packageJSON = append(pj, '\n')
	r.lockFile = filepath.Join(f.pins.LockDir(s.ID), "package-lock.json")
	r.lock, err = os.ReadFile(r.lockFile)
	if err != nil {
		return r, fmt.Errorf("no lockfile (run `go run ./cmd/realcorpus lock %s`): %w", s.ID, err)
	}
	if !isTool && len(s.CompilerOptions) > 0 {
		r.tsconfig, err = f.tsconfig(s)
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// tsconfig is the generated tsconfig.json of a checker project: the pin's
// compiler options, noEmit, and the pool paths of the source's packages
// (under package/).
func (f *fetcher) tsconfig(s Source) ([]byte, error) {
	opts := map[string]any{}
	for k, v := range s.CompilerOptions {
		opts[k] = v
	}
	opts["noEmit"] = true
	var include, exclude []string
	for _, k := range f.pins.Packages {
		if k.Source != s.ID {
			continue
		}
		for _, p := range k.Paths {
			include = append(include, "package/"+p)
		}
		for _, p := range k.Exclude {
			exclude = append(exclude, "package/"+p)
		}
	}
	data, err := json.MarshalIndent(map[string]any{
		"compilerOptions": opts,
		"include":         include,
		"exclude":         append(exclude, "node_modules"),
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// checkLock makes sure the committed lockfile installs exactly the pinned
// tarball of the package.
func checkLock(r npmRecipe, s Source) error {
	var lock struct {
		Packages map[string]struct {
			Version   string `json:"version"`
			Integrity string `json:"integrity"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(r.lock, &lock); err != nil {
		return fmt.Errorf("%s: %w", r.lockFile, err)
	}
	e, ok := lock.Packages["node_modules/"+s.Name]
	if !ok {
		return fmt.Errorf("%s does not install %s (run `go run ./cmd/realcorpus lock %s`)", r.lockFile, s.Name, s.ID)
	}
	if e.Version != s.Version || e.Integrity != s.Sum {
		return fmt.Errorf("%w: %s installs %s@%s %s, the pin says %s %s (run `go run ./cmd/realcorpus lock %s`)",
			ErrChecksum, r.lockFile, s.Name, e.Version, e.Integrity, s.Version, s.Sum, s.ID)
	}
	return nil
}

func (f *fetcher) npmEnv() []string {
	return append(os.Environ(),
		"npm_config_cache="+f.l.npmCache(),
		"npm_config_update_notifier=false",
		"npm_config_fund=false",
		"npm_config_audit=false",
		"npm_config_ignore_scripts=true",
	)
}

// npmPack downloads the pinned tarball with `npm pack`, checks its sha512
// against the pin and keeps it as downloads/<id>.tgz.
func (f *fetcher) npmPack(ctx context.Context, s Source) (string, error) {
	if err := os.MkdirAll(f.l.downloads(), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(f.l.downloads(), ".pack-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	out, err := f.run(ctx, tmp, f.npmEnv(), "npm", "pack", "--json", "--pack-destination", tmp, s.Name+"@"+s.Version)
	if err != nil {
		return "", err
	}
	var packed []struct {
		Filename string `json:"filename"`
	}
	if err := json.Unmarshal(out, &packed); err != nil || len(packed) != 1 {
		return "", fmt.Errorf("npm pack %s@%s: unexpected output %.200q", s.Name, s.Version, out)
	}
	file := filepath.Join(tmp, filepath.Base(packed[0].Filename))
	got, err := npmIntegrity(file)
	if err != nil {
		return "", err
	}
	if got != s.Sum {
		return "", fmt.Errorf("%w: %s@%s is pinned as %s, the download hashes to %s (removed)", ErrChecksum, s.Name, s.Version, s.Sum, got)
	}
	dst := f.l.download(s)
	return dst, os.Rename(file, dst)
}

// npmSource fetches an npm package. A package with pool packages becomes a
// checker project (src/<id>: package.json, the committed lockfile,
// node_modules from `npm ci --ignore-scripts`, tsconfig.json) with the
// verified tarball extracted as package/; a package used only for bench
// files is just extracted (src/<id>/package).
func (f *fetcher) npmSource(ctx context.Context, s Source) error {
	tgz, err := f.npmPack(ctx, s)
	if err != nil {
		return err
	}
	dir := f.l.src(s.ID)
	if !f.pins.hasPackages(s.ID) {
		return f.extractNPM(tgz, filepath.Join(dir, "package"))
	}
	r, err := f.npmRecipe(s, false)
	if err != nil {
		return err
	}
	if err := f.npmProject(ctx, s, r, dir); err != nil {
		return err
	}
	if r.tsconfig != nil {
		if err := writeFileAtomic(filepath.Join(dir, "tsconfig.json"), r.tsconfig, 0o644); err != nil {
			return err
		}
	}
	return f.extractNPM(tgz, filepath.Join(dir, "package"))
}

func (f *fetcher) extractNPM(tgz, dir string) error {
	res, err := extractTarGz(tgz, dir, true, f.lim)
	if err != nil {
		return err
	}
	f.logSkipped(dir, res)
	return nil
}

func (f *fetcher) logSkipped(dir string, res Extracted) {
	if len(res.Skipped) == 0 {
		return
	}
	shown := res.Skipped
	if len(shown) > 3 {
		shown = shown[:3]
	}
	f.log.Warn("entries not extracted (links and special files are never created)",
		"dir", dir, "count", len(res.Skipped), "first", strings.Join(shown, "; "))
}

// npmProject writes package.json and the lockfile into dir and installs
// them with `npm ci --ignore-scripts`: npm checks every tarball against
// the lockfile's integrity, and no install script runs.
func (f *fetcher) npmProject(ctx context.Context, s Source, r npmRecipe, dir string) error {
	if err := checkLock(r, s); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, "package.json"), r.packageJSON, 0o644); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, "package-lock.json"), r.lock, 0o644); err != nil {
		return err
	}
	_, err := f.run(ctx, dir, f.npmEnv(), "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline")
	return err
}

func (f *fetcher) npmTool(ctx context.Context, t Tool) error {
	if _, err := f.npmPack(ctx, t.Source); err != nil {
		return err
	}
	r, err := f.npmRecipe(t.Source, true)
	if err != nil {
		return err
	}
	dir := f.l.tool(t.ID)
	if err := f.npmProject(ctx, t.Source, r, dir); err != nil {
		return err
	}
	return checkExecutable(filepath.Join(dir, filepath.FromSlash(t.Bin)))
}

// Lock writes the committed lockfile of an npm source or tool from its
// pin: package.json as Fetch generates it, resolved by `npm install
// --package-lock-only --ignore-scripts` in a temporary directory. Run it
// after changing an npm pin's version or check_deps, and commit the result.
func Lock(ctx context.Context, pins *Pins, id string, log *slog.Logger) error {
	s, ok := pins.Source(id)
	if !ok || s.Manager != NPM {
		return fmt.Errorf("lock: %q is not an npm source or tool", id)
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	_, isTool := pins.Tool(id)
	tmp, err := os.MkdirTemp("", "realcorpus-lock-")
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer os.RemoveAll(tmp)
	f := &fetcher{pins: pins, l: layout(tmp), log: log, lim: DefaultLimits}
	r, err := f.npmRecipe(s, isTool)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lock: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), r.packageJSON, 0o644); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if _, err := f.run(ctx, tmp, os.Environ(), "npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	lock, err := os.ReadFile(filepath.Join(tmp, "package-lock.json"))
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	r.lock, r.lockFile = lock, filepath.Join(pins.LockDir(id), "package-lock.json")
	if err := checkLock(r, s); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if err := writeFileAtomic(r.lockFile, lock, 0o644); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	log.Info("wrote lockfile", "pin", id, "file", r.lockFile)
	return nil
}

// ---- Debian ----

// debSource downloads a .deb with `apt-get download NAME=VERSION`, checks
// its SHA-256 against the pin and extracts its data archive (read by
// `dpkg-deb --fsys-tarfile`, unpacked by our own extractor) into src/<id>.
func (f *fetcher) debSource(ctx context.Context, s Source) error {
	if err := os.MkdirAll(f.l.downloads(), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(f.l.downloads(), ".apt-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args := []string{"download", "-q"}
	if os.Geteuid() == 0 {
		// apt drops to the _apt user, who cannot write into our directory.
		args = append(args, "-o", "APT::Sandbox::User=root")
	}
	if _, err := f.run(ctx, tmp, os.Environ(), "apt-get", append(args, s.Name+"="+s.Version)...); err != nil {
		return fmt.Errorf("%w (run `apt-get update` if apt has no package lists; a Debian archive keeps only current versions: if %s=%s is gone, pin the version `apt-cache policy %s` offers)", err, s.Name, s.Version, s.Name)
	}
	debs, err := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if err != nil || len(debs) != 1 {
		return fmt.Errorf("apt-get download %s=%s left %d .deb files", s.Name, s.Version, len(debs))
	}
	got, err := debSum(debs[0])
	if err != nil {
		return err
	}
	if got != s.Sum {
		return fmt.Errorf("%w: %s=%s is pinned as %s, the download hashes to %s (removed)", ErrChecksum, s.Name, s.Version, s.Sum, got)
	}
	deb := f.l.download(s)
	if err := os.Rename(debs[0], deb); err != nil {
		return err
	}
	return f.extractDeb(ctx, deb, f.l.src(s.ID))
}

func (f *fetcher) extractDeb(ctx context.Context, deb, dir string) error {
	cmd := exec.CommandContext(ctx, "dpkg-deb", "--fsys-tarfile", deb)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("dpkg-deb (Debian's dpkg is needed for deb pins): %w", err)
	}
	res, xerr := extractTar(out, dir, false, f.lim)
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if xerr != nil {
		_ = removeAll(dir)
		return xerr
	}
	if werr != nil {
		_ = removeAll(dir)
		return fmt.Errorf("dpkg-deb --fsys-tarfile %s: %w: %s", filepath.Base(deb), werr, tail(stderr.Bytes()))
	}
	f.logSkipped(dir, res)
	return nil
}

// ---- helpers ----

// run runs a command, logging it at debug level, and returns its stdout.
// A failure carries the end of its stderr.
func (f *fetcher) run(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	f.log.Debug("run", "dir", dir, "cmd", name+" "+strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

// tail is the last lines of a command's output, for an error message.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 12 {
		lines = lines[len(lines)-12:]
	}
	return strings.Join(lines, "\n")
}

// copyTree copies the regular files and directories of src into dst,
// which must not exist, writable by the owner; the copy is made beside dst
// and renamed into place.
func copyTree(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-")
	if err != nil {
		return err
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		default:
			return fmt.Errorf("%s: not a regular file", p)
		}
	})
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeAll removes a tree even where it was made read-only (module
// cache copies).
func removeAll(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

func checkExecutable(file string) error {
	fi, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("tool binary (the pin's bin must name the binary for %s/%s): %w", runtime.GOOS, runtime.GOARCH, err)
	}
	if fi.Mode()&0o111 == 0 {
		return fmt.Errorf("tool binary %s is not executable", file)
	}
	return nil
}

// checkBench checks a bench file against its pin: SHA-256 and line count.
func checkBench(l layout, pins *Pins, b Bench) error {
	s, _ := pins.Source(b.Source)
	file := filepath.Join(l.root(s), filepath.FromSlash(b.Path))
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("bench %s: %w", b.ID, err)
	}
	sum := sha256.Sum256(data)
	if got := sha256Hex(sum[:]); got != b.SHA256 {
		return fmt.Errorf("bench %s: %w: %s is pinned as sha256 %s, it hashes to %s", b.ID, ErrChecksum, b.Path, b.SHA256, got)
	}
	if got := countLines(data); got != b.Lines {
		return fmt.Errorf("bench %s: %s has %d lines, the pin says %d", b.ID, b.Path, got, b.Lines)
	}
	return nil
}
