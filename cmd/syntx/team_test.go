package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	lspuri "go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/pgtest"
	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/store"
)

// The package's PostgreSQL cluster, started by the first test that needs
// it and stopped by TestMain.
var (
	pgOnce    sync.Once
	pgCluster *pgtest.Cluster
	pgErr     error
)

func sharedCluster(t testing.TB) *pgtest.Cluster {
	t.Helper()
	pgtest.Require(t)
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pgCluster, pgErr = pgtest.Start(ctx, pgtest.Options{})
	})
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	return pgCluster
}

func stopSharedCluster() {
	if pgCluster != nil {
		_ = pgCluster.Stop()
	}
}

// teamFixture is a hub in its own database and the machines of its
// members, each a data directory with its own config.toml naming the hub.
type teamFixture struct {
	t        testing.TB
	c        *pgtest.Cluster
	db       string
	prefix   string
	url      func(user string) string
	pass     map[string]string
	passfile string
}

var fixtureSerial int

func newTeamFixture(t testing.TB) *teamFixture {
	t.Helper()
	c := sharedCluster(t)
	fixtureSerial++
	f := &teamFixture{t: t, c: c, db: fmt.Sprintf("cli%d_%d", os.Getpid(), fixtureSerial), pass: map[string]string{}}
	f.prefix = "g" + f.db
	f.url = func(user string) string {
		return strings.Replace(c.URL(user, "", f.db), "sslmode=disable", "sslmode=prefer", 1)
	}
	ctx := context.Background()
	admin := f.db + "_admin"
	f.pass[admin] = "pw-admin"
	if _, err := c.Psql(ctx, "postgres", fmt.Sprintf(`CREATE ROLE %q LOGIN CREATEROLE PASSWORD 'pw-admin'`, admin)); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDB(ctx, f.db, admin); err != nil {
		t.Fatal(err)
	}
	f.writePassfile()
	home := t.TempDir()
	out, err := f.cli(home, "", "team", "init", "--db", f.url(admin), "--role-prefix", f.prefix)
	if err != nil || !strings.Contains(out, "created team hub") {
		t.Fatalf("team init: %v\n%s", err, out)
	}
	return f
}

func (f *teamFixture) writePassfile() {
	p, err := f.c.Passfile(f.t.TempDir(), f.pass)
	if err != nil {
		f.t.Fatal(err)
	}
	f.passfile = p
}

// role creates a login role in this hub's groups.
func (f *teamFixture) role(name string, groups ...string) string {
	f.t.Helper()
	r := f.db + "_" + name
	f.pass[r] = "pw-" + name
	var in []string
	for _, g := range groups {
		in = append(in, f.prefix+"_"+g)
	}
	if err := f.c.CreateRole(context.Background(), r, f.pass[r], in...); err != nil {
		f.t.Fatal(err)
	}
	f.writePassfile()
	return r
}

// machine is a member's data directory with a config.toml for the hub.
func (f *teamFixture) machine(role string, extra string) string {
	f.t.Helper()
	home := f.t.TempDir()
	cfg := fmt.Sprintf("[team]\ndb = %q\n%s", f.url(role), extra)
	if err := os.MkdirAll(filepath.Join(home, "config", "syntx"), 0o700); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config", "syntx", "config.toml"), []byte(cfg), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return home
}

