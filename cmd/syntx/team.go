package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/internal/sched"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/team"
	"github.com/syntx/syntx/train"
)

const teamUsage = `init | join | push | pull | sync | train | role | policy | report | audit verify | rollback | forget | status`

func cmdTeam(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "team", teamUsage, `Team mode: share preferences (never code) with the team's own PostgreSQL hub,
and use the team adapter trained there under your own.

  init          create the hub's schema in a database (an administrator, once)
  join          become a member of the hub configured in [team] db
  push          send the preferences recorded since the last push
  pull          install the newest team adapter as the team layer
  sync          push, then pull (what an idle editor does)
  train         train and publish a team adapter (the trainer role)
  role          set a member's role, a role's weights, or list them (administrators)
  policy        show the hub's policy, or change k and code sharing (administrators)
  report        write the team report (HTML): contributions, acceptance, adapters
  audit verify  check the hub's hash chain and the rows it covers
  rollback      stop using the team layer in use (the previous one, or none)
  forget        delete your records from the hub (all, or --before DATE)
  status        this machine's membership, team layer and what is pending

Connection settings are read from $XDG_CONFIG_HOME/syntx/config.toml ([team]
db, passfile) and never from a workspace; passwords come from PGPASSWORD, the
passfile or ~/.pgpass. --db overrides team.db for one command.`)
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	sub := map[string]func(context.Context, *env, []string) error{
		"init": teamInit, "join": teamJoin, "push": teamPush, "pull": teamPull, "sync": teamSync,
		"train": teamTrain, "role": teamRole, "policy": teamPolicy, "report": teamReport, "audit": teamAudit, "rollback": teamRollback,
		"status": teamStatus, "forget": teamForget,
	}
	fn, ok := sub[rest[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "syntx team: unknown subcommand %q\n", rest[0])
		fs.Usage()
		return errUsage
	}
	return fn(ctx, e, rest[1:])
}

// teamFlags adds --db to a team subcommand's flags.
func teamFlags(e *env, name, args, summary string) (*flag.FlagSet, *string) {
	fs := newFlags(e, "team "+name, args, summary)
	db := fs.String("db", "", "the hub's connection string (default: team.db); no password in it")
	return fs, db
}

// teamConfig returns the configuration with --db applied.
func teamConfig(db string) (config.Config, error) {
	cfg, _ := config.Load("", nil)
	if db != "" {
		cfg.Team.DB = db
		if err := cfg.Validate(); err != nil {
			return cfg, fmt.Errorf("--db: %w", err)
		}
	}
	if cfg.Team.DB == "" {
		return cfg, fmt.Errorf("%w (%s), or pass --db", team.ErrOff, config.UserConfigPath())
	}
	return cfg, nil
}

func connectTeam(ctx context.Context, db string) (*team.Hub, config.Config, error) {
	cfg, err := teamConfig(db)
	if err != nil {
		return nil, cfg, err
	}
	h, err := team.Connect(ctx, cfg.Team)
	return h, cfg, err
}

func teamInit(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "init", "--db URL [--min-members K] [--share-code] [--role-prefix P]",
		`Create the team hub in the database URL names (or migrate an existing hub to this
version): the schema "syntx", its tables, row-level security and functions, and the
group roles P_member, P_trainer and P_admin (the connecting role needs CREATEROLE).
The connecting role becomes an administrator. Then grant the groups to your
members' PostgreSQL roles:

  GRANT syntx_member TO alice;      GRANT syntx_trainer TO ci;`)
	k := fs.Int("min-members", 3, "k of the team report: statistics over fewer members are not shown")
	code := fs.Bool("share-code", false, "let members send redacted code with their preferences (each also sets team.share_code)")
	prefix := fs.String("role-prefix", "syntx", "prefix of the group roles (two hubs in one cluster need two)")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	h, _, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	res, err := h.Init(ctx, team.InitOptions{RolePrefix: *prefix, MinMembers: *k, ShareCode: *code})
	if err != nil {
		return err
	}
	if res.Created {
		fmt.Fprintf(e.stdout, "created team hub %s in %s (schema %d)\n", res.TeamID, h.Target, res.Version)
	} else {
		fmt.Fprintf(e.stdout, "team hub %s in %s is at schema %d\n", res.TeamID, h.Target, res.Version)
	}
	fmt.Fprintf(e.stdout, "group roles: %s, %s, %s; grant them to members, e.g.\n  GRANT %s TO alice;\n",
		res.Roles.Member, res.Roles.Trainer, res.Roles.Admin, res.Roles.Member)
	return nil
}

