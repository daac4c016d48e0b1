package rules

import (
	"fmt"
	"go/scanner"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/syntx/syntx/internal/safeio"
	"github.com/syntx/syntx/syntax"
)

// Package-level names. A fix that declares a package-level name (hoisting
// `re := regexp.MustCompile(...)` out of a function as `var re = ...`)
// breaks the build when the package already declares that name: fzf's
// options.go hoisted `placeholder`, which its terminal.go declares. A rule
// says which capture becomes a package-level name (requires.free_package_name),
// and its fix is offered only when that name is free: not declared at
// package level in the document or in another .go file of its directory
// with the same package clause (its _test.go files of that package
// included: go vet compiles them with it), not imported by name in any of
// them (a package-level name may not also be a file's import), not a
// predeclared identifier (hoisting `max` would shadow the builtin in the
// whole package), not init or main, not exported where a file of the
// package has a dot import, and not hoisted by two matches of the rule in
// the same document. The sibling files come from the workspace: they are
// read as data (go/scanner's tokens; nothing is executed), regular files
// only, at most maxGoDirFiles of at most MaxProjectFileBytes and
// maxGoDirBytes in all, and cached per file by modification time and size.
// A file open in the editor is read from its buffer instead, saved or not
// (Projects.Buffers: the server's open documents), and cached by its text.
// Whatever cannot be read that way (a link, a file too large, a directory
// too full, a file that does not tokenize) makes every name taken: in
// doubt, the fix is not offered.

const (
	maxGoDirEntries = 4096
	maxGoDirFiles   = 1000
	maxGoDirBytes   = 32 << 20
)

// goFileDecls is what a Go file declares in its package and file blocks.
type goFileDecls struct {
	pkg     string
	names   []string // package block: func, var, const, type
	imports []string // file block: import names (explicit, or guessed from the path)
	dot     bool     // a dot import
	ok      bool     // the file tokenized and its top level was understood
}

// ownGoDecls is scanGoDecls for a document whose tree is at hand: it scans
// the top level only, each function's header without its body, so that a
// request on a large file reads its declarations, not the file (its text
// is in pieces, and joining them for the scanner copied the file on each
// request). Without a tree, or with errors in it, the whole text is
// scanned.
// TestOwnGoDeclsEqualsScan compares the two on real code.
func ownGoDecls(tree *syntax.Tree, src *syntax.Text) goFileDecls {
	if tree == nil || tree.Root().HasError() {
		return scanGoDecls(src.Bytes())
	}
	root := tree.Root()
	var b []byte
	for i := 0; i < int(root.ChildCount()); i++ {
		n := root.Child(i)
		end := int(n.EndByte())
		body := n.ChildByFieldName("body")
		if t := n.Type(); (t == "function_declaration" || t == "method_declaration") && body != nil {
			end = int(body.StartByte())
		}
		b = append(b, src.Slice(int(n.StartByte()), end)...)
		if end != int(n.EndByte()) {
			b = append(b, "{}"...)
		}
		b = append(b, '\n')
	}
	return scanGoDecls(b)
}

// scanGoDecls reads a Go file's top-level declarations with go/scanner.
// Anything it does not understand at the top level makes it not ok.
func scanGoDecls(src []byte) goFileDecls {
	fset := token.NewFileSet()
	ds := &declScanner{}
	ds.s.Init(fset.AddFile("", -1, len(src)), src, func(token.Position, string) { ds.errs++ }, 0)
	return ds.run()
}

// declScanner is scanGoDecls' state: the scanner, its current token and
// what it found.
type declScanner struct {
	s    scanner.Scanner
	tok  token.Token
	lit  string
	errs int
	d    goFileDecls
}

func (ds *declScanner) next() { _, ds.tok, ds.lit = ds.s.Scan() }

// run reads the package clause, then each top-level declaration.
func (ds *declScanner) run() goFileDecls {
	d := &ds.d
	ds.next()
	if ds.tok != token.PACKAGE {
		return *d
	}
	ds.next()
	if ds.tok != token.IDENT {
		return *d
	}
	d.pkg = ds.lit
	ds.next()
	for ds.tok != token.EOF && ds.errs == 0 {
		switch ds.tok {
		case token.SEMICOLON:
			ds.next()
		case token.IMPORT:
			ds.next()
			ds.group(ds.importSpec)
		case token.FUNC:
			ds.next()
			if ds.tok == token.IDENT {
				d.names = append(d.names, ds.lit)
			}
			ds.skip(false)
		case token.VAR, token.CONST, token.TYPE:
			kind := ds.tok
			ds.next()
			ds.group(func(inGroup bool) { ds.spec(kind, inGroup) })
		default:
			return goFileDecls{pkg: d.pkg}
		}
	}
	d.ok = ds.errs == 0
	return *d
}

