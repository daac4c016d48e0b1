package learnbench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/pgtest"
)

func lspFileURI(path string) string { return lspclient.FileURI(path) }

func decodeB64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimSpace(s))
}

// The team benchmark (make bench-team): simulated members with different
// tastes and roles drive real `syntx serve` processes over LSP and sync
// with one hub on a throw-away PostgreSQL; a team adapter is trained every
// round. It measures (a) a new member's precision@1 and noise at 0 events
// with the team layer against the base, (b) the curve of a dissenting new
// member whose own adapter trains over the team layer, and (c) what role
// weights do: the security specialists' taste on security suggestions,
// with the roles' weights and with every weight 1.

// TeamConfig sets up the team benchmark.
type TeamConfig struct {
	Binary, Corpus string
	// Developers, Specialists and Seniors are how many members of each
	// role play (the dissenter and the new member come on top).
	Developers, Specialists, Seniors int
	// Rounds of EventsPerRound feedback events per member; a team train
	// after each round.
	Rounds, EventsPerRound int
	// Checkpoints of the dissenter's curve (its own events).
	Checkpoints []int
	HeldOut     int
	Noise       float64
	Seed        uint64
	Log         io.Writer
	// SecurityWeight, when not zero, replaces the security specialists'
	// weight on security suggestions (2 by default).
	SecurityWeight float64
}

// TeamReport is the team benchmark's result.
type TeamReport struct {
	// SecurityWeight is the specialists' weight on security.
	SecurityWeight float64 `json:"security_weight"`
	Members        int     `json:"members"`
	Records        int     `json:"records"`
	Rounds         []Round `json:"rounds"`
	Sites          int     `json:"sites"`
	HeldOut        int     `json:"held_out_sites"`
	Seconds        float64 `json:"seconds"`
	Newcomer       struct {
		Base Metrics `json:"base"`
		Team Metrics `json:"team"`
		// Oracle is the team taste's oracle.
		Oracle Metrics `json:"oracle"`
	} `json:"newcomer"`
	Dissenter Curve `json:"dissenter"`
	// Roles is measured on held-out sites that offer a security
	// suggestion: with the base; with the team layer the newcomer pulled
	// (Served: the newest adapter the gate accepted); and with two team
	// runs after the last round on the same records (copies of the hub
	// taken before either trains, so that both gates judge against the
	// same served layer), one with the roles' weights and one with every
	// weight 1. See RoleArm for what each arm measures.
	Roles struct {
		Base   SecurityMetrics `json:"base"`
		Served SecurityMetrics `json:"served"`
		// ServedLayer names the newcomer's layer.
		ServedLayer string  `json:"served_layer"`
		Weighted    RoleArm `json:"weighted"`
		Flat        RoleArm `json:"flat"`
	} `json:"roles"`
	// SecurityRecords are the shared security records by role, kind and
	// outcome: what the team adapter learnt security from.
	SecurityRecords []SecurityRecords `json:"security_records"`
}

// SecurityRecords counts the hub's security records of one role, kind,
// outcome and side, with their summed evidence before and after the role
// weights (the hub's, for the record's weight role and category).
type SecurityRecords struct {
	Rule    string `json:"rule"`
	Role    string `json:"role"`
	Kind    string `json:"kind"`
	Outcome string `json:"outcome"`
	// Side is what the record says of the security suggestion: a label
	// "for" or "against" it; a pair with the nothing action "over nothing"
	// or "under nothing"; "vs a candidate" for a pair with another
	// candidate of the set.
	Side     string  `json:"side"`
	N        int     `json:"n"`
	Evidence float64 `json:"evidence"`
	Weighted float64 `json:"weighted"`
}

// SecurityVote is the role-weighted vote of the security labels (each
// outcome's one vote on showing the suggestion rather than nothing, as a
// team run counts it): the weighted evidence for, against, and the share
// for.
func (r *TeamReport) SecurityVote() (forW, againstW, share float64) {
	return r.SecurityVoteOf(func(SecurityRecords) bool { return true })
}

// SecurityVoteOf is SecurityVote over the records keep selects.
func (r *TeamReport) SecurityVoteOf(keep func(SecurityRecords) bool) (forW, againstW, share float64) {
	for _, x := range r.SecurityRecords {
		switch {
		case !keep(x):
		case x.Kind == "label" && x.Side == "for":
			forW += x.Weighted
		case x.Kind == "label" && x.Side == "against":
			againstW += x.Weighted
		}
	}
	if forW+againstW > 0 {
		share = forW / (forW + againstW)
	}
	return forW, againstW, share
}

// RoleArm is one arm of (c): a team run on the records after the last
// round with one set of weights, measured in the two kinds of adapter a
// team run makes, so that the arms compare like with like:
//
//   - Candidate is the first-pass adapter, trained without each member's
//     newest records, which the gate judges. Every run makes one, accepted
//     or not, so both arms always have it (train.refit = false publishes
//     it whatever the gate decides).
//   - Refit is the adapter the team would serve: the refit on every record,
//     made only when the gate accepts the run (train.refit = true, the
//     default). When the gate refuses, RefitLayer is "" and the team keeps
//     serving the layer before (Roles.Served): that is a fact of the arm,
//     and no other kind stands in for it.
//
// Training is deterministic, so a refused run with the refit on publishes
// the same first-pass adapter as the run with it off (SameCandidate checks
// it by the adapters' SHA-256).
type RoleArm struct {
	// Decision and Reason are the gate's on this arm's run, against
	// Previous (the served team layer, "t" and its version).
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Previous string `json:"previous"`
	// Holdout is the run's held-out accuracy and log-loss (new, and the
	// layer it was judged against).
	Holdout struct {
		Accuracy, LogLoss, ActiveAccuracy, ActiveLogLoss float64
	} `json:"holdout"`
	Candidate      SecurityMetrics  `json:"candidate"`
	CandidateLayer string           `json:"candidate_layer"`
	Refit          *SecurityMetrics `json:"refit,omitempty"`
	RefitLayer     string           `json:"refit_layer,omitempty"`
	// SameCandidate is set when the refused refit-on run published the
	// same adapter as the refit-off one (nil when the run was accepted).
	SameCandidate *bool `json:"same_candidate,omitempty"`
}

