package rulecheck

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

// fixCase is one fix of a file, and what the checker must say about it.
type fixCase struct {
	name     string
	file     string
	old, new string // the fix replaces the first old with new
	want     []string
}

// runFixCases applies each case's fix alone and checks that the new
// diagnostics contain every wanted substring (none wanted: no new
// diagnostic at all).
func runFixCases(t *testing.T, ck checker, dir string, files map[string]realcorpus.File, cases []fixCase) {
	t.Helper()
	for _, tc := range cases {
		f := files[tc.file]
		src, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(string(src), tc.old)
		if i < 0 {
			t.Fatalf("%s: %q not in %s", tc.name, tc.old, tc.file)
		}
		edits := []Edit{{Start: i, End: i + len(tc.old), Text: tc.new}}
		got, err := ck.check(context.Background(), f, src, applyEdits(src, edits), edits)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var msgs []string
		for _, d := range got {
			msgs = append(msgs, d.String())
		}
		all := strings.Join(msgs, "\n")
		if len(tc.want) == 0 && len(got) > 0 {
			t.Errorf("%s: unexpected new diagnostics:\n%s", tc.name, all)
		}
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no new diagnostic with %q; got:\n%s", tc.name, w, all)
			}
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGoChecker(t *testing.T) {
	t.Parallel()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"a.go": `package m

import (
	"errors"
	"fmt"
)

var errNotFound = errors.New("not found")

func find(name string) error {
	list, other := []string{}, 0
	_ = other
	for _, n := range list {
		if n == name {
			return nil
		}
	}
	return fmt.Errorf("find %s: %v", name, errNotFound)
}

func report(n int) string { return fmt.Sprintf("%d items", n) }
`,
		"a_test.go": `package m

import "testing"

func TestFind(t *testing.T) {
	if err := find("x"); err == nil {
		t.Fatal("found")
	}
}
`,
	})
	ch := realcorpus.Checker{Manager: realcorpus.Go, Dir: dir, Go: goCmd,
		Env: []string{"GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off"}}
	ck, err := newGoChecker(context.Background(), ch, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ck.close()
	files := map[string]realcorpus.File{}
	for _, name := range []string{"a.go", "a_test.go"} {
		files[name] = realcorpus.File{Path: filepath.Join(dir, name), Rel: name, Language: syntax.Go, GoImport: "example.com/m"}
	}
	runFixCases(t, ck, dir, files, []fixCase{
		{name: "meaning-preserving", file: "a.go", old: `"find %s: %v"`, new: `"find %s: %w"`},
		{name: "drops a name still used", file: "a.go", old: "list, other := []string{}, 0", new: "list := make([]string, 0)",
			want: []string{"undefined: other"}},
		{name: "a vet finding", file: "a.go", old: `fmt.Sprintf("%d items", n)`, new: `fmt.Sprintf("%d items", "n")`,
			want: []string{"go vet: fmt.Sprintf format %d has arg"}},
		{name: "breaks the test file", file: "a_test.go", old: `find("x")`, new: `find(1)`,
			want: []string{"a_test.go"}},
	})
}

func TestPyChecker(t *testing.T) {
	t.Parallel()
	tools := realcorpus.Tools{Python: "/usr/bin/python3"}
	if _, err := os.Stat(tools.Python); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if err := exec.Command(tools.Python, "-c", "import pyflakes").Run(); err != nil {
		t.Skip("python3-pyflakes is not installed")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"m.py": `import os
import sys


def names(d):
    out = []
    for k in d.keys():
        out.append(k)
    return out


def where():
    return os.getcwd()
`})
	ck, err := newPyChecker(context.Background(), tools, realcorpus.Checker{Dir: dir}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ck.close()
	files := map[string]realcorpus.File{"m.py": {Path: filepath.Join(dir, "m.py"), Rel: "m.py", Language: syntax.Python}}
	runFixCases(t, ck, dir, files, []fixCase{
		// 'sys' imported but unused is in the baseline: not new.
		{name: "meaning-preserving", file: "m.py", old: "for k in d.keys():", new: "for k in d:"},
		{name: "a name left undefined", file: "m.py", old: "import os\n", new: "",
			want: []string{"pyflakes: undefined name 'os'"}},
		{name: "a syntax error", file: "m.py", old: "return out", new: "return out)",
			want: []string{"py_compile: SyntaxError"}},
		{name: "a compile warning", file: "m.py", old: "out = []", new: "out = [] if d is () else []",
			want: []string{"SyntaxWarning"}},
	})
}

func TestTSChecker(t *testing.T) {
	t.Parallel()
	c := realcorpus.Require(t, "typescript")
	tools := c.Tools()
	if tools.Node == "" {
		t.Skip("no node")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"tsconfig.json": `{"compilerOptions": {"strict": true, "allowJs": true, "checkJs": true, "noEmit": true,
  "target": "es2020", "module": "esnext", "moduleResolution": "bundler", "lib": ["es2020", "dom"], "types": []},
 "include": ["src"]}`,
		"src/a.ts": `export function load(raw: any): number {
  return raw.size;
}

export function make(): any {
  return 1;
}
`,
		"src/b.ts": `import { make } from "./a";

export const n: number = make().toFixed(2).length;
`,
		"src/c.js": `export function pick(c) {
  if (c) {
    var name = 1;
  }
  return name;
}

export function late() {
  x = 2;
  var x;
  return x;
}

export function fine(list) {
  var total = 0;
  for (var i = 0; i < list.length; i++) total += list[i];
  return total;
}
`,
		"src/d.js": `const unused = 1;
module.exports = function (a) { return a == null ? 0 : a; };
`,
	})
	ch := realcorpus.Checker{Manager: realcorpus.NPM, Dir: dir, TSConfig: filepath.Join(dir, "tsconfig.json")}
	ck, err := newTSChecker(tools, ch, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ck.close()
	files := map[string]realcorpus.File{}
	for _, name := range []string{"a.ts", "b.ts", "c.js", "d.js"} {
		g := syntax.TypeScript
		if strings.HasSuffix(name, ".js") {
			g = syntax.JavaScript
		}
		files[name] = realcorpus.File{Path: filepath.Join(dir, "src", name), Rel: "src/" + name, Language: g}
	}
	runFixCases(t, ck, dir, files, []fixCase{
		{name: "type error in the file", file: "a.ts", old: "raw: any", new: "raw: unknown",
			want: []string{"tsc: 'raw' is of type 'unknown'"}},
		{name: "type error in another file", file: "a.ts", old: "make(): any", new: "make(): unknown",
			want: []string{"src/b.ts:3: tsc: Object is of type 'unknown'"}},
		{name: "var used after its block (a global of the same name)", file: "c.js", old: "var name = 1;", new: "let name = 1;",
			want: []string{"scope: 'name' resolved to the declaration of 'name' in c.js before the fix"}},
		{name: "use before a block-scoped declaration", file: "c.js", old: "var x;", new: "let x;",
			want: []string{"scope: 'x' is used before its block-scoped declaration"}},
		{name: "meaning-preserving var to let", file: "c.js", old: "var total = 0;", new: "let total = 0;"},
		{name: "a loop variable", file: "c.js", old: "for (var i = 0;", new: "for (let i = 0;"},
		{name: "CommonJS parses as CommonJS", file: "d.js", old: "a == null", new: "a === null || a === undefined"},
		{name: "a syntax error", file: "d.js", old: "return a", new: "return a)",
			want: []string{"node: SyntaxError", "tsc: "}},
	})
}
