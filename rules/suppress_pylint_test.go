package rules

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// pylintBlockCases are pylint's block directives, each with the lines on
// which pylint itself still reports singleton-comparison (C0121, the check
// python.none-comparison shares): every other comparison with None in the
// file is silenced. The lines are pylint 2.16's (Debian's), which
// TestPylintBlockCasesArePylints confirms when pylint is installed.
var pylintBlockCases = []struct {
	name     string
	code     string
	reported []int
}{
	{"a disable alone on its line covers the rest of the function", `def f(x):
    # pylint: disable=singleton-comparison
    y = 1
    if x == None:
        pass
    return y
`, nil},
	{"and ends with it", `def f(x):
    # pylint: disable=singleton-comparison
    y = 1
    return y


def g(x):
    if x == None:
        pass
`, []int{8}},
	{"an enable in an inner block", `def f(x, z):
    # pylint: disable=singleton-comparison
    if z:
        # pylint: enable=singleton-comparison
        if x == None:
            pass
    return x == None
`, []int{5}},
	{"the disable holds again after the inner block", `def f(x, z):
    # pylint: disable=singleton-comparison
    if z:
        # pylint: enable=singleton-comparison
        pass
    if x == None:
        pass
`, nil},
	{"on a def line it is the line's own", `def f(x):  # pylint: disable=singleton-comparison
    if x == None:
        pass
`, []int{2}},
	{"on an if line too", `def f(x, y):
    if y:  # pylint: disable=singleton-comparison
        if x == None:
            pass
`, []int{3}},
	{"after an inner block's last statement it belongs to the block around it", `def f(x):
    if x:
        pass
        # pylint: disable=singleton-comparison
    if x == None:
        pass
`, nil},
	{"first in an if's body it covers that body only", `def f(x, z):
    if z:
        # pylint: disable=singleton-comparison
        y = x == None
    if x == None:
        pass
`, []int{5}},
	{"first in an if's body it leaves the else alone", `def f(x, z):
    if z:
        # pylint: disable=singleton-comparison
        y = x == None
    else:
        y = x != None
    return y
`, []int{6}},
	{"first in a try's body it leaves the handler alone", `def f(x):
    try:
        # pylint: disable=singleton-comparison
        y = x == None
    except ValueError:
        y = x != None
    return y
`, []int{6}},
	{"at the top of the module it covers the file", `# pylint: disable=singleton-comparison
import os


def f(x):
    return x == None, os
`, nil},
	{"in a class body it covers the class", `class A:
    # pylint: disable=singleton-comparison

    def f(self, x):
        return x == None

    def g(self, x):
        return x != None


def h(x):
    return x == None
`, []int{12}},
	{"another check is not silenced", `def f(x):
    # pylint: disable=bare-except
    if x == None:
        pass
`, []int{3}},
	{"the directive's text in a string is not a directive", `def f(x):
    s = """
    # pylint: disable=singleton-comparison
    """
    if x == None:
        pass
    return s
`, []int{5}},
}

// TestPylintBlockDirectives checks that a "# pylint: disable=" alone on its
// line silences the sites of its block, as pylint reads it: every
// comparison with None in each case is silenced unless pylint reports its
// line.
func TestPylintBlockDirectives(t *testing.T) {
	t.Parallel()
	fix := "x"
	r, err := compile(Spec{ID: "python.none-comparison", Language: syntax.Python.RuleLanguage(), Category: "style", Title: "t", Message: "t.",
		Prior: 0.5, Query: `((comparison_operator (none)) @site)`, Fix: &fix, Safety: Safe, Aliases: []string{"E711", "singleton-comparison", "C0121"}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	set, problems := newSet(syntax.Python, []*Rule{r})
	if len(problems) > 0 {
		t.Fatal(problems[0].Err)
	}
	for _, c := range pylintBlockCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tree, err := syntax.Parse(context.Background(), syntax.Python, []byte(c.code))
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			text := syntax.NewText([]byte(c.code))
			var ms []Match
			set.MatchRange(tree, text, 0, len(c.code), func(m Match) { ms = append(ms, m) })
			if len(ms) == 0 {
				t.Fatal("no comparison with None matched")
			}
			// One Suppressions answers every site of the file, as a
			// whole-file request asks, and a fresh one each site.
			file := NewTextSuppressions(tree, text)
			for _, m := range ms {
				line := strings.Count(c.code[:m.Site.Start], "\n") + 1
				want := !slices.Contains(c.reported, line)
				for _, s := range []*Suppressions{file, NewSuppressions(tree, text)} {
					sup, got := s.Suppressed(m)
					if got != want {
						t.Errorf("line %d: suppressed = %v (%q), want %v, in\n%s", line, got, sup.Comment, want, c.code)
					}
				}
			}
		})
	}
}

// TestPylintBlockCasesArePylints runs pylint on pylintBlockCases and
// compares the lines it reports with the cases': the behaviour SyntX
// follows is pylint's own, not a reading of its documentation. Skipped
// without pylint; SYNTX_PYLINT_REQUIRED=1 (CI) fails instead.
func TestPylintBlockCasesArePylints(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("pylint")
	if err != nil {
		if os.Getenv("SYNTX_PYLINT_REQUIRED") == "1" {
			t.Fatal("pylint is not installed (Debian: apt-get install pylint)")
		}
		t.Skip("pylint is not installed")
	}
	dir := t.TempDir()
	for i, c := range pylintBlockCases {
		f := filepath.Join(dir, "case"+strconv.Itoa(i)+".py")
		if err := os.WriteFile(f, []byte(c.code), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--disable=all", "--enable=singleton-comparison", "--score=n", "--persistent=n",
			"--msg-template={line}", f)
		cmd.Env = append(os.Environ(), "PYLINTHOME="+dir, "HOME="+dir)
		out, _ := cmd.Output() // pylint exits non-zero when it reports
		var got []int
		for _, l := range strings.Fields(string(out)) {
			if n, err := strconv.Atoi(l); err == nil {
				got = append(got, n)
			}
		}
		if !slices.Equal(got, c.reported) {
			t.Errorf("%s: pylint reports lines %v, the case says %v; output:\n%s", c.name, got, c.reported, out)
		}
	}
}
