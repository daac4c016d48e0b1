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
	// Checkpointed reports that the write-ahead log was emptied after the
	// VACUUM. It is false when another connection kept reading throughout
	// the busy timeout; the old pages then leave the log at the next
	// checkpoint.
	Checkpointed bool
}

// forgetPayload is the audit record of a forget: what was asked and how
// much went, never what it was. The workspace appears as a hash only.
type forgetPayload struct {
	All             bool   `json:"all"`
	WorkspaceSHA256 string `json:"workspace_sha256,omitempty"`
	Before          string `json:"before,omitempty"`
	Suggestions     int64  `json:"suggestions"`
	Events          int64  `json:"events"`
	Preferences     int64  `json:"preferences"`
}

// The selections, with ?1 workspace, ?2 before (unix ns), ?3 whether a
// workspace is given, ?4 whether a time is given. An event or preference
// belongs to the workspace of its suggestion(s); with Before it goes when
// it, or its suggestion, is older than Before. A preference also goes with
// any event it was derived from.
const (
	forgetWorkspace = `(?3 = 0 OR s.workspace = ?1)`
	forgetEvents    = `SELECT e.id FROM events e JOIN suggestions s ON s.id = e.suggestion_id
		WHERE ` + forgetWorkspace + ` AND (?4 = 0 OR s.created_at < ?2 OR e.at < ?2)`
	forgetPreferences = `DELETE FROM preferences WHERE id IN (
		SELECT p.id FROM preferences p
		WHERE EXISTS (SELECT 1 FROM suggestions s
		              WHERE s.id IN (p.chosen_suggestion_id, p.rejected_suggestion_id, p.suggestion_id)
		                AND ` + forgetWorkspace + ` AND (?4 = 0 OR s.created_at < ?2 OR p.created_at < ?2))
		   OR EXISTS (SELECT 1 FROM json_each(p.provenance) j WHERE j.value IN (` + forgetEvents + `)))`
	forgetEventsDelete      = `DELETE FROM events WHERE id IN (` + forgetEvents + `)`
	forgetSuggestionsDelete = `DELETE FROM suggestions AS s WHERE ` + forgetWorkspace + ` AND (?4 = 0 OR s.created_at < ?2)`
)

// Forget deletes the selected suggestions, events and preferences, appends
// a forget row to the audit log (counts and the request, with the workspace
// hashed), then VACUUMs the database and truncates its write-ahead log, so
// the forgotten text is gone from the files on disk, not merely unlinked.
// The audit chain still verifies afterwards: its rows hold ids and hashes,
// never the forgotten content. now stamps the audit row.
func (db *DB) Forget(ctx context.Context, spec ForgetSpec, now time.Time) (ForgetReport, error) {
	var rep ForgetReport
	if !spec.All && spec.Workspace == "" && spec.Before.IsZero() {
		return rep, fmt.Errorf("store: forget: nothing selected (set All, Workspace or Before): %w", ErrInvalid)
	}
	if _, err := nanos("forget", now); err != nil {
		return rep, fmt.Errorf("store: forget: %w", err)
	}
	var (
		ws, hasWS, hasBefore any = "", 0, 0
		before               int64
	)
	payload := forgetPayload{All: spec.All}
	if !spec.All {
		if spec.Workspace != "" {
			ws, hasWS = spec.Workspace, 1
			payload.WorkspaceSHA256 = sha256Hex(spec.Workspace)
		}
		if !spec.Before.IsZero() {
			var err error
			if before, err = nanos("forget before", spec.Before); err != nil {
				return rep, fmt.Errorf("store: forget: %w", err)
			}
			hasBefore = 1
			payload.Before = spec.Before.UTC().Format(time.RFC3339Nano)
		}
	}
	args := []any{ws, before, hasWS, hasBefore}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		del := func(q string, n *int64) error {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return err
			}
			*n, err = res.RowsAffected()
			return err
		}
		if err := del(forgetPreferences, &rep.Preferences); err != nil {
			return fmt.Errorf("delete preferences: %w", err)
		}
		if err := del(forgetEventsDelete, &rep.Events); err != nil {
			return fmt.Errorf("delete events: %w", err)
		}
		if err := del(forgetSuggestionsDelete, &rep.Suggestions); err != nil {
			return fmt.Errorf("delete suggestions: %w", err)
		}
		payload.Suggestions, payload.Events, payload.Preferences = rep.Suggestions, rep.Events, rep.Preferences
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
