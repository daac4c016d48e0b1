package realcorpus

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Manager is the package manager a source or tool is fetched with.
type Manager string

// The package managers this machine reaches.
const (
	Go  Manager = "go"  // the Go module proxy, through `go mod download`
	NPM Manager = "npm" // the npm registry, through `npm pack` and `npm ci`
	Deb Manager = "deb" // Debian's archive, through `apt-get download`
)

// Purpose says who may read a package.
type Purpose string

// The purposes. A rule author reads dev packages while writing rules; check
// packages are held out for the verification run (issue 21) and are never
// read while writing rules, so that the run measures rules on code they were
// not tuned on.
const (
	Dev   Purpose = "dev"
	Check Purpose = "check"
)

// Shape names the form of a benchmark file (issue 16).
type Shape string

// The benchmark shapes.
const (
	ShapeUMD          Shape = "umd"           // a whole library inside one function expression (UMD or IIFE)
	ShapeDescribe     Shape = "describe"      // a test file that is one big describe(...) suite
	ShapeLargeClass   Shape = "large-class"   // a Python module with a class of 3,000+ lines
	ShapeDeepGenerics Shape = "deep-generics" // a TypeScript file of deeply nested generic types
	ShapeLongFunc     Shape = "long-func"     // a Go file with a function of 1,000+ lines
	ShapeMinified     Shape = "minified"      // a minified file of ~300 KB on one line
)

// Shapes lists every shape in a fixed order.
var Shapes = []Shape{ShapeUMD, ShapeDescribe, ShapeLargeClass, ShapeDeepGenerics, ShapeLongFunc, ShapeMinified}

// Source is one download: a Go module, an npm package or a Debian package,
// pinned by version and checksum.
type Source struct {
	ID      string  `toml:"id"`
	Manager Manager `toml:"manager"`
	Name    string  `toml:"name"`
	Version string  `toml:"version"`
	// Sum is the checksum in the manager's own form: Go's h1: hash of the
	// module zip (as in go.sum), npm's integrity (sha512-…), or sha256:<hex>
	// of the .deb file.
	Sum  string `toml:"sum"`
	Note string `toml:"note"`
	// CheckDeps (npm only) are further packages, name → exact version,
	// installed beside the package in its checker project so that its
	// tests type-check (a test framework, peer dependencies).
	CheckDeps map[string]string `toml:"check_deps"`
	// CompilerOptions (npm only) are the TypeScript compiler options of
	// the generated tsconfig.json of the checker project, for packages
	// that ship no tsconfig of their own.
	CompilerOptions map[string]any `toml:"compiler_options"`
}

// Tool is a checker or a competing server, fetched like a source into the
// cache. Bin is the executable, relative to the tool's directory.
type Tool struct {
	Source
	Bin string `toml:"bin"`
	CI  bool   `toml:"ci"`
}

// Package is a unit of the pool: files of one source chosen by Paths, with
// one purpose.
type Package struct {
	ID     string `toml:"id"`
	Source string `toml:"source"`
	// Paths are slash-separated patterns relative to the source's root: a
	// directory names every file under it; "*" matches within one path
	// segment and "**" any number of segments ("src/**/*.ts").
	Paths   []string `toml:"paths"`
	Exclude []string `toml:"exclude"`
	Purpose Purpose  `toml:"purpose"`
	CI      bool     `toml:"ci"`
	Note    string   `toml:"note"`
}

// Bench is a benchmark file, pinned by its own SHA-256 and line count.
type Bench struct {
	ID     string `toml:"id"`
	Shape  Shape  `toml:"shape"`
	Source string `toml:"source"`
	Path   string `toml:"path"`
	SHA256 string `toml:"sha256"`
	Lines  int    `toml:"lines"`
	CI     bool   `toml:"ci"`
	Note   string `toml:"note"`
}

// Pins is a parsed, validated pins file.
type Pins struct {
	// Dir is the directory of the pins file; npm lockfiles live under
	// Dir/npm/<source id>/.
	Dir      string
	Sources  []Source  `toml:"source"`
	Tools    []Tool    `toml:"tool"`
	Packages []Package `toml:"package"`
	Bench    []Bench   `toml:"bench"`
}

// PinsFile is where the repository keeps its pins, relative to the module
// root.
const PinsFile = "testdata/realcorpus/pins.toml"

// DefaultPinsPath finds PinsFile by walking up from the working directory
// to the module root (the directory with go.mod), so that it works from a
// package's tests as well as from the repository root.
func DefaultPinsPath() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("default pins: %w", err)
	}
	dir := wd
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, filepath.FromSlash(PinsFile))
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("default pins: %w", err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("default pins: no go.mod above %s: run inside the repository, or name the pins file", wd)
		}
		dir = parent
	}
}

// LoadPins reads and validates a pins file.
func LoadPins(file string) (*Pins, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("load pins: %w", err)
	}
	p, err := ParsePins(data)
	if err != nil {
		return nil, fmt.Errorf("load pins %s: %w", file, err)
	}
	abs, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, fmt.Errorf("load pins: %w", err)
	}
	p.Dir = abs
	return p, nil
}

