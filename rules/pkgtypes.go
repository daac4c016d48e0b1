package rules

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"regexp"
	"slices"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Struct types declared in a Go package's other files, for the types a
// rule's requires.known_type asks about: `for _, d := range
// e.config.Build.ExcludeDir` ranges over a slice only if the field is one,
// and air declares Engine, its config and the config's Build in three other
// files than the loop's. A file alone cannot say; the package's files can.
//
// What is read and how is pkgnames.go's: the .go files of the document's
// directory (goSiblings' limits; a link or a file too large makes every
// type unknown), parsed as data by go/parser (nothing is executed), cached
// per file by modification time and size. Only files with the document's
// package clause count, and for a document that is not a _test.go file,
// only files that are not either (a type its tests declare is not in its
// build). The answer is a struct's field's type, written as Go source; a
// type declared in two files (one per build constraint, say) is unknown,
// and so is every type when a file does not parse. A file open in the
// editor is read from its buffer (Projects.Buffers), as for the names.

// goFileTypes is what one Go file declares as types at package level.
type goFileTypes struct {
	pkg string
	// types maps each type the file declares to its struct fields' types
	// (field name -> type as source), nil for a type that is not a struct
	// (an alias, a named slice, a generic struct).
	types map[string]map[string]string
	ok    bool // the file parsed
}

// parseGoTypes reads a Go file's package-level type declarations.
func parseGoTypes(src []byte) goFileTypes {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil || f.Name == nil {
		return goFileTypes{}
	}
	out := goFileTypes{pkg: f.Name.Name, types: map[string]map[string]string{}, ok: true}
	for _, d := range f.Decls {
		g, isGen := d.(*ast.GenDecl)
		if !isGen || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			st, isStruct := ts.Type.(*ast.StructType)
			if _, seen := out.types[ts.Name.Name]; seen {
				out.types[ts.Name.Name] = nil // declared twice: not known
				continue
			}
			if !isStruct || ts.Assign.IsValid() || ts.TypeParams != nil {
				out.types[ts.Name.Name] = nil
				continue
			}
			fields := map[string]string{}
			for _, fl := range st.Fields.List {
				for _, n := range fl.Names {
					fields[n.Name] = goTypeSource(fl.Type)
				}
			}
			out.types[ts.Name.Name] = fields
		}
	}
	return out
}

// goTypeSource writes the type expressions the type inference follows
// (names, pointers, slices, arrays of a literal length, maps, channels,
// qualified names) as source, and "" for any other.
func goTypeSource(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		if x := goTypeSource(t.X); x != "" {
			return "*" + x
		}
	case *ast.SelectorExpr:
		if pkg, ok := t.X.(*ast.Ident); ok {
			return pkg.Name + "." + t.Sel.Name
		}
	case *ast.ArrayType:
		elem := goTypeSource(t.Elt)
		if elem == "" {
			return ""
		}
		if t.Len == nil {
			return "[]" + elem
		}
		if n, ok := t.Len.(*ast.BasicLit); ok && n.Kind == token.INT {
			return "[" + n.Value + "]" + elem
		}
	case *ast.MapType:
		k, v := goTypeSource(t.Key), goTypeSource(t.Value)
		if k != "" && v != "" {
			return "map[" + k + "]" + v
		}
	case *ast.ChanType:
		if v := goTypeSource(t.Value); v != "" {
			switch t.Dir {
			case ast.SEND:
				return "chan<- " + v
			case ast.RECV:
				return "<-chan " + v
			}
			return "chan " + v
		}
	}
	return ""
}

var (
	goTypeName = regexp.MustCompile(`^\*?[\pL_][\pL\pN_]*$`)
	goArrayOf  = regexp.MustCompile(`^\[[0-9]+\]`)
)

// goTypeSourceClass is goTypeClass for a type written as source.
func goTypeSourceClass(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "slice"
	case goArrayOf.MatchString(t):
		return "array"
	case strings.HasPrefix(t, "map["):
		return "map"
	case strings.HasPrefix(t, "chan ") || strings.HasPrefix(t, "<-chan ") || strings.HasPrefix(t, "chan<- "):
		return "chan"
	case t == "string", t == "error":
		return t
	}
	return ""
}

