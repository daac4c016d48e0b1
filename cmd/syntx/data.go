package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/review"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/team"
	"github.com/syntx/syntx/train"
)

// dbPath is the database under $SYNTX_HOME.
func dbPath() string { return filepath.Join(config.DataHome(), "syntx.db") }

// openDB opens the database; with mustExist, a missing one is an error
// rather than created.
func openDB(ctx context.Context, mustExist bool) (*store.DB, error) {
	p := dbPath()
	if mustExist {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no SyntX database at %s (set SYNTX_HOME, or use SyntX in an editor first)", p)
		}
	}
	return store.Open(ctx, p, store.Options{})
}

// heldBack is what the developer's record of outcomes holds back from
// automatic triggers, under the user's settings and rules (the server's
// syntx.status says the same, with its workspace's rules).
func heldBack(ctx context.Context, db *store.DB) ([]capture.Held, error) {
	cfg, _ := config.Load("", nil)
	rec := capture.NewRecord(train.DefaultHalfLife)
	if err := rec.Fill(ctx, db, cfg.Capture.Evidence.Edited); err != nil {
		return nil, err
	}
	p := cfg.Policy
	return rec.HeldBack(rules.Load(rules.ForWorkspace(nil)...).Rules(), p.Threshold, p.RecordStrength, p.RecordMin), nil
}

// printHeld adds what the record holds back to the status table.
func printHeld(w io.Writer, held []capture.Held) {
	for i, h := range held {
		label := ""
		if i == 0 {
			label = "Held back unasked"
		}
		role := "production"
		if h.Role != "" {
			role = h.Role
		}
		fmt.Fprintf(w, "%s\t%s in %s code (your record: %.0f%% accepted)\n", label, h.Rule, role, 100*h.Acceptance)
	}
}

// readStatus reads what status shows from the database, when there is one.
func readStatus(ctx context.Context) (store.Status, []capture.Held, error) {
	st := store.Status{Events: map[store.Outcome]int64{}}
	for _, o := range store.Outcomes() {
		st.Events[o] = 0
	}
	if _, err := os.Stat(dbPath()); err != nil {
		return st, nil, nil
	}
	db, err := openDB(ctx, true)
	if err != nil {
		return st, nil, err
	}
	defer db.Close()
	if st, err = db.Status(ctx); err != nil {
		return st, nil, err
	}
	held, err := heldBack(ctx, db)
	return st, held, err
}

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status", "[--json]", `Show what SyntX has recorded in $SYNTX_HOME: events by outcome, persona and
rule, preferences, acceptance rate per category, the active adapter.`)
	asJSON := fs.Bool("json", false, "print one JSON object (events, preferences, adapter, ...)")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	st, held, err := readStatus(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			store.Status
			HeldBack []capture.Held `json:"heldBack,omitempty"`
		}{st, held})
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Data\t%s\n", config.DataHome())
	var evs []string
	for _, o := range store.Outcomes() {
		evs = append(evs, fmt.Sprintf("%s %d", o, st.Events[o]))
	}
	fmt.Fprintf(w, "Events\t%s\n", strings.Join(evs, "  "))
	fmt.Fprintf(w, "Preferences\t%d\n", st.Preferences)
	adapter := "none (base policy)"
	if st.Adapter != nil {
		adapter = *st.Adapter
	}
	fmt.Fprintf(w, "Adapter\t%s\n", adapter)
	cats := sortedKeys(st.Acceptance)
	for i, c := range cats {
		a := st.Acceptance[c]
		label := ""
		if i == 0 {
			label = "Acceptance"
		}
		fmt.Fprintf(w, "%s\t%-12s %d/%d (%.0f%%)\n", label, c, a.Accepted, a.Offered, 100*a.Rate)
	}
	personas := sortedKeys(st.ByPersona)
	for i, p := range personas {
		label := ""
		if i == 0 {
			label = "By persona"
		}
		fmt.Fprintf(w, "%s\t%s %d\n", label, p, st.ByPersona[p])
	}
	for i, r := range sortedKeys(st.ByRule) {
		label := ""
		if i == 0 {
			label = "By rule"
		}
		var parts []string
		for _, o := range store.Outcomes() {
			if n := st.ByRule[r][o]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", o, n))
			}
		}
		fmt.Fprintf(w, "%s\t%s: %s\n", label, r, strings.Join(parts, ", "))
	}
	printHeld(w, held)
	fmt.Fprintf(w, "Audit\t%d rows\n", st.AuditRows)
	return w.Flush()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func cmdAudit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit", "verify [--head SEQ:HASH] [--anchor FILE] | head [--json] | log [--since DATE] [--json]",
		`Check or print the append-only, hash-chained audit log of suggestions, events,
