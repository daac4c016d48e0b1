package rules

import (
	"fmt"
	"strings"
)

// This file rewrites a rule's query text into the form the index matches:
// every top-level pattern gets a capture on its root node (rootCapture), so
// that each match says which node it is rooted at, and the patterns whose
// root only serves to require a parent type ("a statement directly inside a
// block") are lifted to the child they are about. See "Incremental
// matching" in the package documentation for why.

// rootCapture is the capture the index adds to the root node of every
// pattern. It is not part of a Match's captures.
const rootCapture = "syntx.root"

// maxRootCaptures is how many captures a pattern's root node may carry in a
// rule: tree-sitter keeps three per node, and the index needs one.
const maxRootCaptures = 2

// rootedPattern is one top-level pattern of a rewritten query.
type rootedPattern struct {
	text string
	// parent is, for a lifted pattern, the node type the matched node's
	// parent must have ("" for a pattern matched as written).
	parent string
}

// formKind classifies the forms of the query language.
type formKind int

const (
	formNode      formKind = iota // (type items...) or (_ items...)
	formGroup                     // ((a) (b) ...): a sequence of sibling patterns
	formAlt                       // [a b ...]
	formString                    // "text": an anonymous node
	formWildcard                  // _
	formPredicate                 // (#eq? ...)
	formAnchor                    // .
	formNegField                  // !field
)

// form is one parsed form of a query. Offsets index the query text.
type form struct {
	kind formKind
	name string // node type of a formNode, field of a formNegField
	// field is the "name:" prefix of a child item, "" if none.
	field string
	// start and end delimit the form itself (after its field prefix,
	// before its quantifiers and captures); suffixEnd is the end of those.
	start, end, suffixEnd int
	quantified            bool
	captures              []string
	items                 []*form // children of a node, group or alternation
}

// queryParser reads the tree-sitter query language far enough to find each
// pattern's root and children. tree-sitter itself checks everything else when
// the query is compiled.
type queryParser struct {
	text string
	i    int
}

