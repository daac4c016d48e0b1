package team

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/store"
)

// TestInitJoinPush: init creates the hub (and again is a no-op), a member
// joins, pushes everything once, and pushing again stores nothing new;
// the records hold no code and no path.
func TestInitJoinPush(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	ctx := context.Background()
	if res, err := th.admin.Init(ctx, InitOptions{RolePrefix: th.prefix}); err != nil || res.Created {
		t.Fatalf("a second init: %+v, %v", res, err)
	}
	alice := th.newMember("alice")
	if _, err := alice.hub.Push(ctx, alice.home, alice.db, PushOptions{}); !errors.Is(err, ErrNotJoined) {
		t.Fatalf("push before joining: %v", err)
	}
	alice.join(t)
	n := alice.fill(t, teamsim.Spec{Prefs: 1200, Seed: 1, Taste: teamsim.Likes(store.Security)})
	res, err := alice.hub.Push(ctx, alice.home, alice.db, PushOptions{Batch: 300})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != n || res.Batches < 4 || res.Skipped != 0 {
		t.Fatalf("push: %+v, want %d sent in at least 4 batches", res, n)
	}
	if got := th.count("WHERE member_id = $1", alice.st.MemberID); got != n {
		t.Fatalf("hub holds %d records, want %d", got, n)
	}
	again, err := alice.hub.Push(ctx, alice.home, alice.db, PushOptions{})
	if err != nil || again.Sent != 0 || again.Batches != 0 {
		t.Fatalf("a second push: %+v, %v", again, err)
	}
	// What is stored: no code, no path, the features as the model sees them.
	var orig, sugg *string
	var rows []byte
	if err := alice.hub.conn.QueryRow(ctx, `SELECT original_text, suggested_text, rows FROM syntx.preferences LIMIT 1`).Scan(&orig, &sugg, &rows); err != nil {
		t.Fatal(err)
	}
	if orig != nil || sugg != nil || strings.Contains(string(rows), "/w/main.go") || strings.Contains(string(rows), "x := ") {
		t.Errorf("a record carries code or a path: %v %v %q", orig, sugg, rows)
	}
	if _, err := DecodeRows(rows); err != nil {
		t.Errorf("stored rows: %v", err)
	}
}
