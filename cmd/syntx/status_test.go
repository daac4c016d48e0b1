package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/store"
)

// TestStatusListsHeldBack: `syntx status` says what the developer's record
// holds back from automatic triggers (three rejected correctness fixes
// hold back raise-from, never met, in production code), as the server's
// syntx.status does.
func TestStatusListsHeldBack(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	for i, rule := range []string{"python.mutable-default", "python.assert-tuple", "python.bare-except"} {
		id := rule + "-1"
		s := store.Suggestion{ID: id, CreatedAt: at, Workspace: "/w", Document: "/w/a.py", Language: "python",
			RuleID: rule, Category: "correctness", Title: rule, Features: json.RawMessage(`{"FileRole":""}`),
			CandidateSet: "set-" + id, PolicyVersion: "base", Score: 0.7, Trigger: store.Invoked, Persona: "developer"}
		if _, err := db.Offer(ctx, 1, s); err != nil {
			t.Fatal(err)
		}
		when := at.Add(time.Duration(i+1) * time.Minute)
		if _, _, err := db.RecordOutcome(ctx, store.Event{SuggestionID: id, Outcome: store.Dismissed, At: when, Persona: "developer", PersonaWeight: 1},
			store.Preference{Kind: store.Label, SuggestionID: id, Desirable: false, Weight: 1, Persona: "developer", CreatedAt: when}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, home, "status", "--json")
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	var st struct {
		HeldBack []struct {
			Rule, Role string
			Acceptance float64
		} `json:"heldBack"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	found := false
	for _, h := range st.HeldBack {
		if h.Rule == "python.raise-from" && h.Role == "" && h.Acceptance == 0.08 {
			found = true
		}
		if !strings.Contains(h.Rule, ".") || strings.HasPrefix(h.Rule, "python.not-in") {
			t.Errorf("held back: %+v", h)
		}
	}
	if !found {
		t.Errorf("status --json does not hold back raise-from in production code at 0.08: %s", out)
	}
	text, err := runCLI(t, home, "status")
	if err != nil || !strings.Contains(text, "python.raise-from in production code (your record: 8% accepted)") {
		t.Errorf("status: %v\n%s", err, text)
	}
}