func teamJoin(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "join", "[--from-now]", `Join the hub as the PostgreSQL role team.db connects as (an administrator must
have granted it the member group). Preferences recorded before are shared at the
next push, unless --from-now. Set team.share = "none" to pull the team adapter
without sending anything.`)
	fromNow := fs.Bool("from-now", false, "never send the preferences recorded before joining")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	h, cfg, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	var newest int64
	if *fromNow {
		if newest, err = newestPreference(ctx); err != nil {
			return err
		}
	}
	st, err := h.Join(ctx, config.DataHome(), team.JoinOptions{FromNow: *fromNow, Newest: newest, Now: time.Now()})
	if err != nil {
		return err
	}
	_, role, err := h.Me(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "joined team %s as member %s (role %s) from %s\n", st.TeamID, st.MemberID, role, h.Target)
	if cfg.Team.Share == "none" {
		fmt.Fprintln(e.stdout, "team.share is \"none\": nothing will be sent; the team adapter will be pulled")
	}
	if *db != "" && cfgTeamDB() != *db {
		fmt.Fprintf(e.stdout, "to sync from your editor, add to %s:\n  [team]\n  db = %q\n", config.UserConfigPath(), *db)
	}
	return nil
}

func cfgTeamDB() string {
	cfg, _ := config.Load("", nil)
	return cfg.Team.DB
}

func newestPreference(ctx context.Context) (int64, error) {
	if _, err := os.Stat(dbPath()); err != nil {
		return 0, nil
	}
	db, err := openDB(ctx, true)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var newest int64
	err = db.Preferences(ctx, store.PreferenceFilter{}, func(p store.Preference) error {
		newest = max(newest, p.ID)
		return nil
	})
	return newest, err
}

// holdableBatch is the batch size of a push that a server may hold.
const holdableBatch = 100

// push sends what is new, or, with team.share = "none", marks it as never
// to be sent.
func push(ctx context.Context, h *team.Hub, cfg config.Config, authorRole string, pause func(context.Context) error) (team.PushResult, error) {
	home := config.DataHome()
	if cfg.Team.Share == "none" {
		newest, err := newestPreference(ctx)
		if err != nil {
			return team.PushResult{}, err
		}
		st, ok, err := team.LoadState(home)
		if err != nil || !ok {
			return team.PushResult{}, errors.Join(err, team.ErrNotJoined)
		}
		st.SkippedThrough = max(st.SkippedThrough, newest)
		return team.PushResult{Through: st.SkippedThrough}, team.SaveState(home, st)
	}
	db, err := openDB(ctx, false)
	if err != nil {
		return team.PushResult{}, err
	}
	defer db.Close()
	opt := team.PushOptions{ShareCode: cfg.Team.ShareCode, AuthorRole: authorRole, Pause: pause}
	if pause != nil {
		// A hold takes effect at the next batch boundary: batches of a
		// fifth of the default size let it take effect sooner.
		opt.Batch = holdableBatch
	}
	return h.Push(ctx, home, db, opt)
}

