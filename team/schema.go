package team

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SchemaVersion is the hub schema version this build writes.
const SchemaVersion = 1

// migrations returns the hub's migration scripts: element i brings the
// schema from version i to version i+1. Append only: a released migration
// never changes. {member}, {trainer} and {admin} stand for the quoted names
// of the hub's group roles.
func migrations() []string {
	return []string{hubV1}
}

// hubV1 is the initial hub schema: see "The hub" in the package
// documentation.
const hubV1 = `
CREATE TABLE syntx.hub (
	id          int PRIMARY KEY CHECK (id = 1),
	team_id     text NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	min_members int NOT NULL CHECK (min_members >= 1),
	share_code  boolean NOT NULL DEFAULT false,
	role_prefix text NOT NULL
);

CREATE TABLE syntx.members (
	member_id text PRIMARY KEY DEFAULT 'm-' || substr(md5(gen_random_uuid()::text), 1, 16)
	          CHECK (member_id ~ '^m-[0-9a-f]{16}$'),
	pg_role   text NOT NULL UNIQUE,
	role      text NOT NULL DEFAULT 'developer',
	joined_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE syntx.role_weights (
	role     text NOT NULL CHECK (role ~ '^[a-z][a-z0-9-]{0,39}$'),
	category text NOT NULL CHECK (category IN ('*','security','performance','correctness','style')),
	weight   double precision NOT NULL CHECK (weight > 0 AND weight <= 100),
	PRIMARY KEY (role, category)
);
INSERT INTO syntx.role_weights (role, category, weight) VALUES
	{default_weights};

CREATE SEQUENCE syntx.push_ids;

CREATE TABLE syntx.preferences (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	member_id   text NOT NULL REFERENCES syntx.members (member_id),
	install_id  text NOT NULL CHECK (install_id ~ '^[0-9a-f]{16}$'),
	local_id    bigint NOT NULL CHECK (local_id > 0),
	push_id     bigint NOT NULL,
	created_at  timestamptz NOT NULL,
	kind        text NOT NULL CHECK (kind IN ('pair','label')),
	rule_id     text NOT NULL CHECK (length(rule_id) <= 200),
	category    text NOT NULL CHECK (category IN ('security','performance','correctness','style')),
	language    text NOT NULL CHECK (length(language) <= 40),
	outcome     text NOT NULL CHECK (outcome IN ('kept','undone','edited','ignored','dismissed','accepted')),
	evidence    double precision NOT NULL CHECK (evidence > 0 AND evidence <= 100),
	persona     text NOT NULL CHECK (length(persona) <= 100),
	role        text NOT NULL,
	author_role text,
	trigger     text NOT NULL CHECK (trigger IN ('invoked','automatic','review')),
	set_key     text NOT NULL CHECK (set_key ~ '^[0-9a-f]{16}$'),
	rows        bytea NOT NULL CHECK (length(rows) <= 65536),
	pos         smallint NOT NULL,
	neg         smallint NOT NULL,
	original_text  text,
	suggested_text text,
	UNIQUE (member_id, install_id, local_id)
);
CREATE INDEX preferences_push ON syntx.preferences (push_id);
CREATE INDEX preferences_created ON syntx.preferences (created_at);

-- The role a record is weighted with is the member's role when it arrives,
-- set here: a member cannot choose it.
CREATE FUNCTION syntx.stamp_role() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	SELECT role INTO NEW.role FROM syntx.members WHERE member_id = NEW.member_id;
	IF NEW.role IS NULL THEN
		RAISE EXCEPTION 'unknown member %', NEW.member_id;
	END IF;
	IF NEW.author_role IS NOT NULL AND NOT EXISTS (SELECT 1 FROM syntx.role_weights WHERE role = NEW.author_role) THEN
		RAISE EXCEPTION 'unknown author role %', NEW.author_role;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER preferences_role BEFORE INSERT ON syntx.preferences
	FOR EACH ROW EXECUTE FUNCTION syntx.stamp_role();

CREATE SEQUENCE syntx.adapter_versions;

CREATE TABLE syntx.adapters (
	version     bigint PRIMARY KEY,
	created_at  timestamptz NOT NULL DEFAULT now(),
	decision    text NOT NULL CHECK (decision IN ('accepted','rejected')),
	base_sha256 text NOT NULL,
	sha256      text NOT NULL,
	config      bytea NOT NULL,
	weights     bytea NOT NULL,
	counts      text NOT NULL,
	metrics     text NOT NULL,
	hyper       text NOT NULL,
	last_id     bigint NOT NULL,
	chain_seq   bigint NOT NULL
);

CREATE TABLE syntx.chain (
	seq       bigint PRIMARY KEY,
	at        timestamptz NOT NULL,
	kind      text NOT NULL CHECK (kind IN ('init','join','push','role','weight','adapter','settings','forget')),
	actor     text NOT NULL,
	payload   text NOT NULL,
	prev_hash text NOT NULL,
	hash      text NOT NULL
);
CREATE TABLE syntx.chain_head (
	id   int PRIMARY KEY CHECK (id = 1),
	seq  bigint NOT NULL,
	hash text NOT NULL
);
INSERT INTO syntx.chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- The chain, the records and the published adapters are append-only; the
-- chain is what catches someone who drops these triggers.
CREATE FUNCTION syntx.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	-- syntx.forget (below) deletes a member's own records, and records it.
	IF TG_TABLE_NAME = 'preferences' AND TG_OP = 'DELETE' AND current_setting('syntx.forgetting', true) = 'on' THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER chain_append_only BEFORE UPDATE OR DELETE ON syntx.chain
	FOR EACH ROW EXECUTE FUNCTION syntx.append_only();
CREATE TRIGGER preferences_append_only BEFORE UPDATE OR DELETE ON syntx.preferences
	FOR EACH ROW EXECUTE FUNCTION syntx.append_only();
CREATE TRIGGER adapters_append_only BEFORE UPDATE OR DELETE ON syntx.adapters
	FOR EACH ROW EXECUTE FUNCTION syntx.append_only();

-- The caller's member id, or NULL. Identity is the login role
-- (session_user), also inside SECURITY DEFINER functions.
CREATE FUNCTION syntx.me() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
	SELECT member_id FROM syntx.members WHERE pg_role = session_user::text
$$;

CREATE FUNCTION syntx.is_admin() RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_has_role(session_user, '{admin_lit}', 'MEMBER')
$$;
CREATE FUNCTION syntx.is_trainer() RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_has_role(session_user, '{trainer_lit}', 'MEMBER')
$$;

-- Appends a row to the hash chain; only the functions below call it.
CREATE FUNCTION syntx.append(p_kind text, p_actor text, p_payload text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	h  record;
	t  timestamptz := date_trunc('microseconds', clock_timestamp());
	us bigint;
	nh text;
BEGIN
	SELECT seq, hash INTO h FROM syntx.chain_head WHERE id = 1 FOR UPDATE;
	us := (extract(epoch FROM t) * 1000000)::bigint;
	nh := encode(sha256(convert_to(h.hash || E'\n' || (h.seq + 1) || E'\n' || us || E'\n' || p_kind || E'\n' ||
		p_actor || E'\n' || p_payload, 'UTF8')), 'hex');
	INSERT INTO syntx.chain (seq, at, kind, actor, payload, prev_hash, hash)
		VALUES (h.seq + 1, t, p_kind, p_actor, p_payload, h.hash, nh);
	UPDATE syntx.chain_head SET seq = h.seq + 1, hash = nh WHERE id = 1;
	RETURN h.seq + 1;
END $$;
REVOKE ALL ON FUNCTION syntx.append(text, text, text) FROM PUBLIC;

-- A member records its own push or join; a trainer its publication.
CREATE FUNCTION syntx.record(p_kind text, p_payload text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	m text := syntx.me();
BEGIN
	IF p_kind IN ('push', 'join') THEN
		IF m IS NULL THEN
			RAISE EXCEPTION 'not a member of this hub';
		END IF;
		RETURN syntx.append(p_kind, m, p_payload);
	ELSIF p_kind = 'adapter' THEN
		IF NOT syntx.is_trainer() THEN
			RAISE EXCEPTION 'publishing a team adapter needs the trainer role';
		END IF;
		RETURN syntx.append(p_kind, coalesce(m, 'role:' || session_user), p_payload);
	END IF;
	RAISE EXCEPTION 'chain kind % is not recorded by members', p_kind;
END $$;

-- A member forgets its own records (all, or those created before a time):
-- they are deleted, and a forget row lists how many left each push and
-- the digest of what is left of it (computed by the client, as a push's).
CREATE FUNCTION syntx.forget(p_before timestamptz, p_left text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	m text := syntx.me();
	per text;
	n bigint;
	low bigint;
	gone text;
BEGIN
	IF m IS NULL THEN
		RAISE EXCEPTION 'not a member of this hub';
	END IF;
	SELECT coalesce(json_object_agg(push_id::text, c ORDER BY push_id), '{}'::json)::text, coalesce(sum(c), 0), min(first)
		INTO per, n, low
		FROM (SELECT push_id, count(*) AS c, min(id) AS first FROM syntx.preferences
		      WHERE member_id = m AND (p_before IS NULL OR created_at < p_before) GROUP BY push_id) x;
	IF n = 0 THEN
		RETURN 0;
	END IF;
	-- A team adapter trained on any of them is withdrawn: a run reads
	-- every record up to its last_id.
	SELECT coalesce(json_agg(version ORDER BY version), '[]'::json)::text INTO gone
		FROM syntx.adapters WHERE last_id >= low;
	PERFORM set_config('syntx.forgetting', 'on', true);
	DELETE FROM syntx.preferences WHERE member_id = m AND (p_before IS NULL OR created_at < p_before);
	PERFORM set_config('syntx.forgetting', 'off', true);
	PERFORM syntx.append('forget', m, json_build_object('member', m, 'records', n, 'pushes', per::json,
		'left', p_left::json, 'withdrawn', gone::json)::text);
	RETURN n;
END $$;

-- Administrators set members' roles and the roles' weights.
CREATE FUNCTION syntx.set_role(p_member text, p_role text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	id text;
	old text;
BEGIN
	IF NOT syntx.is_admin() THEN
		RAISE EXCEPTION 'setting roles needs the admin role';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM syntx.role_weights WHERE role = p_role) THEN
		RAISE EXCEPTION 'unknown role % (give it weights first)', p_role;
	END IF;
	SELECT member_id, role INTO id, old FROM syntx.members WHERE member_id = p_member OR pg_role = p_member;
	IF id IS NULL THEN
		RAISE EXCEPTION 'no member % (members join first)', p_member;
	END IF;
	UPDATE syntx.members SET role = p_role WHERE member_id = id;
	PERFORM syntx.append('role', 'role:' || session_user,
		json_build_object('member', id, 'role', p_role, 'previous', old)::text);
	RETURN id;
END $$;

CREATE FUNCTION syntx.set_weight(p_role text, p_category text, p_weight double precision) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT syntx.is_admin() THEN
		RAISE EXCEPTION 'setting weights needs the admin role';
	END IF;
	INSERT INTO syntx.role_weights (role, category, weight) VALUES (p_role, p_category, p_weight)
		ON CONFLICT (role, category) DO UPDATE SET weight = excluded.weight;
	PERFORM syntx.append('weight', 'role:' || session_user,
		json_build_object('role', p_role, 'category', p_category, 'weight', p_weight::text)::text);
END $$;

CREATE FUNCTION syntx.set_policy(p_min_members int, p_share_code boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT syntx.is_admin() THEN
		RAISE EXCEPTION 'changing the team policy needs the admin role';
	END IF;
	UPDATE syntx.hub SET min_members = p_min_members, share_code = p_share_code WHERE id = 1;
	PERFORM syntx.append('settings', 'role:' || session_user,
		json_build_object('min_members', p_min_members, 'share_code', p_share_code)::text);
END $$;

-- What the team policy publishes to every member: statistics over at
-- least k members (the hub's min_members, or more when asked).
CREATE FUNCTION syntx.contributions(p_k int) RETURNS TABLE (role text, category text, members bigint, preferences bigint, desirable bigint, labels bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT p.role, p.category, count(DISTINCT p.member_id), count(*),
	       count(*) FILTER (WHERE p.kind = 'label' AND p.pos >= 0), count(*) FILTER (WHERE p.kind = 'label')
	FROM syntx.preferences p
	GROUP BY p.role, p.category
	HAVING count(DISTINCT p.member_id) >= greatest(p_k, (SELECT min_members FROM syntx.hub WHERE id = 1))
	ORDER BY 1, 2
$$;
CREATE FUNCTION syntx.acceptance(p_k int) RETURNS TABLE (week date, category text, members bigint, labels bigint, desirable bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT date_trunc('week', p.created_at)::date, p.category, count(DISTINCT p.member_id),
	       count(*), count(*) FILTER (WHERE p.pos >= 0)
	FROM syntx.preferences p WHERE p.kind = 'label'
	GROUP BY 1, 2
	HAVING count(DISTINCT p.member_id) >= greatest(p_k, (SELECT min_members FROM syntx.hub WHERE id = 1))
	ORDER BY 1, 2
$$;
CREATE FUNCTION syntx.team_size() RETURNS TABLE (members bigint, contributors bigint, preferences bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT (SELECT count(*) FROM syntx.members), (SELECT count(DISTINCT member_id) FROM syntx.preferences),
	       (SELECT count(*) FROM syntx.preferences)
$$;

-- Row-level security: a member inserts only its own rows and reads only
-- them; trainers read every row (they train on them); nobody updates or
-- deletes a preference.
ALTER TABLE syntx.preferences ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_insert ON syntx.preferences FOR INSERT TO {member} WITH CHECK (member_id = syntx.me());
CREATE POLICY member_read ON syntx.preferences FOR SELECT TO {member} USING (member_id = syntx.me());
CREATE POLICY trainer_read ON syntx.preferences FOR SELECT TO {trainer} USING (true);

ALTER TABLE syntx.members ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_join ON syntx.members FOR INSERT TO {member}
	WITH CHECK (pg_role = session_user::text AND role = 'developer');
CREATE POLICY member_self ON syntx.members FOR SELECT TO {member} USING (pg_role = session_user::text);
CREATE POLICY admin_all ON syntx.members FOR SELECT TO {admin} USING (true);
CREATE POLICY trainer_all ON syntx.members FOR SELECT TO {trainer} USING (true);

GRANT USAGE ON SCHEMA syntx TO {member}, {trainer}, {admin};
GRANT SELECT ON syntx.schema_version, syntx.hub, syntx.role_weights, syntx.adapters, syntx.chain, syntx.chain_head TO {member}, {trainer}, {admin};
GRANT SELECT, INSERT ON syntx.members TO {member};
GRANT SELECT ON syntx.members TO {admin};
GRANT SELECT (member_id, role, joined_at) ON syntx.members TO {trainer};
GRANT SELECT, INSERT ON syntx.preferences TO {member};
GRANT SELECT ON syntx.preferences TO {trainer};
GRANT USAGE ON SEQUENCE syntx.push_ids TO {member};
GRANT INSERT ON syntx.adapters TO {trainer};
GRANT USAGE ON SEQUENCE syntx.adapter_versions TO {trainer};
REVOKE ALL ON FUNCTION syntx.set_role(text, text), syntx.set_weight(text, text, double precision),
	syntx.set_policy(int, boolean), syntx.record(text, text), syntx.forget(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION syntx.forget(timestamptz, text) TO {member};
GRANT EXECUTE ON FUNCTION syntx.set_role(text, text), syntx.set_weight(text, text, double precision),
	syntx.set_policy(int, boolean) TO {admin};
GRANT EXECUTE ON FUNCTION syntx.record(text, text) TO {member}, {trainer};
`

