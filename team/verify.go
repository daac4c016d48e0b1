package team

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChainRow is one row of the hub's hash chain.
type ChainRow struct {
	Seq      int64
	At       time.Time
	Kind     string
	Actor    string
	Payload  string
	PrevHash string
	Hash     string
}

// RowHash is a chain row's hash: the hex SHA-256 of the previous row's
// hash, the seq, the time in unix microseconds, the kind, the actor and the
// payload, each followed by a newline but the last. The hub computes it in
// SQL (syntx.append); Verify recomputes it here.
func RowHash(prev string, seq int64, at time.Time, kind, actor, payload string) string {
	s := prev + "\n" + strconv.FormatInt(seq, 10) + "\n" + strconv.FormatInt(at.UnixMicro(), 10) + "\n" + kind + "\n" + actor + "\n" + payload
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Head is a head noted earlier ("SEQ:HASH"): the chain must still
	// hold it (catches a cut or a rewrite since).
	Head string
}

// VerifyReport says what Verify checked and what it found.
type VerifyReport struct {
	Rows     int64 // chain rows
	Head     string
	Pushes   int // push rows whose records were checked
	Records  int // records checked
	Members  int // members whose role was checked
	Adapters int // published adapters checked
	// Scope says what the caller could see: "all" (a trainer) or "own"
	// (a member checks the chain and its own records).
	Scope    string
	Problems []string
}

// OK reports whether nothing was found.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Verify checks the hub's chain and the data rows it covers, in one
// repeatable-read transaction:
//
//   - every chain row links to the previous one and hashes to its hash,
//     seqs run from 1 without gaps, and the head table names the last row;
//   - a head noted earlier (VerifyOptions.Head) is still in the chain;
//   - each push row's records (by push id) are there, as many as it says,
//     with the digest it committed to; a record no push row covers was
//     added behind SyntX's back (a trainer checks every record, a member
//     its own);
//   - each member's role is the one the last role row gave it (or
//     developer), and each member has a join row;
//   - the role weights are the defaults changed by the weight rows, in
//     order;
//   - each published adapter's file hashes to the SHA-256 its chain row
//     names, and every adapter row of the chain has its adapter.
//
// Problems name the first rows found wrong; the chain check stops at the
// first broken link.
func (h *Hub) Verify(ctx context.Context, opt VerifyOptions) (VerifyReport, error) {
	v := &verifier{rep: VerifyReport{Scope: "own"}}
	tx, err := h.conn.BeginTx(ctx, pgxRepeatableRead)
	if err != nil {
		return v.rep, fmt.Errorf("verify: %w", err)
	}
	defer tx.Rollback(ctx)
	v.tx = tx
	var trainer bool
	if err := tx.QueryRow(ctx, `SELECT syntx.is_trainer()`).Scan(&trainer); err != nil {
		return v.rep, fmt.Errorf("verify: %w", err)
	}
	if trainer {
		v.rep.Scope = "all"
	}
	if err := tx.QueryRow(ctx, `SELECT syntx.me()`).Scan(&v.me); err != nil {
		return v.rep, fmt.Errorf("verify: %w", err)
	}
	for _, step := range []func(context.Context) error{
		v.readChain,
		v.checkLinks,
		v.checkHead,
		func(context.Context) error { v.checkNotedHead(opt.Head); return nil },
		func(context.Context) error { v.replay(); return nil },
		func(ctx context.Context) error { return v.checkRecords(ctx, h) },
		v.checkMembers,
		v.checkWeights,
		v.checkPolicy,
		v.checkAdapters,
	} {
		if err := step(ctx); err != nil {
			return v.rep, err
		}
	}
	slices.Sort(v.rep.Problems)
	return v.rep, nil
}

// verifier is one Verify run: its transaction, what it read and found.
type verifier struct {
	tx     pgx.Tx
	rep    VerifyReport
	me     *string // the caller's member id (nil: not a member)
	chain  []ChainRow
	broken bool // a chain link is broken (the head check is moot)
	st     chainState
}

func (v *verifier) bad(format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, fmt.Sprintf(format, args...))
}

