package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// AuditKind is the kind of an audit row.
type AuditKind string

// Audit kinds.
const (
	AuditEvent      AuditKind = "event"
	AuditPreference AuditKind = "preference"
	AuditRun        AuditKind = "run"
	AuditAdapter    AuditKind = "adapter"
	AuditForget     AuditKind = "forget"
	AuditPersona    AuditKind = "persona"
)

// AuditRow is one link of the audit chain. Payload is a JSON object that
// holds ids, outcomes, rule ids, counts and hashes, never code, paths or
// workspace names, so that forgetting data never has to touch the chain.
type AuditRow struct {
	Seq      int64
	At       time.Time
	Kind     AuditKind
	Ref      string // id of the row it records ("" for forget)
	Payload  json.RawMessage
	PrevHash string // hex; genesisHash for the first row
	Hash     string // hex SHA-256, see RowHash
}

// genesisHash is the PrevHash of the first audit row: 32 zero bytes.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// RowHash computes the hash of an audit row: SHA-256 over the 32 bytes of
// the previous hash followed by seq, at (unix nanoseconds), kind, ref and
// payload, each written as an 8-byte big-endian length and its bytes (the
// numbers in decimal). The encoding is unambiguous, so no two different
// rows hash the same input.
func RowHash(prevHash string, seq int64, at time.Time, kind AuditKind, ref string, payload []byte) (string, error) {
	prev, err := hex.DecodeString(prevHash)
	if err != nil || len(prev) != sha256.Size {
		return "", fmt.Errorf("store: bad previous hash %q", prevHash)
	}
	h := sha256.New()
	h.Write(prev)
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field(strconv.AppendInt(nil, seq, 10))
	field(strconv.AppendInt(nil, at.UnixNano(), 10))
	field([]byte(kind))
	field([]byte(ref))
	field(payload)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// appendAudit adds a row to the chain inside tx. tx must have begun
// IMMEDIATE (every write transaction of this package does), which holds the
// database's write lock: appends from several connections or processes are
// serialised and form one chain.
func appendAudit(ctx context.Context, tx *sql.Tx, at time.Time, kind AuditKind, ref string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode audit payload: %w", err)
	}
	var seq int64
	prev := genesisHash
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read audit head: %w", err)
	}
	seq++
	hash, err := RowHash(prev, seq, at, kind, ref, body)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO audit (seq, at, kind, ref, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		seq, at.UnixNano(), string(kind), ref, string(body), prev, hash); err != nil {
		return fmt.Errorf("append audit row: %w", err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
		 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, seq, hash); err != nil {
		return fmt.Errorf("update audit head: %w", err)
	}
	return nil
}

