package rules

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goAfter is one Go rule example's fixed text.
type goAfter struct {
	rule  string
	index int // 1-based example number
	src   string
}

func builtinGoAfters(t *testing.T) []goAfter {
	t.Helper()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	var out []goAfter
	for _, r := range lib.Rules() {
		if r.Language != "go" {
			continue
		}
		for i, ex := range r.Examples {
			if ex.Before != "" {
				out = append(out, goAfter{r.ID, i + 1, ex.After})
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no Go examples")
	}
	return out
}

var packageClause = regexp.MustCompile(`(?m)^package [a-z]\w*$`)

// complete reports whether an example is a whole Go file.
func complete(src string) bool { return packageClause.MatchString(src) }

// TestGoExamplesGofmt checks that every fixed Go example is gofmt-clean: a
// fix must not leave formatting for the developer to repair.
func TestGoExamplesGofmt(t *testing.T) {
	t.Parallel()
	for _, a := range builtinGoAfters(t) {
		got, err := format.Source([]byte(a.src))
		if err != nil {
			t.Errorf("%s example %d: after does not format: %v", a.rule, a.index, err)
			continue
		}
		if !bytes.Equal(got, []byte(a.src)) {
			t.Errorf("%s example %d: after is not gofmt-clean; gofmt gives:\n%s", a.rule, a.index, got)
		}
	}
}

// newestGoRequired is the go directive the examples' module needs: the
// newest Go version a built-in rule requires (an example of a rule needing
// Go 1.25 calls what 1.25 added), and at least 1.22, whose per-iteration
// loop variables the examples are written for.
func newestGoRequired(t *testing.T) string {
	t.Helper()
	newest, v := "1.22", 1022
	for _, r := range Load(Source{Name: "builtin", FS: Builtin()}).Rules() {
		if n, ok := parseVersion(r.Requires.Go); ok && r.Language == "go" && n > v {
			newest, v = r.Requires.Go, n
		}
	}
	return newest
}

// TestGoExamplesVet type-checks and vets every fixed Go example that is a
// complete file: all of them go into one temporary module, one package per
// example, and one `go vet ./...` run.
func TestGoExamplesVet(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module examples\n\ngo "+newestGoRequired(t)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]goAfter{}
	for _, a := range builtinGoAfters(t) {
		if !complete(a.src) {
			continue
		}
		name := fmt.Sprintf("%s_%d", strings.NewReplacer(".", "_", "-", "_").Replace(a.rule), a.index)
		pkgs[name] = a
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "example.go"), []byte(a.src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goTool, "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GO111MODULE=on")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	// Attribute each complaint to its example.
	reported := false
	for _, line := range strings.Split(string(out), "\n") {
		for name, a := range pkgs {
			if strings.Contains(line, name+"/") || strings.Contains(line, "examples/"+name) {
				t.Errorf("%s example %d: %s", a.rule, a.index, strings.TrimSpace(line))
				reported = true
			}
		}
	}
	if !reported {
		t.Errorf("go vet: %v\n%s", err, out)
	}
}
