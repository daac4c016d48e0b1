// Package pgtest starts throw-away PostgreSQL clusters for tests and
// benchmarks: never a database already running on the machine.
//
// Start runs initdb in a new temporary directory and starts postgres on it,
// with a Unix socket in that directory and a random port (the port only
// names the socket file unless Options.TCP also opens 127.0.0.1). initdb and
// postgres refuse to run as root, and tests here run as root: then the
// cluster runs as the unprivileged system user Options.User ("syntxpg" by
// default, created with useradd when it is missing); otherwise as the
// current user. The bootstrap superuser is "postgres", trusted on the
// socket; every other role authenticates with a SCRAM password, on the
// socket and on TCP, so that tests exercise the passwords, passfiles and
// roles members really use.
//
// Binaries come from $SYNTX_PG_BIN, `pg_config --bindir`, or the newest
// /usr/lib/postgresql/*/bin. Require skips a test when PostgreSQL is not
// installed, and fails it instead under SYNTX_PG_REQUIRED=1 (CI installs
// Debian's postgresql, see .ci/run).
//
// A package's tests share one cluster (start it in TestMain, give each test
// its own database and roles): starting one costs about a second.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Superuser is the bootstrap superuser of every cluster.
const Superuser = "postgres"

// Options configure a cluster.
type Options struct {
	// User is the system user the cluster runs as when the caller is
	// root; "syntxpg" when empty.
	User string
	// TCP also listens on 127.0.0.1 (the port is then chosen among free
	// ones by retrying).
	TCP bool
	// Config lines appended to postgresql.conf (ssl = on, ...).
	Config []string
	// Files are written into the data directory before start (for
	// example server.crt and server.key), owned by the cluster's user.
	Files map[string][]byte
	// HBA replaces the default pg_hba.conf lines after the superuser's
	// trust line.
	HBA []string
	// Prefix, when set, runs postgres (not initdb) through this command
	// line, which must end by running its arguments as the cluster's
	// user: for example nsenter into a network namespace, then runuser.
	// See RunAs.
	Prefix []string
}

// Cluster is a running throw-away cluster.
type Cluster struct {
	// Dir holds the data directory ("data"), the socket and the log.
	Dir string
	// Port is the port: the socket is Dir/.s.PGSQL.<Port>.
	Port int
	// TCP reports whether 127.0.0.1:Port accepts connections.
	TCP    bool
	uid    int
	gid    int
	user   string
	bin    string
	prefix []string
	proc   *exec.Cmd
	done   chan error
}

