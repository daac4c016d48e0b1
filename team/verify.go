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
	rep := VerifyReport{Scope: "own"}
	tx, err := h.conn.BeginTx(ctx, pgxRepeatableRead)
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	defer tx.Rollback(ctx)
	var trainer bool
	if err := tx.QueryRow(ctx, `SELECT syntx.is_trainer()`).Scan(&trainer); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	if trainer {
		rep.Scope = "all"
	}
	var me *string
	if err := tx.QueryRow(ctx, `SELECT syntx.me()`).Scan(&me); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	bad := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }

	// The chain.
	rows, err := tx.Query(ctx, `SELECT seq, at, kind, actor, payload, prev_hash, hash FROM syntx.chain ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	var chain []ChainRow
	for rows.Next() {
		var c ChainRow
		if err := rows.Scan(&c.Seq, &c.At, &c.Kind, &c.Actor, &c.Payload, &c.PrevHash, &c.Hash); err != nil {
			rows.Close()
			return rep, fmt.Errorf("verify: %w", err)
		}
		chain = append(chain, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	rep.Rows = int64(len(chain))
	prev := strings.Repeat("0", 64)
	broken := false
	for i, c := range chain {
		switch {
		case c.Seq != int64(i+1):
			bad("chain row %d: expected seq %d (a row was removed or inserted)", c.Seq, i+1)
		case c.PrevHash != prev:
			bad("chain row %d: does not link to row %d (a row before it was altered, removed or inserted)", c.Seq, c.Seq-1)
		case RowHash(prev, c.Seq, c.At, c.Kind, c.Actor, c.Payload) != c.Hash:
			bad("chain row %d (%s): its content does not match its hash (altered)", c.Seq, c.Kind)
		default:
			prev = c.Hash
			continue
		}
		broken = true
		break
	}
	var headSeq int64
	var headHash string
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM syntx.chain_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	rep.Head = fmt.Sprintf("%d:%s", headSeq, headHash)
	if !broken {
		last := ChainRow{Hash: strings.Repeat("0", 64)}
		if len(chain) > 0 {
			last = chain[len(chain)-1]
		}
		if headSeq != last.Seq || headHash != last.Hash {
			bad("the chain head (%d) is not the last chain row (%d): rows were cut from the end or the head rewritten", headSeq, last.Seq)
		}
	}
	if opt.Head != "" {
		s, hash, ok := strings.Cut(opt.Head, ":")
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case !ok || err != nil:
			bad("--head %q is not SEQ:HASH", opt.Head)
		case n < 1 || n > int64(len(chain)):
			bad("the noted head %d is past the chain's end (%d rows): the chain was cut", n, len(chain))
		case chain[n-1].Hash != hash:
			bad("chain row %d is not the one noted (%s…): the chain was rewritten from there", n, short(hash))
		}
	}

	// The records the caller can see, by push.
	type pushRow struct {
		seq            int64
		actor, install string
		count          int
		first, last    int64
		digest         string
	}
	pushes := map[int64]pushRow{}
	lastRole := map[string]string{}
	joined := map[string]bool{}
	weights := DefaultWeights()
	var settings struct {
		MinMembers int  `json:"min_members"`
		ShareCode  bool `json:"share_code"`
	}
	forgotten := map[int64]int{}     // push id → records forgotten
	leftDigest := map[int64]string{} // push id → digest of what a forget left
	adapterRows := map[int64]struct {
		seq    int64
		sha    string
		decide string
	}{}
	for _, c := range chain {
		switch c.Kind {
		case "push":
			var p struct {
				Push    int64  `json:"push"`
				Install string `json:"install"`
				Count   int    `json:"count"`
				First   int64  `json:"first"`
				Last    int64  `json:"last"`
				Digest  string `json:"digest"`
			}
			if err := json.Unmarshal([]byte(c.Payload), &p); err != nil {
				bad("chain row %d: unreadable push payload", c.Seq)
				continue
			}
			if _, dup := pushes[p.Push]; dup {
				bad("chain row %d: push %d is recorded twice", c.Seq, p.Push)
			}
			pushes[p.Push] = pushRow{seq: c.Seq, actor: c.Actor, install: p.Install, count: p.Count, first: p.First, last: p.Last, digest: p.Digest}
		case "join":
			joined[c.Actor] = true
		case "role":
			var p struct{ Member, Role string }
			if json.Unmarshal([]byte(c.Payload), &p) == nil {
				lastRole[p.Member] = p.Role
			}
		case "weight":
			var p struct{ Role, Category, Weight string }
			if json.Unmarshal([]byte(c.Payload), &p) == nil {
				v, _ := strconv.ParseFloat(p.Weight, 64)
				if weights[p.Role] == nil {
					weights[p.Role] = map[string]float64{}
				}
				weights[p.Role][p.Category] = v
			}
		case "init", "settings":
			_ = json.Unmarshal([]byte(c.Payload), &settings)
		case "forget":
			var p struct {
				Pushes map[string]int    `json:"pushes"`
				Left   map[string]string `json:"left"`
			}
			if err := json.Unmarshal([]byte(c.Payload), &p); err != nil {
				bad("chain row %d: unreadable forget payload", c.Seq)
			}
			for id, n := range p.Pushes {
				v, _ := strconv.ParseInt(id, 10, 64)
				forgotten[v] += n
			}
			for id, d := range p.Left {
				v, _ := strconv.ParseInt(id, 10, 64)
				leftDigest[v] = d
			}
		case "adapter":
			var p struct {
				Version  int64  `json:"version"`
				SHA256   string `json:"sha256"`
				Decision string `json:"decision"`
			}
			if json.Unmarshal([]byte(c.Payload), &p) == nil {
				adapterRows[p.Version] = struct {
					seq    int64
					sha    string
					decide string
				}{c.Seq, p.SHA256, p.Decision}
			}
		}
	}
	byPush := map[int64][]Record{}
	err = h.recordsTx(ctx, tx, func(r Record) error {
		byPush[r.PushID] = append(byPush[r.PushID], r)
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, id := range slices.Sorted(mapKeys(byPush)) {
		recs := byPush[id]
		p, ok := pushes[id]
		if !ok {
			bad("record %d (member %s, local %d): no push row in the chain covers it (added behind SyntX's back)", recs[0].ID, recs[0].Member, recs[0].LocalID)
			continue
		}
		slices.SortFunc(recs, func(a, b Record) int { return int(a.LocalID - b.LocalID) })
		for _, r := range recs {
			if r.Member != p.actor {
				bad("record %d: member %s in push %d, which member %s made", r.ID, r.Member, id, p.actor)
			}
		}
		rep.Pushes++
		rep.Records += len(recs)
		switch {
		case len(recs) != p.count-forgotten[id]:
			bad("push %d (chain row %d): %d records, the chain says %d (records removed or added)", id, p.seq, len(recs), p.count-forgotten[id])
		case forgotten[id] > 0 && PushDigest(recs) != leftDigest[id]:
			bad("push %d (chain row %d): what its member's forget left does not match the digest in the chain (altered)", id, p.seq)
		case forgotten[id] == 0 && PushDigest(recs) != p.digest:
			bad("push %d (chain row %d): its records do not match the digest in the chain (altered: %s)", id, p.seq, firstAltered(recs))
		}
	}
	// Pushes whose records the caller should see but are all gone.
	for id, p := range pushes {
		if _, ok := byPush[id]; ok || forgotten[id] >= p.count {
			continue
		}
		if rep.Scope == "all" || (me != nil && p.actor == *me) {
			bad("push %d (chain row %d): its %d records are missing (deleted)", id, p.seq, p.count)
		}
	}

	// Members and roles.
	mrows, err := tx.Query(ctx, `SELECT member_id, role FROM syntx.members ORDER BY member_id`)
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	for mrows.Next() {
		var id, role string
		if err := mrows.Scan(&id, &role); err != nil {
			mrows.Close()
			return rep, err
		}
		rep.Members++
		want := lastRole[id]
		if want == "" {
			want = "developer"
		}
		if role != want {
			bad("member %s has role %s, but the chain gave it %s (changed behind SyntX's back)", id, role, want)
		}
		if !joined[id] {
			bad("member %s has no join row in the chain", id)
		}
	}
	mrows.Close()

	// Role weights.
	have, err := weightsTx(ctx, tx)
	if err != nil {
		return rep, err
	}
	for role, cats := range have {
		for cat, v := range cats {
			if w, ok := weights[role][cat]; !ok || w != v {
				bad("role weight %s/%s is %v, the chain says %v", role, cat, v, weights[role][cat])
			}
		}
	}
	for role, cats := range weights {
		for cat := range cats {
			if _, ok := have[role][cat]; !ok {
				bad("role weight %s/%s is missing (the chain sets it)", role, cat)
			}
		}
	}
	var minMembers int
	var shareCode bool
	if err := tx.QueryRow(ctx, `SELECT min_members, share_code FROM syntx.hub WHERE id = 1`).Scan(&minMembers, &shareCode); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	if minMembers != settings.MinMembers || shareCode != settings.ShareCode {
		bad("the team policy (min_members %d, share_code %v) is not the one the chain set (%d, %v)", minMembers, shareCode, settings.MinMembers, settings.ShareCode)
	}

	// Adapters.
	arows, err := tx.Query(ctx, `SELECT version, sha256, decision, weights, chain_seq FROM syntx.adapters ORDER BY version`)
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	seen := map[int64]bool{}
	for arows.Next() {
		var v, seq int64
		var sha, decision string
		var weights []byte
		if err := arows.Scan(&v, &sha, &decision, &weights, &seq); err != nil {
			arows.Close()
			return rep, err
		}
		rep.Adapters++
		seen[v] = true
		cr, ok := adapterRows[v]
		switch {
		case !ok:
			bad("team adapter t%d has no chain row (published behind SyntX's back)", v)
		case cr.seq != seq || cr.sha != sha || cr.decide != decision:
			bad("team adapter t%d does not match its chain row %d (altered)", v, cr.seq)
		case sha256Hex(weights) != sha:
			bad("team adapter t%d: its weights do not hash to the published SHA-256 (the file was swapped)", v)
		}
	}
	arows.Close()
	for v, cr := range adapterRows {
		if !seen[v] {
			bad("team adapter t%d (chain row %d) is missing (deleted)", v, cr.seq)
		}
	}
	slices.Sort(rep.Problems)
	return rep, nil
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