// GroupRoles are the names of a hub's three group roles for a prefix.
type GroupRoles struct{ Member, Trainer, Admin string }

// Roles returns the group role names for prefix p ("syntx" gives
// syntx_member, syntx_trainer, syntx_admin).
func Roles(p string) GroupRoles {
	return GroupRoles{Member: p + "_member", Trainer: p + "_trainer", Admin: p + "_admin"}
}

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (g GroupRoles) expand(sql string) string {
	return strings.NewReplacer(
		"{member}", quoteIdent(g.Member), "{trainer}", quoteIdent(g.Trainer), "{admin}", quoteIdent(g.Admin),
		"{default_weights}", defaultWeightsSQL(),
		"{admin_lit}", strings.ReplaceAll(g.Admin, "'", "''"), "{trainer_lit}", strings.ReplaceAll(g.Trainer, "'", "''"),
	).Replace(sql)
}

// InitOptions configure a new hub.
type InitOptions struct {
	// RolePrefix names the group roles (<prefix>_member, _trainer,
	// _admin); "syntx" by default. Group roles are shared by every
	// database of a PostgreSQL cluster: two hubs in one cluster need two
	// prefixes.
	RolePrefix string
	// MinMembers is the team report's k; 3 by default.
	MinMembers int
	// ShareCode lets members send redacted code with their preferences
	// (each member must also turn team.share_code on).
	ShareCode bool
}

