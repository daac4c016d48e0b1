package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/syntx/syntx/internal/redact"
)

// tx runs fn in a write transaction. Write transactions begin IMMEDIATE
// (see dsn): they wait up to the busy timeout for the write lock, then hold
// it until commit, so they never fail half-way on a lock upgrade. The hash
// key is read once the lock is held, so that no write after a forget --all
// uses the key it rotated. Once the transaction commits, its audit rows go
// to the anchor log.
func (db *DB) tx(ctx context.Context, fn func(*wtx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	w := &wtx{Tx: tx, stmts: db.stmts, pool: db.sql}
	if w.key, err = db.keys.current(); err != nil {
		tx.Rollback()
		return err
	}
	if err := fn(w); err != nil {
		tx.Rollback()
		return err
	}
	if err := w.flushHead(ctx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.anchorRows(w.rows)
	return nil
}

// anchorRows appends committed audit rows to the anchor log. A failure is
// logged, not returned: the rows are committed, and a caller that saw an
// error would write them again.
func (db *DB) anchorRows(rows []Head) {
	if err := db.anchor.append(rows); err != nil {
		db.log.Warn("store: the anchor log lags the audit chain", "err", err)
	}
}

// fromNanos converts stored unix nanoseconds to a UTC time.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// nanos converts a caller's time for storage; zero and out-of-range times
// are refused because UnixNano is undefined for them.
func nanos(what string, t time.Time) (int64, error) {
	if t.IsZero() || t.Year() < 1678 || t.Year() > 2261 {
		return 0, fmt.Errorf("%s: time %v out of range: %w", what, t, ErrInvalid)
	}
	return t.UnixNano(), nil
}

// codeText returns what to store for a code text: the redacted text (or
// NULL when code storage is off, or when there is no text) and the number of
// secrets replaced.
func (db *DB) codeText(s string) (sql.NullString, int) {
	if !db.storeCode || s == "" {
		return sql.NullString{}, 0
	}
	r, n := redact.Redact(s)
	return sql.NullString{String: r, Valid: true}, n
}

func jsonObject(what string, raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "{}", nil
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("%s is not a JSON object: %w", what, ErrInvalid)
	}
	return string(raw), nil
}

// PutSuggestions stores suggestions (usually one candidate set) in one
// transaction. Texts are redacted; with code storage off only their hashes
// and the hash of the document path are kept. A suggestion whose ID exists
// already is an error. Storing a suggestion does not mean it was shown:
// record that with an Offered event (or use Offer).
func (db *DB) PutSuggestions(ctx context.Context, ss ...Suggestion) error {
	err := db.tx(ctx, func(tx *wtx) error {
		for i := range ss {
			if err := db.putSuggestion(ctx, tx, &ss[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put suggestions: %w", err)
	}
	return nil
}

// Offer stores the suggestions and an Offered event for each, at the time
// and with the persona of the suggestion, in one transaction. It returns
// the event ids in the order of ss.
func (db *DB) Offer(ctx context.Context, personaWeight float64, ss ...Suggestion) ([]int64, error) {
	ids := make([]int64, 0, len(ss))
	err := db.tx(ctx, func(tx *wtx) error {
		for i := range ss {
			s := &ss[i]
			if err := db.putSuggestion(ctx, tx, s); err != nil {
				return err
			}
			id, err := db.addEvent(ctx, tx, Event{
				SuggestionID: s.ID, Outcome: Offered, At: s.CreatedAt,
				Persona: s.Persona, PersonaWeight: personaWeight,
			})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: offer: %w", err)
	}
	return ids, nil
}

func (db *DB) putSuggestion(ctx context.Context, tx *wtx, s *Suggestion) error {
	switch {
	case s.ID == "":
		return fmt.Errorf("suggestion without id: %w", ErrInvalid)
	case s.RuleID == "":
		return fmt.Errorf("suggestion %s: no rule id: %w", s.ID, ErrInvalid)
	case !validCategory(s.Category):
		return fmt.Errorf("suggestion %s: unknown category %q: %w", s.ID, s.Category, ErrInvalid)
	case !s.Trigger.Valid():
		return fmt.Errorf("suggestion %s: unknown trigger %q: %w", s.ID, s.Trigger, ErrInvalid)
	case s.Persona == "":
		return fmt.Errorf("suggestion %s: no persona: %w", s.ID, ErrInvalid)
	case math.IsNaN(s.Score) || math.IsInf(s.Score, 0):
		return fmt.Errorf("suggestion %s: score %v: %w", s.ID, s.Score, ErrInvalid)
	}
	at, err := nanos("suggestion "+s.ID, s.CreatedAt)
	if err != nil {
		return err
	}
	features, err := jsonObject("suggestion "+s.ID+" features", s.Features)
	if err != nil {
		return err
	}
	doc := s.Document
	if !db.storeCode {
		doc = docHashPrefix + hashWith(tx.key, doc)
	}
	orig, n1 := db.codeText(s.OriginalText)
	sugg, n2 := db.codeText(s.SuggestedText)
	digest, _, err := insertDigest(ctx, tx, AuditSuggestion, `INSERT INTO suggestions (
		id, created_at, workspace, document, language, rule_id, category, title,
		start_line, start_char, end_line, end_char, features, candidate_set, rank,
		policy_version, score, trigger, persona,
		original_text, suggested_text, original_sha256, suggested_sha256, redactions,
		rule_source, rule_sha256, salt
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, at, s.Workspace, doc, s.Language, s.RuleID, s.Category, s.Title,
		s.Range.Start.Line, s.Range.Start.Character, s.Range.End.Line, s.Range.End.Character,
		features, s.CandidateSet, s.Rank, s.PolicyVersion, s.Score, string(s.Trigger), s.Persona,
		orig, sugg, hashWith(tx.key, s.OriginalText), hashWith(tx.key, s.SuggestedText), n1+n2,
		nullString(s.RuleSource), nullString(s.RuleSHA256), newSalt())
	if err != nil {
		return fmt.Errorf("insert suggestion %s: %w", s.ID, err)
	}
	return appendAudit(ctx, tx, s.CreatedAt, AuditSuggestion, s.ID, suggestionPayload{
		Rule: s.RuleID, Category: s.Category, Trigger: s.Trigger, Set: s.CandidateSet, Rank: s.Rank,
		Persona: s.Persona, Digest: digest,
	})
}

// docHashPrefix marks a document stored as its keyed hash (code storage
// off).
const docHashPrefix = "hmac-sha256:"

// suggestionPayload is what the audit log keeps of a suggestion: ids, the
// rule and the digest of the row, no code and no path.
type suggestionPayload struct {
	Rule     string  `json:"rule"`
	Category string  `json:"category"`
	Trigger  Trigger `json:"trigger"`
	Set      string  `json:"set"`
	Rank     int     `json:"rank"`
	Persona  string  `json:"persona"`
	Digest   string  `json:"digest"`
}

// eventPayload is what the audit log keeps of an event.
type eventPayload struct {
	Suggestion string  `json:"suggestion"`
	Outcome    Outcome `json:"outcome"`
	Rule       string  `json:"rule"`
	Category   string  `json:"category"`
	Persona    string  `json:"persona"`
	Weight     float64 `json:"weight"`
	Reason     Reason  `json:"reason,omitempty"`
	Digest     string  `json:"digest"`
}

// AddEvent records an event and its audit row in one transaction and
// returns the event id. The suggestion must exist.
func (db *DB) AddEvent(ctx context.Context, e Event) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *wtx) error {
		var err error
		id, err = db.addEvent(ctx, tx, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: add event: %w", err)
	}
	return id, nil
}

// RecordOutcome records an event together with the preferences derived
// from it, all with their audit rows, in one transaction: either all of it
// is stored or nothing is. In the preferences' Provenance, the id 0 stands
// for the new event and is replaced by its id. It returns the event id and
// the preference ids in order.
func (db *DB) RecordOutcome(ctx context.Context, e Event, derived ...Preference) (int64, []int64, error) {
	var id int64
	ids := make([]int64, 0, len(derived))
	err := db.tx(ctx, func(tx *wtx) error {
		var err error
		if id, err = db.addEvent(ctx, tx, e); err != nil {
			return err
		}
		for i, p := range derived {
			p.Provenance = slices.Clone(p.Provenance)
			for j, ev := range p.Provenance {
				if ev == 0 {
					p.Provenance[j] = id
				}
			}
			pid, err := db.addPreference(ctx, tx, p)
			if err != nil {
				return fmt.Errorf("preference %d: %w", i, err)
			}
			ids = append(ids, pid)
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("store: record outcome: %w", err)
	}
	return id, ids, nil
}

func (db *DB) addEvent(ctx context.Context, tx *wtx, e Event) (int64, error) {
	switch {
	case !e.Outcome.Valid():
		return 0, fmt.Errorf("unknown outcome %q: %w", e.Outcome, ErrInvalid)
	case e.Reason != "" && e.Outcome != Dismissed:
		return 0, fmt.Errorf("a reason is only for %s events: %w", Dismissed, ErrInvalid)
	case e.Reason != "" && !e.Reason.Valid():
		return 0, fmt.Errorf("unknown dismiss reason %q: %w", e.Reason, ErrInvalid)
	case e.Persona == "":
		return 0, fmt.Errorf("event without persona: %w", ErrInvalid)
	case e.PersonaWeight < 0 || math.IsNaN(e.PersonaWeight) || math.IsInf(e.PersonaWeight, 0):
		return 0, fmt.Errorf("persona weight %v: %w", e.PersonaWeight, ErrInvalid)
	}
	if e.PersonaWeight == 0 {
		e.PersonaWeight = 1
	}
	at, err := nanos("event", e.At)
	if err != nil {
		return 0, err
	}
	var rule, category string
	err = tx.QueryRowContext(ctx, `SELECT rule_id, category FROM suggestions WHERE id = ?`, e.SuggestionID).
		Scan(&rule, &category)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("suggestion %q: %w", e.SuggestionID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("look up suggestion %q: %w", e.SuggestionID, err)
	}
	var reason, finalHash sql.NullString
	if e.Reason != "" {
		reason = sql.NullString{String: string(e.Reason), Valid: true}
	}
	final, _ := db.codeText(e.FinalText)
	if e.FinalText != "" {
		finalHash = sql.NullString{String: hashWith(tx.key, e.FinalText), Valid: true}
	}
	digest, id, err := insertDigest(ctx, tx, AuditEvent, `INSERT INTO events
		(suggestion_id, outcome, at, persona, persona_weight, reason, final_text, final_sha256, salt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.SuggestionID, string(e.Outcome), at, e.Persona, e.PersonaWeight, reason, final, finalHash, newSalt())
	if err != nil {
		return 0, fmt.Errorf("insert event: %w", err)
	}
	ref := strconv.FormatInt(id, 10)
	err = appendAudit(ctx, tx, e.At, AuditEvent, ref, eventPayload{
		Suggestion: e.SuggestionID, Outcome: e.Outcome, Rule: rule, Category: category,
		Persona: e.Persona, Weight: e.PersonaWeight, Reason: e.Reason, Digest: digest,
	})
	return id, err
}

// sidePayload and preferencePayload are what the audit log keeps of a
// preference: ids and roles, not texts.
type sidePayload struct {
	Suggestion string `json:"suggestion,omitempty"`
	Role       string `json:"role"`
}

type preferencePayload struct {
	Kind       PreferenceKind `json:"kind"`
	Chosen     *sidePayload   `json:"chosen,omitempty"`
	Rejected   *sidePayload   `json:"rejected,omitempty"`
	Suggestion string         `json:"suggestion,omitempty"`
	Desirable  *bool          `json:"desirable,omitempty"`
	Weight     float64        `json:"weight"`
	Persona    string         `json:"persona"`
	Provenance []int64        `json:"provenance"`
	Digest     string         `json:"digest"`
}

// AddPreferences stores preferences, each with its audit row, in one
// transaction, and returns their ids in order. Literal texts are redacted,
// or dropped (keeping their hash) when code storage is off.
func (db *DB) AddPreferences(ctx context.Context, ps ...Preference) ([]int64, error) {
	ids := make([]int64, 0, len(ps))
	err := db.tx(ctx, func(tx *wtx) error {
		for i, p := range ps {
			id, err := db.addPreference(ctx, tx, p)
			if err != nil {
				return fmt.Errorf("preference %d: %w", i, err)
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: add preferences: %w", err)
	}
	return ids, nil
}

func (db *DB) addPreference(ctx context.Context, tx *wtx, p Preference) (int64, error) {
	if p.Persona == "" {
		return 0, fmt.Errorf("no persona: %w", ErrInvalid)
	}
	if !(p.Weight > 0) || math.IsInf(p.Weight, 0) {
		return 0, fmt.Errorf("weight %v must be positive: %w", p.Weight, ErrInvalid)
	}
	at, err := nanos("preference", p.CreatedAt)
	if err != nil {
		return 0, err
	}
	ctxJSON, err := jsonObject("context", p.Context)
	if err != nil {
		return 0, err
	}
	prov := p.Provenance
	if prov == nil {
		prov = []int64{}
	}
	provJSON, _ := json.Marshal(prov)
	payload := preferencePayload{Kind: p.Kind, Weight: p.Weight, Persona: p.Persona, Provenance: prov}

	var chosen, rejected sideColumns
	var label sql.NullString
	var desirable sql.NullInt64
	switch p.Kind {
	case Pair:
		if chosen, err = db.sideColumns(ctx, tx, "chosen", p.Chosen); err != nil {
			return 0, err
		}
		if rejected, err = db.sideColumns(ctx, tx, "rejected", p.Rejected); err != nil {
			return 0, err
		}
		if !chosen.id.Valid && !rejected.id.Valid {
			return 0, fmt.Errorf("a pair must name at least one suggestion: %w", ErrInvalid)
		}
		payload.Chosen = &sidePayload{Suggestion: p.Chosen.SuggestionID, Role: p.Chosen.Role}
		payload.Rejected = &sidePayload{Suggestion: p.Rejected.SuggestionID, Role: p.Rejected.Role}
	case Label:
		if p.SuggestionID == "" {
			return 0, fmt.Errorf("a label names no suggestion: %w", ErrInvalid)
		}
		if err := db.mustExist(ctx, tx, p.SuggestionID); err != nil {
			return 0, err
		}
		label = sql.NullString{String: p.SuggestionID, Valid: true}
		desirable = sql.NullInt64{Valid: true}
		if p.Desirable {
			desirable.Int64 = 1
		}
		d := p.Desirable
		payload.Suggestion, payload.Desirable = p.SuggestionID, &d
	default:
		return 0, fmt.Errorf("unknown preference kind %q: %w", p.Kind, ErrInvalid)
	}
	digest, id, err := insertDigest(ctx, tx, AuditPreference, `INSERT INTO preferences (
		created_at, kind,
		chosen_suggestion_id, chosen_text, chosen_sha256, chosen_role,
		rejected_suggestion_id, rejected_text, rejected_sha256, rejected_role,
		suggestion_id, desirable, context, weight, persona, provenance, salt
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		at, string(p.Kind),
		chosen.id, chosen.text, chosen.hash, chosen.role,
		rejected.id, rejected.text, rejected.hash, rejected.role,
		label, desirable, ctxJSON, p.Weight, p.Persona, string(provJSON), newSalt())
	if err != nil {
		return 0, fmt.Errorf("insert preference: %w", err)
	}
	ref := strconv.FormatInt(id, 10)
	payload.Digest = digest
	return id, appendAudit(ctx, tx, p.CreatedAt, AuditPreference, ref, payload)
}

// sideColumns are the columns of one side of a pair preference.
type sideColumns struct {
	id, text, hash, role sql.NullString
}

// sideColumns checks the side of a pair preference called name (it has a
// role, and names a suggestion that exists or a text) and returns its
// columns, with its text kept as code texts are and hashed under the key.
func (db *DB) sideColumns(ctx context.Context, tx *wtx, name string, s Side) (sideColumns, error) {
	if s.Role == "" {
		return sideColumns{}, fmt.Errorf("%s side has no role: %w", name, ErrInvalid)
	}
	if s.SuggestionID == "" && s.Text == "" {
		return sideColumns{}, fmt.Errorf("%s side names neither a suggestion nor a text: %w", name, ErrInvalid)
	}
	var out sideColumns
	out.role = sql.NullString{String: s.Role, Valid: true}
	if s.SuggestionID != "" {
		out.id = sql.NullString{String: s.SuggestionID, Valid: true}
		if err := db.mustExist(ctx, tx, s.SuggestionID); err != nil {
			return sideColumns{}, err
		}
	}
	if s.Text != "" {
		out.text, _ = db.codeText(s.Text)
		out.hash = sql.NullString{String: hashWith(tx.key, s.Text), Valid: true}
	}
	return out, nil
}

func (db *DB) mustExist(ctx context.Context, tx *wtx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM suggestions WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("suggestion %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("look up suggestion %q: %w", id, err)
	}
	return nil
}

// runPayload is what the audit log keeps of a training run.
type runPayload struct {
	Objective      string          `json:"objective"`
	Decision       Decision        `json:"decision,omitempty"`
	AdapterVersion string          `json:"adapter_version,omitempty"`
	AdapterSHA256  string          `json:"adapter_sha256,omitempty"`
	DataCounts     json.RawMessage `json:"data_counts"`
	Metrics        json.RawMessage `json:"metrics"`
	Digest         string          `json:"digest"`
}

// RecordRun stores a finished training run and its audit row, and returns
// the run id. The metrics and data counts go to the audit log too (they are
// numbers, not code), so a rejected adapter stays explained there.
func (db *DB) RecordRun(ctx context.Context, r Run) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *wtx) error {
		var err error
		id, err = recordRun(ctx, tx, r)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: record run: %w", err)
	}
	return id, nil
}

// RecordRunAdapter stores a finished training run and the adapter it
// produced in one transaction: the run as RecordRun does, then the adapter
// r.AdapterVersion (hash r.AdapterSHA256, linked to the new run) in the given
// state as PutAdapter does, each with its audit row. Either both are stored
// or neither, so a crash can never leave a run that names an adapter the
// adapters table does not know. It returns the run id.
func (db *DB) RecordRunAdapter(ctx context.Context, r Run, state string, at time.Time) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *wtx) error {
		if r.AdapterVersion == "" {
			return fmt.Errorf("run names no adapter version: %w", ErrInvalid)
		}
		var err error
		if id, err = recordRun(ctx, tx, r); err != nil {
			return err
		}
		return putAdapter(ctx, tx, Adapter{Version: r.AdapterVersion, SHA256: r.AdapterSHA256, RunID: id, State: state}, at)
	})
	if err != nil {
		return 0, fmt.Errorf("store: record run and adapter: %w", err)
	}
	return id, nil
}

func recordRun(ctx context.Context, tx *wtx, r Run) (int64, error) {
	var id int64
	if r.Objective == "" {
		return 0, fmt.Errorf("run without objective: %w", ErrInvalid)
	}
	if r.Decision != "" && r.Decision != RunAccepted && r.Decision != RunRejected && r.Decision != RunFailed {
		return 0, fmt.Errorf("unknown decision %q: %w", r.Decision, ErrInvalid)
	}
	started, err := nanos("run start", r.StartedAt)
	if err != nil {
		return 0, err
	}
	var finished sql.NullInt64
	if !r.FinishedAt.IsZero() {
		n, err := nanos("run finish", r.FinishedAt)
		if err != nil {
			return 0, err
		}
		finished = sql.NullInt64{Int64: n, Valid: true}
	}
	hyper, err := jsonObject("hyperparams", r.Hyperparams)
	if err != nil {
		return 0, err
	}
	counts, err := jsonObject("data counts", r.DataCounts)
	if err != nil {
		return 0, err
	}
	metrics, err := jsonObject("metrics", r.Metrics)
	if err != nil {
		return 0, err
	}
	if r.LastPreferenceID < 0 {
		return 0, fmt.Errorf("run's last preference id %d: %w", r.LastPreferenceID, ErrInvalid)
	}
	var lastPref sql.NullInt64
	if r.LastPreferenceID > 0 {
		lastPref = sql.NullInt64{Int64: r.LastPreferenceID, Valid: true}
	}
	digest, id, err := insertDigest(ctx, tx, AuditRun, `INSERT INTO runs (started_at, finished_at, objective, hyperparams,
		data_counts, metrics, decision, adapter_version, adapter_sha256, last_preference_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		started, finished, r.Objective, hyper, counts, metrics,
		nullString(string(r.Decision)), nullString(r.AdapterVersion), nullString(r.AdapterSHA256), lastPref)
	if err != nil {
		return 0, fmt.Errorf("insert run: %w", err)
	}
	at := r.FinishedAt
	if at.IsZero() {
		at = r.StartedAt
	}
	ref := strconv.FormatInt(id, 10)
	return id, appendAudit(ctx, tx, at, AuditRun, ref, runPayload{
		Objective: r.Objective, Decision: r.Decision, AdapterVersion: r.AdapterVersion,
		AdapterSHA256: r.AdapterSHA256, DataCounts: json.RawMessage(counts), Metrics: json.RawMessage(metrics),
		Digest: digest,
	})
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// adapterPayload is what the audit log keeps of an adapter change.
type adapterPayload struct {
	Version  string `json:"version"`
	SHA256   string `json:"sha256"`
	State    string `json:"state"`
	Previous string `json:"previous,omitempty"`
	RunID    int64  `json:"run,omitempty"`
	// Digest is the adapter row's; PreviousDigest that of the row of
	// Previous, which this change retired.
	Digest         string `json:"digest,omitempty"`
	PreviousDigest string `json:"previous_digest,omitempty"`
}

// PutAdapter records an adapter version in the given state (candidate,
// active, retired or rejected) at time at, with its audit row. Making one
// active retires the previously active one, so at most one is active;
// activating an older version this way is a rollback.
func (db *DB) PutAdapter(ctx context.Context, a Adapter, at time.Time) error {
	err := db.tx(ctx, func(tx *wtx) error { return putAdapter(ctx, tx, a, at) })
	if err != nil {
		return fmt.Errorf("store: put adapter: %w", err)
	}
	return nil
}

func putAdapter(ctx context.Context, tx *wtx, a Adapter, at time.Time) error {
	switch a.State {
	case AdapterCandidate, AdapterActive, AdapterRetired, AdapterRejected:
	default:
		return fmt.Errorf("unknown adapter state %q: %w", a.State, ErrInvalid)
	}
	if a.Version == "" {
		return fmt.Errorf("adapter without version: %w", ErrInvalid)
	}
	now, err := nanos("adapter", at)
	if err != nil {
		return err
	}
	created := now
	if !a.CreatedAt.IsZero() {
		if created, err = nanos("adapter created", a.CreatedAt); err != nil {
			return err
		}
	}
	var prev string
	if a.State == AdapterActive {
		err := tx.QueryRowContext(ctx, `SELECT version FROM adapters WHERE state = 'active'`).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read active adapter: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE adapters SET state = 'retired' WHERE state = 'active'`); err != nil {
			return fmt.Errorf("retire adapter: %w", err)
		}
	}
	var activated sql.NullInt64
	if a.State == AdapterActive {
		activated = sql.NullInt64{Int64: now, Valid: true}
	}
	var run sql.NullInt64
	if a.RunID != 0 {
		run = sql.NullInt64{Int64: a.RunID, Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO adapters (version, created_at, sha256, run_id, state, activated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (version) DO UPDATE SET state = excluded.state,
			activated_at = coalesce(excluded.activated_at, adapters.activated_at),
			sha256 = CASE WHEN excluded.sha256 = '' THEN adapters.sha256 ELSE excluded.sha256 END,
			run_id = coalesce(excluded.run_id, adapters.run_id)`,
		a.Version, created, a.SHA256, run, a.State, activated)
	if err != nil {
		return fmt.Errorf("store adapter %s: %w", a.Version, err)
	}
	p := adapterPayload{Version: a.Version, SHA256: a.SHA256, State: a.State, Previous: prev, RunID: a.RunID}
	if p.Digest, err = digestOf(ctx, tx, AuditAdapter, a.Version); err != nil {
		return err
	}
	if prev != "" && prev != a.Version {
		if p.PreviousDigest, err = digestOf(ctx, tx, AuditAdapter, prev); err != nil {
			return err
		}
	}
	return appendAudit(ctx, tx, at, AuditAdapter, a.Version, p)
}

// RecordPersona appends a persona audit row: the developer switched to
// persona, whose weight is weight.
func (db *DB) RecordPersona(ctx context.Context, persona string, weight float64, at time.Time) error {
	err := db.tx(ctx, func(tx *wtx) error {
		if persona == "" {
			return fmt.Errorf("empty persona: %w", ErrInvalid)
		}
		if _, err := nanos("persona", at); err != nil {
			return err
		}
		return appendAudit(ctx, tx, at, AuditPersona, persona, struct {
			Persona string  `json:"persona"`
			Weight  float64 `json:"weight"`
		}{persona, weight})
	})
	if err != nil {
		return fmt.Errorf("store: record persona: %w", err)
	}
	return nil
}
