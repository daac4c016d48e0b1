package rules

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/syntax"
)

// Declared targets: what a project says about the versions it supports,
// read from its own files, so that a rule whose fix needs a newer language
// or runtime stays silent in it (no let/const in a package that declares
// engines.node >= 0.4, no f-strings for requires-python >= 3.5).
//
//	JavaScript   package.json: engines.node, browserslist (also .browserslistrc), the
//	             browsers the tests run in (testling.browsers, karma-ie-launcher);
//	             the ESLint config (.eslintrc.json, .eslintrc, package.json eslintConfig):
//	             parserOptions.ecmaVersion, env es6/es20XX, a shared config named
//	             after a Node.js version ("…/node/0.4"), ES5 for a root config that
//	             sets none of these (ESLint's eslintrc default)
//	TypeScript   the same, and tsconfig.json: compilerOptions.target and lib, following extends
//	Python       pyproject.toml: project.requires-python, tool.poetry.dependencies.python;
//	             setup.cfg: options.python_requires; setup.py: python_requires=
//	Go           go.mod: the go line
//
// The nearest such file above the document decides (the search stops at the
// workspace root); ESLint configs count from the document's directory up to
// its package.json's, the nearest that says something deciding. An ES5
// target is how a package that never declares it says so in practice: jQuery
// 3 runs its tests in Internet Explorer (karma-ie-launcher), minimist in
// testling's IE 6 and lints as Node 0.4 code; neither has engines or
// browserslist. Where nothing declares the syntax, a JavaScript package's
// own code may (practice.go: thousands of lines and not one ES2015
// construct); reading the edited file instead was tried and reverted: it
// cost a scan of the whole file per keystroke, and a file without ES2015
// syntax is not a project that forbids it. Project files come from the repository and are not
// trusted: they are read with a size limit, regular files only, parsed as
// data, and can only make SyntX quieter (a declared target silences rules;
// nothing in them enables one). A file that cannot be read or parsed
// declares nothing.

// Target is what a project declares. Zero fields are unknown, and an
// unknown target silences nothing.
type Target struct {
	// ESSyntax is the newest ECMAScript edition (a year) whose syntax the
	// JavaScript may use; ESAPI the newest whose built-ins the runtime (or,
	// for TypeScript, the lib) provides.
	ESSyntax int
	ESAPI    int
	// Node is the oldest Node.js version the package supports, as
	// major*1000+minor (0.4 is 4).
	Node int
	// Python and Go are the oldest language versions, as major*1000+minor.
	Python int
	Go     int
	// Script is set for a JavaScript or TypeScript file that is a program
	// run by hand rather than part of the package's code: below its
	// package.json, it sits in a directory named bench, benchmark(s),
	// scripts or examples, or its name has a .bench. or .benchmark.
	// infix; or its nearest package.json declares bin (a string or an
	// object of commands): the package is a command-line program. What
	// such a file prints is what it is for.
	Script bool
	// Sources names the files the target was read from.
	Sources []string
	// projects and path locate the document, for the facts that are read
	// only when a match asks (the package-level names of its Go package:
	// pkgnames.go).
	projects *Projects
	path     string
}

// Allows reports whether a rule's fix fits the target, for a document
// parsed with grammar g; the reason names what it needs when it does not.
func (t Target) Allows(r *Rule, g syntax.Grammar) (bool, string) {
	q := r.Requires
	if q.ESSyntax != 0 && g == syntax.JavaScript && t.ESSyntax != 0 && t.ESSyntax < q.ESSyntax {
		return false, fmt.Sprintf("the fix needs ES%d syntax; the project targets ES%d", q.ESSyntax, t.ESSyntax)
	}
	if q.ESAPI != 0 && t.ESAPI != 0 && t.ESAPI < q.ESAPI {
		return false, fmt.Sprintf("the fix needs ES%d built-ins; the project targets ES%d", q.ESAPI, t.ESAPI)
	}
	if q.Node != 0 && t.Node != 0 && t.Node < q.Node*1000 {
		return false, fmt.Sprintf("the fix needs Node.js %d; the project supports Node.js %s", q.Node, formatVersion(t.Node))
	}
	if q.Python != "" && t.Python != 0 {
		if v, ok := parseVersion(q.Python); ok && t.Python < v {
			return false, fmt.Sprintf("the fix needs Python %s; the project supports %s", q.Python, formatVersion(t.Python))
		}
	}
	if q.Go != "" && t.Go != 0 {
		if v, ok := parseVersion(q.Go); ok && t.Go < v {
			return false, fmt.Sprintf("the fix needs Go %s; go.mod says %s", q.Go, formatVersion(t.Go))
		}
	}
	if q.NotInScripts && t.Script {
		return false, "the file is a script or benchmark, whose output is its purpose"
	}
	if q.Declared && q.Python != "" && t.Python == 0 {
		return false, fmt.Sprintf("the fix is right only where the project declares Python %s or later; nothing declares a version", q.Python)
	}
	if q.Declared && q.Go != "" && t.Go == 0 {
		return false, fmt.Sprintf("the fix is right only where go.mod declares Go %s or later; no go.mod declares a version", q.Go)
	}
	return true, ""
}

