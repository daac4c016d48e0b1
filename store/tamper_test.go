package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// rewriteChainFrom recomputes the hashes of every audit row from seq on,
// as someone who rewrites the chain does (payloads changed by edit), and
// points audit_head at the new last row. The audit_no_update trigger must
// be gone.
func rewriteChainFrom(t *testing.T, raw *sql.DB, from int64, edit func(kind, ref, payload string) string) {
	t.Helper()
	var prev string
	if err := raw.QueryRow(`SELECT prev_hash FROM audit WHERE seq = ?`, from).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	rows, err := raw.Query(`SELECT seq, at, kind, ref, payload FROM audit WHERE seq >= ? ORDER BY seq`, from)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		seq, at            int64
		kind, ref, payload string
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.at, &r.kind, &r.ref, &r.payload); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	for _, r := range rs {
		payload := edit(r.kind, r.ref, r.payload)
		h, err := RowHash(prev, r.seq, time.Unix(0, r.at), AuditKind(r.kind), r.ref, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		tamper(t, raw, `UPDATE audit SET payload = '`+strings.ReplaceAll(payload, "'", "''")+`', prev_hash = '`+prev+`', hash = '`+h+`' WHERE seq = `+itoa(r.seq))
		prev = h
	}
	tamper(t, raw, `UPDATE audit_head SET seq = `+itoa(rs[len(rs)-1].seq)+`, hash = '`+prev+`'`)
}

// replaceDigest returns payload with its "digest" set to d.
func replaceDigest(t *testing.T, payload, d string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		t.Fatal(err)
	}
	m["digest"] = d
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tamperer opens a second, plain connection to the database, as an
// attacker with write access to the file would: no SyntX code involved.
func tamperer(t *testing.T, db *DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func tamper(t *testing.T, q *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := q.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// auditSeq returns the seq of the newest audit row of a kind and ref.
func auditSeq(t *testing.T, db *DB, kind AuditKind, ref string) int64 {
	t.Helper()
	var seq int64
	if err := db.sql.QueryRow(`SELECT max(seq) FROM audit WHERE kind = ? AND ref = ?`, kind, ref).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// The tampering: each changes the data an adapter is trained on,
// and each must be detected, naming the audit row of the data row.
func TestVerifyDetectsDataTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper []string
		kind   AuditKind
		ref    string // the data row named
		want   string
	}{
		{
			name:   "preference weight and label changed",
			tamper: []string{`UPDATE preferences SET weight = 100, desirable = 0 WHERE id = 2`},
			kind:   AuditPreference, ref: "2", want: "altered",
		},
		{
			name:   "kept event deleted",
			tamper: []string{`DELETE FROM events WHERE outcome = 'kept'`},
			kind:   AuditEvent, ref: "5", want: "deleted",
		},
		{
			name:   "suggestion deleted with its events and preferences (cascade)",
			tamper: []string{`DELETE FROM suggestions WHERE id = 's2'`},
			kind:   AuditSuggestion, ref: "s2", want: "deleted",
		},
		{
			name:   "suggestion text rewritten",
			tamper: []string{`UPDATE suggestions SET suggested_text = 'os.RemoveAll("/")' WHERE id = 's3'`},
			kind:   AuditSuggestion, ref: "s3", want: "altered",
		},
		{
			name:   "event outcome flipped",
			tamper: []string{`UPDATE events SET outcome = 'undone' WHERE outcome = 'kept'`},
			kind:   AuditEvent, ref: "5", want: "altered",
		},
		{
			name:   "preference inserted outside SyntX",
			tamper: []string{`INSERT INTO preferences (created_at, kind, suggestion_id, desirable, weight, persona) VALUES (1, 'label', 's3', 1, 50, 'developer')`},
			want:   "no audit row",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t, Options{})
			seed(t, db)
			mustVerify(t, db)
			var wantSeq int64
			if tt.ref != "" {
				wantSeq = auditSeq(t, db, tt.kind, tt.ref)
			}
			tamper(t, tamperer(t, db), tt.tamper...)
			rep, err := db.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK {
				t.Fatalf("Verify passed after %v", tt.tamper)
			}
			if !strings.Contains(rep.Problem, tt.want) {
				t.Errorf("problem = %q, want it to say %q", rep.Problem, tt.want)
			}
			if tt.ref != "" && (rep.Seq != wantSeq || !strings.Contains(rep.Row, tt.ref)) {
				t.Errorf("named seq %d (%s), want seq %d (%s %s): %v", rep.Seq, rep.Row, wantSeq, tt.kind, tt.ref, rep)
			}
		})
	}
}