// Round is one round of team feedback and the team train after it.
type Round struct {
	Events   int    `json:"events"` // by all members so far
	Adapter  string `json:"adapter"`
	Decision string `json:"decision"`
	// Reason is the gate's (which held-out records it compared on, and
	// the scores); WarmStart the published adapter the run started from.
	Reason    string `json:"reason,omitempty"`
	WarmStart string `json:"warm_start,omitempty"`
	Seconds   float64
}

func likesCats(name, desc string, cats ...string) Persona {
	return Persona{Name: name, Desc: desc, EditShare: 0.1, Likes: func(c Cand, _ Site) bool {
		for _, x := range cats {
			if c.Category == x {
				return true
			}
		}
		return false
	}}
}

// The team's members: security specialists want security fixes (and
// nothing else: among the suggestions at a site they pick the security
// one); senior reviewers want security, correctness and performance fixes;
// developers want correctness and performance and undo security rewrites.
// The team's weighted taste (what a new member is measured against) is
// everything but style: correctness and performance by the developers'
// and seniors' numbers, security by the specialists' and seniors' weights
// (3 × 2 + 2 × 1.5 against 6 × 1; with every weight 1, 5 against 6). The
// dissenter wants style and correctness.
var (
	specialistTaste = likesCats("security-specialist", "security only", "security")
	seniorTaste     = likesCats("senior-reviewer", "security, correctness and performance", "security", "correctness", "performance")
	developerTaste  = likesCats("developer", "correctness and performance; undoes security rewrites", "correctness", "performance")
	teamTaste       = likesCats("newcomer", "the team's weighted taste: all but style", "security", "correctness", "performance")
	dissenterTaste  = likesCats("dissenter", "style and correctness, against the team", "style", "correctness")
)

// hubFixture is the hub the benchmark's members share.
type hubFixture struct {
	c        *pgtest.Cluster
	binary   string
	passfile string
	pass     map[string]string
	db       string
	// adminHome and ciHome are the administrator's and the CI trainer's
	// data directories; tmp what stop removes.
	adminHome, ciHome string
	tmp               []string
}

func (h *hubFixture) urlIn(user, db string) string {
	return strings.Replace(h.c.URL(user, "", db), "sslmode=disable", "sslmode=prefer", 1)
}

func (h *hubFixture) role(ctx context.Context, name string, groups ...string) (string, error) {
	h.pass[name] = "pw-" + name
	var in []string
	for _, g := range groups {
		in = append(in, "syntx_"+g)
	}
	if err := h.c.CreateRole(ctx, name, h.pass[name], in...); err != nil {
		return "", err
	}
	p, err := h.c.Passfile(filepath.Dir(h.passfile), h.pass)
	h.passfile = p
	return name, err
}

// home is a member's data directory with a config.toml naming the hub.
func (h *hubFixture) home(role string) (string, error) { return h.homeIn(role, h.db, "") }

// homeIn is a data directory whose config.toml names database db as the
// hub, with extra appended (more TOML sections).
func (h *hubFixture) homeIn(role, db, extra string) (string, error) {
	home, err := os.MkdirTemp("", "syntx-team-")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(home, "config", "syntx"), 0o700); err != nil {
		return "", err
	}
	cfg := fmt.Sprintf("[team]\ndb = %q\n%s", h.urlIn(role, db), extra)
	return home, os.WriteFile(filepath.Join(home, "config", "syntx", "config.toml"), []byte(cfg), 0o600)
}

