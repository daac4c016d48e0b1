package rules

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// TextEdit replaces the bytes of Span with NewText.
type TextEdit struct {
	Span    Span
	NewText string
	// Import marks an edit that adds or removes an import for the fix,
	// as opposed to the rewrite itself.
	Import bool
}

// ErrNotApplicable reports a fix that the text around its match does not
// allow (the package it needs is imported under another name, or the
// imports it must change overlap its own edits): a precondition checked
// when the fix is rendered, not a defect of the rule.
var ErrNotApplicable = errors.New("the fix does not apply here")

// Fix is Render without a deadline, for a single match of src: it indexes
// src's lines first, so callers rendering several matches of one text use
// Render with one syntax.Text.
func Fix(m Match, tree *syntax.Tree, src []byte) ([]TextEdit, error) {
	return Render(context.Background(), m, tree, syntax.NewText(src))
}

// Render renders the edits of m's rule against text, the text m was matched
// in, and tree, its syntax tree (used for imports and anchors). The edits are
// sorted and do not overlap. The templates run within their budget (see
// compileTemplate) and stop when ctx ends; the error then wraps
// ErrTemplateLimit.
func Render(ctx context.Context, m Match, tree *syntax.Tree, text *syntax.Text) ([]TextEdit, error) {
	r := m.Rule
	data, spans := templateData(m, text)
	edits, err := renderEdits(ctx, m, tree, text, data, spans)
	if err != nil {
		return nil, err
	}
	if len(r.Imports) > 0 || len(r.Drop) > 0 {
		imports, err := importEdits(ctx, r, tree, text, edits)
		if err != nil {
			return nil, err
		}
		edits = append(edits, imports...)
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Span.Start < edits[j].Span.Start })
	trimEmptied(text, edits)
	for i := 1; i < len(edits); i++ {
		if edits[i].Span.Start < edits[i-1].Span.End {
			return nil, fmt.Errorf("rule %s: fix edits overlap", r.ID)
		}
	}
	return edits, nil
}

// templateData returns what m's templates see (each capture's first text,
// all_NAME with every text, indent_NAME and indent when the rule uses
// them, nl; "" and none for a capture that did not match), and the span of
// each capture's first node.
func templateData(m Match, text *syntax.Text) (map[string]any, map[string]Span) {
	r := m.Rule
	data := map[string]any{}
	spans := map[string]Span{}
	for _, c := range m.Captures {
		captured := text.String(c.Span.Start, c.Span.End)
		if _, ok := data[c.Name]; !ok {
			data[c.Name] = captured
			if r.usesIndent {
				data["indent_"+c.Name] = lineIndent(text, c.Span.Start)
			}
			spans[c.Name] = c.Span
		}
		all, _ := data["all_"+c.Name].([]string)
		data["all_"+c.Name] = append(all, captured)
	}
	for _, name := range r.captureNames {
		if _, ok := data[name]; !ok {
			data[name] = ""
			data["all_"+name] = []string(nil)
			data["indent_"+name] = ""
		}
	}
	if r.usesIndent {
		data["indent"] = lineIndent(text, m.Site.Start)
	}
	data["nl"] = "\n"
	return data, spans
}

// renderEdits runs the templates of m's rule's edits and places each at
// its capture (or @toplevel, @file_end), in the rule's order; an edit at an
// optional capture that did not match is left out.
func renderEdits(ctx context.Context, m Match, tree *syntax.Tree, src *syntax.Text, data map[string]any, spans map[string]Span) ([]TextEdit, error) {
	r := m.Rule
	var edits []TextEdit
	for _, e := range r.edits {
		out, err := e.tmpl.execute(ctx, data)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		var sp Span
		switch e.at {
		case "@toplevel":
			sp = topLevelStart(tree, m.Site.Start)
		case "@file_end":
			sp = Span{src.Len(), src.Len()}
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
			out = ""
		}
		edits = append(edits, TextEdit{Span: sp, NewText: out})
	}
	return edits, nil
}

