package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyIntactChain(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	rep := mustVerify(t, db)
	if rep.Rows != 0 || rep.Head != "" {
		t.Errorf("empty log: %+v", rep)
	}
	seed(t, db)
	rep = mustVerify(t, db)
	// 3 suggestions, 3 offered + accepted + kept + dismissed events, 3
	// preferences.
	if rep.Rows != 12 {
		t.Errorf("Rows = %d, want 12", rep.Rows)
	}
	if rep.DataRows != 12 || rep.Anchored != 12 {
		t.Errorf("checked %d data rows and %d anchored rows, want 12 and 12", rep.DataRows, rep.Anchored)
	}
	if !strings.Contains(rep.String(), "intact") {
		t.Errorf("String() = %q", rep.String())
	}
}

// The chain is append-only for SyntX itself: triggers refuse changes.
func TestAuditIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seed(t, db)
	ctx := context.Background()
	for _, q := range []string{`UPDATE audit SET payload = '{}' WHERE seq = 1`, `DELETE FROM audit WHERE seq = 1`} {
		if _, err := db.sql.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only refusal", q, err)
		}
	}
}

// Someone who drops the triggers can change rows; Verify must then name the
// first damaged one.
func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tamper  []string
		wantSeq int64
		want    string
	}{
		{
			name:    "payload altered",
			tamper:  []string{`UPDATE audit SET payload = replace(payload, '"outcome":"offered"', '"outcome":"kept"') WHERE seq = 2`},
			wantSeq: 2, want: "content altered",
		},
		{
			name:    "time altered",
			tamper:  []string{`UPDATE audit SET at = at + 1 WHERE seq = 5`},
			wantSeq: 5, want: "content altered",
		},
		{
			name:    "row deleted",
			tamper:  []string{`DELETE FROM audit WHERE seq = 4`},
			wantSeq: 4, want: "row removed",
		},
		{
			name:    "first row deleted",
			tamper:  []string{`DELETE FROM audit WHERE seq = 1`},
			wantSeq: 1, want: "row removed",
		},
		{
			name:    "last row deleted",
			tamper:  []string{`DELETE FROM audit WHERE seq = 12`},
			wantSeq: 12, want: "row removed",
		},
		{
			name: "two rows swapped",
			tamper: []string{
				`UPDATE audit SET seq = -2 WHERE seq = 2`,
				`UPDATE audit SET seq = 2 WHERE seq = 6`,
				`UPDATE audit SET seq = 6 WHERE seq = -2`,
			},
			wantSeq: 2, want: "out of order",
		},
		{
			name: "adjacent rows swapped",
			tamper: []string{
				`UPDATE audit SET seq = -7 WHERE seq = 7`,
				`UPDATE audit SET seq = 7 WHERE seq = 8`,
				`UPDATE audit SET seq = 8 WHERE seq = -7`,
			},
			wantSeq: 7, want: "out of order",
		},
		{
			name:    "deleted then renumbered",
			tamper:  []string{`DELETE FROM audit WHERE seq = 5`, `UPDATE audit SET seq = seq - 1 WHERE seq > 5`},
			wantSeq: 5, want: "link broken",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t, Options{})
			seed(t, db)
			mustVerify(t, db)
			ctx := context.Background()
			stmts := append([]string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`}, tt.tamper...)
			for _, q := range stmts {
				if _, err := db.sql.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			rep, err := db.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if rep.OK {
				t.Fatal("Verify did not notice")
			}
			if rep.Seq != tt.wantSeq || !strings.Contains(rep.Problem, tt.want) {
				t.Errorf("Verify = seq %d %q, want seq %d %q", rep.Seq, rep.Problem, tt.wantSeq, tt.want)
			}
		})
	}
}

// A forger who recomputes the altered row's own hash still breaks the next
// row's link, and cannot fix that without rewriting the rest of the chain.
func TestVerifyDetectsRehashedRow(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seed(t, db)
	ctx := context.Background()
	var r AuditRow
	err := db.AuditLog(ctx, time.Time{}, func(a AuditRow) error {
		if a.Seq == 2 { // s1's offered event
			r = a
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	forged := []byte(strings.Replace(string(r.Payload), "offered", "kept", 1))
	h, err := RowHash(r.PrevHash, r.Seq, r.At, r.Kind, r.Ref, forged)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_no_update`} {
		if _, err := db.sql.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.sql.ExecContext(ctx, `UPDATE audit SET payload = ?, hash = ? WHERE seq = 2`, string(forged), h); err != nil {
		t.Fatal(err)
	}
	rep, err := db.VerifyWith(ctx, VerifyOptions{NoAnchor: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Seq != 3 || !strings.Contains(rep.Problem, "seq 2 was altered") {
		t.Errorf("Verify = %v, want seq 3 naming seq 2", rep)
	}
	// The anchor log holds seq 2's real hash: it names the row itself.
	rep, err = db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Seq != 2 || !strings.Contains(rep.Problem, "rewritten") {
		t.Errorf("Verify with the anchor log = %v, want seq 2 rewritten", rep)
	}
}

func TestRowHashIsUnambiguous(t *testing.T) {
	t.Parallel()
	a, err := RowHash(genesisHash, 1, t0, AuditEvent, "12", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	// Moving a byte between adjacent fields must change the hash.
	b, _ := RowHash(genesisHash, 1, t0, AuditEvent, "1", []byte(`2{}`))
	c, _ := RowHash(genesisHash, 11, t0, AuditEvent, "2", []byte(`{}`))
	if a == b || a == c || b == c {
		t.Error("field boundaries are ambiguous")
	}
	if _, err := RowHash("zz", 1, t0, AuditEvent, "", nil); err == nil {
		t.Error("bad previous hash accepted")
	}
}

func TestAuditLogSince(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seed(t, db)
	ctx := context.Background()
	var all, late []AuditRow
	if err := db.AuditLog(ctx, time.Time{}, func(r AuditRow) error { all = append(all, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 {
		t.Fatalf("%d rows, want 12", len(all))
	}
	prev := genesisHash
	for i, r := range all {
		if r.Seq != int64(i+1) || r.PrevHash != prev {
			t.Errorf("row %d: seq %d prev %s", i, r.Seq, r.PrevHash)
		}
		prev = r.Hash
	}
	if err := db.AuditLog(ctx, at(16), func(r AuditRow) error { late = append(late, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(late) != 3 { // kept event, pair and label at minute 16
		t.Errorf("since minute 16: %d rows, want 3", len(late))
	}
	for _, r := range late {
		if r.At.Before(at(16)) {
			t.Errorf("row %d at %v is before since", r.Seq, r.At)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := db.AuditLog(ctx, time.Time{}, func(AuditRow) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: got %v after %d rows", err, n)
	}
}

// Payloads hold ids, outcomes and rule ids: never code, paths or workspaces.
func TestAuditPayloadsHoldNoContent(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seed(t, db)
	s := suggestion("s9", "set9", 0, 30)
	mustOffer(t, db, s)
	ev := mustEvent(t, db, Event{SuggestionID: "s9", Outcome: Edited, At: at(31), FinalText: "rows, err := db.QueryContext(ctx, q, name) // mine"})
	mustPrefs(t, db, Preference{CreatedAt: at(31), Kind: Pair, Weight: 1, Persona: "developer", Provenance: []int64{ev},
		Chosen:   Side{Text: "rows, err := db.QueryContext(ctx, q, name) // mine", Role: RoleDeveloper},
		Rejected: Side{SuggestionID: "s9", Role: RoleSuggestion}})
	if _, err := db.Forget(context.Background(), ForgetSpec{Workspace: s.Workspace}, at(40)); err != nil {
		t.Fatal(err)
	}
	forbidden := []string{s.Workspace, s.Document, "db.Query", "QueryContext", "SELECT", "shop"}
	err := db.AuditLog(context.Background(), time.Time{}, func(r AuditRow) error {
		if !json.Valid(r.Payload) {
			t.Errorf("seq %d: payload is not JSON", r.Seq)
		}
		for _, f := range forbidden {
			if strings.Contains(string(r.Payload), f) || strings.Contains(r.Ref, f) {
				t.Errorf("seq %d (%s) holds %q: %s", r.Seq, r.Kind, f, r.Payload)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, db)
}
