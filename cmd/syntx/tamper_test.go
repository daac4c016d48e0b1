package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/store"
)

// The tamper tests (issue 15), through `syntx audit verify` on a home made
// by the real commands (learn --git, review --record, an editor session,
// a training run): each tampering is detected, the exit status is 1, and
// the output names the first bad row.

// copyDir copies a home so that each tampering starts from the same state.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func rawExec(t *testing.T, home string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "syntx.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func rawInt(t *testing.T, home, q string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "syntx.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// rewriteFrom recomputes the chain's hashes from seq on (after the caller
// changed a row), as a forger would, and moves the head.
func rewriteFrom(t *testing.T, home string, seq int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "syntx.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var prev string
	if err := db.QueryRow(`SELECT prev_hash FROM audit WHERE seq = ?`, seq).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT seq, at, kind, ref, payload FROM audit WHERE seq >= ? ORDER BY seq`, seq)
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
		rows.Scan(&r.seq, &r.at, &r.kind, &r.ref, &r.payload)
		rs = append(rs, r)
	}
	rows.Close()
	for _, r := range rs {
		h, err := store.RowHash(prev, r.seq, time.Unix(0, r.at), store.AuditKind(r.kind), r.ref, []byte(r.payload))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, h, r.seq); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
	if _, err := db.Exec(`UPDATE audit_head SET seq = ?, hash = ?`, rs[len(rs)-1].seq, prev); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	var outputs []string
	workspaceData(t, root, home, "ws-audit", "auditMarker", 14, time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC))
	cli(t, home, &outputs, "train", "--seed", "1")
	ok := cli(t, home, &outputs, "audit", "verify")
	if !strings.Contains(ok, "audit chain OK") || !strings.Contains(ok, "adapter files") {
		t.Fatalf("verify on an untouched home:\n%s", ok)
	}
	head := strings.TrimSpace(cli(t, home, &outputs, "audit", "head"))
	if _, err := store.ParseHead(head); err != nil {
		t.Fatalf("audit head printed %q: %v", head, err)
	}
	version := ""
	if b, err := os.ReadFile(filepath.Join(home, "adapters", "ACTIVE")); err == nil {
		version = strings.TrimSpace(string(b))
	}
	if version == "" {
		// The gate may reject the first adapter; its row and file are
		// checked all the same.
		ents, _ := os.ReadDir(filepath.Join(home, "adapters"))
		for _, e := range ents {
			if e.IsDir() && strings.HasPrefix(e.Name(), "v") {
				version = e.Name()
			}
		}
	}
	if version == "" {
		t.Fatal("test is broken: the training run left no adapter")
	}

	seqOf := func(h, kind, ref string) int64 {
		return rawInt(t, h, fmt.Sprintf(`SELECT max(seq) FROM audit WHERE kind = '%s' AND ref = '%s'`, kind, ref))
	}
	tests := []struct {
		name   string
		tamper func(h string) (wantSeq int64)
		args   []string
		want   string
	}{
		{"a preference's weight and label", func(h string) int64 {
			id := rawInt(t, h, `SELECT min(id) FROM preferences WHERE kind = 'label'`)
			rawExec(t, h, fmt.Sprintf(`UPDATE preferences SET weight = 100, desirable = 0 WHERE id = %d`, id))
			return seqOf(h, "preference", fmt.Sprint(id))
		}, nil, "altered"},
		{"a kept event deleted", func(h string) int64 {
			id := rawInt(t, h, `SELECT min(id) FROM events WHERE outcome = 'kept'`)
			rawExec(t, h, fmt.Sprintf(`DELETE FROM events WHERE id = %d`, id))
			return seqOf(h, "event", fmt.Sprint(id))
		}, nil, "deleted outside SyntX"},
		{"a suggestion deleted with what cascades", func(h string) int64 {
			db, _ := sql.Open("sqlite", "file:"+filepath.Join(h, "syntx.db"))
			var id string
			db.QueryRow(`SELECT id FROM suggestions ORDER BY created_at LIMIT 1`).Scan(&id)
			db.Close()
			rawExec(t, h, `DELETE FROM suggestions WHERE id = '`+id+`'`)
			return seqOf(h, "suggestion", id)
		}, nil, "deleted outside SyntX"},
		{"the adapter file swapped", func(h string) int64 {
			p := filepath.Join(h, "adapters", version, "adapter_model.safetensors")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-1] ^= 0xff // one weight's last byte
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return seqOf(h, "adapter", version)
		}, nil, "swapped"},
		{"the tail cut and the head moved", func(h string) int64 {
			last := rawInt(t, h, `SELECT max(seq) FROM audit`)
			cut := last - 3
			rawExec(t, h, `DROP TRIGGER audit_no_delete`,
				fmt.Sprintf(`DELETE FROM audit WHERE seq > %d`, cut),
				fmt.Sprintf(`UPDATE audit_head SET seq = %d, hash = (SELECT hash FROM audit WHERE seq = %d)`, cut, cut))
			os.Remove(filepath.Join(h, "audit-head.log")) // the forger takes the anchor log too
			return cut + 1
		}, []string{"--head", head}, "removed"},
		{"the chain rewritten from a row on", func(h string) int64 {
			id := rawInt(t, h, `SELECT max(id) FROM preferences`)
			seq := seqOf(h, "preference", fmt.Sprint(id))
			rawExec(t, h, `DROP TRIGGER audit_no_update`, fmt.Sprintf(`UPDATE preferences SET weight = 100 WHERE id = %d`, id))
			// The forger also rewrites the digest the row's audit row holds,
			// then every hash from there on.
			digest := recomputeDigest(t, h, id)
			var payload string
			sdb, _ := sql.Open("sqlite", "file:"+filepath.Join(h, "syntx.db"))
			sdb.QueryRow(`SELECT payload FROM audit WHERE seq = ?`, seq).Scan(&payload)
			sdb.Close()
			var m map[string]any
			json.Unmarshal([]byte(payload), &m)
			m["digest"] = digest
			b, _ := json.Marshal(m)
			rawExec(t, h, `UPDATE audit SET payload = '`+strings.ReplaceAll(string(b), "'", "''")+fmt.Sprintf(`' WHERE seq = %d`, seq))
			rewriteFrom(t, h, seq)
			os.Remove(filepath.Join(h, "scratch.log"))
			os.Remove(filepath.Join(h, "audit-head.log"))
			return 0 // a single head says the chain differs by then, not where it starts
		}, []string{"--head", head}, "rewritten"},
	}
	// The user kept a copy of the anchor log elsewhere: with it, the first
	// rewritten row is named exactly.
	backup := filepath.Join(root, "anchor-backup.log")
	copyFile(t, filepath.Join(home, "audit-head.log"), backup)
	rewrite := tests[len(tests)-1]
	tests = append(tests, struct {
		name   string
		tamper func(h string) (wantSeq int64)
		args   []string
		want   string
	}{"the chain rewritten, checked against a backed-up anchor log", func(h string) int64 {
		rewrite.tamper(h)
		id := rawInt(t, h, `SELECT max(id) FROM preferences`)
		return seqOf(h, "preference", fmt.Sprint(id))
	}, []string{"--anchor", backup}, "rewritten"})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := filepath.Join(root, fmt.Sprintf("copy%d", i))
			copyDir(t, home, h)
			wantSeq := tt.tamper(h)
			out, err := runCLI(t, h, append([]string{"audit", "verify"}, tt.args...)...)
			if err == nil || !strings.Contains(out, "BROKEN") || !strings.Contains(out, tt.want) {
				t.Fatalf("audit verify after %s: %v\n%s", tt.name, err, out)
			}
			if wantSeq > 0 && !strings.Contains(out, fmt.Sprintf("BROKEN at row %d", wantSeq)) {
				t.Errorf("audit verify does not name row %d:\n%s", wantSeq, out)
			}
			t.Logf("%s: %s", tt.name, strings.TrimSpace(out))
		})
	}
}

// recomputeDigest returns the digest a preference row has now, as the
// store computes it.
func recomputeDigest(t *testing.T, home string, id int64) string {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(home, "syntx.db"), store.Options{AnchorPath: filepath.Join(home, "scratch.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := db.RowDigest(t.Context(), store.AuditPreference, fmt.Sprint(id))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
