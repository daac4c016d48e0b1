package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const suggestionCols = `id, created_at, workspace, document, language, rule_id, category, title,
	start_line, start_char, end_line, end_char, features, candidate_set, rank, policy_version,
	score, trigger, persona, original_text, suggested_text, original_sha256, suggested_sha256, redactions,
	rule_source, rule_sha256`

type scanner interface{ Scan(dest ...any) error }

func scanSuggestion(r scanner) (Suggestion, error) {
	var (
		s              Suggestion
		at             int64
		features, trig string
		orig, sugg     sql.NullString
		src, srcHash   sql.NullString
	)
	err := r.Scan(&s.ID, &at, &s.Workspace, &s.Document, &s.Language, &s.RuleID, &s.Category, &s.Title,
		&s.Range.Start.Line, &s.Range.Start.Character, &s.Range.End.Line, &s.Range.End.Character,
		&features, &s.CandidateSet, &s.Rank, &s.PolicyVersion, &s.Score, &trig, &s.Persona,
		&orig, &sugg, &s.OriginalSHA256, &s.SuggestedSHA256, &s.Redactions, &src, &srcHash)
	if err != nil {
		return Suggestion{}, err
	}
	s.CreatedAt = fromNanos(at)
	s.Features = json.RawMessage(features)
	s.Trigger = Trigger(trig)
	s.OriginalText, s.SuggestedText = orig.String, sugg.String
	s.CodeStored = orig.Valid || sugg.Valid
	s.RuleSource, s.RuleSHA256 = src.String, srcHash.String
	return s, nil
}

// Suggestion returns the suggestion with the given id, or an error wrapping
// ErrNotFound.
func (db *DB) Suggestion(ctx context.Context, id string) (Suggestion, error) {
	s, err := scanSuggestion(db.sql.QueryRowContext(ctx,
		`SELECT `+suggestionCols+` FROM suggestions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Suggestion{}, fmt.Errorf("store: suggestion %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Suggestion{}, fmt.Errorf("store: suggestion %q: %w", id, err)
	}
	return s, nil
}

// CandidateSet returns the suggestions offered together under setID, best
// rank first. An unknown set yields an empty slice.
func (db *DB) CandidateSet(ctx context.Context, setID string) ([]Suggestion, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT `+suggestionCols+` FROM suggestions WHERE candidate_set = ? ORDER BY rank, id`, setID)
	if err != nil {
		return nil, fmt.Errorf("store: candidate set %q: %w", setID, err)
	}
	defer rows.Close()
	out := []Suggestion{}
	for rows.Next() {
		s, err := scanSuggestion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: candidate set %q: %w", setID, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: candidate set %q: %w", setID, err)
	}
	return out, nil
}

// EventFilter selects events. The zero value selects all of them.
type EventFilter struct {
	SuggestionID string    // only this suggestion's events
	Since        time.Time // at or after
	AfterID      int64     // id greater than
}

// Events calls fn for each selected event in id order.
func (db *DB) Events(ctx context.Context, f EventFilter, fn func(Event) error) error {
	q := `SELECT id, suggestion_id, outcome, at, persona, persona_weight, reason, final_text, final_sha256
		FROM events WHERE id > ?`
	args := []any{f.AfterID}
	if f.SuggestionID != "" {
		q += ` AND suggestion_id = ?`
		args = append(args, f.SuggestionID)
	}
	if !f.Since.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.Since.UnixNano())
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e                    Event
			outcome              string
			at                   int64
			reason, final, fhash sql.NullString
		)
		if err := rows.Scan(&e.ID, &e.SuggestionID, &outcome, &at, &e.Persona, &e.PersonaWeight,
			&reason, &final, &fhash); err != nil {
			return fmt.Errorf("store: events: %w", err)
		}
		e.Outcome, e.At, e.Reason = Outcome(outcome), fromNanos(at), Reason(reason.String)
		e.FinalText, e.FinalSHA256 = final.String, fhash.String
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: events: %w", err)
	}
	return nil
}

// PreferenceFilter selects preferences. The zero value selects all.
type PreferenceFilter struct {
	Since   time.Time // created at or after
	AfterID int64     // id greater than (for "new since the last run")
	Kind    PreferenceKind
}

