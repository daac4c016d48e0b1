package rules

import (
	regexpsyntax "regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

func TestPredicatePython2File(t *testing.T) {
	t.Parallel()
	q := `((raise_statement) @site (#not-python2-file? @site))`
	py := syntax.Python
	runPredCases(t, []predCase{
		{"plain Python 3", py, q, "def f():\n    raise ValueError('x')\n", 1},
		{"annotations is a Python 3 future", py, q, "from __future__ import annotations\n\ndef f():\n    raise ValueError('x')\n", 1},
		{"absolute_import", py, q, "from __future__ import absolute_import\n\ndef f():\n    raise ValueError('x')\n", 0},
		{"among others", py, q, "from __future__ import annotations, division\n\ndef f():\n    raise ValueError('x')\n", 0},
		{"parenthesised", py, q, "from __future__ import (\n    print_function,\n)\n\ndef f():\n    raise ValueError('x')\n", 0},
		{"PY2 flag", py, q, "import sys\nPY2 = sys.version_info[0] == 2\n\ndef f():\n    raise ValueError('x')\n", 0},
		{"version test", py, q, "import sys\nif sys.version_info.major == 2:\n    text = unicode\n\ndef f():\n    raise ValueError('x')\n", 0},
		{"a name that ends in PY2", py, q, "USE_PY2 = False\n\ndef f():\n    raise ValueError('x')\n", 1},
	})
}

// TestPython2WordsAreTheMarkersWords: python2-file? is exact on
// python2Words, which must hold every word python2Marker's literals hold.
func TestPython2WordsAreTheMarkersWords(t *testing.T) {
	re, err := regexpsyntax.Parse(python2Marker.String(), regexpsyntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*regexpsyntax.Regexp)
	walk = func(r *regexpsyntax.Regexp) {
		if r.Op == regexpsyntax.OpLiteral {
			for _, w := range appendWords(nil, string(r.Rune)) {
				if !slices.Contains(python2Words, w) {
					t.Errorf("python2Marker's word %q is not in python2Words", w)
				}
			}
		}
		for _, s := range r.Sub {
			walk(s)
		}
	}
	walk(re)
}

// TestPython2FileDepsAreWords: a raise-from site depends on the file's
// Python 2 markers through their words: a keystroke elsewhere leaves it,
// and a word that makes or unmakes a marker changes it as a rescan does.
func TestPython2FileDepsAreWords(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	body := "\n\ndef f(d):\n    try:\n        return load(d)\n    except OSError as err:\n        raise ValueError('x')\n" + strings.Repeat("\n\ndef g(c):\n    return step(c)\n", 300)
	for _, c := range []struct{ head, old, new string }{
		{"from __future__ import divisio", "divisio", "division"},
		{"from __future__ import division", "division", "divisio"},
		{"import sys\nPY3 = sys.version_info[0] == 3", "PY3", "PY2"},
		{"import sys\nPY = sys.version_info[0] == 3", "== 3", "== 2"},
		{"import sys\nPY = sys.version_info.minor == 2", "minor", "major"},
	} {
		t.Run(c.new, func(t *testing.T) {
			t.Parallel()
			src := c.head + body
			text, tree, ix, before := indexed(t, lib, syntax.Python, src)
			at := strings.LastIndex(src, "step")
			text = keystroke(t, tree, ix, text, at, at+len("step"), "stap")
			if w := ix.LastWork(); w.Nodes > 8 || w.Roots > 0 {
				t.Errorf("a far keystroke matched %d nodes and %d roots again", w.Nodes, w.Roots)
			}
			at = strings.Index(src, c.old)
			text = keystroke(t, tree, ix, text, at, at+len(c.old), c.new)
			checkAgainstFreshParse(t, lib, syntax.Python, tree, ix, text, before)
		})
	}
}
