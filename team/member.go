package team

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/train"
)

// State is what a data directory remembers of its hub, in
// $SYNTX_HOME/team/state.json (0600, written atomically). The hub is the
// record of what was pushed; this file only says which hub and which
// member this directory is, and what it decided not to send.
type State struct {
	TeamID   string `json:"team_id"`
	MemberID string `json:"member_id"`
	// Install distinguishes this data directory's preference ids from
	// another machine's of the same member.
	Install  string    `json:"install_id"`
	JoinedAt time.Time `json:"joined_at"`
	// SkippedThrough is the newest local preference id never to be sent:
	// recorded before joining with --from-now, or while team.share was
	// "none".
	SkippedThrough int64 `json:"skipped_through"`
	// Head is the hub's chain head ("SEQ:HASH") seen at the last sync: a
	// later verify checks the chain still holds it.
	Head string `json:"head,omitempty"`
	// LastSync is when the last push or pull ended.
	LastSync time.Time `json:"last_sync,omitempty"`
}

// StatePath is the state file of data directory home.
func StatePath(home string) string { return train.TeamStateFile(home) }

// LoadState reads the state; ok is false when this directory never joined.
func LoadState(home string) (State, bool, error) {
	b, err := os.ReadFile(StatePath(home))
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("team state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, false, fmt.Errorf("team state %s: %w", StatePath(home), err)
	}
	return st, true, nil
}

// SaveState writes the state atomically.
func SaveState(home string, st State) error {
	if err := atomicfile.MkdirAll(filepath.Dir(StatePath(home))); err != nil {
		return fmt.Errorf("team state: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(StatePath(home), append(b, '\n'))
}

// HubInfo is the hub's public settings.
type HubInfo struct {
	TeamID     string
	MinMembers int
	ShareCode  bool
	RolePrefix string
	Schema     int
}

// Info reads the hub's settings; it fails with a clear message when the
// database holds no hub.
func (h *Hub) Info(ctx context.Context) (HubInfo, error) {
	var hi HubInfo
	err := h.conn.QueryRow(ctx, `SELECT team_id, min_members, share_code, role_prefix,
		(SELECT max(version) FROM syntx.schema_version) FROM syntx.hub WHERE id = 1`).
		Scan(&hi.TeamID, &hi.MinMembers, &hi.ShareCode, &hi.RolePrefix, &hi.Schema)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return hi, fmt.Errorf("%s holds no SyntX hub (an administrator runs syntx team init): %w", h.Target, err)
		}
		return hi, fmt.Errorf("read the hub: %w", err)
	}
	if hi.Schema > SchemaVersion {
		return hi, fmt.Errorf("%w (schema %d > %d): upgrade SyntX", ErrNewerSchema, hi.Schema, SchemaVersion)
	}
	return hi, nil
}

// Me returns the caller's member id and role on the hub; ErrNotJoined when
// it has not joined.
func (h *Hub) Me(ctx context.Context) (id, role string, err error) {
	err = h.conn.QueryRow(ctx, `SELECT member_id, role FROM syntx.members WHERE member_id = syntx.me()`).Scan(&id, &role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotJoined
	}
	if err != nil {
		return "", "", fmt.Errorf("read membership: %w", err)
	}
	return id, role, nil
}

// JoinOptions configure Join.
type JoinOptions struct {
	// FromNow: preferences recorded before joining are never sent.
	FromNow bool
	// Newest is the newest local preference id (for FromNow).
	Newest int64
	Now    time.Time
}