// Bin returns PostgreSQL's binary directory.
func Bin() (string, error) {
	if d := os.Getenv("SYNTX_PG_BIN"); d != "" {
		return d, nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL is not installed (no initdb in $SYNTX_PG_BIN, pg_config --bindir or /usr/lib/postgresql/*/bin); apt-get install postgresql")
}

func versionOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// TB is the part of testing.TB Require uses.
type TB interface {
	Helper()
	Skip(args ...any)
	Fatal(args ...any)
}

// Require skips (or, under SYNTX_PG_REQUIRED=1, fails) the test when
// PostgreSQL is not installed.
func Require(t TB) {
	t.Helper()
	if _, err := Bin(); err != nil {
		if os.Getenv("SYNTX_PG_REQUIRED") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// Start creates and starts a cluster. Stop it with Stop.
func Start(ctx context.Context, opt Options) (*Cluster, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, uid: -1, gid: -1, TCP: opt.TCP, prefix: opt.Prefix}
	if os.Geteuid() == 0 {
		name := opt.User
		if name == "" {
			name = "syntxpg"
		}
		if c.uid, c.gid, err = systemUser(name); err != nil {
			return nil, err
		}
		c.user = name
	}
	c.Dir, err = os.MkdirTemp("", "syntx-pg-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(c.Dir)
		}
	}()
	if err := c.chown(c.Dir); err != nil {
		return nil, err
	}
	data := filepath.Join(c.Dir, "data")
	if out, err := c.command(ctx, "initdb", "-D", data, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if err := c.configure(data, opt); err != nil {
		return nil, err
	}
	// A random port; with TCP a busy one makes postgres exit, and another
	// is tried.
	var lastErr error
	for try := 0; try < 8; try++ {
		c.Port = 20000 + rand.IntN(40000)
		if lastErr = c.start(ctx, data); lastErr == nil {
			ok = true
			return c, nil
		}
		if !opt.TCP {
			break
		}
	}
	return nil, lastErr
}

// configure writes pg_hba.conf and opt's files into the data directory
// (owned by the cluster's user) and appends the test settings and
// opt.Config to postgresql.conf.
func (c *Cluster) configure(data string, opt Options) error {
	hba := []string{"local all " + Superuser + " trust"}
	if opt.HBA != nil {
		hba = append(hba, opt.HBA...)
	} else {
		hba = append(hba, "local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256")
	}
	files := map[string][]byte{"pg_hba.conf": []byte(strings.Join(hba, "\n") + "\n")}
	for name, b := range opt.Files {
		files[name] = b
	}
	for name, b := range files {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
		if err := c.chown(p); err != nil {
			return err
		}
	}
	conf := []string{"fsync = off", "synchronous_commit = off", "full_page_writes = off",
		"password_encryption = 'scram-sha-256'", "max_connections = 200", "shared_buffers = 64MB"}
	conf = append(conf, opt.Config...)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\n" + strings.Join(conf, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (c *Cluster) start(ctx context.Context, data string) error {
	listen := ""
	if c.TCP {
		listen = "127.0.0.1"
	}
	logf, err := os.OpenFile(filepath.Join(c.Dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := c.command(context.Background(), "postgres", "-D", data, "-k", c.Dir, "-p", strconv.Itoa(c.Port),
		"-c", "listen_addresses="+listen)
	if len(c.prefix) > 0 {
		args := append(append([]string(nil), c.prefix[1:]...), cmd.Args...)
		cmd = exec.Command(c.prefix[0], args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.Dir = c.Dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Ready when postmaster.pid's status line says so (PostgreSQL writes
	// "ready" there once it accepts connections).
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(data, "postmaster.pid")); err == nil {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) >= 8 && strings.TrimSpace(lines[len(lines)-1]) == "ready" {
				break
			}
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(filepath.Join(c.Dir, "postgres.log"))
			return fmt.Errorf("postgres exited before it was ready (%v):\n%s", err, lastLines(log, 20))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-done
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return errors.New("postgres did not report ready within 60s")
		}
	}
	c.proc, c.done = cmd, done
	return nil
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// command runs a PostgreSQL binary as the cluster's user.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Dir = c.Dir
	// A test binary that panics or is killed takes its cluster with it
	// (SIGQUIT: PostgreSQL's immediate shutdown).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if c.uid >= 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(c.uid), Gid: uint32(c.gid)}
		cmd.Env = append(cmd.Env, "HOME="+c.Dir)
	}
	return cmd
}

func (c *Cluster) chown(path string) error {
	if c.uid < 0 {
		return nil
	}
	return os.Chown(path, c.uid, c.gid)
}

// systemUser returns the uid and gid of name, creating it as a system user
// without a home or a login shell when it does not exist.
func systemUser(name string) (int, int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		out, aerr := exec.Command("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput()
		if aerr != nil && !bytes.Contains(out, []byte("already exists")) {
			return 0, 0, fmt.Errorf("create system user %s for PostgreSQL (initdb refuses root): %v: %s", name, aerr, out)
		}
		if u, err = user.Lookup(name); err != nil {
			return 0, 0, fmt.Errorf("system user %s: %w", name, err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid, nil
}

// RunAs returns the command prefix that runs a program as the cluster's
// user ("runuser -u syntxpg --" as root, nothing otherwise), for
// Options.Prefix.
func RunAs() []string {
	if os.Geteuid() != 0 {
		return nil
	}
	return []string{"runuser", "-u", "syntxpg", "--"}
}

// Stop stops the cluster (fast shutdown, then SIGKILL after 30 s) and
// removes its directory.
func (c *Cluster) Stop() error {
	if c == nil || c.proc == nil {
		return nil
	}
	// The whole process group: postgres, and the prefix's processes.
	_ = syscall.Kill(-c.proc.Process.Pid, syscall.SIGINT)
	var err error
	select {
	case err = <-c.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-c.proc.Process.Pid, syscall.SIGKILL)
		err = <-c.done
	}
	c.proc = nil
	if rerr := os.RemoveAll(c.Dir); rerr != nil {
		return rerr
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil // the signal's exit status
	}
	return err
}

// URL is a connection URL for user on database db through the socket
// (password, when not empty, included: only for tests).
func (c *Cluster) URL(user, password, db string) string {
	u := "postgres://" + user
	if password != "" {
		u += ":" + password
	}
	return u + "@/" + db + "?host=" + c.Dir + "&port=" + strconv.Itoa(c.Port) + "&sslmode=disable"
}

// TCPURL is a connection URL through 127.0.0.1 (Options.TCP), without a
// password.
func (c *Cluster) TCPURL(user, db, sslmode string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=%s", user, c.Port, db, sslmode)
}

// Psql runs SQL as the superuser on database db with psql and returns its
// output (unaligned, tuples only).
func (c *Cluster) Psql(ctx context.Context, db, sql string) (string, error) {
	cmd := c.command(ctx, "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", c.Dir, "-p", strconv.Itoa(c.Port), "-U", Superuser, "-d", db, "-c", sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("psql: %w: %s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// CreateRole creates a login role with a password, member of groups.
func (c *Cluster) CreateRole(ctx context.Context, name, password string, groups ...string) error {
	sql := fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", quoteIdent(name), strings.ReplaceAll(password, "'", "''"))
	if len(groups) > 0 {
		q := make([]string, len(groups))
		for i, g := range groups {
			q[i] = quoteIdent(g)
		}
		sql += " IN ROLE " + strings.Join(q, ", ")
	}
	_, err := c.Psql(ctx, "postgres", sql)
	return err
}

// CreateDB creates database name owned by owner ("" for the superuser).
func (c *Cluster) CreateDB(ctx context.Context, name, owner string) error {
	sql := "CREATE DATABASE " + quoteIdent(name)
	if owner != "" {
		sql += " OWNER " + quoteIdent(owner)
	}
	_, err := c.Psql(ctx, "postgres", sql)
	return err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Passfile writes a PostgreSQL password file (mode 0600) in dir for the
// given user → password entries on this cluster, and returns its path.
func (c *Cluster) Passfile(dir string, entries map[string]string) (string, error) {
	var lines []string
	for _, u := range slices.Sorted(maps.Keys(entries)) {
		for _, host := range []string{c.Dir, "127.0.0.1", "localhost"} {
			lines = append(lines, fmt.Sprintf("%s:%d:*:%s:%s", escapePass(host), c.Port, escapePass(u), escapePass(entries[u])))
		}
	}
	p := filepath.Join(dir, "pgpass")
	return p, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

func escapePass(s string) string {
	return strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace(s)
}