// AuditLog calls fn for every audit row at or after since, in chain order.
// A zero since means all rows. An error from fn stops the walk and is
// returned.
func (db *DB) AuditLog(ctx context.Context, since time.Time, fn func(AuditRow) error) error {
	var from int64 = -1 << 63
	if !since.IsZero() {
		from = since.UnixNano()
	}
	rows, err := db.sql.QueryContext(ctx,
		`SELECT seq, at, kind, ref, payload, prev_hash, hash FROM audit WHERE at >= ? ORDER BY seq`, from)
	if err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("store: audit log: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	return nil
}

func scanAudit(rows *sql.Rows) (AuditRow, error) {
	var (
		r       AuditRow
		at      int64
		kind    string
		payload string
	)
	if err := rows.Scan(&r.Seq, &at, &kind, &r.Ref, &payload, &r.PrevHash, &r.Hash); err != nil {
		return AuditRow{}, err
	}
	r.At = fromNanos(at)
	r.Kind = AuditKind(kind)
	r.Payload = json.RawMessage(payload)
	return r, nil
}

// VerifyReport is the result of walking the audit chain.
type VerifyReport struct {
	OK   bool   // the chain is intact
	Rows int64  // rows checked
	Head string // hash of the last row ("" for an empty log)
	// Seq is the first row found wrong (0 when OK). For a removed row it is
	// the seq that is missing.
	Seq int64
	// Problem says what is wrong with row Seq, e.g. "row removed",
	// "content altered", "out of order".
	Problem string
}

// String renders the report for people.
func (r VerifyReport) String() string {
	if r.OK {
		return fmt.Sprintf("audit chain intact: %d rows, head %s", r.Rows, r.Head)
	}
	return fmt.Sprintf("audit chain broken at seq %d: %s", r.Seq, r.Problem)
}

// Verify walks the audit chain from the first row and reports the first
// row that was altered, removed or moved. It returns an error only when the
// database cannot be read; a broken chain is reported in VerifyReport.
func (db *DB) Verify(ctx context.Context) (VerifyReport, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // one snapshot
	if err != nil {
		return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
	}
	defer tx.Rollback()

	// seqOf finds where a hash is stored, to tell a moved row from an
	// altered one. It scans the table, but only once something is wrong.
	seqOf := func(hash string) (int64, bool) {
		var s int64
		err := tx.QueryRowContext(ctx, `SELECT seq FROM audit WHERE hash = ? LIMIT 1`, hash).Scan(&s)
		return s, err == nil
	}

	rows, err := tx.QueryContext(ctx,
		`SELECT seq, at, kind, ref, payload, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
	}
	defer rows.Close()
	rep := VerifyReport{}
	prevSeq, prevHash := int64(0), genesisHash
	bad := func(seq int64, format string, args ...any) (VerifyReport, error) {
		rep.Seq, rep.Problem = seq, fmt.Sprintf(format, args...)
		return rep, nil
	}
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
		}
		rep.Rows++
		if r.Seq != prevSeq+1 {
			if r.Seq > prevSeq+1 && prevSeq == 0 {
				return bad(1, "row removed (the log starts at seq %d)", r.Seq)
			}
			if r.Seq > prevSeq+1 {
				return bad(prevSeq+1, "row removed (seq %d is followed by seq %d)", prevSeq, r.Seq)
			}
			return bad(r.Seq, "sequence number out of order")
		}
		if r.PrevHash != prevHash {
			if s, ok := seqOf(r.PrevHash); ok && s != prevSeq {
				return bad(r.Seq, "out of order: the row links to seq %d, not to seq %d (rows reordered)", s, prevSeq)
			}
			if prevSeq == 0 {
				return bad(r.Seq, "first row does not start the chain (earlier rows removed)")
			}
			return bad(r.Seq, "previous-hash link broken: a row before it was removed, or seq %d was altered", prevSeq)
		}
		want, err := RowHash(r.PrevHash, r.Seq, r.At, r.Kind, r.Ref, r.Payload)
		if err != nil {
			return bad(r.Seq, "malformed previous hash")
		}
		if want != r.Hash {
			if s, ok := seqOf(want); ok && s != r.Seq {
				return bad(r.Seq, "out of order: content of seq %d moved here", s)
			}
			return bad(r.Seq, "content altered (hash mismatch)")
		}
		prevSeq, prevHash = r.Seq, r.Hash
	}
	if err := rows.Err(); err != nil {
		return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
	}
	// The head records the newest link: removing rows at the end shows here.
	var headSeq int64
	var headHash string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if rep.Rows > 0 {
			return bad(prevSeq, "audit head missing")
		}
	case err != nil:
		return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
	case headSeq > prevSeq:
		return bad(prevSeq+1, "row removed (the log ends at seq %d, its head is seq %d)", prevSeq, headSeq)
	case headSeq != prevSeq || headHash != prevHash:
		return bad(prevSeq, "last row does not match the audit head (altered or appended outside SyntX)")
	}
	rep.OK, rep.Head = true, ""
	if rep.Rows > 0 {
		rep.Head = prevHash
	}
	return rep, nil
}

// AdapterChange is one recorded change of an adapter's state, from the
// audit log: the version, its new state and, when it became active, the
// version it replaced ("" for the base).
type AdapterChange struct {
	Seq      int64
	At       time.Time
	Version  string
	State    string
	Previous string
	RunID    int64
}

// AdapterHistory returns every adapter state change recorded in the audit
// log, oldest first.
func (db *DB) AdapterHistory(ctx context.Context) ([]AdapterChange, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT seq, at, kind, ref, payload, prev_hash, hash FROM audit WHERE kind = ? ORDER BY seq`, AuditAdapter)
	if err != nil {
		return nil, fmt.Errorf("store: adapter history: %w", err)
	}
	defer rows.Close()
	var out []AdapterChange
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: adapter history: %w", err)
		}
		var p adapterPayload
		if err := json.Unmarshal(r.Payload, &p); err != nil {
			return nil, fmt.Errorf("store: adapter history: row %d: %w", r.Seq, err)
		}
		out = append(out, AdapterChange{Seq: r.Seq, At: r.At, Version: p.Version, State: p.State, Previous: p.Previous, RunID: p.RunID})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: adapter history: %w", err)
	}
	return out, nil
}