// InitResult says what Init did.
type InitResult struct {
	TeamID  string
	Roles   GroupRoles
	Created bool // false: the hub existed and was brought up to date
	Version int
}

// ErrNewerSchema is returned for a hub written by a newer SyntX.
var ErrNewerSchema = errors.New("the hub was created by a newer SyntX")

// Init creates the hub's schema in the connected database, or migrates an
// existing one, in one transaction: the schema "syntx", its tables, row
// level security policies and functions, and the group roles (created when
// missing: the connecting role needs CREATEROLE, or must be a superuser).
// The connecting role becomes an administrator of the hub.
func (h *Hub) Init(ctx context.Context, opt InitOptions) (InitResult, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return InitResult{}, err
	}
	tx, err := h.conn.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return InitResult{}, fmt.Errorf("team init: %w", err)
	}
	defer tx.Rollback(ctx)
	// One init at a time per database.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7361626)`); err != nil {
		return InitResult{}, fmt.Errorf("team init: %w", err)
	}
	res, v, err := openSchema(ctx, tx, &opt)
	if err != nil {
		return InitResult{}, err
	}
	g := Roles(opt.RolePrefix)
	res.Roles = g
	if err := ensureGroupRoles(ctx, tx, g); err != nil {
		return InitResult{}, err
	}
	if err := migrate(ctx, tx, g, v); err != nil {
		return InitResult{}, err
	}
	if res.Created {
		if res.TeamID, err = createHub(ctx, tx, opt); err != nil {
			return InitResult{}, err
		}
	}
	// The role that ran init administers the hub.
	if _, err := tx.Exec(ctx, "GRANT "+quoteIdent(g.Admin)+" TO CURRENT_USER"); err != nil {
		return InitResult{}, fmt.Errorf("team init: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return InitResult{}, fmt.Errorf("team init: %w", err)
	}
	res.Version = SchemaVersion
	return res, nil
}