// readChain reads the chain rows in seq order.
func (v *verifier) readChain(ctx context.Context) error {
	rows, err := v.tx.Query(ctx, `SELECT seq, at, kind, actor, payload, prev_hash, hash FROM syntx.chain ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c ChainRow
		if err := rows.Scan(&c.Seq, &c.At, &c.Kind, &c.Actor, &c.Payload, &c.PrevHash, &c.Hash); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		v.chain = append(v.chain, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	v.rep.Rows = int64(len(v.chain))
	return nil
}

// checkLinks checks seqs, links and hashes up to the first broken link.
func (v *verifier) checkLinks(context.Context) error {
	prev := strings.Repeat("0", 64)
	for i, c := range v.chain {
		switch {
		case c.Seq != int64(i+1):
			v.bad("chain row %d: expected seq %d (a row was removed or inserted)", c.Seq, i+1)
		case c.PrevHash != prev:
			v.bad("chain row %d: does not link to row %d (a row before it was altered, removed or inserted)", c.Seq, c.Seq-1)
		case RowHash(prev, c.Seq, c.At, c.Kind, c.Actor, c.Payload) != c.Hash:
			v.bad("chain row %d (%s): its content does not match its hash (altered)", c.Seq, c.Kind)
		default:
			prev = c.Hash
			continue
		}
		v.broken = true
		return nil
	}
	return nil
}

// checkHead checks that the head table names the last chain row.
func (v *verifier) checkHead(ctx context.Context) error {
	var headSeq int64
	var headHash string
	if err := v.tx.QueryRow(ctx, `SELECT seq, hash FROM syntx.chain_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	v.rep.Head = fmt.Sprintf("%d:%s", headSeq, headHash)
	if v.broken {
		return nil
	}
	last := ChainRow{Hash: strings.Repeat("0", 64)}
	if len(v.chain) > 0 {
		last = v.chain[len(v.chain)-1]
	}
	if headSeq != last.Seq || headHash != last.Hash {
		v.bad("the chain head (%d) is not the last chain row (%d): rows were cut from the end or the head rewritten", headSeq, last.Seq)
	}
	return nil
}

// checkNotedHead checks that a head noted earlier ("SEQ:HASH") is still
// in the chain.
func (v *verifier) checkNotedHead(head string) {
	if head == "" {
		return
	}
	s, hash, ok := strings.Cut(head, ":")
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case !ok || err != nil:
		v.bad("--head %q is not SEQ:HASH", head)
	case n < 1 || n > int64(len(v.chain)):
		v.bad("the noted head %d is past the chain's end (%d rows): the chain was cut", n, len(v.chain))
	case v.chain[n-1].Hash != hash:
		v.bad("chain row %d is not the one noted (%s…): the chain was rewritten from there", n, short(hash))
	}
}

// pushRow is a push as its chain row states it.
type pushRow struct {
	seq            int64
	actor, install string
	count          int
	first, last    int64
	digest         string
}

// adapterRow is a published adapter as its chain row states it.
type adapterRow struct {
	seq    int64
	sha    string
	decide string
}

// chainState is what the chain says the hub holds, replayed row by row.
type chainState struct {
	pushes   map[int64]pushRow
	lastRole map[string]string
	joined   map[string]bool
	weights  Weights
	settings struct {
		MinMembers int  `json:"min_members"`
		ShareCode  bool `json:"share_code"`
	}
	forgotten   map[int64]int    // push id → records forgotten
	leftDigest  map[int64]string // push id → digest of what a forget left
	adapterRows map[int64]adapterRow
}