func teamPush(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "push", "[--author-role ROLE] [--json]", `Send the preferences recorded since the last push: preference records without
code (rule, category, language, the feature rows the model sees, outcome, weight,
persona, a pseudonymous member id), in transactions, each recorded in the hub's
chain. An interrupted push resumes where it stopped; nothing is stored twice.
In CI after "syntx review --record", --author-role gives review outcomes the role
of the change's author.`)
	authorRole := fs.String("author-role", "", "role of the reviewed change's author (CI)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	h, cfg, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	res, err := push(ctx, h, cfg, *authorRole, nil)
	if err != nil {
		return err
	}
	noteSync(res.Head)
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	if cfg.Team.Share == "none" {
		fmt.Fprintln(e.stdout, "team.share is \"none\": nothing sent")
		return nil
	}
	fmt.Fprintf(e.stdout, "pushed %d preferences in %d transactions (%d were on the hub already, %d cannot be shared); hub head %s\n",
		res.Sent, res.Batches, res.Present, res.Skipped, res.Head)
	return nil
}

// noteSync remembers the hub's head and the time of a sync in the state.
func noteSync(head string) {
	home := config.DataHome()
	if st, ok, err := team.LoadState(home); err == nil && ok {
		if head != "" {
			st.Head = head
		}
		st.LastSync = time.Now().UTC()
		_ = team.SaveState(home, st)
	}
}

func pull(ctx context.Context, h *team.Hub, cfg config.Config) (team.PullResult, error) {
	base, err := loadBase(cfg)
	if err != nil {
		return team.PullResult{}, err
	}
	if _, ok, err := team.LoadState(config.DataHome()); err != nil {
		return team.PullResult{}, err
	} else if !ok {
		return team.PullResult{}, team.ErrNotJoined
	}
	return h.Pull(ctx, config.DataHome(), base, cfg.Train.KeepAdapters)
}

func teamPull(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "pull", "", `Install the newest team adapter the hub published as this machine's team layer
(checked against its published SHA-256 and chain row). A running language server
swaps it in; your own adapter stays on top.`)
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	h, cfg, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	res, err := pull(ctx, h, cfg)
	if err != nil {
		return err
	}
	head, _ := h.Head(ctx)
	noteSync(head)
	printPull(e.stdout, res)
	return nil
}

func printPull(w io.Writer, res team.PullResult) {
	for _, v := range res.Withdrawn {
		fmt.Fprintf(w, "team layer %s withdrawn (the hub withdrew it: a member forgot records it learnt from)\n", v)
	}
	switch {
	case res.Pulled:
		fmt.Fprintf(w, "team layer: %s (pulled)\n", res.Version)
	case res.Version != "":
		fmt.Fprintf(w, "team layer: %s (%s)\n", res.Version, res.Note)
	default:
		fmt.Fprintf(w, "team layer: none (%s)\n", res.Note)
	}
}

// syncResult is one line of `syntx team sync --json`, for the server.
type syncResult struct {
	Pushed  int     `json:"pushed"`
	Layer   string  `json:"layer"`
	Pulled  bool    `json:"pulled"`
	Note    string  `json:"note,omitempty"`
	Head    string  `json:"head,omitempty"`
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
}

func teamSync(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "sync", "[--background] [--json]", `Push, then pull: what a language server runs in idle time (niced, with
--background). With team.share = "none" it only pulls.`)
	background := fs.Bool("background", false, "run niced and print only the JSON result")
	asJSON := fs.Bool("json", false, "print one JSON object")
	holdable := fs.Bool("holdable", false, `read "hold" and "release" lines on standard input: the push waits between batches while held (a language server holds it while its developer types)`)
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	start := time.Now()
	out := syncResult{}
	fail := func(err error) error {
		if *asJSON || *background {
			out.Error = err.Error()
			_ = json.NewEncoder(e.stdout).Encode(out)
		}
		return err
	}
	var pause func(context.Context) error
	if *background {
		_ = idlePriority()
	}
	if *holdable {
		// A language server holds its background sync between batches
		// while its developer types (sched.Holder on standard input).
		pause = sched.NewHolder(e.stdin).Wait
	}
	h, cfg, err := connectTeam(ctx, *db)
	if err != nil {
		return fail(err)
	}
	defer h.Close()
	pres, err := push(ctx, h, cfg, "", pause)
	if err != nil {
		return fail(err)
	}
	out.Pushed = pres.Sent
	lres, err := pull(ctx, h, cfg)
	if err != nil {
		return fail(err)
	}
	out.Layer, out.Pulled, out.Note = lres.Version, lres.Pulled, lres.Note
	out.Head, _ = h.Head(ctx)
	noteSync(out.Head)
	out.Seconds = time.Since(start).Seconds()
	if *asJSON || *background {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	fmt.Fprintf(e.stdout, "pushed %d preferences; ", out.Pushed)
	printPull(e.stdout, lres)
	return nil
}