const preferenceCols = `p.id, p.created_at, p.kind,
	p.chosen_suggestion_id, p.chosen_text, p.chosen_sha256, p.chosen_role,
	p.rejected_suggestion_id, p.rejected_text, p.rejected_sha256, p.rejected_role,
	p.suggestion_id, p.desirable, p.context, p.weight, p.persona, p.provenance`

func scanPreference(r scanner, extra ...any) (Preference, error) {
	var (
		p                        Preference
		at                       int64
		kind, ctxJSON, prov      string
		cID, cText, cHash, cRole sql.NullString
		rID, rText, rHash, rRole sql.NullString
		label                    sql.NullString
		desirable                sql.NullInt64
	)
	dest := []any{&p.ID, &at, &kind, &cID, &cText, &cHash, &cRole, &rID, &rText, &rHash, &rRole,
		&label, &desirable, &ctxJSON, &p.Weight, &p.Persona, &prov}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return Preference{}, err
	}
	p.CreatedAt, p.Kind = fromNanos(at), PreferenceKind(kind)
	p.Chosen = Side{SuggestionID: cID.String, Text: cText.String, SHA256: cHash.String, Role: cRole.String}
	p.Rejected = Side{SuggestionID: rID.String, Text: rText.String, SHA256: rHash.String, Role: rRole.String}
	p.SuggestionID, p.Desirable = label.String, desirable.Int64 == 1
	p.Context = json.RawMessage(ctxJSON)
	if err := json.Unmarshal([]byte(prov), &p.Provenance); err != nil {
		return Preference{}, fmt.Errorf("preference %d provenance: %w", p.ID, err)
	}
	return p, nil
}

// Preferences calls fn for each selected preference in id order.
func (db *DB) Preferences(ctx context.Context, f PreferenceFilter, fn func(Preference) error) error {
	q := `SELECT ` + preferenceCols + ` FROM preferences p WHERE p.id > ?`
	args := []any{f.AfterID}
	if !f.Since.IsZero() {
		q += ` AND p.created_at >= ?`
		args = append(args, f.Since.UnixNano())
	}
	if f.Kind != "" {
		q += ` AND p.kind = ?`
		args = append(args, string(f.Kind))
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY p.id`, args...)
	if err != nil {
		return fmt.Errorf("store: preferences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPreference(rows)
		if err != nil {
			return fmt.Errorf("store: preferences: %w", err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: preferences: %w", err)
	}
	return nil
}

// CountPreferences returns how many preferences have an id at or below
// upTo. A training run compares it with what it read to learn whether a
// forget took some of its data meanwhile.
func (db *DB) CountPreferences(ctx context.Context, upTo int64) (int64, error) {
	var n int64
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM preferences WHERE id <= ?`, upTo).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count preferences: %w", err)
	}
	return n, nil
}

// ActiveAdapter returns the active adapter, and false when the base policy
// runs without one.
func (db *DB) ActiveAdapter(ctx context.Context) (Adapter, bool, error) {
	var (
		a              Adapter
		created        int64
		run, activated sql.NullInt64
	)
	err := db.sql.QueryRowContext(ctx, `SELECT version, created_at, sha256, run_id, state, activated_at
		FROM adapters WHERE state = 'active'`).Scan(&a.Version, &created, &a.SHA256, &run, &a.State, &activated)
	if errors.Is(err, sql.ErrNoRows) {
		return Adapter{}, false, nil
	}
	if err != nil {
		return Adapter{}, false, fmt.Errorf("store: active adapter: %w", err)
	}
	a.CreatedAt, a.RunID = fromNanos(created), run.Int64
	if activated.Valid {
		a.ActivatedAt = fromNanos(activated.Int64)
	}
	return a, true, nil
}