func (h *hubFixture) cli(ctx context.Context, home string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, h.binary, args...)
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "PGPASSFILE="+h.passfile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("syntx %s: %w: %s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// teamMember is one simulated member.
type teamMember struct {
	name    string
	persona Persona
	home    string
	srv     *server
	rng     *rand.Rand
	order   []int
	next    int
	events  int
}

// RunTeam plays the team benchmark.
func RunTeam(ctx context.Context, cfg TeamConfig) (*TeamReport, error) {
	t0 := time.Now()
	cfg = cfg.withDefaults()
	lc := Config{Binary: cfg.Binary, Corpus: cfg.Corpus, Log: cfg.Log, Seed: cfg.Seed}
	train, held, nSites, err := teamSites(ctx, lc, cfg)
	if err != nil {
		return nil, err
	}
	rep := &TeamReport{Sites: nSites, HeldOut: len(held), SecurityWeight: cfg.SecurityWeight}
	if rep.SecurityWeight == 0 {
		rep.SecurityWeight = 2
	}
	hub, err := startHub(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer hub.stop()
	t := &teamRun{cfg: cfg, lc: lc, hub: hub, rep: rep, train: train, held: held}
	defer t.stopMembers()
	if err := t.addMembers(ctx); err != nil {
		return nil, err
	}
	lc.logf("%d members, %d training sites, %d held out", len(t.members), len(train), len(held))
	for _, step := range []func(context.Context) error{t.playRounds, t.countSecurityRecords, t.newcomer, t.dissenter, t.roles} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	rep.Seconds = time.Since(t0).Seconds()
	return rep, nil
}

func (cfg TeamConfig) withDefaults() TeamConfig {
	if cfg.Rounds == 0 {
		cfg.Rounds = 4
	}
	if cfg.EventsPerRound == 0 {
		cfg.EventsPerRound = 10
	}
	if len(cfg.Checkpoints) == 0 {
		cfg.Checkpoints = []int{0, 10, 20, 30, 50}
	}
	return cfg
}

// teamSites discovers the corpus's sites and splits them by file into
// training sites and (at most cfg.HeldOut) held-out ones; nSites counts
// them all.
func teamSites(ctx context.Context, lc Config, cfg TeamConfig) (train, held []Site, nSites int, err error) {
	files, err := corpusFiles(cfg.Corpus)
	if err != nil || len(files) == 0 {
		return nil, nil, 0, fmt.Errorf("bench-team: no corpus files in %s: %v", cfg.Corpus, err)
	}
	lc.logf("discovering sites in %d files", len(files))
	sites, err := discover(ctx, lc, files)
	if err != nil {
		return nil, nil, 0, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 23))
	heldFiles := map[string]bool{}
	for _, i := range rng.Perm(len(files))[:len(files)*3/10] {
		heldFiles[files[i]] = true
	}
	for i, s := range sites {
		s.Test = opensAsTest(i, s.File)
		if heldFiles[s.File] {
			held = append(held, s)
		} else {
			train = append(train, s)
		}
	}
	rng.Shuffle(len(held), func(i, j int) { held[i], held[j] = held[j], held[i] })
	if cfg.HeldOut > 0 && len(held) > cfg.HeldOut {
		held = held[:cfg.HeldOut]
	}
	return train, held, len(sites), nil
}

// startHub starts a throw-away PostgreSQL with a hub initialised by its
// administrator (hubadmin, k = 2), a CI trainer (hubci) and the
// specialists' security weight when cfg sets one.
func startHub(ctx context.Context, cfg TeamConfig) (h *hubFixture, err error) {
	c, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		return nil, err
	}
	h = &hubFixture{c: c, binary: cfg.Binary, pass: map[string]string{}, db: "team"}
	defer func() {
		if err != nil {
			h.stop()
		}
	}()
	pf, err := os.MkdirTemp("", "syntx-team-pass-")
	if err != nil {
		return h, err
	}
	h.tmp = append(h.tmp, pf)
	h.passfile = filepath.Join(pf, "pgpass")
	if _, err := c.Psql(ctx, "postgres", `CREATE ROLE hubadmin LOGIN CREATEROLE PASSWORD 'pw-hubadmin'`); err != nil {
		return h, err
	}
	h.pass["hubadmin"] = "pw-hubadmin"
	if err := c.CreateDB(ctx, "team", "hubadmin"); err != nil {
		return h, err
	}
	if _, err := h.role(ctx, "hubci"); err != nil {
		return h, err
	}
	if h.adminHome, err = h.home("hubadmin"); err != nil {
		return h, err
	}
	h.tmp = append(h.tmp, h.adminHome)
	if _, err := h.cli(ctx, h.adminHome, "team", "init", "--min-members", "2"); err != nil {
		return h, err
	}
	if _, err := c.Psql(ctx, "team", `GRANT syntx_trainer TO hubci`); err != nil {
		return h, err
	}
	if cfg.SecurityWeight > 0 {
		if _, err := h.cli(ctx, h.adminHome, "team", "role", "weight", "security-specialist", "security", fmt.Sprint(cfg.SecurityWeight)); err != nil {
			return h, err
		}
	}
	if h.ciHome, err = h.home("hubci"); err != nil {
		return h, err
	}
	h.tmp = append(h.tmp, h.ciHome)
	return h, nil
}

// stop stops the cluster and removes the hub's temporary directories.
func (h *hubFixture) stop() {
	h.c.Stop()
	for _, d := range h.tmp {
		_ = os.RemoveAll(d)
	}
}

// teamRun is one team benchmark under way.
type teamRun struct {
	cfg         TeamConfig
	lc          Config
	hub         *hubFixture
	rep         *TeamReport
	train, held []Site
	members     []*teamMember
	// newcomerHome is the new member's data directory (its team layer);
	// base an empty one (the base policy).
	newcomerHome, base string
	// armDBs are the copies of the hub that (c)'s arms train on (see
	// copyHub), by arm: weighted, weighted_fp, flat, flat_fp.
	armDBs map[string]string
}

func (t *teamRun) stopMembers() {
	for _, m := range t.members {
		if m.srv != nil {
			m.srv.stop(context.Background())
		}
		_ = os.RemoveAll(m.home)
	}
	if t.base != "" {
		_ = os.RemoveAll(t.base)
	}
}

// addMembers starts the specialists, seniors and developers, each with
// its role set by the administrator.
func (t *teamRun) addMembers(ctx context.Context) error {
	type spec struct {
		persona Persona
		role    string
		n       int
	}
	for _, sp := range []spec{{specialistTaste, "security-specialist", t.cfg.Specialists}, {seniorTaste, "senior-reviewer", t.cfg.Seniors}, {developerTaste, "developer", t.cfg.Developers}} {
		for i := 0; i < sp.n; i++ {
			name := fmt.Sprintf("%s%d", strings.ReplaceAll(sp.role, "-", ""), i)
			m, err := newTeamMember(ctx, t.hub, name, sp.persona, t.cfg.Seed+uint64(len(t.members))*101, len(t.train))
			if err != nil {
				return err
			}
			t.members = append(t.members, m)
			if _, err := t.hub.cli(ctx, t.hub.adminHome, "team", "role", "set", name, sp.role); err != nil {
				return err
			}
		}
	}
	t.rep.Members = len(t.members)
	return nil
}