// importEdits returns the edits that add the imports r's fix needs and drop
// those it leaves unused (given the fix's own edits), marked Import.
//
// An added and a dropped import can land in the same declaration (io/ioutil
// → io in a file whose only import is io/ioutil: the add turns `import
// "io/ioutil"` into a block, the drop removes the declaration). Two such
// edits overlap and cannot both be applied to the original text, so the
// imports are then rewritten in one edit (rewriteImports) instead of
// dropping one of them: skipping the drop would leave an unused import,
// which Go refuses to compile.
func importEdits(ctx context.Context, r *Rule, tree *syntax.Tree, src *syntax.Text, edits []TextEdit) ([]TextEdit, error) {
	out, err := addImportEdits(r, tree, src)
	if err != nil {
		return nil, err
	}
	imp := importers[r.Language]
	if imp.drop == nil {
		return out, nil
	}
	adds := len(out)
	var unused []string // the dropped imports the fix leaves unused
	clash := false      // one of their edits overlaps another edit
	for _, p := range r.Drop {
		e, ok := imp.unused(tree.Root(), src, p, append(slices.Clip(edits), out[:adds]...))
		if !ok {
			continue
		}
		unused = append(unused, p)
		if overlaps(edits, e.Span) || overlaps(out, e.Span) {
			clash = true
			continue
		}
		e.Import = true
		out = append(out, e)
	}
	if !clash {
		return out, nil
	}
	return rewriteImports(ctx, r, tree.Grammar(), src, edits, unused)
}

// addImportEdits returns the edits that add the imports r's fix needs.
func addImportEdits(r *Rule, tree *syntax.Tree, src *syntax.Text) ([]TextEdit, error) {
	var out []TextEdit
	for _, imp := range r.Imports {
		if tree.Grammar() == syntax.Go {
			// The fix writes pkg.Name: an import of the package under
			// another name (or a dot import) would leave pkg undefined.
			if name, ok := goImportName(tree.Root(), src, imp); ok && name != path.Base(imp) {
				return nil, fmt.Errorf("rule %s: the file imports %q as %s: %w", r.ID, imp, name, ErrNotApplicable)
			}
		}
		if e, ok := addImport(tree, src, imp); ok {
			e.Import = true
			out = append(out, e)
		}
	}
	return out, nil
}

// rewriteImports makes r's import changes one after the other, each on the
// text the previous one left (parsed again: this is the rare case of edits
// that touch), first removing the imports in drop, then adding r's, and
// returns them as the one edit that turns src's imports into the result.
// It refuses when that edit would overlap the fix's own edits.
func rewriteImports(ctx context.Context, r *Rule, g syntax.Grammar, doc *syntax.Text, edits []TextEdit, drop []string) ([]TextEdit, error) {
	imp := importers[r.Language]
	src := doc.Bytes() // the rare fix whose import edits touch: the text is rewritten whole
	cur := src
	step := func(edit func(root *sitter.Node, text *syntax.Text) (TextEdit, bool)) error {
		t, err := syntax.Parse(ctx, g, cur)
		if err != nil {
			return fmt.Errorf("rule %s: rewrite the imports: %w", r.ID, err)
		}
		defer t.Close()
		if e, ok := edit(t.Root(), syntax.NewText(cur)); ok {
			cur = Apply(cur, []TextEdit{e})
		}
		return nil
	}
	for _, p := range drop {
		if err := step(func(root *sitter.Node, text *syntax.Text) (TextEdit, bool) { return imp.remove(root, text, p) }); err != nil {
			return nil, err
		}
	}
	for _, p := range r.Imports {
		if err := step(func(root *sitter.Node, text *syntax.Text) (TextEdit, bool) { return imp.add(root, text, p) }); err != nil {
			return nil, err
		}
	}
	e := diffEdit(src, cur)
	if overlaps(edits, e.Span) {
		return nil, fmt.Errorf("rule %s: the fix's edits overlap the imports it changes: %w", r.ID, ErrNotApplicable)
	}
	e.Import = true
	return []TextEdit{e}, nil
}

