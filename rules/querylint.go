package rules

import (
	"fmt"
	"strings"
)

// Query shapes that can stall a file. tree-sitter runs a pattern by keeping
// a state for every partial match; a node pattern with two child patterns
// and no anchor between them, (block (A) (B)), starts a state at every A
// child and keeps each alive while it scans the later siblings for a B. In a
// block with thousands of A children (generated code: a 171 KB file of
// thousands of var declarations) that is quadratic, and one query took 64 s.
// Anchored siblings, (block (A) . (B)), die at the next sibling. A child
// after a field name (function: (...) arguments: (...)) is found once per
// node and costs nothing.
//
// unanchoredSiblings lists such places in a query's text; rule authors fix
// them by anchoring the siblings, or by rooting the pattern at B and
// checking A with a scope predicate (#declared-before?, #known-type?).

// sexpr is a parsed query form: a node pattern, an alternation, a string,
// or a leaf token.
type sexpr struct {
	kind     byte // '(' node or group, '[' alternation, '"' string, 'a' anchor, 'w' word, 'p' predicate
	head     string
	field    string // the field name before it, if any
	children []*sexpr
	pos      int
}

func unanchoredSiblings(query string) ([]string, error) {
	p := &sexprParser{text: query}
	var out []string
	for {
		p.skip()
		if p.i >= len(p.text) {
			break
		}
		f, err := p.form()
		if err != nil {
			return nil, err
		}
		checkSiblings(f, query, &out)
	}
	return out, nil
}

// fixedArity are node types with a handful of children at most, whatever
// the file: unanchored siblings inside them cost nothing.
var fixedArity = set("keyed_element", "jsx_attribute", "pair", "comparison_operator", "except_clause", "as_pattern", "string")

func checkSiblings(f *sexpr, text string, out *[]string) {
	if f.kind == '(' && f.head != "" && !strings.HasPrefix(f.head, "#") && !fixedArity[f.head] && !startAnchored(f, text) {
		var prev *sexpr
		for _, c := range f.children {
			switch c.kind {
			case 'a':
				prev = nil
				continue
			case 'p', 'w':
				continue
			}
			if prev != nil && prev.field == "" && c.field == "" {
				line := strings.Count(text[:c.pos], "\n") + 1
				*out = append(*out, fmt.Sprintf("line %d: (%s ...) has sibling patterns without an anchor between them", line, f.head))
			}
			prev = c
		}
	}
	for _, c := range f.children {
		checkSiblings(c, text, out)
	}
}

// startAnchored reports whether a node pattern's first child pattern can
// only match the node's first child: it follows a "." anchor, or it is the
// opening bracket token. Partial matches then start once per node.
func startAnchored(f *sexpr, text string) bool {
	for _, c := range f.children {
		switch c.kind {
		case 'p', 'w':
			continue
		case 'a':
			return true
		case '"':
			tok := text[c.pos:]
			if i := strings.IndexByte(tok[1:], '"'); i >= 0 {
				tok = tok[1 : i+1]
			}
			return tok == "(" || tok == "[" || tok == "{"
		}
		return false
	}
	return false
}

type sexprParser struct {
	text string
	i    int
}

func (p *sexprParser) skip() {
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

// suffixes skips quantifiers and captures after a form.
func (p *sexprParser) suffixes() {
	for {
		p.skip()
		if p.i >= len(p.text) {
			return
		}
		switch p.text[p.i] {
		case '*', '+', '?':
			p.i++
		case '@':
			p.i++
			for p.i < len(p.text) && isIdent(p.text[p.i]) {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *sexprParser) form() (*sexpr, error) {
	p.skip()
	if p.i >= len(p.text) {
		return nil, fmt.Errorf("unexpected end of query")
	}
	start := p.i
	// A negated field "!name" stands alone.
	if p.text[p.i] == '!' {
		p.i++
		p.skipIdent()
		return &sexpr{kind: 'p', pos: start}, nil
	}
	field := p.fieldName()
	if p.i >= len(p.text) {
		return nil, fmt.Errorf("unexpected end of query")
	}
	f := &sexpr{field: field, pos: start}
	switch c := p.text[p.i]; c {
	case '(', '[':
		if err := p.group(f, c); err != nil {
			return nil, err
		}
	case '"':
		f.kind = '"'
		p.i = skipString(p.text, p.i)
	case '.':
		f.kind = 'a'
		p.i++
		return f, nil
	case '@':
		f.kind = 'w' // a capture after a form, handled by suffixes
		p.i++
		p.skipIdent()
		return f, nil
	default:
		f.kind = 'w'
		p.skipIdent()
		if p.i == start {
			return nil, fmt.Errorf("unexpected %q at offset %d", p.text[p.i], p.i)
		}
		if f.field == "" && f.kind == 'w' && p.text[start:p.i] == "_" {
			f.kind = '('
			f.head = "_"
		}
	}
	p.suffixes()
	return f, nil
}

// skipIdent moves past an identifier, if one starts here.
func (p *sexprParser) skipIdent() {
	for p.i < len(p.text) && isIdent(p.text[p.i]) {
		p.i++
	}
}

// fieldName reads a field name ("name:") and the space after it, if one
// starts here, and returns it ("" when none does).
func (p *sexprParser) fieldName() string {
	j := p.i
	if !isIdent(p.text[j]) {
		return ""
	}
	for j < len(p.text) && isIdent(p.text[j]) {
		j++
	}
	if j >= len(p.text) || p.text[j] != ':' {
		return ""
	}
	field := p.text[p.i:j]
	p.i = j + 1
	p.skip()
	return field
}

// group reads a node "(head children...)" or an alternation "[...]", open
// being the bracket at p.i, into f. A head starting with # is a predicate.
func (p *sexprParser) group(f *sexpr, open byte) error {
	closer := byte(')')
	if open == '[' {
		closer = ']'
	}
	p.i++
	p.skip()
	f.kind = open
	if open == '(' && p.i < len(p.text) && (isIdent(p.text[p.i]) || p.text[p.i] == '_') {
		j := p.i
		for j < len(p.text) && isIdent(p.text[j]) {
			j++
		}
		if j >= len(p.text) || p.text[j] != ':' {
			f.head = p.text[p.i:j]
			p.i = j
		}
	}
	if strings.HasPrefix(f.head, "#") {
		f.kind = 'p'
	}
	for {
		p.skip()
		if p.i >= len(p.text) {
			return fmt.Errorf("unbalanced brackets")
		}
		if p.text[p.i] == closer {
			p.i++
			return nil
		}
		child, err := p.form()
		if err != nil {
			return err
		}
		f.children = append(f.children, child)
	}
}