func teamTrain(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "train", "[--objective kl|dpo|kto] [--seed N] [--json]", `Train a team adapter on every member's shared preferences, weighted by role
and recency, with the objectives and the eval gate of local training (held out:
each member's newest preferences), and publish it with its data counts per role
and category, metrics and file hash. Needs the trainer role (a scheduled CI job,
or a member an administrator trusts with everyone's records).`)
	objective := fs.String("objective", "", "kl, dpo or kto (default: train.objective)")
	seed := fs.Uint64("seed", 0, "random seed (default: train.seed)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	h, cfg, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	s := trainSettings(cfg)
	if set["objective"] {
		s.Objective = train.Objective(*objective)
	}
	if set["seed"] {
		s.Seed = *seed
	}
	if !*asJSON {
		bar := newProgressBar(e.stderr, isTerminal(e.stderr), "team train", "")
		s.Progress = bar.update
		defer bar.finish()
	}
	base, err := loadBase(cfg)
	if err != nil {
		return err
	}
	res, err := h.Train(ctx, base, s)
	if errors.Is(err, train.ErrNotEnoughData) {
		fmt.Fprintln(e.stderr, "syntx team train:", err)
		return nil
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"version": res.Version, "decision": res.Decision, "sha256": res.SHA256,
			"previous": res.Previous, "counts": res.Counts, "metrics": res.Metrics, "hyper": res.Hyper})
	}
	m := res.Metrics.Holdout
	fmt.Fprintf(e.stdout, "team adapter t%d %s (%d records from %d members; %d train, %d held out)\n",
		res.Version, res.Decision, res.Counts.Records, res.Counts.Members, res.Counts.Train, res.Counts.Holdout)
	fmt.Fprintf(e.stdout, "  %s\n", res.Metrics.Reason)
	fmt.Fprintf(e.stdout, "  held out: accuracy %.3f (previous %.3f), log-loss %.4f (previous %.4f); %.1fs\n",
		m.New.Accuracy, m.Active.Accuracy, m.New.LogLoss, m.Active.LogLoss, res.Metrics.Seconds)
	for _, k := range sortedKeys(res.Counts.ByRoleCat) {
		c := res.Counts.ByRoleCat[k]
		fmt.Fprintf(e.stdout, "  %-36s %6d records, weight %.1f\n", k, c.N, c.Weight)
	}
	return nil
}

func teamPolicy(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "policy", "[--min-members K] [--share-code=true|false]",
		`Show the hub's policy; administrators change it: the k of the team report
(statistics over fewer members are not shown) and whether members may send
redacted code with their preferences (each member must also set
team.share_code). A change is recorded in the hub's chain.`)
	k := fs.Int("min-members", 0, "the team report's k (at least 1)")
	code := fs.String("share-code", "", "true or false")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	h, _, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	hi, err := h.Info(ctx)
	if err != nil {
		return err
	}
	if *k != 0 || *code != "" {
		minMembers, share := hi.MinMembers, hi.ShareCode
		if *k != 0 {
			if *k < 1 {
				return fmt.Errorf("--min-members %d: must be at least 1", *k)
			}
			minMembers = *k
		}
		if *code != "" {
			if share, err = strconv.ParseBool(*code); err != nil {
				return fmt.Errorf("--share-code %q: true or false", *code)
			}
		}
		if err := h.SetPolicy(ctx, minMembers, share); err != nil {
			return err
		}
		if hi, err = h.Info(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "team %s: min_members %d, share_code %t\n", hi.TeamID, hi.MinMembers, hi.ShareCode)
	return nil
}

