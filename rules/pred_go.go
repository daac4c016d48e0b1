package rules

import (
	"strconv"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
)

// go-unused-after? @id @stmt (Go): the variable @id declares or names is
// bound, and no occurrence of that binding (read, write or declaration)
// starts after @stmt ends. Unlike referenced-after?, which counts every
// occurrence of the name in the function, a variable of the same name
// declared again in a nested scope (`if _, err := f(); err != nil`, a
// closure's own `err :=`) is another binding and does not count. It is
// also true when the first occurrence of the binding after @stmt is a :=
// in the same block as @id's own declaration that, were @id's declaration
// removed, would declare it afresh with the same type: its right-hand side
// is one call of a function of a standard-library package the file
// imports (their error results are of type error; syscall's Errno ones
// are excluded), as in `data, err := os.ReadFile(p)` after `err :=
// os.Chdir(dir)`. Every later occurrence then belongs to that declaration.
// False whenever the binding cannot be decided.
func predGoUnusedAfter(e *evalEnv, n *sitter.Node, args []predArg) (bool, Span) {
	stmt := e.node(args[0].capture)
	if stmt == nil {
		return false, noDeps
	}
	b, deps, ok := e.bindingAt(n)
	if !ok || b.dynamic || len(b.occs) == 0 {
		return false, deps
	}
	var declBlock *sitter.Node
	for _, o := range b.occs {
		if o.dynamic {
			return false, deps
		}
		if o.start() < int(stmt.EndByte()) {
			if o.decl && declBlock == nil {
				declBlock = goStatementBlock(o.path)
			}
			continue
		}
		if declBlock != nil && goFreshRedeclaration(e, o.path, declBlock) {
			return true, union(deps, fileSpan(e))
		}
		return false, deps
	}
	return true, deps
}

// goStatementBlock returns the block that directly holds the
// short_var_declaration whose left side the identifier at the end of path
// is, or nil.
func goStatementBlock(path []step) *sitter.Node {
	i := len(path) - 1
	if i < 3 || path[i-1].typ != "expression_list" || path[i-1].field != "left" || path[i-2].typ != "short_var_declaration" {
		return nil
	}
	if path[i-3].typ != "block" {
		return nil
	}
	return path[i-3].node
}

// goFreshRedeclaration reports whether the identifier at the end of path
// is on the left of a := directly in block, with one call of a
// standard-library package function on its right.
func goFreshRedeclaration(e *evalEnv, path []step, block *sitter.Node) bool {
	b := goStatementBlock(path)
	if b == nil || b.ID() != block.ID() {
		return false
	}
	decl := path[len(path)-3].node
	right := decl.ChildByFieldName("right")
	if right == nil || right.NamedChildCount() != 1 {
		return false
	}
	call := right.NamedChild(0)
	if call.Type() != "call_expression" {
		return false
	}
	fn := call.ChildByFieldName("function")
	if fn == nil || fn.Type() != "selector_expression" {
		return false
	}
	pkg := fn.ChildByFieldName("operand")
	if pkg == nil || pkg.Type() != "identifier" {
		return false
	}
	path2, ok := goImportPath(e, e.text(pkg))
	if !ok || path2 == "syscall" || strings.Contains(strings.SplitN(path2, "/", 2)[0], ".") {
		return false
	}
	return true
}

// goImportPath returns the import path the file imports under name (its
// alias, or the last element of the path), and whether there is one.
func goImportPath(e *evalEnv, name string) (string, bool) {
	found, ok := "", false
	c := sitter.NewTreeCursor(e.root)
	defer c.Close()
	for more := c.GoToFirstChild(); more; more = c.GoToNextSibling() {
		d := c.CurrentNode()
		if d.Type() != "import_declaration" {
			continue
		}
		walkType(d, "import_spec", func(s *sitter.Node) {
			p := s.ChildByFieldName("path")
			if p == nil {
				return
			}
			path, err := strconv.Unquote(e.text(p))
			if err != nil {
				return
			}
			as := path[strings.LastIndexByte(path, '/')+1:]
			if a := s.ChildByFieldName("name"); a != nil {
				as = e.text(a)
			}
			if as == name {
				found, ok = path, true
			}
		})
	}
	return found, ok
}

// go-set-before? @key (Go): the function around @key (the first argument
// of a Setenv call) calls Setenv with the same argument text before it.
// A second os.Setenv of a key restores the value the test saved; turned
// into t.Setenv alone it would register a cleanup that puts back the
// test's own value, leaking it after all.
func predGoSetBefore(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	path := e.index().pathToNode(n)
	if path == nil {
		return true, noDeps
	}
	fn, _ := e.functionAround(path)
	deps := spanOf(fn)
	before := string(e.src.Slice(int(fn.StartByte()), int(n.StartByte())))
	key := e.text(n)
	const call = "Setenv("
	for rest := before; ; {
		i := strings.Index(rest, call)
		if i < 0 {
			break
		}
		rest = rest[i+len(call):]
		// A key whose text starts another's (k and key2) counts too: the
		// rule then stays quiet, which is the safe side.
		if strings.HasPrefix(strings.TrimLeft(rest, " \t\n"), key) {
			return true, deps
		}
	}
	return false, deps
}

// go-unshared? @id (Go): the variable @id names is declared in the
// function around it, and nothing can change it but that function's own
// statements: no occurrence is inside a function literal (a closure that
// could run in between) or has its address taken (&err), and the binding
// is decided. Between two statements that do not mention it, its value
// stays the same.
func predGoUnshared(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	b, deps, ok := e.bindingAt(n)
	if !ok || b.dynamic || len(b.occs) == 0 || b.scope == nil || b.scope.Type() == "source_file" {
		return false, deps
	}
	declared := false
	for _, o := range b.occs {
		if o.dynamic {
			return false, deps
		}
		if o.decl {
			declared = true
		}
		for j := len(o.path) - 2; j >= 0; j-- {
			t := o.path[j].typ
			if t == "func_literal" {
				return false, deps
			}
			if t == "function_declaration" || t == "method_declaration" {
				break
			}
		}
		if s := o.start(); s > 0 && e.src.At(s-1) == '&' {
			return false, deps
		}
		if p := o.node().Parent(); p != nil && p.Type() == "unary_expression" && strings.HasPrefix(e.text(p), "&") {
			return false, deps
		}
	}
	return declared, deps
}

// go-set-by-pointer? @id (Go): @id names a local declared `var id T`
// without a value and never assigned, whose address is taken (&id): what it
// holds comes only through the pointer, from a decoder, a Scan or a flag.
// It is then data, never a constant or a literal the author wrote: raft's
// net_transport decodes the remote's error text into `var rpcError string`
// and passes it to fmt.Errorf as the format.
func predGoSetByPointer(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	b, deps, ok := e.bindingAt(n)
	if !ok || b.dynamic || b.scope == nil || b.scope.Type() == "source_file" {
		return false, deps
	}
	declared, addressed := false, false
	for _, o := range b.occs {
		if o.dynamic {
			return false, deps
		}
		if o.decl {
			if len(o.path) < 2 {
				return false, deps
			}
			spec := o.path[len(o.path)-2].node
			if spec.Type() != "var_spec" || spec.ChildByFieldName("value") != nil {
				return false, deps
			}
			declared = true
			continue
		}
		if o.write {
			return false, deps
		}
		if p := o.node().Parent(); p != nil && p.Type() == "unary_expression" && strings.HasPrefix(e.text(p), "&") {
			addressed = true
		}
	}
	return declared && addressed, deps
}