// goElemSource is the element type of a slice or array type written as
// source, or "".
func goElemSource(t string) string {
	if strings.HasPrefix(t, "[]") {
		return t[2:]
	}
	if loc := goArrayOf.FindStringIndex(t); loc != nil {
		return t[loc[1]:]
	}
	return ""
}

// goNamedSource is the name of the type declared in the package that t is,
// or points to, or "" when t is not such a name.
func goNamedSource(t string) string {
	if !goTypeName.MatchString(t) {
		return ""
	}
	return strings.TrimPrefix(t, "*")
}

// goPackageStructs returns the struct types (name -> field -> type source)
// that the package pkg declares in the sibling files, skipping _test.go
// files unless test; a name declared in two files maps to nil. False when
// the files cannot all be read and parsed.
func (p *Projects) goPackageStructs(files []goSibling, pkg string, test bool) (map[string]map[string]string, bool) {
	out := map[string]map[string]string{}
	for _, f := range files {
		if !test && strings.HasSuffix(f.path, "_test.go") {
			continue
		}
		t, ok := p.goFileTypes(f)
		if !ok || !t.ok {
			return nil, false
		}
		if t.pkg != pkg {
			continue
		}
		for name, fields := range t.types {
			if _, seen := out[name]; seen {
				fields = nil
			}
			out[name] = fields
		}
	}
	return out, true
}

// goFileTypes parses a sibling file, or returns what it found last time
// when the file has not changed (readSibling).
func (p *Projects) goFileTypes(f goSibling) (goFileTypes, bool) {
	return readSibling(p, &p.goTypes, f, parseGoTypes)
}

// packageStructs returns the document's view of its package's struct
// types declared in other files, read once per DocTarget; empty for an
// unsaved document, false when they cannot all be read.
func (d *DocTarget) packageStructs() (map[string]map[string]string, bool) {
	if !d.structsRead {
		d.structsRead = true
		if own := d.ownDecls(); own.ok {
			if files, ok := d.siblings(); ok {
				d.structs, d.structsOK = d.Target.projects.goPackageStructs(files, own.pkg, strings.HasSuffix(d.Target.path, "_test.go"))
			}
		}
	}
	return d.structs, d.structsOK
}

// knownTypes checks a match's requires.known_type: each capture named
// there has a type known from the document, or from struct types its
// package declares in other files, and the type is one of those listed.
// It says why not ("" when it does).
func (d *DocTarget) knownTypes(m Match) string {
	kt := m.Rule.Requires.KnownType
	for _, capture := range slices.Sorted(maps.Keys(kt)) {
		types := kt[capture]
		node := d.captureNode(m, capture)
		if node == nil {
			return fmt.Sprintf("the %s the fix needs is not known", capture)
		}
		if d.types == nil {
			// One environment for the document's matches: what it learns
			// of the tree (bindings, scopes) serves them all.
			d.types = &evalEnv{grammar: syntax.Go, src: d.src, root: d.tree.Root(), structs: d.packageStructs}
		}
		e := d.types
		t, _ := goTypeOf(e, node, 0)
		if t == "" {
			return fmt.Sprintf("the type of %s is not known from the package's files", e.text(node))
		}
		if !slices.Contains(types, t) {
			return fmt.Sprintf("%s is a %s, not a %s", e.text(node), t, strings.Join(types, " or "))
		}
	}
	return ""
}

// captureNode is the node a match's capture spans in the document's tree,
// or nil.
func (d *DocTarget) captureNode(m Match, name string) *sitter.Node {
	if d.tree == nil {
		return nil
	}
	for _, c := range m.Captures {
		if c.Name != name || c.Span.Start < 0 || c.Span.Start > c.Span.End || c.Span.End > d.src.Len() {
			continue
		}
		if n := nodeSpanning(d.tree.Root(), uint32(c.Span.Start), uint32(c.Span.End)); n != nil {
			return n
		}
	}
	return nil
}

// nodeSpanning is the outermost named node below root whose span is
// exactly [start, end), or nil.
func nodeSpanning(root *sitter.Node, start, end uint32) *sitter.Node {
	n := root
	for n.StartByte() != start || n.EndByte() != end || !n.IsNamed() {
		var next *sitter.Node
		for i := 0; i < int(n.ChildCount()); i++ {
			if c := n.Child(i); c.StartByte() <= start && end <= c.EndByte() {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}