func teamRole(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "role", "set MEMBER ROLE | weight ROLE [CATEGORY] WEIGHT | list",
		`Administrators: give a member (a PostgreSQL role name or a member id) a role, or
set a role's weight for a category (security, performance, correctness, style;
without one, its default). Both are recorded in the hub's chain. list shows the
members you may see and the weights.`)
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	h, _, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	switch {
	case rest[0] == "set" && len(rest) == 3:
		id, err := h.SetRole(ctx, rest[1], rest[2])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "member %s is now %s\n", id, rest[2])
		return nil
	case rest[0] == "weight" && (len(rest) == 3 || len(rest) == 4):
		role, cat, ws := rest[1], "*", rest[len(rest)-1]
		if len(rest) == 4 {
			cat = rest[2]
		}
		w, err := strconv.ParseFloat(ws, 64)
		if err != nil {
			return fmt.Errorf("weight %q: %w", ws, err)
		}
		if err := h.SetWeight(ctx, role, cat, w); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s weighs %g on %s\n", role, w, map[bool]string{true: "every other category", false: cat}[cat == "*"])
		return nil
	case rest[0] == "list" && len(rest) == 1:
		ms, err := h.Members(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "MEMBER\tPOSTGRES ROLE\tROLE\tJOINED")
		for _, m := range ms {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.ID, m.PGRole, m.Role, m.JoinedAt.UTC().Format("2006-01-02"))
		}
		wts, err := h.Weights(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "\nROLE\tCATEGORY\tWEIGHT")
		for _, r := range sortedKeys(wts) {
			for _, c := range sortedKeys(wts[r]) {
				fmt.Fprintf(w, "%s\t%s\t%g\n", r, c, wts[r][c])
			}
		}
		return w.Flush()
	}
	fs.Usage()
	return errUsage
}

func teamReport(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "report", "[-o FILE.html] [--k K]", `Write the team report, one self-contained HTML page: contributions per role and
category and acceptance over time (pseudonymous; a statistic shows only when at
least k members contributed: the hub's min_members, or team.min_members when
larger), the role weights, and the team adapter history with each run's data
counts and decision.`)
	out := fs.String("o", "", "output file (default: stdout)")
	k := fs.Int("k", 0, "raise k for this report")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	h, cfg, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	rep, err := h.BuildReport(ctx, max(*k, cfg.Team.MinMembers))
	if err != nil {
		return err
	}
	rep.Layer, _, _, _ = model.ActiveTeamAdapter(config.DataHome())
	if *out == "" || *out == "-" {
		return rep.WriteHTML(e.stdout)
	}
	return atomicfile.Write(*out, func(w io.Writer) error { return rep.WriteHTML(w) })
}

func teamAudit(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "audit", "verify [--head SEQ:HASH] [--json]", `Check the hub's hash chain (every link, the head) and the rows it covers: each
push's records against the digest it committed to, records no push covers,
members' roles, role weights and published adapters. A trainer checks every
record; a member the chain and its own. Without --head the head noted at this
machine's last sync is checked too. Exit status 1 when something is wrong.`)
	head := fs.String("head", "", "a head noted earlier (syntx team status shows the last one seen)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if fs.NArg() != 1 || fs.Arg(0) != "verify" {
		fs.Usage()
		return errUsage
	}
	h, _, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	noted := *head
	if noted == "" {
		if st, ok, _ := team.LoadState(config.DataHome()); ok {
			noted = st.Head
		}
	}
	rep, err := h.Verify(ctx, team.VerifyOptions{Head: noted})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if rep.OK() {
		fmt.Fprintf(e.stdout, "team audit chain OK: %d rows, head %s; %d records in %d pushes (%s), %d members, %d adapters checked\n",
			rep.Rows, rep.Head, rep.Records, rep.Pushes, rep.Scope, rep.Members, rep.Adapters)
	} else {
		fmt.Fprintf(e.stdout, "team audit chain FAILED (%d problems):\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintln(e.stdout, "  "+p)
		}
	}
	if !rep.OK() {
		return exitCode(1)
	}
	return nil
}

