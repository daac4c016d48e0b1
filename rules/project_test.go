package rules

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/syntx/syntx/syntax"
)

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProjectTargets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		files map[string]string
		doc   string
		g     syntax.Grammar
		want  Target // Sources ignored
	}{
		{"engines node 0.4", map[string]string{"package.json": `{"name": "x", "engines": {"node": ">= 0.4"}}`}, "lib/a.js", syntax.JavaScript,
			Target{Node: 4, ESSyntax: 2009, ESAPI: 2009}},
		{"engines node range", map[string]string{"package.json": `{"engines": {"node": "^14.17 || >=16"}}`}, "a.js", syntax.JavaScript,
			Target{Node: 14017, ESSyntax: 2020, ESAPI: 2020}},
		{"engines upper bound only", map[string]string{"package.json": `{"engines": {"node": "<16"}}`}, "a.js", syntax.JavaScript,
			Target{Node: 1, ESSyntax: 2009, ESAPI: 2009}},
		{"engines any", map[string]string{"package.json": `{"engines": {"node": "*"}}`}, "a.js", syntax.JavaScript, Target{}},
		{"browserslist IE", map[string]string{"package.json": `{"browserslist": ["> 1%", "IE 11"]}`}, "src/a.js", syntax.JavaScript,
			Target{ESSyntax: 2009, ESAPI: 2009}},
		{"browserslist modern", map[string]string{"package.json": `{"browserslist": "defaults, not ie 11"}`}, "src/a.js", syntax.JavaScript, Target{}},
		{"browserslistrc", map[string]string{"package.json": `{}`, ".browserslistrc": "# old\nlast 2 versions\nie >= 10\n"}, "a.js", syntax.JavaScript,
			Target{ESSyntax: 2009, ESAPI: 2009}},
		{"nearest package.json decides", map[string]string{"package.json": `{"engines": {"node": ">=0.10"}}`, "sub/package.json": `{"name": "sub"}`}, "sub/a.js", syntax.JavaScript, Target{}},
		{"testling in IE", map[string]string{"package.json": `{"testling": {"files": "test/*.js", "browsers": ["ie/6..latest", "chrome/latest"]}}`}, "index.js", syntax.JavaScript,
			Target{ESSyntax: 2009, ESAPI: 2009}},
		{"testling by name", map[string]string{"package.json": `{"testling": {"browsers": {"iexplore": ["9"], "firefox": ["latest"]}}}`}, "index.js", syntax.JavaScript,
			Target{ESSyntax: 2009, ESAPI: 2009}},
		{"testling modern", map[string]string{"package.json": `{"testling": {"browsers": ["chrome/latest", "firefox/latest"]}}`}, "index.js", syntax.JavaScript, Target{}},
		{"karma in IE", map[string]string{"package.json": `{"devDependencies": {"karma": "6.4.1", "karma-ie-launcher": "1.0.0"}}`}, "src/a.js", syntax.JavaScript,
			Target{ESSyntax: 2009, ESAPI: 2009}},
		{"eslint config for node 0.4", map[string]string{"package.json": `{}`, ".eslintrc": `{
	"root": true,
	"extends": "@ljharb/eslint-config/node/0.4",
	"rules": { "no-continue": 1, },
}`}, "test/a.js", syntax.JavaScript, Target{Node: 4, ESSyntax: 2009, ESAPI: 2009}},
		{"eslint ecmaVersion 5", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"parserOptions": {"ecmaVersion": 5}}`}, "a.js", syntax.JavaScript,
			Target{ESSyntax: 2009}},
		{"eslint ecmaVersion 2018", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"extends": "airbnb", "parserOptions": {"ecmaVersion": 2018}}`}, "a.js", syntax.JavaScript,
			Target{ESSyntax: 2018}},
		{"eslint ecmaVersion latest", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true, "parserOptions": {"ecmaVersion": "latest"}}`}, "a.js", syntax.JavaScript, Target{}},
		{"eslint root default is ES5", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true, "rules": {"semi": 2}}`}, "a.js", syntax.JavaScript,
			Target{ESSyntax: 2009}},
		{"eslint env es6", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true, "env": {"es6": true, "node": true}}`}, "a.js", syntax.JavaScript,
			Target{ESSyntax: 2015}},
		{"eslint not root, nothing declared", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"rules": {"semi": 2}}`}, "a.js", syntax.JavaScript, Target{}},
		{"eslint shared config", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true, "extends": "@ljharb"}`}, "a.js", syntax.JavaScript, Target{}},
		{"eslint custom parser", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true, "parser": "@babel/eslint-parser"}`}, "a.js", syntax.JavaScript, Target{}},
		{"eslint nearest decides", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true}`, "src/.eslintrc.json": `{"env": {"es2017": true}}`}, "src/a.js", syntax.JavaScript,
			Target{ESSyntax: 2017}},
		{"eslint goes up to a config that decides", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true}`, "src/.eslintrc.json": `{"rules": {}}`}, "src/a.js", syntax.JavaScript,
			Target{ESSyntax: 2009}},
		{"eslint JavaScript config first", map[string]string{"package.json": `{}`, ".eslintrc.js": "module.exports = {};\n", ".eslintrc.json": `{"root": true}`}, "a.js", syntax.JavaScript, Target{}},
		{"eslint flat config", map[string]string{"package.json": `{}`, "eslint.config.js": "export default [];\n", ".eslintrc.json": `{"root": true}`}, "a.js", syntax.JavaScript, Target{}},
		{"eslintConfig in package.json", map[string]string{"package.json": `{"eslintConfig": {"root": true, "parserOptions": {"ecmaVersion": 3}}}`}, "lib/a.js", syntax.JavaScript,
			Target{ESSyntax: 2009}},
		{"eslint config above the package", map[string]string{".eslintrc.json": `{"root": true}`, "sub/package.json": `{}`}, "sub/a.js", syntax.JavaScript, Target{}},
		{"malformed eslint config", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true,`}, "a.js", syntax.JavaScript, Target{}},
		{"tsconfig target", map[string]string{"tsconfig.json": `{
  // comments are allowed
  "compilerOptions": { "target": "ES5", },
}`}, "src/a.ts", syntax.TypeScript, Target{ESAPI: 2009}},
		{"tsconfig lib wins", map[string]string{"tsconfig.json": `{"compilerOptions": {"target": "es5", "lib": ["es2017", "dom"]}}`}, "a.ts", syntax.TypeScript, Target{ESAPI: 2017}},
		{"tsconfig extends", map[string]string{
			"tsconfig.base.json": `{"compilerOptions": {"target": "es2015"}}`,
			"app/tsconfig.json":  `{"extends": "../tsconfig.base.json", "compilerOptions": {"strict": true}}`,
		}, "app/src/a.tsx", syntax.TSX, Target{ESAPI: 2015}},
		{"tsconfig extends a package", map[string]string{
			"node_modules/@tsconfig/node12/tsconfig.json": `{"compilerOptions": {"lib": ["es2019"], "target": "es2019"}}`,
			"tsconfig.json": `{"extends": "@tsconfig/node12/tsconfig.json"}`,
		}, "a.ts", syntax.TypeScript, Target{ESAPI: 2019}},
		{"tsconfig extends itself", map[string]string{"tsconfig.json": `{"extends": "./tsconfig.json", "compilerOptions": {"target": "es2016"}}`}, "a.ts", syntax.TypeScript, Target{ESAPI: 2016}},
		{"tsconfig ignored for JavaScript", map[string]string{"tsconfig.json": `{"compilerOptions": {"target": "es5"}}`}, "a.js", syntax.JavaScript, Target{}},
		{"tsconfig esnext", map[string]string{"tsconfig.json": `{"compilerOptions": {"target": "esnext"}}`}, "a.ts", syntax.TypeScript, Target{}},
		{"requires-python", map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nrequires-python = \">=3.5, <4\"\n"}, "pkg/mod.py", syntax.Python, Target{Python: 3005}},
		{"poetry python", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.7\"\n"}, "mod.py", syntax.Python, Target{Python: 3007}},
		{"setup.cfg", map[string]string{"setup.cfg": "[options]\npython_requires = >=2.7, !=3.0.*\n"}, "mod.py", syntax.Python, Target{Python: 2007}},
		{"setup.py", map[string]string{"setup.py": "setup(name='x', python_requires='>3.5')\n"}, "mod.py", syntax.Python, Target{Python: 3006}},
		{"pyproject without requires stops the search", map[string]string{"setup.py": "setup(python_requires='>=2.7')\n", "sub/pyproject.toml": "[project]\nname='x'\n"}, "sub/m.py", syntax.Python, Target{}},
		{"go.mod", map[string]string{"go.mod": "module example.com/x\n\ngo 1.12\n"}, "cmd/x/main.go", syntax.Go, Target{Go: 1012}},
		{"go.mod patch version", map[string]string{"go.mod": "module x\n\ngo 1.21.3 // toolchain\n"}, "main.go", syntax.Go, Target{Go: 1021}},
		{"malformed package.json", map[string]string{"package.json": `{"engines": {"node": ">=0.4"`}, "a.js", syntax.JavaScript, Target{}},
		{"nothing", map[string]string{}, "a.go", syntax.Go, Target{}},
		{"a benchmark", map[string]string{"package.json": `{}`}, "src/v3/benchmarks/object.ts", syntax.TypeScript, Target{Script: true}},
		{"a build script", map[string]string{"package.json": `{}`}, "scripts/release.mjs", syntax.JavaScript, Target{Script: true}},
		{"a bench file", map[string]string{"package.json": `{}`}, "src/parse.bench.ts", syntax.TypeScript, Target{Script: true}},
		{"an example, no package.json", map[string]string{}, "examples/demo.js", syntax.JavaScript, Target{Script: true}},
		{"a command-line package", map[string]string{"package.json": `{"name": "pm2", "bin": {"pm2": "bin/pm2", "pm2-dev": "bin/pm2-dev"}}`}, "lib/API.js", syntax.JavaScript, Target{Script: true}},
		{"a command-line package, one bin", map[string]string{"package.json": `{"bin": "./bin/cli.js"}`}, "src/index.ts", syntax.TypeScript, Target{Script: true}},
		{"an empty bin", map[string]string{"package.json": `{"bin": {}}`}, "lib/a.js", syntax.JavaScript, Target{}},
		{"bin of a package further up", map[string]string{"package.json": `{"bin": "cli.js"}`, "packages/lib/package.json": `{"name": "lib"}`}, "packages/lib/a.js", syntax.JavaScript, Target{}},
		{"bin not a string or object", map[string]string{"package.json": `{"bin": 1}`}, "a.js", syntax.JavaScript, Target{}},
		{"package code", map[string]string{"package.json": `{}`}, "src/benchmark.ts", syntax.TypeScript, Target{}},
		{"scripts above the package do not count", map[string]string{"scripts/pkg/package.json": `{}`}, "scripts/pkg/lib/a.js", syntax.JavaScript, Target{}},
		{"scripts in Python are not asked", map[string]string{}, "scripts/run.py", syntax.Python, Target{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, c.files)
			got := NewProjects(dir).For(filepath.Join(dir, filepath.FromSlash(c.doc)), c.g)
			got.Sources = nil
			if got.ESSyntax != c.want.ESSyntax || got.ESAPI != c.want.ESAPI || got.Node != c.want.Node || got.Python != c.want.Python || got.Go != c.want.Go || got.Script != c.want.Script {
				t.Errorf("target %+v, want %+v", got, c.want)
			}
		})
	}
}

// An ESLint config created after a lookup counts at the next one: the
// directory's listing is cached by its modification time, and trusted only
// when probed more than racyDir after it. The directories are dated an hour
// back so that the cache is trusted: a file added behind it, with the
// directory's time put back, is not seen (the listing came from the cache),
// while a new modification time, or adding and removing a file (which date
// the directory now), is; and so is a change behind a probe made within
// racyDir of the directory's time.
func TestProjectSeesNewESLintConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"package.json": `{}`, "src/a.js": ""})
	src := filepath.Join(dir, "src")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	setMod := func(when time.Time) {
		t.Helper()
		for _, d := range []string{dir, src} {
			if err := os.Chtimes(d, when, when); err != nil {
				t.Fatal(err)
			}
		}
	}
	setMod(old)
	p := NewProjects(dir)
	doc := filepath.Join(src, "a.js")
	lookup := func(step string, want int) {
		t.Helper()
		if got := p.For(doc, syntax.JavaScript); got.ESSyntax != want {
			t.Fatalf("%s: ESSyntax %d, want %d (%+v)", step, got.ESSyntax, want, got)
		}
	}
	lookup("before", 0)
	lookup("again, unchanged", 0)
	config := map[string]string{"src/.eslintrc.json": `{"root": true}`}
	writeFiles(t, dir, config)
	setMod(old)
	lookup("src/.eslintrc.json created behind the cache (the directory's time put back)", 0)
	setMod(old.Add(time.Minute))
	lookup("the directory's time changed", 2009)
	if err := os.Remove(filepath.Join(src, ".eslintrc.json")); err != nil {
		t.Fatal(err)
	}
	lookup("after removing it", 0)
	writeFiles(t, dir, config)
	lookup("after creating it again", 2009)
	// A probe within racyDir of the directory's time is not trusted: a
	// change in the same clock tick leaves the time as it was. (A minute
	// ahead, so that a slow run cannot carry the probe past racyDir.)
	if err := os.Remove(filepath.Join(src, ".eslintrc.json")); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(time.Minute).Truncate(time.Second)
	setMod(soon)
	lookup("removed, the directory dated a minute ahead", 0)
	writeFiles(t, dir, config)
	setMod(soon)
	lookup("created in the same tick as the last probe (the time put back)", 2009)
}

func TestProjectFilesAreBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A package.json far above the limit declares nothing.
	big := make([]byte, MaxProjectFileBytes+10)
	for i := range big {
		big[i] = ' '
	}
	copy(big, `{"engines": {"node": ">=0.4"}}`)
	writeFiles(t, dir, map[string]string{"big/package.json": string(big)})
	if got := NewProjects(dir).For(filepath.Join(dir, "big", "a.js"), syntax.JavaScript); got.Node != 0 {
		t.Errorf("an oversized package.json was read: %+v", got)
	}
	// A symbolic link is not followed, and a FIFO does not hang the read.
	writeFiles(t, dir, map[string]string{"real/go.mod": "module x\ngo 1.10\n"})
	if err := os.MkdirAll(filepath.Join(dir, "link"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "real", "go.mod"), filepath.Join(dir, "link", "go.mod")); err != nil {
		t.Fatal(err)
	}
	if got := NewProjects(dir).For(filepath.Join(dir, "link", "x.go"), syntax.Go); got.Go != 0 {
		t.Errorf("a symbolic link was followed: %+v", got)
	}
	writeFiles(t, dir, map[string]string{"es5/.eslintrc.json": `{"root": true}`, "eslink/package.json": `{}`})
	if err := os.Symlink(filepath.Join(dir, "es5", ".eslintrc.json"), filepath.Join(dir, "eslink", ".eslintrc.json")); err != nil {
		t.Fatal(err)
	}
	if got := NewProjects(dir).For(filepath.Join(dir, "eslink", "a.js"), syntax.JavaScript); got.ESSyntax != 0 {
		t.Errorf("a symbolic link to an ESLint config was followed: %+v", got)
	}
	if err := os.MkdirAll(filepath.Join(dir, "fifo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo", "go.mod"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if got := NewProjects(dir).For(filepath.Join(dir, "fifo", "x.go"), syntax.Go); got.Go != 0 {
		t.Errorf("a FIFO was read: %+v", got)
	}
	// The search stops at the workspace root.
	writeFiles(t, dir, map[string]string{"go.mod": "module x\ngo 1.10\n", "ws/a.go": ""})
	if got := NewProjects(filepath.Join(dir, "ws")).For(filepath.Join(dir, "ws", "a.go"), syntax.Go); got.Go != 0 {
		t.Errorf("a go.mod above the workspace root was read: %+v", got)
	}
}

func TestTargetAllows(t *testing.T) {
	t.Parallel()
	rule := func(lang string, q Requires) *Rule {
		return &Rule{Spec: Spec{ID: lang + ".t", Language: lang, Requires: q}}
	}
	cases := []struct {
		name string
		r    *Rule
		g    syntax.Grammar
		t    Target
		want bool
	}{
		{"let in ES5 JavaScript", rule("javascript", Requires{ESSyntax: 2015}), syntax.JavaScript, Target{ESSyntax: 2009}, false},
		{"let in ES5 TypeScript (compiled down)", rule("typescript", Requires{ESSyntax: 2015}), syntax.TypeScript, Target{ESAPI: 2009}, true},
		{"includes without the lib", rule("typescript", Requires{ESAPI: 2016}), syntax.TypeScript, Target{ESAPI: 2015}, false},
		{"includes with the lib", rule("typescript", Requires{ESAPI: 2016}), syntax.TypeScript, Target{ESAPI: 2017}, true},
		{"unknown target", rule("javascript", Requires{ESSyntax: 2015, Node: 17}), syntax.JavaScript, Target{}, true},
		{"node too old", rule("javascript", Requires{Node: 17}), syntax.JavaScript, Target{Node: 16000}, false},
		{"node new enough", rule("javascript", Requires{Node: 17}), syntax.JavaScript, Target{Node: 18000}, true},
		{"f-strings in 3.5", rule("python", Requires{Python: "3.6"}), syntax.Python, Target{Python: 3005}, false},
		{"f-strings in 3.6", rule("python", Requires{Python: "3.6"}), syntax.Python, Target{Python: 3006}, true},
		{"ReplaceAll in go 1.11", rule("go", Requires{Go: "1.12"}), syntax.Go, Target{Go: 1011}, false},
		{"no requirement", rule("go", Requires{}), syntax.Go, Target{Go: 1001}, true},
		{"loop variables, no go.mod", rule("go", Requires{Go: "1.22", Declared: true}), syntax.Go, Target{}, false},
		{"loop variables, go 1.21", rule("go", Requires{Go: "1.22", Declared: true}), syntax.Go, Target{Go: 1021}, false},
		{"loop variables, go 1.22", rule("go", Requires{Go: "1.22", Declared: true}), syntax.Go, Target{Go: 1022}, true},
		{"declared python, none", rule("python", Requires{Python: "3.8", Declared: true}), syntax.Python, Target{}, false},
		{"undeclared go, no go.mod", rule("go", Requires{Go: "1.22"}), syntax.Go, Target{}, true},
		{"console.log in a benchmark", rule("typescript", Requires{NotInScripts: true}), syntax.TypeScript, Target{Script: true}, false},
		{"console.log in package code", rule("javascript", Requires{NotInScripts: true}), syntax.JavaScript, Target{}, true},
		{"a script, no requirement", rule("javascript", Requires{}), syntax.JavaScript, Target{Script: true}, true},
	}
	for _, c := range cases {
		if got, why := c.t.Allows(c.r, c.g); got != c.want {
			t.Errorf("%s: Allows = %v (%s), want %v", c.name, got, why, c.want)
		} else if !got && why == "" {
			t.Errorf("%s: no reason given", c.name)
		}
	}
}

// BenchmarkProjectsFor times the declared-target lookup a code action
// request makes, for a JavaScript file three directories below its
// package.json: with the package's files only (package.json, the
// baseline), and with an ESLint config at each level, the nearest of which
// (the package's root config) decides.
func BenchmarkProjectsFor(b *testing.B) {
	for _, bc := range []struct {
		name  string
		files map[string]string
	}{
		{"package.json", map[string]string{"package.json": `{"devDependencies": {"karma-ie-launcher": "1.0.0"}}`}},
		{"eslint", map[string]string{"package.json": `{}`, ".eslintrc.json": `{"root": true}`, "src/.eslintrc.json": `{"rules": {}}`, "src/a/.eslintrc.json": `{"rules": {}}`}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			bc.files["src/a/b/x.js"] = "var x;\n"
			writeFiles(b, dir, bc.files)
			// Directories changed an hour ago, as in a checkout being edited
			// (a directory changed within a second is probed again).
			old := time.Now().Add(-time.Hour)
			for _, d := range []string{"", "src", "src/a", "src/a/b"} {
				if err := os.Chtimes(filepath.Join(dir, d), old, old); err != nil {
					b.Fatal(err)
				}
			}
			p := NewProjects(dir)
			doc := filepath.Join(dir, "src", "a", "b", "x.js")
			if p.For(doc, syntax.JavaScript).ESSyntax != 2009 {
				b.Fatal("no ES5 target")
			}
			for b.Loop() {
				p.For(doc, syntax.JavaScript)
			}
		})
	}
}