// skip moves past the rest of a declaration or spec: to the semicolon
// that ends it at its own depth (consumed), or, inside a group, to the
// group's closing parenthesis (not consumed).
func (ds *declScanner) skip(inGroup bool) {
	depth := 0
	for ds.tok != token.EOF {
		switch ds.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth == 0 && inGroup && ds.tok == token.RPAREN {
				return
			}
			depth--
		case token.SEMICOLON:
			if depth == 0 {
				ds.next()
				return
			}
		}
		ds.next()
	}
}

// importSpec reads one import: its explicit name, a dot, or the name its
// path suggests.
func (ds *declScanner) importSpec(inGroup bool) {
	name, dot := "", false
	switch ds.tok {
	case token.IDENT:
		name = ds.lit
		ds.next()
	case token.PERIOD:
		dot = true
		ds.next()
	}
	if ds.tok != token.STRING {
		ds.errs++
		ds.skip(inGroup)
		return
	}
	path, err := strconv.Unquote(ds.lit)
	if err != nil {
		ds.errs++
	}
	switch {
	case dot:
		ds.d.dot = true
	case name == "_":
	case name != "":
		ds.d.imports = append(ds.d.imports, name)
	default:
		ds.d.imports = append(ds.d.imports, importNames(path)...)
	}
	ds.next()
	ds.skip(inGroup)
}

// spec reads the names a var, const or type spec declares.
func (ds *declScanner) spec(kind token.Token, inGroup bool) {
	if ds.tok == token.IDENT {
		ds.d.names = append(ds.d.names, ds.lit)
		ds.next()
		for kind != token.TYPE && ds.tok == token.COMMA {
			ds.next()
			if ds.tok == token.IDENT {
				ds.d.names = append(ds.d.names, ds.lit)
				ds.next()
			}
		}
	} else {
		ds.errs++
	}
	ds.skip(inGroup)
}

// group reads one spec, or a parenthesised group of them.
func (ds *declScanner) group(each func(inGroup bool)) {
	if ds.tok != token.LPAREN {
		each(false)
		return
	}
	ds.next()
	for ds.tok != token.RPAREN && ds.tok != token.EOF {
		if ds.tok == token.SEMICOLON {
			ds.next()
			continue
		}
		each(true)
	}
	ds.next()
}

var (
	importVersion = regexp.MustCompile(`^v[0-9]+$`)
	importSuffix  = regexp.MustCompile(`\.v[0-9]+$`)
)

// importNames guesses the name an import without one binds from its path:
// the last element, and what packages are usually named after it
// (gopkg.in/yaml.v3 is yaml, go-runewidth is runewidth, …/v2 is the
// element before). The guesses only add names, so a wrong one silences.
func importNames(path string) []string {
	elems := strings.Split(path, "/")
	last := elems[len(elems)-1]
	out := []string{last}
	if importVersion.MatchString(last) && len(elems) > 1 {
		last = elems[len(elems)-2]
		out = append(out, last)
	}
	base := importSuffix.ReplaceAllString(last, "")
	base = strings.TrimSuffix(strings.TrimPrefix(base, "go-"), "-go")
	base = strings.TrimSuffix(base, ".go")
	out = append(out, base, strings.NewReplacer("-", "", ".", "", "_", "").Replace(base), strings.ReplaceAll(base, "-", "_"))
	return out
}

// predeclared are the Go universe block's identifiers, and the names a
// package-level variable may not take.
var predeclared = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`any bool byte comparable complex64 complex128 error float32 float64
		int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr
		true false iota nil
		append cap clear close complex copy delete imag len make max min new panic print println real recover
		init main _`) {
		predeclared[n] = true
	}
}

// goSibling is a .go file beside a document, as goSiblings found it: on
// the disk (info), or open in the editor (text, its buffer).
type goSibling struct {
	path string
	info os.FileInfo
	text *syntax.Text
}

// goStamp is the version of a sibling a cached reading is of: a buffer's
// text (immutable: each edit makes a new one), or a file's modification
// time and size.
type goStamp struct {
	mod  time.Time
	size int64
	text *syntax.Text
}

func (f goSibling) stamp() goStamp {
	if f.text != nil {
		return goStamp{text: f.text}
	}
	return goStamp{mod: f.info.ModTime(), size: f.info.Size()}
}

// current reports whether a reading stamped s is of f as it is now. A file
// modified within racyDir could change again in the same clock tick.
func (s goStamp) current(f goSibling) bool {
	if f.text != nil || s.text != nil {
		return s.text == f.text
	}
	return s.mod.Equal(f.info.ModTime()) && s.size == f.info.Size() && time.Since(s.mod) > racyDir
}

