package team

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syntx/syntx/internal/redact"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

// PushOptions configure Push.
type PushOptions struct {
	// Batch is how many records one transaction sends; 500.
	Batch int
	// ShareCode sends the redacted code too (the member's team.share_code;
	// the hub's policy must allow it as well).
	ShareCode bool
	// AuthorRole, for a CI pipeline's push after `syntx review --record`,
	// is the role of the author of the reviewed change: it goes with the
	// records of review suggestions.
	AuthorRole string
	// Pause, when set, is called before each batch, between transactions
	// (no lock on the hub is held then); it may block, to hold a
	// background push while the developer types, and an error ends the
	// push there (what was committed stays, and the next push resumes).
	Pause func(ctx context.Context) error
	// Hook, when set, runs at fixed points of each batch's transaction
	// ("inserted", "recorded") and before each batch ("batch"); an error
	// aborts the push there (tests interrupt pushes with it).
	Hook func(point string, batch int) error
}

// PushResult says what Push sent.
type PushResult struct {
	Sent     int   // records stored by this push
	Present  int   // records the hub had already (sent before)
	Skipped  int   // local preferences that cannot be shared (no suggestion left)
	Batches  int   // transactions committed
	Through  int64 // the newest local preference id the hub now holds
	Head     string
	PushIDs  []int64
	Duration time.Duration
}