// replay builds the chain's state of the hub (v.st) from its rows.
func (v *verifier) replay() {
	st := &v.st
	st.pushes, st.lastRole, st.joined = map[int64]pushRow{}, map[string]string{}, map[string]bool{}
	st.weights = DefaultWeights()
	st.forgotten, st.leftDigest, st.adapterRows = map[int64]int{}, map[int64]string{}, map[int64]adapterRow{}
	for _, c := range v.chain {
		switch c.Kind {
		case "push":
			v.replayPush(c)
		case "join":
			st.joined[c.Actor] = true
		case "role":
			var p struct{ Member, Role string }
			if json.Unmarshal([]byte(c.Payload), &p) == nil {
				st.lastRole[p.Member] = p.Role
			}
		case "weight":
			var p struct{ Role, Category, Weight string }
			if json.Unmarshal([]byte(c.Payload), &p) == nil {
				w, _ := strconv.ParseFloat(p.Weight, 64)
				if st.weights[p.Role] == nil {
					st.weights[p.Role] = map[string]float64{}
				}
				st.weights[p.Role][p.Category] = w
			}
		case "init", "settings":
			_ = json.Unmarshal([]byte(c.Payload), &st.settings)
		case "forget":
			v.replayForget(c)
		case "adapter":
			var p struct {
				Version  int64  `json:"version"`
				SHA256   string `json:"sha256"`
				Decision string `json:"decision"`
			}
			if json.Unmarshal([]byte(c.Payload), &p) == nil {
				st.adapterRows[p.Version] = adapterRow{c.Seq, p.SHA256, p.Decision}
			}
		}
	}
}

func (v *verifier) replayPush(c ChainRow) {
	var p struct {
		Push    int64  `json:"push"`
		Install string `json:"install"`
		Count   int    `json:"count"`
		First   int64  `json:"first"`
		Last    int64  `json:"last"`
		Digest  string `json:"digest"`
	}
	if err := json.Unmarshal([]byte(c.Payload), &p); err != nil {
		v.bad("chain row %d: unreadable push payload", c.Seq)
		return
	}
	if _, dup := v.st.pushes[p.Push]; dup {
		v.bad("chain row %d: push %d is recorded twice", c.Seq, p.Push)
	}
	v.st.pushes[p.Push] = pushRow{seq: c.Seq, actor: c.Actor, install: p.Install, count: p.Count, first: p.First, last: p.Last, digest: p.Digest}
}

func (v *verifier) replayForget(c ChainRow) {
	var p struct {
		Pushes map[string]int    `json:"pushes"`
		Left   map[string]string `json:"left"`
	}
	if err := json.Unmarshal([]byte(c.Payload), &p); err != nil {
		v.bad("chain row %d: unreadable forget payload", c.Seq)
	}
	for id, n := range p.Pushes {
		k, _ := strconv.ParseInt(id, 10, 64)
		v.st.forgotten[k] += n
	}
	for id, d := range p.Left {
		k, _ := strconv.ParseInt(id, 10, 64)
		v.st.leftDigest[k] = d
	}
}

