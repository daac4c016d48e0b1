package realcorpus

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// validPins is a small, valid pins file the table below breaks one way at
// a time.
const validPins = `
[[source]]
id = "mod"
manager = "go"
name = "golang.org/x/sync"
version = "v0.16.0"
sum = "h1:ycBJEhp9p4vXvUZNszeOq0kGTPghopOL8q0fq3vstxw="

[[source]]
id = "js"
manager = "npm"
name = "ms"
version = "2.1.3"
sum = "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="
compiler_options = { allowJs = true, lib = ["es2020"] }

[[source]]
id = "py"
manager = "deb"
name = "python3-six"
version = "1.16.0-4"
sum = "sha256:fd189e9cecbcf17a1fc20aec30055c8afa9c1eec00cd6e7ab385087a2ab3b0d3"

[[package]]
id = "p1"
source = "mod"
paths = ["errgroup", "**/*.go"]
exclude = ["**/testdata"]
purpose = "dev"
ci = true

[[package]]
id = "p2"
source = "py"
paths = ["usr/lib/python3/dist-packages/six.py"]
purpose = "check"

[[bench]]
id = "b1"
shape = "umd"
source = "js"
path = "index.js"
sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
lines = 162
ci = true

[[tool]]
id = "tsc"
manager = "npm"
name = "typescript"
version = "5.9.3"
sum = "sha512-jl1vZzPDinLr9eUt3J/t7V6FgNEw9QjvBPdysz9KfQDD41fQrC2Y4vKQdiaUpFT4bXlb1RHhLpp8wtm6M5TgSw=="
bin = "node_modules/typescript/bin/tsc"
`

func TestParsePinsValid(t *testing.T) {
	t.Parallel()
	p, err := ParsePins([]byte(validPins))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sources) != 3 || len(p.Packages) != 2 || len(p.Bench) != 1 || len(p.Tools) != 1 {
		t.Fatalf("parsed %d sources, %d packages, %d bench, %d tools", len(p.Sources), len(p.Packages), len(p.Bench), len(p.Tools))
	}
	js, _ := p.Source("js")
	if js.CompilerOptions["allowJs"] != true {
		t.Errorf("compiler_options not kept: %v", js.CompilerOptions)
	}
	if tool, ok := p.Tool("tsc"); !ok || tool.Bin != "node_modules/typescript/bin/tsc" {
		t.Errorf("tool: %+v", tool)
	}
}

func TestParsePinsRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		old  string // replaced in validPins
		new  string
		want string // in the error
	}{
		{"duplicate id", `id = "p2"`, `id = "p1"`, `"p1": duplicate id`},
		{"id shared by kinds", `id = "b1"`, `id = "mod"`, `bench "mod": duplicate id (also a source)`},
		{"duplicate download", `bin = "node_modules/typescript/bin/tsc"`, `bin = "node_modules/typescript/bin/tsc"` + "\n[[source]]\nid = \"py2\"\nmanager = \"deb\"\nname = \"python3-six\"\nversion = \"1.16.0-4\"\nsum = \"sha256:fd189e9cecbcf17a1fc20aec30055c8afa9c1eec00cd6e7ab385087a2ab3b0d3\"\n", `duplicate of "py"`},
		{"unknown manager", `manager = "deb"`, `manager = "pip"`, `unknown manager "pip"`},
		{"missing manager", `manager = "deb"` + "\n", "\n", "missing manager"},
		{"missing checksum", `sum = "sha256:fd189e9cecbcf17a1fc20aec30055c8afa9c1eec00cd6e7ab385087a2ab3b0d3"`, ``, "missing checksum"},
		{"go sum not h1", `sum = "h1:ycBJEhp9p4vXvUZNszeOq0kGTPghopOL8q0fq3vstxw="`, `sum = "h1:short="`, "not a go.sum h1: hash"},
		{"npm sum not sha512", `sum = "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="`, `sum = "sha1-abc"`, "not an npm sha512 integrity"},
		{"deb sum not sha256", `sum = "sha256:fd189e9cecbcf17a1fc20aec30055c8afa9c1eec00cd6e7ab385087a2ab3b0d3"`, `sum = "fd189e9c"`, "not sha256:<64 hex digits>"},
		{"name like an option", `name = "ms"`, `name = "--registry=x"`, "not an npm package name"},
		{"version like an option", `version = "1.16.0-4"`, `version = "-o=APT::x"`, "has characters a version does not"},
		{"unknown key", `lines = 162`, "lines = 162\nsha265 = \"x\"", "unknown keys"},
		{"unknown source", `source = "py"`, `source = "nope"`, `unknown source "nope"`},
		{"bad purpose", `purpose = "check"`, `purpose = "train"`, `purpose "train"`},
		{"no paths", `paths = ["usr/lib/python3/dist-packages/six.py"]`, `paths = []`, "no paths"},
		{"parent path", `paths = ["usr/lib/python3/dist-packages/six.py"]`, `paths = ["../../etc/passwd"]`, "clean relative path"},
		{"absolute path", `paths = ["usr/lib/python3/dist-packages/six.py"]`, `paths = ["/etc/passwd"]`, "clean relative path"},
		{"unclean path", `paths = ["usr/lib/python3/dist-packages/six.py"]`, `paths = ["usr/../../x"]`, "clean relative path"},
		{"backslash path", `paths = ["usr/lib/python3/dist-packages/six.py"]`, `paths = ["usr\\..\\x"]`, "clean relative path"},
		{"bad glob", `exclude = ["**/testdata"]`, `exclude = ["[a-"]`, "syntax error in pattern"},
		{"bench path escapes", `path = "index.js"`, `path = "../index.js"`, "relative path inside its source"},
		{"unknown shape", `shape = "umd"`, `shape = "spaghetti"`, `unknown shape "spaghetti"`},
		{"bench sha256", `sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`, `sha256 = "xyz"`, "not 64 lower-case hex digits"},
		{"bench lines", `lines = 162`, `lines = 0`, "lines must be positive"},
		{"tool bin escapes", `bin = "node_modules/typescript/bin/tsc"`, `bin = "/usr/bin/tsc"`, "relative path inside the tool's directory"},
		{"deb with compiler options", `version = "1.16.0-4"`, "version = \"1.16.0-4\"\ncompiler_options = { strict = true }", "for npm sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(validPins, tt.old) {
				t.Fatalf("the test's old text %q is not in validPins", tt.old)
			}
			_, err := ParsePins([]byte(strings.Replace(validPins, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestMatchPattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"src", "src/a.ts", true},
		{"src", "src/x/y/a.ts", true},
		{"src", "srcx/a.ts", false},
		{"src/*.go", "src/a.go", true},
		{"src/*.go", "src/sub/a.go", false},
		{"src/**/*.ts", "src/a.ts", true},
		{"src/**/*.ts", "src/x/y/a.ts", true},
		{"src/**/*.ts", "lib/a.ts", false},
		{"**", "anything/at/all.go", true},
		{"**/testdata", "testdata/x.go", true},
		{"**/testdata", "a/b/testdata/c/x.go", true},
		{"**/testdata", "a/testdatax/x.go", false},
		{"six.py", "six.py", true},
		{"six.py", "six.pyc", false},
	}
	for _, tt := range tests {
		if got := matchPattern(tt.pat, tt.name); got != tt.want {
			t.Errorf("matchPattern(%q, %q) = %v, want %v", tt.pat, tt.name, got, tt.want)
		}
	}
}

func TestSelected(t *testing.T) {
	t.Parallel()
	p, err := ParsePins([]byte(validPins))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sel  Selection
		want []string
		err  string
	}{
		{"everything", Selection{}, []string{"mod", "js", "py", "tsc"}, ""},
		{"ci", Selection{CI: true}, []string{"mod", "js"}, ""},
		{"one package", Selection{Only: []string{"p2"}}, []string{"py"}, ""},
		{"a bench file and a tool", Selection{Only: []string{"b1", "tsc"}}, []string{"js", "tsc"}, ""},
		{"a source", Selection{Only: []string{"py"}}, []string{"py"}, ""},
		{"ci within only", Selection{CI: true, Only: []string{"p1", "p2"}}, []string{"mod"}, ""},
		{"unknown id", Selection{Only: []string{"p1", "nope"}}, nil, "no pin with id nope"},
	}
	for _, tt := range tests {
		got, err := p.selected(tt.sel)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: selected %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestRepositoryPins checks the committed pins: they parse, every npm
// source with pool packages and every npm tool has a committed lockfile
// that installs exactly the pinned tarball, the CI subset has a package of
// every language and a bench file of every shape small enough, and about
// a third of the packages are held out for checking.
func TestRepositoryPins(t *testing.T) {
	t.Parallel()
	file, err := DefaultPinsPath()
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPins(file)
	if err != nil {
		t.Fatal(err)
	}
	f := &fetcher{pins: p}
	for _, s := range p.Sources {
		if s.Manager != NPM || !p.hasPackages(s.ID) {
			continue
		}
		r, err := f.npmRecipe(s, false)
		if err != nil {
			t.Errorf("%s: %v", s.ID, err)
			continue
		}
		if err := checkLock(r, s); err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
		checkLockDeps(t, r)
	}
	for _, tool := range p.Tools {
		if tool.Manager != NPM {
			continue
		}
		r, err := f.npmRecipe(tool.Source, true)
		if err != nil {
			t.Errorf("%s: %v", tool.ID, err)
			continue
		}
		if err := checkLock(r, tool.Source); err != nil {
			t.Errorf("%s: %v", tool.ID, err)
		}
	}
	check := 0
	for _, k := range p.Packages {
		if k.Purpose == Check {
			check++
		}
	}
	if share := float64(check) / float64(len(p.Packages)); share < 0.25 || share > 0.5 {
		t.Errorf("%d of %d packages are held out for checking; want about a third", check, len(p.Packages))
	}
	ciShapes := map[Shape]bool{}
	for _, b := range p.Bench {
		if b.CI {
			ciShapes[b.Shape] = true
		}
	}
	for _, s := range []Shape{ShapeUMD, ShapeLargeClass, ShapeDeepGenerics, ShapeMinified} {
		if !ciShapes[s] {
			t.Errorf("no CI bench file of shape %s", s)
		}
	}
}

// checkLockDeps makes sure the lockfile was made from the package.json
// Fetch generates (npm ci refuses a mismatch, but later and less clearly).
func checkLockDeps(t *testing.T, r npmRecipe) {
	t.Helper()
	var lock struct {
		Packages map[string]struct {
			Dependencies map[string]string `json:"dependencies"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(r.lock, &lock); err != nil {
		t.Fatal(err)
	}
	got := lock.Packages[""].Dependencies
	for name, v := range r.deps {
		if got[name] != v {
			t.Errorf("%s: the lockfile's root depends on %s@%q, the pin on %q (run `go run ./cmd/realcorpus lock`)", r.lockFile, name, got[name], v)
		}
	}
	if len(got) != len(r.deps) {
		t.Errorf("%s: the lockfile's root has %d dependencies, the pin %d", r.lockFile, len(got), len(r.deps))
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv(EnvCache, "")
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg-cache")
	if d, err := DefaultCacheDir(); err != nil || d != "/tmp/xdg-cache/syntx/realcorpus" {
		t.Errorf("DefaultCacheDir() = %q, %v", d, err)
	}
	t.Setenv(EnvCache, "/srv/corpus")
	if d, err := DefaultCacheDir(); err != nil || d != "/srv/corpus" {
		t.Errorf("with %s: %q, %v", EnvCache, d, err)
	}
}

func TestFetchRefusesCacheInsideRepository(t *testing.T) {
	t.Parallel()
	file, err := DefaultPinsPath()
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPins(file)
	if err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(p.Dir, "cache")
	err = Fetch(t.Context(), p, inside, FetchOptions{})
	if err == nil || !strings.Contains(err.Error(), "inside the repository") {
		t.Fatalf("Fetch into %s: %v, want a refusal", inside, err)
	}
	if _, err := os.Stat(inside); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Fetch created %s", inside)
	}
}
