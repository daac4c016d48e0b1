package realcorpus

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/syntx/syntx/syntax"
)

// Role is a file's role by its language's conventions.
type Role string

// The roles.
const (
	Test Role = "test"
	Prod Role = "prod"
)

// Flags mark files a rule or a benchmark may want to leave out.
type Flags uint8

// The flags.
const (
	Generated Flags = 1 << iota // a "Code generated … DO NOT EDIT." or @generated header
	Minified                    // .min. in the name, or lines averaging over 200 bytes
	Vendored                    // under vendor/, third_party/, node_modules/, _vendor/, …
)

func (f Flags) String() string {
	var parts []string
	for _, x := range []struct {
		f    Flags
		name string
	}{{Generated, "generated"}, {Minified, "minified"}, {Vendored, "vendored"}} {
		if f&x.f != 0 {
			parts = append(parts, x.name)
		}
	}
	return strings.Join(parts, ",")
}

// File is one file of the pool.
type File struct {
	Path     string         // absolute
	Rel      string         // slash-separated, relative to its source's root
	Package  string         // the pool package's id
	Source   string         // the source's id
	Language syntax.Grammar // the grammar SyntX parses it with
	Role     Role
	Purpose  Purpose
	Flags    Flags
	Lines    int
	Bytes    int64
	// GoImport is the import path of a Go file's package ("net/http",
	// "gopkg.in/yaml.v3"): what `go vet` is given.
	GoImport string
}

// BenchFile is a fetched, verified benchmark file.
type BenchFile struct {
	Bench
	File  string // absolute path
	Bytes int64
}

// Checker says how to run a language's own checker on a package's files:
// in Dir, with Env appended to os.Environ() (later entries win, as
// os/exec does).
//
//   - Go: Dir is a writable copy of the module (GOROOT/src for the
//     standard library); run `Go vet [-overlay FILE.json] IMPORTPATH`
//     there (File.GoImport). Env makes it offline (GOPROXY=off, the
//     cache's GOMODCACHE; GOROOT for the standard library).
//   - npm: Dir is the checker project (node_modules installed from the
//     committed lockfile, the package under package/); TSConfig, when the
//     pin has compiler options, is its generated tsconfig.json: run
//     `tsc --noEmit -p TSConfig`.
//   - deb: Dir is the extracted tree; run pyflakes or py_compile on the
//     files.
//
// A checker never edits the corpus: it checks a changed copy, or uses an
// overlay (go vet -overlay). `realcorpus verify` catches a tree that was
// edited in place.
type Checker struct {
	Manager  Manager
	Dir      string
	Env      []string
	Go       string // Go: the go command to run (the pinned toolchain's own for the standard library)
	TSConfig string // npm: generated tsconfig.json, "" when the pin has no compiler options
}

// Tools are the paths of the checkers and competing servers; "" for one
// that is not available.
type Tools struct {
	Go       string // go on PATH (the standard library uses Checker.Go)
	Node     string // node on PATH
	TSC      string // the pinned typescript's tsc
	AstGrep  string // the pinned @ast-grep/cli's ast-grep binary
	Gopls    string // the pinned gopls
	Python   string // Debian's python3 (/usr/bin/python3), which has Debian's pyflakes
	Pyflakes string // Debian's pyflakes3 (python3-pyflakes)
}

// Corpus is an opened cache: the pins whose roots are fetched and match
// them, and the files of their pool packages.
type Corpus struct {
	pins    *Pins
	l       layout
	present map[string]bool // source and tool ids
	missing []string
	files   []File
	bench   []BenchFile
}

// ErrNotFetched is returned by Open when no pin is fetched.
var ErrNotFetched = errors.New("real-code corpus not fetched")

