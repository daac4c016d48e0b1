package capture

import (
	"math"
	"testing"
	"time"
)

func TestRecordAcceptance(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	const k, m, th = 2, 3, 0.55
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }

	r := NewRecord(0)
	if _, enough := r.Acceptance("python.raise-from", "correctness", "", k, m); enough {
		t.Fatal("an empty record has evidence")
	}
	for _, rule := range []string{"python.mutable-default", "python.assert-tuple", "python.bare-except"} {
		r.Add(rule, "correctness", "", false, 1, t0)
	}
	// Never met: the siblings' rate in every role, (0+1)/(3+2) = 0.2, is
	// the prior of their rate in production, (0 + 2·0.2)/(3 + 2) = 0.08,
	// which is the rule's with no label of its own.
	if p, enough := r.Acceptance("python.raise-from", "correctness", "", k, m); !enough || !near(p, 0.08) {
		t.Fatalf("a rule never met: %v %v, want 0.08 on enough evidence", p, enough)
	}
	if !r.Holds("python.raise-from", "correctness", "", th, k, m) {
		t.Error("a rule whose siblings were rejected three times is not held back")
	}
	// In test files, where the developer said nothing: the rate in every role.
	if p, _ := r.Acceptance("python.raise-from", "correctness", "test", k, m); !near(p, 0.2) {
		t.Errorf("in a test file: %v, want 0.2", p)
	}
	// Another category knows nothing.
	if _, enough := r.Acceptance("python.not-in", "style", "", k, m); enough {
		t.Error("rejections of correctness rules are evidence on a style rule")
	}
	// Its own acceptances: (n + 2·0.08)/(n + 2) is 0.387, 0.54 and 0.632
	// for one, two and three: three outweigh three rejected siblings.
	for i, want := range []float64{1.16 / 3, 2.16 / 4, 3.16 / 5} {
		r.Add("python.raise-from", "correctness", "", true, 1, t0)
		p, _ := r.Acceptance("python.raise-from", "correctness", "", k, m)
		if !near(p, want) || r.Holds("python.raise-from", "correctness", "", th, k, m) != (i < 2) {
			t.Errorf("after %d acceptances: %v, want %v, held back while under %v", i+1, p, want, th)
		}
	}
	// A rule's own labels are not its own prior: bare-except's siblings
	// are two rejected rules and raise-from's three acceptances.
	all := (3.0 + 1) / (3 + 2 + 2)
	inRole := (3 + 2*all) / (5 + 2)
	if p, _ := r.Acceptance("python.bare-except", "correctness", "", k, m); !near(p, 2*inRole/(1+2)) {
		t.Errorf("bare-except: %v, want %v", p, 2*inRole/3)
	}
	// Strength 0 turns it off; a weighted label counts its weight.
	if r.Holds("python.is-literal", "correctness", "", th, 0, m) {
		t.Error("strength 0 holds back")
	}
	r2 := NewRecord(0)
	for range 5 {
		r2.Add("python.not-in", "style", "", false, 0.5, t0)
	}
	if _, enough := r2.Acceptance("python.not-in", "style", "", k, m); enough {
		t.Error("five labels of weight 0.5 count as three")
	}
	for range 2 {
		r2.Add("python.not-in", "style", "", false, 0.5, t0)
	}
	// Rejected on its own, siblings unknown: (0 + 2·½)/(3.5 + 2).
	if p, enough := r2.Acceptance("python.not-in", "style", "", k, m); !enough || !near(p, 1/5.5) {
		t.Errorf("a rule rejected on its own, siblings unknown: %v %v, want %v", p, enough, 1/5.5)
	}
	// Per role: a taste that differs between tests and production.
	r3 := NewRecord(0)
	for _, rule := range []string{"a", "b", "c", "d"} {
		r3.Add("go."+rule, "performance", "", true, 1, t0)
		r3.Add("go."+rule, "performance", "test", false, 1, t0)
	}
	if r3.Holds("go.e", "performance", "", th, k, m) || !r3.Holds("go.e", "performance", "test", th, k, m) {
		t.Error("acceptances in production and rejections in tests do not separate the roles")
	}
	// Support for showing what the base keeps silent: the estimate clears
	// the threshold on enough evidence.
	r4 := NewRecord(0)
	for _, rule := range []string{"a", "b", "c"} {
		r4.Add("go."+rule, "performance", "", true, 1, t0)
	}
	if !r4.Supports("go.e", "performance", "", th, k, m) || r4.Supports("go.e", "style", "", th, k, m) {
		t.Error("three performance acceptances do not support a performance rule, or support a style one")
	}
	if r4.Supports("go.e", "performance", "", th, k, 4) {
		t.Error("three labels support with record_min 4")
	}
}

// TestRecordHalfLife: labels weigh 2^(−age/half-life), age measured from
// the newest label, as in training.
func TestRecordHalfLife(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r := NewRecord(24 * time.Hour)
	r.Add("go.errors-is", "correctness", "", false, 1, t0)
	r.Add("go.errors-is", "correctness", "", true, 1, t0.Add(48*time.Hour))
	y, n, cy, cn := r.Counts("go.errors-is", "correctness", "")
	if math.Abs(y-1) > 1e-9 || math.Abs(n-0.25) > 1e-9 || cy != y || cn != n {
		t.Fatalf("counts %v %v %v %v, want 1 and 0.25 for the rule and its category", y, n, cy, cn)
	}
	r.reset()
	if y, n, _, _ := r.Counts("go.errors-is", "correctness", ""); y+n != 0 {
		t.Fatal("reset kept labels")
	}
	// Recency weighs what the labels say, not whether there are enough:
	// three labels an hour apart are three (their decayed sum is 2.96).
	for i := range 3 {
		r.Add("go.errors-is", "correctness", "", true, 1, t0.Add(time.Duration(i)*time.Hour))
	}
	if _, enough := r.Acceptance("go.waitgroup-go", "correctness", "", 2, 3); !enough {
		t.Error("three labels an hour apart are not enough for record_min 3")
	}
}
