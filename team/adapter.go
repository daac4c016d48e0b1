package team

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/train"
)

// Records reads every shared record (a trainer's right; a member reads
// only its own), oldest first, calling fn for each.
func (h *Hub) Records(ctx context.Context, fn func(Record) error) error {
	return h.recordsTx(ctx, h.conn, fn)
}

// querier is a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var pgxRepeatableRead = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

func (h *Hub) recordsTx(ctx context.Context, q querier, fn func(Record) error) error {
	rows, err := q.Query(ctx, `SELECT id, member_id, install_id, local_id, push_id, created_at, kind, rule_id, category,
		language, outcome, evidence, persona, role, author_role, trigger, set_key, rows, pos, neg, original_text, suggested_text
		FROM syntx.preferences ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Record
		var ar *string
		var pos, neg int16
		if err := rows.Scan(&r.ID, &r.Member, &r.Install, &r.LocalID, &r.PushID, &r.CreatedAt, &r.Kind, &r.RuleID, &r.Category,
			&r.Language, &r.Outcome, &r.Evidence, &r.Persona, &r.Role, &ar, &r.Trigger, &r.SetKey, &r.Rows, &pos, &neg,
			&r.OriginalText, &r.SuggestedText); err != nil {
			return fmt.Errorf("read records: %w", err)
		}
		if ar != nil {
			r.AuthorRole = *ar
		}
		r.Pos, r.Neg = int(pos), int(neg)
		r.CreatedAt = r.CreatedAt.UTC()
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// WeightRole is the role whose weight a record gets: for a review outcome
// pushed with the author's role, the author's (the author decided what
// became of the suggestion); otherwise the role of the member who pushed
// it.
func (r *Record) WeightRole() string {
	if r.AuthorRole != "" {
		return r.AuthorRole
	}
	return r.Role
}

// Published is a team adapter as the hub keeps it.
type Published struct {
	Version    int64
	CreatedAt  time.Time
	Decision   string
	BaseSHA256 string
	SHA256     string
	Config     []byte
	Weights    []byte
	Counts     Counts
	Metrics    train.Metrics
	Hyper      train.Hyperparams
	LastID     int64
	ChainSeq   int64
}

// Saw is the newest record id the adapter trained on when it is a refit
// (trained on every record its run read, the held-out ones included), and
// 0 when it is not. Record ids are one sequence across members, so one id
// says, for every member, which of their records the refit read: those
// with an id up to last_id (a record with a smaller id that committed
// after the run read the table counts as seen — the gate then leaves out
// a record it could have used, never compares on one the adapter saw).
func (p *Published) Saw() int64 {
	if p.Metrics.Refit == nil {
		return 0
	}
	return p.LastID
}

// lineageSaw is the newest record id the published adapter latest trained
// on itself or through the adapters its run started from (each run's
// warm_start, a published version), the largest Saw along that chain: a
// run warm-started from a refit carries what the refit read, refit or not.
func lineageSaw(latest Published, all []Published) int64 {
	byName := make(map[string]Published, len(all))
	for _, p := range all {
		byName[train.TeamVersionName(p.Version)] = p
	}
	saw := latest.Saw()
	seen := map[string]bool{train.TeamVersionName(latest.Version): true}
	for v := latest.Hyper.WarmStart; v != "" && !seen[v]; {
		seen[v] = true
		p, ok := byName[v]
		if !ok {
			break
		}
		saw = max(saw, p.Saw())
		v = p.Hyper.WarmStart
	}
	return saw
}

// Counts are a team run's data counts by role and category.
type Counts struct {
	Records    int                    `json:"records"`
	Members    int                    `json:"members"`
	Train      int                    `json:"train"`
	Holdout    int                    `json:"holdout"`
	ByRoleCat  map[string]CountWeight `json:"by_role_category"` // "role/category"
	Skipped    map[string]int         `json:"skipped,omitempty"`
	LastRecord int64                  `json:"last_record"`
}

// CountWeight is how many records of a role and category a run used, and
// their total weight (evidence × role weight, before recency).
type CountWeight struct {
	N      int     `json:"n"`
	Weight float64 `json:"weight"`
}

// Adapters lists the published team adapters, newest first; with
// withFiles the adapter files too.
func (h *Hub) Adapters(ctx context.Context, withFiles bool) ([]Published, error) {
	files := "NULL::bytea, NULL::bytea"
	if withFiles {
		files = "config, weights"
	}
	rows, err := h.conn.Query(ctx, `SELECT `+publishedColumns(files)+` FROM syntx.adapters ORDER BY version DESC`)
	if err != nil {
		return nil, fmt.Errorf("team adapters: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Published, error) { return scanPublished(r) })
}

// publishedColumns is the column list scanPublished reads, with files the
// two adapter file columns (or NULLs in their place).
func publishedColumns(files string) string {
	return `version, created_at, decision, base_sha256, sha256, ` + files + `, counts, metrics, hyper, last_id, chain_seq`
}

// scanPublished reads one row of publishedColumns. Counts, metrics and
// hyper-parameters are JSON the hub stored when publishing; one that does
// not decode is an error, not a zero value: a zero Metrics would make a
// refit look like none (Published.Saw) and bias the next run's gate.
func scanPublished(r pgx.Row) (Published, error) {
	var p Published
	var counts, metrics, hyper string
	if err := r.Scan(&p.Version, &p.CreatedAt, &p.Decision, &p.BaseSHA256, &p.SHA256, &p.Config, &p.Weights, &counts,
		&metrics, &hyper, &p.LastID, &p.ChainSeq); err != nil {
		return p, err
	}
	for _, f := range []struct {
		name, text string
		v          any
	}{{"counts", counts, &p.Counts}, {"metrics", metrics, &p.Metrics}, {"hyper-parameters", hyper, &p.Hyper}} {
		if err := json.Unmarshal([]byte(f.text), f.v); err != nil {
			return p, fmt.Errorf("team adapter t%d: its %s do not decode: %w", p.Version, f.name, err)
		}
	}
	return p, nil
}

// Withdrawn returns the team adapters withdrawn because a member forgot
// records they were trained on (the forget rows of the chain).
func (h *Hub) Withdrawn(ctx context.Context) (map[int64]bool, error) {
	rows, err := h.conn.Query(ctx, `SELECT payload FROM syntx.chain WHERE kind = 'forget' ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("withdrawn team adapters: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			return nil, err
		}
		var p struct {
			Withdrawn []int64 `json:"withdrawn"`
		}
		if json.Unmarshal([]byte(payload), &p) == nil {
			for _, v := range p.Withdrawn {
				out[v] = true
			}
		}
	}
	return out, rows.Err()
}