// Open reads the cache: every source or tool whose state marker matches
// its pin is present; the others are listed by Missing. It enumerates and
// classifies the pool files of the present sources and checks each
// present bench file's SHA-256 and line count (a mismatch is an error).
// With nothing fetched it returns an error wrapping ErrNotFetched.
func Open(cacheDir string, pins *Pins) (*Corpus, error) {
	c := &Corpus{pins: pins, l: layout(cacheDir), present: map[string]bool{}}
	f := &fetcher{pins: pins, l: c.l}
	check := func(s Source, isTool bool) {
		want, err := f.wantMarker(s, isTool)
		have, herr := readMarker(c.l.state(s.ID))
		dir := c.l.src(s.ID)
		if isTool {
			dir = c.l.tool(s.ID)
		}
		_, derr := os.Stat(dir)
		if err == nil && herr == nil && derr == nil && have == want {
			c.present[s.ID] = true
		} else {
			c.missing = append(c.missing, s.ID)
		}
	}
	for _, s := range pins.Sources {
		check(s, false)
	}
	for _, t := range pins.Tools {
		check(t.Source, true)
	}
	if len(c.present) == 0 {
		return nil, fmt.Errorf("%w in %s (run `make realcorpus` or `make realcorpus-ci`)", ErrNotFetched, cacheDir)
	}
	owner := map[string]string{} // source/rel → package
	for _, k := range pins.Packages {
		if !c.present[k.Source] {
			continue
		}
		files, err := c.enumerate(k)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			key := f.Source + "/" + f.Rel
			if other, ok := owner[key]; ok {
				// One file, two purposes: a held-out file could be read as dev.
				return nil, fmt.Errorf("open corpus: %s of %s is in packages %s and %s", f.Rel, f.Source, other, k.ID)
			}
			owner[key] = k.ID
		}
		c.files = append(c.files, files...)
	}
	var errs []error
	for _, b := range pins.Bench {
		if !c.present[b.Source] {
			continue
		}
		if err := checkBench(c.l, pins, b); err != nil {
			errs = append(errs, err)
			continue
		}
		s, _ := pins.Source(b.Source)
		file := filepath.Join(c.l.root(s), filepath.FromSlash(b.Path))
		fi, err := os.Stat(file)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.bench = append(c.bench, BenchFile{Bench: b, File: file, Bytes: fi.Size()})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("open corpus: %w", err)
	}
	return c, nil
}

// OpenDefault opens DefaultCacheDir with the repository's pins
// (DefaultPinsPath): what a benchmark or a check command run from the
// repository uses.
func OpenDefault() (*Corpus, error) {
	file, err := DefaultPinsPath()
	if err != nil {
		return nil, err
	}
	pins, err := LoadPins(file)
	if err != nil {
		return nil, err
	}
	dir, err := DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	return Open(dir, pins)
}

// Dir is the cache directory.
func (c *Corpus) Dir() string { return string(c.l) }

// Pins are the pins the corpus was opened with.
func (c *Corpus) Pins() *Pins { return c.pins }

// Missing lists the ids of sources and tools that are pinned but not
// fetched (or fetched from another pin).
func (c *Corpus) Missing() []string { return append([]string(nil), c.missing...) }

// Has reports whether a package, bench file, source or tool is fetched.
func (c *Corpus) Has(id string) bool {
	if c.present[id] {
		return true
	}
	for _, k := range c.pins.Packages {
		if k.ID == id {
			return c.present[k.Source]
		}
	}
	for _, b := range c.pins.Bench {
		if b.ID == id {
			return c.present[b.Source]
		}
	}
	return false
}

// Root is the directory a source's paths are relative to.
func (c *Corpus) Root(source string) (string, bool) {
	s, ok := c.pins.Source(source)
	if !ok || !c.present[source] {
		return "", false
	}
	return c.l.root(s), true
}

// Filter selects files; a zero field selects everything.
type Filter struct {
	Language syntax.Grammar
	Purpose  Purpose
	Role     Role
	Package  string
	// Without leaves out files with any of these flags.
	Without Flags
}

// Files returns the pool files that pass the filter, ordered by package
// (in pins order) and path.
func (c *Corpus) Files(f Filter) []File {
	var out []File
	for _, x := range c.files {
		if (f.Language == "" || x.Language == f.Language) &&
			(f.Purpose == "" || x.Purpose == f.Purpose) &&
			(f.Role == "" || x.Role == f.Role) &&
			(f.Package == "" || x.Package == f.Package) &&
			x.Flags&f.Without == 0 {
			out = append(out, x)
		}
	}
	return out
}

// Bench returns the fetched bench files of a shape, smallest first.
func (c *Corpus) Bench(shape Shape) []BenchFile {
	var out []BenchFile
	for _, b := range c.bench {
		if b.Shape == shape {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Lines < out[j].Lines })
	return out
}

// PrimaryLines is the size issue 16's benchmarks are about.
const PrimaryLines = 5000