// cli runs syntx with home as SYNTX_HOME and its config, the passfile in
// PGPASSFILE.
func (f *teamFixture) cli(home, stdin string, args ...string) (string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "PGPASSFILE="+f.passfile)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (f *teamFixture) must(home string, args ...string) string {
	f.t.Helper()
	out, err := f.cli(home, "", args...)
	if err != nil {
		f.t.Fatalf("syntx %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// fill writes a synthetic history into home's store.
func fill(t testing.TB, home string, spec teamsim.Spec) int {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := teamsim.Fill(context.Background(), db, spec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// serveIn starts `syntx serve` for a member's machine.
func (f *teamFixture) serveIn(ctx context.Context, home string, opts any) (*lspclient.Client, *exec.Cmd) {
	f.t.Helper()
	cmd := exec.CommandContext(ctx, binary, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "PGPASSFILE="+f.passfile)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	if _, err := c.Initialize(ctx, home, false, opts); err != nil {
		f.t.Fatal(err)
	}
	return c, cmd
}

var scoreSerial int

// scores returns the score of every action offered on the demo's Go
// file, by rule.
func scores(t *testing.T, ctx context.Context, c *lspclient.Client, home string) map[string]float64 {
	t.Helper()
	src, err := os.ReadFile("../../testdata/demo/inventory.go")
	if err != nil {
		t.Fatal(err)
	}
	scoreSerial++
	uri := lspclient.FileURI(filepath.Join(home, "work", fmt.Sprint(scoreSerial), "inventory.go"))
	if err := c.Open(ctx, uri, "go", string(src)); err != nil {
		t.Fatal(err)
	}
	acts, err := c.CodeActions(ctx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, a := range acts {
		var d struct {
			RuleID   string  `json:"ruleId"`
			Category string  `json:"category"`
			Score    float64 `json:"score"`
		}
		if a.Edit == nil || json.Unmarshal(a.Data, &d) != nil {
			continue
		}
		out[d.Category+"/"+d.RuleID] = d.Score
	}
	if len(out) == 0 {
		t.Fatal("no actions on the demo file")
	}
	return out
}

// policyOf returns the server's policy version (syntx.status).
func policyOf(t *testing.T, ctx context.Context, c *lspclient.Client) string {
	t.Helper()
	var st struct {
		Policy string `json:"policy"`
	}
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		t.Fatal(err)
	}
	return st.Policy
}

// waitPolicy waits until the server's policy version ends with suffix (the
// server follows the pointer files once a second); it fails naming what it
// waited for after a generous deadline.
func waitPolicy(t *testing.T, ctx context.Context, c *lspclient.Client, suffix string) {
	t.Helper()
	waitPolicyFn(t, ctx, c, "a policy ending in "+suffix, func(v string) bool { return strings.HasSuffix(v, suffix) })
}

func waitPolicyFn(t *testing.T, ctx context.Context, c *lspclient.Client, what string, ok func(string) bool) {
	t.Helper()
	var v string
	if err := testwait.UntilErr(testwait.Deadline(t), "the server to serve "+what, func() bool {
		v = policyOf(t, ctx, c)
		return ok(v)
	}); err != nil {
		t.Fatalf("%v (it serves %s)", err, v)
	}
}

// meanBy averages scores by category.
func meanBy(s map[string]float64) map[string]float64 {
	sum, n := map[string]float64{}, map[string]float64{}
	for k, v := range s {
		cat, _, _ := strings.Cut(k, "/")
		sum[cat] += v
		n[cat]++
	}
	for k := range sum {
		sum[k] /= n[k]
	}
	return sum
}

// TestTeamTwoLayersOverLSP: the whole loop through the real binary and a
// real PostgreSQL. Members join, push and a CI trainer publishes the team
// adapter; a new member pulls it and its server, on the first request,
// ranks as the team does (the team's categories up, the one it rejects
// down). Its own adapter, trained on its own different taste over the team
// layer, goes on top; each layer rolls back alone; a server in team mode
// syncs by itself when idle; and the hub's audit verifies.
func TestTeamTwoLayersOverLSP(t *testing.T) {
	f := newTeamFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	// Four members who want security and correctness and reject style.
	for i := 0; i < 4; i++ {
		r := f.role(fmt.Sprintf("m%d", i), "member")
		home := f.machine(r, "")
		fill(t, home, teamsim.Spec{Prefs: 250, Seed: uint64(100 + i), Taste: teamsim.Likes(store.Security, store.Correctness)})
		if out := f.must(home, "team", "join"); !strings.Contains(out, "joined team") {
			t.Fatalf("join: %s", out)
		}
		if out := f.must(home, "team", "push"); !strings.Contains(out, "pushed") {
			t.Fatalf("push: %s", out)
		}
	}
	ci := f.role("ci", "trainer")
	ciHome := f.machine(ci, "")
	if out := f.must(ciHome, "team", "train"); !strings.Contains(out, "team adapter t1 accepted") {
		t.Fatalf("team train: %s", out)
	}

	// A new member: before pulling, its server runs the base; after, the
	// team layer, on the first request.
	newbie := f.role("newbie", "member")
	home := f.machine(newbie, "")
	f.must(home, "team", "join")
	baseSrv, _ := f.serveIn(ctx, t.TempDir(), nil)
	base := meanBy(scores(t, ctx, baseSrv, t.TempDir()))
	if out := f.must(home, "team", "pull"); !strings.Contains(out, "team layer: t1 (pulled)") {
		t.Fatalf("pull: %s", out)
	}
	c, _ := f.serveIn(ctx, home, nil)
	if v := policyOf(t, ctx, c); !strings.HasSuffix(v, "+t1") {
		t.Fatalf("the new member's first policy is %s, want the team layer t1", v)
	}
	teamS := meanBy(scores(t, ctx, c, home))
	t.Logf("mean scores on the demo file: base %v, team layer %v", base, teamS)
	if !(teamS["style"] < base["style"]-0.05) || !(teamS["security"] > base["security"]) {
		t.Errorf("the team layer does not rank as the team does: base %v, team %v", base, teamS)
	}

	// The member's own taste differs (it wants style); its own adapter
	// trains over the team layer and wins on top of it.
	fill(t, home, teamsim.Spec{Prefs: 300, Seed: 7, Taste: teamsim.Likes(store.StyleCat), Persona: "developer"})
	var res struct {
		Decision string `json:"decision"`
		Active   string `json:"active"`
	}
	if err := c.Command(ctx, "syntx.retrain", &res); err != nil || res.Decision != "accepted" {
		t.Fatalf("retrain over the team layer: %+v %v", res, err)
	}
	if v := policyOf(t, ctx, c); !strings.HasSuffix(v, "+t1+"+res.Active) {
		t.Fatalf("policy %s, want both layers +t1+%s", v, res.Active)
	}
	both := meanBy(scores(t, ctx, c, home))
	if !(both["style"] > teamS["style"]+0.05) {
		t.Errorf("the member's own taste does not win over the team's: team %v, both layers %v", teamS, both)
	}
	info := f.must(home, "model", "info", "--json")
	if !strings.Contains(info, `"team_layer": "t1"`) {
		t.Errorf("model info lacks the team layer: %s", info)
	}
	// Exports: one merged ONNX, and two PEFT adapters.
	exp := filepath.Join(t.TempDir(), "policy.onnx")
	if out := f.must(home, "model", "export-onnx", exp); !strings.Contains(out, "t1+"+res.Active) {
		t.Errorf("export-onnx: %s", out)
	}
	peft := filepath.Join(t.TempDir(), "peft")
	f.must(home, "model", "export-peft", peft)
	for _, d := range []string{"team", "own"} {
		for _, file := range []string{"adapter_config.json", "adapter_model.safetensors"} {
			if _, err := os.Stat(filepath.Join(peft, d, file)); err != nil {
				t.Errorf("export-peft: %v", err)
			}
		}
	}

	// Roll back the own layer alone: the team layer stays.
	if err := c.Command(ctx, "syntx.rollback", nil); err != nil {
		t.Fatal(err)
	}
	waitPolicy(t, ctx, c, "+t1")
	// Train it again, then roll back the team layer alone: the own stays.
	if err := c.Command(ctx, "syntx.retrain", &res); err != nil || res.Decision != "accepted" {
		t.Fatalf("retrain: %+v %v", res, err)
	}
	if out := f.must(home, "team", "rollback"); !strings.Contains(out, "rolled back from t1 to no team layer") {
		t.Fatalf("team rollback: %s", out)
	}
	waitPolicyFn(t, ctx, c, "only the own adapter "+res.Active, func(v string) bool {
		return strings.HasSuffix(v, "+"+res.Active) && !strings.Contains(v, "+t1")
	})
	if out := f.must(home, "team", "pull"); !strings.Contains(out, "rolled back on this machine") {
		t.Errorf("pull after the team rollback: %s", out)
	}
	// The own adapter was trained over t1: the server plans to retrain it
	// over the layer now in use (none) at the next idle moment.
	var ts struct {
		Training struct {
			TeamLayerChanged bool `json:"teamLayerChanged"`
		} `json:"training"`
	}
	if err := c.Command(ctx, "syntx.status", &ts); err != nil || !ts.Training.TeamLayerChanged {
		t.Errorf("after the team layer changed under the own adapter: teamLayerChanged %v, %v", ts.Training.TeamLayerChanged, err)
	}

	// A server in team mode syncs by itself once idle: it pushes what its
	// member recorded and pulls the team adapter.
	idler := f.role("idler", "member")
	ihome := f.machine(idler, "sync_interval = \"1h\"\n")
	f.must(ihome, "team", "join")
	n := fill(t, ihome, teamsim.Spec{Prefs: 40, Seed: 9, Taste: teamsim.Likes(store.Security)})
	ic, _ := f.serveIn(ctx, ihome, map[string]any{"train": map[string]any{"idle_delay": "200ms"}})
	waitPolicy(t, ctx, ic, "+t1")
	var st struct {
		Team struct {
			Mode, Layer, Last string
			Joined            bool
		} `json:"team"`
	}
	var raw json.RawMessage
	// The layer can serve before the server has read the sync's result
	// (it follows the pointer the sync wrote): wait for the result.
	if err := testwait.UntilErr(testwait.Deadline(t), "the idle sync's result in syntx.status", func() bool {
		if err := ic.Command(ctx, "syntx.status", &raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		return st.Team.Last != ""
	}); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if st.Team.Mode == "" {
		t.Logf("status: %s", raw)
	}
	if st.Team.Mode != "on" || !st.Team.Joined || st.Team.Layer != "t1" || !strings.Contains(st.Team.Last, fmt.Sprintf("pushed %d", n)) {
		t.Errorf("status after an idle sync: %+v (want %d pushed)", st.Team, n)
	}
	// Everyone's records are there exactly once; the chain verifies.
	if out := f.must(ciHome, "team", "audit", "verify"); !strings.Contains(out, "team audit chain OK") {
		t.Fatalf("audit verify: %s", out)
	}
	count, err := f.c.Psql(ctx, f.db, "SELECT count(*), count(DISTINCT (member_id, install_id, local_id)) FROM syntx.preferences")
	if err != nil {
		t.Fatal(err)
	}
	if a, b, _ := strings.Cut(count, "|"); a != b {
		t.Errorf("records %s, distinct %s", a, b)
	}
	// The report: k-anonymous statistics and the adapter history.
	rep := filepath.Join(t.TempDir(), "team.html")
	f.must(home, "team", "report", "-o", rep)
	b, _ := os.ReadFile(rep)
	for _, want := range []string{"Contributions by role and category", "Team adapter history", "t1", "accepted", "developer"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the team report lacks %q", want)
		}
	}
	if bytes.Contains(b, []byte(f.db+"_m0")) || bytes.Contains(b, []byte("<script")) {
		t.Error("the team report names another member's PostgreSQL role or runs a script")
	}
}

// TestTeamCommandsOff: with no team.db, team commands say team mode is off
// and open nothing; team settings in a workspace are refused.
func TestTeamCommandsOff(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	for _, args := range [][]string{{"team", "push"}, {"team", "pull"}, {"team", "sync"}, {"team", "join"}} {
		out, err := runCLI(t, home, args...)
		if err == nil || !strings.Contains(out, "team mode is off") {
			t.Errorf("%v without team.db: %v %s", args, err, out)
		}
	}
	out, err := runCLI(t, home, "team", "status")
	if err != nil || !strings.Contains(out, "off (no team.db") {
		t.Errorf("team status: %v %s", err, out)
	}
	if out, err := runCLI(t, home, "team", "push", "--db", "postgres://u:secret@h/db"); err == nil || !strings.Contains(out, "must not hold a password") || strings.Contains(out, "secret") {
		t.Errorf("a password in --db: %v %s", err, out)
	}
}

// TestTeamPushKilled: `syntx team push` killed with SIGKILL at several
// moments, then run to the end: the hub holds every preference exactly
// once (whatever moment each kill fell on) and the chain verifies.
func TestTeamPushKilled(t *testing.T) {
	f := newTeamFixture(t)
	r := f.role("alice", "member")
	home := f.machine(r, "")
	n := fill(t, home, teamsim.Spec{Prefs: 3000, Seed: 21, Taste: teamsim.Likes(store.Correctness)})
	f.must(home, "team", "join")
	for _, ms := range []int{30, 80, 150, 250, 400, 600} {
		cmd := exec.Command(binary, "team", "push")
		cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "PGPASSFILE="+f.passfile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { _ = cmd.Process.Kill() })
		_ = cmd.Wait()
		timer.Stop()
	}
	f.must(home, "team", "push")
	out, err := f.c.Psql(context.Background(), f.db, "SELECT count(*), count(DISTINCT local_id) FROM syntx.preferences")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d|%d", n, n); out != want {
		t.Fatalf("the hub holds %s (count|distinct), want %s", out, want)
	}
	ci := f.machine(f.role("ci", "trainer"), "")
	if out := f.must(ci, "team", "audit", "verify"); !strings.Contains(out, "team audit chain OK") {
		t.Fatalf("audit: %s", out)
	}
}

// TestModelInfoRefusedTeamLayer: a team layer that does not load is named
// with the reason by `syntx model info`, and `syntx model export-onnx`
// refuses to export a policy that is not the one the pointers name.
func TestModelInfoRefusedTeamLayer(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	dir := filepath.Join(home, "team", "adapters", "t1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"adapter_config.json": `{"peft_type":"LORA"}`, "adapter_model.safetensors": "junk", "../ACTIVE": "t1\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runCLI(t, home, "model", "info", "--json")
	var info struct {
		TeamLayer      string `json:"team_layer"`
		TeamLayerError string `json:"team_layer_error"`
	}
	if err != nil || json.Unmarshal([]byte(out), &info) != nil || info.TeamLayer != "t1" || !strings.Contains(info.TeamLayerError, "team adapter t1") {
		t.Errorf("model info with a broken team layer: %v %s", err, out)
	}
	if out, err := runCLI(t, home, "model", "info"); err != nil || !strings.Contains(out, "team:     refused") {
		t.Errorf("model info: %v %s", err, out)
	}
	if out, err := runCLI(t, home, "model", "export-onnx", filepath.Join(t.TempDir(), "p.onnx")); err == nil || !strings.Contains(out, "team adapter t1") {
		t.Errorf("export-onnx with a broken team layer: %v %s", err, out)
	}
}

// TestTeamPolicy: `syntx team policy` shows the hub's policy to a member,
// changes it for an administrator (recorded in the chain, which still
// verifies), and refuses a member's change.
func TestTeamPolicy(t *testing.T) {
	f := newTeamFixture(t)
	adm := f.machine(f.role("boss", "admin"), "")
	mem := f.machine(f.role("dev", "member"), "")
	f.must(mem, "team", "join")
	if out := f.must(mem, "team", "policy"); !strings.Contains(out, "min_members 3, share_code false") {
		t.Fatalf("policy as a member: %s", out)
	}
	if out, err := f.cli(mem, "", "team", "policy", "--min-members", "1"); err == nil || !strings.Contains(out, "permission denied") {
		t.Fatalf("a member changed the policy: %v\n%s", err, out)
	}
	if out := f.must(adm, "team", "policy", "--min-members", "5", "--share-code=true"); !strings.Contains(out, "min_members 5, share_code true") {
		t.Fatalf("policy change: %s", out)
	}
	if out := f.must(adm, "team", "policy", "--share-code=false"); !strings.Contains(out, "min_members 5, share_code false") {
		t.Fatalf("a change of one setting kept the other? %s", out)
	}
	if out, err := f.cli(adm, "", "team", "policy", "--min-members", "-2"); err == nil {
		t.Fatalf("--min-members -2 accepted:\n%s", out)
	}
	ci := f.machine(f.role("ci", "trainer"), "")
	if out := f.must(ci, "team", "audit", "verify"); !strings.Contains(out, "team audit chain OK") {
		t.Fatalf("team audit verify after policy changes: %s", out)
	}
}

// TestIdleSyncHeldWhileTyping: a server's idle sync that is still pushing
// when its developer types again waits between two batches (no
// transaction open, so no other member's push waits for it), says so in
// syntx.status, and goes on once the session is idle again; ended by the
// server's exit, it loses nothing: every preference arrives, once.
func TestIdleSyncHeldWhileTyping(t *testing.T) {
	f := newTeamFixture(t)
	ctx := testwait.Context(t)
	home := f.machine(f.role("typist", "member"), "sync_interval = \"1h\"\n")
	n := fill(t, home, teamsim.Spec{Prefs: 6000, Seed: 23, Taste: teamsim.Likes(store.Security)})
	f.must(home, "team", "join")
	c, _ := f.serveIn(ctx, home, map[string]any{"train": map[string]any{"idle_delay": "300ms"}})
	uri := "file:///typist/a.py"
	src := "def f(path):\n    if path == None:\n        return 1\n"
	if err := c.Open(ctx, uri, "python", src); err != nil {
		t.Fatal(err)
	}
	version := int32(1)
	typeOne := func() {
		version++
		txt := map[bool]string{true: "x", false: ""}[version%2 == 0]
		end := protocol.Position{Line: 0, Character: 4}
		if txt == "" {
			end.Character++
		}
		if err := c.Notify(ctx, "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: lspuri.URI(uri)}, Version: version},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{Range: protocol.Range{Start: protocol.Position{Line: 0, Character: 4}, End: end}, Text: txt}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	type teamSt struct {
		Syncing, Held bool
		Last          string
	}
	status := func() teamSt {
		var raw json.RawMessage
		if err := c.Command(ctx, "syntx.status", &raw); err != nil {
			t.Fatal(err)
		}
		var st struct{ Team teamSt }
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		return st.Team
	}
	onHub := func() int {
		out, err := f.c.Psql(ctx, f.db, "SELECT count(*) FROM syntx.preferences")
		if err != nil {
			t.Fatal(err)
		}
		var k int
		fmt.Sscan(out, &k)
		return k
	}
	// Idle: the sync starts; the developer types again at once.
	var st teamSt
	t0 := time.Now()
	testwait.Until(t, "the idle sync to start", func() bool { st = status(); return st.Syncing || st.Last != "" })
	t.Logf("%v: sync started", time.Since(t0))
	if !st.Syncing {
		t.Fatalf("the sync ended before the test could type: %+v", st)
	}
	typeOne()
	testwait.Until(t, "the sync to be held or to end", func() bool { typeOne(); st = status(); return st.Held || !st.Syncing })
	if !st.Held {
		t.Fatalf("the sync was not held while the developer typed: %+v", st)
	}
	// Held: a batch under way when the hold came may still commit (on a
	// busy machine, slowly: the sync runs at idle priority, and may not
	// have read the hold before its next boundary), no more starts while
	// the typing goes on.
	t.Logf("%v: held", time.Since(t0))
	before, after := onHub(), 0
	for range 20 {
		typeOne()
		time.Sleep(50 * time.Millisecond)
	}
	st, after = status(), onHub()
	if !st.Syncing || !st.Held || after > before+2*holdableBatch || after >= n {
		t.Fatalf("while typing: %+v, the hub went from %d to %d of %d preferences (a batch is %d)", st, before, after, n, holdableBatch)
	}
	// Idle again: the next tick releases it, and it goes on (at idle
	// priority: on a busy machine, a batch at a time).
	t.Logf("%v: %d -> %d while typing", time.Since(t0), before, after)
	testwait.Until(t, "the release at an idle tick", func() bool { st = status(); return !st.Held })
	t.Logf("%v: released", time.Since(t0))
	// A machine busy on every core the sync may use gives an idle-priority
	// process no time at all (the loaded test runs, pinned to one core
	// beside a busy loop): then progress is not waited for, and the log
	// says so; on a machine with an idle moment it must come.
	if err := testwait.UntilErr(time.Now().Add(30*time.Second), "the released sync to push more", func() bool {
		return onHub() > after || !status().Syncing
	}); err != nil {
		if idleCPU(t, 2*time.Second) {
			t.Fatal(err)
		}
		t.Logf("no CPU time left for an idle-priority process here: %v", err)
	}
	// The server exits (ending a sync still running, as an editor that
	// quits does); a push by hand sends the rest: every preference is on
	// the hub exactly once.
	t.Logf("%v: pushing again", time.Since(t0))
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%v: shut down", time.Since(t0))
	f.must(home, "team", "push")
	out, err := f.c.Psql(ctx, f.db, "SELECT count(*), count(DISTINCT local_id) FROM syntx.preferences")
	if err != nil || out != fmt.Sprintf("%d|%d", n, n) {
		t.Errorf("the hub holds %s (count|distinct), want %d of each (%v)", out, n, err)
	}
}

// idleCPU reports whether the cores this process may use were idle for
// part of d (from /proc/stat's idle time), i.e. whether a SCHED_IDLE
// process here could have run.
func idleCPU(t *testing.T, d time.Duration) bool {
	idle := func() float64 {
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			t.Fatal(err)
		}
		var total float64
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 5 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
				continue
			}
			// Only the cores in this process's affinity mask count.
			if !allowedCPU(t, strings.TrimPrefix(f[0], "cpu")) {
				continue
			}
			v, _ := strconv.ParseFloat(f[4], 64)
			total += v
		}
		return total
	}
	a := idle()
	time.Sleep(d)
	return idle()-a > 0.1*d.Seconds()*100 // jiffies: over a tenth of a core
}

// allowedCPU reports whether core id is in this process's affinity mask
// (Cpus_allowed_list in /proc/self/status).
func allowedCPU(t *testing.T, id string) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(id)
	for _, line := range strings.Split(string(b), "\n") {
		list, ok := strings.CutPrefix(line, "Cpus_allowed_list:")
		if !ok {
			continue
		}
		for _, r := range strings.Split(strings.TrimSpace(list), ",") {
			lo, hi, found := strings.Cut(r, "-")
			a, _ := strconv.Atoi(lo)
			z := a
			if found {
				z, _ = strconv.Atoi(hi)
			}
			if n >= a && n <= z {
				return true
			}
		}
	}
	return false
}
