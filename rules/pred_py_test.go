package rules

import (
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
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
		// A file whose own code Python 2 cannot parse does not run there,
		// whatever it imports from __future__ (certbot's compat modules).
		{"annotated parameter", py, q, "from __future__ import absolute_import\n\ndef f(path: str):\n    raise ValueError('x')\n", 1},
		{"return annotation", py, q, "from __future__ import absolute_import\n\ndef f(path) -> None:\n    raise ValueError('x')\n", 1},
		{"annotated assignment", py, q, "from __future__ import division\nLIMIT: int = 3\n\ndef f():\n    raise ValueError('x')\n", 1},
		{"an f-string", py, q, "from __future__ import print_function\n\ndef f(n):\n    raise ValueError(f'{n}')\n", 1},
		{"keyword-only", py, q, "from __future__ import division\n\ndef f(*, n):\n    raise ValueError('x')\n", 1},
		{"nonlocal", py, q, "from __future__ import division\n\ndef f():\n    n = 0\n    def g():\n        nonlocal n\n    raise ValueError('x')\n", 1},
		{"an f-string only in a comment or string", py, q, "from __future__ import division\n# f'{x}' -> None\n\ndef f():\n    raise ValueError(\"def g(x: int) -> None\")\n", 0},
		{"Python 2 print beside", py, q, "from __future__ import division\nprint 'hello'\n\ndef f():\n    raise ValueError('x')\n", 0},
	})
}

// TestPython2FileIsInexact: #python2-file? reads its markers as text, and
// a word typed between two blanks of one is an inert change to the index
// (tree-sitter wraps the word in an ERROR node and changes nothing else),
// whose only word is the new one, yet it unmakes the marker. So the
// predicate says nothing of what it read (inexact) and every change of the
// file counts; this edit must agree with a rescan, and did not while the
// predicate declared the markers' words. The answer also rests on syntax
// anywhere in the file: an annotation typed in another function makes a
// file that imports absolute_import a Python 3 one.
func TestPython2FileIsInexact(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	const handler = "\ndef f(d):\n    try:\n        return load(d)\n    except OSError as err:\n        raise ValueError('x')\n"
	for _, c := range []struct{ name, src, after, insert string }{
		{"a word in the marker", "import sys\nPY = sys.version_info[0] ==  2\n" + handler, "== ", "x"},
		{"an annotation elsewhere", "from __future__ import absolute_import\n" + handler + "\ndef g(path):\n    return path\n", "g(path", ": str"},
	} {
		t.Run(c.name, func(t *testing.T) {
			text, tree, ix, before := indexed(t, lib, syntax.Python, c.src)
			at := strings.Index(c.src, c.after) + len(c.after)
			text = keystroke(t, tree, ix, text, at, at, c.insert)
			checkAgainstFreshParse(t, lib, syntax.Python, tree, ix, text, before)
		})
	}
}

// TestPython2TextEqualsMatch compares python2Text, which reads the lines
// around the markers' words, with the marker searched in the whole text:
// on texts written to test its windows (a parenthesised import over
// several lines, markers inside longer words, after a long first piece),
// and on real Python files.
func TestPython2TextEqualsMatch(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x = 1\n", 5000)
	cases := []string{
		"from __future__ import (\n    absolute_import,\n    division,\n)\n",
		"from __future__ import (annotations,\n  barry_as_FLUFL)\nx = (1)\n",
		"from __future__ import annotations\nprint(division)\n",
		"  PY2 = sys.version_info[0] == 2\n",
		"NOT_PY2 = 1\nPY2x = 2\n",
		"if sys.version_info [ 0 ] == 2: pass\n",
		"if sys.version_info.major == 2:\n",
		"if sys.version_info.major == 20:\n",
		"s = 'version_info'\n",
		long + "from __future__ import print_function\n",
		long + "from __future__ import (\n" + long + "  generators)\n",
		long,
	}
	c := realcorpus.Require(t)
	drawn, err := c.Sample(syntax.Python, 11, realcorpus.EnvCount(t, "SYNTX_REAL_PY2_FILES", 150), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range drawn {
		cases = append(cases, string(f.Src))
	}
	for i, src := range cases {
		if got, want := python2Text(syntax.NewText([]byte(src))), python2Marker.MatchString(src); got != want {
			t.Fatalf("case %d (%.60q): %v, the whole text's search %v", i, src, got, want)
		}
	}
}