// playRounds plays the rounds: every member gives feedback and syncs;
// then the team trains.
func (t *teamRun) playRounds(ctx context.Context) error {
	total := 0
	for r := 0; r < t.cfg.Rounds; r++ {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, len(t.members))
		for i, m := range t.members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = m.play(ctx, t.train, t.cfg.EventsPerRound, t.cfg.Noise)
				if errs[i] == nil {
					var res any
					errs[i] = m.srv.c.Command(ctx, "syntx.teamSync", &res)
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if r == t.cfg.Rounds-1 {
			if err := t.copyHub(ctx); err != nil {
				return err
			}
		}
		total += len(t.members) * t.cfg.EventsPerRound
		out, err := t.hub.cli(ctx, t.hub.ciHome, "team", "train", "--json")
		if err != nil {
			return err
		}
		var tr struct {
			Version  int64  `json:"version"`
			Decision string `json:"decision"`
			Metrics  struct {
				Reason string `json:"reason"`
			} `json:"metrics"`
			Hyper struct {
				WarmStart string `json:"warm_start"`
			} `json:"hyper"`
		}
		_ = json.Unmarshal([]byte(out), &tr)
		rd := Round{Events: total, Adapter: fmt.Sprintf("t%d", tr.Version), Decision: tr.Decision, Reason: tr.Metrics.Reason,
			WarmStart: tr.Hyper.WarmStart, Seconds: time.Since(start).Seconds()}
		if tr.Version == 0 {
			rd.Adapter, rd.Decision = "", strings.TrimSpace(out)
		}
		t.rep.Rounds = append(t.rep.Rounds, rd)
		t.lc.logf("round %d: %d events; team train: %s %s (%.0fs)", r+1, total, rd.Adapter, rd.Decision, rd.Seconds)
	}
	return nil
}

