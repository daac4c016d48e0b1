package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/pgtest"
	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/store"
)

// TestTeamEgress proves what team mode connects to. In a network namespace
// whose only interface is a loopback, with a PostgreSQL listening on
// 127.0.0.1 inside it, every network system call of the syntx processes is
// traced (strace -f, following the children a server starts):
//
//   - team mode off (no team.db): `syntx serve` through a session with code
//     actions, a retrain and syntx.teamSync, and the team commands, make no
//     socket at all;
//   - team mode on: join, push, train, pull, sync, audit and report, and a
//     server that syncs with syntx.teamSync, connect to 127.0.0.1:<the
//     configured port> and nowhere else (no DNS, no other address, no
//     IPv6), and the server process itself opens no socket: its child
//     `syntx team sync` does.
func TestTeamEgress(t *testing.T) {
	for _, tool := range []string{"unshare", "nsenter", "strace", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("entering a network namespace with nsenter needs root")
	}
	pgtest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	// A namespace kept alive by a sleeping holder process.
	holder := exec.Command("unshare", "-n", "--", "sleep", "900")
	if err := holder.Start(); err != nil {
		t.Skipf("unshare -n: %v", err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	pid := strconv.Itoa(holder.Process.Pid)
	inNS := func(args ...string) []string { return append([]string{"nsenter", "-t", pid, "-n", "--"}, args...) }
	testwait.Until(t, "the namespace to exist", func() bool {
		a, err1 := os.Readlink("/proc/" + pid + "/ns/net")
		b, err2 := os.Readlink("/proc/self/ns/net")
		return err1 == nil && err2 == nil && a != b
	})
	command := func(argv []string) *exec.Cmd { return exec.Command(argv[0], argv[1:]...) }
	if out, err := command(inNS("ip", "link", "set", "lo", "up")).CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v %s", err, out)
	}
	if out, err := command(inNS("cat", "/proc/net/dev")).CombinedOutput(); err == nil {
		for _, line := range strings.Split(string(out), "\n")[2:] {
			if name, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && name != "lo" {
				t.Fatalf("the namespace has interface %q", name)
			}
		}
	}
	c, err := pgtest.Start(ctx, pgtest.Options{TCP: true, Prefix: append(inNS(), pgtest.RunAs()...)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	port := c.Port
	if _, err := c.Psql(ctx, "postgres", `CREATE ROLE hubadmin LOGIN CREATEROLE PASSWORD 'pw-admin'; CREATE ROLE alice LOGIN PASSWORD 'pw-alice'`); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDB(ctx, "team", "hubadmin"); err != nil {
		t.Fatal(err)
	}
	passfile, err := c.Passfile(t.TempDir(), map[string]string{"hubadmin": "pw-admin", "alice": "pw-alice"})
	if err != nil {
		t.Fatal(err)
	}
	url := func(user string) string {
		return fmt.Sprintf("postgres://%s@127.0.0.1:%d/team?sslmode=prefer", user, port)
	}
	traces := t.TempDir()
	serial := 0
	// run runs syntx in the namespace under strace, one trace file per
	// process (trace.<pid>), and returns the trace directory.
	traced := func(home string, args ...string) (*exec.Cmd, string) {
		serial++
		dir := filepath.Join(traces, fmt.Sprint(serial))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		argv := inNS(append([]string{"strace", "-f", "-ff", "-qq", "-e", "trace=network", "-o", filepath.Join(dir, "trace"), binary}, args...)...)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "PGPASSFILE="+passfile)
		return cmd, dir
	}
	run := func(home string, args ...string) (string, string) {
		t.Helper()
		cmd, dir := traced(home, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("syntx %s in the namespace: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), dir
	}
	writeConfig := func(home, body string) {
		if err := os.MkdirAll(filepath.Join(home, "config", "syntx"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, "config", "syntx", "config.toml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Team mode off: no socket at all, server and commands alike.
	off := t.TempDir()
	fill(t, off, teamsim.Spec{Prefs: 40, Seed: 1, Taste: teamsim.Likes(store.Security)})
	dir := tracedSession(t, ctx, traced, off, false)
	assertNoSockets(t, dir, "a server with team mode off")
	for _, args := range [][]string{{"team", "status"}, {"status"}, {"audit", "verify"}} {
		_, d := run(off, args...)
		assertNoSockets(t, d, "syntx "+strings.Join(args, " ")+" with team mode off")
	}
	cmd, d := traced(off, "team", "push")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "team mode is off") {
		t.Errorf("team push with team mode off: %v %s", err, out)
	}
	assertNoSockets(t, d, "syntx team push with team mode off")

	// Team mode on: only the configured database.
	admin := t.TempDir()
	writeConfig(admin, fmt.Sprintf("[team]\ndb = %q\n", url("hubadmin")))
	_, d = run(admin, "team", "init")
	assertOnlyDB(t, d, port, "team init")
	if _, err := c.Psql(ctx, "team", `GRANT syntx_member TO alice; GRANT syntx_trainer TO alice`); err != nil {
		t.Fatal(err)
	}
	on := t.TempDir()
	writeConfig(on, fmt.Sprintf("[team]\ndb = %q\n", url("alice")))
	fill(t, on, teamsim.Spec{Prefs: 60, Seed: 2, Taste: teamsim.Likes(store.Security)})
	for _, args := range [][]string{{"team", "join"}, {"team", "push"}, {"team", "train"}, {"team", "pull"},
		{"team", "sync"}, {"team", "audit", "verify"}, {"team", "report", "-o", filepath.Join(on, "r.html")}} {
		_, d := run(on, args...)
		assertOnlyDB(t, d, port, "syntx "+strings.Join(args, " "))
	}
	fill(t, on, teamsim.Spec{Prefs: 20, Seed: 3, Taste: teamsim.Likes(store.Security), Prefix: "more"})
	d = tracedSession(t, ctx, traced, on, true)
	assertOnlyDB(t, d, port, "a server in team mode and its sync")
	assertServerNoSockets(t, d)
}

// tracedSession drives `syntx serve` (under strace in the namespace) through an
// ordinary session, a retrain, and syntx.teamSync; it returns the trace
// directory.
func tracedSession(t *testing.T, ctx context.Context, traced func(string, ...string) (*exec.Cmd, string), home string, teamOn bool) string {
	t.Helper()
	cmd, dir := traced(home, "serve")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	if _, err := c.Initialize(ctx, home, false, nil); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../testdata/demo/inventory.go")
	if err != nil {
		t.Fatal(err)
	}
	uri := lspclient.FileURI(filepath.Join(home, "inventory.go"))
	if err := c.Open(ctx, uri, "go", string(src)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CodeActions(ctx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked); err != nil {
		t.Fatal(err)
	}
	var res any
	if err := c.Command(ctx, "syntx.retrain", &res); err != nil {
		t.Logf("retrain: %v", err)
	}
	err = c.Command(ctx, "syntx.teamSync", &res)
	if teamOn && err != nil {
		t.Fatalf("syntx.teamSync in team mode: %v", err)
	}
	if !teamOn && (err == nil || !strings.Contains(err.Error(), "team mode is off")) {
		t.Errorf("syntx.teamSync with team mode off: %v", err)
	}
	_ = c.Shutdown(ctx)
	_ = c.Notify(ctx, "exit", nil)
	_ = cmd.Wait()
	return dir
}

var (
	socketRE  = regexp.MustCompile(`^socket\((AF_\w+)`)
	connectRE = regexp.MustCompile(`^connect\(\d+, \{sa_family=(AF_\w+)(?:, sun_path="([^"]*)"|, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)|[^}]*)\}`)
)

// traceLines returns the network system calls of every traced process, by
// trace file.
func traceLines(t *testing.T, dir string) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "trace.*"))
	if len(files) == 0 {
		t.Fatalf("strace wrote no trace in %s", dir)
	}
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if calls := traceCalls(b); len(calls) > 0 {
			out[filepath.Base(f)] = calls
		}
	}
	return out
}

// traceCalls returns the system calls of one strace output file. strace's
// own notes are not calls: "+++ exited", "--- SIGCHLD", and "???(
// <detached ...>" when a thread leaves while strace does not know which
// call it was in.
func traceCalls(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") &&
			!(strings.HasPrefix(l, "???(") && strings.Contains(l, "<detached")) {
			out = append(out, l)
		}
	}
	return out
}

func assertNoSockets(t *testing.T, dir, what string) {
	t.Helper()
	for f, lines := range traceLines(t, dir) {
		for _, l := range lines {
			t.Errorf("%s made a network call (%s): %s", what, f, l)
		}
	}
}

// assertOnlyDB checks that every socket is a TCP/IP one connected to
// 127.0.0.1:port, and that there was at least one.
func assertOnlyDB(t *testing.T, dir string, port int, what string) {
	t.Helper()
	connects := 0
	for f, lines := range traceLines(t, dir) {
		for _, l := range lines {
			if m := socketRE.FindStringSubmatch(l); m != nil {
				if m[1] != "AF_INET" {
					t.Errorf("%s opened a %s socket (%s): %s", what, m[1], f, l)
				}
				continue
			}
			if m := connectRE.FindStringSubmatch(l); m != nil {
				if m[1] != "AF_INET" || m[3] != strconv.Itoa(port) || m[4] != "127.0.0.1" {
					t.Errorf("%s connected elsewhere than 127.0.0.1:%d (%s): %s", what, port, f, l)
				}
				connects++
				continue
			}
			switch {
			case strings.HasPrefix(l, "connect("):
				t.Errorf("%s: a connect the test cannot read (%s): %s", what, f, l)
			case strings.HasPrefix(l, "sendto(") && !strings.Contains(l, "NULL, 0"), strings.HasPrefix(l, "bind("), strings.HasPrefix(l, "listen("), strings.HasPrefix(l, "accept"):
				t.Errorf("%s: %s (%s)", what, l, f)
			}
		}
	}
	if connects == 0 {
		t.Errorf("%s connected to nothing: the trace missed it?", what)
	}
	t.Logf("%s: %d connections, all to 127.0.0.1:%d", what, connects, port)
}

// assertServerNoSockets: the server process itself (the trace file of the
// first process, which strace started) makes no network call; only its
// `syntx team sync` child does.
func assertServerNoSockets(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "trace.*"))
	first, firstPID := "", 1<<31
	for _, f := range files {
		if n, err := strconv.Atoi(strings.TrimPrefix(filepath.Ext(f), ".")); err == nil && n < firstPID {
			first, firstPID = f, n
		}
	}
	b, _ := os.ReadFile(first)
	for _, l := range traceCalls(b) {
		t.Errorf("the language server itself made a network call: %s", l)
	}
}

// TestTraceCallsSkipsStraceNotes: both egress checks read strace's files
// through traceCalls; a thread that leaves mid-call ("???( <detached
// ...>", seen once in CI as a false "network call" by the server) is a
// note, not a call.
func TestTraceCallsSkipsStraceNotes(t *testing.T) {
	got := traceCalls([]byte("socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3\n???( <detached ...>\n+++ exited with 0 +++\n--- SIGCHLD {si_signo=SIGCHLD} ---\n\n"))
	if len(got) != 1 || !strings.HasPrefix(got[0], "socket(") {
		t.Fatalf("traceCalls kept %q, want only the socket call", got)
	}
}