// Join makes the connecting role a member of the hub (its PostgreSQL role
// must be in the hub's member group, which an administrator grants) and
// records this data directory in home's state. Joining again (another
// machine, or the same directory) keeps the member id; a directory gets
// one install id. A directory that joined another hub must leave it first
// (delete $SYNTX_HOME/team).
func (h *Hub) Join(ctx context.Context, home string, opt JoinOptions) (State, error) {
	hi, err := h.Info(ctx)
	if err != nil {
		return State{}, err
	}
	st, ok, err := LoadState(home)
	if err != nil {
		return State{}, err
	}
	if ok && st.TeamID != hi.TeamID {
		return State{}, fmt.Errorf("this data directory is a member of another hub (team %s); remove %s to leave it first", st.TeamID, filepath.Dir(StatePath(home)))
	}
	id, _, err := h.Me(ctx)
	if errors.Is(err, ErrNotJoined) {
		tx, err := h.conn.Begin(ctx)
		if err != nil {
			return State{}, fmt.Errorf("join: %w", err)
		}
		defer tx.Rollback(ctx)
		if err := tx.QueryRow(ctx, `INSERT INTO syntx.members (pg_role) VALUES (session_user) RETURNING member_id`).Scan(&id); err != nil {
			return State{}, fmt.Errorf("join: %w (is %s in the group %s? an administrator runs GRANT %s TO %s)",
				err, h.User, Roles(hi.RolePrefix).Member, Roles(hi.RolePrefix).Member, h.User)
		}
		if _, err := tx.Exec(ctx, `SELECT syntx.record('join', $1)`, fmt.Sprintf(`{"member":%q}`, id)); err != nil {
			return State{}, fmt.Errorf("join: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return State{}, fmt.Errorf("join: %w", err)
		}
	} else if err != nil {
		return State{}, err
	}
	if !ok {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return State{}, err
		}
		st = State{TeamID: hi.TeamID, Install: hex.EncodeToString(b[:]), JoinedAt: opt.Now.UTC()}
	}
	st.MemberID = id
	if opt.FromNow && opt.Newest > st.SkippedThrough {
		st.SkippedThrough = opt.Newest
	}
	if err := SaveState(home, st); err != nil {
		return State{}, err
	}
	return st, nil
}

// Member is a member as an administrator sees it.
type Member struct {
	ID, PGRole, Role string
	JoinedAt         time.Time
}

// Members lists the members the caller may see (administrators: all;
// others: themselves).
func (h *Hub) Members(ctx context.Context) ([]Member, error) {
	rows, err := h.conn.Query(ctx, `SELECT member_id, pg_role, role, joined_at FROM syntx.members ORDER BY joined_at, member_id`)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
		var m Member
		err := r.Scan(&m.ID, &m.PGRole, &m.Role, &m.JoinedAt)
		return m, err
	})
}

// SetRole gives member (a member id or a PostgreSQL role name) a role; an
// administrator's act, recorded in the chain.
func (h *Hub) SetRole(ctx context.Context, member, role string) (string, error) {
	var id string
	if err := h.conn.QueryRow(ctx, `SELECT syntx.set_role($1, $2)`, member, role).Scan(&id); err != nil {
		return "", fmt.Errorf("set role: %w", err)
	}
	return id, nil
}

// SetWeight sets a role's weight for a category ("*" for every category
// without its own); an administrator's act, recorded in the chain.
func (h *Hub) SetWeight(ctx context.Context, role, category string, w float64) error {
	if _, err := h.conn.Exec(ctx, `SELECT syntx.set_weight($1, $2, $3)`, role, category, w); err != nil {
		return fmt.Errorf("set weight: %w", err)
	}
	return nil
}

// SetPolicy sets the hub's k (min_members) and whether code may be shared.
func (h *Hub) SetPolicy(ctx context.Context, minMembers int, shareCode bool) error {
	if _, err := h.conn.Exec(ctx, `SELECT syntx.set_policy($1, $2)`, minMembers, shareCode); err != nil {
		return fmt.Errorf("set policy: %w", err)
	}
	return nil
}

// Weights are the role weights: role → category ("*" for the default) →
// weight.
type Weights map[string]map[string]float64

// Of returns the weight of role for category: its own entry, else the
// role's "*", else 1.
func (w Weights) Of(role, category string) float64 {
	if m, ok := w[role]; ok {
		if v, ok := m[category]; ok {
			return v
		}
		if v, ok := m["*"]; ok {
			return v
		}
	}
	return 1
}

