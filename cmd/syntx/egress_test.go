package main

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// No egress: SyntX works with no network at all, and its code has no way to
// reach one.

// TestNoEgressNetworkNamespace runs the demo (which drives `syntx serve`),
// then training and the status report, inside a network namespace with no
// interfaces but a downed loopback.
func TestNoEgressNetworkNamespace(t *testing.T) {
	t.Parallel()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	if out, err := exec.Command(unshare, "-n", "--", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare -n is not permitted here (needs root or user namespaces): %v %s", err, out)
	}
	// The namespace really has no way out.
	if out, err := exec.Command(unshare, "-n", "--", "cat", "/proc/net/dev").CombinedOutput(); err == nil {
		for _, line := range strings.Split(string(out), "\n")[2:] {
			if name, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && name != "lo" {
				t.Fatalf("the namespace has interface %q", name)
			}
		}
	}
	dir := t.TempDir()
	run := func(home string, args ...string) string {
		t.Helper()
		cmd := exec.Command(unshare, append([]string{"-n", "--", binary}, args...)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
		if home != "" {
			cmd.Env = append(cmd.Env, "SYNTX_HOME="+home)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("unshare -n syntx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := run("", "demo", "-keep", "-dir", "../../testdata/demo")
	for _, want := range []string{"inventory.go", "settings.py", "cart.js", "events.ts", "applied"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	first, _, _ := strings.Cut(out, "\n")
	i := strings.Index(first, "data in ")
	if i < 0 {
		t.Fatalf("demo did not say where its data is: %q", first)
	}
	home := filepath.Join(strings.TrimSpace(first[i+len("data in "):]), "data")
	if hasCommand(t, "train") {
		out := run(home, "train", "--progress", "none")
		t.Logf("train in the namespace: %s", firstLine(out))
	}
	if out := run(home, "audit", "verify"); !strings.Contains(out, "audit chain OK") {
		t.Fatalf("audit verify: %s", out)
	}
	st := run(home, "status", "--json")
	if !strings.Contains(st, `"accepted"`) {
		t.Fatalf("status: %s", st)
	}
}

// moduleRoot is the directory holding go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// forbiddenPackages give a program the means to talk to a network.
var forbiddenPackages = []string{"net/http", "net/rpc", "net/smtp", "net/mail", "crypto/tls", "net/http/httptrace"}

// networkAllowed lists module packages that may depend on network
// packages, and why. Team mode's hub client (pgx) needs net and crypto/tls;
// the syntx command links it for `syntx team`. The language server's
// packages must stay off this list: the server never connects anywhere
// itself (team mode runs `syntx team sync` as a child process, and only
// when team.db is set; TestTeamEgress watches every socket it opens).
var networkAllowed = map[string]string{
	"github.com/syntx/syntx/team":      "the team hub client: pgx to the configured PostgreSQL only (Connect's dial guard)",
	"github.com/syntx/syntx/cmd/syntx": "links package team for `syntx team`; serve never calls it",
}

// offlinePackages must never depend on a network package, whatever
// networkAllowed says: the server, capture, the model, training, the store.
var offlinePackages = []string{"lsp", "capture", "model", "train", "store", "config", "rules", "syntax", "review"}

// TestNoNetworkPackages fails if a non-test package of the module imports,
// directly or through a dependency, a package that speaks a network
// protocol (unless networkAllowed says why it may), or imports "net"
// itself without an entry in netAllowed.
func TestNoNetworkPackages(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, "./...")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 {
			continue
		}
		pkg, imports, deps := parts[0], strings.Fields(parts[1]), strings.Fields(parts[2])
		for _, d := range deps {
			for _, f := range forbiddenPackages {
				if d != f {
					continue
				}
				if _, ok := networkAllowed[pkg]; !ok {
					t.Errorf("%s depends on %s", pkg, f)
				}
			}
			if d == "github.com/syntx/syntx/team" {
				for _, off := range offlinePackages {
					if pkg == "github.com/syntx/syntx/"+off {
						t.Errorf("%s depends on package team, which opens network connections", pkg)
					}
				}
			}
		}
		for _, imp := range imports {
			if imp == "net" {
				if _, ok := netAllowed[pkg]; !ok {
					t.Errorf("%s imports \"net\" (not in netAllowed)", pkg)
				}
			}
		}
	}
}

// netAllowed lists module packages that may import "net", and why each use
// goes only where the user said.
var netAllowed = map[string]string{
	"github.com/syntx/syntx/team": "Connect's dial guard: only the configured database's addresses",
}

// dialAllowed lists calls that open or accept network connections, as
// "path/to/file.go:net.Dial", each with the reason it goes only where the
// user said. SyntX talks to its editor over stdio, and in team mode to the
// configured database, from `syntx team` only.
var dialAllowed = map[string]string{
	"team/hub.go:net.Dialer": "the hub connection's dialler refuses every address but the configured database's (team.db)",
}

// networkCalls are the functions (by package path) and types that open,
// accept or resolve network connections.
var networkCalls = map[string][]string{
	"net":        {"Dial", "DialTimeout", "DialTCP", "DialUDP", "DialIP", "DialUnix", "Listen", "ListenTCP", "ListenUDP", "ListenIP", "ListenUnix", "ListenUnixgram", "ListenPacket", "ListenMulticastUDP", "FileConn", "FileListener", "LookupHost", "LookupIP", "LookupAddr", "ResolveTCPAddr", "ResolveUDPAddr", "Dialer", "ListenConfig", "Resolver"},
	"syscall":    {"Socket", "Connect", "Bind", "Listen", "Sendto", "Sendmsg"},
	"crypto/tls": {"Dial", "DialWithDialer", "Listen", "Dialer"},
}

// TestNoDialCalls scans the module's non-test Go source for calls that open
// network connections (and for the dialer types) and requires each to be in
// dialAllowed with a loopback-only reason.
func TestNoDialCalls(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	var found []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "vendor", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil // a file another engineer is halfway through; go vet reports it
		}
		names := map[string]string{} // local name -> import path
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if _, ok := networkCalls[p]; !ok {
				continue
			}
			name := p[strings.LastIndex(p, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			names[name] = p
		}
		if len(names) == 0 {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			p, ok := names[x.Name]
			if !ok {
				return true
			}
			for _, fn := range networkCalls[p] {
				if sel.Sel.Name == fn {
					key := filepath.ToSlash(rel) + ":" + x.Name + "." + fn
					if _, ok := dialAllowed[key]; !ok {
						found = append(found, key+" at "+fset.Position(sel.Pos()).String())
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("network call not in dialAllowed: %s", f)
	}
}