// countSecurityRecords reads the hub's record count and its security
// records by role, kind and outcome.
func (t *teamRun) countSecurityRecords(ctx context.Context) error {
	c := t.hub.c
	cnt, _ := c.Psql(ctx, "team", "SELECT count(*) FROM syntx.preferences")
	fmt.Sscan(cnt, &t.rep.Records)
	secRows, err := c.Psql(ctx, "team", `SELECT p.rule_id, p.role, p.kind, p.outcome,
		CASE WHEN p.kind = 'label' AND p.pos >= 0 THEN 'for' WHEN p.kind = 'label' THEN 'against'
			WHEN p.neg = -1 THEN 'over nothing' WHEN p.pos = -1 THEN 'under nothing' ELSE 'vs a candidate' END,
		count(*), sum(p.evidence), sum(p.evidence * coalesce(w.weight, 1))
		FROM syntx.preferences p LEFT JOIN LATERAL (SELECT weight FROM syntx.role_weights rw
			WHERE rw.role = coalesce(p.author_role, p.role) AND rw.category IN (p.category, '*')
			ORDER BY rw.category = '*' LIMIT 1) w ON true
		WHERE p.category = 'security' GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(secRows, "\n") {
		f := strings.Split(line, "|")
		if len(f) != 8 {
			continue
		}
		r := SecurityRecords{Rule: f[0], Role: f[1], Kind: f[2], Outcome: f[3], Side: f[4]}
		r.N, _ = strconv.Atoi(f[5])
		r.Evidence, _ = strconv.ParseFloat(f[6], 64)
		r.Weighted, _ = strconv.ParseFloat(f[7], 64)
		t.rep.SecurityRecords = append(t.rep.SecurityRecords, r)
	}
	return nil
}

// newcomer is (a): a new member's base and team layer at 0 events.
func (t *teamRun) newcomer(ctx context.Context) error {
	m, err := newTeamMember(ctx, t.hub, "newcomer", teamTaste, t.cfg.Seed+999, len(t.train))
	if err != nil {
		return err
	}
	t.members = append(t.members, m)
	t.newcomerHome = m.home
	var res any
	if err := m.srv.c.Command(ctx, "syntx.teamSync", &res); err != nil {
		return err
	}
	if t.base, err = os.MkdirTemp("", "syntx-team-base-"); err != nil {
		return err
	}
	n := &t.rep.Newcomer
	if n.Base, err = evaluate(ctx, t.lc, t.base, teamTaste, t.held); err != nil {
		return err
	}
	if n.Team, err = evaluate(ctx, t.lc, m.home, teamTaste, t.held); err != nil {
		return err
	}
	n.Oracle = oracle(teamTaste, t.held)
	t.lc.logf("newcomer at 0 events: base P@1 %.2f noise %.2f; team layer P@1 %.2f noise %.2f",
		n.Base.PrecisionAt1, n.Base.Noise, n.Team.PrecisionAt1, n.Team.Noise)
	return nil
}

// dissenter is (b): a dissenting new member's own adapter over the team
// layer, measured at each checkpoint.
func (t *teamRun) dissenter(ctx context.Context) error {
	dis, err := newTeamMember(ctx, t.hub, "dissenter", dissenterTaste, t.cfg.Seed+777, len(t.train))
	if err != nil {
		return err
	}
	t.members = append(t.members, dis)
	var res any
	if err := dis.srv.c.Command(ctx, "syntx.teamSync", &res); err != nil {
		return err
	}
	t.rep.Dissenter = Curve{Persona: dissenterTaste.Name, Objective: "kl", Noise: t.cfg.Noise, Actions: map[string]int{}, Oracle: oracle(dissenterTaste, t.held)}
	for _, cp := range t.cfg.Checkpoints {
		if cp > dis.events {
			if err := dis.play(ctx, t.train, cp-dis.events, t.cfg.Noise); err != nil {
				return err
			}
		}
		m := Metrics{Events: dis.events}
		if dis.events > 0 {
			var r struct {
				Decision string `json:"decision"`
				Active   string `json:"active"`
			}
			if err := dis.srv.c.Command(ctx, "syntx.retrain", &r); err != nil {
				m.TrainDecision = "failed: " + err.Error()
			} else {
				m.TrainDecision, m.Adapter = r.Decision, r.Active
			}
		}
		em, err := evaluate(ctx, t.lc, dis.home, dissenterTaste, t.held)
		if err != nil {
			return err
		}
		m.PrecisionAt1, m.Noise, m.SilenceRecall, m.AutoRecall = em.PrecisionAt1, em.Noise, em.SilenceRecall, em.AutoRecall
		t.rep.Dissenter.Points = append(t.rep.Dissenter.Points, m)
		t.lc.logf("dissenter at %d events: P@1 %.2f noise %.2f auto recall %.2f (%s %s)", m.Events, m.PrecisionAt1, m.Noise, m.AutoRecall, m.TrainDecision, m.Adapter)
	}
	return nil
}

// roles is (c): the specialists' taste on security sites, with the base,
// the newcomer's layer, and the two arms (RoleArm): a team run with the
// roles' weights and one with every weight 1, on the same records.
func (t *teamRun) roles(ctx context.Context) error {
	var sec []Site
	for _, s := range t.held {
		for _, cd := range s.Cands {
			if cd.Category == "security" {
				sec = append(sec, s)
				break
			}
		}
	}
	ro := &t.rep.Roles
	var err error
	ro.ServedLayer = readActive(t.newcomerHome)
	if ro.Served, err = securityMetrics(ctx, t.lc, t.newcomerHome, sec); err != nil {
		return err
	}
	if ro.Base, err = securityMetrics(ctx, t.lc, t.base, sec); err != nil {
		return err
	}
	dbs := t.armDBs
	for _, db := range []string{dbs["flat"], dbs["flat_fp"]} {
		admin, err := t.hub.homeIn("hubadmin", db, "")
		if err != nil {
			return err
		}
		t.hub.tmp = append(t.hub.tmp, admin)
		for _, w := range [][]string{{"security-specialist", "1"}, {"security-specialist", "security", "1"}, {"senior-reviewer", "1"}} {
			if _, err := t.hub.cli(ctx, admin, append([]string{"team", "role", "weight"}, w...)...); err != nil {
				return err
			}
		}
	}
	if ro.Weighted, err = t.arm(ctx, dbs["weighted"], dbs["weighted_fp"], sec); err != nil {
		return err
	}
	if ro.Flat, err = t.arm(ctx, dbs["flat"], dbs["flat_fp"], sec); err != nil {
		return err
	}
	for _, a := range []struct {
		name string
		arm  RoleArm
	}{{"role weights", ro.Weighted}, {"every weight 1", ro.Flat}} {
		refit := "refused: the team keeps serving " + a.arm.Previous
		if a.arm.Refit != nil {
			refit = fmt.Sprintf("refit shown %.2f score %.2f", a.arm.Refit.Shown, a.arm.Refit.Score)
		}
		t.lc.logf("security sites, %s: gate %s; candidate shown %.2f score %.2f; %s", a.name, a.arm.Decision,
			a.arm.Candidate.Shown, a.arm.Candidate.Score, refit)
	}
	return nil
}

// copyHub makes (c)'s four copies of the hub as the last round's team
// train finds it: its records, and the layer published before it as the
// incumbent. Each arm trains with the refit on (the adapter a team would
// serve) and off (the first-pass candidate), each on its own copy, so
// that every run is judged against the same incumbent and sees the same
// records; the role-weighted arm with the refit on is the last round's
// run itself (training is deterministic). Copying after the last round's
// train instead would judge the arms against its refit, which trained on
// every record the arms hold out: the gate then compares on records the
// incumbent saw (train.TeamProblem.ActiveSaw) and refuses. The members'
// servers stop first (they have synced), so that no idle sync adds
// records between the copies and no session holds the template.
func (t *teamRun) copyHub(ctx context.Context) error {
	for _, m := range t.members {
		if m.srv != nil {
			m.srv.stop(ctx)
			m.srv = nil
		}
	}
	t.armDBs = map[string]string{}
	for _, k := range []string{"weighted", "weighted_fp", "flat", "flat_fp"} {
		t.armDBs[k] = t.hub.db + "_" + k
		if _, err := t.hub.c.Psql(ctx, "postgres", fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s OWNER hubadmin`, t.armDBs[k], t.hub.db)); err != nil {
			return fmt.Errorf("copying the hub: %w", err)
		}
	}
	return nil
}

// trainOut is what `syntx team train --json` prints that the bench reads.
type trainOut struct {
	Version  int64  `json:"version"`
	Decision string `json:"decision"`
	SHA256   string `json:"sha256"`
	Previous int64  `json:"previous"`
	Metrics  struct {
		Reason  string `json:"reason"`
		Holdout struct {
			New    evalOut `json:"new"`
			Active evalOut `json:"active"`
		} `json:"holdout"`
	} `json:"metrics"`
}

// evalOut is a held-out evaluation in train.Metrics' JSON.
type evalOut struct {
	Accuracy float64 `json:"accuracy"`
	LogLoss  float64 `json:"log_loss"`
}

