package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syntx/syntx/syntax"
)

func TestES2015Syntax(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"var a = 1; function f(b) { return b / 2; }", false},
		{"let a = 1;", true},
		{"const {a} = o;", true},
		{"let [a] = o;", true},
		{"var f = (a) => a;", true},
		{"var s = `x`;", true},
		{"class A {}", true},
		{"class A extends B {}", true},
		{"f(...args);", true},
		{"async function f() {}", true},
		{"var g = async () => 1;", true},
		// ES5 look-alikes: comments, strings, regular expressions,
		// properties, words that contain the keywords
		{"// let x = 1 => `y`\nvar a;", false},
		{"/* const x = ...y; class Z {} */ var a;", false},
		{"var s = 'let x = 1; `'; var t = \"=> ...\";", false},
		{"var r = /=>|`|let x/g; var q = a / b / c;", false},
		{"var r = x.replace(/[/`]/g, '');", false},
		{"if (/\\.\\.\\./.test(s)) { return /let a/; }", false},
		{"o.let = 1; o.class = 2; var c = { const: 1, class: 2 };", false},
		{"var letter = 1, constant = 2, classy = 3, asyncish = 4;", false},
		{"var n = 10 / 2 / 5; var m = a[1] / 2;", false},
		{"import a from './a'; export default function f() {}", false},
		{"var x = 1.5e3 / 2;", false},
	} {
		if got := es2015Syntax([]byte(tc.src)); got != tc.want {
			t.Errorf("es2015Syntax(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

// TestES5ByPractice: a JavaScript package that declares no target and
// whose code, thousands of lines of it, has no ES2015 syntax is ES5 for
// the rules whose fixes write ES2015 syntax; one let anywhere in it, a
// declared target, a small package or a TypeScript document and it is not.
func TestES5ByPractice(t *testing.T) {
	es5 := strings.Repeat("var a = 1; // let's not\nfunction f(b) { return b / 2; }\n", 600)
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		writeFiles(t, dir, files)
		return dir
	}
	noVar := &Rule{Spec: Spec{Requires: Requires{ESSyntax: 2015}}}
	for _, tc := range []struct {
		name  string
		files map[string]string
		g     syntax.Grammar
		es5   bool
	}{
		{"ES5 code, nothing declared", map[string]string{"package.json": `{"name": "p", "engines": {"node": "*"}}`, "src/a.js": es5, "src/b.js": es5}, syntax.JavaScript, true},
		{"one let in another file", map[string]string{"package.json": `{"name": "p"}`, "src/a.js": es5, "lib/x.mjs": "let x = 1;\n"}, syntax.JavaScript, false},
		{"ES2015 only in node_modules and dot directories", map[string]string{"package.json": `{"name": "p"}`, "src/a.js": es5, "src/b.js": es5,
			"node_modules/d/i.js": "let x = 1;\n", ".cache/c.js": "const y = 2;\n"}, syntax.JavaScript, true},
		{"a small package", map[string]string{"package.json": `{"name": "p"}`, "a.js": "var a = 1;\n"}, syntax.JavaScript, false},
		{"declared ES2015", map[string]string{"package.json": `{"name": "p", "engines": {"node": ">=12"}}`, "src/a.js": es5, "src/b.js": es5}, syntax.JavaScript, false},
		{"a TypeScript document", map[string]string{"package.json": `{"name": "p"}`, "src/a.js": es5, "src/b.js": es5, "src/c.ts": ""}, syntax.TypeScript, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, tc.files)
			p := NewProjects(dir)
			doc := filepath.Join(dir, "src", "a.js")
			if tc.g == syntax.TypeScript {
				doc = filepath.Join(dir, "src", "c.ts")
			}
			target := p.For(doc, tc.g)
			allowed, why := target.Allows(noVar, syntax.JavaScript)
			if allowed == tc.es5 {
				t.Fatalf("target %+v: var → let allowed %v (%s), want %v", target, allowed, why, !tc.es5)
			}
			includes := &Rule{Spec: Spec{Requires: Requires{ESAPI: 2016}}}
			if ok, _ := target.Allows(includes, syntax.JavaScript); ok == tc.es5 && tc.g == syntax.JavaScript {
				t.Errorf("target %+v: includes allowed %v, want %v", target, ok, !tc.es5)
			}
			if tc.es5 && !strings.Contains(fmt.Sprint(target.Sources), "ES5 by practice") {
				t.Errorf("sources %v do not say why", target.Sources)
			}
		})
	}
	// A file the change under review modifies does not count, and the
	// answer is kept for a minute, then read again in the background.
	dir := write(t, map[string]string{"package.json": `{"name": "p"}`, "src/a.js": es5, "src/b.js": es5, "src/new.js": "let x = 1;\n"})
	p := NewProjects(dir)
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	p.Now = func() time.Time { return now }
	p.Untrusted = func(path string) bool { return filepath.Base(path) == "new.js" }
	doc := filepath.Join(dir, "src", "a.js")
	if got := p.For(doc, syntax.JavaScript).ESSyntax; got != 2009 {
		t.Fatalf("with the reviewed change's let left out: ESSyntax %d, want 2009", got)
	}
	p.Untrusted = nil
	if got := p.For(doc, syntax.JavaScript).ESSyntax; got != 2009 {
		t.Fatalf("within the minute: ESSyntax %d, want the kept 2009", got)
	}
	now = now.Add(practiceTTL)
	if got := p.For(doc, syntax.JavaScript).ESSyntax; got != 2009 {
		t.Fatalf("a minute later, while the package is read again: ESSyntax %d, want the kept 2009", got)
	}
	p.rescanning.Wait()
	if got := p.For(doc, syntax.JavaScript).ESSyntax; got != 0 {
		t.Fatalf("once read again, with the let counted: ESSyntax %d, want 0 (unknown)", got)
	}
}

// TestES5ByPracticeHostilePackage: the scan reads a repository nobody
// vetted. A FIFO named like a script, symbolic links (to a file outside
// the package, and a directory link that loops back), and a file past
// MaxProjectFileBytes must neither hang it nor count: the package below
// is judged on its two real files alone.
func TestES5ByPracticeHostilePackage(t *testing.T) {
	es5 := strings.Repeat("var a = 1;\nfunction f(b) { return b / 2; }\n", 600)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"package.json": `{"name": "p"}`, "src/a.js": es5, "src/b.js": es5,
		"big/huge.js": "let x = 1;\n" + strings.Repeat("// padding\n", MaxProjectFileBytes/10)})
	if err := syscall.Mkfifo(filepath.Join(dir, "src", "fifo.js"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	outside := filepath.Join(t.TempDir(), "modern.js")
	writeFiles(t, filepath.Dir(outside), map[string]string{"modern.js": "const y = () => 1;\n"})
	for link, target := range map[string]string{"src/link.js": outside, "src/loop": dir} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan bool, 1)
	go func() {
		es5, _, _ := NewProjects(dir).es5ByPractice(dir)
		done <- es5
	}()
	select {
	case es5 := <-done:
		if !es5 {
			t.Fatal("the package was not judged ES5 on its two real files: the FIFO, a link or the oversized file counted")
		}
	case <-time.After(time.Minute):
		t.Fatal("the scan did not finish (a FIFO or a link loop held it)")
	}
}