// Push sends the preferences recorded in db since the last push, in local
// id order, in transactions of PushOptions.Batch records, each with its
// chain row. Where to start is read from the hub (the newest local id it
// holds for this member and data directory), so a push interrupted at any
// point — before, during or after a transaction — resumes where the last
// committed batch ended, and a record already on the hub is not stored
// again (the hub's unique key, ON CONFLICT DO NOTHING): a preference is
// stored once however often it is pushed.
func (h *Hub) Push(ctx context.Context, home string, db *store.DB, opt PushOptions) (PushResult, error) {
	start := time.Now()
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	st, ok, err := LoadState(home)
	if err != nil {
		return PushResult{}, err
	}
	if !ok {
		return PushResult{}, ErrNotJoined
	}
	hi, err := h.Info(ctx)
	if err != nil {
		return PushResult{}, err
	}
	if hi.TeamID != st.TeamID {
		return PushResult{}, fmt.Errorf("this data directory joined team %s, but %s is team %s", st.TeamID, h.Target, hi.TeamID)
	}
	me, _, err := h.Me(ctx)
	if err != nil {
		return PushResult{}, err
	}
	if me != st.MemberID {
		return PushResult{}, fmt.Errorf("this data directory joined as member %s, but %s is member %s", st.MemberID, h.User, me)
	}
	shareCode := opt.ShareCode && hi.ShareCode
	// The newest local id the hub holds, or held before a forget (its push
	// rows in the chain still say how far they went).
	var cursor int64
	if err := h.conn.QueryRow(ctx, `SELECT greatest(
		(SELECT coalesce(max(local_id), 0) FROM syntx.preferences WHERE member_id = $1 AND install_id = $2),
		(SELECT coalesce(max((payload::json->>'last')::bigint), 0) FROM syntx.chain
		 WHERE kind = 'push' AND actor = $1 AND payload::json->>'install' = $2))`,
		me, st.Install).Scan(&cursor); err != nil {
		return PushResult{}, fmt.Errorf("push: %w", err)
	}
	res := PushResult{}
	cursor = max(cursor, st.SkippedThrough)
	res.Through = cursor
	ex := newExtractor(db, me, st.Install, shareCode, opt.AuthorRole)
	for batch := 0; ; batch++ {
		if err := opt.beforeBatch(ctx, batch); err != nil {
			return res, err
		}
		recs, last, skipped, err := ex.next(ctx, cursor, opt.Batch)
		if err != nil {
			return res, fmt.Errorf("push: %w", err)
		}
		res.Skipped += skipped
		if last == 0 {
			break
		}
		if len(recs) > 0 {
			sent, pushID, err := h.pushBatch(ctx, recs, batch, opt.Hook)
			if err != nil {
				return res, err
			}
			res.Sent += sent
			res.Present += len(recs) - sent
			if sent > 0 {
				res.Batches++
				res.PushIDs = append(res.PushIDs, pushID)
			}
		}
		cursor = last
		res.Through = cursor
	}
	if res.Head, err = h.Head(ctx); err != nil {
		return res, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// beforeBatch runs between two batches (no transaction open): it stops a
// push whose context ended, waits while Pause holds it, and runs the test
// hook.
func (opt PushOptions) beforeBatch(ctx context.Context, batch int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if opt.Pause != nil {
		if err := opt.Pause(ctx); err != nil {
			return err
		}
	}
	if opt.Hook != nil {
		return opt.Hook("batch", batch)
	}
	return nil
}

// pushBatch stores recs in one transaction with its chain row, and returns
// how many were new.
func (h *Hub) pushBatch(ctx context.Context, recs []Record, batch int, hook func(string, int) error) (int, int64, error) {
	tx, err := h.conn.Begin(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("push: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var pushID int64
	if err := tx.QueryRow(ctx, `SELECT nextval('syntx.push_ids')`).Scan(&pushID); err != nil {
		return 0, 0, fmt.Errorf("push: %w", err)
	}
	for i := range recs {
		recs[i].PushID = pushID
	}
	roles, err := insertRecords(ctx, tx, pushID, recs)
	if err != nil {
		return 0, 0, err
	}
	if hook != nil {
		if err := hook("inserted", batch); err != nil {
			return 0, 0, err
		}
	}
	if len(roles) == 0 {
		return 0, pushID, nil // all present already: nothing to record
	}
	var stored []Record
	for _, r := range recs {
		if role, ok := roles[r.LocalID]; ok {
			r.Role = role
			stored = append(stored, r)
		}
	}
	if err := recordPush(ctx, tx, pushID, stored); err != nil {
		return 0, 0, err
	}
	if hook != nil {
		if err := hook("recorded", batch); err != nil {
			return 0, 0, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("push: %w", err)
	}
	return len(stored), pushID, nil
}

// recordColumns are a batch of records column by column, as the insert's
// unnest reads them.
type recordColumns struct {
	member, install, kind, rule, cat, lang, outcome, persona, trigger, setKey []string
	authorRole, orig, sugg                                                    []*string
	local                                                                     []int64
	created                                                                   []time.Time
	evidence                                                                  []float64
	rows                                                                      [][]byte
	pos, neg                                                                  []int16
}

func columnsOf(recs []Record) recordColumns {
	var cols recordColumns
	for i := range recs {
		r := &recs[i]
		cols.member = append(cols.member, r.Member)
		cols.install = append(cols.install, r.Install)
		cols.local = append(cols.local, r.LocalID)
		cols.created = append(cols.created, r.CreatedAt)
		cols.kind = append(cols.kind, r.Kind)
		cols.rule = append(cols.rule, r.RuleID)
		cols.cat = append(cols.cat, r.Category)
		cols.lang = append(cols.lang, r.Language)
		cols.outcome = append(cols.outcome, r.Outcome)
		cols.evidence = append(cols.evidence, r.Evidence)
		cols.persona = append(cols.persona, r.Persona)
		var ar *string
		if r.AuthorRole != "" {
			ar = &r.AuthorRole
		}
		cols.authorRole = append(cols.authorRole, ar)
		cols.trigger = append(cols.trigger, r.Trigger)
		cols.setKey = append(cols.setKey, r.SetKey)
		cols.rows = append(cols.rows, r.Rows)
		cols.pos = append(cols.pos, int16(r.Pos))
		cols.neg = append(cols.neg, int16(r.Neg))
		cols.orig = append(cols.orig, r.OriginalText)
		cols.sugg = append(cols.sugg, r.SuggestedText)
	}
	return cols
}

// insertRecords inserts the records not stored yet as push pushID and
// returns the role the hub gave each new one, by local id.
func insertRecords(ctx context.Context, tx pgx.Tx, pushID int64, recs []Record) (map[int64]string, error) {
	cols := columnsOf(recs)
	rows, err := tx.Query(ctx, `INSERT INTO syntx.preferences (member_id, install_id, local_id, push_id, created_at, kind,
		rule_id, category, language, outcome, evidence, persona, role, author_role, trigger, set_key, rows, pos, neg,
		original_text, suggested_text)
	SELECT m, i, l, $4, c, k, ru, ca, la, o, e, pe, '', ar, tr, sk, rw, po, ne, ot, st
	FROM unnest($1::text[], $2::text[], $3::bigint[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[],
		$10::text[], $11::float8[], $12::text[], $13::text[], $14::text[], $15::text[], $16::bytea[], $17::int2[], $18::int2[],
		$19::text[], $20::text[])
		AS u(m, i, l, c, k, ru, ca, la, o, e, pe, ar, tr, sk, rw, po, ne, ot, st)
	ON CONFLICT (member_id, install_id, local_id) DO NOTHING
	RETURNING local_id, role`,
		cols.member, cols.install, cols.local, pushID, cols.created, cols.kind, cols.rule, cols.cat, cols.lang,
		cols.outcome, cols.evidence, cols.persona, cols.authorRole, cols.trigger, cols.setKey, cols.rows, cols.pos, cols.neg,
		cols.orig, cols.sugg)
	if err != nil {
		return nil, fmt.Errorf("push: %w", err)
	}
	defer rows.Close()
	roles := map[int64]string{}
	for rows.Next() {
		var id int64
		var role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, fmt.Errorf("push: %w", err)
		}
		roles[id] = role
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("push: %w", err)
	}
	return roles, nil
}

// recordPush appends the chain row of a push that stored the records
// stored (at least one): their count, local id range and digest.
func recordPush(ctx context.Context, tx pgx.Tx, pushID int64, stored []Record) error {
	slices.SortFunc(stored, func(a, b Record) int { return int(a.LocalID - b.LocalID) })
	payload := fmt.Sprintf(`{"push":%d,"install":%q,"count":%d,"first":%d,"last":%d,"digest":%q}`,
		pushID, stored[0].Install, len(stored), stored[0].LocalID, stored[len(stored)-1].LocalID, PushDigest(stored))
	if _, err := tx.Exec(ctx, `SELECT syntx.record('push', $1)`, payload); err != nil {
		return fmt.Errorf("push: record in the chain: %w", err)
	}
	return nil
}

// extractor turns local preferences into records.
type extractor struct {
	db              *store.DB
	member, install string
	shareCode       bool
	authorRole      string
	sets            map[string][]store.Suggestion
	buf             []float32
}

func newExtractor(db *store.DB, member, install string, shareCode bool, authorRole string) *extractor {
	return &extractor{db: db, member: member, install: install, shareCode: shareCode, authorRole: authorRole,
		sets: map[string][]store.Suggestion{}, buf: make([]float32, model.FeatureWidth)}
}

var errBatchFull = errors.New("batch full")

// next returns up to n records of the preferences after id `after`, the
// newest local id it looked at (0 when there are none left), and how many
// it skipped.
func (x *extractor) next(ctx context.Context, after int64, n int) ([]Record, int64, int, error) {
	var prefs []store.Preference
	err := x.db.Preferences(ctx, store.PreferenceFilter{AfterID: after}, func(p store.Preference) error {
		prefs = append(prefs, p)
		if len(prefs) >= n {
			return errBatchFull
		}
		return nil
	})
	if err != nil && !errors.Is(err, errBatchFull) {
		return nil, 0, 0, err
	}
	if len(prefs) == 0 {
		return nil, 0, 0, nil
	}
	var out []Record
	skipped := 0
	for _, p := range prefs {
		r, ok, err := x.record(ctx, p)
		if err != nil {
			return nil, 0, 0, err
		}
		if !ok {
			skipped++
			continue
		}
		out = append(out, r)
	}
	return out, prefs[len(prefs)-1].ID, skipped, nil
}

// record maps one local preference to a record; ok is false when it cannot
// be shared (its suggestion was forgotten, or its sides say nothing).
func (x *extractor) record(ctx context.Context, p store.Preference) (Record, bool, error) {
	mainID := mainSuggestion(p)
	if mainID == "" {
		return Record{}, false, nil
	}
	s, err := x.db.Suggestion(ctx, mainID)
	if errors.Is(err, store.ErrNotFound) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	set, err := x.set(ctx, s)
	if err != nil {
		return Record{}, false, err
	}
	r := Record{Member: x.member, Install: x.install, LocalID: p.ID, CreatedAt: p.CreatedAt.UTC().Truncate(time.Microsecond),
		Kind: string(p.Kind), RuleID: s.RuleID, Category: s.Category, Language: s.Language, Persona: p.Persona,
		Trigger: string(s.Trigger)}
	var ok bool
	if r.Pos, r.Neg, ok = sides(p, set); !ok {
		return Record{}, false, nil
	}
	outcome, pw, err := x.outcome(ctx, p)
	if err != nil {
		return Record{}, false, err
	}
	r.Outcome = outcome
	r.Evidence = min(100, p.Weight/pw)
	if !(r.Evidence > 0) {
		return Record{}, false, nil
	}
	if s.Trigger == store.Review && x.authorRole != "" {
		r.AuthorRole = x.authorRole
	}
	if ok, err := x.fill(&r, s, set); !ok || err != nil {
		return Record{}, false, err
	}
	return r, true, nil
}

// mainSuggestion is the suggestion a preference is about: a label's, or
// the first side of a pair that is a suggestion or a candidate ("" for
// none).
func mainSuggestion(p store.Preference) string {
	if p.Kind == store.Pair {
		for _, sd := range []store.Side{p.Chosen, p.Rejected} {
			if sd.SuggestionID != "" && (sd.Role == store.RoleSuggestion || sd.Role == store.RoleCandidate) {
				return sd.SuggestionID
			}
		}
	}
	return p.SuggestionID
}

// sides returns the indices in set of p's preferred and rejected sides
// (-1: showing nothing); ok is false when a side is not in the set, the
// two are the same, or p is neither a label nor a pair.
func sides(p store.Preference, set []store.Suggestion) (pos, neg int, ok bool) {
	index := func(id string) int {
		for i, m := range set {
			if m.ID == id {
				return i
			}
		}
		return -2
	}
	side := func(sd store.Side) int {
		if sd.Role == store.RoleOriginal || sd.Role == store.RoleDeveloper || sd.SuggestionID == "" {
			return -1
		}
		return index(sd.SuggestionID)
	}
	switch p.Kind {
	case store.Label:
		i := index(p.SuggestionID)
		pos, neg = i, -1
		if !p.Desirable {
			pos, neg = -1, i
		}
	case store.Pair:
		pos, neg = side(p.Chosen), side(p.Rejected)
	default:
		return 0, 0, false
	}
	return pos, neg, pos != -2 && neg != -2 && pos != neg
}

// fill sets r's feature rows, set key and (when shared) redacted code from
// its suggestion s and candidate set; ok is false when the rows do not
// encode.
func (x *extractor) fill(r *Record, s store.Suggestion, set []store.Suggestion) (bool, error) {
	rows := make([]train.FeatureRow, len(set))
	for i, m := range set {
		rows[i] = featureRow(sharedCandidate(m), x.buf)
	}
	var err error
	if r.Rows, err = EncodeRows(rows); err != nil {
		return false, nil
	}
	key := x.db.Hash("syntx-team-set\x00" + s.CandidateSet + "\x00" + s.ID)
	if s.CandidateSet != "" {
		key = x.db.Hash("syntx-team-set\x00" + s.CandidateSet)
	}
	if len(key) < 16 {
		return false, errors.New("the hash key is unreadable")
	}
	r.SetKey = key[:16]
	if x.shareCode && s.CodeStored {
		o, _ := redact.Redact(s.OriginalText)
		g, _ := redact.Redact(s.SuggestedText)
		r.OriginalText, r.SuggestedText = &o, &g
	}
	return true, nil
}

// set returns the candidate set s was offered in (s alone without one),
// at most maxSetRows of it, always with s.
func (x *extractor) set(ctx context.Context, s store.Suggestion) ([]store.Suggestion, error) {
	if s.CandidateSet == "" {
		return []store.Suggestion{s}, nil
	}
	if set, ok := x.sets[s.CandidateSet]; ok {
		return set, nil
	}
	set, err := x.db.CandidateSet(ctx, s.CandidateSet)
	if err != nil {
		return nil, err
	}
	if len(set) > maxSetRows {
		set = set[:maxSetRows]
	}
	if !slices.ContainsFunc(set, func(m store.Suggestion) bool { return m.ID == s.ID }) {
		set = append(set[:min(len(set), maxSetRows-1)], s)
	}
	if len(x.sets) > 4096 {
		clear(x.sets)
	}
	x.sets[s.CandidateSet] = set
	return set, nil
}

var errFound = errors.New("found")

// outcome returns what the developer did (the outcome of the event that
// yielded p, its first provenance id) and that event's persona weight.
func (x *extractor) outcome(ctx context.Context, p store.Preference) (string, float64, error) {
	if len(p.Provenance) == 0 {
		return "", 1, nil
	}
	var ev store.Event
	err := x.db.Events(ctx, store.EventFilter{AfterID: p.Provenance[0] - 1}, func(e store.Event) error {
		ev = e
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", 1, err
	}
	out := string(ev.Outcome)
	if ev.ID != p.Provenance[0] || out == "" || out == string(store.Offered) {
		out = outcomeOfContext(p)
	}
	pw := ev.PersonaWeight
	if !(pw > 0) {
		pw = 1
	}
	return out, pw, nil
}

// outcomeOfContext guesses the outcome of a preference whose event is gone.
func outcomeOfContext(p store.Preference) string {
	switch {
	case p.Kind == store.Label && p.Desirable:
		return "kept"
	case p.Kind == store.Pair && strings.EqualFold(p.Chosen.Role, store.RoleDeveloper):
		return "edited"
	case p.Kind == store.Pair && p.Chosen.Role == store.RoleOriginal:
		return "undone"
	case p.Kind == store.Pair:
		return "kept"
	}
	return "dismissed"
}

// sharedCandidate is the candidate a suggestion was scored with, without
// the persona: the team adapter learns the team's taste, which a new
// member (whose persona name nobody else has) must get, rather than each
// persona's apart; and a persona name is the member's to keep. The record
// still names the persona, for the report.
func sharedCandidate(s store.Suggestion) model.Candidate {
	c := train.CandidateOf(s)
	c.Persona = ""
	return c
}
