package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
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
	AuditSuggestion AuditKind = "suggestion"
	// AuditSeal gives the digest of a data row written before the chain
	// covered data rows; its ref is "kind:key".
	AuditSeal AuditKind = "seal"
	// AuditMigration records what a schema migration did to the data.
	AuditMigration AuditKind = "migration"
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

// wtx is a write transaction: the audit rows it appends are kept so that,
// once it commits, they go to the anchor log.
type wtx struct {
	*sql.Tx
	key  []byte // the hash key, read when the transaction began
	rows []Head
	// stmts and pool, when set, keep the transaction's statements
	// prepared (see stmtCache).
	stmts *stmtCache
	pool  *sql.DB
	// head is the chain's head as this transaction moves it: read from
	// audit_head on the first append, written back once, by flushHead,
	// before the transaction commits.
	head     Head
	headRead bool
}

// flushHead writes the head the transaction's appends moved to.
func (tx *wtx) flushHead(ctx context.Context) error {
	if len(tx.rows) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
		 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, tx.head.Seq, tx.head.Hash); err != nil {
		return fmt.Errorf("update audit head: %w", err)
	}
	return nil
}

// appendAudit adds a row to the chain inside tx. tx must have begun
// IMMEDIATE (every write transaction of this package does), which holds the
// database's write lock: appends from several connections or processes are
// serialised and form one chain. The head is read once per transaction and
// written back by flushHead before it commits.
func appendAudit(ctx context.Context, tx *wtx, at time.Time, kind AuditKind, ref string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode audit payload: %w", err)
	}
	if !tx.headRead {
		tx.head = Head{Hash: genesisHash}
		err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&tx.head.Seq, &tx.head.Hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read audit head: %w", err)
		}
		tx.headRead = true
	}
	prev, seq := tx.head.Hash, tx.head.Seq+1
	hash, err := RowHash(prev, seq, at, kind, ref, body)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO audit (seq, at, kind, ref, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		seq, at.UnixNano(), string(kind), ref, string(body), prev, hash); err != nil {
		return fmt.Errorf("append audit row: %w", err)
	}
	tx.head = Head{Seq: seq, Hash: hash}
	tx.rows = append(tx.rows, tx.head)
	return nil
}

// digestOf returns the digest of a data row just written in tx.
func digestOf(ctx context.Context, tx *wtx, kind AuditKind, ref string) (string, error) {
	d, ok, err := rowDigest(ctx, tx, kind, ref)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%s %s vanished before its audit row", kind, ref)
	}
	return d, nil
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

// VerifyReport is the result of walking the audit chain and checking the
// data it covers.
type VerifyReport struct {
	OK   bool   // the chain and the data are intact
	Rows int64  // audit rows checked
	Head string // hash of the last row ("" for an empty log)
	// Seq is the first audit row found wrong (0 when OK, or when the problem
	// is a data row no audit row describes). For a removed row it is the
	// seq that is missing; for a data row, the newest audit row recording it.
	Seq int64
	// Row names the data row that is wrong ("preference 12", "adapter v3"),
	// if the problem is one.
	Row string
	// Problem says what is wrong, e.g. "row removed", "content altered",
	// "preference 12 altered (...)", "rewritten (...)".
	Problem string
	// DataRows counts the data rows whose digests were checked,
	// AdapterFiles the adapter files whose hashes were, Anchored the anchor
	// log lines and AnchorSkipped those that were malformed.
	DataRows      int64
	AdapterFiles  int
	Anchored      int64
	AnchorSkipped int
}

// String renders the report for people.
func (r VerifyReport) String() string {
	if r.OK {
		return fmt.Sprintf("audit chain intact: %d rows, head %d:%s; %d data rows, %d adapter files, %d anchored rows checked",
			r.Rows, r.Rows, r.Head, r.DataRows, r.AdapterFiles, r.Anchored)
	}
	if r.Seq == 0 {
		return fmt.Sprintf("audit chain broken: %s", r.Problem)
	}
	return fmt.Sprintf("audit chain broken at seq %d: %s", r.Seq, r.Problem)
}

// VerifyOptions say what Verify checks besides the chain and the data rows.
type VerifyOptions struct {
	// Head, when set ("SEQ:HASH", as Head().String() gives), is a head
	// noted earlier: the chain must reach it with the same hash, which
	// catches a cut tail or a rewrite even when the anchor log went too.
	Head string
	// AnchorPath is the anchor log to check against; "" means the
	// database's own (Options.AnchorPath), and NoAnchor skips it.
	AnchorPath string
	NoAnchor   bool
	// AdapterFile, when set, returns the path of an adapter version's
	// weights file; each one present must have the hash its adapter row,
	// and so its audit row, commits to.
	AdapterFile func(version string) string
}

