package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// applicationID marks a SyntX database in the SQLite header ("SYNX").
const applicationID = 0x53594e58

// SchemaVersion is the schema version this build writes.
const SchemaVersion = 3

// migrations returns the migration scripts: element i brings the schema from
// version i to version i+1. Append only: a released migration never changes.
// A script may leave named tasks in migration_tasks for Go code to finish in
// the same transaction (see runTasks): the work SQL cannot do, such as
// hashing under the install's key.
func migrations() []string {
	return []string{schemaV1, schemaRuleSource, schemaKeyedHashesAndDataChain}
}

// schemaRuleSource records where the rule behind a suggestion came from:
// its file ("builtin:go/security.toml", a user or workspace path) and the
// file's SHA-256, so that a suggestion a workspace rule made can be traced
// to the exact file. NULL for suggestions recorded before.
const schemaRuleSource = `
ALTER TABLE suggestions ADD COLUMN rule_source TEXT;
ALTER TABLE suggestions ADD COLUMN rule_sha256 TEXT;
`

// schemaV1 is the initial schema.
const schemaV1 = `
CREATE TABLE suggestions (
	id               TEXT PRIMARY KEY,
	created_at       INTEGER NOT NULL,              -- unix nanoseconds
	workspace        TEXT NOT NULL,
	document         TEXT NOT NULL,                 -- path, or sha256:<hex> when code storage is off
	language         TEXT NOT NULL,
	rule_id          TEXT NOT NULL,
	category         TEXT NOT NULL CHECK (category IN ('security','performance','correctness','style')),
	title            TEXT NOT NULL DEFAULT '',
	start_line       INTEGER NOT NULL,
	start_char       INTEGER NOT NULL,
	end_line         INTEGER NOT NULL,
	end_char         INTEGER NOT NULL,
	features         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(features)),
	candidate_set    TEXT NOT NULL,
	rank             INTEGER NOT NULL,
	policy_version   TEXT NOT NULL DEFAULT '',
	score            REAL NOT NULL,
	trigger          TEXT NOT NULL CHECK (trigger IN ('invoked','automatic','review')),
	persona          TEXT NOT NULL,
	original_text    TEXT,                          -- redacted; NULL when code storage is off
	suggested_text   TEXT,                          -- redacted; NULL when code storage is off
	original_sha256  TEXT NOT NULL,
	suggested_sha256 TEXT NOT NULL,
	redactions       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX suggestions_set ON suggestions (candidate_set, rank);
CREATE INDEX suggestions_workspace ON suggestions (workspace, created_at);
CREATE INDEX suggestions_created ON suggestions (created_at);

CREATE TABLE events (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	suggestion_id  TEXT NOT NULL REFERENCES suggestions (id) ON DELETE CASCADE,
	outcome        TEXT NOT NULL CHECK (outcome IN ('offered','accepted','kept','undone','edited','ignored','dismissed')),
	at             INTEGER NOT NULL,
	persona        TEXT NOT NULL,
	persona_weight REAL NOT NULL DEFAULT 1,
	reason         TEXT CHECK (reason IS NULL OR (outcome = 'dismissed' AND reason IN ('not-helpful','wrong','style','other'))),
	final_text     TEXT,                            -- redacted; NULL when code storage is off
	final_sha256   TEXT
) STRICT;
CREATE INDEX events_suggestion ON events (suggestion_id);
CREATE INDEX events_at ON events (at);

CREATE TABLE preferences (
	id                     INTEGER PRIMARY KEY AUTOINCREMENT,
	created_at             INTEGER NOT NULL,
	kind                   TEXT NOT NULL CHECK (kind IN ('pair','label')),
	chosen_suggestion_id   TEXT REFERENCES suggestions (id) ON DELETE CASCADE,
	chosen_text            TEXT,
	chosen_sha256          TEXT,
	chosen_role            TEXT,
	rejected_suggestion_id TEXT REFERENCES suggestions (id) ON DELETE CASCADE,
	rejected_text          TEXT,
	rejected_sha256        TEXT,
	rejected_role          TEXT,
	suggestion_id          TEXT REFERENCES suggestions (id) ON DELETE CASCADE,
	desirable              INTEGER CHECK (desirable IS NULL OR desirable IN (0, 1)),
	context                TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(context)),
	weight                 REAL NOT NULL CHECK (weight > 0),
	persona                TEXT NOT NULL,
	provenance             TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(provenance)),
	CHECK ((kind = 'pair' AND chosen_role IS NOT NULL AND rejected_role IS NOT NULL
	        AND coalesce(chosen_suggestion_id, rejected_suggestion_id) IS NOT NULL
	        AND suggestion_id IS NULL AND desirable IS NULL)
	    OR (kind = 'label' AND suggestion_id IS NOT NULL AND desirable IS NOT NULL
	        AND chosen_suggestion_id IS NULL AND rejected_suggestion_id IS NULL))
) STRICT;
CREATE INDEX preferences_created ON preferences (created_at);
CREATE INDEX preferences_chosen ON preferences (chosen_suggestion_id);
CREATE INDEX preferences_rejected ON preferences (rejected_suggestion_id);
CREATE INDEX preferences_suggestion ON preferences (suggestion_id);

CREATE TABLE runs (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	started_at      INTEGER NOT NULL,
	finished_at     INTEGER,
	objective       TEXT NOT NULL,
	hyperparams     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(hyperparams)),
	data_counts     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data_counts)),
	metrics         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
	decision        TEXT CHECK (decision IS NULL OR decision IN ('accepted','rejected','failed')),
	adapter_version TEXT,
	adapter_sha256  TEXT
) STRICT;

CREATE TABLE adapters (
	version      TEXT PRIMARY KEY,
	created_at   INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	run_id       INTEGER REFERENCES runs (id),
	state        TEXT NOT NULL CHECK (state IN ('candidate','active','retired','rejected')),
	activated_at INTEGER
) STRICT;
CREATE UNIQUE INDEX adapters_one_active ON adapters (state) WHERE state = 'active';

CREATE TABLE audit (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('event','preference','run','adapter','forget','persona')),
	ref       TEXT NOT NULL,
	payload   TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

-- The last link of the chain, so that removing the newest audit rows is
-- detected too.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
) STRICT;
`

