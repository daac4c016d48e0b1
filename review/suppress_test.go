package review

import (
	"strings"
	"testing"
)

// TestSuppressionsInReview: a suppression comment that was there before the
// change silences the finding on the line it covers; one the change adds
// does not silence it for the change's own review (it is reported, says
// so, and counts for --fail-on).
func TestSuppressionsInReview(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("old.py", "def f(x):\n    # syntx-ignore: none-comparison\n    return x == 0\n")
	r.write("new.py", "def g(x):\n    return x\n")
	r.commit("main")
	r.write("old.py", "def f(x):\n    # syntx-ignore: none-comparison\n    return x == None\n")
	r.write("new.py", "def g(x):\n    # syntx-ignore: none-comparison\n    return x == None\n")
	res := review(t, r, "")
	if len(res.Findings) != 1 || res.Findings[0].Path != "new.py" {
		t.Fatalf("findings:\n%s\nwant only new.py's", describe(res.Findings))
	}
	f := res.Findings[0]
	if !strings.Contains(f.Suppression, "syntx-ignore") {
		t.Errorf("suppression %q, want the comment the change added", f.Suppression)
	}
	if !res.Fails([]string{"style"}) {
		t.Error("a suppression added by the change let it pass --fail-on style")
	}
	var text strings.Builder
	if err := WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "A suppression comment added in this change does not silence it for review") {
		t.Errorf("text output does not say why a suppressed finding is reported:\n%s", text.String())
	}
}

// TestBlockAndFileDirectivesInReview: the directives that reach past their
// own line (pylint's block disable, flake8's and ruff's file noqa; the test
// rules have no other tools' names, so pylint's names SyntX's) silence
// a finding when the file had them before the change, and not when the
// change adds them: a change cannot silence its own review from the top of
// the file either.
func TestBlockAndFileDirectivesInReview(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("block.py", "def f(x):\n    # pylint: disable=none-comparison\n    y = 1\n    return y\n")
	r.write("file.py", "# flake8: noqa\nimport os\n\n\ndef f(x):\n    return os.sep\n")
	r.write("added.py", "import os\n\n\ndef f(x):\n    return os.sep\n")
	r.commit("main")
	r.write("block.py", "def f(x):\n    # pylint: disable=none-comparison\n    y = 1\n    return x == None\n")
	r.write("file.py", "# flake8: noqa\nimport os\n\n\ndef f(x):\n    return x == None\n")
	r.write("added.py", "# ruff: noqa\nimport os\n\n\ndef f(x):\n    return x == None\n")
	res := review(t, r, "")
	if len(res.Findings) != 1 || res.Findings[0].Path != "added.py" {
		t.Fatalf("findings:\n%s\nwant only added.py's", describe(res.Findings))
	}
	if f := res.Findings[0]; !strings.Contains(f.Suppression, "ruff: noqa") {
		t.Errorf("suppression %q, want the comment the change added", f.Suppression)
	}
	if !res.Fails([]string{"style"}) {
		t.Error("a file-wide directive added by the change let it pass --fail-on style")
	}
}