func parseQuery(text string) ([]*form, error) {
	p := &queryParser{text: text}
	var out []*form
	for {
		p.skip()
		if p.i >= len(p.text) {
			return out, nil
		}
		f, err := p.item()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

// skip skips white space and comments.
func (p *queryParser) skip() {
	for p.i < len(p.text) {
		switch c := p.text[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.i++
		case c == ';':
			for p.i < len(p.text) && p.text[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '/' || c == '?' || c == '!' || c == '#' ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *queryParser) name() string {
	j := p.i
	for j < len(p.text) && isNameByte(p.text[j]) && p.text[j] != ':' {
		j++
	}
	s := p.text[p.i:j]
	p.i = j
	return s
}

func (p *queryParser) errorf(format string, args ...any) error {
	return fmt.Errorf("query: offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// item parses one item: a field prefix, then a form and its suffixes.
func (p *queryParser) item() (*form, error) {
	p.skip()
	if p.i >= len(p.text) {
		return nil, p.errorf("unexpected end")
	}
	field := ""
	if c := p.text[p.i]; c != '(' && c != '[' && c != '"' && c != '.' && c != '!' && c != '@' {
		// "field: form", or a bare "_".
		save := p.i
		n := p.name()
		p.skip()
		if n != "" && p.i < len(p.text) && p.text[p.i] == ':' {
			p.i++
			p.skip()
			field = n
		} else {
			p.i = save
		}
	}
	f, err := p.form()
	if err != nil {
		return nil, err
	}
	f.field = field
	p.suffix(f)
	return f, nil
}

// suffix reads quantifiers and captures after a form.
func (p *queryParser) suffix(f *form) {
	f.suffixEnd = f.end
	for {
		p.skip()
		if p.i >= len(p.text) {
			return
		}
		switch p.text[p.i] {
		case '*', '+', '?':
			f.quantified = true
			p.i++
		case '@':
			p.i++
			f.captures = append(f.captures, p.name())
		default:
			return
		}
		f.suffixEnd = p.i
	}
}

func (p *queryParser) form() (*form, error) {
	start := p.i
	switch c := p.text[p.i]; c {
	case '"':
		p.i = skipString(p.text, p.i)
		return &form{kind: formString, start: start, end: p.i}, nil
	case '.':
		p.i++
		return &form{kind: formAnchor, start: start, end: p.i}, nil
	case '!':
		p.i++
		return &form{kind: formNegField, name: p.name(), start: start, end: p.i}, nil
	case '[':
		p.i++
		f := &form{kind: formAlt, start: start}
		if err := p.items(f, ']'); err != nil {
			return nil, err
		}
		f.end = p.i
		return f, nil
	case '(':
		p.i++
		p.skip()
		if p.i >= len(p.text) {
			return nil, p.errorf("unbalanced parentheses")
		}
		f := &form{start: start}
		switch d := p.text[p.i]; {
		case d == '(' || d == '[' || d == '"':
			f.kind = formGroup
		case d == '#' || d == '.':
			f.kind = formPredicate
			// Predicates hold strings and captures; skip to the closing
			// parenthesis.
			for p.i < len(p.text) && p.text[p.i] != ')' {
				if p.text[p.i] == '"' {
					p.i = skipString(p.text, p.i)
					continue
				}
				p.i++
			}
			if p.i >= len(p.text) {
				return nil, p.errorf("unbalanced parentheses")
			}
			p.i++
			f.end = p.i
			return f, nil
		default:
			f.kind = formNode
			f.name = p.name()
			if f.name == "" {
				return nil, p.errorf("expected a node type")
			}
		}
		if err := p.items(f, ')'); err != nil {
			return nil, err
		}
		f.end = p.i
		return f, nil
	}
	if p.text[p.i] == '_' {
		p.i++
		return &form{kind: formWildcard, start: start, end: p.i}, nil
	}
	return nil, p.errorf("unexpected %q", p.text[p.i])
}

// items parses items up to the closing byte and consumes it.
func (p *queryParser) items(f *form, closing byte) error {
	for {
		p.skip()
		if p.i >= len(p.text) {
			return p.errorf("unbalanced brackets")
		}
		if p.text[p.i] == closing {
			p.i++
			return nil
		}
		it, err := p.item()
		if err != nil {
			return err
		}
		f.items = append(f.items, it)
	}
}

// patterns returns the items of f that are patterns (not predicates,
// anchors or negated fields).
func (f *form) patterns() []*form {
	var out []*form
	for _, it := range f.items {
		switch it.kind {
		case formPredicate, formAnchor, formNegField:
		default:
			out = append(out, it)
		}
	}
	return out
}

// rootedPatterns rewrites a query's text into its patterns, each with a
// capture on its root node (see rootCapture):
//
//   - a pattern with one root node gets the capture on that node;
//   - a sequence of sibling patterns at the top level, which tree-sitter
//     matches under any parent, becomes a child sequence of a wildcard
//     parent, (_ ...), which it then depends on;
//   - a pattern of the shape (T (C ...)) — a root that is not captured, has
//     exactly one child pattern, without field, anchor, quantifier or
//     negated field — is lifted to (C ...) with the condition that the
//     parent of the matched node has type T; an alternation of such
//     patterns becomes one lifted pattern per branch. Matching the lifted
//     pattern at a node depends on that node's subtree and its parent's
//     type only, not on the siblings: after an edit, a block of thousands
//     of statements is not walked again for the one statement that changed.
func rootedPatterns(text string) ([]rootedPattern, error) {
	forms, err := parseQuery(text)
	if err != nil {
		return nil, err
	}
	var out []rootedPattern
	for _, f := range forms {
		if f.kind == formPredicate || f.kind == formAnchor || f.kind == formNegField {
			return nil, fmt.Errorf("query: offset %d: a predicate, anchor or negated field outside a pattern", f.start)
		}
		ps, err := rooted(text, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("query: no pattern found")
	}
	return out, nil
}

// rooted rewrites one top-level form.
func rooted(text string, f *form) ([]rootedPattern, error) {
	whole := text[f.start:f.suffixEnd]
	// The root node and the predicates that go with it: a group holding
	// exactly one pattern (and predicates) stands for that pattern.
	root, preds := f, []*form(nil)
	for root.kind == formGroup && !root.quantified && len(root.captures) == 0 {
		ps := root.patterns()
		if len(ps) != 1 || ps[0].quantified || ps[0].field != "" {
			break
		}
		for _, it := range root.items {
			if it.kind == formPredicate {
				preds = append(preds, it)
			}
		}
		root = ps[0]
	}
	if root.kind == formGroup || root.quantified || root.field != "" {
		// Siblings (or a repetition) at the top level: make the parent
		// they share the root.
		return []rootedPattern{{text: "(_ " + whole + ") @" + rootCapture}}, nil
	}
	if len(root.captures) > maxRootCaptures {
		return nil, fmt.Errorf("query: offset %d: at most %d captures on a pattern's root node", root.start, maxRootCaptures)
	}
	if lifted := lift(text, root, preds); lifted != nil {
		return lifted, nil
	}
	return []rootedPattern{{text: text[f.start:root.end] + " @" + rootCapture + text[root.end:f.suffixEnd]}}, nil
}

// lift returns the lifted patterns of root (see rootedPatterns), or nil if
// it cannot be lifted. preds are the predicates of the groups around root.
func lift(text string, root *form, preds []*form) []rootedPattern {
	if len(root.captures) > 0 {
		return nil
	}
	var branches []*form
	switch root.kind {
	case formNode:
		branches = []*form{root}
	case formAlt:
		branches = root.items
	default:
		return nil
	}
	var out []rootedPattern
	for _, b := range branches {
		if b.kind != formNode || len(b.captures) > 0 || b.quantified || b.field != "" ||
			b.name == "_" || b.name == "ERROR" || b.name == "MISSING" || strings.Contains(b.name, "/") {
			return nil
		}
		var child *form
		inner := preds
		for _, it := range b.items {
			switch it.kind {
			case formPredicate:
				inner = append(inner, it)
			case formAnchor, formNegField:
				return nil
			default:
				if child != nil {
					return nil
				}
				child = it
			}
		}
		if child == nil || child.field != "" || child.quantified {
			return nil
		}
		if (child.kind != formNode && child.kind != formAlt) || (child.kind == formNode && child.name == "_") {
			return nil
		}
		if len(child.captures) > maxRootCaptures {
			return nil
		}
		var s strings.Builder
		s.WriteString("(")
		s.WriteString(text[child.start:child.end])
		s.WriteString(" @" + rootCapture)
		s.WriteString(text[child.end:child.suffixEnd])
		for _, p := range inner {
			s.WriteString(" ")
			s.WriteString(text[p.start:p.end])
		}
		s.WriteString(")")
		out = append(out, rootedPattern{text: s.String(), parent: b.name})
	}
	return out
}
