package team

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/pgtest"
	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/store"
)

// cluster is the package's one throw-away PostgreSQL cluster (nil when
// PostgreSQL is not installed); each test gets its own database, group
// role prefix and member roles.
var (
	cluster    *pgtest.Cluster
	clusterErr error
	serial     atomic.Int64
)

func TestMain(m *testing.M) {
	if _, err := pgtest.Bin(); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cluster, clusterErr = pgtest.Start(ctx, pgtest.Options{})
		cancel()
	} else {
		clusterErr = err
	}
	code := m.Run()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop the test cluster:", err)
		}
	}
	os.Exit(code)
}

// testHub is one test's hub: a database with its admin connection, and a
// way to add members.
type testHub struct {
	t        testing.TB
	db       string
	prefix   string
	admin    *Hub
	passfile string
	pass     map[string]string
}

func requireCluster(t testing.TB) {
	t.Helper()
	if cluster == nil {
		pgtest.Require(t)
		t.Fatal(clusterErr)
	}
}

// newTestHub creates a database owned by an admin login role and runs
// init as that role.
func newTestHub(t testing.TB, opt InitOptions) *testHub {
	t.Helper()
	requireCluster(t)
	ctx := context.Background()
	n := serial.Add(1)
	th := &testHub{t: t, db: fmt.Sprintf("team%d_%d", os.Getpid(), n), prefix: fmt.Sprintf("t%d_%d", os.Getpid(), n), pass: map[string]string{}}
	admin := th.db + "_admin"
	th.pass[admin] = "admin-" + th.db
	if _, err := cluster.Psql(ctx, "postgres", fmt.Sprintf(`CREATE ROLE %q LOGIN CREATEROLE PASSWORD '%s'`, admin, th.pass[admin])); err != nil {
		t.Fatal(err)
	}
	if err := cluster.CreateDB(ctx, th.db, admin); err != nil {
		t.Fatal(err)
	}
	th.writePassfile()
	h := th.connect(admin)
	opt.RolePrefix = th.prefix
	if _, err := h.Init(ctx, opt); err != nil {
		t.Fatal(err)
	}
	th.admin = h
	return th
}

func (th *testHub) writePassfile() {
	dir := th.t.TempDir()
	p, err := cluster.Passfile(dir, th.pass)
	if err != nil {
		th.t.Fatal(err)
	}
	th.passfile = p
}

func (th *testHub) cfg(user string) config.Team {
	c := config.Defaults().Team
	c.DB = cluster.URL(user, "", th.db)
	c.Passfile = th.passfile
	return c
}

func (th *testHub) connect(user string) *Hub {
	th.t.Helper()
	h, err := Connect(context.Background(), th.cfg(user))
	if err != nil {
		th.t.Fatal(err)
	}
	th.t.Cleanup(func() { h.Close() })
	return h
}

// addRole creates a login role in the given groups ("member", "trainer",
// "admin" of this hub).
func (th *testHub) addRole(name string, groups ...string) string {
	th.t.Helper()
	role := th.db + "_" + name
	g := Roles(th.prefix)
	var in []string
	for _, x := range groups {
		switch x {
		case "member":
			in = append(in, g.Member)
		case "trainer":
			in = append(in, g.Trainer)
		case "admin":
			in = append(in, g.Admin)
		}
	}
	th.pass[role] = "pw-" + name + "-" + th.db
	if err := cluster.CreateRole(context.Background(), role, th.pass[role], in...); err != nil {
		th.t.Fatal(err)
	}
	th.writePassfile()
	return role
}

// member is a member's machine: a login role, a data directory with a
// store, and its hub connection after joining.
type member struct {
	role string
	home string
	db   *store.DB
	hub  *Hub
	st   State
}

func (th *testHub) newMember(name string, groups ...string) *member {
	th.t.Helper()
	if len(groups) == 0 {
		groups = []string{"member"}
	}
	m := &member{role: th.addRole(name, groups...), home: th.t.TempDir()}
	db, err := store.Open(context.Background(), filepath.Join(m.home, "syntx.db"), store.Options{})
	if err != nil {
		th.t.Fatal(err)
	}
	th.t.Cleanup(func() { db.Close() })
	m.db = db
	m.hub = th.connect(m.role)
	return m
}

func (m *member) join(t testing.TB) {
	t.Helper()
	st, err := m.hub.Join(context.Background(), m.home, JoinOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	m.st = st
}

func (m *member) fill(t testing.TB, spec teamsim.Spec) int {
	t.Helper()
	n, err := teamsim.Fill(context.Background(), m.db, spec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (th *testHub) count(where string, args ...any) int {
	th.t.Helper()
	var n int
	tr := th.trainerConn()
	if err := tr.conn.QueryRow(context.Background(), "SELECT count(*) FROM syntx.preferences "+where, args...).Scan(&n); err != nil {
		th.t.Fatal(err)
	}
	return n
}

var trainers = map[testing.TB]*Hub{}

// trainerConn is a connection with the trainer role (reads every row).
func (th *testHub) trainerConn() *Hub {
	if h, ok := trainers[th.t]; ok {
		return h
	}
	h := th.connect(th.addRole(fmt.Sprintf("reader%d", serial.Add(1)), "trainer"))
	trainers[th.t] = h
	return h
}
