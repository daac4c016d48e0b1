package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The attacks of issue 14 on the command line: a pull request reviewed in
// CI, a repository whose git configuration names commands, file names that
// talk to the terminal, and signals.

// gitRepo is a repository built by a test.
type gitRepo struct {
	t   *testing.T
	dir string
}

func gitEnv() []string {
	return append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z")
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = gitEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// safeGit runs git with the repository's hooks, fsmonitor and filters off,
// for a test that arms them.
func (r *gitRepo) safeGit(args ...string) string {
	r.t.Helper()
	return r.git(append([]string{"-c", "filter.evil.clean=", "-c", "filter.evil.smudge=", "-c", "filter.evil.process=",
		"-c", "filter.evil.required=false", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"}, args...)...)
}

func (r *gitRepo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *gitRepo) commit(msg string) {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

// syntx runs the binary in the repository with home as SYNTX_HOME and
// home/config as XDG_CONFIG_HOME; it returns stdout, stderr and the exit
// status.
func syntx(t *testing.T, home, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("syntx %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

const sqlSrc = `package db

import (
	"database/sql"
	"fmt"
)

func find(db *sql.DB, name string) (*sql.Rows, error) {
	return db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name))
}
`

// neverMatch redefines go.sql-sprintf so that it matches nothing.
const neverMatch = `[[rule]]
id = "go.sql-sprintf"
language = "go"
category = "security"
title = "Nothing to see"
message = "Nothing."
prior = 0.5
query = '((call_expression) @site (#eq? @site "never"))'
fix = '''{{.site}}'''
`

// TestReviewGateHolds: a pull request cannot switch off `syntx review
// --fail-on security`: not with a rule of its own redefining the one that
// fires, not with a config that makes the file "too large", and a file the
// review does skip fails the run instead of passing it.
func TestReviewGateHolds(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newGitRepo(t)
	r.write("README.md", "x\n")
	r.commit("base")
	r.git("checkout", "-q", "-b", "pr")
	r.write("db.go", sqlSrc+strings.Repeat("// padding padding padding padding padding\n", 40))
	r.write(".syntx/rules/off.toml", neverMatch)
	r.write(".syntx/config.toml", "[limits]\nmax_document_bytes = 1024\n")
	r.commit("pull request")

	out, errOut, code := syntx(t, home, r.dir, "review", "--base", "main", "--fail-on", "security")
	if code != 1 || !strings.Contains(out, "db.go:9:") || !strings.Contains(out, "go.sql-sprintf") {
		t.Fatalf("the pull request's rule or config switched the gate off: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "differ from main") {
		t.Errorf("the review does not say the working tree's .syntx/ was not used:\n%s", errOut)
	}

	// Trusting the working tree loads the head's rules, but a workspace
	// rule still cannot redefine a built-in one, nor its config the limits.
	out, errOut, code = syntx(t, home, r.dir, "review", "--base", "main", "--fail-on", "security", "--trust-workspace")
	if code != 1 || !strings.Contains(out, "go.sql-sprintf") {
		t.Fatalf("--trust-workspace: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"may not redefine a built-in or user rule", "limits.max_document_bytes may not be set by a workspace"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--trust-workspace: stderr does not say %q:\n%s", want, errOut)
		}
	}

	// A file the review skips (over the user's own limit) fails the run.
	if err := os.MkdirAll(filepath.Join(home, "config", "syntx"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config", "syntx", "config.toml"), []byte("[limits]\nmax_document_bytes = 1024\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = syntx(t, home, r.dir, "review", "--base", "main", "--fail-on", "security")
	if code != 1 || !strings.Contains(errOut, "skipped db.go: larger than 1024 bytes") || !strings.Contains(errOut, "could not be reviewed") {
		t.Fatalf("a skipped file under --fail-on: exit %d\n%s\n%s", code, out, errOut)
	}
	// Without --fail-on it is only named.
	if _, errOut, code = syntx(t, home, r.dir, "review", "--base", "main"); code != 0 || !strings.Contains(errOut, "skipped db.go") {
		t.Fatalf("a skipped file without --fail-on: exit %d\n%s", code, errOut)
	}
}

// teamNoPanic is a team's rule file (.syntx/rules/team.toml) with one rule,
// go.team-no-panic, of the given prior.
func teamNoPanic(prior string) string {
	return `[[rule]]
id = "go.team-no-panic"
language = "go"
category = "correctness"
title = "Return an error"
message = "The team returns errors instead of panicking."
prior = ` + prior + `
query = '((call_expression function: (identifier) @_f) @site (#eq? @_f "panic"))'
fix = '''return nil'''
`
}

// TestReviewUsesBaseRevisionRules: the rules merged on the base branch
// review the pull request, read from the commit (a rule of the base that
// the pull request deletes still runs).
func TestReviewUsesBaseRevisionRules(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newGitRepo(t)
	r.write(".syntx/rules/team.toml", teamNoPanic("0.7"))
	r.commit("team rules")
	r.git("checkout", "-q", "-b", "pr")
	r.git("rm", "-q", "-r", ".syntx")
	r.write("p.go", "package p\n\nfunc f() error {\n\tpanic(\"no\")\n}\n")
	r.commit("pull request")
	out, errOut, code := syntx(t, home, r.dir, "review", "--base", "main", "--fail-on", "correctness")
	if code != 1 || !strings.Contains(out, "go.team-no-panic") {
		t.Fatalf("the base revision's rule did not run: exit %d\n%s\n%s", code, out, errOut)
	}
	sarif, _, _ := syntx(t, home, r.dir, "review", "--base", "main", "--format", "sarif")
	if !strings.Contains(sarif, "go.team-no-panic") {
		t.Errorf("SARIF lacks the base revision's rule:\n%.500s", sarif)
	}
}

// TestGitRunsNoRepositoryCommands: the repository's git configuration and
// attributes name a filter driver, textconv, an external diff, fsmonitor
// and hooks, each creating a marker file; review and learn run none of them
// (and the trap is real: plain git runs them).
func TestGitRunsNoRepositoryCommands(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newGitRepo(t)
	markers := t.TempDir()
	mark := func(name string) string { return "touch " + filepath.Join(markers, name) }
	r.write("db.go", "package db\n")
	r.commit("base")
	hooks := filepath.Join(r.dir, ".git", "evil-hooks")
	for _, h := range []string{"post-index-change", "post-checkout", "pre-commit", "reference-transaction"} {
		if err := os.MkdirAll(hooks, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(hooks, h), []byte("#!/bin/sh\n"+mark("hook-"+h)+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		"filter.evil.clean":    mark("filter-clean") + "; cat",
		"filter.evil.smudge":   mark("filter-smudge") + "; cat",
		"filter.evil.process":  mark("filter-process"),
		"filter.evil.required": "true",
		"diff.evil.textconv":   mark("textconv") + "; cat",
		"diff.evil.command":    mark("ext-diff"),
		"diff.external":        mark("diff-external"),
		"core.fsmonitor":       mark("fsmonitor"),
		"core.hooksPath":       hooks,
	} {
		r.git("config", k, v)
	}
	r.write(".gitattributes", "*.go filter=evil diff=evil\n")
	r.safeGit("add", ".gitattributes")
	r.safeGit("commit", "-q", "-m", "attributes")
	r.write("db.go", sqlSrc) // changed in the work tree: git would clean it to diff it
	out, errOut, code := syntx(t, home, r.dir, "review", "--base", "HEAD~1", "--fail-on", "security")
	if code != 1 || !strings.Contains(out, "go.sql-sprintf") {
		t.Errorf("review: exit %d\n%s\n%s", code, out, errOut)
	}
	r.safeGit("add", "db.go")
	r.safeGit("commit", "-q", "-m", "sql")
	if _, errOut, code := syntx(t, home, r.dir, "learn", "--git"); code != 0 {
		t.Errorf("learn: exit %d\n%s", code, errOut)
	}
	if ents, _ := os.ReadDir(markers); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("the repository made syntx run: %v", names)
	}
	// The trap works: plain git runs the filter.
	r.write("db.go", sqlSrc+"// more\n")
	cmd := exec.Command("git", "-C", r.dir, "diff", "HEAD")
	cmd.Env = gitEnv()
	_ = cmd.Run()
	if ents, _ := os.ReadDir(markers); len(ents) == 0 {
		t.Fatal("plain git diff ran nothing either: the test proves nothing")
	}
}

// TestTerminalQuoting: file names holding a newline or an escape sequence
// are printed quoted, so they cannot forge a report line or drive the
// terminal.
func TestTerminalQuoting(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newGitRepo(t)
	r.write("README.md", "x\n")
	r.commit("base")
	forged := "x.go\nclean.go:1: all good (go.nothing, style, score 0.99)\n.go"
	escape := "\x1b[2J\x1b[1;1Hy.go"
	r.write(forged, sqlSrc)
	r.write(escape, sqlSrc)
	out, errOut, code := syntx(t, home, r.dir, "review", "--base", "main")
	if code != 0 {
		t.Fatalf("review: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines for 2 findings:\n%s", len(lines), out)
	}
	if strings.ContainsAny(out, "\x1b") || strings.Contains(out, "\nclean.go:1:") {
		t.Fatalf("a file name reached the terminal raw:\n%q", out)
	}
	for _, want := range []string{strconv.Quote(forged) + ":9:", strconv.Quote(escape) + ":9:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// TestTrustCommand: trust is recorded with the files' hashes, listed, lost
// when a file changes, and revoked.
func TestTrustCommand(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newGitRepo(t)
	r.write(".syntx/rules/own.toml", strings.Replace(neverMatch, "go.sql-sprintf", "go.own", 1))
	out, errOut, code := syntx(t, home, r.dir, "rules", "list")
	if code != 0 || strings.Contains(out, "go.own") || !strings.Contains(errOut, "not loaded") {
		t.Fatalf("rules list in an untrusted folder: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = syntx(t, home, r.dir, "trust")
	if code != 0 || !strings.Contains(out, ".syntx/rules/own.toml  sha256:") || !strings.Contains(out, "1 workspace rule(s) will load") {
		t.Fatalf("trust: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, _, _ := syntx(t, home, r.dir, "rules", "list"); !strings.Contains(out, "go.own") || !strings.Contains(out, "workspace") {
		t.Fatalf("rules list in a trusted folder lacks the workspace rule:\n%s", out)
	}
	if out, _, _ := syntx(t, home, r.dir, "trust", "--list"); !strings.Contains(out, r.dir) || !strings.Contains(out, "unchanged") {
		t.Fatalf("trust --list:\n%s", out)
	}
	r.write(".syntx/rules/own.toml", strings.Replace(neverMatch, "go.sql-sprintf", "go.own2", 1))
	if out, _, _ := syntx(t, home, r.dir, "trust", "--list"); !strings.Contains(out, "changed: trust again") {
		t.Fatalf("trust --list after a change:\n%s", out)
	}
	if out, errOut, _ := syntx(t, home, r.dir, "rules", "list"); strings.Contains(out, "go.own2") || !strings.Contains(errOut, "own.toml changed") {
		t.Fatalf("rules list after a change: the changed rule loaded, or the change was not named:\n%s\n%s", out, errOut)
	}
	if out, _, code := syntx(t, home, r.dir, "trust", "--revoke", r.dir); code != 0 || !strings.Contains(out, "no longer trusted") {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if out, _, _ := syntx(t, home, r.dir, "trust", "--list"); !strings.Contains(out, "no trusted workspace folders") {
		t.Fatalf("trust --list after revoke:\n%s", out)
	}
	if fi, err := os.Stat(filepath.Join(home, "trust.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("trust.json: %v %v", fi, err)
	}
}

// slowRule is a rule whose fix template runs to its step budget at every
// `true` literal: each render costs the most a template may cost.
const slowRule = `[[rule]]
id = "go.slow"
language = "go"
category = "style"
title = "Slow"
message = "Slow."
prior = 0.5
query = '((true) @site)'
fix = '''{{$n := 2000000000}}{{range $n}}{{end}}false'''
`

// cpuTicks returns the CPU time a process has used, in clock ticks.
func cpuTicks(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// runUntilBusy starts syntx, waits until busy says it is in the middle of
// its work, sends SIGTERM, and returns the exit status, stderr and how long
// it took to exit.
func runUntilBusy(t *testing.T, home, dir string, busy func(pid int) bool, args ...string) (int, string, time.Duration) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: cannot tell when the command is busy")
	}
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for !busy(cmd.Process.Pid) {
		select {
		case err := <-exited:
			t.Fatalf("syntx %v finished before it was interrupted (%v): make its work longer\n%s", args, err, stderr.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("syntx %v never got busy", args)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t0 := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("syntx %v did not exit after SIGTERM\n%s", args, stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stderr.String(), time.Since(t0)
}

// TestSIGTERMEndsLongCommands: review and learn --git, busy with a slow
// rule, exit on SIGTERM saying they were interrupted, with the database and
// the learn cursor consistent (the next learn resumes). How long the exit
// took is logged (a figure, not an assertion).
func TestSIGTERMEndsLongCommands(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newGitRepo(t)
	r.write(".syntx/rules/slow.toml", slowRule)
	r.commit("slow rule")
	r.git("checkout", "-q", "-b", "pr")
	var b strings.Builder
	b.WriteString("package p\n\nvar xs = []bool{\n")
	for i := 0; i < 4000; i++ {
		b.WriteString("\ttrue,\n")
	}
	b.WriteString("}\n")
	r.write("many.go", b.String())
	// Review: SIGTERM once it has used some CPU (loading, diffing or
	// rendering: whichever, it must end saying it was interrupted).
	usedCPU := func(pid int) bool { return cpuTicks(pid) >= 30 }
	code, errOut, took := runUntilBusy(t, home, r.dir, usedCPU, "review", "--base", "main")
	t.Logf("review exited %v after SIGTERM", took.Round(time.Millisecond))
	if code != 130 || !strings.Contains(errOut, "interrupted") {
		t.Errorf("review after SIGTERM: exit %d\n%s", code, errOut)
	}

	// learn --git over a history of cheap commits, then commits that each
	// flip the literals; SIGTERM once it has written its cursor (after 100
	// commits), in the middle of the expensive ones.
	r.commit("many")
	for i := 0; i < 110; i++ {
		r.write("counter.go", fmt.Sprintf("package p\n\nconst n = %d\n", i))
		r.commit(fmt.Sprintf("counter %d", i))
	}
	for i := 0; i < 10; i++ {
		src := b.String()
		if i%2 == 0 {
			src = strings.ReplaceAll(src, "true", "false")
		}
		r.write("many.go", src)
		r.commit(fmt.Sprintf("flip %d", i))
	}
	if _, errOut, code := syntx(t, home, r.dir, "trust"); code != 0 {
		t.Fatalf("trust: %s", errOut)
	}
	cursors := filepath.Join(home, "learn")
	cursorWritten := func(int) bool {
		ents, _ := os.ReadDir(cursors)
		return len(ents) > 0
	}
	code, errOut, took = runUntilBusy(t, home, r.dir, cursorWritten, "learn", "--git")
	t.Logf("learn --git exited %v after SIGTERM", took.Round(time.Millisecond))
	if code != 130 || !strings.Contains(errOut, "syntx learn: interrupted") {
		t.Errorf("learn after SIGTERM: exit %d\n%s", code, errOut)
	}
	if out, errOut, code := syntx(t, home, r.dir, "audit", "verify"); code != 0 {
		t.Errorf("audit verify after the interrupted learn: exit %d\n%s\n%s", code, out, errOut)
	}
	// The cursor names a commit of the history: the next run resumes there.
	ents, _ := os.ReadDir(cursors)
	if len(ents) != 1 {
		t.Fatalf("%d cursor files", len(ents))
	}
	b2, _ := os.ReadFile(filepath.Join(cursors, ents[0].Name()))
	var cur struct{ Last string }
	if err := json.Unmarshal(b2, &cur); err != nil || cur.Last == "" {
		t.Fatalf("cursor %s: %v", b2, err)
	}
	if n := strings.TrimSpace(r.git("rev-list", "--count", cur.Last)); n == "" || n == "0" {
		t.Fatalf("the cursor's commit %s is not in the history", cur.Last)
	}
}

// TestReviewMinScoreKeepsAPriorAtIt: `review --min-score` keeps a finding
// whose rule's prior equals the minimum (the float32 network scores a
// prior of 0.55 a hair under it: model.Clears) and drops it above.
func TestReviewMinScoreKeepsAPriorAtIt(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newGitRepo(t)
	r.write(".syntx/rules/team.toml", teamNoPanic("0.55"))
	r.commit("team rules")
	r.git("checkout", "-q", "-b", "pr")
	r.write("p.go", "package p\n\nfunc f() error {\n\tpanic(\"no\")\n}\n")
	r.commit("pull request")
	for _, c := range []struct {
		min  string
		kept bool
	}{{"0.55", true}, {"0.56", false}} {
		out, errOut, code := syntx(t, home, r.dir, "review", "--base", "main", "--min-score", c.min)
		if code != 0 || strings.Contains(out, "go.team-no-panic") != c.kept {
			t.Errorf("--min-score %s: exit %d, finding kept %v, want %v\n%s\n%s", c.min, code, !c.kept, c.kept, out, errOut)
		}
	}
}
