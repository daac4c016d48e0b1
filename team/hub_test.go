package team

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

var errInterrupt = errors.New("interrupted")

// TestPushInterruptedResumes interrupts pushes at every point of a batch —
// before it, after the insert, after the chain row, and by cancelling the
// context mid-transaction — and checks that the next push sends the rest,
// that nothing is lost or stored twice, and that the chain verifies.
func TestPushInterruptedResumes(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	alice := th.newMember("alice")
	alice.join(t)
	n := alice.fill(t, teamsim.Spec{Prefs: 2000, Seed: 2, Taste: teamsim.Likes(store.Correctness)})
	total := 0
	for _, tc := range []struct {
		point string
		batch int
	}{{"batch", 1}, {"inserted", 1}, {"recorded", 2}, {"cancel", 1}, {"inserted", 0}} {
		cctx, cancel := context.WithCancel(ctx)
		res, err := alice.hub.Push(cctx, alice.home, alice.db, PushOptions{Batch: 100, Hook: func(point string, batch int) error {
			if tc.point == "cancel" && point == "inserted" && batch == tc.batch {
				cancel()
				return nil
			}
			if point == tc.point && batch == tc.batch {
				return errInterrupt
			}
			return nil
		}})
		cancel()
		if err == nil {
			t.Fatalf("%s@%d: the push was not interrupted", tc.point, tc.batch)
		}
		total += res.Sent
		if got := th.count("WHERE member_id = $1", alice.st.MemberID); got != total {
			t.Fatalf("%s@%d: the hub holds %d records, the pushes reported %d committed", tc.point, tc.batch, got, total)
		}
		// A dropped connection is reopened, as a new sync would.
		if alice.hub.conn.IsClosed() {
			alice.hub = th.connect(alice.role)
		}
	}
	res, err := alice.hub.Push(ctx, alice.home, alice.db, PushOptions{Batch: 100})
	if err != nil {
		t.Fatal(err)
	}
	total += res.Sent
	if total != n || th.count("WHERE member_id = $1", alice.st.MemberID) != n {
		t.Fatalf("after resuming: %d sent, hub holds %d, want %d", total, th.count(""), n)
	}
	if dup := th.count(`WHERE (member_id, install_id, local_id) IN (SELECT member_id, install_id, local_id FROM syntx.preferences GROUP BY 1, 2, 3 HAVING count(*) > 1)`); dup != 0 {
		t.Fatalf("%d duplicated records", dup)
	}
	// Pushing from a copy of the state with no cursor at all stores
	// nothing twice either (the hub's key decides).
	st, _, _ := LoadState(alice.home)
	st.SkippedThrough = 0
	if err := SaveState(alice.home, st); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.hub.conn.Exec(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	rep, err := th.trainerConn().Verify(ctx, VerifyOptions{})
	if err != nil || !rep.OK() || rep.Records != n {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}

// TestRowLevelSecurity: a member reads only its own raw rows, cannot write
// as another member or choose its role, cannot change or delete a record,
// set roles, publish adapters or write the chain; the trainer reads every
// row; the k-anonymous statistics hide groups under k members.
func TestRowLevelSecurity(t *testing.T) {
	th := newTestHub(t, InitOptions{MinMembers: 2})
	ctx := context.Background()
	alice, bob := th.newMember("alice"), th.newMember("bob")
	alice.join(t)
	bob.join(t)
	na := alice.fill(t, teamsim.Spec{Prefs: 60, Seed: 3, Taste: teamsim.Likes(store.Security)})
	nb := bob.fill(t, teamsim.Spec{Prefs: 40, Seed: 4, Taste: teamsim.Likes(store.StyleCat)})
	for _, m := range []*member{alice, bob} {
		if _, err := m.hub.Push(ctx, m.home, m.db, PushOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var seen int
	if err := bob.hub.conn.QueryRow(ctx, `SELECT count(*) FROM syntx.preferences`).Scan(&seen); err != nil || seen != nb {
		t.Fatalf("bob sees %d raw rows (%v), want only his %d", seen, err, nb)
	}
	if err := bob.hub.conn.QueryRow(ctx, `SELECT count(*) FROM syntx.preferences WHERE member_id = $1`, alice.st.MemberID).Scan(&seen); err != nil || seen != 0 {
		t.Fatalf("bob reads %d of alice's rows (%v)", seen, err)
	}
	if err := bob.hub.conn.QueryRow(ctx, `SELECT count(*) FROM syntx.members`).Scan(&seen); err != nil || seen != 1 {
		t.Fatalf("bob sees %d member rows (%v), want his own", seen, err)
	}
	refused := func(what, sql string, args ...any) {
		t.Helper()
		if _, err := bob.hub.conn.Exec(ctx, sql, args...); err == nil {
			t.Errorf("bob could %s", what)
		}
	}
	refused("insert a record as alice", `INSERT INTO syntx.preferences (member_id, install_id, local_id, push_id, created_at, kind,
		rule_id, category, language, outcome, evidence, persona, role, trigger, set_key, rows, pos, neg)
		VALUES ($1, '0123456789abcdef', 999999, 1, now(), 'label', 'r', 'style', 'go', 'kept', 1, 'p', '', 'invoked', '0123456789abcdef', '\x0100', 0, -1)`,
		alice.st.MemberID)
	refused("update his records", `UPDATE syntx.preferences SET evidence = 100`)
	refused("delete records", `DELETE FROM syntx.preferences`)
	refused("make himself senior", `UPDATE syntx.members SET role = 'senior-reviewer'`)
	refused("set a role", `SELECT syntx.set_role($1, 'senior-reviewer')`, bob.st.MemberID)
	refused("set a weight", `SELECT syntx.set_weight('developer', '*', 50)`)
	refused("publish an adapter", `SELECT syntx.record('adapter', '{}')`)
	refused("append to the chain directly", `SELECT syntx.append('push', 'x', '{}')`)
	refused("insert a chain row", `INSERT INTO syntx.chain VALUES (999, now(), 'push', 'x', '{}', '', '')`)
	refused("read an adapter sequence", `SELECT nextval('syntx.adapter_versions')`)
	// A record bob inserts by hand gets his role, not the one he names.
	if _, err := bob.hub.conn.Exec(ctx, `INSERT INTO syntx.preferences (member_id, install_id, local_id, push_id, created_at, kind,
		rule_id, category, language, outcome, evidence, persona, role, trigger, set_key, rows, pos, neg)
		VALUES ($1, '0123456789abcdef', 999999, 424242, now(), 'label', 'r', 'style', 'go', 'kept', 1, 'p', 'security-specialist', 'invoked', '0123456789abcdef', '\x0100', 0, -1)`,
		bob.st.MemberID); err != nil {
		t.Fatal(err)
	}
	var role string
	if err := th.trainerConn().conn.QueryRow(ctx, `SELECT role FROM syntx.preferences WHERE push_id = 424242`).Scan(&role); err != nil || role != "developer" {
		t.Errorf("a hand-made record has role %q (%v), want developer", role, err)
	}
	if got := th.count(""); got != na+nb+1 {
		t.Errorf("the trainer sees %d rows, want %d", got, na+nb+1)
	}
	// That hand-made record is what verify reports.
	rep, err := th.trainerConn().Verify(ctx, VerifyOptions{})
	if err != nil || rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), "no push row in the chain covers it") {
		t.Errorf("verify after a record added behind SyntX's back: %+v, %v", rep.Problems, err)
	}
	// Statistics: with k = 2, groups of one member are hidden.
	r, err := bob.hub.BuildReport(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Contrib {
		if c.Members < 2 {
			t.Errorf("a contribution of %d member(s) is shown: %+v", c.Members, c)
		}
	}
	if r, err = bob.hub.BuildReport(ctx, 3); err != nil || len(r.Contrib) != 0 || r.K != 3 {
		t.Errorf("with k = 3 and two members: %d groups shown, k %d, %v", len(r.Contrib), r.K, err)
	}
}

// TestRoles: an administrator sets roles and weights (recorded in the
// chain); a record carries its member's role at the time it arrives; an
// unknown role is refused; the trainer's weights follow the roles.
func TestRoles(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	alice := th.newMember("alice")
	alice.join(t)
	alice.fill(t, teamsim.Spec{Prefs: 30, Seed: 5, Taste: teamsim.Likes(store.Security)})
	if _, err := alice.hub.Push(ctx, alice.home, alice.db, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := th.admin.SetRole(ctx, alice.role, "security-specialist"); err != nil {
		t.Fatal(err)
	}
	if _, err := th.admin.SetRole(ctx, alice.role, "wizard"); err == nil || !strings.Contains(err.Error(), "unknown role") {
		t.Errorf("an unknown role: %v", err)
	}
	if _, err := th.admin.SetRole(ctx, "nobody", "developer"); err == nil {
		t.Error("a role for a non-member was set")
	}
	if err := th.admin.SetWeight(ctx, "security-specialist", "security", 3); err != nil {
		t.Fatal(err)
	}
	if err := th.admin.SetWeight(ctx, "qa", "*", 1.25); err != nil {
		t.Fatal(err)
	}
	alice.fill(t, teamsim.Spec{Prefs: 30, Seed: 6, Taste: teamsim.Likes(store.Security), Prefix: "b", Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	if _, err := alice.hub.Push(ctx, alice.home, alice.db, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	err := th.trainerConn().Records(ctx, func(r Record) error {
		roles[r.Role]++
		return nil
	})
	if err != nil || roles["developer"] == 0 || roles["security-specialist"] == 0 {
		t.Fatalf("records by role: %v, %v", roles, err)
	}
	w, err := alice.hub.Weights(ctx)
	if err != nil || w.Of("security-specialist", "security") != 3 || w.Of("security-specialist", "style") != 1 || w.Of("qa", "style") != 1.25 || w.Of("senior-reviewer", "style") != 1.5 {
		t.Errorf("weights %v, %v", w, err)
	}
	_, myRole, err := alice.hub.Me(ctx)
	if err != nil || myRole != "security-specialist" {
		t.Errorf("alice's role %q, %v", myRole, err)
	}
	rep, err := th.trainerConn().Verify(ctx, VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", rep.Problems, err)
	}
}

// TestTrainPublishPull: members with different tastes and roles push; a
// trainer trains and publishes the team adapter with its counts per role
// and category; members pull it (checked against the published hash),
// pulling again is a no-op, a rolled-back version is not pulled again,
// and role weights change what the team adapter learns.
func TestTrainPublishPull(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	base, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	// Three developers reject security suggestions; two security
	// specialists want them. With the specialists' 2× on security they
	// outweigh the developers (4 against 3).
	var ms []*member
	for i := 0; i < 5; i++ {
		m := th.newMember(fmt.Sprintf("m%d", i))
		m.join(t)
		taste := teamsim.Likes(store.Correctness)
		if i >= 3 {
			taste = teamsim.Likes(store.Security, store.Correctness)
			if _, err := th.admin.SetRole(ctx, m.role, "security-specialist"); err != nil {
				t.Fatal(err)
			}
		}
		m.fill(t, teamsim.Spec{Prefs: 300, Seed: uint64(10 + i), Taste: taste})
		if _, err := m.hub.Push(ctx, m.home, m.db, PushOptions{}); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	trainer := th.connect(th.addRole("ci", "trainer"))
	if _, err := ms[0].hub.Train(ctx, base, train.Settings{}); err == nil {
		t.Fatal("a member without the trainer role trained on everyone's records")
	}
	res, err := trainer.Train(ctx, base, train.Settings{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision != store.RunAccepted || res.Version != 1 || res.Counts.Members != 5 || res.Counts.Records != th.count("") {
		t.Fatalf("team run: decision %s, version %d, counts %+v", res.Decision, res.Version, res.Counts)
	}
	if c := res.Counts.ByRoleCat["security-specialist/security"]; c.N == 0 || c.Weight <= float64(c.N)*0.3 {
		t.Errorf("security-specialist/security counts %+v", c)
	}
	if res.Data.Holdout < 5 {
		t.Errorf("%d held out: each member's newest should be", res.Data.Holdout)
	}
	// The team adapter ranks security above style for a member it has
	// never seen, as the specialists want.
	pub, ok, err := ms[0].hub.Latest(ctx)
	if err != nil || !ok || pub.SHA256 != res.SHA256 {
		t.Fatalf("latest: %+v %v %v", pub.Version, ok, err)
	}
	a, err := model.DecodeAdapter(pub.Config, pub.Weights, base)
	if err != nil {
		t.Fatal(err)
	}
	secWeighted := securityScore(t, base, a)

	// Pull on a new member's machine.
	newbie := th.newMember("newbie")
	newbie.join(t)
	pr, err := newbie.hub.Pull(ctx, newbie.home, base, 5)
	if err != nil || !pr.Pulled || pr.Version != "t1" {
		t.Fatalf("pull: %+v %v", pr, err)
	}
	if v, _, ok, err := model.ActiveTeamAdapter(newbie.home); err != nil || !ok || v != "t1" {
		t.Fatalf("team layer after pull: %s %v %v", v, ok, err)
	}
	if pr, err := newbie.hub.Pull(ctx, newbie.home, base, 5); err != nil || pr.Pulled {
		t.Fatalf("a second pull: %+v %v", pr, err)
	}
	// Roll the layer back; t1 is not pulled again, t2 is.
	if rb, err := train.TeamRollback(ctx, newbie.home, base, time.Now()); err != nil || rb.From != "t1" || rb.To != "" {
		t.Fatalf("team rollback: %+v %v", rb, err)
	}
	if pr, err := newbie.hub.Pull(ctx, newbie.home, base, 5); err != nil || pr.Pulled || !strings.Contains(pr.Note, "rolled back") {
		t.Fatalf("pull after rollback: %+v %v", pr, err)
	}

	// Without the role weights (every weight 1) the developers' three
	// voices win on security, and the adapter learns less of it.
	for _, cat := range []string{"*", "security"} {
		if err := th.admin.SetWeight(ctx, "security-specialist", cat, 1); err != nil {
			t.Fatal(err)
		}
	}
	res2, err := trainer.Train(ctx, base, train.Settings{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	pub2, err := trainer.Adapters(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := model.DecodeAdapter(pub2[0].Config, pub2[0].Weights, base)
	if err != nil {
		t.Fatal(err)
	}
	secFlat := securityScore(t, base, a2)
	t.Logf("P(show a security fix) for an unseen member: base %.3f, role-weighted team %.3f, unweighted %.3f (run 2 %s)",
		securityScore(t, base, nil), secWeighted, secFlat, res2.Decision)
	if !(secWeighted > secFlat+0.05) {
		t.Errorf("role weights did not make the specialists' taste dominate security: weighted %.3f, flat %.3f", secWeighted, secFlat)
	}
	if res2.Decision == store.RunAccepted {
		if pr, err := newbie.hub.Pull(ctx, newbie.home, base, 5); err != nil || !pr.Pulled || pr.Version != "t2" {
			t.Fatalf("pull of t2: %+v %v", pr, err)
		}
	}
	rep, err := trainer.Verify(ctx, VerifyOptions{})
	if err != nil || !rep.OK() || rep.Adapters != 2 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	// A tampered adapter file is refused at pull.
	if _, err := cluster.Psql(ctx, th.db, `ALTER TABLE syntx.adapters DISABLE TRIGGER adapters_append_only;
		UPDATE syntx.adapters SET sha256 = repeat('a', 64)`); err != nil {
		t.Fatal(err)
	}
	other := th.newMember("other")
	other.join(t)
	if _, err := other.hub.Pull(ctx, other.home, base, 5); err == nil || !errors.Is(err, train.ErrTeamAdapter) {
		t.Errorf("pull of a tampered adapter: %v", err)
	}
	if _, _, ok, _ := model.ActiveTeamAdapter(other.home); ok {
		t.Error("a tampered team adapter was installed")
	}
}

// securityScore is the mean probability a policy gives to the security
// rules of the synthetic world, for a persona no member had.
func securityScore(t *testing.T, base *model.Network, a *model.Adapter) float64 {
	t.Helper()
	rt, err := model.NewRuntime(base)
	if err != nil {
		t.Fatal(err)
	}
	if a != nil {
		if err := rt.SwapTeam(a); err != nil {
			t.Fatal(err)
		}
	}
	var cands []model.Candidate
	for _, r := range teamsim.Rules {
		if r.Category == store.Security {
			cands = append(cands, model.Candidate{RuleID: r.ID, Category: r.Category, Language: "go", Prior: r.Prior, Persona: "newcomer", EditSize: 10})
		}
	}
	out := make([]float64, len(cands))
	if err := rt.Score(context.Background(), cands, out); err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range out {
		s += v
	}
	return s / float64(len(out))
}

// TestVerifyTamper: verify passes on an honest hub and names each kind of
// tampering done behind SyntX's back (by someone who can write the
// database directly): an altered record, a deleted one, an altered chain
// row, a cut tail (against a noted head), a role changed by hand, a
// changed weight, and a swapped adapter file.
func TestVerifyTamper(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	base, _ := model.LoadBase()
	var ms []*member
	for i := 0; i < 3; i++ {
		m := th.newMember(fmt.Sprintf("m%d", i))
		m.join(t)
		m.fill(t, teamsim.Spec{Prefs: 80, Seed: uint64(30 + i), Taste: teamsim.Likes(store.Performance)})
		if _, err := m.hub.Push(ctx, m.home, m.db, PushOptions{Batch: 50}); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	if _, err := th.admin.SetRole(ctx, ms[1].role, "senior-reviewer"); err != nil {
		t.Fatal(err)
	}
	tr := th.trainerConn()
	if _, err := tr.Train(ctx, base, train.Settings{Seed: 2, MinSteps: 50, Epochs: 2, RewardEpochs: 2}); err != nil {
		t.Fatal(err)
	}
	rep, err := tr.Verify(ctx, VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("honest hub: %+v %v", rep, err)
	}
	head := rep.Head
	// A member verifies the chain and its own records.
	if mr, err := ms[0].hub.Verify(ctx, VerifyOptions{Head: head}); err != nil || !mr.OK() || mr.Scope != "own" || mr.Records != th.count("WHERE member_id = $1", ms[0].st.MemberID) {
		t.Fatalf("member verify: %+v %v", mr, err)
	}
	// Snapshot the database, tamper, verify, restore.
	snap := th.db + "_snap"
	tr.Close()
	for _, m := range ms {
		m.hub.Close()
	}
	th.admin.Close()
	delete(trainers, t)
	if _, err := cluster.Psql(ctx, "postgres", fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, snap, th.db)); err != nil {
		t.Fatal(err)
	}
	tr = th.trainerConn()
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"altered record", `UPDATE syntx.preferences SET evidence = 50 WHERE id = 7`, "do not match the digest"},
		{"deleted record", `DELETE FROM syntx.preferences WHERE id = 9`, "records, the chain says"},
		{"altered chain row", `UPDATE syntx.chain SET payload = payload || ' ' WHERE seq = 5`, "does not match its hash"},
		{"cut tail", `DELETE FROM syntx.chain WHERE seq = (SELECT max(seq) FROM syntx.chain);
			UPDATE syntx.chain_head SET seq = seq - 1, hash = (SELECT hash FROM syntx.chain ORDER BY seq DESC LIMIT 1)`, "past the chain's end"},
		{"role by hand", `UPDATE syntx.members SET role = 'security-specialist' WHERE role = 'developer' AND member_id = (SELECT min(member_id) FROM syntx.members WHERE role = 'developer')`, "changed behind SyntX's back"},
		{"weight by hand", `UPDATE syntx.role_weights SET weight = 9 WHERE role = 'developer'`, "role weight developer/*"},
		{"swapped adapter", `UPDATE syntx.adapters SET weights = weights || '\x00'::bytea`, "the file was swapped"},
	} {
		if _, err := cluster.Psql(ctx, th.db, `SET session_replication_role = replica; `+tc.sql); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		rep, err := tr.Verify(ctx, VerifyOptions{Head: head})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
			t.Errorf("%s: verify says %q, want a problem containing %q", tc.name, rep.Problems, tc.want)
		}
		// Restore: drop the tampered copy, recreate it from the snapshot.
		tr.Close()
		delete(trainers, t)
		if _, err := cluster.Psql(ctx, "postgres", fmt.Sprintf(`DROP DATABASE %q WITH (FORCE)`, th.db)); err != nil {
			t.Fatal(err)
		}
		if _, err := cluster.Psql(ctx, "postgres", fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, th.db, snap)); err != nil {
			t.Fatal(err)
		}
		tr = th.trainerConn()
		if rep, err := tr.Verify(ctx, VerifyOptions{Head: head}); err != nil || !rep.OK() {
			t.Fatalf("after restoring: %+v %v", rep.Problems, err)
		}
	}
}

// TestReviewOutcomesCarryBothRoles: a CI member pushes review outcomes
// with the author's role; those records carry the reviewer's role (the CI
// member's, stamped by the hub) and the author's, and weigh with the
// author's; records of other triggers do not get the author's role; an
// unknown author role is refused.
func TestReviewOutcomesCarryBothRoles(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	ci := th.newMember("ci")
	ci.join(t)
	if _, err := th.admin.SetRole(ctx, ci.role, "ci"); err != nil {
		t.Fatal(err)
	}
	ci.fill(t, teamsim.Spec{Prefs: 40, Seed: 50, Taste: teamsim.Likes(store.Security), Trigger: store.Review})
	ci.fill(t, teamsim.Spec{Prefs: 20, Seed: 51, Taste: teamsim.Likes(store.Security), Prefix: "inv", Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if _, err := ci.hub.Push(ctx, ci.home, ci.db, PushOptions{AuthorRole: "wizard"}); err == nil || !strings.Contains(err.Error(), "unknown author role") {
		t.Fatalf("an unknown author role: %v", err)
	}
	if _, err := ci.hub.Push(ctx, ci.home, ci.db, PushOptions{AuthorRole: "senior-reviewer"}); err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	err := th.trainerConn().Records(ctx, func(r Record) error {
		by[r.Trigger+" "+r.Role+" "+r.AuthorRole+" "+r.WeightRole()]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(by) != 2 || by["review ci senior-reviewer senior-reviewer"] == 0 || by["invoked ci  ci"] == 0 {
		t.Errorf("records by trigger, role, author role and weight role: %v", by)
	}
}

// TestForget: a member forgets its records on the hub (those before a
// time, then all): they are gone, the others' stay, verify still passes
// (the forget rows account for them), and tampering with what is left of a
// partly forgotten push is still caught.
func TestForget(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	alice, bob := th.newMember("alice"), th.newMember("bob")
	alice.join(t)
	bob.join(t)
	na := alice.fill(t, teamsim.Spec{Prefs: 200, Seed: 60, Taste: teamsim.Likes(store.Security)})
	nb := bob.fill(t, teamsim.Spec{Prefs: 50, Seed: 61, Taste: teamsim.Likes(store.StyleCat)})
	for _, m := range []*member{alice, bob} {
		if _, err := m.hub.Push(ctx, m.home, m.db, PushOptions{Batch: 80}); err != nil {
			t.Fatal(err)
		}
	}
	// Half of alice's records are older than the middle one.
	var mid time.Time
	err := th.trainerConn().Records(ctx, func(r Record) error {
		if r.Member == alice.st.MemberID && r.LocalID == int64(na/2) {
			mid = r.CreatedAt
		}
		return nil
	})
	if err != nil || mid.IsZero() {
		t.Fatalf("middle record: %v", err)
	}
	// A team adapter trained on alice's records, which bob pulls.
	base, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	quick := train.Settings{Seed: 1, MinSteps: 50, Epochs: 2, RewardEpochs: 2}
	if res, err := th.trainerConn().Train(ctx, base, quick); err != nil || res.Version != 1 {
		t.Fatalf("team train: %v %v", res.Version, err)
	}
	if pr, err := bob.hub.Pull(ctx, bob.home, base, 5); err != nil || pr.Version != "t1" {
		t.Fatalf("pull: %+v %v", pr, err)
	}
	n1, err := alice.hub.Forget(ctx, mid)
	if err != nil || n1 == 0 || n1 >= int64(na) {
		t.Fatalf("forget before the middle: %d, %v", n1, err)
	}
	// t1 learnt from what alice forgot: withdrawn on the hub, and out of
	// service on bob's machine at his next pull.
	if pr, err := bob.hub.Pull(ctx, bob.home, base, 5); err != nil || pr.Version != "" || len(pr.Withdrawn) != 1 {
		t.Fatalf("pull after the forget: %+v %v", pr, err)
	}
	if _, _, ok, _ := model.ActiveTeamAdapter(bob.home); ok {
		t.Fatal("a withdrawn team adapter is still bob's team layer")
	}
	if res, err := th.trainerConn().Train(ctx, base, quick); err != nil || res.Previous != 0 {
		t.Fatalf("team train after the forget: previous %d, %v (the withdrawn t1 is no longer the one to beat)", res.Previous, err)
	}
	if pr, err := bob.hub.Pull(ctx, bob.home, base, 5); err != nil || pr.Version != "t2" {
		t.Fatalf("pull of t2: %+v %v", pr, err)
	}
	rep, err := th.trainerConn().Verify(ctx, VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("verify after a partial forget: %v %v", rep.Problems, err)
	}
	if got := th.count("WHERE member_id = $1", alice.st.MemberID); got != na-int(n1) {
		t.Fatalf("alice has %d records left, want %d", got, na-int(n1))
	}
	// Tampering with what is left of a partly forgotten push is caught.
	if _, err := cluster.Psql(ctx, th.db, `SET session_replication_role = replica;
		UPDATE syntx.preferences SET evidence = 42 WHERE id = (SELECT min(id) FROM syntx.preferences WHERE member_id = '`+alice.st.MemberID+`')`); err != nil {
		t.Fatal(err)
	}
	rep, err = th.trainerConn().Verify(ctx, VerifyOptions{})
	if err != nil || rep.OK() {
		t.Fatalf("verify missed an altered record left by a forget: %v %v", rep.Problems, err)
	}
	if _, err := cluster.Psql(ctx, th.db, `SET session_replication_role = replica;
		UPDATE syntx.preferences SET evidence = 1 WHERE evidence = 42`); err != nil {
		t.Fatal(err)
	}
	n2, err := alice.hub.Forget(ctx, time.Time{})
	if err != nil || int(n1+n2) != na {
		t.Fatalf("forget all: %d + %d, want %d (%v)", n1, n2, na, err)
	}
	if got := th.count(""); got != nb {
		t.Fatalf("%d records left, want bob's %d", got, nb)
	}
	rep, err = th.trainerConn().Verify(ctx, VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("verify after forgetting all: %v %v", rep.Problems, err)
	}
	// Bob cannot forget alice's records, nor delete his own by hand.
	if _, err := bob.hub.conn.Exec(ctx, `DELETE FROM syntx.preferences`); err == nil {
		t.Error("bob deleted records by hand")
	}
	// Forgetting locally does not bring them back: the next push sends
	// only what is new.
	if res, err := alice.hub.Push(ctx, alice.home, alice.db, PushOptions{}); err != nil || res.Sent != 0 {
		t.Errorf("a push after forgetting: %+v %v", res, err)
	}
}

// TestShareCode: code goes to the hub only when the hub's policy and the
// member both allow it, and then redacted; otherwise those columns stay
// NULL.
func TestShareCode(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		hub, member, want bool
	}{{false, true, false}, {true, false, false}, {true, true, true}} {
		th := newTestHub(t, InitOptions{ShareCode: tc.hub})
		m := th.newMember("alice")
		m.join(t)
		token := "ghp_" + strings.Repeat("a1B2", 9)
		at := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
		s := store.Suggestion{ID: "s1", CreatedAt: at, Workspace: "/w", Document: "/w/secret/main.go", Language: "go",
			RuleID: "go.sql-sprintf", Category: store.Security, Title: "t", CandidateSet: "set1", Trigger: store.Invoked,
			Persona: "developer", OriginalText: `client.Token = "` + token + `"`, SuggestedText: "client.Token = os.Getenv(\"TOKEN\")"}
		if _, err := m.db.Offer(ctx, 1, s); err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.db.RecordOutcome(ctx, store.Event{SuggestionID: "s1", Outcome: store.Kept, At: at.Add(time.Minute), Persona: "developer", PersonaWeight: 1},
			store.Preference{CreatedAt: at.Add(time.Minute), Kind: store.Label, SuggestionID: "s1", Desirable: true, Weight: 1, Persona: "developer", Provenance: []int64{0}}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.hub.Push(ctx, m.home, m.db, PushOptions{ShareCode: tc.member}); err != nil {
			t.Fatal(err)
		}
		var orig, sugg *string
		var rows []byte
		if err := m.hub.conn.QueryRow(ctx, `SELECT original_text, suggested_text, rows FROM syntx.preferences`).Scan(&orig, &sugg, &rows); err != nil {
			t.Fatal(err)
		}
		if got := orig != nil; got != tc.want {
			t.Errorf("hub %v, member %v: code shared %v, want %v", tc.hub, tc.member, got, tc.want)
		}
		all := fmt.Sprint(orig, sugg, string(rows))
		if orig != nil {
			all = *orig + *sugg + string(rows)
		}
		if strings.Contains(all, token) || strings.Contains(all, "/w/secret") {
			t.Errorf("hub %v, member %v: a secret or a path reached the hub: %q", tc.hub, tc.member, all)
		}
		if tc.want && !strings.Contains(*orig, "<redacted:") {
			t.Errorf("shared code is not redacted: %q", *orig)
		}
	}
}
