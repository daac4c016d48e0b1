// Package team is SyntX's team mode: a team's members share their
// preferences — never their code — through a PostgreSQL database the team
// already runs (the hub; there is no SyntX server process), a team adapter
// is trained there with role weights, and every member's policy becomes
// base → team adapter → the member's own adapter.
//
// # The hub
//
// Hub.Init (`syntx team init --db URL`, an administrator, once) creates the
// schema "syntx" in the connected database with versioned migrations
// (migrations(), append only, recorded in syntx.schema_version, applied in
// one transaction; running init again migrates an older hub and refuses a
// newer one), and three group roles: <prefix>_member, <prefix>_trainer and
// <prefix>_admin (prefix "syntx" by default; group roles are cluster-wide,
// so two hubs in one cluster need two prefixes). The role that ran init
// administers the hub. Members connect with their own PostgreSQL login
// roles, which an administrator puts in the groups (GRANT syntx_member TO
// alice). Tables:
//
//	hub(team_id, min_members, share_code, role_prefix)   the team policy
//	members(member_id, pg_role, role, joined_at)          member_id is a pseudonym "m-" + 16 hex
//	role_weights(role, category, weight)                  category "*" is the role's default
//	preferences(...)                                       the shared records (Record)
//	adapters(version, decision, sha256, config, weights, counts, metrics, hyper, ...)
//	chain(seq, at, kind, actor, payload, prev_hash, hash), chain_head(seq, hash)
//
// Row-level security decides who reads and writes what. A member inserts
// records only under its own member id (syntx.me(), from the login role)
// and reads only its own; it joins by inserting its own members row, with
// the role "developer" and nothing else. The role a record is weighted with
// is stamped by a trigger from the members table when it arrives: a member
// cannot choose it. Trainers read every record (they train on them) and the
// members' pseudonymous ids and roles, never their login names;
// administrators see the login names and set roles and weights through
// SECURITY DEFINER functions that check their group and record the change
// in the chain. Nobody updates or deletes a record, a chain row or a
// published adapter (triggers refuse it; the chain catches whoever drops
// them). What every member may read beyond its own rows is what the team
// policy publishes: the role weights, the published adapters, the chain
// (pseudonymous), and the statistics of syntx.contributions and
// syntx.acceptance, which leave out every group with fewer than
// min_members contributing members (k-anonymity; Report).
//
// # What a member shares, and why
//
// A Record holds: the rule id, its category and language; the feature rows
// of the candidate set the suggestion was offered in (model.Featurize's
// output, hashed features as the model sees them: which slots are non-zero
// and their values — the rule, category, language, file role, edit-size
// bucket and the hashed tree-sitter node kinds around the site, never
// identifiers, literals or paths — computed without the persona, so that
// the team adapter learns one taste for the team instead of each persona's
// apart, which a new member with a persona of its own would not get);
// which row was preferred
// to which (or to "show nothing"); the outcome (kept, undone, edited,
// ignored, dismissed); the evidence weight (the preference's weight without
// the persona's weight: roles, set on the hub, replace self-declared
// persona weights); the persona's name; the trigger; the time; a
// pseudonymous member id and an install id (which data directory);
// the local preference id (for idempotence); and a set key, the first 16
// hex digits of the member's keyed hash (store.DB.Hash) of the candidate
// set's id, so that the trainer loads a set's rows once.
//
// Keyed hashes of code (the store's *_sha256 columns) are never shared:
// they are HMACs under each install's own key, so they are not comparable
// across members and would only leak equality within one member's data.
// The feature row is shareable because it is what the model sees and
// nothing more: a 512-slot signed hash of structural features, many-to-one,
// built from node kinds and rule metadata, not from the code's text. With
// team.share_code on and the hub's share_code policy on, a record also
// carries the suggestion's original and suggested code, redacted again on
// the way out (package redact); otherwise those columns are NULL. Paths,
// workspace names, document hashes and event texts are never sent.
//
// # Push
//
// Hub.Push sends the preferences recorded since the last push, in local id
// order, in transactions of 500. Each transaction takes a push id from a
// sequence, inserts its records with ON CONFLICT DO NOTHING on (member,
// install, local id) and appends a "push" chain row with the push id, the
// count, the first and last local id and PushDigest of the records it
// stored. Where to start is asked of the hub (the newest local id it holds
// for this member and install) or the state file's SkippedThrough,
// whichever is newer: a push interrupted anywhere — before a transaction,
// after the insert, after the chain row, by a dropped connection —
// resumes after the last committed batch, and a record is stored once
// however often it is pushed. With team.share = "none" nothing is sent, and
// what was recorded meanwhile is marked never to be sent. The server runs
// `syntx team sync` (push, then pull) as a child process, niced, after
// train.idle_delay of inactivity and at most every team.sync_interval;
// the command syntx.teamSync runs one now.
//
// # Roles and weights
//
// A record's training weight is its evidence × the weight of its role for
// its category (Weights.Of: the role's own entry, else its "*", else 1) ×
// recency (train's half-life). DefaultWeights: developer 1, senior-reviewer
// 1.5, security-specialist 2 on security and 1 elsewhere,
// performance-specialist 2 on performance, ci 1. A team run counts each
// outcome once against showing nothing (train.RunTeam): an undo's label
// and its pair original ≻ suggestion are one vote, as a keep's label is,
// and an edit is no vote for nothing; otherwise a developer's undo weighs
// as much as a specialist's keep at 2×. The role weight counts in the
// reward model (which suggestion the team prefers, and how much to showing
// nothing) and not again in the KL policy's candidate-set weights
// (train.TeamRecord.RoleWeight; see train's "Teams"). A CI pipeline pushes
// review outcomes (`syntx review --record`, then `syntx team push
// --author-role ROLE`): those records carry the reviewer's role (the CI
// member's) and the author's, and weigh with the author's, whose decision
// the outcome is (Record.WeightRole).
//
// # Forgetting
//
// Hub.Forget (`syntx team forget [--before DATE]`) deletes the caller's
// records through syntx.forget, which appends a "forget" chain row with
// how many left each push, the digest of what each push keeps (computed
// by the client, as a push's digest), and the team adapters withdrawn: every
// one whose run read up to a forgotten record (last_id at or above the
// lowest forgotten id). A withdrawn adapter is no longer pulled nor the
// one a new run must beat (Latest), and Pull takes it out of service on
// members' machines. Pushes resume after the forgotten records (the chain's
// push rows say how far they went), so they are not sent again.
//
// # Team training and publication
//
// Hub.Train (`syntx team train`, the trainer role) reads every record and
// the weights and runs train.RunTeam: the objectives, the eval gate and the
// refit of local training, with each member's newest records held out, and
// the published team adapter (or the base) as the policy to beat. The run
// is published accepted or rejected, with its adapter files, their SHA-256,
// the data counts per role and category, metrics and hyper-parameters, in
// one transaction with an "adapter" chain row. Hub.Pull installs the newest
// accepted adapter after checking it against the SHA-256 published and
// its chain row (train.InstallTeam writes it atomically and moves the team
// layer's pointer); a version rolled back on this machine is not pulled
// again.
//
// # The hub's hash chain
//
// Rows are appended by syntx.append (SECURITY DEFINER, not callable by
// members directly) under a row lock on chain_head, so concurrent pushes
// form one chain. A row's hash is RowHash: SHA-256 over the previous hash,
// seq, time in microseconds, kind, actor and payload, computed in SQL and
// recomputed by Verify in Go. Kinds: init, join, push, role, weight,
// settings, adapter. Hub.Verify (`syntx team audit verify`) checks every
// link and the head, a head noted at the last sync (State.Head) or given,
// each push's records against its count and digest, records no push row
// covers, members' roles and join rows, the role weights replayed from the
// defaults, the team policy, and each published adapter's file hash. A
// trainer checks every record, a member the chain and its own records.
// What it cannot catch: someone who can rewrite both the database and every
// copy of a noted head.
//
// # Connections and egress
//
// Connect reads config.Team, which package config takes from the user's
// config.toml only. The password comes from PGPASSWORD, team.passfile,
// $PGPASSFILE or ~/.pgpass; a password in team.db is refused. TLS is as
// the connection string asks (libpq's sslmode, "prefer" by default;
// verify-full with sslrootcert checks the server). The dialler refuses
// every address that is not the configured host's (resolved only for the
// configured name) and port, or the configured socket directory. The
// session asks the hub to end it when it idles inside a transaction for
// 30 s (idle_in_transaction_session_timeout), so that a stopped client
// never holds the chain head's lock. With
// team.db empty no code path opens a connection; the language server never
// connects itself. cmd/syntx's TestTeamEgress traces every socket in a
// network namespace to prove both.
//
// # Tests and performance
//
// The tests start a throw-away cluster (internal/pgtest) per test binary
// and give each test its own database and group roles. The scale figures
// (50 members × 2,000 preferences pushed from 20 processes, team training
// on 100,000 preferences, pull and swap) are benchmarks in cmd/syntx
// (BenchmarkTeam*), and the learning figures come from `make bench-team`
// (internal/learnbench, cmd/bench-team; one seed: `go run ./cmd/bench-team
// -bin bin/syntx -out DIR -seed N`). Its role-weights comparison copies
// the hub after the last round (CREATE DATABASE ... TEMPLATE) and trains
// each arm on its own copies, so that both see the same records and are
// judged against the same served layer, and compares like with like: the
// first-pass candidates, which every run makes, and the refits where the
// gate accepts. With the default weights, seeds 1 / 2 / 3, the candidates
// score security fixes 0.66 / 0.68 / 0.49 with role weights against
// 0.59 / 0.55 / 0.43 with every weight 1 (README, "Teams").
package team