func formatVersion(v int) string { return fmt.Sprintf("%d.%d", v/1000, v%1000) }

// parseVersion reads "3.6", "1.21.3", "3" as major*1000+minor.
func parseVersion(s string) (int, bool) {
	s = strings.TrimSpace(s)
	parts := strings.SplitN(s, ".", 3)
	major, err := strconv.Atoi(parts[0])
	if err != nil || major < 0 {
		return 0, false
	}
	minor := 0
	if len(parts) > 1 {
		m := parts[1]
		if i := strings.IndexFunc(m, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			m = m[:i]
		}
		if m != "" {
			if minor, err = strconv.Atoi(m); err != nil {
				return 0, false
			}
		}
	}
	return major*1000 + minor, true
}

// MaxProjectFileBytes is the largest project file SyntX reads.
const MaxProjectFileBytes = 1 << 20

// maxExtends bounds how many tsconfig files an extends chain may follow.
const maxExtends = 8

// Projects finds and caches the targets of the projects documents belong
// to. It is safe for concurrent use.
type Projects struct {
	root  string // the search stops here ("" : at the file system root)
	mu    sync.Mutex
	files map[string]cachedFile
	dirs  map[string]cachedDir // which ESLint configs a directory holds
	// Untrusted, when set, names project files that declare nothing even
	// when present: `syntx review` passes the files the reviewed change
	// modifies, so that a change cannot silence rules for its own review
	// by editing package.json.
	Untrusted func(path string) bool
	// Buffers, when set, returns the documents open in the editor whose
	// directory is dir, by cleaned path: what another file of a Go package
	// declares is read from its buffer, saved or not, rather than from the
	// disk (pkgnames.go, pkgtypes.go). It must not wait on a document's
	// lock: it is called with one held.
	Buffers func(dir string) map[string]*syntax.Text
	// Now, when set, is the clock (tests); practice holds what
	// es5ByPractice found per package (practice.go).
	Now      func() time.Time
	practice map[string]practiceEntry
	// rescans are the packages being read again in the background, and
	// rescanning waits for them (tests).
	rescans    map[string]bool
	rescanning sync.WaitGroup
	// goFiles holds what Go files declare at package level (pkgnames.go).
	goFiles map[string]goCached[goFileDecls]
	// goTypes holds the struct types Go files declare (pkgtypes.go).
	goTypes map[string]goCached[goFileTypes]
}

// cachedDir records which of eslintProbe are regular files in a directory,
// as of the directory's modification time (creating, deleting or renaming
// a file in a directory changes it) and when they were probed.
type cachedDir struct {
	mod, probed time.Time
	present     []string
}

// racyDir is how long after a directory's modification time a probe is not
// trusted: file systems stamp times from a clock that advances in ticks, so
// a file created in the same tick as the probe could leave the time as it
// was (git's "racy" entries). Two seconds covers the coarsest common tick,
// FAT's and exFAT's (and SMB mounts of them).
const racyDir = 2 * time.Second

type cachedFile struct {
	mod  time.Time
	size int64
	data []byte // nil: unreadable or too large
	// data parsed as a package.json, once asked for (pkgOK: it parsed)
	pkg   *packageJSON
	pkgOK bool
}

// NewProjects returns a Projects that looks for project files up to root.
func NewProjects(root string) *Projects {
	if root != "" {
		root = filepath.Clean(root)
	}
	return &Projects{root: root, files: map[string]cachedFile{}, dirs: map[string]cachedDir{}}
}

// readProjectFile reads a project file: a regular file (not a symbolic
// link, a device or a FIFO) of at most MaxProjectFileBytes, through
// internal/safeio.
func readProjectFile(path string) ([]byte, os.FileInfo, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, info, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := safeio.ReadFile(path, MaxProjectFileBytes)
	return data, info, err
}

// read returns a project file's content (cached by modification time and
// size), or nil when it is missing, unreadable or too large.
func (p *Projects) read(path string) []byte {
	return p.readEntry(path).data
}

