package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/syntx/syntx/model"
)

// teamRecords builds records of members who each prefer the rows of one
// category in sets of two, rows from model.Featurize.
func teamRecords(members map[string]string, perMember int) []TeamRecord {
	buf := make([]float32, model.FeatureWidth)
	row := func(c model.Candidate) FeatureRow {
		model.Featurize(c, buf)
		var r FeatureRow
		for i, v := range buf {
			if v != 0 {
				r.Idx, r.Val = append(r.Idx, int32(i)), append(r.Val, v)
			}
		}
		return r
	}
	var recs []TeamRecord
	id := int64(0)
	for m, likes := range members {
		for i := 0; i < perMember; i++ {
			a := model.Candidate{RuleID: "go.sql-sprintf", Category: "security", Language: "go", Prior: 0.5, EditSize: i % 7}
			b := model.Candidate{RuleID: "go.time-since", Category: "style", Language: "go", Prior: 0.5, EditSize: i % 5}
			rows := []FeatureRow{row(a), row(b)}
			pos, neg := 0, 1
			if likes == "style" {
				pos, neg = 1, 0
			}
			id++
			at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
			set := fmt.Sprintf("s%d", i)
			recs = append(recs,
				TeamRecord{ID: id, Member: m, Set: set, Rows: rows, Pos: pos, Neg: neg, At: at, Weight: 1, Role: "developer", Category: "security"},
				TeamRecord{ID: id + 100000, Member: m, Set: set, Rows: rows, Pos: pos, Neg: -1, Label: true, At: at, Weight: 1, Role: "developer", Category: "security"})
		}
	}
	return recs
}