// checkRecords checks the records the caller can see against the push
// rows that cover them, and that no push the caller should see is gone.
func (v *verifier) checkRecords(ctx context.Context, h *Hub) error {
	st := &v.st
	byPush := map[int64][]Record{}
	err := h.recordsTx(ctx, v.tx, func(r Record) error {
		byPush[r.PushID] = append(byPush[r.PushID], r)
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range slices.Sorted(mapKeys(byPush)) {
		recs := byPush[id]
		p, ok := st.pushes[id]
		if !ok {
			v.bad("record %d (member %s, local %d): no push row in the chain covers it (added behind SyntX's back)", recs[0].ID, recs[0].Member, recs[0].LocalID)
			continue
		}
		slices.SortFunc(recs, func(a, b Record) int { return int(a.LocalID - b.LocalID) })
		for _, r := range recs {
			if r.Member != p.actor {
				v.bad("record %d: member %s in push %d, which member %s made", r.ID, r.Member, id, p.actor)
			}
		}
		v.rep.Pushes++
		v.rep.Records += len(recs)
		switch {
		case len(recs) != p.count-st.forgotten[id]:
			v.bad("push %d (chain row %d): %d records, the chain says %d (records removed or added)", id, p.seq, len(recs), p.count-st.forgotten[id])
		case st.forgotten[id] > 0 && PushDigest(recs) != st.leftDigest[id]:
			v.bad("push %d (chain row %d): what its member's forget left does not match the digest in the chain (altered)", id, p.seq)
		case st.forgotten[id] == 0 && PushDigest(recs) != p.digest:
			v.bad("push %d (chain row %d): its records do not match the digest in the chain (altered: %s)", id, p.seq, firstAltered(recs))
		}
	}
	// Pushes whose records the caller should see but are all gone.
	for id, p := range st.pushes {
		if _, ok := byPush[id]; ok || st.forgotten[id] >= p.count {
			continue
		}
		if v.rep.Scope == "all" || (v.me != nil && p.actor == *v.me) {
			v.bad("push %d (chain row %d): its %d records are missing (deleted)", id, p.seq, p.count)
		}
	}
	return nil
}

// checkMembers checks each member's role and join row.
func (v *verifier) checkMembers(ctx context.Context) error {
	mrows, err := v.tx.Query(ctx, `SELECT member_id, role FROM syntx.members ORDER BY member_id`)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var id, role string
		if err := mrows.Scan(&id, &role); err != nil {
			return err
		}
		v.rep.Members++
		want := v.st.lastRole[id]
		if want == "" {
			want = "developer"
		}
		if role != want {
			v.bad("member %s has role %s, but the chain gave it %s (changed behind SyntX's back)", id, role, want)
		}
		if !v.st.joined[id] {
			v.bad("member %s has no join row in the chain", id)
		}
	}
	return nil
}

// checkWeights checks the role weights against the chain's.
func (v *verifier) checkWeights(ctx context.Context) error {
	have, err := weightsTx(ctx, v.tx)
	if err != nil {
		return err
	}
	want := v.st.weights
	for role, cats := range have {
		for cat, x := range cats {
			if w, ok := want[role][cat]; !ok || w != x {
				v.bad("role weight %s/%s is %v, the chain says %v", role, cat, x, want[role][cat])
			}
		}
	}
	for role, cats := range want {
		for cat := range cats {
			if _, ok := have[role][cat]; !ok {
				v.bad("role weight %s/%s is missing (the chain sets it)", role, cat)
			}
		}
	}
	return nil
}

// checkPolicy checks the team policy (k, code sharing) against the
// chain's.
func (v *verifier) checkPolicy(ctx context.Context) error {
	var minMembers int
	var shareCode bool
	if err := v.tx.QueryRow(ctx, `SELECT min_members, share_code FROM syntx.hub WHERE id = 1`).Scan(&minMembers, &shareCode); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if set := v.st.settings; minMembers != set.MinMembers || shareCode != set.ShareCode {
		v.bad("the team policy (min_members %d, share_code %v) is not the one the chain set (%d, %v)", minMembers, shareCode, set.MinMembers, set.ShareCode)
	}
	return nil
}

// checkAdapters checks each published adapter against its chain row and
// its file against its SHA-256, and that every adapter row has its
// adapter.
func (v *verifier) checkAdapters(ctx context.Context) error {
	arows, err := v.tx.Query(ctx, `SELECT version, sha256, decision, weights, chain_seq FROM syntx.adapters ORDER BY version`)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer arows.Close()
	seen := map[int64]bool{}
	for arows.Next() {
		var ver, seq int64
		var sha, decision string
		var weights []byte
		if err := arows.Scan(&ver, &sha, &decision, &weights, &seq); err != nil {
			return err
		}
		v.rep.Adapters++
		seen[ver] = true
		cr, ok := v.st.adapterRows[ver]
		switch {
		case !ok:
			v.bad("team adapter t%d has no chain row (published behind SyntX's back)", ver)
		case cr.seq != seq || cr.sha != sha || cr.decide != decision:
			v.bad("team adapter t%d does not match its chain row %d (altered)", ver, cr.seq)
		case sha256Hex(weights) != sha:
			v.bad("team adapter t%d: its weights do not hash to the published SHA-256 (the file was swapped)", ver)
		}
	}
	arows.Close()
	for ver, cr := range v.st.adapterRows {
		if !seen[ver] {
			v.bad("team adapter t%d (chain row %d) is missing (deleted)", ver, cr.seq)
		}
	}
	return arows.Err()
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// firstAltered names the first record whose digest is suspect, for the
// message (the digests are over the whole push, so this is a hint: the
// record with the lowest local id).
func firstAltered(recs []Record) string {
	if len(recs) == 0 {
		return "no records"
	}
	return fmt.Sprintf("records %d to %d", recs[0].ID, recs[len(recs)-1].ID)
}

func mapKeys[V any](m map[int64]V) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