// arm trains one arm on two copies of the hub, refit on (db) and off
// (fpDB), and measures what each published on the security sites.
func (t *teamRun) arm(ctx context.Context, db, fpDB string, sec []Site) (RoleArm, error) {
	var a RoleArm
	on, home, err := t.trainIn(ctx, db, "")
	if err != nil {
		return a, err
	}
	defer os.RemoveAll(home)
	a.Decision, a.Reason, a.Previous = on.Decision, on.Metrics.Reason, fmt.Sprintf("t%d", on.Previous)
	if on.Previous == 0 {
		a.Previous = "the base"
	}
	h := on.Metrics.Holdout
	a.Holdout.Accuracy, a.Holdout.LogLoss, a.Holdout.ActiveAccuracy, a.Holdout.ActiveLogLoss = h.New.Accuracy, h.New.LogLoss, h.Active.Accuracy, h.Active.LogLoss
	off, fpHome, err := t.trainIn(ctx, fpDB, "[train]\nrefit = false\n")
	if err != nil {
		return a, err
	}
	defer os.RemoveAll(fpHome)
	if off.Decision != on.Decision {
		a.Reason += fmt.Sprintf(" (with the refit off, on the same records: %s)", off.Decision)
	}
	if a.Candidate, a.CandidateLayer, err = t.measurePublished(ctx, fpDB, sec); err != nil {
		return a, err
	}
	if on.Decision == "accepted" {
		m, layer, err := t.measurePublished(ctx, db, sec)
		if err != nil {
			return a, err
		}
		a.Refit, a.RefitLayer = &m, layer
	} else {
		same := on.SHA256 == off.SHA256
		a.SameCandidate = &same
	}
	return a, nil
}

// trainIn runs `syntx team train` as the CI trainer on hub database db,
// with extra in its config.toml; home is the trainer's data directory.
func (t *teamRun) trainIn(ctx context.Context, db, extra string) (trainOut, string, error) {
	var tr trainOut
	home, err := t.hub.homeIn("hubci", db, extra)
	if err != nil {
		return tr, "", err
	}
	out, err := t.hub.cli(ctx, home, "team", "train", "--json")
	if err != nil {
		return tr, home, err
	}
	if err := json.Unmarshal([]byte(out), &tr); err != nil || tr.Version == 0 {
		return tr, home, fmt.Errorf("bench-team: team train on %s published nothing: %s", db, out)
	}
	return tr, home, nil
}

// measurePublished installs hub database db's newest team adapter as a
// team layer and measures it on the security sites.
func (t *teamRun) measurePublished(ctx context.Context, db string, sec []Site) (SecurityMetrics, string, error) {
	home, err := os.MkdirTemp("", "syntx-team-arm-")
	if err != nil {
		return SecurityMetrics{}, "", err
	}
	defer os.RemoveAll(home)
	if err := installNewest(ctx, t.hub.c, db, home); err != nil {
		return SecurityMetrics{}, "", err
	}
	m, err := securityMetrics(ctx, t.lc, home, sec)
	return m, readActive(home), err
}

// SecurityMetrics describe a policy on sites with a security suggestion.
type SecurityMetrics struct {
	Sites int `json:"sites"`
	// Shown is the share of sites where a security suggestion is shown on
	// automatic triggers; First where it tops the explicit menu; Score is
	// the mean acceptance probability of the security suggestions.
	Shown float64 `json:"shown"`
	First float64 `json:"first"`
	Score float64 `json:"score"`
	// OtherScore is the mean acceptance probability of the other
	// suggestions at those sites: Score - OtherScore is how far the policy
	// puts security ahead of what competes with it there.
	OtherScore float64 `json:"other_score"`
	// ByRule is each security rule's mean score and share shown
	// automatically on the sites that offer it.
	ByRule map[string]RuleScore `json:"by_rule,omitempty"`
}

// RuleScore is one security rule's figures on the sites that offer it.
type RuleScore struct {
	Sites int     `json:"sites"`
	Shown float64 `json:"shown"`
	Score float64 `json:"score"`
}

// installNewest writes hub database db's newest team adapter (accepted or not) as
// home's team layer, for measuring it.
func installNewest(ctx context.Context, c *pgtest.Cluster, db, home string) error {
	out, err := c.Psql(ctx, db, `SELECT version, encode(config, 'base64'), encode(weights, 'base64') FROM syntx.adapters ORDER BY version DESC LIMIT 1`)
	if err != nil {
		return err
	}
	parts := strings.SplitN(strings.ReplaceAll(out, "\n", ""), "|", 3)
	if len(parts) != 3 {
		return fmt.Errorf("no team adapter: %q", out)
	}
	dir := filepath.Join(home, "team", "adapters", "t"+parts[0])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, b64 := range map[string]string{"adapter_config.json": parts[1], "adapter_model.safetensors": parts[2]} {
		b, err := decodeB64(b64)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(home, "team", "adapters", "ACTIVE"), []byte("t"+parts[0]+"\n"), 0o600)
}

// readActive names home's team layer ("" for none).
func readActive(home string) string {
	b, _ := os.ReadFile(filepath.Join(home, "team", "adapters", "ACTIVE"))
	return strings.TrimSpace(string(b))
}

// securityMetrics measures home's policy on security sites.
func securityMetrics(ctx context.Context, lc Config, home string, sites []Site) (SecurityMetrics, error) {
	ehome, err := os.MkdirTemp("", "syntx-team-sec-")
	if err != nil {
		return SecurityMetrics{Sites: len(sites)}, err
	}
	defer os.RemoveAll(ehome)
	if err := copyActive(home, ehome); err != nil {
		return SecurityMetrics{Sites: len(sites)}, err
	}
	s, err := startServer(ctx, lc.Binary, ehome, map[string]any{"persona": "newcomer", "personas": map[string]float64{"newcomer": 1}})
	if err != nil {
		return SecurityMetrics{Sites: len(sites)}, err
	}
	defer s.stop(ctx)
	t := &secTally{m: SecurityMetrics{Sites: len(sites)}}
	for i, site := range sites {
		uri := lspFileURI(filepath.Join(ehome, "sec", fmt.Sprint(i), filepath.Base(site.File)))
		if err := t.site(ctx, s, uri, site); err != nil {
			return t.m, err
		}
	}
	return t.result(), nil
}

