package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// t0 is the injected clock's origin in every test.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

// openTest opens a fresh database in a temporary directory.
func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "syntx.db"), opts)
}

func openAt(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0 }
	}
	db, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// suggestion returns a valid suggestion; set is the candidate set id.
func suggestion(id, set string, rank int, minute int) Suggestion {
	return Suggestion{
		ID:            id,
		CreatedAt:     at(minute),
		Workspace:     "/home/dev/shop",
		Document:      "/home/dev/shop/db/query.go",
		Language:      "go",
		RuleID:        "go.sql-string-concat",
		Category:      Security,
		Title:         "Use a parameterised query instead of string concatenation",
		Range:         Range{Start: Position{Line: 41, Character: 1}, End: Position{Line: 41, Character: 58}},
		Features:      json.RawMessage(`{"path":["call_expression","block"],"diff":12}`),
		CandidateSet:  set,
		Rank:          rank,
		PolicyVersion: "base-1",
		Score:         0.8 - 0.1*float64(rank),
		Trigger:       Invoked,
		Persona:       "developer",
		OriginalText:  `rows, err := db.Query("SELECT * FROM users WHERE name = '" + name + "'")`,
		SuggestedText: fmt.Sprintf(`rows, err := db.Query("SELECT * FROM users WHERE name = $%d", name)`, rank+1),
	}
}

func mustOffer(t testing.TB, db *DB, ss ...Suggestion) []int64 {
	t.Helper()
	ids, err := db.Offer(context.Background(), 1, ss...)
	if err != nil {
		t.Fatalf("Offer: %v", err)
	}
	return ids
}

func mustEvent(t testing.TB, db *DB, e Event) int64 {
	t.Helper()
	if e.Persona == "" {
		e.Persona = "developer"
	}
	id, err := db.AddEvent(context.Background(), e)
	if err != nil {
		t.Fatalf("AddEvent(%+v): %v", e, err)
	}
	return id
}

func mustPrefs(t testing.TB, db *DB, ps ...Preference) []int64 {
	t.Helper()
	ids, err := db.AddPreferences(context.Background(), ps...)
	if err != nil {
		t.Fatalf("AddPreferences: %v", err)
	}
	return ids
}

func mustVerify(t testing.TB, db *DB) VerifyReport {
	t.Helper()
	rep, err := db.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.OK {
		t.Fatalf("Verify: %v", rep)
	}
	return rep
}

// seed fills db with one candidate set of three, a kept first choice, a
// dismissed second, and the preferences capture would derive.
func seed(t testing.TB, db *DB) {
	t.Helper()
	a, b, c := suggestion("s1", "set1", 0, 0), suggestion("s2", "set1", 1, 0), suggestion("s3", "set1", 2, 0)
	b.RuleID, b.Category, b.Title = "go.defer-in-loop", Performance, "Move the deferred Close out of the loop"
	mustOffer(t, db, a, b, c)
	acc := mustEvent(t, db, Event{SuggestionID: "s1", Outcome: Accepted, At: at(1)})
	kept := mustEvent(t, db, Event{SuggestionID: "s1", Outcome: Kept, At: at(16)})
	dis := mustEvent(t, db, Event{SuggestionID: "s2", Outcome: Dismissed, At: at(2), Reason: Wrong,
		Persona: "security-reviewer", PersonaWeight: 2})
	mustPrefs(t, db,
		Preference{CreatedAt: at(16), Kind: Pair, Weight: 1, Persona: "developer", Provenance: []int64{acc, kept},
			Chosen:   Side{SuggestionID: "s1", Role: RoleSuggestion},
			Rejected: Side{SuggestionID: "s3", Role: RoleCandidate}},
		Preference{CreatedAt: at(16), Kind: Label, SuggestionID: "s1", Desirable: true, Weight: 1,
			Persona: "developer", Provenance: []int64{kept}},
		Preference{CreatedAt: at(2), Kind: Label, SuggestionID: "s2", Desirable: false, Weight: 2,
			Persona: "security-reviewer", Provenance: []int64{dis}, Context: json.RawMessage(`{"reason":"wrong"}`)},
	)
}
