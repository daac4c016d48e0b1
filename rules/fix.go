package rules

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/template"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// TextEdit replaces the bytes of Span with NewText.
type TextEdit struct {
	Span    Span
	NewText string
}

var templateFuncs = template.FuncMap{
	"replace": func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
	"replaceLast": func(old, new, s string) string {
		if i := strings.LastIndex(s, old); i >= 0 {
			return s[:i] + new + s[i+len(old):]
		}
		return s
	},
	"trim":       strings.TrimSpace,
	"trimPrefix": func(prefix, s string) string { return strings.TrimPrefix(s, prefix) },
	"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
	"lower":      strings.ToLower,
	"upper":      strings.ToUpper,
	"join":       func(sep string, list []string) string { return strings.Join(list, sep) },
	"quote":      strconv.Quote,
	"unquote": func(s string) string {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		if len(s) >= 2 && (s[0] == '\'' || s[0] == '"' || s[0] == '`') && s[len(s)-1] == s[0] {
			return s[1 : len(s)-1]
		}
		return s
	},
	"indentBy": func(prefix, s string) string {
		lines := strings.Split(s, "\n")
		for i := 1; i < len(lines); i++ {
			if lines[i] != "" {
				lines[i] = prefix + lines[i]
			}
		}
		return strings.Join(lines, "\n")
	},
}

// Fix renders the edits of m's rule against src, the text m was matched in,
// and tree, its syntax tree (used for imports and anchors). The edits are
// sorted and do not overlap.
func Fix(m Match, tree *syntax.Tree, src []byte) ([]TextEdit, error) {
	r := m.Rule
	data := map[string]any{}
	spans := map[string]Span{}
	for _, c := range m.Captures {
		text := string(src[c.Span.Start:c.Span.End])
		if _, ok := data[c.Name]; !ok {
			data[c.Name] = text
			data["indent_"+c.Name] = lineIndent(src, c.Span.Start)
			spans[c.Name] = c.Span
		}
		all, _ := data["all_"+c.Name].([]string)
		data["all_"+c.Name] = append(all, text)
	}
	for _, name := range r.queries[tree.Grammar()].captures {
		if _, ok := data[name]; !ok {
			data[name] = ""
			data["all_"+name] = []string(nil)
			data["indent_"+name] = ""
		}
	}
	indent := lineIndent(src, m.Site.Start)
	data["indent"] = indent
	data["nl"] = "\n"
	var edits []TextEdit
	for _, e := range r.edits {
		var buf bytes.Buffer
		if err := e.tmpl.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		text := buf.String()
		var sp Span
		switch e.at {
		case "@toplevel":
			sp = topLevelStart(tree, m.Site.Start)
		case "@file_end":
			sp = Span{len(src), len(src)}
		default:
			var ok bool
			if sp, ok = spans[e.at]; !ok {
				continue // an optional capture that did not match
			}
		}
		switch e.op {
		case "insert_before":
			sp.End = sp.Start
		case "insert_after":
			sp.Start = sp.End
		case "delete":
			sp = wholeLines(src, sp)
			text = ""
		}
		edits = append(edits, TextEdit{Span: sp, NewText: text})
	}
	for _, imp := range r.Imports {
		if e, ok := addImport(tree, src, imp); ok {
			edits = append(edits, e)
		}
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Span.Start < edits[j].Span.Start })
	for i := 1; i < len(edits); i++ {
		if edits[i].Span.Start < edits[i-1].Span.End {
			return nil, fmt.Errorf("rule %s: fix edits overlap", r.ID)
		}
	}
	return edits, nil
}

// Apply applies sorted, non-overlapping edits to src.
func Apply(src []byte, edits []TextEdit) []byte {
	var out []byte
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Span.Start]...)
		out = append(out, e.NewText...)
		last = e.Span.End
	}
	return append(out, src[last:]...)
}