// secTally sums securityMetrics' figures over the sites.
type secTally struct {
	m                            SecurityMetrics
	shown, first, nScore, nOther int
}

// site opens site's file at uri and counts what the lightbulb shows there
// (automatic) and what the menu ranks (invoked).
func (t *secTally) site(ctx context.Context, s *server, uri string, site Site) error {
	src, err := os.ReadFile(site.File)
	if err != nil {
		return err
	}
	if err := s.c.Open(ctx, uri, site.Lang, string(src)); err != nil {
		return err
	}
	auto, err := s.c.CodeActions(ctx, uri, site.Start, site.End, protocol.CodeActionTriggerKindAutomatic)
	if err != nil {
		return err
	}
	autoRules := map[string]bool{}
	for _, a := range actionsOf(auto) {
		if a.category == "security" {
			autoRules[a.rule] = true
		}
	}
	if len(autoRules) > 0 {
		t.shown++
	}
	inv, err := s.c.CodeActions(ctx, uri, site.Start, site.End, protocol.CodeActionTriggerKindInvoked)
	if err != nil {
		return err
	}
	acts := actionsOf(inv)
	if len(acts) > 0 && acts[0].category == "security" {
		t.first++
	}
	for _, a := range acts {
		if a.category != "security" {
			t.m.OtherScore += a.score
			t.nOther++
			continue
		}
		t.m.Score += a.score
		t.nScore++
		if t.m.ByRule == nil {
			t.m.ByRule = map[string]RuleScore{}
		}
		rs := t.m.ByRule[a.rule]
		rs.Sites++
		rs.Score += a.score
		if autoRules[a.rule] {
			rs.Shown++
		}
		t.m.ByRule[a.rule] = rs
	}
	return nil
}

// result turns the sums into means and shares.
func (t *secTally) result() SecurityMetrics {
	m := t.m
	for k, rs := range m.ByRule {
		rs.Score /= float64(rs.Sites)
		rs.Shown /= float64(rs.Sites)
		m.ByRule[k] = rs
	}
	m.Shown, m.First = ratio(t.shown, m.Sites), ratio(t.first, m.Sites)
	if t.nScore > 0 {
		m.Score /= float64(t.nScore)
	}
	if t.nOther > 0 {
		m.OtherScore /= float64(t.nOther)
	}
	return m
}

func newTeamMember(ctx context.Context, hub *hubFixture, name string, p Persona, seed uint64, nTrain int) (_ *teamMember, err error) {
	if _, err := hub.role(ctx, name, "member"); err != nil {
		return nil, err
	}
	home, err := hub.home(name)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(home) // a member that never joined leaves nothing behind
		}
	}()
	if _, err := hub.cli(ctx, home, "team", "join"); err != nil {
		return nil, err
	}
	if err := os.Setenv("PGPASSFILE", hub.passfile); err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, hub.binary, home, serverOptions(p, "kl"))
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 31))
	return &teamMember{name: name, persona: p, home: home, srv: srv, rng: rng, order: rng.Perm(nTrain)}, nil
}

// play gives n feedback events at the member's next training sites.
func (m *teamMember) play(ctx context.Context, train []Site, n int, noise float64) error {
	for done := 0; done < n && m.next < len(m.order); {
		kind, err := act(ctx, m.srv, m.persona, train[m.order[m.next]], m.rng, noise, m.next)
		m.next++
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if kind != "" {
			done++
			m.events++
		}
	}
	return nil
}

