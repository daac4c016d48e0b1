package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Status is a summary of what the database holds, the body of
// `syntx status --json`. Its JSON form always has the keys "events" (every
// outcome name, 0 when none), "preferences" and "adapter" (the active
// version, or null).
type Status struct {
	Events      map[Outcome]int64 `json:"events"`
	Preferences int64             `json:"preferences"`
	Adapter     *string           `json:"adapter"`
	Suggestions int64             `json:"suggestions"`
	// ByPersona counts events per persona.
	ByPersona map[string]int64 `json:"by_persona"`
	// ByRule counts events per rule id and outcome (only outcomes seen).
	ByRule map[string]map[Outcome]int64 `json:"by_rule"`
	// Acceptance is, per category, how many suggestions were offered and
	// how many of those were applied (accepted, kept, edited or undone).
	Acceptance map[string]Acceptance `json:"acceptance"`
	// AuditRows is the length of the audit chain.
	AuditRows int64 `json:"audit_rows"`
	// Schema is the schema version of the database.
	Schema int `json:"schema"`
}

// Acceptance is the acceptance rate of one category.
type Acceptance struct {
	Offered  int64   `json:"offered"`
	Accepted int64   `json:"accepted"`
	Rate     float64 `json:"rate"` // Accepted / Offered, 0 when nothing was offered
}

// Status summarises the database in one consistent snapshot.
func (db *DB) Status(ctx context.Context) (Status, error) {
	st := Status{
		Events:     make(map[Outcome]int64, 7),
		ByPersona:  map[string]int64{},
		ByRule:     map[string]map[Outcome]int64{},
		Acceptance: map[string]Acceptance{},
	}
	for _, o := range Outcomes() {
		st.Events[o] = 0
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Status{}, fmt.Errorf("store: status: %w", err)
	}
	defer tx.Rollback()

	for _, s := range statusQueries(&st) {
		if err := queryAll(ctx, tx, s.q, s.fn); err != nil {
			return Status{}, fmt.Errorf("store: status: %w", err)
		}
	}
	return st, nil
}

// statusQuery is one query of Status and what it fills in from each row.
type statusQuery struct {
	q  string
	fn func(*sql.Rows) error
}

// statusQueries returns the queries that fill in st, in the order Status
// runs them.
func statusQueries(st *Status) []statusQuery {
	return []statusQuery{
		{`SELECT outcome, count(*) FROM events GROUP BY outcome`, func(r *sql.Rows) error {
			var o string
			var n int64
			err := r.Scan(&o, &n)
			st.Events[Outcome(o)] = n
			return err
		}},
		{`SELECT persona, count(*) FROM events GROUP BY persona`, func(r *sql.Rows) error {
			var p string
			var n int64
			err := r.Scan(&p, &n)
			st.ByPersona[p] = n
			return err
		}},
		{`SELECT s.rule_id, e.outcome, count(*) FROM events e JOIN suggestions s ON s.id = e.suggestion_id
		  GROUP BY s.rule_id, e.outcome`, func(r *sql.Rows) error {
			var rule, o string
			var n int64
			if err := r.Scan(&rule, &o, &n); err != nil {
				return err
			}
			if st.ByRule[rule] == nil {
				st.ByRule[rule] = map[Outcome]int64{}
			}
			st.ByRule[rule][Outcome(o)] = n
			return nil
		}},
		// A suggestion counts as offered when it was shown (an offered
		// event) or, since it cannot be applied unseen, applied.
		{`SELECT s.category,
		         count(DISTINCT s.id),
		         count(DISTINCT CASE WHEN e.outcome IN ('accepted','kept','edited','undone') THEN s.id END)
		  FROM suggestions s JOIN events e ON e.suggestion_id = s.id
		  WHERE e.outcome IN ('offered','accepted','kept','edited','undone')
		  GROUP BY s.category`, func(r *sql.Rows) error {
			var c string
			var a Acceptance
			if err := r.Scan(&c, &a.Offered, &a.Accepted); err != nil {
				return err
			}
			if a.Offered > 0 {
				a.Rate = float64(a.Accepted) / float64(a.Offered)
			}
			st.Acceptance[c] = a
			return nil
		}},
		{`SELECT (SELECT count(*) FROM preferences), (SELECT count(*) FROM suggestions),
		         (SELECT count(*) FROM audit), (SELECT max(version) FROM schema_version),
		         (SELECT version FROM adapters WHERE state = 'active')`, func(r *sql.Rows) error {
			var adapter sql.NullString
			if err := r.Scan(&st.Preferences, &st.Suggestions, &st.AuditRows, &st.Schema, &adapter); err != nil {
				return err
			}
			if adapter.Valid {
				st.Adapter = &adapter.String
			}
			return nil
		}},
	}
}