// schemaKeyedHashesAndDataChain (issue 15) makes every stored hash of code
// or paths keyed, and the audit chain cover the data rows:
//
//   - the columns of the row digests: a random salt on suggestions,
//     events and preferences; the newest preference id a run trained on;
//   - the audit kinds of suggestions, of sealed rows (a digest for a row
//     that predates the data chain) and of migrations, and an index to find
//     a data row's audit rows;
//   - the task that, in Go, drops the plain SHA-256 hashes of code and
//     paths (they let anyone with the database confirm a guess of the
//     text), re-redacts the stored texts with the current patterns and
//     hashes them under the key, salts and seals every existing data row,
//     and records all that in the chain.
const schemaKeyedHashesAndDataChain = `
ALTER TABLE suggestions ADD COLUMN salt BLOB;
ALTER TABLE events ADD COLUMN salt BLOB;
ALTER TABLE preferences ADD COLUMN salt BLOB;
ALTER TABLE runs ADD COLUMN last_preference_id INTEGER;
UPDATE runs SET last_preference_id = json_extract(data_counts, '$.last_preference_id')
	WHERE json_type(data_counts, '$.last_preference_id') = 'integer';

CREATE TABLE audit_v2 (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('event','preference','run','adapter','forget','persona',
	                                       'suggestion','seal','migration')),
	ref       TEXT NOT NULL,
	payload   TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
) STRICT;
INSERT INTO audit_v2 (seq, at, kind, ref, payload, prev_hash, hash)
	SELECT seq, at, kind, ref, payload, prev_hash, hash FROM audit;
DROP TABLE audit;
ALTER TABLE audit_v2 RENAME TO audit;
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_ref ON audit (kind, ref);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE migration_tasks (task TEXT PRIMARY KEY) STRICT;
INSERT INTO migration_tasks (task) VALUES ('keyed-hashes-and-data-chain');
`

// currentVersion reads the schema version, 0 for a database without SyntX
// tables. q is a *sql.DB, *sql.Conn or *sql.Tx.
func currentVersion(ctx context.Context, q querier) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// migrate brings the schema up to SchemaVersion in one immediate
// transaction, so that two processes opening a new database at once do not
// both create it.
func (db *DB) migrate(ctx context.Context, now time.Time) error {
	tx, err := db.sql.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see dsn)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	v, err := currentVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("store: %s was %w (schema %d > %d)", db.path, ErrNewerSchema, v, SchemaVersion)
	}
	if v == SchemaVersion {
		return nil
	}
	if v == 0 {
		if err := checkEmpty(ctx, tx, db.path); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_version (
			version    INTEGER PRIMARY KEY,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return fmt.Errorf("create schema_version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
			return fmt.Errorf("set application id: %w", err)
		}
	}
	steps := migrations()
	if len(steps) != SchemaVersion {
		panic("store: SchemaVersion does not match the migrations")
	}
	for i := v; i < SchemaVersion; i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`,
			i+1, now.UnixNano()); err != nil {
			return fmt.Errorf("record schema version %d: %w", i+1, err)
		}
	}
	w := &wtx{Tx: tx}
	notes, err := db.runTasks(ctx, w, now)
	if err != nil {
		return err
	}
	if err := w.flushHead(ctx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	db.anchorRows(w.rows)
	for _, n := range notes {
		db.log.Warn("store: " + n)
	}
	return nil
}

// checkEmpty refuses to take over a SQLite database that holds another
// application's tables.
func checkEmpty(ctx context.Context, q querier, path string) error {
	var n int
	if err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'`).Scan(&n); err != nil {
		return fmt.Errorf("inspect schema: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("store: %s is %w: it has tables but no SyntX schema", path, ErrNotDatabase)
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
