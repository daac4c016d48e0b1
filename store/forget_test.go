package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Distinctive strings that must vanish from the files after a forget.
const (
	testForgetWS    = "/home/dev/zebra-forget-ws"
	forgetDocument  = "/home/dev/zebra-forget-ws/quokka_handler.go"
	forgetOriginal  = `resp := quokkaFetch("http://legacy.internal/wombat-7731")`
	forgetSuggested = `resp, err := quokkaFetchCtx(ctx, "http://legacy.internal/wombat-7731")`
	forgetEdited    = `resp, err := quokkaFetchCtx(ctx, platypusURL) // numbat-4412`
)

func forgettable(id string, minute int) Suggestion {
	s := suggestion(id, "fset-"+id, 0, minute)
	s.Workspace, s.Document = testForgetWS, forgetDocument
	s.OriginalText, s.SuggestedText = forgetOriginal, forgetSuggested
	return s
}

// seedForgettable stores one suggestion in the forgettable workspace with an
// edited event and the pairs capture derives from it.
func seedForgettable(t *testing.T, db *DB, id string, minute int) {
	t.Helper()
	mustOffer(t, db, forgettable(id, minute))
	ev := mustEvent(t, db, Event{SuggestionID: id, Outcome: Edited, At: at(minute + 1), FinalText: forgetEdited})
	mustPrefs(t, db, Preference{CreatedAt: at(minute + 1), Kind: Pair, Weight: 1, Persona: "developer",
		Provenance: []int64{ev}, Context: json.RawMessage(`{"message":"pass a context"}`),
		Chosen:   Side{Text: forgetEdited, Role: RoleDeveloper},
		Rejected: Side{SuggestionID: id, Role: RoleSuggestion}})
}

func TestForgetAllLeavesNoTraceInTheFiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "syntx.db")
	db := openAt(t, path, Options{})
	ctx := context.Background()
	seed(t, db)
	seedForgettable(t, db, "f1", 5)
	seedForgettable(t, db, "f2", 6)
	markers := [][]byte{[]byte("zebra-forget-ws"), []byte("quokka"), []byte("wombat-7731"), []byte("numbat-4412"), []byte("platypusURL")}
	if !containsAny(t, path, markers) {
		t.Fatal("test is broken: markers not in the files before forgetting")
	}

	rep, err := db.Forget(ctx, ForgetSpec{All: true}, at(60))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Suggestions != 5 || rep.Events != 10 || rep.Preferences != 5 || !rep.Checkpointed {
		t.Errorf("report = %+v", rep)
	}
	for _, m := range markers {
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, m) {
				t.Errorf("%s still holds %q after Forget", filepath.Base(f), m)
			}
		}
	}
	// Closing checkpoints once more; the bytes must still be clean.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if containsAny(t, path, markers) {
		t.Error("forgotten text in the file after close")
	}
	db = openAt(t, path, Options{})
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Suggestions != 0 || st.Preferences != 0 || st.Events[Offered] != 0 {
		t.Errorf("status after forget: %+v", st)
	}
	// The chain still verifies and ends with the forget row.
	rep2 := mustVerify(t, db)
	var last AuditRow
	if err := db.AuditLog(ctx, time.Time{}, func(r AuditRow) error { last = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if rep2.Rows != last.Seq || last.Kind != AuditForget {
		t.Fatalf("last audit row = %+v", last)
	}
	var p forgetPayload
	if err := json.Unmarshal(last.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if !p.All || p.Suggestions != 5 || p.Events != 10 || p.Preferences != 5 {
		t.Errorf("forget payload = %s", last.Payload)
	}
}

func containsAny(t *testing.T, path string, markers [][]byte) bool {
	t.Helper()
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markers {
			if bytes.Contains(b, m) {
				return true
			}
		}
	}
	return false
}

func TestForgetWorkspace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "syntx.db")
	db := openAt(t, path, Options{})
	ctx := context.Background()
	seed(t, db) // workspace /home/dev/shop
	seedForgettable(t, db, "f1", 5)
	before, _ := db.Status(ctx)

	rep, err := db.Forget(ctx, ForgetSpec{Workspace: testForgetWS}, at(60))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Suggestions != 1 || rep.Events != 2 || rep.Preferences != 1 {
		t.Errorf("report = %+v", rep)
	}
	after, _ := db.Status(ctx)
	if after.Suggestions != before.Suggestions-1 || after.Preferences != before.Preferences-1 ||
		after.Events[Offered] != before.Events[Offered]-1 || after.Events[Edited] != 0 {
		t.Errorf("before %+v\nafter %+v", before, after)
	}
	if _, err := db.Suggestion(ctx, "s1"); err != nil {
		t.Errorf("other workspace lost s1: %v", err)
	}
	if _, err := db.Suggestion(ctx, "f1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("f1 still there: %v", err)
	}
	if containsAny(t, path, [][]byte{[]byte("zebra-forget-ws"), []byte("wombat-7731")}) {
		t.Error("forgotten workspace still in the files")
	}
	mustVerify(t, db)
	var p forgetPayload
	db.AuditLog(ctx, at(60), func(r AuditRow) error { return json.Unmarshal(r.Payload, &p) })
	if p.Workspace != db.Hash(testForgetWS) || p.Workspace == "" || p.All {
		t.Errorf("forget payload = %+v", p)
	}
}