// withDefaults fills in the defaults (role prefix syntx, k = 3) and checks
// the options.
func (opt InitOptions) withDefaults() (InitOptions, error) {
	if opt.RolePrefix == "" {
		opt.RolePrefix = "syntx"
	}
	if opt.MinMembers == 0 {
		opt.MinMembers = 3
	}
	if !prefixRE.MatchString(opt.RolePrefix) {
		return opt, fmt.Errorf("role prefix %q: lower-case letters, digits and _ only", opt.RolePrefix)
	}
	if opt.MinMembers < 1 {
		return opt, fmt.Errorf("min members %d: at least 1", opt.MinMembers)
	}
	return opt, nil
}

// openSchema returns the hub's schema version (0 for a schema it creates,
// with its version table; res.Created is then set). For an existing hub
// it refuses a newer schema and sets res.TeamID and opt.RolePrefix from
// the hub's.
func openSchema(ctx context.Context, tx pgx.Tx, opt *InitOptions) (InitResult, int, error) {
	var res InitResult
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'syntx')`).Scan(&exists); err != nil {
		return res, 0, fmt.Errorf("team init: %w", err)
	}
	if !exists {
		res.Created = true
		if _, err := tx.Exec(ctx, `CREATE SCHEMA syntx`); err != nil {
			return res, 0, fmt.Errorf("team init: create schema: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE syntx.schema_version (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return res, 0, fmt.Errorf("team init: %w", err)
		}
		return res, 0, nil
	}
	v := 0
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM syntx.schema_version`).Scan(&v); err != nil {
		return res, 0, fmt.Errorf("team init: schema syntx exists but is not a SyntX hub: %w", err)
	}
	if v > SchemaVersion {
		return res, 0, fmt.Errorf("team init: %w (schema %d > %d)", ErrNewerSchema, v, SchemaVersion)
	}
	if err := tx.QueryRow(ctx, `SELECT team_id, role_prefix FROM syntx.hub WHERE id = 1`).Scan(&res.TeamID, &opt.RolePrefix); err != nil {
		return res, 0, fmt.Errorf("team init: %w", err)
	}
	return res, v, nil
}

