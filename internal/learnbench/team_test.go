package learnbench

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestSecurityVote(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		recs                  []SecurityRecords
		forW, againstW, share float64
	}{
		{"none", nil, 0, 0, 0},
		{"labels only count", []SecurityRecords{
			{Role: "security-specialist", Kind: "label", Outcome: "kept", Side: "for", N: 3, Evidence: 3, Weighted: 6},
			{Role: "developer", Kind: "label", Outcome: "undone", Side: "against", N: 2, Evidence: 2, Weighted: 2},
			{Role: "developer", Kind: "pair", Outcome: "undone", Side: "under nothing", N: 2, Evidence: 2, Weighted: 2},
			{Role: "security-specialist", Kind: "pair", Outcome: "kept", Side: "vs a candidate", N: 5, Evidence: 5, Weighted: 10},
		}, 6, 2, 0.75},
		{"all against", []SecurityRecords{{Kind: "label", Side: "against", Weighted: 4}}, 0, 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &TeamReport{SecurityRecords: tc.recs}
			f, a, s := r.SecurityVote()
			if f != tc.forW || a != tc.againstW || math.Abs(s-tc.share) > 1e-9 {
				t.Errorf("SecurityVote() = %v, %v, %v; want %v, %v, %v", f, a, s, tc.forW, tc.againstW, tc.share)
			}
		})
	}
}

// TestWriteTableRefusedArm: an arm the gate refused shows its candidate and
// says that the team keeps its layer, with no refit row standing in.
func TestWriteTableRefusedArm(t *testing.T) {
	r := &TeamReport{SecurityWeight: 2}
	r.Roles.ServedLayer = "t4"
	r.Rounds = []Round{{Events: 110, Adapter: "t1", Decision: "accepted", Reason: "held-out accuracy 0.8"},
		{Events: 220, Adapter: "t2", Decision: "rejected", Reason: "held-out accuracy 0.6; compared on the 7 of 20", WarmStart: "t1"}}
	refit := SecurityMetrics{Sites: 40, Shown: 0.7, Score: 0.6}
	r.Roles.Weighted = RoleArm{Decision: "accepted", Previous: "t4", CandidateLayer: "t5", Candidate: SecurityMetrics{Shown: 0.5}, Refit: &refit, RefitLayer: "t5"}
	same := true
	r.Roles.Flat = RoleArm{Decision: "rejected", Previous: "t4", CandidateLayer: "t5", Candidate: SecurityMetrics{Shown: 0.2}, SameCandidate: &same}
	var b bytes.Buffer
	r.WriteTable(&b)
	out := b.String()
	for _, want := range []string{"fresh start; gate: held-out accuracy 0.8\n", "warm start from t1; gate: held-out accuracy 0.6; compared on the 7 of 20\n",
		"each judged against the layer it found (t4)", "role weights: gate accepted", "refit, served (t5)", "shown automatically 0.70",
		"every weight 1: gate rejected", "refit: none, the gate refused; the team keeps serving t4 (same candidate with the refit on: true)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "refit, served") != 1 {
		t.Errorf("want one refit row (the accepted arm's):\n%s", out)
	}
}

func TestSecurityVoteByRule(t *testing.T) {
	r := &TeamReport{SecurityRecords: []SecurityRecords{
		{Rule: "a", Role: "security-specialist", Kind: "label", Side: "for", Evidence: 2, Weighted: 4},
		{Rule: "a", Role: "developer", Kind: "label", Side: "against", Evidence: 2, Weighted: 2},
		{Rule: "b", Role: "developer", Kind: "label", Side: "against", Evidence: 1, Weighted: 1},
		{Rule: "b", Role: "developer", Kind: "label", Side: "against", Evidence: 1, Weighted: 1},
	}}
	rule := "a"
	if _, _, sh := r.SecurityVoteOf(func(x SecurityRecords) bool { return x.Rule == rule }); math.Abs(sh-4.0/6) > 1e-9 {
		t.Errorf("rule a's weighted share = %v, want 4/6", sh)
	}
	if got := r.flatVote(&rule); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("rule a's flat share = %v, want 0.5", got)
	}
	if got := r.flatVote(nil); math.Abs(got-2.0/6) > 1e-9 {
		t.Errorf("the flat share = %v, want 2/6", got)
	}
	byRole := r.securityRecordsByRole()
	if len(byRole) != 2 || byRole[0].Role != "developer" || byRole[0].Evidence != 4 || byRole[0].Weighted != 4 {
		t.Errorf("securityRecordsByRole() = %+v, want the developer's three rows summed first", byRole)
	}
}
