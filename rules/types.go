package rules

import (
	"regexp"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Type facts the syntax alone settles, for the known-type? predicate: a
// literal's type, a builtin constructor's result, a variable whose every
// assignment (or whose declaration) has one type, an annotated parameter, a
// field of a struct declared in the same file. Anything else is unknown,
// and the predicate fails.

// maxTypeDepth bounds how many variables deep the inference follows
// (x = y; y = z ...), so that cycles end.
const maxTypeDepth = 4

// known-type? @expr TYPE...: @expr's type is known from the syntax and is
// one of TYPE. Python: str, bytes, int, float, bool, dict, list, tuple.
// Go: string, error, slice, map, array, chan, writer (an io.Writer of the
// standard library's: goWriterInterfaces, goWriterPointers).
func predKnownType(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	var t string
	deps := noDeps
	switch e.grammar {
	case syntax.Python:
		t, deps = pyTypeOf(e, n, 0)
	case syntax.Go:
		t, deps = goTypeOf(e, n, 0)
	}
	if t == "" {
		return false, deps
	}
	for _, a := range args {
		if a.value == t {
			return true, deps
		}
	}
	return false, deps
}

// pyTypeOf infers the type of a Python expression, or "".
func pyTypeOf(e *evalEnv, n *sitter.Node, depth int) (string, Span) {
	switch n.Type() {
	case "string", "concatenated_string":
		text := e.text(n)
		prefix := strings.ToLower(text[:strings.IndexAny(text+"'\"", "'\"")])
		if strings.Contains(prefix, "b") {
			return "bytes", noDeps
		}
		return "str", noDeps
	case "integer":
		return "int", noDeps
	case "float":
		return "float", noDeps
	case "true", "false", "comparison_operator", "not_operator":
		return "bool", noDeps
	case "dictionary", "dictionary_comprehension":
		return "dict", noDeps
	case "list", "list_comprehension":
		return "list", noDeps
	case "tuple":
		return "tuple", noDeps
	case "parenthesized_expression":
		if n.NamedChildCount() == 1 {
			return pyTypeOf(e, n.NamedChild(0), depth)
		}
	case "binary_operator":
		l, r := n.ChildByFieldName("left"), n.ChildByFieldName("right")
		op := nodeType(n.ChildByFieldName("operator"))
		lt, d1 := pyTypeOf(e, l, depth)
		if op == "%" && (lt == "str" || lt == "bytes") {
			return lt, d1
		}
		rt, d2 := pyTypeOf(e, r, depth)
		switch {
		case op != "+":
		case lt == "str" || rt == "str":
			// str + anything is a str or raises TypeError, whatever the other is.
			return "str", union(d1, d2)
		case lt == rt && (lt == "int" || lt == "list" || lt == "bytes"):
			return lt, union(d1, d2)
		}
	case "call":
		return pyCallType(e, n, depth)
	case "attribute":
		if e.text(n) == "os.environ" {
			return "dict", noDeps
		}
	case "identifier":
		if depth >= maxTypeDepth {
			return "", noDeps
		}
		return pyVarType(e, n, depth)
	}
	return "", noDeps
}

var pyConstructors = map[string]string{
	"str": "str", "repr": "str", "format": "str", "chr": "str", "hex": "str", "oct": "str", "bin": "str", "ascii": "str",
	"int": "int", "len": "int", "ord": "int", "float": "float", "bool": "bool", "isinstance": "bool", "callable": "bool",
	"dict": "dict", "list": "list", "sorted": "list", "tuple": "tuple", "bytes": "bytes",
}

var pyStrMethods = set("join", "format", "upper", "lower", "strip", "lstrip", "rstrip", "replace", "title",
	"capitalize", "casefold", "center", "ljust", "rjust", "zfill", "removeprefix", "removesuffix", "expandtabs", "swapcase")

func pyCallType(e *evalEnv, n *sitter.Node, depth int) (string, Span) {
	f := n.ChildByFieldName("function")
	if f == nil {
		return "", noDeps
	}
	switch f.Type() {
	case "identifier":
		t, ok := pyConstructors[e.text(f)]
		if !ok {
			return "", noDeps
		}
		if g, deps := predGlobal(e, f, nil); !g {
			return "", deps
		}
		return t, fileSpan(e)
	case "attribute":
		obj, attr := f.ChildByFieldName("object"), f.ChildByFieldName("attribute")
		if obj == nil || attr == nil || !pyStrMethods[e.text(attr)] {
			return "", noDeps
		}
		if t, deps := pyTypeOf(e, obj, depth+1); t == "str" {
			return "str", deps
		}
	}
	return "", noDeps
}

// pyVarType is the type every assignment of a variable agrees on (an
// annotated parameter counts as one assignment).
func pyVarType(e *evalEnv, id *sitter.Node, depth int) (string, Span) {
	b, deps, ok := e.bindingAt(id)
	if !ok {
		return "", deps
	}
	t := ""
	agree := func(x string) bool {
		if x == "" || t != "" && x != t {
			return false
		}
		t = x
		return true
	}
	for _, o := range b.occs {
		if !o.write {
			continue
		}
		if len(o.path) < 2 {
			return "", deps
		}
		p := o.path[len(o.path)-2]
		var x string
		var d Span
		switch p.typ {
		case "assignment", "augmented_assignment":
			if o.path[len(o.path)-1].field != "left" {
				return "", deps
			}
			if r := p.node.ChildByFieldName("right"); r != nil {
				x, d = pyTypeOf(e, r, depth+1)
			}
			if p.typ == "augmented_assignment" && nodeType(p.node.ChildByFieldName("operator")) != "+=" {
				x = ""
			}
		case "typed_parameter", "typed_default_parameter":
			if ty := p.node.ChildByFieldName("type"); ty != nil {
				x = pyAnnotation(e.text(ty))
			}
			if v := p.node.ChildByFieldName("value"); v != nil && x != "" {
				if vt, _ := pyTypeOf(e, v, depth+1); vt != x {
					x = ""
				}
			}
		default:
			return "", deps
		}
		deps = union(deps, d)
		if !agree(x) {
			return "", deps
		}
	}
	return t, deps
}

// pyAnnotation maps a type annotation to a type name, or "".
func pyAnnotation(text string) string {
	text = strings.TrimSpace(text)
	base, _, _ := strings.Cut(text, "[")
	switch base {
	case "str", "int", "float", "bool", "bytes", "list", "dict", "tuple":
		return base
	case "Dict", "typing.Dict", "Mapping", "typing.Mapping", "MutableMapping":
		return "dict"
	case "List", "typing.List":
		return "list"
	}
	return ""
}

// goTypeOf infers the type class of a Go expression: string, error, slice,
// map, array, chan, or "".
func goTypeOf(e *evalEnv, n *sitter.Node, depth int) (string, Span) {
	switch n.Type() {
	case "interpreted_string_literal", "raw_string_literal":
		return "string", noDeps
	case "parenthesized_expression":
		if n.NamedChildCount() == 1 {
			return goTypeOf(e, n.NamedChild(0), depth)
		}
	case "binary_expression":
		if nodeType(n.ChildByFieldName("operator")) == "+" {
			l, d1 := goTypeOf(e, n.ChildByFieldName("left"), depth)
			r, d2 := goTypeOf(e, n.ChildByFieldName("right"), depth)
			if l == "string" || r == "string" {
				return "string", union(d1, d2)
			}
		}
	case "composite_literal":
		return goTypeClass(e, n.ChildByFieldName("type"), depth)
	case "call_expression":
		f := n.ChildByFieldName("function")
		if f == nil {
			return "", noDeps
		}
		text := e.text(f)
		switch {
		case text == "make":
			if args := n.ChildByFieldName("arguments"); args != nil && args.NamedChildCount() > 0 {
				return goTypeClass(e, args.NamedChild(0), depth)
			}
		case text == "append":
			return "slice", noDeps
		case goStringFuncs[text]:
			return "string", noDeps
		case strings.HasSuffix(text, ".String") && n.ChildByFieldName("arguments") != nil && e.text(n.ChildByFieldName("arguments")) == "()":
			return "string", noDeps
		case text == "new":
			// new(T) is a *T.
			if args := n.ChildByFieldName("arguments"); args != nil && args.NamedChildCount() == 1 {
				return goWriterNamed(e, args.NamedChild(0), true)
			}
		case f.Type() == "selector_expression":
			if ok, deps := goWriterIn(e, goWriterFuncs, f.ChildByFieldName("operand"), f.ChildByFieldName("field")); deps != noDeps {
				// The imports decided, yes or no.
				return goWriterResult(ok, e)
			}
		}
	case "unary_expression":
		// &T{...} is a *T.
		lit := n.ChildByFieldName("operand")
		if nodeType(n.ChildByFieldName("operator")) == "&" && lit != nil && lit.Type() == "composite_literal" {
			if t := lit.ChildByFieldName("type"); t != nil {
				return goWriterNamed(e, t, true)
			}
		}
	case "identifier":
		if depth >= maxTypeDepth {
			return "", noDeps
		}
		return goVarType(e, n, depth)
	case "selector_expression":
		ok, wdeps := goWriterIn(e, goWriterVars, n.ChildByFieldName("operand"), n.ChildByFieldName("field"))
		if ok {
			return "writer", wdeps
		}
		if depth >= maxTypeDepth {
			return "", wdeps
		}
		t, d := goFieldType(e, n, depth)
		return t, union(wdeps, d)
	}
	return "", noDeps
}

var goStringFuncs = set("fmt.Sprintf", "fmt.Sprint", "fmt.Sprintln", "strings.Join", "strings.Repeat", "strings.ToLower",
	"strings.ToUpper", "strings.TrimSpace", "strings.Trim", "strings.TrimLeft", "strings.TrimRight", "strings.TrimPrefix",
	"strings.TrimSuffix", "strings.Replace", "strings.ReplaceAll", "strings.Title", "strconv.Itoa", "strconv.FormatInt",
	"strconv.FormatUint", "strconv.FormatFloat", "strconv.FormatBool", "strconv.Quote", "filepath.Join", "path.Join",
	"filepath.Base", "filepath.Dir", "path.Base", "hex.EncodeToString")

// goTypeClass classifies a type expression.
func goTypeClass(e *evalEnv, t *sitter.Node, depth int) (string, Span) {
	if t == nil {
		return "", noDeps
	}
	switch t.Type() {
	case "slice_type":
		return "slice", noDeps
	case "map_type":
		return "map", noDeps
	case "array_type", "implicit_length_array_type":
		return "array", noDeps
	case "channel_type":
		return "chan", noDeps
	case "type_identifier":
		switch e.text(t) {
		case "string":
			return "string", noDeps
		case "error":
			return "error", noDeps
		}
	case "pointer_type", "qualified_type":
		return goWriterType(e, t)
	}
	return "", noDeps
}

// goVarType is the type of a Go variable from its declaration.
func goVarType(e *evalEnv, id *sitter.Node, depth int) (string, Span) {
	b, deps, ok := e.bindingAt(id)
	if !ok {
		return "", deps
	}
	for _, o := range b.occs {
		if !o.decl {
			continue
		}
		n := len(o.path)
		if n < 2 {
			return "", deps
		}
		owner := o.path[n-2].node
		switch owner.Type() {
		case "var_spec", "parameter_declaration", "variadic_parameter_declaration":
			if owner.Type() == "variadic_parameter_declaration" {
				return "slice", deps
			}
			if ty := owner.ChildByFieldName("type"); ty != nil {
				t, d := goTypeClass(e, ty, depth)
				return t, union(deps, d)
			}
			if v := owner.ChildByFieldName("value"); v != nil {
				return goNth(e, owner, v, o.node(), depth, deps)
			}
		case "expression_list":
			if n < 3 {
				return "", deps
			}
			stmt := o.path[n-3].node
			if stmt.Type() != "short_var_declaration" {
				return "", deps
			}
			r := stmt.ChildByFieldName("right")
			if r == nil {
				return "", deps
			}
			if t, ok := goStdlibError(e, owner, r, o.node()); ok {
				return t, union(deps, fileSpan(e))
			}
			return goNth(e, owner, r, o.node(), depth, deps)
		}
		return "", deps
	}
	return "", deps
}

// goStdlibError recognises err in `x, err := pkg.F(...)` where pkg is a
// standard library package: the standard library's functions return the
// error interface, never a concrete error type, so a variable named like an
// error in the last position is an error.
func goStdlibError(e *evalEnv, names, values, name *sitter.Node) (string, bool) {
	if values.NamedChildCount() != 1 || !goErrName.MatchString(e.text(name)) {
		return "", false
	}
	last := names.NamedChild(int(names.NamedChildCount()) - 1)
	if last == nil || last.StartByte() != name.StartByte() {
		return "", false
	}
	call := values.NamedChild(0)
	if call.Type() != "call_expression" {
		return "", false
	}
	f := call.ChildByFieldName("function")
	if f == nil || f.Type() != "selector_expression" {
		return "", false
	}
	pkg := f.ChildByFieldName("operand")
	if pkg == nil || pkg.Type() != "identifier" || !goStdlibImports(e)[e.text(pkg)] {
		return "", false
	}
	return "error", true
}

var goErrName = regexp.MustCompile(`^(err|\w*Err)$`)

// goStdlibImports returns the local names of the file's standard library
// imports (an import path whose first element has no dot).
func goStdlibImports(e *evalEnv) map[string]bool {
	out := map[string]bool{}
	for name, p := range goImportPaths(e) {
		if first, _, _ := strings.Cut(p, "/"); !strings.Contains(first, ".") {
			out[name] = true
		}
	}
	return out
}

// goImportPaths maps the local name of each of the file's imports (its
// explicit name, or the path's last element) to its path; a dot or blank
// import names nothing a qualified name can use.
func goImportPaths(e *evalEnv) map[string]string {
	out := map[string]string{}
	eachChild(e.root, func(d *sitter.Node, _ string) bool {
		switch d.Type() {
		case "package_clause", "comment", "\n", ";":
			return true
		case "import_declaration":
		default:
			return false // imports come first
		}
		walkType(d, "import_spec", func(spec *sitter.Node) {
			path := spec.ChildByFieldName("path")
			if path == nil {
				return
			}
			p := strings.Trim(e.text(path), "\"`")
			name := p[strings.LastIndexByte(p, '/')+1:]
			if n := spec.ChildByFieldName("name"); n != nil {
				name = e.text(n)
			}
			if name != "." && name != "_" {
				out[name] = p
			}
		})
		return true
	})
	return out
}

// goQualified returns the import path and name of a qualified name
// (pkg.Name, in a type or an expression) whose package the file imports,
// as "path.Name", or "".
//
// In an expression, pkg must not name a variable of the file: a local
// `bytes` hides the package.
func goQualified(e *evalEnv, pkg, name *sitter.Node) string {
	if pkg == nil || name == nil {
		return ""
	}
	switch pkg.Type() {
	case "package_identifier":
	case "identifier":
		if _, _, bound := e.bindingAt(pkg); bound {
			return ""
		}
	default:
		return ""
	}
	p, ok := goImportPaths(e)[e.text(pkg)]
	if !ok {
		return ""
	}
	return p + "." + e.text(name)
}

// The standard library's writers: the types whose method set has
// Write([]byte) (int, error), so that a value of one is an io.Writer
// (interfaces by value, the others by pointer), and the functions that
// return one. The known-type? class "writer".
var (
	goWriterInterfaces = set("io.Writer", "io.ReadWriter", "io.WriteCloser", "io.ReadWriteCloser", "io.WriteSeeker",
		"io.ReadWriteSeeker", "net/http.ResponseWriter", "net.Conn")
	goWriterPointers = set("bytes.Buffer", "strings.Builder", "os.File", "bufio.Writer", "bufio.ReadWriter",
		"text/tabwriter.Writer", "net/http/httptest.ResponseRecorder", "compress/gzip.Writer")
	goWriterFuncs = set("bytes.NewBuffer", "bytes.NewBufferString", "bufio.NewWriter", "bufio.NewWriterSize",
		"text/tabwriter.NewWriter", "net/http/httptest.NewRecorder", "compress/gzip.NewWriter")
	goWriterVars = set("os.Stdout", "os.Stderr")
)

// goWriterIn reports whether the qualified name pkg.name is in names (a
// set of "path.Name"), looking the import up only when some entry ends in
// that name: most selectors name nothing of the kind. deps is the whole
// file when it looked (the imports and the bindings decide), else noDeps.
func goWriterIn(e *evalEnv, names map[string]bool, pkg, name *sitter.Node) (ok bool, deps Span) {
	if name == nil {
		return false, noDeps
	}
	suffix := "." + e.text(name)
	for q := range names {
		if strings.HasSuffix(q, suffix) {
			return names[goQualified(e, pkg, name)], fileSpan(e)
		}
	}
	return false, noDeps
}

// goWriterResult is a type answer that the file's imports decided: writer
// or unknown, either valid until the file changes.
func goWriterResult(writer bool, e *evalEnv) (string, Span) {
	if writer {
		return "writer", fileSpan(e)
	}
	return "", fileSpan(e)
}

// goWriterType classifies the type expression t (a pointer or a qualified
// type) as writer when it is one of the standard library's writers. A
// qualified type's meaning depends on the file's imports, so the answer,
// yes or no, holds until the file changes.
func goWriterType(e *evalEnv, t *sitter.Node) (string, Span) {
	if t.Type() == "pointer_type" && t.NamedChildCount() == 1 {
		return goWriterNamed(e, t.NamedChild(0), true)
	}
	return goWriterNamed(e, t, false)
}

// goWriterNamed classifies a value of the qualified type t (pkg.Name), or
// a pointer to one (new(T), &T{}, *T), as goWriterType does.
func goWriterNamed(e *evalEnv, t *sitter.Node, pointer bool) (string, Span) {
	if t.Type() != "qualified_type" {
		return "", noDeps
	}
	q := goQualified(e, t.ChildByFieldName("package"), t.ChildByFieldName("name"))
	if pointer {
		return goWriterResult(goWriterPointers[q], e)
	}
	return goWriterResult(goWriterInterfaces[q], e)
}

// goNth returns the type of the value that a declaration list assigns to
// name: the value at the same position when there are as many values as
// names.
func goNth(e *evalEnv, names, values, name *sitter.Node, depth int, deps Span) (string, Span) {
	var ids []*sitter.Node
	eachChild(names, func(c *sitter.Node, f string) bool {
		if names.Type() == "expression_list" && c.IsNamed() || f == "name" {
			ids = append(ids, c)
		}
		return true
	})
	if values.NamedChildCount() != uint32(len(ids)) {
		return "", deps
	}
	for i, id := range ids {
		if id.StartByte() == name.StartByte() {
			t, d := goTypeOf(e, values.NamedChild(i), depth+1)
			return t, union(deps, d)
		}
	}
	return "", deps
}

// goTypeClasses are the Go types known-type? tells.
var goTypeClasses = set("string", "error", "slice", "map", "array", "chan", "writer")

// maxTypeChain bounds how many selectors and indexes deep goTypeSourceOf
// follows an operand (a.b[i].c), against a hostile file's chain of
// thousands.
const maxTypeChain = 16

// goFieldType is the type of x.F when x's type is a struct type (or a
// pointer to one) declared in the same file or, when the environment has
// them (DocTarget.knownTypes), in another file of the package. x is a
// variable declared with its type, or itself a field or an element of a
// slice of such a type (e.config.Build.Rules[i]).
func goFieldType(e *evalEnv, sel *sitter.Node, depth int) (string, Span) {
	t, ft, deps := goSelectorType(e, sel, 0)
	if ft != nil {
		c, d := goTypeClass(e, ft, depth)
		return c, union(deps, d)
	}
	return goTypeSourceClass(t), deps
}

// goSelectorType is the type of the field sel selects: its type node when
// the struct is declared in the file, or else its type as source.
func goSelectorType(e *evalEnv, sel *sitter.Node, chain int) (string, *sitter.Node, Span) {
	operand, field := sel.ChildByFieldName("operand"), sel.ChildByFieldName("field")
	if operand == nil || field == nil || chain >= maxTypeChain {
		return "", nil, noDeps
	}
	t, deps := goTypeSourceOf(e, operand, chain+1)
	name := goNamedSource(t)
	if name == "" {
		return "", nil, deps
	}
	deps = union(deps, fileSpan(e))
	declared, isStruct, ft := goFileStructField(e, sel, name, e.text(field))
	switch {
	case declared && isStruct && ft != nil:
		return goSpaceless(e.text(ft)), ft, deps
	case declared:
		return "", nil, deps
	case e.structs == nil:
		return "", nil, deps
	}
	structs, ok := e.structs()
	if !ok {
		return "", nil, deps
	}
	return structs[name][e.text(field)], nil, deps
}

// goSpaceless is a type's source as goTypeSource writes it, for the
// shapes that follow ([]T, *T, a name), and "" for one with a space,
// a comment or a line break inside.
func goSpaceless(t string) string {
	if strings.ContainsAny(t, " \t\n/") {
		return ""
	}
	return t
}

// goTypeSourceOf is the type of an operand as source: a variable declared
// with a type, a field of a known struct, an element of a slice or array
// of a known type, a composite literal or its address.
func goTypeSourceOf(e *evalEnv, n *sitter.Node, chain int) (string, Span) {
	switch n.Type() {
	case "parenthesized_expression":
		if n.NamedChildCount() == 1 {
			return goTypeSourceOf(e, n.NamedChild(0), chain+1)
		}
	case "identifier":
		return goVarTypeSource(e, n)
	case "selector_expression":
		t, _, deps := goSelectorType(e, n, chain)
		return t, deps
	case "index_expression":
		if op := n.ChildByFieldName("operand"); op != nil && chain < maxTypeChain {
			t, deps := goTypeSourceOf(e, op, chain+1)
			return goElemSource(t), deps
		}
	case "composite_literal":
		if t := n.ChildByFieldName("type"); t != nil {
			return goSpaceless(e.text(t)), noDeps
		}
	case "unary_expression":
		lit := n.ChildByFieldName("operand")
		if nodeType(n.ChildByFieldName("operator")) == "&" && lit != nil && lit.Type() == "composite_literal" {
			if t := lit.ChildByFieldName("type"); t != nil && goSpaceless(e.text(t)) != "" {
				return "*" + e.text(t), noDeps
			}
		}
	}
	return "", noDeps
}

// goVarTypeSource is the type a variable is declared with (a parameter, a
// receiver, `var x T`), as source.
func goVarTypeSource(e *evalEnv, id *sitter.Node) (string, Span) {
	b, deps, ok := e.bindingAt(id)
	if !ok {
		return "", deps
	}
	for _, o := range b.occs {
		if !o.decl || len(o.path) < 2 {
			continue
		}
		owner := o.path[len(o.path)-2].node
		if owner.Type() != "parameter_declaration" && owner.Type() != "var_spec" {
			return "", deps
		}
		if ty := owner.ChildByFieldName("type"); ty != nil {
			return goSpaceless(e.text(ty)), deps
		}
		return "", deps
	}
	return "", deps
}

// goFileStructField looks for the type name among the file's top-level
// declarations: whether it is declared there, whether as a struct, and the
// type node of its field named field (nil when it has none). A type of
// that name declared in the function around at counts as declared and not
// a struct: which one at means is the scope's business.
func goFileStructField(e *evalEnv, at *sitter.Node, name, field string) (declared, isStruct bool, ft *sitter.Node) {
	top := at
	for top.Parent() != nil && top.Parent().ID() != e.root.ID() {
		top = top.Parent()
	}
	if t := top.Type(); t == "function_declaration" || t == "method_declaration" {
		walkType(top, "type_spec", func(spec *sitter.Node) {
			if n := spec.ChildByFieldName("name"); n != nil && e.text(n) == name {
				declared = true
			}
		})
		if declared {
			return true, false, nil
		}
	}
	eachChild(e.root, func(d *sitter.Node, _ string) bool {
		if d.Type() != "type_declaration" {
			return true
		}
		eachChild(d, func(spec *sitter.Node, _ string) bool {
			n := spec.ChildByFieldName("name")
			if spec.Type() != "type_spec" || n == nil || e.text(n) != name {
				return true
			}
			if declared { // twice: the file does not compile
				isStruct, ft = false, nil
				return false
			}
			declared = true
			st := spec.ChildByFieldName("type")
			if st == nil || st.Type() != "struct_type" || spec.ChildByFieldName("type_parameters") != nil {
				return true
			}
			isStruct = true
			list := findChild(st, "field_declaration_list")
			if list == nil {
				return true
			}
			eachChild(list, func(fd *sitter.Node, _ string) bool {
				if fd.Type() != "field_declaration" {
					return true
				}
				eachChild(fd, func(c *sitter.Node, f string) bool {
					if f == "name" && e.text(c) == field {
						ft = fd.ChildByFieldName("type")
					}
					return true
				})
				return true
			})
			return true
		})
		return true
	})
	return declared, isStruct, ft
}
