package store

import (
	"context"
	"encoding/json"
	"math"
	"testing"
)

func TestStatusEmpty(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	st, err := db.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	// The `syntx status --json` contract.
	if string(got["adapter"]) != "null" || string(got["preferences"]) != "0" {
		t.Errorf("adapter=%s preferences=%s", got["adapter"], got["preferences"])
	}
	var events map[string]int
	if err := json.Unmarshal(got["events"], &events); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"offered", "accepted", "kept", "undone", "edited", "ignored", "dismissed"} {
		if n, ok := events[o]; !ok || n != 0 {
			t.Errorf("events[%q] = %d, %v; want 0, true", o, n, ok)
		}
	}
}

func TestStatusCounts(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	seed(t, db)
	// A second security suggestion that is offered and undone, and a style
	// one that is only offered.
	u := suggestion("u1", "set2", 0, 20)
	st2 := suggestion("y1", "set2", 1, 20)
	st2.RuleID, st2.Category = "go.receiver-name", StyleCat
	mustOffer(t, db, u, st2)
	mustEvent(t, db, Event{SuggestionID: "u1", Outcome: Accepted, At: at(21)})
	mustEvent(t, db, Event{SuggestionID: "u1", Outcome: Undone, At: at(22)})
	mustEvent(t, db, Event{SuggestionID: "y1", Outcome: Ignored, At: at(21)})
	if err := db.PutAdapter(ctx, Adapter{Version: "v3", SHA256: "ab12"}, at(30)); err == nil {
		t.Fatal("adapter without state accepted")
	}
	if err := db.PutAdapter(ctx, Adapter{Version: "v3", SHA256: "ab12", State: AdapterActive}, at(30)); err != nil {
		t.Fatal(err)
	}

	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Outcome]int64{Offered: 5, Accepted: 2, Kept: 1, Undone: 1, Edited: 0, Ignored: 1, Dismissed: 1}
	for o, n := range want {
		if st.Events[o] != n {
			t.Errorf("events[%s] = %d, want %d", o, st.Events[o], n)
		}
	}
	if len(st.Events) != 7 {
		t.Errorf("events has %d keys", len(st.Events))
	}
	if st.Preferences != 3 || st.Suggestions != 5 || st.Adapter == nil || *st.Adapter != "v3" {
		t.Errorf("preferences=%d suggestions=%d adapter=%v", st.Preferences, st.Suggestions, st.Adapter)
	}
	if st.ByPersona["developer"] != 10 || st.ByPersona["security-reviewer"] != 1 {
		t.Errorf("by persona = %v", st.ByPersona)
	}
	if r := st.ByRule["go.sql-string-concat"]; r[Offered] != 3 || r[Kept] != 1 || r[Undone] != 1 {
		t.Errorf("by rule = %v", st.ByRule)
	}
	if r := st.ByRule["go.defer-in-loop"]; r[Dismissed] != 1 || r[Offered] != 1 {
		t.Errorf("by rule = %v", st.ByRule)
	}
	// security: s1 (kept), s3 (offered only), u1 (undone) → 2 of 3.
	sec := st.Acceptance[Security]
	if sec.Offered != 3 || sec.Accepted != 2 || math.Abs(sec.Rate-2.0/3) > 1e-9 {
		t.Errorf("security acceptance = %+v", sec)
	}
	if p := st.Acceptance[Performance]; p.Offered != 1 || p.Accepted != 0 || p.Rate != 0 {
		t.Errorf("performance acceptance = %+v", p)
	}
	if s := st.Acceptance[StyleCat]; s.Offered != 1 || s.Accepted != 0 {
		t.Errorf("style acceptance = %+v", s)
	}
	if st.AuditRows != 20 || st.Schema != SchemaVersion { // 15 before issue 15 added a row per suggestion
		t.Errorf("audit rows = %d schema = %d", st.AuditRows, st.Schema)
	}
}