func teamRollback(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "team rollback", "", `Stop using the team layer in use: the previous team adapter pulled here takes
its place, or none (your own adapter then runs over the base alone). The version
rolled back is not pulled again; a newer one is. Your own adapter is untouched
(syntx model rollback rolls that one back).`)
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	cfg, _ := config.Load("", nil)
	base, err := loadBase(cfg)
	if err != nil {
		return err
	}
	res, err := train.TeamRollback(ctx, config.DataHome(), base, time.Now())
	if errors.Is(err, train.ErrNothingToRollBack) {
		fmt.Fprintln(e.stderr, "syntx team rollback: no team layer is in use")
		return exitCode(1)
	}
	if err != nil {
		return err
	}
	to := res.To
	if to == "" {
		to = "no team layer"
	}
	fmt.Fprintf(e.stdout, "team layer rolled back from %s to %s\n", res.From, to)
	return nil
}

func teamStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "team status", "[--json]", `This machine's team membership and layers; opens no connection.`)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	cfg, _ := config.Load("", nil)
	home := config.DataHome()
	st, joined, err := team.LoadState(home)
	if err != nil {
		return err
	}
	layer, _, _, lerr := model.ActiveTeamAdapter(home)
	own, _, _, _ := model.ActiveAdapter(home)
	out := map[string]any{"team_mode": cfg.Team.DB != "", "joined": joined, "share": cfg.Team.Share,
		"team_layer": layer, "own_adapter": own}
	if joined {
		out["team_id"], out["member_id"], out["head"], out["last_sync"] = st.TeamID, st.MemberID, st.Head, st.LastSync
	}
	if lerr != nil {
		out["team_layer_error"] = lerr.Error()
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	mode := "off (no team.db: no connection is ever opened)"
	if cfg.Team.DB != "" {
		mode = "on"
	}
	fmt.Fprintf(w, "Team mode\t%s\n", mode)
	if joined {
		fmt.Fprintf(w, "Member\t%s of team %s (sharing: %s)\n", st.MemberID, st.TeamID, cfg.Team.Share)
		if !st.LastSync.IsZero() {
			fmt.Fprintf(w, "Last sync\t%s, hub head %s\n", st.LastSync.Local().Format(time.RFC3339), st.Head)
		}
	} else {
		fmt.Fprintln(w, "Member\tnot joined (syntx team join)")
	}
	fmt.Fprintf(w, "Layers\tbase → %s → %s\n", orNone(layer, "no team layer"), orNone(own, "no own adapter"))
	return w.Flush()
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func teamForget(ctx context.Context, e *env, args []string) error {
	fs, db := teamFlags(e, "forget", "[--before DATE]", `Delete your records from the hub: all of them, or those recorded before DATE
(2006-01-02 or RFC 3339). The hub's chain records how many left each push, so
the audit still accounts for every record; they are not sent again. Team
adapters trained before keep what they learnt; the next team train no longer
sees your records. "syntx forget" deletes local data only.`)
	before := fs.String("before", "", "only records recorded before this date")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	var t time.Time
	if *before != "" {
		var err error
		if t, err = parseDate(*before); err != nil {
			return err
		}
	}
	h, _, err := connectTeam(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	n, err := h.Forget(ctx, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted %d of your records from the hub %s\n", n, h.Target)
	return nil
}