// readPackage returns the package.json at path parsed (cached with its
// content), and false when it is missing, unreadable or not JSON.
func (p *Projects) readPackage(path string) (packageJSON, bool) {
	c := p.readEntry(path)
	if c.data == nil {
		return packageJSON{}, false
	}
	if c.pkg == nil {
		c.pkg = &packageJSON{}
		if c.pkgOK = json.Unmarshal(c.data, c.pkg) == nil; !c.pkgOK {
			*c.pkg = packageJSON{}
		}
		p.mu.Lock()
		if cur, ok := p.files[path]; ok && cur.mod.Equal(c.mod) && cur.size == c.size {
			p.files[path] = c
		}
		p.mu.Unlock()
	}
	return *c.pkg, c.pkgOK
}

// readEntry is read with what is cached beside the content.
func (p *Projects) readEntry(path string) cachedFile {
	if p.Untrusted != nil && p.Untrusted(path) {
		return cachedFile{}
	}
	info, err := os.Lstat(path)
	if err != nil {
		return cachedFile{}
	}
	p.mu.Lock()
	c, ok := p.files[path]
	p.mu.Unlock()
	if ok && c.mod.Equal(info.ModTime()) && c.size == info.Size() {
		return c
	}
	data, info2, err := readProjectFile(path)
	if err != nil {
		data = nil
	}
	if info2 == nil {
		info2 = info
	}
	p.mu.Lock()
	if len(p.files) > 1024 {
		clear(p.files)
	}
	c = cachedFile{mod: info2.ModTime(), size: info2.Size(), data: data}
	p.files[path] = c
	p.mu.Unlock()
	return c
}

// exists reports whether a regular file is at path.
func exists(path string) bool {
	info, err := os.Lstat(path)
	return err == nil && info.Mode().IsRegular()
}