// Primary is the fetched bench file of a shape that is closest to
// PrimaryLines lines: the one a per-shape benchmark uses, while Bench(ShapeUMD)
// is the size series.
func (c *Corpus) Primary(shape Shape) (BenchFile, bool) {
	var best BenchFile
	found := false
	for _, b := range c.Bench(shape) {
		if !found || abs(b.Lines-PrimaryLines) < abs(best.Lines-PrimaryLines) {
			best, found = b, true
		}
	}
	return best, found
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Checker returns how to check the files of a fetched package, bench file
// or source (id is any of the three): the checker root is the source's.
func (c *Corpus) Checker(id string) (Checker, error) {
	source := id
	for _, k := range c.pins.Packages {
		if k.ID == id {
			source = k.Source
		}
	}
	for _, b := range c.pins.Bench {
		if b.ID == id {
			source = b.Source
		}
	}
	if _, isTool := c.pins.Tool(source); isTool {
		return Checker{}, fmt.Errorf("checker: %q is a tool", id)
	}
	if _, ok := c.pins.Source(source); !ok {
		return Checker{}, fmt.Errorf("checker: no package, bench file or source %q", id)
	}
	if !c.present[source] {
		return Checker{}, fmt.Errorf("checker: %q: source %q is not fetched", id, source)
	}
	s, _ := c.pins.Source(source)
	ch := Checker{Manager: s.Manager, Dir: c.l.src(s.ID)}
	switch {
	case isToolchain(s):
		ch.Dir = filepath.Join(ch.Dir, "src")
		ch.Go = filepath.Join(c.l.src(s.ID), "bin", "go")
		ch.Env = checkEnvStd(c.l.src(s.ID))
	case s.Manager == Go:
		ch.Go = c.Tools().Go
		ch.Env = checkEnvGo(c.l)
	case s.Manager == NPM && len(s.CompilerOptions) > 0:
		ch.TSConfig = filepath.Join(ch.Dir, "tsconfig.json")
	}
	return ch, nil
}

// Tools returns the tool paths: pinned tools when fetched, the others from
// the machine.
func (c *Corpus) Tools() Tools {
	var t Tools
	t.Go, _ = exec.LookPath("go")
	t.Node, _ = exec.LookPath("node")
	t.Pyflakes, _ = exec.LookPath("pyflakes3")
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		t.Python = "/usr/bin/python3"
	}
	for _, x := range c.pins.Tools {
		if !c.present[x.ID] {
			continue
		}
		bin := filepath.Join(c.l.tool(x.ID), filepath.FromSlash(x.Bin))
		switch x.ID {
		case "typescript":
			t.TSC = bin
		case "ast-grep":
			t.AstGrep = bin
		case "gopls":
			t.Gopls = bin
		}
	}
	return t
}

// enumerate lists and classifies a package's files. Each path pattern is
// walked from its longest prefix without wildcards, so that a package of a
// large source (GOROOT) costs what its own directories cost.
func (c *Corpus) enumerate(k Package) ([]File, error) {
	s, _ := c.pins.Source(k.Source)
	root := c.l.root(s)
	var files []File
	seen := map[string]bool{}
	visit := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if seen[rel] || !matchAny(k.Paths, rel) || matchAny(k.Exclude, rel) {
			return nil
		}
		seen[rel] = true
		lang := language(rel)
		if lang == "" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f := File{
			Path: p, Rel: rel, Package: k.ID, Source: s.ID, Language: lang,
			Role: role(lang, rel), Purpose: k.Purpose, Flags: flags(rel, data),
			Lines: countLines(data), Bytes: int64(len(data)),
		}
		if lang == syntax.Go {
			f.GoImport = goImport(s, rel)
		}
		files = append(files, f)
		return nil
	}
	for _, pat := range k.Paths {
		start := filepath.Join(root, filepath.FromSlash(literalPrefix(pat)))
		if _, err := os.Lstat(start); errors.Is(err, fs.ErrNotExist) {
			continue // reported below if no pattern matches anything
		}
		if err := filepath.WalkDir(start, visit); err != nil {
			return nil, fmt.Errorf("open corpus: package %s: %w", k.ID, err)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("open corpus: package %s: no files match its paths", k.ID)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Rel < files[j].Rel })
	return files, nil
}

// literalPrefix is the part of a pattern before its first wildcard
// segment ("src/net/url/*.go" → "src/net/url"; "**" → ".").
func literalPrefix(pat string) string {
	segs := strings.Split(pat, "/")
	for i, seg := range segs {
		if strings.ContainsAny(seg, "*?[\\") {
			return path.Join(append([]string{"."}, segs[:i]...)...)
		}
	}
	return pat
}

func matchAny(pats []string, rel string) bool {
	for _, p := range pats {
		if matchPattern(p, rel) {
			return true
		}
	}
	return false
}

// language is the grammar of a pool file (syntax.Detect's mapping), ""
// for files the pool leaves out: other languages, and TypeScript
// declaration files and Python stubs, which hold no code to rewrite.
func language(rel string) syntax.Grammar {
	base := path.Base(rel)
	for _, ext := range []string{".d.ts", ".d.mts", ".d.cts", ".pyi"} {
		if strings.HasSuffix(base, ext) {
			return ""
		}
	}
	return syntax.Detect("", rel)
}

var jsTestName = regexp.MustCompile(`\.(test|spec|test-d)\.[cm]?[jt]sx?$`)