// problem is one thing Verify found wrong; the report names the one with
// the smallest seq (0, a data row with no audit row, sorts last).
type problem struct {
	seq       int64
	row, what string
}

// dataKey names a data row: its kind and key.
type dataKey struct {
	kind AuditKind
	ref  string
}

func (k dataKey) String() string { return string(k.kind) + " " + k.ref }

// recorded is the newest digest the chain holds for a data row.
type recorded struct {
	seq    int64
	digest string
}

// forgetRows is the part of a forget payload Verify reads: the audit rows
// whose data rows the forget deleted, as ranges of seqs.
type forgetRows struct {
	Rows     [][2]int64 `json:"rows"`
	Adapters []string   `json:"adapters"`
}

// Verify is VerifyWith with the default options: the chain, the data rows
// it records and the database's anchor log.
func (db *DB) Verify(ctx context.Context) (VerifyReport, error) {
	return db.VerifyWith(ctx, VerifyOptions{})
}

// VerifyWith walks the audit chain from the first row and reports the first
// row that was altered, removed or moved; then, if the chain holds,
// recomputes the digest of every data row it records (suggestions, events,
// preferences, runs, adapters) and reports a row changed, deleted other
// than by forget, or added without an audit row; checks the chain against
// the anchor log and opts.Head (a cut tail or a rewritten chain); and
// checks adapter files against their recorded hashes. It returns an error
// only when the database cannot be read; what is wrong goes in the report.
func (db *DB) VerifyWith(ctx context.Context, opts VerifyOptions) (VerifyReport, error) {
	var head Head
	if opts.Head != "" {
		var err error
		if head, err = ParseHead(opts.Head); err != nil {
			return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
		}
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // one snapshot
	if err != nil {
		return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
	}
	defer tx.Rollback()
	rep := VerifyReport{}
	var problems []problem
	idx := chainIndex{hashes: map[int64]string{}, latest: map[dataKey]recorded{}, bySeq: map[int64][]dataKey{}}
	chainOK, last, lastHash, err := walkChain(ctx, tx, &rep, &problems, idx.add)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
	}

	// The chain against what was noted outside the database.
	ps, err := db.checkAnchors(opts, head, idx.hashes, last, chainOK, &rep)
	if err != nil {
		return VerifyReport{}, err
	}
	problems = append(problems, ps...)

	if chainOK {
		ps, n, err := checkData(ctx, tx, idx.latest)
		if err != nil {
			return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
		}
		rep.DataRows = n
		problems = append(problems, ps...)
		if opts.AdapterFile != nil {
			ps, n, err := checkAdapterFiles(ctx, tx, idx.latest, opts.AdapterFile)
			if err != nil {
				return VerifyReport{}, fmt.Errorf("store: verify: %w", err)
			}
			rep.AdapterFiles = n
			problems = append(problems, ps...)
		}
	}
	if len(problems) > 0 {
		first := slices.MinFunc(problems, func(a, b problem) int {
			if (a.seq == 0) != (b.seq == 0) {
				if a.seq == 0 {
					return 1
				}
				return -1
			}
			return cmp.Compare(a.seq, b.seq)
		})
		rep.Seq, rep.Row, rep.Problem = first.seq, first.row, first.what
		if len(problems) > 1 {
			rep.Problem += fmt.Sprintf(" (and %d more problems)", len(problems)-1)
		}
		return rep, nil
	}
	rep.OK, rep.Head = true, lastHash
	return rep, nil
}

// chainIndex is what VerifyWith learns from the rows of the chain as it
// walks them: the hash of each row, and the digest the latest row that
// records a data row gave it, less the rows a forget removed.
type chainIndex struct {
	hashes map[int64]string     // seq -> hash, of the rows walked
	latest map[dataKey]recorded // data row -> the latest digest recorded for it
	bySeq  map[int64][]dataKey  // seq -> the data rows that audit row recorded
}