// Someone who drops the triggers, cuts the chain's tail and points
// audit_head at the new last row leaves a chain that is consistent in
// itself: only an anchor outside the database catches it, the anchor log
// written on every commit or a head noted earlier (audit head).
func TestVerifyDetectsTruncationWithTheAnchor(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seed(t, db)
	before := mustVerify(t, db)
	head, err := db.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if head.Seq != before.Rows || head.Hash != before.Head {
		t.Fatalf("Head = %+v, Verify = %+v", head, before)
	}
	cut := head.Seq - 2
	tamper(t, tamperer(t, db),
		`DROP TRIGGER audit_no_delete`,
		`DELETE FROM preferences WHERE id IN (SELECT CAST(ref AS INTEGER) FROM audit WHERE kind = 'preference' AND seq > `+itoa(cut)+`)`,
		`DELETE FROM audit WHERE seq > `+itoa(cut),
		`UPDATE audit_head SET seq = (SELECT seq FROM audit WHERE seq = `+itoa(cut)+`), hash = (SELECT hash FROM audit WHERE seq = `+itoa(cut)+`)`)
	// Without an anchor the chain reads as intact: that is the weakness.
	rep, err := db.VerifyWith(context.Background(), VerifyOptions{NoAnchor: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("test is broken: the truncated chain should verify alone: %v", rep)
	}
	// The anchor log catches it, and so does the head noted before.
	for name, opts := range map[string]VerifyOptions{
		"anchor log": {},
		"--head":     {NoAnchor: true, Head: head.String()},
	} {
		rep, err := db.VerifyWith(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK || rep.Seq != cut+1 || !strings.Contains(rep.Problem, "removed") {
			t.Errorf("%s: %v, want row %d removed", name, rep, cut+1)
		}
	}
}

// Rewriting the chain from a row on (new hashes for that row and every
// later one, audit_head updated) is caught by the anchor log and by a head
// noted before, which name the first rewritten row.
func TestVerifyDetectsRewriteWithTheAnchor(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seed(t, db)
	ctx := context.Background()
	head, err := db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	from := auditSeq(t, db, AuditPreference, "2")
	raw := tamperer(t, db)
	// Change the preference and its audit row so that the row's digest
	// matches the new data, then rehash the chain from there.
	tamper(t, raw, `DROP TRIGGER audit_no_update`, `UPDATE preferences SET weight = 100 WHERE id = 2`)
	digest, ok, err := rowDigest(ctx, db.sql, AuditPreference, "2")
	if err != nil || !ok {
		t.Fatal(err)
	}
	rewriteChainFrom(t, raw, from, func(kind, ref, payload string) string {
		if kind == string(AuditPreference) && ref == "2" {
			return replaceDigest(t, payload, digest)
		}
		return payload
	})
	rep, err := db.VerifyWith(ctx, VerifyOptions{NoAnchor: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("test is broken: the rewritten chain should verify alone: %v", rep)
	}
	for name, opts := range map[string]VerifyOptions{
		"anchor log": {},
		"--head":     {NoAnchor: true, Head: head.String()},
	} {
		rep, err := db.VerifyWith(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK || !strings.Contains(rep.Problem, "rewritten") {
			t.Errorf("%s: %v, want a rewrite reported", name, rep)
		}
		// The anchor log has every row, so it names the first rewritten
		// one; a single head can only say the chain differs by then.
		if name == "anchor log" && rep.Seq != from {
			t.Errorf("anchor log names seq %d, want %d", rep.Seq, from)
		}
	}
}

// An adapter file swapped for another (same name, other weights) is
// detected through the file hash its audit row commits to.
func TestVerifyDetectsSwappedAdapterFile(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	adir := filepath.Join(filepath.Dir(db.Path()), "adapters")
	weights := []byte("adapter weights of v1")
	file := func(v string) string { return filepath.Join(adir, v, "adapter_model.safetensors") }
	if err := os.MkdirAll(filepath.Join(adir, "v1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file("v1"), weights, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.PutAdapter(ctx, Adapter{Version: "v1", SHA256: sha(string(weights)), State: AdapterActive}, at(5)); err != nil {
		t.Fatal(err)
	}
	rep, err := db.VerifyWith(ctx, VerifyOptions{AdapterFile: file})
	if err != nil || !rep.OK || rep.AdapterFiles != 1 {
		t.Fatalf("before the swap: %v, %v", rep, err)
	}
	if err := os.WriteFile(file("v1"), []byte("other weights"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err = db.VerifyWith(ctx, VerifyOptions{AdapterFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Seq != auditSeq(t, db, AuditAdapter, "v1") || !strings.Contains(rep.Problem, "file") {
		t.Errorf("after the swap: %v", rep)
	}
}