// Latest returns the newest accepted team adapter that was not withdrawn,
// with its files; ok is false when there is none.
func (h *Hub) Latest(ctx context.Context) (Published, bool, error) {
	gone, err := h.Withdrawn(ctx)
	if err != nil {
		return Published{}, false, err
	}
	rows, err := h.conn.Query(ctx, `SELECT `+publishedColumns("config, weights")+` FROM syntx.adapters WHERE decision = 'accepted' ORDER BY version DESC`)
	if err != nil {
		return Published{}, false, fmt.Errorf("latest team adapter: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPublished(rows)
		if err != nil {
			return p, false, fmt.Errorf("latest team adapter: %w", err)
		}
		if !gone[p.Version] {
			return p, true, nil
		}
	}
	return Published{}, false, rows.Err()
}

// TrainResult says what Train did.
type TrainResult struct {
	train.TeamResult
	Counts   Counts
	Version  int64 // the published version (0 when nothing was published)
	SHA256   string
	Previous int64 // the team adapter active before (0: the base)
}

// Train trains a team adapter on every shared record with role weights
// (Weights.Of for the record's WeightRole and category, times its evidence)
// and recency, with local training's objectives, gate and refit
// (train.RunTeam): the held-out records are each member's newest. The run
// is published, accepted or rejected, with its data counts per role and
// category, metrics, hyper-parameters and the adapter file's SHA-256, and a
// chain row; members pull only accepted adapters. The caller needs the
// trainer role. With too few records it returns an error wrapping
// train.ErrNotEnoughData and publishes nothing.
func (h *Hub) Train(ctx context.Context, base *model.Network, s train.Settings) (TrainResult, error) {
	if base == nil {
		var err error
		if base, err = model.LoadBase(); err != nil {
			return TrainResult{}, err
		}
	}
	w, err := h.Weights(ctx)
	if err != nil {
		return TrainResult{}, err
	}
	var recs []train.TeamRecord
	counts := Counts{ByRoleCat: map[string]CountWeight{}, Skipped: map[string]int{}}
	members := map[string]bool{}
	err = h.Records(ctx, func(r Record) error {
		counts.Records++
		counts.LastRecord = max(counts.LastRecord, r.ID)
		rows, err := DecodeRows(r.Rows)
		if err != nil {
			counts.Skipped["undecodable rows"]++
			return nil
		}
		role := r.WeightRole()
		rw := w.Of(role, r.Category)
		weight := r.Evidence * rw
		members[r.Member] = true
		k := role + "/" + r.Category
		c := counts.ByRoleCat[k]
		c.N++
		c.Weight += weight
		counts.ByRoleCat[k] = c
		recs = append(recs, train.TeamRecord{ID: r.ID, Member: r.Member, Set: r.Install + "/" + r.SetKey, Rows: rows,
			Pos: r.Pos, Neg: r.Neg, Label: r.Kind == "label", At: r.CreatedAt, Weight: weight, Role: role, Category: r.Category, Outcome: r.Outcome,
			RoleWeight: rw})
		return nil
	})
	if err != nil {
		return TrainResult{}, err
	}
	counts.Members = len(members)
	if len(counts.Skipped) == 0 {
		counts.Skipped = nil
	}
	res := TrainResult{Counts: counts}
	prob := train.TeamProblem{Base: base, Records: recs}
	if latest, ok, err := h.Latest(ctx); err != nil {
		return res, err
	} else if ok && latest.BaseSHA256 != base.BaseHash() {
		// Published for another base (a release changed it): no member can
		// load it over this one, so the run is judged against the base and
		// starts fresh, and its hyper-parameters say why.
		prob.ActiveVersion, prob.ActiveBaseSHA256 = train.TeamVersionName(latest.Version), latest.BaseSHA256
		res.Previous = latest.Version
	} else if ok {
		a, err := model.DecodeAdapter(latest.Config, latest.Weights, base)
		if err != nil {
			return res, fmt.Errorf("the published team adapter t%d does not load: %w", latest.Version, err)
		}
		all, err := h.Adapters(ctx, false)
		if err != nil {
			return res, err
		}
		prob.Active, prob.ActiveVersion = a.LoRA, train.TeamVersionName(latest.Version)
		prob.ActiveBaseSHA256, prob.ActiveSaw = latest.BaseSHA256, lineageSaw(latest, all)
		res.Previous = latest.Version
	}
	tr, err := train.RunTeam(ctx, prob, s)
	res.TeamResult = tr
	if err != nil {
		return res, err
	}
	res.Counts.Train, res.Counts.Holdout = tr.Data.Train, tr.Data.Holdout
	if err := h.publish(ctx, base, &res); err != nil {
		return res, err
	}
	return res, nil
}

// publish stores the run's adapter and its chain row in one transaction.
func (h *Hub) publish(ctx context.Context, base *model.Network, res *TrainResult) error {
	tx, err := h.conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var version int64
	if err := tx.QueryRow(ctx, `SELECT nextval('syntx.adapter_versions')`).Scan(&version); err != nil {
		return fmt.Errorf("publish (needs the trainer role): %w", err)
	}
	name := train.TeamVersionName(version)
	cfg, weights, err := model.EncodeAdapter(base, res.LoRA, name)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	sum := sha256.Sum256(weights)
	sha := hex.EncodeToString(sum[:])
	countsJSON, _ := json.Marshal(res.Counts)
	metricsJSON, _ := json.Marshal(res.Metrics)
	hyperJSON, _ := json.Marshal(res.Hyper)
	payload := fmt.Sprintf(`{"version":%d,"decision":%q,"sha256":%q,"base_sha256":%q,"records":%d,"last_id":%d,"counts_sha256":%q}`,
		version, res.Decision, sha, base.BaseHash(), res.Counts.Records, res.Counts.LastRecord, sha256Hex(countsJSON))
	var seq int64
	if err := tx.QueryRow(ctx, `SELECT syntx.record('adapter', $1)`, payload).Scan(&seq); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO syntx.adapters (version, decision, base_sha256, sha256, config, weights, counts,
		metrics, hyper, last_id, chain_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		version, string(res.Decision), base.BaseHash(), sha, cfg, weights, string(countsJSON), string(metricsJSON),
		string(hyperJSON), res.Counts.LastRecord, seq); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	res.Version, res.SHA256 = version, sha
	return nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// PullResult says what Pull did.
type PullResult struct {
	Version string // the team layer in use after the pull ("" for none)
	Pulled  bool   // a new version was installed
	Note    string // why nothing was installed, when nothing was
	// Withdrawn are the team layers taken out of service here because the
	// hub withdrew them.
	Withdrawn []string
}

// Pull installs the newest accepted team adapter as this machine's team
// layer (train.InstallTeam: checked against the SHA-256 the hub published
// and its chain row, loaded over base, written atomically), unless it is
// the layer in use already, or was rolled back here.
func (h *Hub) Pull(ctx context.Context, home string, base *model.Network, keep int) (PullResult, error) {
	cur, _, _, err := model.ActiveTeamAdapter(home)
	if err != nil {
		return PullResult{}, err
	}
	// A layer withdrawn on the hub (trained on records a member forgot)
	// goes out of service here too.
	gone, err := h.Withdrawn(ctx)
	if err != nil {
		return PullResult{}, err
	}
	var withdrawn []string
	for cur != "" {
		n, ok := model.TeamVersionNumber(cur)
		if !ok || !gone[int64(n)] {
			break
		}
		rb, err := train.TeamRollback(ctx, home, base, time.Now())
		if err != nil {
			return PullResult{}, err
		}
		withdrawn = append(withdrawn, cur)
		cur = rb.To
	}
	res := PullResult{Version: cur, Withdrawn: withdrawn}
	p, ok, err := h.Latest(ctx)
	if err != nil {
		return res, err
	}
	if !ok {
		res.Note = "the team has published no adapter yet"
		return res, nil
	}
	name := train.TeamVersionName(p.Version)
	if name == cur {
		res.Note = name + " is in use already"
		return res, nil
	}
	if refused, err := train.TeamRefused(home, name); err != nil {
		return res, err
	} else if refused {
		res.Note = name + " was rolled back on this machine; waiting for a newer one"
		return res, nil
	}
	if p.BaseSHA256 != base.BaseHash() {
		res.Note = fmt.Sprintf("%s was trained for another base model (%s)", name, p.BaseSHA256)
		return res, nil
	}
	var payload string
	if err := h.conn.QueryRow(ctx, `SELECT payload FROM syntx.chain WHERE seq = $1 AND kind = 'adapter'`, p.ChainSeq).Scan(&payload); err != nil {
		return res, fmt.Errorf("pull %s: its chain row: %w", name, err)
	}
	var pl struct {
		Version int64  `json:"version"`
		SHA256  string `json:"sha256"`
	}
	if json.Unmarshal([]byte(payload), &pl) != nil || pl.Version != p.Version || pl.SHA256 != p.SHA256 {
		return res, fmt.Errorf("pull %s: %w: the adapter does not match its chain row", name, train.ErrTeamAdapter)
	}
	if err := train.InstallTeam(ctx, home, base, name, p.Config, p.Weights, p.SHA256, keep, time.Now()); err != nil {
		return res, err
	}
	res.Version, res.Pulled = name, true
	return res, nil
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