// add takes in one audit row that links correctly.
func (x *chainIndex) add(r AuditRow) {
	x.hashes[r.Seq] = r.Hash
	switch r.Kind {
	case AuditSuggestion, AuditEvent, AuditPreference, AuditRun, AuditAdapter:
		var p struct {
			Digest         string `json:"digest"`
			Previous       string `json:"previous"`
			PreviousDigest string `json:"previous_digest"`
		}
		if json.Unmarshal(r.Payload, &p) == nil {
			x.note(r.Seq, dataKey{r.Kind, r.Ref}, p.Digest)
			if r.Kind == AuditAdapter && p.Previous != "" {
				x.note(r.Seq, dataKey{AuditAdapter, p.Previous}, p.PreviousDigest)
			}
		}
	case AuditSeal:
		kind, ref, ok := strings.Cut(r.Ref, ":")
		var p sealPayload
		if ok && json.Unmarshal(r.Payload, &p) == nil {
			x.note(r.Seq, dataKey{AuditKind(kind), ref}, p.Digest)
		}
	case AuditForget:
		var p forgetRows
		if json.Unmarshal(r.Payload, &p) != nil {
			return
		}
		for _, v := range p.Adapters {
			delete(x.latest, dataKey{AuditAdapter, v})
		}
		for _, rg := range p.Rows {
			for seq := rg[0]; seq <= rg[1] && seq <= r.Seq; seq++ {
				for _, k := range x.bySeq[seq] {
					if x.latest[k].seq == seq {
						delete(x.latest, k)
					}
				}
				delete(x.bySeq, seq)
			}
		}
	}
}

// note records that the audit row seq gave data row k the digest (none
// when digest is empty).
func (x *chainIndex) note(seq int64, k dataKey, digest string) {
	if digest == "" {
		return
	}
	x.latest[k] = recorded{seq, digest}
	x.bySeq[seq] = append(x.bySeq[seq], k)
}

// checkAnchors compares the chain walked (the hash of each row, the last
// seq, whether it held) with the anchor log (unless opts.NoAnchor) and
// with the head noted, and returns the problems it finds. A single head
// only tells that the chain differs by its row; the anchor log, a line per
// row, finds the first row that differs.
func (db *DB) checkAnchors(opts VerifyOptions, head Head, hashes map[int64]string, last int64, chainOK bool, rep *VerifyReport) ([]problem, error) {
	var problems []problem
	checkAnchor := func(seq int64, hash, source string, exact bool) {
		h, ok := hashes[seq]
		switch {
		case seq > last && chainOK:
			problems = append(problems, problem{seq: last + 1, what: fmt.Sprintf(
				"row removed: %s records seq %d, the chain ends at seq %d (its tail was cut)", source, seq, last)})
		case ok && h != hash && exact:
			problems = append(problems, problem{seq: seq, what: fmt.Sprintf(
				"rewritten: %s records hash %.12s for seq %d, the chain has %.12s", source, hash, seq, h)})
		case ok && h != hash:
			problems = append(problems, problem{seq: seq, what: fmt.Sprintf(
				"rewritten at or before seq %d: %s records hash %.12s for it, the chain has %.12s", seq, source, hash, h)})
		}
	}
	if !opts.NoAnchor {
		path := opts.AnchorPath
		if path == "" && db.anchor != nil {
			path = db.anchor.path
		}
		if path != "" {
			anchored, bad, err := readAnchor(path)
			if err != nil {
				return nil, fmt.Errorf("store: verify: anchor log: %w", err)
			}
			rep.AnchorSkipped = bad
			seqs := make([]int64, 0, len(anchored))
			for seq := range anchored {
				seqs = append(seqs, seq)
			}
			slices.Sort(seqs)
			for _, seq := range seqs {
				rep.Anchored++
				checkAnchor(seq, anchored[seq], "the anchor log", true)
			}
		}
	}
	if head.Seq > 0 {
		checkAnchor(head.Seq, head.Hash, "the head noted ("+head.String()+")", false)
	}
	return problems, nil
}

// walkChain checks the links of the chain in seq order, calling fn for each
// row that links correctly. It reports whether the whole chain (and its
// head row) is intact, the last seq and hash walked, and adds the first
// break to problems.
func walkChain(ctx context.Context, tx *sql.Tx, rep *VerifyReport, problems *[]problem, fn func(AuditRow)) (bool, int64, string, error) {
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
		return false, 0, "", err
	}
	defer rows.Close()
	prevSeq, prevHash := int64(0), genesisHash
	broken := func(p *problem) (bool, int64, string, error) {
		*problems = append(*problems, *p)
		return false, prevSeq, prevHash, nil
	}
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return false, 0, "", err
		}
		rep.Rows++
		if p := checkLink(r, prevSeq, prevHash, seqOf); p != nil {
			return broken(p)
		}
		fn(r)
		prevSeq, prevHash = r.Seq, r.Hash
	}
	if err := rows.Err(); err != nil {
		return false, 0, "", err
	}
	p, err := checkHead(ctx, tx, rep.Rows, prevSeq, prevHash)
	if err != nil {
		return false, 0, "", err
	}
	if p != nil {
		return broken(p)
	}
	if rep.Rows == 0 {
		prevHash = ""
	}
	return true, prevSeq, prevHash, nil
}

