package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ForgetSpec selects what Forget deletes. All selects everything; otherwise
// Workspace and Before narrow the selection and at least one must be set.
type ForgetSpec struct {
	All       bool
	Workspace string    // only data of this workspace
	Before    time.Time // only data recorded before this time
}

// ForgetReport says what Forget deleted.
type ForgetReport struct {
	Suggestions int64
	Events      int64
	Preferences int64
	// Adapters are the adapter versions deleted from the store because
	// they were trained on a forgotten preference (a run that read
	// preferences up to an id at or above the smallest one forgotten), or
	// on data that cannot be traced (no run recorded). Their directories
	// are the caller's to remove (train.Forget does, under the adapters
	// lock).
	Adapters []string
	// ActiveDeleted reports that the active adapter was among them: no
	// adapter is active in the store now.
	ActiveDeleted bool
	// KeyRotated reports that the hash key was replaced (forget --all):
	// the keyed hashes left anywhere no longer match anything.
	KeyRotated bool
	// Checkpointed reports that the write-ahead log was emptied after the
	// VACUUM. It is false when another connection kept reading throughout
	// the busy timeout; the old pages then leave the log at the next
	// checkpoint.
	Checkpointed bool
}

// forgetPayload is the audit record of a forget: what was asked and how
// much went, never what it was. The workspace appears as its keyed hash.
// Rows lists, as ranges of seqs, the audit rows whose data rows (a
// suggestion, event or preference) went, and Adapters the adapters, so
// that Verify tells a forgotten row from one deleted behind SyntX's back.
type forgetPayload struct {
	All         bool       `json:"all"`
	Workspace   string     `json:"workspace_hmac,omitempty"`
	Before      string     `json:"before,omitempty"`
	Suggestions int64      `json:"suggestions"`
	Events      int64      `json:"events"`
	Preferences int64      `json:"preferences"`
	Adapters    []string   `json:"adapters,omitempty"`
	KeyRotated  bool       `json:"key_rotated,omitempty"`
	Rows        [][2]int64 `json:"rows"`
}

// The selections, with ?1 workspace, ?2 before (unix ns), ?3 whether a
// workspace is given, ?4 whether a time is given. An event or preference
// belongs to the workspace of its suggestion(s); with Before it goes when
// it, or its suggestion, is older than Before. A preference also goes with
// any event it was derived from, and everything goes with its suggestion.
// The ids are gathered in temporary tables first, so that what is deleted
// is exactly what the audit row says.
const (
	forgetWorkspace   = `(?3 = 0 OR s.workspace = ?1)`
	forgetSuggestions = `INSERT INTO temp.forget_s SELECT s.id FROM suggestions AS s WHERE ` + forgetWorkspace + ` AND (?4 = 0 OR s.created_at < ?2)`
	forgetEvents      = `INSERT INTO temp.forget_e SELECT e.id FROM events e JOIN suggestions s ON s.id = e.suggestion_id
		WHERE (` + forgetWorkspace + ` AND (?4 = 0 OR s.created_at < ?2 OR e.at < ?2))
		   OR e.suggestion_id IN (SELECT id FROM temp.forget_s)`
	forgetPreferences = `INSERT INTO temp.forget_p SELECT p.id FROM preferences p
		WHERE EXISTS (SELECT 1 FROM suggestions s
		              WHERE s.id IN (p.chosen_suggestion_id, p.rejected_suggestion_id, p.suggestion_id)
		                AND ` + forgetWorkspace + ` AND (?4 = 0 OR s.created_at < ?2 OR p.created_at < ?2))
		   OR EXISTS (SELECT 1 FROM json_each(p.provenance) j WHERE j.value IN (SELECT id FROM temp.forget_e))
		   OR p.chosen_suggestion_id IN (SELECT id FROM temp.forget_s)
		   OR p.rejected_suggestion_id IN (SELECT id FROM temp.forget_s)
		   OR p.suggestion_id IN (SELECT id FROM temp.forget_s)`
	// The audit rows of the data rows that go (their own and their seals).
	forgetSeqs = `SELECT seq FROM audit WHERE
		   (kind = 'suggestion' AND ref IN (SELECT id FROM temp.forget_s))
		OR (kind = 'event' AND ref IN (SELECT CAST(id AS TEXT) FROM temp.forget_e))
		OR (kind = 'preference' AND ref IN (SELECT CAST(id AS TEXT) FROM temp.forget_p))
		OR (kind = 'seal' AND (ref IN (SELECT 'suggestion:' || id FROM temp.forget_s)
		                    OR ref IN (SELECT 'event:' || id FROM temp.forget_e)
		                    OR ref IN (SELECT 'preference:' || id FROM temp.forget_p)))
		ORDER BY seq`
)

