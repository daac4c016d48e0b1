package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestLabelsAndSnapshot: Labels reads each label, and each edited
// outcome, with its suggestion's rule, category and file role ("" when the
// features do not say), and a snapshot holds the same.
func TestLabelsAndSnapshot(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	a, b, c := suggestion("a", "s1", 0, 1), suggestion("b", "s1", 1, 1), suggestion("c", "s2", 0, 1)
	b.Features = json.RawMessage(`{"RuleID":"go.sql-string-concat","FileRole":"test"}`)
	mustOffer(t, db, a, b)
	mustOffer(t, db, c)
	if _, _, err := db.RecordOutcome(ctx, Event{SuggestionID: "a", Outcome: Kept, At: at(2), Persona: "developer", PersonaWeight: 1},
		Preference{Kind: Label, SuggestionID: "a", Desirable: true, Weight: 1, Persona: "developer", CreatedAt: at(2)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.RecordOutcome(ctx, Event{SuggestionID: "b", Outcome: Dismissed, At: at(3), Persona: "developer", PersonaWeight: 1},
		Preference{Kind: Label, SuggestionID: "b", Desirable: false, Weight: 0.5, Persona: "developer", CreatedAt: at(3)}); err != nil {
		t.Fatal(err)
	}
	// An edited outcome yields no label; Labels reads it with its persona's weight.
	if _, _, err := db.RecordOutcome(ctx, Event{SuggestionID: "c", Outcome: Edited, At: at(4), Persona: "developer", PersonaWeight: 2, FinalText: "x"}); err != nil {
		t.Fatal(err)
	}
	read := func(db *DB) []LabelRecord {
		var out []LabelRecord
		if err := db.Labels(ctx, func(l LabelRecord) error { out = append(out, l); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []LabelRecord{
		{Rule: "go.sql-string-concat", Category: "security", Role: "", Desirable: true, Weight: 1, At: at(2)},
		{Rule: "go.sql-string-concat", Category: "security", Role: "test", Desirable: false, Weight: 0.5, At: at(3)},
		{Rule: "go.sql-string-concat", Category: "security", Role: "", Desirable: true, Edited: true, Weight: 2, At: at(4)},
	}
	check := func(what string, got []LabelRecord) {
		if len(got) != len(want) {
			t.Fatalf("%s: %+v, want %+v", what, got, want)
		}
		for i := range got {
			if got[i].Rule != want[i].Rule || got[i].Category != want[i].Category || got[i].Role != want[i].Role ||
				got[i].Desirable != want[i].Desirable || got[i].Edited != want[i].Edited || got[i].Weight != want[i].Weight || !got[i].At.Equal(want[i].At) {
				t.Errorf("%s: label %d %+v, want %+v", what, i, got[i], want[i])
			}
		}
	}
	check("labels", read(db))
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Snapshot(ctx, copyPath); err != nil {
		t.Fatal(err)
	}
	if err := db.Snapshot(ctx, copyPath); err == nil {
		t.Error("a snapshot over an existing file succeeded")
	}
	check("snapshot", read(openAt(t, copyPath, Options{})))
}
