package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/internal/redact"
)

// The attack: with code storage off, the store kept a plain
// SHA-256 of the unredacted text, so the redacted text (or a guess of the
// code around the secret) plus a few guesses of the secret recovered it.
// No stored hash may be a plain hash of the text, redacted or not, nor of
// the document path.
func TestStoredHashesAreNoGuessingOracle(t *testing.T) {
	t.Parallel()
	for _, storeCode := range []bool{false, true} {
		t.Run(fmt.Sprintf("store_code=%v", storeCode), func(t *testing.T) {
			t.Parallel()
			db := openTest(t, Options{DiscardCode: !storeCode})
			ctx := context.Background()
			s := suggestion("g1", "gset", 0, 0)
			s.OriginalText = `if err := db.Ping(); err != nil { password := "summer2024"; log.Print(password) }`
			s.SuggestedText = `if err := db.PingContext(ctx); err != nil { password := "summer2024"; log.Print(password) }`
			mustOffer(t, db, s)
			ev := mustEvent(t, db, Event{SuggestionID: "g1", Outcome: Edited, At: at(1),
				FinalText: `password := "summer2024" // edited`})
			mustPrefs(t, db, Preference{CreatedAt: at(1), Kind: Pair, Weight: 1, Persona: "developer",
				Provenance: []int64{ev}, Chosen: Side{Text: `password := "summer2024" // edited`, Role: RoleDeveloper},
				Rejected: Side{SuggestionID: "g1", Role: RoleSuggestion}})

			var stored []string
			got, err := db.Suggestion(ctx, "g1")
			if err != nil {
				t.Fatal(err)
			}
			stored = append(stored, got.OriginalSHA256, got.SuggestedSHA256, strings.TrimPrefix(got.Document, "hmac-sha256:"))
			db.Events(ctx, EventFilter{}, func(e Event) error { stored = append(stored, e.FinalSHA256); return nil })
			db.Preferences(ctx, PreferenceFilter{}, func(p Preference) error {
				stored = append(stored, p.Chosen.SHA256, p.Rejected.SHA256)
				return nil
			})
			guesses := []string{"123456", "password", "letmein", "summer2023", "summer2024", "winter2024", "hunter2", "qwerty"}
			texts := []string{s.OriginalText, s.SuggestedText, `password := "summer2024" // edited`}
			plain := map[string]string{sha(s.Document): "the document path"}
			for _, tx := range texts {
				red, _ := redact.Redact(tx)
				plain[sha(red)] = "the redacted text"
				for _, g := range guesses {
					plain[sha(strings.ReplaceAll(tx, "summer2024", g))] = "guess " + g
				}
			}
			for _, h := range stored {
				if what, ok := plain[h]; ok {
					t.Errorf("a stored hash is the plain SHA-256 of %s: %s", what, h)
				}
			}
			if storeCode {
				return
			}
			// With code storage off no stored byte holds the secret or the path.
			db.Close()
			for _, p := range []string{db.Path(), db.Path() + "-wal"} {
				b, err := os.ReadFile(p)
				if err != nil {
					continue
				}
				for _, m := range []string{"summer2024", "db/query.go"} {
					if strings.Contains(string(b), m) {
						t.Errorf("%s holds %q with code storage off", filepath.Base(p), m)
					}
				}
			}
		})
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// The hash key is per install, 0600, and equal texts hash equal under it
// (so the hashes still serve equality), differently under another key.
func TestHashKeyIsPerInstall(t *testing.T) {
	t.Parallel()
	dir1, dir2 := t.TempDir(), t.TempDir()
	db1 := openAt(t, filepath.Join(dir1, "syntx.db"), Options{})
	db2 := openAt(t, filepath.Join(dir2, "syntx.db"), Options{})
	const text = `token := os.Getenv("TOKEN")`
	if h1, h2 := db1.Hash(text), db1.Hash(text); h1 != h2 || h1 == "" {
		t.Errorf("Hash is not deterministic: %q, %q", h1, h2)
	}
	if db1.Hash(text) == db2.Hash(text) {
		t.Error("two installs hash alike: the key is not per install")
	}
	if db1.Hash(text) == sha(text) {
		t.Error("Hash is a plain SHA-256")
	}
	fi, err := os.Stat(filepath.Join(dir1, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	// Reopening keeps the key.
	h := db1.Hash(text)
	db1.Close()
	db3 := openAt(t, filepath.Join(dir1, "syntx.db"), Options{})
	if db3.Hash(text) != h {
		t.Error("reopening changed the key")
	}
}

// A second handle (another editor window, the server while the CLI runs
// forget --all) picks the rotated key up on its next write.
func TestForgetAllRotatesTheKeyForEveryHandle(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "syntx.db")
	a := openAt(t, path, Options{})
	b := openAt(t, path, Options{})
	const text = "x := compute(y)"
	old := a.Hash(text)
	if b.Hash(text) != old {
		t.Fatal("two handles disagree on the key")
	}
	seed(t, a)
	rep, err := b.Forget(context.Background(), ForgetSpec{All: true}, at(30))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.KeyRotated {
		t.Error("forget --all did not rotate the key")
	}
	if b.Hash(text) == old || a.Hash(text) != b.Hash(text) {
		t.Errorf("after rotation: a %s, b %s, old %s", a.Hash(text), b.Hash(text), old)
	}
	// The other handle writes under the new key.
	s := suggestion("n1", "nset", 0, 40)
	mustOffer(t, a, s)
	got, err := a.Suggestion(context.Background(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	if got.OriginalSHA256 != b.Hash(s.OriginalText) {
		t.Error("a write after the rotation used the old key")
	}
	mustVerify(t, a)
}

// Forget deletes the adapters trained on what it deletes, keeps those
// trained before, and the chain still verifies; a row deleted behind its
// back does not.
func TestForgetDeletesAdaptersTrainedOnForgottenPreferences(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	seed(t, db) // workspace /home/dev/shop, preferences 1-3
	var last int64
	db.Preferences(ctx, PreferenceFilter{}, func(p Preference) error { last = p.ID; return nil })
	id1, err := db.RecordRunAdapter(ctx, Run{StartedAt: at(20), FinishedAt: at(21), Objective: "kl", Decision: RunAccepted,
		AdapterVersion: "v1", AdapterSHA256: sha("v1"), LastPreferenceID: last}, AdapterActive, at(21))
	if err != nil {
		t.Fatal(err)
	}
	seedForgettable(t, db, "f1", 30) // another workspace: preference 4
	_, err = db.RecordRunAdapter(ctx, Run{StartedAt: at(40), FinishedAt: at(41), Objective: "kl", Decision: RunAccepted,
		AdapterVersion: "v2", AdapterSHA256: sha("v2"), LastPreferenceID: last + 1}, AdapterActive, at(41))
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, db)

	rep, err := db.Forget(ctx, ForgetSpec{Workspace: testForgetWS}, at(50))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Adapters) != 1 || rep.Adapters[0] != "v2" || !rep.ActiveDeleted || rep.KeyRotated {
		t.Errorf("report = %+v, want v2 deleted (it was active), v1 kept, no rotation", rep)
	}
	as, _ := db.Adapters(ctx)
	if len(as) != 1 || as[0].Version != "v1" || as[0].RunID != id1 {
		t.Errorf("adapters left: %+v", as)
	}
	if _, ok, _ := db.ActiveAdapter(ctx); ok {
		t.Error("an adapter is still active in the store")
	}
	mustVerify(t, db)
	// The forget is recorded with the adapters and the rows it removed,
	// and no content.
	var p forgetPayload
	db.AuditLog(ctx, at(50), func(r AuditRow) error { return json.Unmarshal(r.Payload, &p) })
	if len(p.Adapters) != 1 || len(p.Rows) == 0 || p.Preferences != 1 {
		t.Errorf("forget payload %+v", p)
	}

	// forget --all takes v1 too.
	rep, err = db.Forget(ctx, ForgetSpec{All: true}, at(60))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Adapters) != 1 || rep.Adapters[0] != "v1" || !rep.KeyRotated {
		t.Errorf("forget --all report %+v", rep)
	}
	mustVerify(t, db)
	// Deleting data behind SyntX's back is still caught after forgets.
	seed(t, db)
	tamper(t, tamperer(t, db), `DELETE FROM events WHERE outcome = 'dismissed'`)
	if rep := must(db.Verify(ctx)); rep.OK || !strings.Contains(rep.Problem, "deleted outside SyntX") {
		t.Errorf("after a deletion outside SyntX: %v", rep)
	}
}

// A database written before keyed hashes (schema 1) is converted on open:
// plain hashes dropped, stored texts redacted again with the current
// patterns, every row sealed into the chain, and the migration says so.
func TestMigrationFromPlainHashes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "syntx.db")
	legacySecret := `Quartz64!river1` // positional: the old redactor missed it
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	orig := `req.SetBasicAuth("admin", "` + legacySecret + `")`
	tamper(t, raw,
		`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`,
		fmt.Sprintf("PRAGMA application_id = %d", applicationID),
		schemaV1,
		`INSERT INTO schema_version VALUES (1, 0)`,
		`INSERT INTO suggestions (id, created_at, workspace, document, language, rule_id, category, start_line, start_char,
			end_line, end_char, candidate_set, rank, score, trigger, persona, original_text, suggested_text, original_sha256, suggested_sha256)
		 VALUES ('old1', 1, '/w', 'sha256:`+sha("/w/a.go")+`', 'go', 'go.x', 'security', 0, 0, 0, 1, 'set', 0, 0.5, 'invoked', 'developer',
		         '`+strings.ReplaceAll(orig, "'", "''")+`', 'x', '`+sha(orig)+`', '`+sha("x")+`')`,
		`INSERT INTO events (suggestion_id, outcome, at, persona, final_text, final_sha256) VALUES ('old1', 'edited', 2, 'developer', NULL, '`+sha("mine")+`')`,
		`INSERT INTO runs (started_at, objective, data_counts) VALUES (3, 'kl', '{"last_preference_id": 7}')`,
	)
	// Its chain, as the old build wrote it (no digests).
	prev := genesisHash
	for i, row := range []struct{ kind, ref, payload string }{
		{"event", "1", `{"suggestion":"old1","outcome":"edited"}`},
		{"run", "1", `{"objective":"kl"}`},
	} {
		h, err := RowHash(prev, int64(i+1), time.Unix(0, int64(i+2)), AuditKind(row.kind), row.ref, []byte(row.payload))
		if err != nil {
			t.Fatal(err)
		}
		tamper(t, raw, fmt.Sprintf(`INSERT INTO audit VALUES (%d, %d, '%s', '%s', '%s', '%s', '%s')`, i+1, i+2, row.kind, row.ref, row.payload, prev, h),
			fmt.Sprintf(`INSERT INTO audit_head VALUES (1, %d, '%s') ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, i+1, h))
		prev = h
	}
	raw.Close()

	var logged strings.Builder
	db := openAt(t, path, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	ctx := context.Background()
	s, err := db.Suggestion(ctx, "old1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.OriginalText, legacySecret) || s.OriginalSHA256 == sha(orig) || s.OriginalSHA256 != db.Hash(orig) {
		t.Errorf("suggestion not converted: %+v", s)
	}
	if s.Document != "hash-dropped" {
		t.Errorf("document = %q, want the plain hash dropped", s.Document)
	}
	db.Events(ctx, EventFilter{}, func(e Event) error {
		if e.FinalSHA256 != "" {
			t.Errorf("event kept hash %q", e.FinalSHA256)
		}
		return nil
	})
	runs, _ := db.Runs(ctx, 0)
	if len(runs) != 1 || runs[0].LastPreferenceID != 7 {
		t.Errorf("runs = %+v, want last_preference_id 7 from its data counts", runs)
	}
	rep := mustVerify(t, db)
	if rep.DataRows != 3 {
		t.Errorf("checked %d data rows, want 3", rep.DataRows)
	}
	var mig migrationPayload
	db.AuditLog(ctx, time.Time{}, func(r AuditRow) error {
		if r.Kind == AuditMigration {
			return json.Unmarshal(r.Payload, &mig)
		}
		return nil
	})
	if mig.DroppedPlainHashes != 4 || mig.Sealed != 3 || mig.Reredacted != 1 {
		t.Errorf("migration row %+v, want 4 hashes dropped (2 texts, the path, the event), 3 rows sealed, 1 text redacted again", mig)
	}
	if !strings.Contains(logged.String(), "dropped 4 plain SHA-256 hashes") {
		t.Errorf("the migration did not say so: %q", logged.String())
	}
	// Tampering with a sealed row is caught like any other.
	tamper(t, tamperer(t, db), `UPDATE runs SET last_preference_id = 1`)
	if rep := must(db.Verify(ctx)); rep.OK || !strings.Contains(rep.Row, "run 1") {
		t.Errorf("sealed run altered: %v", rep)
	}
}