// read returns the sibling's content.
func (f goSibling) read() ([]byte, error) {
	if f.text != nil {
		return f.text.Slice(0, f.text.Len()), nil
	}
	return safeio.ReadFile(f.path, MaxProjectFileBytes)
}

// goSiblings lists the .go files of dir other than the one at exclude, and
// false when they cannot all be read as data: a link or another file that
// is not regular, a file too large, a directory too full. A file open in
// the editor (Projects.Buffers) is its buffer, which it is listed with
// even when it was never saved.
func (p *Projects) goSiblings(dir, exclude string) ([]goSibling, bool) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	entries, err := f.ReadDir(maxGoDirEntries + 1)
	f.Close()
	if err != nil && err != io.EOF || len(entries) > maxGoDirEntries {
		return nil, false
	}
	var buffers map[string]*syntax.Text
	if p.Buffers != nil {
		buffers = p.Buffers(dir)
	}
	var out []goSibling
	total := int64(0)
	add := func(s goSibling, size int64) bool {
		total += size
		out = append(out, s)
		return len(out) <= maxGoDirFiles && size <= MaxProjectFileBytes && total <= maxGoDirBytes
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if path == exclude {
			continue
		}
		if t := buffers[path]; t != nil {
			delete(buffers, path)
			if !add(goSibling{path: path, text: t}, int64(t.Len())) {
				return nil, false
			}
			continue
		}
		info, err := os.Lstat(path)
		if err != nil {
			return nil, false
		}
		if info.IsDir() {
			continue
		}
		if !info.Mode().IsRegular() { // a link, a FIFO: not read, so not known
			return nil, false
		}
		if !add(goSibling{path: path, info: info}, info.Size()) {
			return nil, false
		}
	}
	for _, path := range slices.Sorted(maps.Keys(buffers)) { // open, never saved
		t := buffers[path]
		if t == nil || path == exclude || !strings.HasSuffix(path, ".go") || filepath.Dir(path) != dir {
			continue
		}
		if !add(goSibling{path: path, text: t}, int64(t.Len())) {
			return nil, false
		}
	}
	return out, true
}

// goPackageNames returns the names the package pkg declares or imports in
// the sibling files, whether one of them has a dot import, and false when
// they cannot all be read.
func (p *Projects) goPackageNames(files []goSibling, pkg string) (map[string]bool, bool, bool) {
	names, dot := map[string]bool{}, false
	for _, f := range files {
		d, ok := p.goFileDecls(f)
		if !ok || !d.ok {
			return nil, false, false
		}
		if d.pkg != pkg {
			continue
		}
		for _, n := range d.names {
			names[n] = true
		}
		for _, n := range d.imports {
			names[n] = true
		}
		dot = dot || d.dot
	}
	return names, dot, true
}

// goFileDecls scans a sibling file, or returns what it found last time when
// the file has not changed. Files changed by a reviewed change
// (Projects.Untrusted) are read too: ignoring one could offer a fix that
// does not build.
func (p *Projects) goFileDecls(f goSibling) (goFileDecls, bool) {
	return readSibling(p, &p.goFiles, f, scanGoDecls)
}

// goCached is what was read from a sibling Go file, and of which version.
type goCached[T any] struct {
	stamp goStamp
	value T
}

// readSibling returns what read makes of a sibling Go file, from cache
// while the sibling is the version it was read at (goStamp.current). The
// cache holds at most 4,096 files, and starts over past that.
func readSibling[T any](p *Projects, cache *map[string]goCached[T], f goSibling, read func([]byte) T) (T, bool) {
	p.mu.Lock()
	c, ok := (*cache)[f.path]
	p.mu.Unlock()
	if ok && c.stamp.current(f) {
		return c.value, true
	}
	data, err := f.read()
	if err != nil {
		var zero T
		return zero, false
	}
	v := read(data)
	p.mu.Lock()
	if *cache == nil || len(*cache) > 4096 {
		*cache = map[string]goCached[T]{}
	}
	(*cache)[f.path] = goCached[T]{stamp: f.stamp(), value: v}
	p.mu.Unlock()
	return v, true
}

// DocTarget is a Target applied to one document: Allows checks a match
// against the project's target and, for a rule whose fix declares a
// package-level name, against the names the package already uses.
type DocTarget struct {
	Target
	tree *syntax.Tree
	src  *syntax.Text
	all  func() ([]Match, bool)

	ownRead bool
	own     goFileDecls
	// sibs are the package's other files (siblings), listed once.
	sibsRead bool
	sibs     []goSibling
	sibsOK   bool
	scanned  bool
	pkg      map[string]bool
	dot      bool
	pkgOK    bool
	counted  map[*Rule]map[string]int
	countOK  map[*Rule]bool

	structsRead bool
	structs     map[string]map[string]string
	structsOK   bool
	// types is the environment known_type's inference runs in (knownTypes).
	types *evalEnv
}