// ParsePins parses and validates the TOML text of a pins file. Unknown keys
// are errors, so that a typo does not silently drop a pin.
func ParsePins(data []byte) (*Pins, error) {
	var p Pins
	md, err := toml.Decode(string(data), &p)
	if err != nil {
		return nil, fmt.Errorf("parse pins: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, 0, len(und))
		for _, k := range und {
			// compiler_options is a free-form table.
			if len(k) >= 3 && k[1] == "compiler_options" {
				continue
			}
			keys = append(keys, k.String())
		}
		if len(keys) > 0 {
			return nil, fmt.Errorf("parse pins: unknown keys %s", strings.Join(keys, ", "))
		}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)
	hexSHA256      = regexp.MustCompile(`^[0-9a-f]{64}$`)
	versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+:~_-]{0,127}$`)
	npmNamePattern = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$`)
	debNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]+$`)
	goPathPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~/-]*$`)
)

// Validate checks every pin: unique ids, known managers, purposes and
// shapes, checksums in the manager's form, names and versions that cannot
// be read as command-line options, and relative paths that stay inside
// their source. Every problem is reported, one per line.
func (p *Pins) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	ids := map[string]string{}
	claim := func(kind, id string) {
		if !idPattern.MatchString(id) {
			bad("%s %q: id must match %s", kind, id, idPattern)
			return
		}
		if prev, ok := ids[id]; ok {
			bad("%s %q: duplicate id (also a %s)", kind, id, prev)
			return
		}
		ids[id] = kind
	}
	sources := map[string]bool{}
	seen := map[string]string{}
	checkSource := func(kind string, s Source) {
		claim(kind, s.ID)
		key := string(s.Manager) + " " + s.Name + "@" + s.Version
		if prev, ok := seen[key]; ok {
			bad("%s %q: duplicate of %q (%s)", kind, s.ID, prev, key)
		}
		seen[key] = s.ID
		if err := checkSourcePin(s); err != nil {
			bad("%s %q: %w", kind, s.ID, err)
		}
	}
	for _, s := range p.Sources {
		checkSource("source", s)
		sources[s.ID] = true
	}
	for _, t := range p.Tools {
		checkSource("tool", t.Source)
		if t.Bin == "" || !safeRel(t.Bin) {
			bad("tool %q: bin %q must be a relative path inside the tool's directory", t.ID, t.Bin)
		}
		if len(t.CheckDeps) > 0 || len(t.CompilerOptions) > 0 {
			bad("tool %q: check_deps and compiler_options are for sources", t.ID)
		}
	}
	for _, k := range p.Packages {
		claim("package", k.ID)
		if !sources[k.Source] {
			bad("package %q: unknown source %q", k.ID, k.Source)
		}
		if k.Purpose != Dev && k.Purpose != Check {
			bad("package %q: purpose %q is not %q or %q", k.ID, k.Purpose, Dev, Check)
		}
		if len(k.Paths) == 0 {
			bad("package %q: no paths", k.ID)
		}
		for _, pat := range append(append([]string(nil), k.Paths...), k.Exclude...) {
			if err := checkPattern(pat); err != nil {
				bad("package %q: %w", k.ID, err)
			}
		}
	}
	for _, b := range p.Bench {
		claim("bench", b.ID)
		if !knownShape(b.Shape) {
			bad("bench %q: unknown shape %q", b.ID, b.Shape)
		}
		if !sources[b.Source] {
			bad("bench %q: unknown source %q", b.ID, b.Source)
		}
		if !safeRel(b.Path) {
			bad("bench %q: path %q must be a relative path inside its source", b.ID, b.Path)
		}
		if !hexSHA256.MatchString(b.SHA256) {
			bad("bench %q: sha256 %q is not 64 lower-case hex digits", b.ID, b.SHA256)
		}
		if b.Lines <= 0 {
			bad("bench %q: lines must be positive", b.ID)
		}
	}
	return errors.Join(errs...)
}

func checkSourcePin(s Source) error {
	if s.Name == "" || s.Version == "" {
		return errors.New("name and version are required")
	}
	if !versionPattern.MatchString(s.Version) {
		return fmt.Errorf("version %q has characters a version does not", s.Version)
	}
	if s.Sum == "" {
		return errors.New("missing checksum (sum)")
	}
	switch s.Manager {
	case Go:
		if !goPathPattern.MatchString(s.Name) || strings.Contains(s.Name, "..") {
			return fmt.Errorf("%q is not a module path", s.Name)
		}
		if !validBase64Sum(s.Sum, "h1:", 32) {
			return fmt.Errorf("sum %q is not a go.sum h1: hash", s.Sum)
		}
	case NPM:
		if !npmNamePattern.MatchString(s.Name) {
			return fmt.Errorf("%q is not an npm package name", s.Name)
		}
		if !validBase64Sum(s.Sum, "sha512-", 64) {
			return fmt.Errorf("sum %q is not an npm sha512 integrity", s.Sum)
		}
	case Deb:
		if !debNamePattern.MatchString(s.Name) {
			return fmt.Errorf("%q is not a Debian package name", s.Name)
		}
		if !strings.HasPrefix(s.Sum, "sha256:") || !hexSHA256.MatchString(strings.TrimPrefix(s.Sum, "sha256:")) {
			return fmt.Errorf("sum %q is not sha256:<64 hex digits>", s.Sum)
		}
	case "":
		return errors.New("missing manager")
	default:
		return fmt.Errorf("unknown manager %q (want go, npm or deb)", s.Manager)
	}
	if s.Manager != NPM && (len(s.CheckDeps) > 0 || len(s.CompilerOptions) > 0) {
		return errors.New("check_deps and compiler_options are for npm sources")
	}
	for name, v := range s.CheckDeps {
		if !npmNamePattern.MatchString(name) || !versionPattern.MatchString(v) {
			return fmt.Errorf("check_deps: %q = %q is not an npm name and exact version", name, v)
		}
	}
	return nil
}