// role classifies a file by its language's conventions: Go's _test.go;
// Python's test_*.py, *_test.py, conftest.py and test/ or tests/
// directories; JavaScript's and TypeScript's *.test.*, *.spec.* and
// *.test-d.* names and __tests__/, test/, tests/, spec/ directories.
func role(lang syntax.Grammar, rel string) Role {
	base := path.Base(rel)
	dirs := strings.Split(path.Dir(rel), "/")
	inDir := func(names ...string) bool {
		for _, d := range dirs {
			for _, n := range names {
				if d == n {
					return true
				}
			}
		}
		return false
	}
	switch lang {
	case syntax.Go:
		if strings.HasSuffix(base, "_test.go") {
			return Test
		}
	case syntax.Python:
		if strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") || base == "conftest.py" || inDir("test", "tests") {
			return Test
		}
	default:
		if jsTestName.MatchString(base) || inDir("__tests__", "test", "tests", "spec") {
			return Test
		}
	}
	return Prod
}

var (
	goGenerated  = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)
	anyGenerated = regexp.MustCompile(`(?i)@generated|do not edit|auto-?generated|automatically generated`)
)

// flags marks generated, minified and vendored files. Generated: Go's
// "// Code generated … DO NOT EDIT." line, or in the first 1,024 bytes of
// other files "@generated", "do not edit", "autogenerated" or
// "automatically generated". Minified: ".min." in the name, or more than
// 200 bytes a line on average in a file over 2 KiB. Vendored: a directory
// vendor, vendored, _vendor, third_party, node_modules or
// bower_components on the path.
func flags(rel string, data []byte) Flags {
	var f Flags
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	if strings.HasSuffix(rel, ".go") {
		if goGenerated.Match(data) {
			f |= Generated
		}
	} else if anyGenerated.Match(head) {
		f |= Generated
	}
	lines := countLines(data)
	if strings.Contains(path.Base(rel), ".min.") || (len(data) > 2048 && len(data)/max(lines, 1) > 200) {
		f |= Minified
	}
	for _, d := range strings.Split(path.Dir(rel), "/") {
		switch d {
		case "vendor", "vendored", "_vendor", "third_party", "node_modules", "bower_components":
			f |= Vendored
		}
	}
	return f
}

// countLines counts lines as an editor shows them: a last line without a
// newline counts too.
func countLines(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// goImport is the import path of a Go file's directory.
func goImport(s Source, rel string) string {
	dir := path.Dir(rel)
	if isToolchain(s) {
		return strings.TrimPrefix(dir, "src/")
	}
	if dir == "." {
		return s.Name
	}
	return s.Name + "/" + dir
}

// Verify re-checks what is fetched against the pins: every kept download
// is hashed again (Go zips with go.sum's h1:, npm tarballs with sha512,
// .debs with SHA-256), every root against the manifest written when it was
// built, and every bench file against its SHA-256 and line count. Pins in
// the selection that are not fetched are errors too.
func Verify(pins *Pins, cacheDir string, sel Selection) error {
	ids, err := pins.selected(sel)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	l := layout(cacheDir)
	f := &fetcher{pins: pins, l: l}
	var errs []error
	ok := map[string]bool{}
	for _, id := range ids {
		s, _ := pins.Source(id)
		_, isTool := pins.Tool(id)
		if err := verifyOne(f, s, isTool); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		ok[id] = true
	}
	for _, b := range pins.Bench {
		if ok[b.Source] {
			if err := checkBench(l, pins, b); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func verifyOne(f *fetcher, s Source, isTool bool) error {
	l := f.l
	want, err := f.wantMarker(s, isTool)
	if err != nil {
		return err
	}
	have, err := readMarker(l.state(s.ID))
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("not fetched")
	}
	if err != nil {
		return err
	}
	if have != want {
		return errors.New("fetched from another pin; fetch again")
	}
	var got string
	switch s.Manager {
	case Go:
		got, err = goZipSum(goZipPath(l, s))
	case NPM:
		got, err = npmIntegrity(l.download(s))
	case Deb:
		got, err = debSum(l.download(s))
	}
	if err != nil {
		return err
	}
	if got != s.Sum {
		return fmt.Errorf("%w: the kept download hashes to %s, the pin says %s", ErrChecksum, got, s.Sum)
	}
	dir := l.src(s.ID)
	if isTool {
		dir = l.tool(s.ID)
	}
	wantM, err := readManifest(l.manifest(s.ID))
	if err != nil {
		return err
	}
	haveM, err := treeManifest(dir, "node_modules")
	if err != nil {
		return err
	}
	if err := wantM.diff(haveM); err != nil {
		return fmt.Errorf("%s differs from what was fetched: %w", dir, err)
	}
	return nil
}

// goZipPath is where the module cache keeps a module's zip
// (cache/download/<escaped path>/@v/<version>.zip).
func goZipPath(l layout, s Source) string {
	return filepath.Join(l.gomod(), "cache", "download", filepath.FromSlash(escapeModPath(s.Name)), "@v", escapeModPath(s.Version)+".zip")
}

// escapeModPath is the module cache's case encoding: an upper-case letter
// becomes '!' and its lower case.
func escapeModPath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			b.WriteRune(r + ('a' - 'A'))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