// Forget deletes the selected suggestions, events and preferences, and the
// adapters trained on any preference it deletes (see ForgetReport); with
// All it also replaces the hash key. It appends a forget row to the audit
// log (counts, the request with the workspace keyed-hashed, and which audit
// rows' data went), then VACUUMs the database and truncates its write-ahead
// log, so the forgotten text is gone from the files on disk, not merely
// unlinked. The audit chain still verifies afterwards: its rows hold ids,
// digests of salted rows whose salt went with them, and keyed hashes,
// never the forgotten content. now stamps the audit row.
func (db *DB) Forget(ctx context.Context, spec ForgetSpec, now time.Time) (ForgetReport, error) {
	var rep ForgetReport
	if !spec.All && spec.Workspace == "" && spec.Before.IsZero() {
		return rep, fmt.Errorf("store: forget: nothing selected (set All, Workspace or Before): %w", ErrInvalid)
	}
	if _, err := nanos("forget", now); err != nil {
		return rep, fmt.Errorf("store: forget: %w", err)
	}
	args, err := forgetArgs(spec)
	if err != nil {
		return rep, fmt.Errorf("store: forget: %w", err)
	}
	payload := forgetPayload{All: spec.All}
	if !spec.All && !spec.Before.IsZero() {
		payload.Before = spec.Before.UTC().Format(time.RFC3339Nano)
	}
	err = db.tx(ctx, func(tx *wtx) error {
		// Its statements name temporary tables, which exist on this
		// transaction's connection only: they are not cached for the pool.
		tx.stmts = nil
		if spec.Workspace != "" && !spec.All {
			payload.Workspace = hashWith(tx.key, spec.Workspace)
		}
		if err := createForgetTables(ctx, tx); err != nil {
			return err
		}
		defer func() {
			for _, t := range []string{"forget_s", "forget_e", "forget_p"} {
				tx.ExecContext(ctx, `DROP TABLE IF EXISTS temp.`+t)
			}
		}()
		minPref, err := selectForgotten(ctx, tx, args, &rep)
		if err != nil {
			return err
		}
		// Adapters trained on what goes.
		if spec.All || minPref.Valid {
			if rep.Adapters, rep.ActiveDeleted, err = adaptersTrainedSince(ctx, tx, spec.All, minPref.Int64); err != nil {
				return err
			}
		}
		seqs, err := forgottenAuditRows(ctx, tx)
		if err != nil {
			return err
		}
		payload.Rows = ranges(seqs)
		if err := deleteForgotten(ctx, tx, rep.Adapters); err != nil {
			return err
		}
		payload.Suggestions, payload.Events, payload.Preferences = rep.Suggestions, rep.Events, rep.Preferences
		payload.Adapters = rep.Adapters
		if spec.All {
			// Rotated while the write lock is held: no write of any process
			// uses the old key after this commits.
			if err := db.keys.rotate(); err != nil {
				return err
			}
			payload.KeyRotated, rep.KeyRotated = true, true
		}
		return appendAudit(ctx, tx, now, AuditForget, "", payload)
	})
	if err != nil {
		return ForgetReport{}, fmt.Errorf("store: forget: %w", err)
	}
	ok, err := db.compact(ctx)
	if err != nil {
		return rep, fmt.Errorf("store: forget: %w", err)
	}
	rep.Checkpointed = ok
	return rep, nil
}

// forgetArgs returns the arguments of the selections (see forgetSuggestions)
// for spec: with All, neither workspace nor time is given.
func forgetArgs(spec ForgetSpec) ([]any, error) {
	var (
		ws, hasWS, hasBefore any = "", 0, 0
		before               int64
	)
	if !spec.All {
		if spec.Workspace != "" {
			ws, hasWS = spec.Workspace, 1
		}
		if !spec.Before.IsZero() {
			var err error
			if before, err = nanos("forget before", spec.Before); err != nil {
				return nil, err
			}
			hasBefore = 1
		}
	}
	return []any{ws, before, hasWS, hasBefore}, nil
}

