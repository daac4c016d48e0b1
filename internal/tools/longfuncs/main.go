// Command longfuncs keeps functions short: it lists every function or method
// of the module's non-test, non-generated Go code (testdata, vendor and
// node_modules left out) that spans at least -max lines, from its `func`
// keyword to its closing brace, and fails when one is not on the allowlist.
//
//	go run ./internal/tools/longfuncs              # check (make lint runs this)
//	go run ./internal/tools/longfuncs -list        # every long function, longest first
//	go run ./internal/tools/longfuncs -write       # print an allowlist for the tree as it is
//
// The allowlist (internal/tools/longfuncs/allow.txt) names the long functions
// a reviewer accepted, one a line: the slash-separated path from the module
// root, the function's name (Recv.Method for a method; a name that occurs
// more than once in a file, such as init, covers every one of them), then a
// reason after " -- ". Lines starting with # are comments. A data table (a
// list of rows a short loop builds from, a table of patterns) is the usual
// reason; logic that grew long is not: split it into named steps.
//
// The check fails on a long function that is not listed and on a listed
// function that is no longer long (or no longer exists), so the list only
// shrinks: delete the entry when its function is split.
package main

import (
	"bufio"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	root := flag.String("root", ".", "module root to scan")
	allowPath := flag.String("allow", "internal/tools/longfuncs/allow.txt", "allowlist, relative to -root")
	maxLines := flag.Int("max", 80, "a function of this many lines or more is long")
	list := flag.Bool("list", false, "print every long function, longest first, and exit 0")
	write := flag.Bool("write", false, "print an allowlist that accepts the tree as it is and exit 0")
	flag.Parse()
	if err := run(os.Stdout, *root, *allowPath, *maxLines, *list, *write); err != nil {
		fmt.Fprintln(os.Stderr, "longfuncs:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, root, allowPath string, maxLines int, list, write bool) error {
	long, err := scan(root, maxLines)
	if err != nil {
		return err
	}
	switch {
	case list:
		for _, f := range long {
			fmt.Fprintf(w, "%4d %s:%d %s\n", f.lines, f.path, f.line, f.name)
		}
		return nil
	case write:
		writeAllowlist(w, long)
		return nil
	}
	allow, err := readAllowlist(filepath.Join(root, allowPath))
	if err != nil {
		return err
	}
	problems := check(long, allow, maxLines)
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s); split the function into named steps, or (for a data table) add it to %s with a reason", len(problems), allowPath)
	}
	return nil
}

// writeAllowlist prints one entry per long function (one for all those of
// a name in a file), by path, each with a reason to fill in.
func writeAllowlist(w io.Writer, long []longFunc) {
	lines := map[string][]string{}
	var keys []string
	for _, f := range long {
		if lines[f.key()] == nil {
			keys = append(keys, f.key())
		}
		lines[f.key()] = append(lines[f.key()], fmt.Sprint(f.lines))
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s -- TODO: a data table, or split it (%s lines)\n", k, strings.Join(lines[k], ", "))
	}
}

// longFunc is one function of maxLines lines or more.
type longFunc struct {
	path  string // slash-separated, relative to the module root
	line  int    // of the func keyword
	name  string // Name, or Recv.Name for a method
	lines int
}

func (f longFunc) key() string { return f.path + " " + f.name }

// scan parses every Go file under root that counts (see the package doc) and
// returns its long functions, longest first.
func scan(root string, maxLines int) ([]longFunc, error) {
	var long []longFunc
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		if ast.IsGenerated(file) {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return fmt.Errorf("relative path of %s: %w", path, err)
		}
		long = append(long, longFuncs(fset, file, filepath.ToSlash(rel), maxLines)...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	slices.SortStableFunc(long, func(a, b longFunc) int {
		return cmp.Or(b.lines-a.lines, strings.Compare(a.path, b.path), a.line-b.line)
	})
	return long, nil
}

// skipDir reports whether a directory holds no code of ours: test data,
// vendored or npm code, and hidden directories (.git, .ci).
func skipDir(name string) bool {
	switch name {
	case "testdata", "vendor", "node_modules":
		return true
	}
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

func longFuncs(fset *token.FileSet, file *ast.File, path string, maxLines int) []longFunc {
	var long []longFunc
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		start, end := fset.Position(fn.Pos()).Line, fset.Position(fn.End()).Line
		if n := end - start + 1; n >= maxLines {
			long = append(long, longFunc{path: path, line: start, name: funcName(fn), lines: n})
		}
	}
	return long
}

// funcName is the function's name, or Recv.Name for a method (the receiver's
// type without its pointer and type parameters).
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fn.Name.Name
		}
		return fn.Name.Name
	}
}

// readAllowlist reads the allowlist: key ("path name") to its line number.
// A missing file is an empty list.
func readAllowlist(path string) (map[string]int, error) {
	allow := map[string]int{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return allow, nil
	}
	if err != nil {
		return nil, fmt.Errorf("allowlist: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		entry, reason, ok := strings.Cut(line, " -- ")
		fields := strings.Fields(entry)
		if !ok || len(fields) != 2 || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("allowlist %s:%d: want `path name -- reason`, got %q", path, n, line)
		}
		key := fields[0] + " " + fields[1]
		if prev, dup := allow[key]; dup {
			return nil, fmt.Errorf("allowlist %s:%d: %s already listed on line %d", path, n, key, prev)
		}
		allow[key] = n
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("allowlist %s: %w", path, err)
	}
	return allow, nil
}

// check returns one line per long function missing from allow and per
// allowlist entry that matches no long function.
func check(long []longFunc, allow map[string]int, maxLines int) []string {
	var problems []string
	seen := map[string]bool{}
	for _, f := range long {
		seen[f.key()] = true
		if _, ok := allow[f.key()]; !ok {
			problems = append(problems, fmt.Sprintf("%s:%d: %s is %d lines (%d or more is long)", f.path, f.line, f.name, f.lines, maxLines))
		}
	}
	var stale []string
	for key, n := range allow {
		if !seen[key] {
			stale = append(stale, fmt.Sprintf("allowlist line %d: %s is no longer %d+ lines (or gone): delete the entry", n, key, maxLines))
		}
	}
	slices.Sort(stale)
	return append(problems, stale...)
}