func lineIndent(src []byte, off int) string {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// wholeLines extends sp to whole lines when only blanks surround it on them,
// so deleting a statement leaves no empty line behind.
func wholeLines(src []byte, sp Span) Span {
	s := sp.Start
	for s > 0 && (src[s-1] == ' ' || src[s-1] == '\t') {
		s--
	}
	e := sp.End
	for e < len(src) && (src[e] == ' ' || src[e] == '\t' || src[e] == ';') {
		e++
	}
	if (s == 0 || src[s-1] == '\n') && (e == len(src) || src[e] == '\n') {
		if e < len(src) {
			e++
		}
		return Span{s, e}
	}
	return sp
}

// topLevelStart is an insertion point before the top-level declaration that
// holds off.
func topLevelStart(tree *syntax.Tree, off int) Span {
	root := tree.Root()
	for i := 0; i < int(root.NamedChildCount()); i++ {
		c := root.NamedChild(i)
		if int(c.StartByte()) <= off && off < int(c.EndByte()) {
			// Keep doc comments attached to the declaration.
			for p := c.PrevNamedSibling(); p != nil && p.Type() == "comment" && int(p.EndByte())+1 >= int(c.StartByte())-1; p = p.PrevNamedSibling() {
				c = p
			}
			return Span{int(c.StartByte()), int(c.StartByte())}
		}
	}
	return Span{off, off}
}

// addImport returns the edit that imports path, or false when it is already
// imported.
func addImport(tree *syntax.Tree, src []byte, path string) (TextEdit, bool) {
	switch tree.Grammar() {
	case syntax.Go:
		return addGoImport(tree.Root(), src, path)
	case syntax.Python:
		return addPythonImport(tree.Root(), src, path)
	}
	return TextEdit{}, false
}

func addGoImport(root *sitter.Node, src []byte, path string) (TextEdit, bool) {
	quoted := strconv.Quote(path)
	var decls []*sitter.Node
	var pkg *sitter.Node
	for i := 0; i < int(root.NamedChildCount()); i++ {
		c := root.NamedChild(i)
		switch c.Type() {
		case "package_clause":
			pkg = c
		case "import_declaration":
			decls = append(decls, c)
		}
	}
	var specs []*sitter.Node
	for _, d := range decls {
		walkType(d, "import_spec", func(n *sitter.Node) { specs = append(specs, n) })
	}
	for _, s := range specs {
		if p := s.ChildByFieldName("path"); p != nil && p.Content(src) == quoted {
			return TextEdit{}, false
		}
	}
	for _, d := range decls {
		list := findChild(d, "import_spec_list")
		if list == nil {
			continue
		}
		// Insert in sorted position, as gofmt orders a block.
		at := int(list.EndByte()) - 1 // before ")"
		for i := 0; i < int(list.NamedChildCount()); i++ {
			s := list.NamedChild(i)
			if s.Type() != "import_spec" {
				continue
			}
			if p := s.ChildByFieldName("path"); p != nil && p.Content(src) > quoted && s.ChildByFieldName("name") == nil {
				at = int(s.StartByte())
				return TextEdit{Span{at, at}, quoted + "\n\t"}, true
			}
		}
		// After the last spec.
		last := lastNamedOfType(list, "import_spec")
		if last != nil {
			at = int(last.EndByte())
			return TextEdit{Span{at, at}, "\n\t" + quoted}, true
		}
		return TextEdit{Span{at, at}, "\t" + quoted + "\n"}, true
	}
	if len(decls) > 0 {
		// A single `import "x"`: turn it into a sorted block.
		d := decls[0]
		spec := findChild(d, "import_spec")
		if spec != nil {
			old := spec.Content(src)
			lines := []string{old, quoted}
			sort.Slice(lines, func(i, j int) bool { return importPath(lines[i]) < importPath(lines[j]) })
			return TextEdit{Span{int(d.StartByte()), int(d.EndByte())}, "import (\n\t" + strings.Join(lines, "\n\t") + "\n)"}, true
		}
	}
	at := 0
	if pkg != nil {
		at = int(pkg.EndByte())
	}
	return TextEdit{Span{at, at}, "\n\nimport " + quoted}, true
}

func importPath(spec string) string {
	if i := strings.IndexByte(spec, '"'); i >= 0 {
		return spec[i:]
	}
	return spec
}

func addPythonImport(root *sitter.Node, src []byte, module string) (TextEdit, bool) {
	var last *sitter.Node
	for i := 0; i < int(root.NamedChildCount()); i++ {
		c := root.NamedChild(i)
		switch c.Type() {
		case "import_statement":
			var found bool
			walkType(c, "dotted_name", func(n *sitter.Node) {
				if n.Content(src) == module {
					found = true
				}
			})
			if found {
				return TextEdit{}, false
			}
			last = c
		case "import_from_statement", "future_import_statement":
			last = c
		case "expression_statement":
			if i == 0 && c.NamedChildCount() == 1 && c.NamedChild(0).Type() == "string" {
				last = c // module docstring
			}
		}
		if c.Type() != "import_statement" && c.Type() != "import_from_statement" && c.Type() != "future_import_statement" && c.Type() != "expression_statement" && c.Type() != "comment" {
			break
		}
	}
	if last == nil {
		return TextEdit{Span{0, 0}, "import " + module + "\n"}, true
	}
	at := int(last.EndByte())
	return TextEdit{Span{at, at}, "\nimport " + module}, true
}

func walkType(n *sitter.Node, typ string, fn func(*sitter.Node)) {
	if n.Type() == typ {
		fn(n)
	}
	for i := 0; i < int(n.NamedChildCount()); i++ {
		walkType(n.NamedChild(i), typ, fn)
	}
}

func findChild(n *sitter.Node, typ string) *sitter.Node {
	for i := 0; i < int(n.NamedChildCount()); i++ {
		if c := n.NamedChild(i); c.Type() == typ {
			return c
		}
	}
	return nil
}

func lastNamedOfType(n *sitter.Node, typ string) *sitter.Node {
	var last *sitter.Node
	for i := 0; i < int(n.NamedChildCount()); i++ {
		if c := n.NamedChild(i); c.Type() == typ {
			last = c
		}
	}
	return last
}
