package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Data rows and their digests.
//
// Every audit row that records a data row (a suggestion, event,
// preference, run or adapter) holds that row's digest in its payload
// ("digest"): SHA-256 over the row's columns as stored, in a fixed order,
// each value typed and length-prefixed. Verify reads the rows back and
// recomputes the digests, so a changed column or a deleted row shows.
//
// Suggestions, events and preferences carry a random salt column that is
// part of their digest: once forget deletes a row, its salt goes with it,
// and the digest left in the audit log can no longer be used to test
// guesses of what the row held.

// dataTables maps an audit kind to its data table, its key column and the
// columns its digest covers, in order. The lists are fixed: a column added
// by a later migration is not covered until it is named here, and naming it
// changes the digest of every existing row, so a migration that does so
// must reseal the rows (see sealRows).
var dataTables = map[AuditKind]struct {
	table, key string
	cols       []string
}{
	AuditSuggestion: {"suggestions", "id", []string{"id", "created_at", "workspace", "document", "language", "rule_id",
		"category", "title", "start_line", "start_char", "end_line", "end_char", "features", "candidate_set", "rank",
		"policy_version", "score", "trigger", "persona", "original_text", "suggested_text", "original_sha256",
		"suggested_sha256", "redactions", "rule_source", "rule_sha256", "salt"}},
	AuditEvent: {"events", "id", []string{"id", "suggestion_id", "outcome", "at", "persona", "persona_weight", "reason",
		"final_text", "final_sha256", "salt"}},
	AuditPreference: {"preferences", "id", []string{"id", "created_at", "kind", "chosen_suggestion_id", "chosen_text",
		"chosen_sha256", "chosen_role", "rejected_suggestion_id", "rejected_text", "rejected_sha256", "rejected_role",
		"suggestion_id", "desirable", "context", "weight", "persona", "provenance", "salt"}},
	AuditRun: {"runs", "id", []string{"id", "started_at", "finished_at", "objective", "hyperparams", "data_counts",
		"metrics", "decision", "adapter_version", "adapter_sha256", "last_preference_id"}},
	AuditAdapter: {"adapters", "version", []string{"version", "created_at", "sha256", "run_id", "state", "activated_at"}},
}

// RowDigest returns the digest of the data row of kind (a suggestion,
// event, preference, run or adapter) with key ref as it is stored now: what
// its audit row commits to if nobody changed it. It wraps ErrNotFound when
// there is no such row.
func (db *DB) RowDigest(ctx context.Context, kind AuditKind, ref string) (string, error) {
	d, ok, err := rowDigest(ctx, db.sql, kind, ref)
	if err != nil {
		return "", fmt.Errorf("store: row digest: %w", err)
	}
	if !ok {
		return "", fmt.Errorf("store: row digest: %s %s: %w", kind, ref, ErrNotFound)
	}
	return d, nil
}

// dataKinds lists the kinds of dataTables in the order rows depend on each
// other (a suggestion before its events).
var dataKinds = []AuditKind{AuditSuggestion, AuditEvent, AuditPreference, AuditRun, AuditAdapter}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowDigest returns the digest of the data row of kind with key ref, and
// false when there is no such row.
func rowDigest(ctx context.Context, q rowQuerier, kind AuditKind, ref string) (string, bool, error) {
	t, ok := dataTables[kind]
	if !ok {
		return "", false, fmt.Errorf("no data table for audit kind %q", kind)
	}
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	q1 := "SELECT " + joinCols(t.cols) + " FROM " + t.table + " WHERE " + t.key + " = ?"
	var arg any = ref
	if t.key == "id" && kind != AuditSuggestion {
		n, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return "", false, nil // no integer key: no such row
		}
		arg = n
	}
	err := q.QueryRowContext(ctx, q1, arg).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read %s %s: %w", t.table, ref, err)
	}
	return digestValues(kind, vals), true, nil
}

func joinCols(cols []string) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += c
	}
	return s
}

// digestValues hashes a row: the kind, then each value as a type tag and a
// length-prefixed encoding (integers in decimal, reals by their IEEE bits),
// so that NULL, "" and 0 differ and no two rows share an encoding.
func digestValues(kind AuditKind, vals []any) string {
	h := sha256.New()
	var n [8]byte
	field := func(tag byte, b []byte) {
		h.Write([]byte{tag})
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field('k', []byte(kind))
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			field('n', nil)
		case int64:
			field('i', strconv.AppendInt(nil, x, 10))
		case float64:
			binary.BigEndian.PutUint64(n[:], math.Float64bits(x))
			field('f', n[:])
		case string:
			field('s', []byte(x))
		case []byte:
			field('b', x)
		case bool:
			if x {
				field('i', []byte("1"))
			} else {
				field('i', []byte("0"))
			}
		default:
			field('?', fmt.Appendf(nil, "%v", x))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// insertDigest runs an INSERT of a data row of kind and returns the
// row's digest and rowid from the row as stored, in the same statement
// (RETURNING the digest's columns): no second read, and exactly what Verify
// will read back.
func insertDigest(ctx context.Context, tx *wtx, kind AuditKind, insert string, args ...any) (digest string, id int64, err error) {
	t := dataTables[kind]
	vals := make([]any, len(t.cols)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := tx.QueryRowContext(ctx, insert+" RETURNING rowid, "+joinCols(t.cols), args...).Scan(ptrs...); err != nil {
		return "", 0, err
	}
	id, _ = vals[0].(int64)
	return digestValues(kind, vals[1:]), id, nil
}

// newSalt returns the random salt of a new data row.
func newSalt() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}
