package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/syntx/syntx/internal/redact"
)

// runTasks finishes, in the migration's transaction, the tasks a migration
// script left in migration_tasks, and returns what the user should be told.
// A task this build does not know is an error: the database was migrated
// by a newer SyntX whose task did not finish, and is left as it is.
func (db *DB) runTasks(ctx context.Context, tx *wtx, now time.Time) ([]string, error) {
	var n int
	if err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'migration_tasks'`).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT task FROM migration_tasks ORDER BY task`)
	if err != nil {
		return nil, fmt.Errorf("read migration tasks: %w", err)
	}
	var tasks []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read migration tasks: %w", err)
		}
		tasks = append(tasks, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read migration tasks: %w", err)
	}
	var notes []string
	for _, t := range tasks {
		switch t {
		case "keyed-hashes-and-data-chain":
			note, err := db.keyHashesAndSeal(ctx, tx, now)
			if err != nil {
				return nil, fmt.Errorf("migration task %s: %w", t, err)
			}
			if note != "" {
				notes = append(notes, note)
			}
		default:
			return nil, fmt.Errorf("store: %s has migration task %q, which this build does not know: %w", db.path, t, ErrNewerSchema)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM migration_tasks WHERE task = ?`, t); err != nil {
			return nil, fmt.Errorf("migration task %s: %w", t, err)
		}
	}
	return notes, nil
}

// migrationPayload is the audit record of keyHashesAndSeal: counts only.
type migrationPayload struct {
	Task               string `json:"task"`
	DroppedPlainHashes int64  `json:"dropped_plain_hashes"`
	Rehashed           int64  `json:"rehashed"`
	Reredacted         int64  `json:"reredacted"`
	Sealed             int64  `json:"sealed"`
}

// keyHashesAndSeal converts a database written before keyed hashes: every
// plain SHA-256 of code or of a path is dropped (it cannot be converted:
// the text it was made from is not stored, or was stored redacted), stored
// texts are redacted again with the current patterns and hashed under the
// key, every data row gets its salt, and every data row is sealed into the
// audit chain with its digest. It says what it did, also in the chain.
func (db *DB) keyHashesAndSeal(ctx context.Context, tx *wtx, now time.Time) (string, error) {
	key, err := db.keys.current()
	if err != nil {
		return "", err
	}
	c := &keyedConversion{key: key}
	c.p.Task = "keyed-hashes-and-data-chain"
	if err := c.suggestions(ctx, tx); err != nil {
		return "", err
	}
	if err := c.events(ctx, tx); err != nil {
		return "", err
	}
	if err := c.preferences(ctx, tx); err != nil {
		return "", err
	}
	// Seal every data row, in dependency order.
	if err := c.seal(ctx, tx, now); err != nil {
		return "", err
	}
	p := c.p
	if p.Sealed == 0 && p.DroppedPlainHashes == 0 {
		return "", nil // a new database: nothing to convert
	}
	if err := appendAudit(ctx, tx, now, AuditMigration, p.Task, p); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s converted to keyed hashes and a data-covering audit chain: dropped %d plain SHA-256 hashes of code and paths "+
		"(they could confirm guesses of the original text), redacted %d stored texts again (%d changed), sealed %d rows into the audit chain; "+
		"audit rows written before keep the plain SHA-256 of any workspace forgotten then (the chain cannot be rewritten)",
		db.path, p.DroppedPlainHashes, p.Rehashed, p.Reredacted, p.Sealed), nil
}

// keyedConversion is one run of keyHashesAndSeal: the key stored texts
// are hashed under and the counts its audit record reports.
type keyedConversion struct {
	key []byte
	p   migrationPayload
}

// text re-redacts a stored text and returns it with its keyed hash.
func (c *keyedConversion) text(t sql.NullString) (sql.NullString, string) {
	if !t.Valid {
		return t, ""
	}
	red, n := redact.Redact(t.String)
	if n > 0 {
		c.p.Reredacted++
	}
	c.p.Rehashed++
	return sql.NullString{String: red, Valid: true}, hashWith(c.key, red)
}

// dropped counts a legacy hash that goes.
func (c *keyedConversion) dropped(h sql.NullString) {
	if h.Valid && h.String != "" {
		c.p.DroppedPlainHashes++
	}
}

// suggestions drops the plain hashes of every suggestion (of its texts and
// of a hashed document path), redacts and hashes its texts again and gives
// it a salt.
func (c *keyedConversion) suggestions(ctx context.Context, tx *wtx) error {
	type sugg struct {
		id, doc          string
		orig, sg         sql.NullString
		origHash, sgHash sql.NullString
	}
	var ss []sugg
	if err := queryAll(ctx, tx, `SELECT id, document, original_text, suggested_text, original_sha256, suggested_sha256 FROM suggestions`,
		func(r *sql.Rows) error {
			var s sugg
			if err := r.Scan(&s.id, &s.doc, &s.orig, &s.sg, &s.origHash, &s.sgHash); err != nil {
				return err
			}
			ss = append(ss, s)
			return nil
		}); err != nil {
		return err
	}
	for _, s := range ss {
		c.dropped(s.origHash)
		c.dropped(s.sgHash)
		doc := s.doc
		if len(doc) > len("sha256:") && doc[:len("sha256:")] == "sha256:" {
			c.p.DroppedPlainHashes++
			doc = "hash-dropped"
		}
		orig, oh := c.text(s.orig)
		sg, sh := c.text(s.sg)
		if _, err := tx.ExecContext(ctx, `UPDATE suggestions SET document = ?, original_text = ?, suggested_text = ?,
			original_sha256 = ?, suggested_sha256 = ?, salt = ? WHERE id = ?`,
			doc, orig, sg, oh, sh, newSalt(), s.id); err != nil {
			return fmt.Errorf("convert suggestion %s: %w", s.id, err)
		}
	}
	return nil
}

// events drops the plain hash of every event's final text, redacts and
// hashes that text again and gives the event a salt.
func (c *keyedConversion) events(ctx context.Context, tx *wtx) error {
	type ev struct {
		id          int64
		final, hash sql.NullString
	}
	var es []ev
	if err := queryAll(ctx, tx, `SELECT id, final_text, final_sha256 FROM events`, func(r *sql.Rows) error {
		var e ev
		if err := r.Scan(&e.id, &e.final, &e.hash); err != nil {
			return err
		}
		es = append(es, e)
		return nil
	}); err != nil {
		return err
	}
	for _, e := range es {
		c.dropped(e.hash)
		final, fh := c.text(e.final)
		var hash sql.NullString
		if e.hash.Valid { // a text was given: keep the marker, keyed or empty
			hash = sql.NullString{String: fh, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET final_text = ?, final_sha256 = ?, salt = ? WHERE id = ?`,
			final, hash, newSalt(), e.id); err != nil {
			return fmt.Errorf("convert event %d: %w", e.id, err)
		}
	}
	return nil
}