// checkLink checks that row r follows the row (prevSeq, prevHash) and
// that its hash is that of its content, and says what is wrong if not.
// seqOf finds the row holding a hash, to tell a moved row from an altered
// one.
func checkLink(r AuditRow, prevSeq int64, prevHash string, seqOf func(hash string) (int64, bool)) *problem {
	bad := func(seq int64, format string, args ...any) *problem {
		return &problem{seq: seq, what: fmt.Sprintf(format, args...)}
	}
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
	return nil
}

// checkHead compares the audit head, which records the newest link, with
// the last row walked (lastSeq, lastHash; rows rows in all): removing rows
// at the end shows here.
func checkHead(ctx context.Context, tx *sql.Tx, rows, lastSeq int64, lastHash string) (*problem, error) {
	var headSeq int64
	var headHash string
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if rows > 0 {
			return &problem{seq: lastSeq, what: "audit head missing"}, nil
		}
	case err != nil:
		return nil, err
	case headSeq > lastSeq:
		return &problem{seq: lastSeq + 1, what: fmt.Sprintf("row removed (the log ends at seq %d, its head is seq %d)", lastSeq, headSeq)}, nil
	case headSeq != lastSeq || headHash != lastHash:
		return &problem{seq: lastSeq, what: "last row does not match the audit head (altered or appended outside SyntX)"}, nil
	}
	return nil, nil
}

// checkData recomputes the digest of every data row and compares it with
// the newest digest the chain holds for it. It returns the problems and
// the number of rows checked.
func checkData(ctx context.Context, tx *sql.Tx, latest map[dataKey]recorded) ([]problem, int64, error) {
	var out []problem
	var n int64
	seen := map[dataKey]bool{}
	for _, kind := range dataKinds {
		t := dataTables[kind]
		rows, err := tx.QueryContext(ctx, `SELECT CAST(`+t.key+` AS TEXT), `+joinCols(t.cols)+` FROM `+t.table)
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", t.table, err)
		}
		vals := make([]any, len(t.cols)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, 0, fmt.Errorf("read %s: %w", t.table, err)
			}
			n++
			ref, _ := vals[0].(string)
			k := dataKey{kind, ref}
			seen[k] = true
			rec, ok := latest[k]
			switch {
			case !ok:
				out = append(out, problem{row: k.String(), what: fmt.Sprintf(
					"%s has no audit row (added outside SyntX, or kept after a forget recorded its deletion)", k)})
			case digestValues(kind, vals[1:]) != rec.digest:
				out = append(out, problem{seq: rec.seq, row: k.String(), what: fmt.Sprintf(
					"%s altered: it no longer matches the digest audit row %d commits to", k, rec.seq)})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", t.table, err)
		}
	}
	for k, rec := range latest {
		if !seen[k] {
			out = append(out, problem{seq: rec.seq, row: k.String(), what: fmt.Sprintf(
				"%s deleted outside SyntX: audit row %d records it and no forget removed it", k, rec.seq)})
		}
	}
	return out, n, nil
}

// checkAdapterFiles compares each adapter file present with the hash its
// row (and so its audit row) records. A missing file is a problem only for
// the active adapter: older ones are pruned.
func checkAdapterFiles(ctx context.Context, tx *sql.Tx, latest map[dataKey]recorded, file func(string) string) ([]problem, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version, sha256, state FROM adapters ORDER BY version`)
	if err != nil {
		return nil, 0, fmt.Errorf("read adapters: %w", err)
	}
	defer rows.Close()
	var out []problem
	n := 0
	for rows.Next() {
		var version, sum, state string
		if err := rows.Scan(&version, &sum, &state); err != nil {
			return nil, 0, fmt.Errorf("read adapters: %w", err)
		}
		k := dataKey{AuditAdapter, version}
		seq := latest[k].seq
		b, err := os.ReadFile(file(version))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if state == AdapterActive {
				out = append(out, problem{seq: seq, row: k.String(), what: fmt.Sprintf(
					"the file of the active adapter %s is missing (%s)", version, file(version))})
			}
			continue
		case err != nil:
			return nil, 0, fmt.Errorf("read adapter %s: %w", version, err)
		}
		n++
		h := sha256.Sum256(b)
		if got := hex.EncodeToString(h[:]); got != sum {
			out = append(out, problem{seq: seq, row: k.String(), what: fmt.Sprintf(
				"the file of adapter %s was swapped: its hash %.12s is not the %.12s audit row %d commits to", version, got, sum, seq)})
		}
	}
	return out, n, rows.Err()
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