// dirsUp lists dir and its parents, up to the root (inclusive) or the file
// system root, at most 64 of them.
func (p *Projects) dirsUp(dir string) []string {
	var out []string
	dir = filepath.Clean(dir)
	for i := 0; i < 64; i++ {
		out = append(out, dir)
		if dir == p.root {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		if p.root != "" && !within(p.root, parent) {
			break
		}
		dir = parent
	}
	return out
}

func within(root, dir string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// For returns the target declared for the document at path (a file system
// path), parsed with grammar g.
func (p *Projects) For(path string, g syntax.Grammar) Target {
	if path == "" {
		return Target{}
	}
	dirs := p.dirsUp(filepath.Dir(path))
	t := Target{projects: p, path: path}
	switch g {
	case syntax.JavaScript, syntax.TypeScript, syntax.TSX:
		pkgDir := p.packageTarget(dirs, &t, g == syntax.JavaScript)
		if g != syntax.JavaScript {
			p.tsconfigTarget(dirs, &t)
		}
		t.Script = t.Script || p.scriptPath(path, pkgDir)
	case syntax.Python:
		p.pythonTarget(dirs, &t)
	case syntax.Go:
		for _, d := range dirs {
			f := filepath.Join(d, "go.mod")
			if !exists(f) {
				continue
			}
			if v, ok := goModVersion(p.read(f)); ok {
				t.Go = v
				t.Sources = append(t.Sources, f)
			}
			break
		}
	}
	return t
}

// commandLine reports whether the package.json declares bin (a path, or
// an object of commands): the package is a command-line program, whose
// output is what it is for (Target.Script).
func (pkg packageJSON) commandLine() bool {
	if len(pkg.Bin) == 0 {
		return false
	}
	var one string
	if json.Unmarshal(pkg.Bin, &one) == nil {
		return strings.TrimSpace(one) != ""
	}
	var byName map[string]any
	return json.Unmarshal(pkg.Bin, &byName) == nil && len(byName) > 0
}

// scriptDirs and scriptInfixes name the scripts of Target.Script.
var (
	scriptDirs    = []string{"bench", "benchmark", "benchmarks", "scripts", "examples"}
	scriptInfixes = []string{".bench.", ".benchmark."}
)

// scriptPath reports whether the file at path is a script (Target.Script).
// Only the directories below top, the nearest package.json's (else below
// the workspace root; else only the file's own name), count: a package
// checked out under ~/scripts is not one.
func (p *Projects) scriptPath(path, top string) bool {
	base := filepath.Base(path)
	for _, x := range scriptInfixes {
		if strings.Contains(base, x) {
			return true
		}
	}
	if top == "" && p.root != "" && within(p.root, filepath.Dir(path)) {
		top = p.root
	}
	if top == "" {
		return false
	}
	rel, err := filepath.Rel(top, filepath.Dir(path))
	if err != nil || rel == "." {
		return false
	}
	for _, d := range strings.Split(filepath.ToSlash(rel), "/") {
		if slices.Contains(scriptDirs, d) {
			return true
		}
	}
	return false
}

// ---- JavaScript: package.json, .browserslistrc, ESLint configs ----

// packageTarget reads the nearest package.json (dirs runs from the
// document's directory up) and what sits beside it and below it: its
// engines, browserslist (also .browserslistrc), the browsers its tests run
// in, the ESLint configuration that applies to the document, and whether
// the package is a command-line program (Target.Script). It returns the
// nearest package.json's directory ("" for none).
func (p *Projects) packageTarget(dirs []string, t *Target, javaScript bool) (pkgDir string) {
	for i, d := range dirs {
		f := filepath.Join(d, "package.json")
		if !exists(f) {
			continue
		}
		pkg, ok := p.readPackage(f)
		if ok {
			pkg.target(f, t)
			t.Script = pkg.commandLine()
		}
		p.browserslistrcTarget(d, t)
		p.eslintTarget(dirs[:i+1], pkg.ESLintConfig, f, t)
		if javaScript && t.ESSyntax == 0 {
			// Nothing declares the syntax: the package's own code may.
			if es5, lines, files := p.es5ByPractice(d); es5 {
				// Its runtimes are ES5's: their built-ins too (moment
				// carries its own indexOf for them).
				t.ESSyntax, t.ESAPI = 2009, minKnown(t.ESAPI, 2009)
				t.Sources = append(t.Sources, fmt.Sprintf("%s (ES5 by practice: no ES2015 syntax in %d lines of %d files)", d, lines, files))
			}
		}
		return d // the nearest package.json decides
	}
	return ""
}

// packageJSON is what SyntX reads of a package.json.
type packageJSON struct {
	Engines         map[string]any  `json:"engines"`
	Browserslist    json.RawMessage `json:"browserslist"`
	Testling        json.RawMessage `json:"testling"`
	DevDependencies map[string]any  `json:"devDependencies"`
	ESLintConfig    json.RawMessage `json:"eslintConfig"`
	Bin             json.RawMessage `json:"bin"`
}

// target lowers t to what the package declares: engines.node, browserslist,
// and the browsers its tests run in (testling's browsers, a Karma launcher
// for Internet Explorer among its devDependencies): a package tested in
// Internet Explorer keeps to ES5, as IE never got ES2015's syntax.
func (pkg packageJSON) target(f string, t *Target) {
	if node, ok := pkg.Engines["node"].(string); ok {
		if v, ok := semverLowest(node); ok {
			t.Node = v
			year := nodeESYear(v / 1000)
			t.ESSyntax, t.ESAPI = minKnown(t.ESSyntax, year), minKnown(t.ESAPI, year)
			t.Sources = append(t.Sources, f)
		}
	}
	year := browserslistYear(browserslistQueries(pkg.Browserslist))
	if testlingIE(pkg.Testling) || pkg.DevDependencies["karma-ie-launcher"] != nil {
		year = 2009
	}
	if year != 0 {
		t.ESSyntax, t.ESAPI = minKnown(t.ESSyntax, year), minKnown(t.ESAPI, year)
		t.Sources = append(t.Sources, f)
	}
}

// testlingIE reports whether package.json's testling field (the browsers
// the package's tests ran in on ci.testling.com: a list, or an object of
// them) names Internet Explorer ("ie/6..latest", "iexplore/9").
func testlingIE(raw json.RawMessage) bool {
	var cfg struct {
		Browsers json.RawMessage `json:"browsers"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &cfg) != nil {
		return false
	}
	var list []string
	if json.Unmarshal(cfg.Browsers, &list) != nil {
		var byName map[string]any
		if json.Unmarshal(cfg.Browsers, &byName) != nil {
			return false
		}
		for name := range byName {
			list = append(list, name)
		}
	}
	for _, b := range list {
		name, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(b)), "/")
		if name == "ie" || name == "iexplore" {
			return true
		}
	}
	return false
}

// browserslistrcTarget reads a .browserslistrc beside package.json.
func (p *Projects) browserslistrcTarget(d string, t *Target) {
	rc := filepath.Join(d, ".browserslistrc")
	if !exists(rc) {
		return
	}
	var queries []string
	for _, line := range strings.Split(string(p.read(rc)), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "[") {
			queries = append(queries, line)
		}
	}
	if year := browserslistYear(queries); year != 0 {
		t.ESSyntax, t.ESAPI = minKnown(t.ESSyntax, year), minKnown(t.ESAPI, year)
		t.Sources = append(t.Sources, rc)
	}
}

// eslintFiles are the configuration files of ESLint's eslintrc format, in
// the order ESLint prefers them in one directory. SyntX parses the JSON
// ones (with comments); a JavaScript or YAML one declares nothing it can
// read, and so does a flat config (eslint.config.*).
var eslintFiles = []string{".eslintrc.js", ".eslintrc.cjs", ".eslintrc.yaml", ".eslintrc.yml", ".eslintrc.json", ".eslintrc"}

var eslintFlatFiles = []string{"eslint.config.js", "eslint.config.mjs", "eslint.config.cjs", "eslint.config.ts"}

// eslintProbe are the ESLint file names looked for in each directory.
var eslintProbe = append(slices.Clone(eslintFlatFiles), eslintFiles...)

// eslintFilesIn returns which of eslintProbe are regular files in dir. It
// probes them (ten Lstat calls) only when dir's modification time changed
// since the last call, or was within racyDir of it: a code action request looks in every directory
// between a document and its package.json, and ten probes each made the
// lookup eight times slower.
func (p *Projects) eslintFilesIn(dir string) []string {
	info, err := os.Lstat(dir)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	c, ok := p.dirs[dir]
	p.mu.Unlock()
	if ok && c.mod.Equal(info.ModTime()) && c.probed.Sub(c.mod) > racyDir {
		return c.present
	}
	probed := time.Now()
	var present []string
	for _, name := range eslintProbe {
		if exists(filepath.Join(dir, name)) {
			present = append(present, name)
		}
	}
	p.mu.Lock()
	if len(p.dirs) > 1024 {
		clear(p.dirs)
	}
	p.dirs[dir] = cachedDir{mod: info.ModTime(), probed: probed, present: present}
	p.mu.Unlock()
	return present
}

// eslintTarget reads the ESLint configuration that applies to a document:
// dirs run from its directory up to the package's (the last), whose
// package.json may hold an eslintConfig. The nearest configuration that
// says which ECMAScript version the code is parsed as decides (see
// eslintYear); one SyntX cannot read, or one that extends a shared config
// it cannot see, stops the search with nothing declared.
func (p *Projects) eslintTarget(dirs []string, pkgConfig json.RawMessage, pkgFile string, t *Target) {
	for i, d := range dirs {
		present := p.eslintFilesIn(d)
		f, data := "", []byte(nil)
		for _, name := range eslintProbe { // flat configs first: they win
			if slices.Contains(present, name) {
				if slices.Contains(eslintFlatFiles, name) {
					return
				}
				f = filepath.Join(d, name)
				data = p.read(f)
				break
			}
		}
		if f == "" && i == len(dirs)-1 && len(pkgConfig) > 0 {
			f, data = pkgFile, pkgConfig
		}
		if f == "" {
			continue
		}
		var cfg eslintConfig
		if strings.HasSuffix(f, ".js") || strings.HasSuffix(f, ".cjs") || strings.HasSuffix(f, ".yaml") || strings.HasSuffix(f, ".yml") ||
			json.Unmarshal(jsonc(data), &cfg) != nil {
			return
		}
		syntaxYear, node, decided := cfg.year()
		if !decided {
			continue
		}
		if syntaxYear != 0 {
			t.ESSyntax = minKnown(t.ESSyntax, syntaxYear)
			t.Sources = append(t.Sources, f)
		}
		if node != 0 {
			t.Node = minKnown(t.Node, node)
			t.ESAPI = minKnown(t.ESAPI, nodeESYear(node/1000))
		}
		return
	}
}

// eslintConfig is what SyntX reads of an eslintrc configuration.
type eslintConfig struct {
	Root          bool            `json:"root"`
	Extends       json.RawMessage `json:"extends"`
	Parser        string          `json:"parser"`
	Env           map[string]any  `json:"env"`
	ParserOptions struct {
		ECMAVersion json.RawMessage `json:"ecmaVersion"`
	} `json:"parserOptions"`
}

// eslintNodeConfig matches a shared config named after the Node.js version
// it lints for, as @ljharb/eslint-config's "node/0.4" … "node/latest".
var eslintNodeConfig = regexp.MustCompile(`(?:^|/)node/v?([0-9]+(?:\.[0-9]+)?)$`)

// year returns the ECMAScript edition whose syntax the configuration
// parses (0: not known) and the Node.js version a shared config it extends
// is named after (0: none), and whether the configuration decides (false:
// look further up). In order: parserOptions.ecmaVersion (3 and 5 are ES5,
// 6 is 2015, 2015 onwards are years, "latest" is not known); an extended
// shared config named after a Node.js version; any other extends, or a
// custom parser, decides nothing SyntX can see; env es6 / es20XX; and a
// root configuration with none of these parses ES5, ESLint's default in
// this format.
func (c eslintConfig) year() (int, int, bool) {
	var v int
	if len(c.ParserOptions.ECMAVersion) > 0 {
		if json.Unmarshal(c.ParserOptions.ECMAVersion, &v) != nil {
			return 0, 0, true // "latest", or not a number
		}
		return ecmaVersionYear(v), 0, true
	}
	var bases []string
	var one string
	if json.Unmarshal(c.Extends, &one) == nil && one != "" {
		bases = []string{one}
	} else {
		_ = json.Unmarshal(c.Extends, &bases)
	}
	for _, b := range bases {
		if m := eslintNodeConfig.FindStringSubmatch(strings.TrimSpace(b)); m != nil {
			if node, ok := parseVersion(m[1]); ok {
				return nodeESYear(node / 1000), node, true
			}
		}
	}
	if len(bases) > 0 || c.Parser != "" {
		return 0, 0, true
	}
	year := 0
	for name, on := range c.Env {
		if b, _ := on.(bool); b {
			if name == "es6" {
				year = max(year, 2015)
			} else if y, ok := esYear(name); ok {
				year = max(year, y)
			}
		}
	}
	if year != 0 {
		return year, 0, true
	}
	if c.Root {
		return 2009, 0, true
	}
	return 0, 0, false
}

// ecmaVersionYear maps ESLint's ecmaVersion (3, 5, 6 … 17, or a year) to a
// year; 0 when it is none of those.
func ecmaVersionYear(v int) int {
	switch {
	case v == 3 || v == 5:
		return 2009
	case v >= 6 && v < 100:
		return 2009 + v
	case v >= 2015 && v <= 2100:
		return v
	}
	return 0
}

// minKnown is the smaller of two values where 0 means unknown.
func minKnown(a, b int) int {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// nodeESYear is the newest ECMAScript edition a Node.js major version
// implements (conservatively: the edition it completes).
func nodeESYear(major int) int {
	switch {
	case major <= 5:
		return 2009
	case major == 6:
		return 2015
	case major == 7:
		return 2016
	case major <= 9:
		return 2017
	case major <= 11:
		return 2018
	case major <= 13:
		return 2019
	case major <= 15:
		return 2020
	case major == 16:
		return 2021
	case major <= 19:
		return 2022
	}
	return 2023
}

var semverTerm = regexp.MustCompile(`(>=|<=|>|<|\^|~|=)?\s*v?([0-9]+|[xX*])(?:\.([0-9]+|[xX*]))?(?:\.([0-9]+|[xX*]))?`)

// semverLowest returns the lowest version a semver range admits, as
// major*1000+minor ("<16" admits 0.1, the oldest we count).
func semverLowest(r string) (int, bool) {
	r = strings.TrimSpace(r)
	if r == "" || r == "*" || r == "x" || r == "latest" {
		return 0, false
	}
	lowest, found := -1, false
	for _, alt := range strings.Split(r, "||") {
		alt = strings.TrimSpace(alt)
		if strings.Contains(alt, " - ") { // a hyphen range: its lower end
			alt = strings.TrimSpace(alt[:strings.Index(alt, " - ")])
		}
		low, have := 0, false
		for _, m := range semverTerm.FindAllStringSubmatch(alt, -1) {
			op := m[1]
			if op == "<" || op == "<=" {
				continue
			}
			if m[2] == "x" || m[2] == "X" || m[2] == "*" {
				have = true
				continue
			}
			major, _ := strconv.Atoi(m[2])
			minor := 0
			if m[3] != "" && m[3] != "x" && m[3] != "X" && m[3] != "*" {
				minor, _ = strconv.Atoi(m[3])
			}
			low, have = major*1000+minor, true
		}
		if !have {
			low = 1 // only upper bounds: everything below them, from 0.1
		}
		if !found || low < lowest {
			lowest, found = low, true
		}
	}
	return lowest, found
}

// browserslistQueries reads package.json's browserslist: a string, a list,
// or an object of environments (all of them count).
func browserslistQueries(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.Split(s, ",")
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var envs map[string][]string
	if json.Unmarshal(raw, &envs) == nil {
		var out []string
		for _, l := range envs {
			out = append(out, l...)
		}
		return out
	}
	return nil
}

var oldBrowsers = regexp.MustCompile(`(?i)(^|[\s,])(ie|explorer|ie_mob|op_mini|operamini)\b`)

// browserslistYear is the edition browserslist queries allow: ES5 when they
// include Internet Explorer or Opera Mini (which never got ES2015), else
// unknown. Only explicit queries count; "defaults" and percentages are not
// resolved against usage data.
func browserslistYear(queries []string) int {
	for _, q := range queries {
		q = strings.TrimSpace(q)
		if strings.HasPrefix(strings.ToLower(q), "not ") {
			continue
		}
		if oldBrowsers.MatchString(q) {
			return 2009
		}
	}
	return 0
}

// ---- TypeScript: tsconfig.json ----

func (p *Projects) tsconfigTarget(dirs []string, t *Target) {
	for _, d := range dirs {
		f := filepath.Join(d, "tsconfig.json")
		if !exists(f) {
			continue
		}
		target, lib, ok := p.tsconfig(f, 0, map[string]bool{})
		if !ok {
			return
		}
		year := tsTargetYear(target)
		if l := tsLibYear(lib); l != 0 {
			year = l
		}
		if year != 0 {
			t.ESAPI = minKnown(t.ESAPI, year)
			t.Sources = append(t.Sources, f)
		}
		return
	}
}

// tsconfig reads compilerOptions.target and .lib from a tsconfig file and
// what it extends (the file's own values win).
func (p *Projects) tsconfig(path string, depth int, seen map[string]bool) (string, []string, bool) {
	if depth > maxExtends || seen[path] {
		return "", nil, false
	}
	seen[path] = true
	data := p.read(path)
	if data == nil {
		return "", nil, false
	}
	var cfg struct {
		Extends         json.RawMessage `json:"extends"`
		CompilerOptions struct {
			Target string   `json:"target"`
			Lib    []string `json:"lib"`
		} `json:"compilerOptions"`
	}
	if json.Unmarshal(jsonc(data), &cfg) != nil {
		return "", nil, false
	}
	target, lib := cfg.CompilerOptions.Target, cfg.CompilerOptions.Lib
	var bases []string
	var one string
	if json.Unmarshal(cfg.Extends, &one) == nil && one != "" {
		bases = []string{one}
	} else {
		_ = json.Unmarshal(cfg.Extends, &bases)
	}
	// Later entries of an extends list override earlier ones.
	for i := len(bases) - 1; i >= 0 && (target == "" || lib == nil); i-- {
		base := p.resolveExtends(filepath.Dir(path), bases[i])
		if base == "" {
			continue
		}
		bt, bl, ok := p.tsconfig(base, depth+1, seen)
		if !ok {
			continue
		}
		if target == "" {
			target = bt
		}
		if lib == nil {
			lib = bl
		}
	}
	return target, lib, true
}

// resolveExtends finds the file an extends entry names: a relative path, or
// a package in a node_modules directory above dir (never outside the root).
func (p *Projects) resolveExtends(dir, ext string) string {
	var candidates []string
	if strings.HasPrefix(ext, ".") || filepath.IsAbs(ext) {
		f := ext
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		candidates = []string{f, f + ".json", filepath.Join(f, "tsconfig.json")}
	} else {
		for _, d := range p.dirsUp(dir) {
			f := filepath.Join(d, "node_modules", filepath.FromSlash(ext))
			candidates = append(candidates, f, f+".json", filepath.Join(f, "tsconfig.json"))
		}
	}
	for _, c := range candidates {
		c = filepath.Clean(c)
		if p.root != "" && !within(p.root, c) {
			continue
		}
		if exists(c) {
			return c
		}
	}
	return ""
}

// jsonc turns JSON with comments and trailing commas (tsconfig's dialect)
// into JSON.
func jsonc(data []byte) []byte {
	out := make([]byte, 0, len(data))
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			out = append(out, c)
			if c == '\\' && i+1 < len(data) {
				i++
				out = append(out, data[i])
			} else if c == '"' {
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			out = append(out, c)
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			i += 2
			for i+1 < len(data) && !(data[i] == '*' && data[i+1] == '/') {
				i++
			}
			i++
		case c == ',':
			// Drop a comma followed only by white space before } or ].
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
				j++
			}
			if j < len(data) && (data[j] == '}' || data[j] == ']') {
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// tsTargetYear maps compilerOptions.target to an edition year (0: unknown
// or ESNext).
func tsTargetYear(target string) int {
	t := strings.ToLower(strings.TrimSpace(target))
	switch t {
	case "es3", "es5":
		return 2009
	case "es6":
		return 2015
	}
	if y, ok := esYear(t); ok {
		return y
	}
	return 0
}

// tsLibYear is the newest full edition a lib list declares (sub-libraries
// such as es2017.object do not raise it); 0 when it names none.
func tsLibYear(lib []string) int {
	year := 0
	for _, l := range lib {
		l = strings.ToLower(strings.TrimSpace(l))
		switch {
		case l == "es5":
			year = max(year, 2009)
		case l == "es6":
			year = max(year, 2015)
		case l == "esnext":
			year = max(year, 9999)
		default:
			if y, ok := esYear(l); ok {
				year = max(year, y)
			}
		}
	}
	if year == 9999 {
		return 0
	}
	return year
}

func esYear(s string) (int, bool) {
	if !strings.HasPrefix(s, "es") || strings.Contains(s, ".") {
		return 0, false
	}
	y, err := strconv.Atoi(s[2:])
	if err != nil || y < 2015 || y > 2100 {
		return 0, false
	}
	return y, true
}

// ---- Python ----

func (p *Projects) pythonTarget(dirs []string, t *Target) {
	for _, d := range dirs {
		found := false
		for _, name := range []string{"pyproject.toml", "setup.cfg", "setup.py"} {
			f := filepath.Join(d, name)
			if !exists(f) {
				continue
			}
			found = true
			if spec, ok := pythonRequires(name, p.read(f)); ok {
				if v, ok := pep440Lowest(spec); ok {
					t.Python = v
					t.Sources = append(t.Sources, f)
					return
				}
			}
		}
		if found {
			return // the nearest project decides, even when it says nothing
		}
	}
}

var (
	setupPyRequires  = regexp.MustCompile(`python_requires\s*=\s*["']([^"']+)["']`)
	setupCfgRequires = regexp.MustCompile(`(?m)^\s*python_requires\s*=\s*(.+?)\s*$`)
	goModGo          = regexp.MustCompile(`(?m)^\s*go\s+([0-9]+\.[0-9]+(?:\.[0-9]+)?)\s*(?://.*)?$`)
)

// pythonRequires extracts the Python version specifier a project file
// declares.
func pythonRequires(name string, data []byte) (string, bool) {
	if data == nil {
		return "", false
	}
	switch name {
	case "pyproject.toml":
		var doc struct {
			Project struct {
				RequiresPython string `toml:"requires-python"`
			} `toml:"project"`
			Tool struct {
				Poetry struct {
					Dependencies map[string]any `toml:"dependencies"`
				} `toml:"poetry"`
			} `toml:"tool"`
		}
		if _, err := toml.Decode(string(data), &doc); err != nil {
			return "", false
		}
		if doc.Project.RequiresPython != "" {
			return doc.Project.RequiresPython, true
		}
		if s, ok := doc.Tool.Poetry.Dependencies["python"].(string); ok {
			return s, true
		}
	case "setup.cfg":
		if m := setupCfgRequires.FindSubmatch(data); m != nil {
			return string(m[1]), true
		}
	case "setup.py":
		if m := setupPyRequires.FindSubmatch(data); m != nil {
			return string(m[1]), true
		}
	}
	return "", false
}

var pep440Term = regexp.MustCompile(`(~=|===|==|!=|>=|<=|>|<|\^|~)?\s*([0-9]+(?:\.[0-9*]+)*)`)

// pep440Lowest returns the lowest version a PEP 440 (or Poetry) specifier
// admits, as major*1000+minor.
func pep440Lowest(spec string) (int, bool) {
	lowest, found := 0, false
	for _, alt := range strings.Split(spec, "||") {
		low, have := 0, false
		for _, m := range pep440Term.FindAllStringSubmatch(alt, -1) {
			switch m[1] {
			case "<", "<=", "!=":
				continue
			}
			v, ok := parseVersion(strings.TrimSuffix(strings.TrimSuffix(m[2], ".*"), "*"))
			if !ok {
				continue
			}
			if m[1] == ">" {
				v++ // >3.5 admits 3.6 onwards (minor granularity)
			}
			if !have || v > low {
				low, have = v, true
			}
		}
		if !have {
			continue
		}
		if !found || low < lowest {
			lowest, found = low, true
		}
	}
	return lowest, found
}

// ---- Go ----

func goModVersion(data []byte) (int, bool) {
	if data == nil {
		return 0, false
	}
	m := goModGo.FindSubmatch(data)
	if m == nil {
		return 0, false
	}
	return parseVersion(string(m[1]))
}