// preferences drops the plain hashes of every preference's chosen and
// rejected texts, redacts and hashes them again and gives it a salt.
func (c *keyedConversion) preferences(ctx context.Context, tx *wtx) error {
	type pref struct {
		id             int64
		ct, ch, rt, rh sql.NullString
	}
	var ps []pref
	if err := queryAll(ctx, tx, `SELECT id, chosen_text, chosen_sha256, rejected_text, rejected_sha256 FROM preferences`,
		func(r *sql.Rows) error {
			var x pref
			if err := r.Scan(&x.id, &x.ct, &x.ch, &x.rt, &x.rh); err != nil {
				return err
			}
			ps = append(ps, x)
			return nil
		}); err != nil {
		return err
	}
	for _, x := range ps {
		c.dropped(x.ch)
		c.dropped(x.rh)
		ct, cth := c.text(x.ct)
		rt, rth := c.text(x.rt)
		var ch, rh sql.NullString
		if x.ch.Valid {
			ch = sql.NullString{String: cth, Valid: true}
		}
		if x.rh.Valid {
			rh = sql.NullString{String: rth, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE preferences SET chosen_text = ?, chosen_sha256 = ?,
			rejected_text = ?, rejected_sha256 = ?, salt = ? WHERE id = ?`, ct, ch, rt, rh, newSalt(), x.id); err != nil {
			return fmt.Errorf("convert preference %d: %w", x.id, err)
		}
	}
	return nil
}

// seal appends a seal row with its digest for every data row, in
// dependency order.
func (c *keyedConversion) seal(ctx context.Context, tx *wtx, now time.Time) error {
	for _, kind := range dataKinds {
		t := dataTables[kind]
		var refs []string
		if err := queryAll(ctx, tx, `SELECT CAST(`+t.key+` AS TEXT) FROM `+t.table+` ORDER BY rowid`, func(r *sql.Rows) error {
			var ref string
			if err := r.Scan(&ref); err != nil {
				return err
			}
			refs = append(refs, ref)
			return nil
		}); err != nil {
			return err
		}
		for _, ref := range refs {
			d, ok, err := rowDigest(ctx, tx, kind, ref)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := appendAudit(ctx, tx, now, AuditSeal, sealRef(kind, ref), sealPayload{Digest: d}); err != nil {
				return err
			}
			c.p.Sealed++
		}
	}
	return nil
}

// sealPayload is the payload of a seal row: the digest of the data row its
// ref ("kind:key") names, for rows written before the chain covered data.
type sealPayload struct {
	Digest string `json:"digest"`
}

func sealRef(kind AuditKind, ref string) string { return string(kind) + ":" + ref }

// queryer is a transaction, read-only (Status) or read-write (wtx).
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs q and calls fn for each row.
func queryAll(ctx context.Context, tx queryer, q string, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}