// siblings lists the document's package's other files once (goSiblings):
// none for a document without a path (an unsaved buffer, an example, whose
// Target may have no Projects: reading no files needs none), and false
// when they cannot all be read.
func (d *DocTarget) siblings() ([]goSibling, bool) {
	if !d.sibsRead {
		d.sibsRead = true
		switch {
		case d.Target.path == "":
			d.sibsOK = true
		case d.Target.projects != nil:
			path := filepath.Clean(d.Target.path)
			d.sibs, d.sibsOK = d.Target.projects.goSiblings(filepath.Dir(path), path)
		}
	}
	return d.sibs, d.sibsOK
}

// ownDecls is what the document declares at package level, read once.
func (d *DocTarget) ownDecls() goFileDecls {
	if !d.ownRead {
		d.ownRead = true
		d.own = ownGoDecls(d.tree, d.src)
	}
	return d.own
}

// Doc applies t to a document whose text (the text match spans index) is
// src; all returns every match in it, and false when they are not all known
// (only rules with requires.free_package_name ask for them).
func (t Target) Doc(tree *syntax.Tree, src *syntax.Text, all func() ([]Match, bool)) *DocTarget {
	return &DocTarget{Target: t, tree: tree, src: src, all: all}
}

// Allows reports whether the match's fix fits the document's target; the
// reason says why not.
func (d *DocTarget) Allows(m Match, g syntax.Grammar) (bool, string) {
	if ok, why := d.Target.Allows(m.Rule, g); !ok {
		return false, why
	}
	return d.allowsHere(m, g)
}

// allowsHere is Allows without the project's target: what the document and
// its package decide (requires.known_type, requires.free_package_name).
func (d *DocTarget) allowsHere(m Match, g syntax.Grammar) (bool, string) {
	if g != syntax.Go {
		return true, ""
	}
	if why := d.knownTypes(m); why != "" {
		return false, why
	}
	c := m.Rule.Requires.FreePackageName
	if c == "" {
		return true, ""
	}
	name, ok := d.captureText(m, c)
	if !ok {
		return false, "the name the fix declares is not known"
	}
	if why := d.taken(name); why != "" {
		return false, fmt.Sprintf("the fix declares %s at package level, but %s", name, why)
	}
	counts := d.count(m.Rule, c) // before reading countOK, which it sets
	if n, ok := counts[name], d.countOK[m.Rule]; !ok || n > 1 {
		return false, fmt.Sprintf("the fix declares %s at package level, and so would another site in the file", name)
	}
	return true, ""
}

func (d *DocTarget) captureText(m Match, name string) (string, bool) {
	for _, c := range m.Captures {
		if c.Name == name && c.Span.Start >= 0 && c.Span.Start <= c.Span.End && c.Span.End <= d.src.Len() {
			return d.src.String(c.Span.Start, c.Span.End), true
		}
	}
	return "", false
}

// taken says why name may not become a package-level name ("" when it may).
func (d *DocTarget) taken(name string) string {
	if predeclared[name] {
		return "it is predeclared (or init, main)"
	}
	if !d.scanned {
		d.scanned = true
		if own := d.ownDecls(); own.ok {
			if files, ok := d.siblings(); ok {
				d.pkg, d.dot, d.pkgOK = d.Target.projects.goPackageNames(files, own.pkg)
			}
		}
	}
	if !d.own.ok {
		return "the file's declarations could not be read"
	}
	for _, n := range d.own.names {
		if n == name {
			return "the file already declares it"
		}
	}
	for _, n := range d.own.imports {
		if n == name {
			return "the file imports a package by that name"
		}
	}
	if !d.pkgOK {
		return "the package's other files could not all be read"
	}
	if d.pkg[name] {
		return "another file of the package declares or imports it"
	}
	if r, _ := utf8.DecodeRuneInString(name); unicode.IsUpper(r) && (d.dot || d.own.dot) {
		return "a file of the package has a dot import"
	}
	return ""
}

// count returns how many matches of r in the document declare each name.
func (d *DocTarget) count(r *Rule, capture string) map[string]int {
	if d.counted == nil {
		d.counted, d.countOK = map[*Rule]map[string]int{}, map[*Rule]bool{}
	}
	if c, ok := d.counted[r]; ok {
		return c
	}
	c := map[string]int{}
	ok := false
	if d.all != nil {
		var all []Match
		if all, ok = d.all(); ok {
			for _, m := range all {
				if m.Rule != r {
					continue
				}
				if n, found := d.captureText(m, capture); found {
					c[n]++
				}
			}
		}
	}
	d.counted[r], d.countOK[r] = c, ok
	return c
}