// DefaultWeights are the role weights a new hub starts with (schema
// version 1; never change them here: administrators change a hub's weights
// with syntx team role weight, which the chain records):
//
//	developer               1 everywhere
//	senior-reviewer         1.5 everywhere
//	security-specialist     2 on security, 1 elsewhere
//	performance-specialist  2 on performance, 1 elsewhere
//	ci                      1 everywhere
func DefaultWeights() Weights {
	return Weights{
		"developer":              {"*": 1},
		"senior-reviewer":        {"*": 1.5},
		"security-specialist":    {"*": 1, "security": 2},
		"performance-specialist": {"*": 1, "performance": 2},
		"ci":                     {"*": 1},
	}
}

// defaultWeightsSQL is the VALUES list of DefaultWeights.
func defaultWeightsSQL() string {
	var vals []string
	w := DefaultWeights()
	for _, role := range sortedKeys(w) {
		for _, cat := range sortedKeys(w[role]) {
			vals = append(vals, fmt.Sprintf("('%s', '%s', %v)", role, cat, w[role][cat]))
		}
	}
	return strings.Join(vals, ",\n\t")
}

// Weights reads the role weights.
func (h *Hub) Weights(ctx context.Context) (Weights, error) {
	return weightsTx(ctx, h.conn)
}

func weightsTx(ctx context.Context, q querier) (Weights, error) {
	rows, err := q.Query(ctx, `SELECT role, category, weight FROM syntx.role_weights ORDER BY role, category`)
	if err != nil {
		return nil, fmt.Errorf("role weights: %w", err)
	}
	defer rows.Close()
	w := Weights{}
	for rows.Next() {
		var role, cat string
		var v float64
		if err := rows.Scan(&role, &cat, &v); err != nil {
			return nil, err
		}
		if w[role] == nil {
			w[role] = map[string]float64{}
		}
		w[role][cat] = v
	}
	return w, rows.Err()
}

// Head returns the hub's chain head as "SEQ:HASH".
func (h *Hub) Head(ctx context.Context) (string, error) {
	var seq int64
	var hash string
	if err := h.conn.QueryRow(ctx, `SELECT seq, hash FROM syntx.chain_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return "", fmt.Errorf("chain head: %w", err)
	}
	return fmt.Sprintf("%d:%s", seq, hash), nil
}

// Forget deletes the caller's records on the hub — all of them, or those
// created before before (zero: all) — and records in the chain how many
// left each push and the digest of the records that remain in it, so that
// verify still accounts for every record. It returns how many were
// deleted. The team adapters already trained keep what they learnt: a
// member who forgets stops contributing from the next team train on.
func (h *Hub) Forget(ctx context.Context, before time.Time) (int64, error) {
	tx, err := h.conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("team forget: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	me, _, err := h.Me(ctx)
	if err != nil {
		return 0, err
	}
	keep := map[int64][]Record{}
	touched := map[int64]bool{}
	err = h.recordsTx(ctx, tx, func(r Record) error {
		if r.Member != me {
			return nil
		}
		if before.IsZero() || r.CreatedAt.Before(before) {
			touched[r.PushID] = true
		} else {
			keep[r.PushID] = append(keep[r.PushID], r)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	left := map[string]string{}
	for id := range touched {
		recs := keep[id]
		slices.SortFunc(recs, func(a, b Record) int { return int(a.LocalID - b.LocalID) })
		left[strconv.FormatInt(id, 10)] = PushDigest(recs)
	}
	lj, _ := json.Marshal(left)
	var arg *time.Time
	if !before.IsZero() {
		arg = &before
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT syntx.forget($1, $2)`, arg, string(lj)).Scan(&n); err != nil {
		return 0, fmt.Errorf("team forget: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("team forget: %w", err)
	}
	return n, nil
}