// ensureGroupRoles creates the member, trainer and admin group roles that
// do not exist yet.
func ensureGroupRoles(ctx context.Context, tx pgx.Tx, g GroupRoles) error {
	for _, r := range []string{g.Member, g.Trainer, g.Admin} {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_roles WHERE rolname = $1`, r).Scan(&n); err != nil {
			return fmt.Errorf("team init: %w", err)
		}
		if n == 0 {
			if _, err := tx.Exec(ctx, "CREATE ROLE "+quoteIdent(r)+" NOLOGIN"); err != nil {
				return fmt.Errorf("team init: create group role %s (the connecting role needs CREATEROLE): %w", r, err)
			}
		}
	}
	return nil
}

// migrate applies the migrations after version v, each with its version
// row.
func migrate(ctx context.Context, tx pgx.Tx, g GroupRoles, v int) error {
	steps := migrations()
	for i := v; i < len(steps); i++ {
		if _, err := tx.Exec(ctx, g.expand(steps[i])); err != nil {
			return fmt.Errorf("team init: migrate the hub to version %d: %w", i+1, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO syntx.schema_version (version) VALUES ($1)`, i+1); err != nil {
			return fmt.Errorf("team init: %w", err)
		}
	}
	return nil
}

// createHub writes a new hub's settings row, with a random team id, and
// the chain's first row, and returns the team id.
func createHub(ctx context.Context, tx pgx.Tx, opt InitOptions) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(b[:])
	if _, err := tx.Exec(ctx, `INSERT INTO syntx.hub (id, team_id, min_members, share_code, role_prefix) VALUES (1, $1, $2, $3, $4)`,
		id, opt.MinMembers, opt.ShareCode, opt.RolePrefix); err != nil {
		return "", fmt.Errorf("team init: %w", err)
	}
	payload := fmt.Sprintf(`{"team_id":%q,"min_members":%d,"share_code":%v,"schema":%d}`, id, opt.MinMembers, opt.ShareCode, SchemaVersion)
	if _, err := tx.Exec(ctx, `SELECT syntx.append('init', 'role:' || session_user, $1)`, payload); err != nil {
		return "", fmt.Errorf("team init: %w", err)
	}
	return id, nil
}