// WriteTable prints the team benchmark's figures and verdicts.
func (r *TeamReport) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%d members, %d shared preferences, %d sites (%d held out), %.0f s\n\n", r.Members, r.Records, r.Sites, r.HeldOut, r.Seconds)
	for i, rd := range r.Rounds {
		fmt.Fprintf(w, "round %d: %4d team events, team train: %s %s (%.0f s)\n", i+1, rd.Events, rd.Adapter, rd.Decision, rd.Seconds)
		if rd.Reason != "" {
			warm := "fresh start"
			if rd.WarmStart != "" {
				warm = "warm start from " + rd.WarmStart
			}
			fmt.Fprintf(w, "    %s; gate: %s\n", warm, rd.Reason)
		}
	}
	n := r.Newcomer
	fmt.Fprintf(w, "\n(a) a new member at 0 events (taste: %s)\n", teamTaste.Desc)
	fmt.Fprintf(w, "    %-12s P@1 %.2f  noise %.2f  silence %.2f  auto recall %.2f\n", "base", n.Base.PrecisionAt1, n.Base.Noise, n.Base.SilenceRecall, n.Base.AutoRecall)
	fmt.Fprintf(w, "    %-12s P@1 %.2f  noise %.2f  silence %.2f  auto recall %.2f\n", "team layer", n.Team.PrecisionAt1, n.Team.Noise, n.Team.SilenceRecall, n.Team.AutoRecall)
	fmt.Fprintf(w, "    %-12s P@1 %.2f  noise %.2f\n", "oracle", n.Oracle.PrecisionAt1, n.Oracle.Noise)
	fmt.Fprintf(w, "\n(b) a dissenting new member (%s), its own adapter over the team layer\n", dissenterTaste.Desc)
	for _, p := range r.Dissenter.Points {
		fmt.Fprintf(w, "    %3d events  P@1 %.2f  noise %.2f  silence %.2f  auto recall %.2f  %s %s\n", p.Events, p.PrecisionAt1, p.Noise, p.SilenceRecall, p.AutoRecall, p.TrainDecision, p.Adapter)
	}
	ok, why := r.Dissenter.Target()
	verdict := "MET"
	if !ok {
		verdict = "NOT MET"
	}
	fmt.Fprintf(w, "    its taste wins by 30 events (P@1 ≥ 90%% of the oracle, noise ≤ half the team layer's): %s, %s\n", verdict, why)
	ro := r.Roles
	fmt.Fprintf(w, "\n(c) role weights: on %d held-out sites with a security suggestion (specialists at %gx and seniors at 1.5x want it, developers undo it)\n", ro.Base.Sites, r.SecurityWeight)
	fmt.Fprintf(w, "    two team runs on the records of the last round's team train, each judged against the layer it found (%s);\n", ro.Weighted.Previous)
	fmt.Fprintf(w, "    candidate: the first-pass adapter the gate judges; refit: the one a team would serve (accepted runs only)\n")
	row := func(name string, m SecurityMetrics) {
		fmt.Fprintf(w, "    %-34s shown automatically %.2f  first in the menu %.2f  mean score %.2f (the other suggestions there %.2f)\n", name, m.Shown, m.First, m.Score, m.OtherScore)
	}
	row("base", ro.Base)
	row("team layer pulled ("+ro.ServedLayer+")", ro.Served)
	for _, x := range []struct {
		name string
		a    RoleArm
	}{{"role weights", ro.Weighted}, {"every weight 1", ro.Flat}} {
		fmt.Fprintf(w, "    %s: gate %s (held out: accuracy %.3f vs %.3f, log-loss %.4f vs %.4f)\n", x.name, x.a.Decision,
			x.a.Holdout.Accuracy, x.a.Holdout.ActiveAccuracy, x.a.Holdout.LogLoss, x.a.Holdout.ActiveLogLoss)
		row("  candidate ("+x.a.CandidateLayer+")", x.a.Candidate)
		if x.a.Refit != nil {
			row("  refit, served ("+x.a.RefitLayer+")", *x.a.Refit)
		} else {
			fmt.Fprintf(w, "      refit: none, the gate refused; the team keeps serving %s (same candidate with the refit on: %v)\n", x.a.Previous, x.a.SameCandidate != nil && *x.a.SameCandidate)
		}
	}
	fmt.Fprintln(w, "    the shared security records (role, kind, outcome, side: records, summed evidence before and after role weights):")
	for _, x := range r.securityRecordsByRole() {
		fmt.Fprintf(w, "      %-20s %-5s %-9s %-14s %4d  %7.1f  %7.1f\n", x.Role, x.Kind, x.Outcome, x.Side, x.N, x.Evidence, x.Weighted)
	}
	forW, againstW, share := r.SecurityVote()
	fmt.Fprintf(w, "    the weighted vote of the security labels: %.1f for, %.1f against (%.2f for; every weight 1: %.2f)\n", forW, againstW, share, r.flatVote(nil))
	fmt.Fprintln(w, "    by rule: the labels' weighted vote (share for, with every weight 1), held-out sites, mean score: base / served / role weights / every weight 1 (candidates)")
	rules := map[string]bool{}
	for k := range ro.Base.ByRule {
		rules[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(rules)) {
		rule := k
		f, a, sh := r.SecurityVoteOf(func(x SecurityRecords) bool { return x.Rule == rule })
		vote := fmt.Sprintf("vote %.2f (%.2f)", sh, r.flatVote(&rule))
		if f+a == 0 {
			vote = "no labels"
		}
		fmt.Fprintf(w, "      %-32s %-16s  %2d sites  %.2f / %.2f / %.2f / %.2f\n", rule, vote, ro.Base.ByRule[k].Sites,
			ro.Base.ByRule[k].Score, ro.Served.ByRule[k].Score, ro.Weighted.Candidate.ByRule[k].Score, ro.Flat.Candidate.ByRule[k].Score)
	}
}

// flatVote is the security labels' vote share with every weight 1 (of
// rule's records only, when rule is not nil).
func (r *TeamReport) flatVote(rule *string) float64 {
	var f, a float64
	for _, x := range r.SecurityRecords {
		if x.Kind != "label" || (rule != nil && x.Rule != *rule) {
			continue
		}
		switch x.Side {
		case "for":
			f += x.Evidence
		case "against":
			a += x.Evidence
		}
	}
	if f+a == 0 {
		return 0
	}
	return f / (f + a)
}

// securityRecordsByRole sums the security records over their rules.
func (r *TeamReport) securityRecordsByRole() []SecurityRecords {
	type key struct{ role, kind, outcome, side string }
	sum := map[key]SecurityRecords{}
	var order []key
	for _, x := range r.SecurityRecords {
		k := key{x.Role, x.Kind, x.Outcome, x.Side}
		y, ok := sum[k]
		if !ok {
			order = append(order, k)
			y = SecurityRecords{Role: x.Role, Kind: x.Kind, Outcome: x.Outcome, Side: x.Side}
		}
		y.N += x.N
		y.Evidence += x.Evidence
		y.Weighted += x.Weighted
		sum[k] = y
	}
	slices.SortFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.role, b.role), cmp.Compare(a.kind, b.kind), cmp.Compare(a.outcome, b.outcome), cmp.Compare(a.side, b.side))
	})
	out := make([]SecurityRecords, len(order))
	for i, k := range order {
		out[i] = sum[k]
	}
	return out
}

// WriteJSON writes the report.
func (r *TeamReport) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