// diffEdit is the one edit that turns a into b, on whole lines: from the
// start of the first line of a that changes to the end of the last (its
// newline included), replaced by the lines of b that stand there. An import
// edit's new text is what lsp's capture follows as the added import: a
// minimal byte difference (`import "io/ioutil"` → `import "io"` is "delete
// /ioutil") would leave it a fragment, or nothing.
func diffEdit(a, b []byte) TextEdit {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	for p > 0 && a[p-1] != '\n' {
		p-- // a[:p] == b[:p]: the same line start in b
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	for s > 0 && s < len(a) && a[len(a)-1-s] != '\n' {
		s-- // within the common suffix: the same line end in b
	}
	return TextEdit{Span: Span{p, len(a) - s}, NewText: string(b[p : len(b)-s])}
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

// lineIndent returns the blanks that start the line holding off, from the
// text's line index (scanning back for the line start would cost the length
// of the line for every capture: quadratic on a minified file).
func lineIndent(text *syntax.Text, off int) string {
	start := text.LineStart(text.LineOf(off))
	end := start
	for end < text.Len() && (text.At(end) == ' ' || text.At(end) == '\t') {
		end++
	}
	return text.String(start, end)
}

// wholeLines extends sp to whole lines when only blanks surround it on them,
// so deleting a statement leaves no empty line behind.
func wholeLines(src *syntax.Text, sp Span) Span {
	s := sp.Start
	for s > 0 && (src.At(s-1) == ' ' || src.At(s-1) == '\t') {
		s--
	}
	e := sp.End
	for e < src.Len() && (src.At(e) == ' ' || src.At(e) == '\t' || src.At(e) == ';') {
		e++
	}
	if (s == 0 || src.At(s-1) == '\n') && (e == src.Len() || src.At(e) == '\n') {
		if e < src.Len() {
			e++
		}
		return Span{s, e}
	}
	return sp
}

// trimEmptied extends each run of adjacent edits that replace text by
// nothing over the blanks before it, when only blanks follow it on its line:
// removing the end of a line leaves no trailing white space. edits are sorted.
func trimEmptied(src *syntax.Text, edits []TextEdit) {
	for i := 0; i < len(edits); i++ {
		if edits[i].NewText != "" || edits[i].Span.Start == edits[i].Span.End {
			continue
		}
		j := i
		for j+1 < len(edits) && edits[j+1].NewText == "" && edits[j+1].Span.Start == edits[j].Span.End {
			j++
		}
		edits[i].Span.Start = trailingBlanks(src, Span{edits[i].Span.Start, edits[j].Span.End}).Start
		i = j
	}
}

// trailingBlanks extends sp over the blanks before it when only blanks
// follow it on its line and something else precedes them.
func trailingBlanks(src *syntax.Text, sp Span) Span {
	e := sp.End
	for e < src.Len() && (src.At(e) == ' ' || src.At(e) == '\t') {
		e++
	}
	if e < src.Len() && src.At(e) != '\n' {
		return sp
	}
	s := sp.Start
	for s > 0 && (src.At(s-1) == ' ' || src.At(s-1) == '\t') {
		s--
	}
	if s == 0 || src.At(s-1) == '\n' {
		return sp // the line would be left blank: keep its indentation
	}
	return Span{s, sp.End}
}

// topLevelStart is an insertion point before the top-level declaration that
// holds off.
func topLevelStart(tree *syntax.Tree, off int) Span {
	root := tree.Root()
	cur := sitter.NewTreeCursor(root)
	defer cur.Close()
	if cur.GoToFirstChildForByte(uint32(off)) >= 0 {
		c := cur.CurrentNode()
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

// importer adds and drops imports in one rule language's files: a fix's
// `imports` need add, its `drop_imports` need drop (rule validation refuses
// them for a language without).
type importer struct {
	// add returns the edit that imports path, or false when it is already
	// imported.
	add func(root *sitter.Node, src *syntax.Text, path string) (TextEdit, bool)
	// drop returns the edit that removes the import of path when nothing
	// outside edits refers to it any more, and false when something does or
	// the removal would overlap an edit. A language with drop has unused
	// (the edit that removes the import when it is there and unused outside
	// edits, whether or not it overlaps them) and remove (the edit that
	// removes it, unconditionally) too.
	drop   func(root *sitter.Node, src *syntax.Text, path string, edits []TextEdit) (TextEdit, bool)
	unused func(root *sitter.Node, src *syntax.Text, path string, edits []TextEdit) (TextEdit, bool)
	remove func(root *sitter.Node, src *syntax.Text, path string) (TextEdit, bool)
}

// importers are the rule languages whose imports fixes can edit.
var importers = map[string]importer{
	"go":     {add: addGoImport, drop: dropGoImport, unused: goImportUnused, remove: removeGoImportOf},
	"python": {add: addPythonImport},
}

// importLanguages lists, for messages, the rule languages whose importer
// has a capability.
func importLanguages(has func(importer) bool) string {
	var out []string
	for _, l := range Languages {
		if i, ok := importers[l]; ok && has(i) {
			out = append(out, l)
		}
	}
	return strings.Join(out, " and ")
}

// addImport returns the edit that imports path, or false when it is already
// imported or the language's imports cannot be edited.
func addImport(tree *syntax.Tree, src *syntax.Text, path string) (TextEdit, bool) {
	if add := importers[tree.Grammar().RuleLanguage()].add; add != nil {
		return add(tree.Root(), src, path)
	}
	return TextEdit{}, false
}

func addGoImport(root *sitter.Node, src *syntax.Text, path string) (TextEdit, bool) {
	quoted := strconv.Quote(path)
	var decls []*sitter.Node
	var pkg *sitter.Node
	// Imports follow the package clause: walk the top of the file only, with
	// a cursor (indexing children is quadratic in tree-sitter).
	c := sitter.NewTreeCursor(root)
	defer c.Close()
top:
	for ok := c.GoToFirstChild(); ok; ok = c.GoToNextSibling() {
		n := c.CurrentNode()
		if !n.IsNamed() {
			continue // "\n" and ";" terminators
		}
		switch n.Type() {
		case "package_clause":
			pkg = n
		case "import_declaration":
			decls = append(decls, n)
		case "comment":
		default:
			break top
		}
	}
	var specs []*sitter.Node
	for _, d := range decls {
		walkType(d, "import_spec", func(n *sitter.Node) { specs = append(specs, n) })
	}
	for _, s := range specs {
		if p := s.ChildByFieldName("path"); p != nil && src.Content(p) == quoted {
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
			if p := s.ChildByFieldName("path"); p != nil && src.Content(p) > quoted && s.ChildByFieldName("name") == nil {
				at = int(s.StartByte())
				return TextEdit{Span: Span{at, at}, NewText: quoted + "\n\t"}, true
			}
		}
		// After the last spec.
		last := lastNamedOfType(list, "import_spec")
		if last != nil {
			at = int(last.EndByte())
			return TextEdit{Span: Span{at, at}, NewText: "\n\t" + quoted}, true
		}
		return TextEdit{Span: Span{at, at}, NewText: "\t" + quoted + "\n"}, true
	}
	if len(decls) > 0 {
		// A single `import "x"`: turn it into a sorted block.
		d := decls[0]
		spec := findChild(d, "import_spec")
		if spec != nil {
			old := src.Content(spec)
			lines := []string{old, quoted}
			sort.Slice(lines, func(i, j int) bool { return importPath(lines[i]) < importPath(lines[j]) })
			return TextEdit{Span: Span{int(d.StartByte()), int(d.EndByte())}, NewText: "import (\n\t" + strings.Join(lines, "\n\t") + "\n)"}, true
		}
	}
	at := 0
	if pkg != nil {
		at = int(pkg.EndByte())
	}
	return TextEdit{Span: Span{at, at}, NewText: "\n\nimport " + quoted}, true
}

// goImportName returns the name under which the file imports path, if it
// does ("." for a dot import).
func goImportName(root *sitter.Node, src *syntax.Text, path string) (string, bool) {
	quoted := strconv.Quote(path)
	name, found := "", false
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	for ok := c.GoToFirstChild(); ok && !found; ok = c.GoToNextSibling() {
		d := c.CurrentNode()
		if !d.IsNamed() {
			continue // "\n" and ";" terminators
		}
		switch d.Type() {
		case "package_clause", "comment":
			continue
		case "import_declaration":
		default:
			return "", false
		}
		walkType(d, "import_spec", func(s *sitter.Node) {
			if p := s.ChildByFieldName("path"); p != nil && src.Content(p) == quoted && !found {
				found = true
				name = path[strings.LastIndexByte(path, '/')+1:]
				if n := s.ChildByFieldName("name"); n != nil {
					name = src.Content(n)
				}
			}
		})
	}
	return name, found
}

func importPath(spec string) string {
	if i := strings.IndexByte(spec, '"'); i >= 0 {
		return spec[i:]
	}
	return spec
}

func addPythonImport(root *sitter.Node, src *syntax.Text, module string) (TextEdit, bool) {
	var last *sitter.Node
	cur := sitter.NewTreeCursor(root)
	defer cur.Close()
	for i, ok := 0, cur.GoToFirstChild(); ok; i, ok = i+1, cur.GoToNextSibling() {
		c := cur.CurrentNode()
		if !c.IsNamed() {
			continue
		}
		switch c.Type() {
		case "import_statement":
			// Only `import module` makes module.x work: `import module as m`
			// does not bind the name module.
			var found bool
			for i := 0; i < int(c.NamedChildCount()); i++ {
				if n := c.NamedChild(i); n.Type() == "dotted_name" && src.Content(n) == module {
					found = true
				}
			}
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
		// No imports yet: after the leading comments (a shebang, a licence),
		// separated from what follows as PEP 8 asks.
		at, next := 0, root.NamedChild(0)
		for i := 0; i < int(root.NamedChildCount()); i++ {
			if c := root.NamedChild(i); c.Type() == "comment" && int(c.StartByte()) == at {
				at = min(int(c.EndByte())+1, src.Len())
				next = root.NamedChild(i + 1)
				continue
			}
			break
		}
		sep := "\n"
		if next != nil {
			switch next.Type() {
			case "function_definition", "class_definition", "decorated_definition":
				sep = "\n\n\n"
			default:
				sep = "\n\n"
			}
		}
		return TextEdit{Span: Span{at, at}, NewText: "import " + module + sep}, true
	}
	at := int(last.EndByte())
	return TextEdit{Span: Span{at, at}, NewText: "\nimport " + module}, true
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

// dropGoImport returns the edit that removes the import of path when no
// identifier outside the import declarations and the edits refers to it.
// It reads the import declarations at the top of the file and the places
// where the package's name occurs in the text, not the whole tree: this runs
// for every candidate of a code action request.
func dropGoImport(root *sitter.Node, src *syntax.Text, path string, edits []TextEdit) (TextEdit, bool) {
	spec, decl, ok := unusedGoImport(root, src, path, edits)
	if !ok {
		return TextEdit{}, false
	}
	return removeGoImport(src, spec, decl, edits)
}

// goImportUnused returns the edit that removes the import of path when path
// is imported and nothing outside the import declarations and the edits
// refers to it, without checking that the edit stays clear of the edits:
// the caller checks that, with the import's declaration scanned once.
func goImportUnused(root *sitter.Node, src *syntax.Text, path string, edits []TextEdit) (TextEdit, bool) {
	spec, decl, ok := unusedGoImport(root, src, path, edits)
	if !ok {
		return TextEdit{}, false
	}
	e, _ := removeGoImport(src, spec, decl, nil)
	return e, true
}

// unusedGoImport returns path's import spec and declaration when path is
// imported (not as _ or .) and nothing outside the import declarations and
// the edits refers to it.
func unusedGoImport(root *sitter.Node, src *syntax.Text, path string, edits []TextEdit) (spec, decl *sitter.Node, ok bool) {
	spec, decl, imports := findGoImport(root, src, path)
	if spec == nil {
		return nil, nil, false
	}
	name := path[strings.LastIndexByte(path, '/')+1:]
	if n := spec.ChildByFieldName("name"); n != nil {
		name = src.Content(n)
	}
	if name == "_" || name == "." || goNameUsed(root, src, name, imports, edits) {
		return nil, nil, false
	}
	return spec, decl, true
}

// removeGoImportOf returns the edit that removes the import of path.
func removeGoImportOf(root *sitter.Node, src *syntax.Text, path string) (TextEdit, bool) {
	spec, decl, _ := findGoImport(root, src, path)
	if spec == nil {
		return TextEdit{}, false
	}
	return removeGoImport(src, spec, decl, nil)
}

// findGoImport returns the import spec of path, its import declaration and
// the spans of every import declaration of the file (spec is nil when path
// is not imported).
func findGoImport(root *sitter.Node, src *syntax.Text, path string) (spec, decl *sitter.Node, imports []Span) {
	quoted := strconv.Quote(path)
	// Imports follow the package clause: walk the top of the file only, with
	// a cursor (indexing children is quadratic in tree-sitter).
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	for ok := c.GoToFirstChild(); ok; ok = c.GoToNextSibling() {
		d := c.CurrentNode()
		if !d.IsNamed() {
			continue
		}
		switch d.Type() {
		case "package_clause", "comment":
			continue
		case "import_declaration":
		default:
			return spec, decl, imports
		}
		imports = append(imports, Span{int(d.StartByte()), int(d.EndByte())})
		walkType(d, "import_spec", func(n *sitter.Node) {
			if p := n.ChildByFieldName("path"); p != nil && src.Content(p) == quoted && spec == nil {
				spec, decl = n, d
			}
		})
	}
	return spec, decl, imports
}

// goNameUsed reports whether an identifier name refers to the package
// outside the import declarations and the edits, or an edit's new text
// still uses it.
func goNameUsed(root *sitter.Node, src *syntax.Text, name string, imports []Span, edits []TextEdit) bool {
	inside := func(sp Span, spans []Span) bool {
		for _, o := range spans {
			if sp.Start >= o.Start && sp.End <= o.End && o.Start < o.End {
				return true
			}
		}
		return false
	}
	var editSpans []Span
	for _, e := range edits {
		if strings.Contains(e.NewText, name+".") {
			return true // the fix itself still refers to the package
		}
		editSpans = append(editSpans, e.Span)
	}
	// Every identifier named name is a word of the text: look at those.
	for off := 0; ; {
		i := src.Index(off, src.Len(), []byte(name))
		if i < 0 {
			return false
		}
		at := Span{i, i + len(name)}
		off = at.End
		if at.Start > 0 && isWordByte(src.At(at.Start-1)) || at.End < src.Len() && isWordByte(src.At(at.End)) {
			continue
		}
		if inside(at, imports) || inside(at, editSpans) {
			continue
		}
		if n := deepestAt(root, at); n != nil && (n.Type() == "identifier" || n.Type() == "package_identifier") {
			return true
		}
	}
}

// removeGoImport returns the edit that removes spec from decl: the whole
// declaration (and the blank line after it) when spec is its only import,
// `import "x"` for the one that stays of two, else spec's lines. It is
// false when the edit would overlap edits.
func removeGoImport(src *syntax.Text, spec, decl *sitter.Node, edits []TextEdit) (TextEdit, bool) {
	target := spec
	list := findChild(decl, "import_spec_list")
	switch {
	case list == nil || list.NamedChildCount() == 1:
		target = decl
	case list.NamedChildCount() == 2:
		// One spec stays: write it as `import "x"`, as gofmt users do.
		other := list.NamedChild(0)
		if other.StartByte() == spec.StartByte() {
			other = list.NamedChild(1)
		}
		if other.Type() == "import_spec" {
			return TextEdit{Span: Span{int(decl.StartByte()), int(decl.EndByte())}, NewText: "import " + src.Content(other)}, !overlaps(edits, Span{int(decl.StartByte()), int(decl.EndByte())})
		}
	}
	sp := wholeLines(src, Span{int(target.StartByte()), int(target.EndByte())})
	if target == decl && sp.End < src.Len() && src.At(sp.End) == '\n' {
		sp.End++ // and the blank line after the declaration
	}
	return TextEdit{Span: sp, NewText: ""}, !overlaps(edits, sp)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// deepestAt returns the deepest node that spans exactly sp, or nil.
func deepestAt(root *sitter.Node, sp Span) *sitter.Node {
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	var found *sitter.Node
	// childSpanning, not goto_first_child_for_byte alone: that stops at a
	// token ending where sp starts ("!" in !strings.HasPrefix(...), "(",
	// "&"), and a use of an import there went unseen.
	for childSpanning(c, uint32(sp.Start), uint32(sp.End)) {
		n := c.CurrentNode()
		if int(n.StartByte()) == sp.Start && int(n.EndByte()) == sp.End {
			found = n
		}
	}
	return found
}

// overlaps reports whether an edit (an insertion included) falls inside sp.
func overlaps(edits []TextEdit, sp Span) bool {
	for _, e := range edits {
		if e.Span.Start < sp.End && sp.Start < e.Span.End || e.Span.Start == e.Span.End && sp.Start <= e.Span.Start && e.Span.Start <= sp.End {
			return true
		}
	}
	return false
}
