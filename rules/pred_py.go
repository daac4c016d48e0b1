package rules

import (
	"regexp"

	sitter "github.com/smacker/go-tree-sitter"
)

// python2-file? @n (Python): the file is written to run on Python 2 too. It
// imports a Python 2 feature from __future__ (absolute_import, division,
// print_function, unicode_literals, with_statement, generators,
// nested_scopes; not annotations, a Python 3.7 one), or tests for Python 2
// (`PY2 = ...`, `version_info[0] == 2`, `version_info.major == 2`). A fix
// that writes Python-3-only syntax, such as `raise ... from None`, is a
// SyntaxError there (six, issue 21's eighth round), and no project file
// may say so: a single module vendored or installed without its setup.py.
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
	return python2Marker.Match(e.src), fileSpan(e)
}