func TestForgetBefore(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	seedForgettable(t, db, "old", 0)   // offered at 0, edited at 1
	seedForgettable(t, db, "new", 100) // offered at 100, edited at 101
	seedForgettable(t, db, "span", 9)  // offered at 9, edited at 10
	mustEvent(t, db, Event{SuggestionID: "span", Outcome: Kept, At: at(30)})

	rep, err := db.Forget(ctx, ForgetSpec{Before: at(10)}, at(200))
	if err != nil {
		t.Fatal(err)
	}
	// "old" and "span" were created before minute 10: both go with all
	// their events and preferences; "new" stays.
	if rep.Suggestions != 2 || rep.Events != 5 || rep.Preferences != 2 {
		t.Errorf("report = %+v", rep)
	}
	if _, err := db.Suggestion(ctx, "new"); err != nil {
		t.Error(err)
	}
	n := 0
	db.Events(ctx, EventFilter{}, func(e Event) error {
		n++
		if e.SuggestionID != "new" {
			t.Errorf("event %d of %s survived", e.ID, e.SuggestionID)
		}
		return nil
	})
	if n != 2 {
		t.Errorf("%d events left, want 2", n)
	}
	mustVerify(t, db)
}

// With Before, events older than the cut-off go even when their suggestion
// stays, and preferences derived from them go too.
func TestForgetBeforeTakesOldEventsOfNewerSuggestions(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	s := suggestion("s", "set", 0, 20)
	mustOffer(t, db, s)
	early := mustEvent(t, db, Event{SuggestionID: "s", Outcome: Accepted, At: at(5)}) // clock skew: before the offer
	mustPrefs(t, db, Preference{CreatedAt: at(40), Kind: Label, SuggestionID: "s", Desirable: true, Weight: 1,
		Persona: "developer", Provenance: []int64{early}})
	rep, err := db.Forget(ctx, ForgetSpec{Before: at(10)}, at(50))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Suggestions != 0 || rep.Events != 1 || rep.Preferences != 1 {
		t.Errorf("report = %+v", rep)
	}
}

func TestForgetNeedsASelection(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seed(t, db)
	if _, err := db.Forget(context.Background(), ForgetSpec{}, at(1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty spec: %v, want ErrInvalid", err)
	}
	if _, err := db.Forget(context.Background(), ForgetSpec{All: true}, time.Time{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero now: %v, want ErrInvalid", err)
	}
}