preferences, training runs, adapter changes and deletions.

  verify  walk the chain, recompute the digest of every data row it records
          (a preference's weight changed, an event deleted, a row added behind
          SyntX's back), check every adapter file against its recorded hash,
          and check the chain against the anchor log ($SYNTX_HOME/audit-head.log,
          appended on every commit) and a head noted earlier (--head), which
          catch a cut tail or a rewritten chain. Exits 1 and names the first
          bad row.
  head    print the current head, SEQ:HASH; keep it (or the anchor log)
          somewhere else to check later with verify --head.
  log     print the chain.

What the chain cannot prove: anything against someone who can write both
the database and every copy of its anchors.`)
	since := fs.String("since", "", "with log: only rows at or after DATE (2006-01-02 or RFC 3339)")
	asJSON := fs.Bool("json", false, "with log: one JSON object per line; with head: {\"seq\", \"hash\"}")
	head := fs.String("head", "", "with verify: a `SEQ:HASH` printed earlier by syntx audit head; the chain must still reach it")
	anchor := fs.String("anchor", "", "with verify: the anchor log to check against (default: $SYNTX_HOME/audit-head.log)")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	// Flags may come before the subcommand or after it
	// (audit verify --head SEQ:HASH).
	rest := fs.Args()
	if len(rest) > 1 {
		sub := rest[0]
		if err := parse(e, fs, rest[1:]); err != nil {
			return done(err)
		}
		rest = append([]string{sub}, fs.Args()...)
	}
	if len(rest) != 1 {
		fs.Usage()
		return errUsage
	}
	if *head != "" {
		if _, err := store.ParseHead(*head); err != nil {
			fmt.Fprintln(e.stderr, "syntx audit:", err)
			return errUsage
		}
	}
	db, err := openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	switch rest[0] {
	case "verify":
		return auditVerify(ctx, e, db, *head, *anchor)
	case "head":
		return auditHead(ctx, e, db, *asJSON)
	case "log":
		return auditLog(ctx, e, db, *since, *asJSON)
	}
	fs.Usage()
	return errUsage
}

// auditVerify is syntx audit verify: it checks the chain, the data rows,
// the adapter files and the anchors, and exits 1 naming the first bad row.
func auditVerify(ctx context.Context, e *env, db *store.DB, head, anchor string) error {
	opts := train.VerifyOptions(config.DataHome())
	opts.Head, opts.AnchorPath = head, anchor
	rep, err := db.VerifyWith(ctx, opts)
	if err != nil {
		return err
	}
	if !rep.OK {
		where := fmt.Sprintf("row %d", rep.Seq)
		if rep.Seq == 0 {
			where = "a data row"
		}
		if rep.Row != "" {
			where += " (" + rep.Row + ")"
		}
		fmt.Fprintf(e.stdout, "audit chain BROKEN at %s: %s (%d rows checked)\n", where, rep.Problem, rep.Rows)
		return exitCode(1)
	}
	fmt.Fprintf(e.stdout, "audit chain OK: %d rows, head %d:%s; %d data rows, %d adapter files and %d anchored rows checked\n",
		rep.Rows, rep.Rows, rep.Head, rep.DataRows, rep.AdapterFiles, rep.Anchored)
	if rep.Anchored < rep.Rows {
		fmt.Fprintf(e.stdout, "note: the anchor log %s covers %d of the %d rows (rows written before it existed, or lost in a crash, are not anchored)\n",
			anchorPath(db, anchor), rep.Anchored, rep.Rows)
	}
	if rep.AnchorSkipped > 0 {
		fmt.Fprintf(e.stdout, "note: %d lines of the anchor log are malformed and were skipped\n", rep.AnchorSkipped)
	}
	return nil
}

// auditHead is syntx audit head: it prints the chain's head, SEQ:HASH or
// as JSON; an empty chain exits 1.
func auditHead(ctx context.Context, e *env, db *store.DB, asJSON bool) error {
	h, err := db.Head(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{"seq": h.Seq, "hash": h.Hash})
	}
	if h.Seq == 0 {
		fmt.Fprintln(e.stderr, "syntx audit head: the audit log is empty")
		return exitCode(1)
	}
	fmt.Fprintln(e.stdout, h)
	return nil
}

// auditLog is syntx audit log: it prints the chain from since (a date;
// the whole chain when empty), a row a line or as JSON.
func auditLog(ctx context.Context, e *env, db *store.DB, since string, asJSON bool) error {
	var t time.Time
	if since != "" {
		var err error
		if t, err = parseDate(since); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(e.stdout)
	return db.AuditLog(ctx, t, func(r store.AuditRow) error {
		if asJSON {
			return enc.Encode(r)
		}
		_, err := fmt.Fprintf(e.stdout, "%6d  %s  %-10s %-24s %s\n", r.Seq, r.At.UTC().Format(time.RFC3339), r.Kind, r.Ref, r.Payload)
		return err
	})
}

func anchorPath(db *store.DB, given string) string {
	if given != "" {
		return given
	}
	return db.AnchorPath()
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read date %q: use 2006-01-02 or RFC 3339", s)
}

func cmdForget(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "forget", "--all | --workspace PATH | --before DATE", `Delete what SyntX recorded: suggestions, events and preferences in the
database (then vacuumed, so the deleted content is gone from the file), the
review state and learn cursors under $SYNTX_HOME, and every adapter trained on
a forgotten preference. When the active adapter goes, the newest adapter
trained only on what remains becomes active, or the base policy; a running
language server follows. --all also replaces the hash key, so no keyed hash
left anywhere matches anything. The audit chain records the deletion (counts,
which rows and adapters went, never their content).`)
	all := fs.Bool("all", false, "forget everything")
	workspace := fs.String("workspace", "", "forget what was recorded in this workspace (a repository root, or a directory holding several)")
	before := fs.String("before", "", "forget what was recorded before DATE")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	spec := store.ForgetSpec{All: *all}
	if *workspace != "" {
		abs, err := filepath.Abs(*workspace)
		if err != nil {
			return err
		}
		spec.Workspace = abs
	}
	if *before != "" {
		t, err := parseDate(*before)
		if err != nil {
			return err
		}
		spec.Before = t
	}
	if !spec.All && spec.Workspace == "" && spec.Before.IsZero() {
		fs.Usage()
		return errUsage
	}
	home := config.DataHome()
	if _, err := os.Stat(dbPath()); err == nil {
		// Only user-level configuration chooses the base model here: a
		// forget never reads a workspace's files.
		cfg, _ := config.Load("", nil)
		base, err := loadBase(cfg)
		if err != nil {
			return err
		}
		db, err := openDB(ctx, true)
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := train.Forget(ctx, home, db, base, spec, time.Now())
		if err != nil {
			return err
		}
		r := res.Store
		fmt.Fprintf(e.stdout, "forgot %d suggestions, %d events, %d preferences\n", r.Suggestions, r.Events, r.Preferences)
		fmt.Fprintln(e.stdout, res.Message())
		if r.KeyRotated {
			fmt.Fprintln(e.stdout, "replaced the hash key: no keyed hash left anywhere matches anything")
		}
		if !r.Checkpointed {
			fmt.Fprintln(e.stdout, "note: another process kept the database busy; the deleted pages leave its write-ahead log at the next checkpoint")
		}
	}
	rr, err := review.Forget(home, review.ForgetSpec{All: spec.All, Workspace: spec.Workspace, Before: spec.Before})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed %d review states (%d open suggestions) and %d learn cursors\n", rr.States, rr.Entries, rr.Cursors)
	if _, joined, _ := team.LoadState(home); joined {
		fmt.Fprintln(e.stdout, "the records you shared with your team's hub are still there: syntx team forget deletes them")
	}
	return nil
}

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "--format dpo|kto [-o FILE]", `Export the preferences as JSONL with TRL's columns: prompt/chosen/rejected
(dpo) or prompt/completion/label (kto), to fine-tune a generative model
elsewhere. Only rows whose code was stored can be exported.`)
	format := fs.String("format", "dpo", "dpo or kto")
	out := fs.String("o", "", "output file (default stdout)")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	db, err := openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var st store.ExportStats
	write := func(w io.Writer) error {
		var err error
		switch *format {
		case "dpo":
			st, err = db.ExportDPO(ctx, w)
		case "kto":
			st, err = db.ExportKTO(ctx, w)
		default:
			err = fmt.Errorf("export: format %q must be dpo or kto", *format)
		}
		return err
	}
	if *out == "" || *out == "-" {
		err = write(e.stdout)
	} else {
		// Written whole or not at all, 0600: it holds (redacted) code.
		err = atomicfile.Write(*out, write)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "exported %d rows (%d skipped: no stored code)\n", st.Written, st.Skipped)
	return nil
}