// TestTeamDatasetHoldsOutEachMembersNewest: every member's newest records
// are held out (at least one each), sets are loaded once per member, and
// malformed records are skipped, not trained on.
func TestTeamDatasetHoldsOutEachMembersNewest(t *testing.T) {
	t.Parallel()
	recs := teamRecords(map[string]string{"m-a": "security", "m-b": "security", "m-c": "style"}, 10)
	recs = append(recs, TeamRecord{ID: 999, Member: "m-c", Set: "bad", Rows: recs[0].Rows, Pos: 0, Neg: 0, Weight: 1},
		TeamRecord{ID: 998, Member: "m-c", Set: "bad2", Rows: recs[0].Rows, Pos: 0, Neg: 1, Weight: -1})
	ds, err := teamDataset(recs, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if ds.skipped["bad sides"] != 1 || ds.skipped["bad weight"] != 1 {
		t.Errorf("skipped %v", ds.skipped)
	}
	if got := len(ds.sets); got != 30 {
		t.Errorf("%d sets, want 30 (10 per member, each loaded once)", got)
	}
	held := map[string]int{}
	newest := map[string]time.Time{}
	for _, r := range recs {
		if r.At.After(newest[r.Member]) {
			newest[r.Member] = r.At
		}
	}
	for _, p := range ds.hold() {
		m := ds.ids[max(p.pos, p.neg)][:3]
		held[m]++
	}
	for _, m := range []string{"m-a", "m-b", "m-c"} {
		if held[m] != 4 {
			t.Errorf("member %s: %d held out, want 4 (20%% of its 20)", m, held[m])
		}
	}
}

// TestRunTeamLearnsTheWeightedMajority: two members prefer security, one
// style; the team adapter ranks security first, and when the style member's
// weight is tripled (a role weight), style wins instead.
func TestRunTeamLearnsTheWeightedMajority(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	recs := teamRecords(map[string]string{"m-a": "security", "m-b": "security", "m-c": "style"}, 40)
	s := Settings{Seed: 3, MinSteps: 100, Epochs: 5, RewardEpochs: 5}
	margin := func(recs []TeamRecord) float64 {
		res, err := RunTeam(context.Background(), TeamProblem{Base: base, Records: recs}, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.LoRA == nil || res.Data.Holdout == 0 {
			t.Fatalf("run: %+v", res.Data)
		}
		z := make([]float32, 2)
		x := make([]float32, 2*model.FeatureWidth)
		for i, r := range recs[0].Rows {
			for j, ix := range r.Idx {
				x[i*model.FeatureWidth+int(ix)] = r.Val[j]
			}
		}
		if err := base.ForwardLoRA(x, 2, res.LoRA, z); err != nil {
			t.Fatal(err)
		}
		return float64(z[0] - z[1]) // security − style
	}
	if m := margin(recs); !(m > 0.5) {
		t.Errorf("two members for security, one for style: margin %.3f, want security first", m)
	}
	for i := range recs {
		if recs[i].Member == "m-c" {
			recs[i].Weight, recs[i].Role = 3, "senior-reviewer"
		}
	}
	if m := margin(recs); !(m < -0.1) {
		t.Errorf("the style member weighs 3: margin %.3f, want style first", m)
	}
	if _, err := RunTeam(context.Background(), TeamProblem{Base: base, Records: recs[:4]}, s); !errors.Is(err, ErrNotEnoughData) {
		t.Errorf("four records: %v", err)
	}
}

// TestInstallTeamAndRollback: a team adapter is installed only when its
// weights hash to the published SHA-256 and it loads; rollback goes to the
// previous pulled version, then to none, and never back to one rolled back.
func TestInstallTeamAndRollback(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	home := t.TempDir()
	ctx := context.Background()
	now := time.Now()
	enc := func(seed uint64, v string) ([]byte, []byte, string) {
		cfg, w, err := model.EncodeAdapter(base, randomLoRA(t, base, seed, 4, 0.01), v)
		if err != nil {
			t.Fatal(err)
		}
		return cfg, w, fileHash(w)
	}
	c1, w1, h1 := enc(1, "t1")
	if err := InstallTeam(ctx, home, base, "t1", c1, w1, h1[:63]+"0", 3, now); !errors.Is(err, ErrTeamAdapter) {
		t.Fatalf("a wrong hash: %v", err)
	}
	if err := InstallTeam(ctx, home, base, "t1", []byte(`{"peft_type":"LORA"}`), w1, h1, 3, now); !errors.Is(err, ErrTeamAdapter) {
		t.Fatalf("a broken config: %v", err)
	}
	if _, _, ok, _ := model.ActiveTeamAdapter(home); ok {
		t.Fatal("a refused adapter became the team layer")
	}
	for i, v := range []string{"t1", "t2", "t3"} {
		c, w, h := enc(uint64(i+1), v)
		if err := InstallTeam(ctx, home, base, v, c, w, h, 3, now); err != nil {
			t.Fatal(err)
		}
	}
	if v, _, ok, err := model.ActiveTeamAdapter(home); !ok || err != nil || v != "t3" {
		t.Fatalf("active %s %v %v", v, ok, err)
	}
	for _, want := range []RollbackResult{{From: "t3", To: "t2"}, {From: "t2", To: "t1"}, {From: "t1", To: ""}} {
		got, err := TeamRollback(ctx, home, base, now)
		if err != nil || got != want {
			t.Fatalf("rollback: %+v %v, want %+v", got, err, want)
		}
	}
	if _, err := TeamRollback(ctx, home, base, now); !errors.Is(err, ErrNothingToRollBack) {
		t.Errorf("a rollback with no team layer: %v", err)
	}
	for _, v := range []string{"t1", "t2", "t3"} {
		if refused, _ := TeamRefused(home, v); !refused {
			t.Errorf("%s is not remembered as rolled back", v)
		}
	}
	// A layer whose directory was damaged does not load.
	c4, w4, h4 := enc(4, "t4")
	if err := InstallTeam(ctx, home, base, "t4", c4, w4, h4, 3, now); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(model.TeamAdaptersDir(home), "t4", model.AdapterWeightsFile), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := model.LoadPolicy(model.PolicyOptions{Home: home}); err != nil || p.TeamErr == nil || p.Team != nil || p.TeamRefused != "t4" {
		t.Errorf("a damaged team layer loaded: %+v %v", p, err)
	}
}

func fileHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestTeamVotesCountOneOutcomeOnce: an undo's pair against nothing says
// what its label says and an edit's developer's-version pair is no vote
// for showing nothing; both are left out and counted, the rest stay.
func TestTeamVotesCountOneOutcomeOnce(t *testing.T) {
	t.Parallel()
	rows := []FeatureRow{{Idx: []int32{1}, Val: []float32{1}}, {Idx: []int32{2}, Val: []float32{1}}}
	recs := []TeamRecord{
		{ID: 1, Member: "m-s", Set: "a", Rows: rows, Pos: 0, Neg: -1, Label: true, Outcome: "kept"},
		{ID: 2, Member: "m-s", Set: "a", Rows: rows, Pos: 0, Neg: 1, Outcome: "kept"},
		{ID: 3, Member: "m-d", Set: "b", Rows: rows, Pos: -1, Neg: 0, Label: true, Outcome: "undone"},
		{ID: 4, Member: "m-d", Set: "b", Rows: rows, Pos: -1, Neg: 0, Outcome: "undone"},
		{ID: 5, Member: "m-e", Set: "c", Rows: rows, Pos: -1, Neg: 0, Outcome: "edited"},
		{ID: 6, Member: "m-e", Set: "c", Rows: rows, Pos: 0, Neg: 1, Outcome: "edited"},
		// Another member's label on its own set of the same key does not
		// make m-f's pair redundant.
		{ID: 7, Member: "m-f", Set: "b", Rows: rows, Pos: -1, Neg: 0, Outcome: "undone"},
		// A label in the other direction does not either.
		{ID: 8, Member: "m-g", Set: "d", Rows: rows, Pos: 0, Neg: -1, Label: true, Outcome: "kept"},
		{ID: 9, Member: "m-g", Set: "d", Rows: rows, Pos: -1, Neg: 0, Outcome: "undone"},
	}
	out, left := teamVotes(recs)
	var kept []int64
	for _, r := range out {
		kept = append(kept, r.ID)
	}
	if fmt.Sprint(kept) != "[1 2 3 6 7 8 9]" {
		t.Errorf("kept %v, want [1 2 3 6 7 8 9]", kept)
	}
	if left["pair saying what its label says"] != 1 || left["edit read as showing nothing"] != 1 || len(left) != 2 {
		t.Errorf("left out %v", left)
	}
}

// TestRunTeamRoleWeightsDecideAgainstNothing: three members who keep a
// security fix at 2× against four who undo it at 1× (6 against 4 votes):
// the team adapter raises the fix above the base. Counting each undo twice
// (its label and its pair) made it 6 against 8, and lowered it.
func TestRunTeamRoleWeightsDecideAgainstNothing(t *testing.T) {
	t.Parallel()
	base := mustBase(t)
	buf := make([]float32, model.FeatureWidth)
	row := func(c model.Candidate) FeatureRow {
		model.Featurize(c, buf)
		var r FeatureRow
		for i, v := range buf {
			if v != 0 {
				r.Idx, r.Val = append(r.Idx, int32(i)), append(r.Val, v)
			}
		}
		return r
	}
	sec := model.Candidate{RuleID: "go.sql-sprintf", Category: "security", Language: "go", Prior: 0.5}
	sty := model.Candidate{RuleID: "go.time-since", Category: "style", Language: "go", Prior: 0.5}
	rows := []FeatureRow{row(sec), row(sty)}
	var recs []TeamRecord
	id := int64(0)
	at0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	add := func(m string, i int, w float64, role string, label bool, pos, neg int, outcome string) {
		id++
		recs = append(recs, TeamRecord{ID: id, Member: m, Set: fmt.Sprintf("s%d", i), Rows: rows, Pos: pos, Neg: neg, Label: label,
			At: at0.Add(time.Duration(i) * time.Hour), Weight: w, Role: role, Category: "security", Outcome: outcome})
	}
	for k := 0; k < 3; k++ {
		for i := 0; i < 30; i++ {
			m := fmt.Sprintf("m-s%d", k)
			add(m, i, 2, "security-specialist", true, 0, -1, "kept")
			add(m, i, 2, "security-specialist", false, 0, 1, "kept")
		}
	}
	for k := 0; k < 4; k++ {
		for i := 0; i < 30; i++ {
			m := fmt.Sprintf("m-d%d", k)
			add(m, i, 1, "developer", true, -1, 0, "undone")
			add(m, i, 1, "developer", false, -1, 0, "undone")
		}
	}
	res, err := RunTeam(context.Background(), TeamProblem{Base: base, Records: recs}, Settings{Seed: 5, MinSteps: 150, Epochs: 5, RewardEpochs: 5})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Data.Skipped["pair saying what its label says"]; n != 4*30 {
		t.Errorf("%d redundant pairs left out, want %d (one per undo)", n, 4*30)
	}
	x := make([]float32, model.FeatureWidth)
	for j, ix := range rows[0].Idx {
		x[ix] = rows[0].Val[j]
	}
	zb, zt := make([]float32, 1), make([]float32, 1)
	base.Forward(x, 1, zb)
	if err := base.ForwardLoRA(x, 1, res.LoRA, zt); err != nil {
		t.Fatal(err)
	}
	if !(zt[0] > zb[0]+0.1) {
		t.Errorf("security fix: logit %.3f with the team adapter against %.3f with the base; 6 votes for it against 4 should raise it", zt[0], zb[0])
	}
}

// TestTeamKLSetWeightsLeaveRolesOut: in a team run the role weight counts
// in the reward model's comparisons, and a set's weight in the KL
// objective is its evidence alone, so a specialist's set at 2× and a
// developer's at 1× weigh alike there (a local run's sets keep their
// stored weight).
func TestTeamKLSetWeightsLeaveRolesOut(t *testing.T) {
	t.Parallel()
	recs := teamRecords(map[string]string{"m-a": "security", "m-b": "style"}, 3)
	for i := range recs {
		if recs[i].Member == "m-a" {
			recs[i].Role, recs[i].Weight, recs[i].RoleWeight = "security-specialist", 0.5*2, 2
		} else {
			recs[i].Weight, recs[i].RoleWeight = 0.5, 1
		}
		recs[i].At = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	ds, err := teamDataset(recs, 0.34)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := lookupObjective(KL)
	tr := &trainer{s: Settings{}.WithDefaults(), obj: obj, ds: ds}
	u := tr.units()
	if len(u.sets) == 0 || len(u.cmps) == 0 {
		t.Fatalf("%d sets, %d comparisons", len(u.sets), len(u.cmps))
	}
	for _, s := range u.sets {
		if s.w != 0.5 {
			t.Errorf("set %d: KL weight %v, want the evidence 0.5 (no role weight)", s.set, s.w)
		}
	}
	roles := map[float64]int{}
	for _, c := range u.cmps {
		roles[c.w]++
	}
	if roles[1] == 0 || roles[0.5] == 0 || len(roles) != 2 {
		t.Errorf("comparison weights %v, want the specialist's at 1 (0.5 × 2) and the developer's at 0.5", roles)
	}
}
