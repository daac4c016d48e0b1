package rules

import (
	"regexp"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// python2-file? @n (Python): the file is written to run on Python 2 too. It
// imports a Python 2 feature from __future__ (absolute_import, division,
// print_function, unicode_literals, with_statement, generators,
// nested_scopes; not annotations, a Python 3.7 one), or tests for Python 2
// (`PY2 = ...`, `version_info[0] == 2`, `version_info.major == 2`). A fix
// that writes Python-3-only syntax, such as `raise ... from None`, is a
// SyntaxError there (six, issue 21's eighth round), and no project file
// may say so: a single module vendored or installed without its setup.py.
// A file whose own code already has Python-3-only syntax (annotations, an
// f-string, keyword-only parameters, nonlocal, await, raise ... from)
// cannot run on Python 2 whatever it imports: certbot's compat modules and
// rich's traceback keep `from __future__ import absolute_import` beside
// their annotations.
func predPython2File(e *evalEnv, _ *sitter.Node, _ []predArg) (bool, Span) {
	return e.eval(&python2FileScan, e.root, nil)
}

// python2FileScan is python2-file?'s look at the whole file, memoised per
// file like module-file?'s.
var python2FileScan = predicateDef{"", python2FileOf, false}

var python2Marker = regexp.MustCompile(`(?m)^[ \t]*from[ \t]+__future__[ \t]+import(?:[^\n]*|[ \t]*\([^)]*)\b(absolute_import|division|print_function|unicode_literals|with_statement|generators|nested_scopes)\b` +
	`|^[ \t]*PY2[ \t]*=` +
	`|version_info[ \t]*\[[ \t]*0[ \t]*\][ \t]*==[ \t]*2\b` +
	`|version_info\.major[ \t]*==[ \t]*2\b`)

func python2FileOf(e *evalEnv, _ *sitter.Node, _ []predArg) (bool, Span) {
	return python2Text(e.src) && !python3Syntax(e.root), fileSpan(e)
}

// python3SyntaxQuery matches syntax that Python 2 cannot parse.
var python3SyntaxQuery = sync.OnceValue(func() *sitter.Query {
	q, err := sitter.NewQuery([]byte(`[
  (typed_parameter)
  (typed_default_parameter)
  (function_definition return_type: (_))
  (assignment type: (_))
  (keyword_separator)
  (nonlocal_statement)
  (await)
  (raise_statement cause: (_))
  (interpolation)
] @py3`), syntax.Python.Language())
	if err != nil {
		panic(err)
	}
	return q
})

// python3Syntax reports whether the tree under root has syntax only Python
// 3 parses, in a part that parsed: tree-sitter reads Python 2's print
// statement as an error and goes on, and nothing inside an error counts.
// It runs only for a file python2Text marks, and stops at the first match.
func python3Syntax(root *sitter.Node) bool {
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	qc.Exec(python3SyntaxQuery(), root)
	for {
		m, ok := qc.NextMatch()
		if !ok {
			return false
		}
		if len(m.Captures) > 0 && !insideError(m.Captures[0].Node) {
			return true
		}
	}
}

// insideError reports whether n is, or is under, an ERROR node.
func insideError(n *sitter.Node) bool {
	for ; n != nil; n = n.Parent() {
		if n.IsError() {
			return true
		}
	}
	return false
}

// python2Text reports whether python2Marker matches src, reading only the
// lines around the words every match holds (__future__, PY2,
// version_info), found with Text.Find, which later versions of the text
// inherit: the whole-file search cost each keystroke near a site of a rule
// that asks the file's text joined into one slice. A match of the
// __future__ import reaches from its line's start to that line's end or,
// for a parenthesised list, to the first ")" after the word; the others
// stay on their line. TestPython2TextEqualsMatch compares it with the
// search of the whole text.
func python2Text(src *syntax.Text) bool {
	for _, word := range []string{"__future__", "PY2", "version_info"} {
		at, ok := src.Find(word)
		if !ok {
			return python2Marker.Match(src.Bytes()) // too many to list
		}
		for _, o := range at {
			start, end := src.LFLine(o)
			if word == "__future__" {
				if p := src.IndexByte(o, src.Len(), ')'); p > end {
					end = p
				}
			}
			if python2Marker.Match(src.Slice(start, end+1)) {
				return true
			}
		}
	}
	return false
}