// Runs returns the training runs, newest first, at most limit of them
// (all when limit <= 0).
func (db *DB) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id, started_at, finished_at, objective, hyperparams,
		data_counts, metrics, decision, adapter_version, adapter_sha256, last_preference_id FROM runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		var (
			r                      Run
			started                int64
			finished               sql.NullInt64
			hyper, counts, metrics string
			decision, version, sha sql.NullString
			lastPref               sql.NullInt64
		)
		if err := rows.Scan(&r.ID, &started, &finished, &r.Objective, &hyper, &counts, &metrics,
			&decision, &version, &sha, &lastPref); err != nil {
			return nil, fmt.Errorf("store: runs: %w", err)
		}
		r.StartedAt = fromNanos(started)
		if finished.Valid {
			r.FinishedAt = fromNanos(finished.Int64)
		}
		r.Hyperparams, r.DataCounts, r.Metrics = json.RawMessage(hyper), json.RawMessage(counts), json.RawMessage(metrics)
		r.Decision, r.AdapterVersion, r.AdapterSHA256 = Decision(decision.String), version.String, sha.String
		r.LastPreferenceID = lastPref.Int64
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	return out, nil
}

// Adapters returns every adapter version the store knows, oldest first (by
// creation time, then version).
func (db *DB) Adapters(ctx context.Context) ([]Adapter, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT version, created_at, sha256, run_id, state, activated_at
		FROM adapters ORDER BY created_at, version`)
	if err != nil {
		return nil, fmt.Errorf("store: adapters: %w", err)
	}
	defer rows.Close()
	out := []Adapter{}
	for rows.Next() {
		var (
			a              Adapter
			created        int64
			run, activated sql.NullInt64
		)
		if err := rows.Scan(&a.Version, &created, &a.SHA256, &run, &a.State, &activated); err != nil {
			return nil, fmt.Errorf("store: adapters: %w", err)
		}
		a.CreatedAt, a.RunID = fromNanos(created), run.Int64
		if activated.Valid {
			a.ActivatedAt = fromNanos(activated.Int64)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: adapters: %w", err)
	}
	return out, nil
}

// LastForget returns the audit sequence number of the newest forget (0 when
// nothing was ever forgotten): a running process compares it with the value
// it saw before to learn that records it holds ids of may be gone.
func (db *DB) LastForget(ctx context.Context) (int64, error) {
	var seq int64
	err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit WHERE kind = ?`, string(AuditForget)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: last forget: %w", err)
	}
	return seq, nil
}

// LabelRecord is a label preference with the suggestion it is about, or
// an edited outcome (which yields no label), as the server's record of
// outcomes reads them (capture.Record).
type LabelRecord struct {
	Rule, Category string
	// Role is the file role the suggestion was offered in (its features'
	// FileRole; "" for production code).
	Role      string
	Desirable bool
	// Edited marks an edited outcome: Desirable, and Weight is the
	// persona's weight (the caller applies the outcome's evidence weight).
	Edited bool
	Weight float64
	At     time.Time
}

// Labels calls fn for every label preference and every edited outcome,
// in the order they were recorded.
func (db *DB) Labels(ctx context.Context, fn func(LabelRecord) error) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT rule_id, category, role, desirable, edited, weight, at FROM (
		SELECT s.rule_id, s.category, coalesce(json_extract(s.features, '$.FileRole'), '') AS role,
			p.desirable, 0 AS edited, p.weight, p.created_at AS at, p.id AS seq
		FROM preferences p JOIN suggestions s ON s.id = p.suggestion_id WHERE p.kind = 'label'
		UNION ALL
		SELECT s.rule_id, s.category, coalesce(json_extract(s.features, '$.FileRole'), ''),
			1, 1, e.persona_weight, e.at, e.id
		FROM events e JOIN suggestions s ON s.id = e.suggestion_id WHERE e.outcome = 'edited')
		ORDER BY at, seq`)
	if err != nil {
		return fmt.Errorf("store: labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l LabelRecord
		var role any
		var desirable, edited, at int64
		if err := rows.Scan(&l.Rule, &l.Category, &role, &desirable, &edited, &l.Weight, &at); err != nil {
			return fmt.Errorf("store: labels: %w", err)
		}
		if s, ok := role.(string); ok {
			l.Role = s
		}
		l.Desirable, l.Edited, l.At = desirable == 1, edited == 1, fromNanos(at)
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: labels: %w", err)
	}
	return nil
}

// Snapshot writes a consistent copy of the database, as of its last
// commit, to a new file at path (SQLite's VACUUM INTO); path must not
// exist. The copy needs this database's hash key (KeyFile) beside it to
// hash anything the same way.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	return nil
}