// createForgetTables creates the temporary tables Forget gathers the ids
// of what goes in, or empties them.
func createForgetTables(ctx context.Context, tx *wtx) error {
	for _, q := range []string{
		`CREATE TEMP TABLE IF NOT EXISTS forget_s (id TEXT PRIMARY KEY)`,
		`CREATE TEMP TABLE IF NOT EXISTS forget_e (id INTEGER PRIMARY KEY)`,
		`CREATE TEMP TABLE IF NOT EXISTS forget_p (id INTEGER PRIMARY KEY)`,
		`DELETE FROM temp.forget_s`, `DELETE FROM temp.forget_e`, `DELETE FROM temp.forget_p`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("select rows: %w", err)
		}
	}
	return nil
}

// selectForgotten gathers the ids of the suggestions, events and
// preferences that args select into the temporary tables, counts them in
// rep, and returns the lowest preference id that goes.
func selectForgotten(ctx context.Context, tx *wtx, args []any, rep *ForgetReport) (sql.NullInt64, error) {
	var minPref sql.NullInt64
	for _, q := range []string{forgetSuggestions, forgetEvents, forgetPreferences} {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return minPref, fmt.Errorf("select rows: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM temp.forget_s), (SELECT count(*) FROM temp.forget_e),
		(SELECT count(*) FROM temp.forget_p), (SELECT min(id) FROM temp.forget_p)`).
		Scan(&rep.Suggestions, &rep.Events, &rep.Preferences, &minPref); err != nil {
		return minPref, fmt.Errorf("count rows: %w", err)
	}
	return minPref, nil
}

// adaptersTrainedSince returns the adapters trained on preference minPref
// or later (all of them with all), oldest first, and whether the active
// one is among them.
func adaptersTrainedSince(ctx context.Context, tx *wtx, all bool, minPref int64) (versions []string, active bool, err error) {
	err = queryAll(ctx, tx, fmt.Sprintf(`SELECT a.version, a.state FROM adapters a LEFT JOIN runs r ON r.id = a.run_id
		WHERE %t OR r.last_preference_id IS NULL OR r.last_preference_id >= %d ORDER BY a.created_at, a.version`,
		all, minPref), func(r *sql.Rows) error {
		var v, state string
		if err := r.Scan(&v, &state); err != nil {
			return err
		}
		versions = append(versions, v)
		active = active || state == AdapterActive
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("find adapters: %w", err)
	}
	return versions, active, nil
}

// forgottenAuditRows returns, in order, the seqs of the audit rows that
// record the data rows that go (their own rows and their seals).
func forgottenAuditRows(ctx context.Context, tx *wtx) ([]int64, error) {
	var seqs []int64
	if err := queryAll(ctx, tx, forgetSeqs, func(r *sql.Rows) error {
		var seq int64
		if err := r.Scan(&seq); err != nil {
			return err
		}
		seqs = append(seqs, seq)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find audit rows: %w", err)
	}
	return seqs, nil
}

// deleteForgotten deletes the gathered preferences, events and
// suggestions, in that order, and the adapters named.
func deleteForgotten(ctx context.Context, tx *wtx, adapters []string) error {
	for _, q := range []string{
		`DELETE FROM preferences WHERE id IN (SELECT id FROM temp.forget_p)`,
		`DELETE FROM events WHERE id IN (SELECT id FROM temp.forget_e)`,
		`DELETE FROM suggestions WHERE id IN (SELECT id FROM temp.forget_s)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
	}
	for _, v := range adapters {
		if _, err := tx.ExecContext(ctx, `DELETE FROM adapters WHERE version = ?`, v); err != nil {
			return fmt.Errorf("delete adapter %s: %w", v, err)
		}
	}
	return nil
}

// ranges compresses ascending seqs into [first, last] runs.
func ranges(seqs []int64) [][2]int64 {
	out := [][2]int64{}
	for _, s := range seqs {
		if n := len(out); n > 0 && out[n-1][1]+1 >= s {
			out[n-1][1] = max(out[n-1][1], s)
			continue
		}
		out = append(out, [2]int64{s, s})
	}
	return out
}

// compact rewrites the database without free pages (VACUUM) and copies the
// write-ahead log back into it, truncating the log to zero bytes. It
// reports whether the checkpoint completed.
func (db *DB) compact(ctx context.Context) (bool, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("vacuum: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM`); err != nil {
		return false, fmt.Errorf("vacuum: %w", err)
	}
	var busy, logFrames, done int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	return busy == 0, nil
}