func validBase64Sum(sum, prefix string, size int) bool {
	rest, ok := strings.CutPrefix(sum, prefix)
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && len(b) == size
}

func knownShape(s Shape) bool {
	for _, k := range Shapes {
		if s == k {
			return true
		}
	}
	return false
}

// safeRel reports whether p is a clean, slash-separated relative path that
// stays inside the directory it is relative to.
func safeRel(p string) bool {
	if p == "" || strings.Contains(p, `\`) || strings.ContainsRune(p, 0) || path.IsAbs(p) {
		return false
	}
	if path.Clean(p) != p || p == "." {
		return false
	}
	return p != ".." && !strings.HasPrefix(p, "../")
}

func checkPattern(pat string) error {
	if !safeRel(pat) {
		return fmt.Errorf("path %q must be a clean relative path inside its source", pat)
	}
	for _, seg := range strings.Split(pat, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("path %q: %w", pat, err)
		}
	}
	return nil
}

// matchPattern reports whether the slash-separated relative name matches
// pat: "**" matches any number of segments, other segments as path.Match,
// and a pattern also matches every name below what it matches (so a
// directory names its whole tree).
func matchPattern(pat, name string) bool {
	return matchSegs(strings.Split(pat, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return true // a prefix names everything below it
}

// Source returns the source or tool with the given id.
func (p *Pins) Source(id string) (Source, bool) {
	for _, s := range p.Sources {
		if s.ID == id {
			return s, true
		}
	}
	for _, t := range p.Tools {
		if t.ID == id {
			return t.Source, true
		}
	}
	return Source{}, false
}

// Tool returns the tool with the given id.
func (p *Pins) Tool(id string) (Tool, bool) {
	for _, t := range p.Tools {
		if t.ID == id {
			return t, true
		}
	}
	return Tool{}, false
}

// hasPackages reports whether some pool package uses the source; such a
// source gets a checker root (a writable Go module, an npm project).
func (p *Pins) hasPackages(source string) bool {
	for _, k := range p.Packages {
		if k.Source == source {
			return true
		}
	}
	return false
}

// Selection says which pins to fetch or open.
type Selection struct {
	// CI limits the selection to pins marked ci = true (and the sources
	// they use).
	CI bool
	// Only, when not empty, limits it to these ids of packages, bench
	// files, sources or tools (and the sources they use).
	Only []string
}

// selected returns the ids of the sources and tools a selection needs, in
// pins order (sources first), or an error naming an unknown id.
func (p *Pins) selected(sel Selection) ([]string, error) {
	want := map[string]bool{}
	only := map[string]bool{}
	for _, id := range sel.Only {
		only[id] = true
	}
	pick := func(id string, ci bool) bool {
		if sel.CI && !ci {
			return false
		}
		return len(only) == 0 || only[id]
	}
	found := map[string]bool{}
	for _, k := range p.Packages {
		found[k.ID] = true
		if pick(k.ID, k.CI) || (len(only) > 0 && only[k.Source] && (!sel.CI || k.CI)) {
			want[k.Source] = true
		}
	}
	for _, b := range p.Bench {
		found[b.ID] = true
		if pick(b.ID, b.CI) || (len(only) > 0 && only[b.Source] && (!sel.CI || b.CI)) {
			want[b.Source] = true
		}
	}
	for _, s := range p.Sources {
		found[s.ID] = true
		if only[s.ID] || (len(only) == 0 && !sel.CI) {
			want[s.ID] = true
		}
	}
	for _, t := range p.Tools {
		found[t.ID] = true
		if pick(t.ID, t.CI) {
			want[t.ID] = true
		}
	}
	var unknown []string
	for id := range only {
		if !found[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("no pin with id %s", strings.Join(unknown, ", "))
	}
	var ids []string
	for _, s := range p.Sources {
		if want[s.ID] {
			ids = append(ids, s.ID)
		}
	}
	for _, t := range p.Tools {
		if want[t.ID] {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// sha256Hex is the form Bench.SHA256 and deb sums use.
func sha256Hex(sum []byte) string { return hex.EncodeToString(sum) }
