package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

const lockFile = ".lock"

// writeActive replaces the pointer file atomically (atomicfile: a
// temporary file written and fsynced, renamed over ACTIVE, the directory
// fsynced).
func writeActive(adir, version string) error {
	if err := atomicfile.WriteFile(filepath.Join(adir, model.ActiveFile), []byte(version+"\n")); err != nil {
		return fmt.Errorf("write %s: %w", model.ActiveFile, err)
	}
	return nil
}

// removeActive deletes the pointer file (the base runs alone).
func removeActive(adir string) error {
	if err := atomicfile.Remove(filepath.Join(adir, model.ActiveFile)); err != nil {
		return fmt.Errorf("remove %s: %w", model.ActiveFile, err)
	}
	return nil
}

// readPointer returns the version ACTIVE names, "" when there is none or
// it is unreadable.
func readPointer(adir string) string {
	b, err := os.ReadFile(filepath.Join(adir, model.ActiveFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Reconcile brings the adapter directory in line with the store after a
// crash or kill, under the adapters lock:
//
//   - temporary and half-deleted directories (names starting with ".") are
//     removed;
//   - version directories the store does not know (saved just before a
//     crash, before the run was recorded) are removed;
//   - an active adapter whose directory is missing or incomplete is
//     retired in the store (with its audit row);
//   - ACTIVE is rewritten to name the store's active adapter, or removed
//     when there is none.
//
// The store is the record of decisions; ACTIVE follows it. Run and
// Rollback reconcile first; a server may call it at start-up.
func Reconcile(ctx context.Context, home string, db *store.DB, now time.Time) error {
	adir := model.AdaptersDir(home)
	if err := atomicfile.MkdirAll(adir); err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	unlock, err := lockAdapters(ctx, adir)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	defer unlock()
	return reconcileLocked(ctx, adir, db, now)
}

func reconcileLocked(ctx context.Context, adir string, db *store.DB, now time.Time) error {
	known, err := db.Adapters(ctx)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	inDB := map[string]bool{}
	for _, a := range known {
		inDB[a.Version] = true
	}
	entries, err := os.ReadDir(adir)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	changed := false
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == lockFile || name == model.ActiveFile:
		case strings.HasPrefix(name, "."):
			if err := os.RemoveAll(filepath.Join(adir, name)); err != nil {
				return fmt.Errorf("reconcile: %w", err)
			}
			changed = true
		default:
			if _, ok := model.AdapterVersionNumber(name); ok && e.IsDir() && !inDB[name] {
				if err := trash(adir, name); err != nil {
					return fmt.Errorf("reconcile: %w", err)
				}
			}
		}
	}
	if changed {
		if err := atomicfile.SyncDir(adir); err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
	}
	act, ok, err := db.ActiveAdapter(ctx)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if ok && !model.AdapterComplete(filepath.Join(adir, act.Version)) {
		act.State = store.AdapterRetired
		if err := db.PutAdapter(ctx, act, now); err != nil {
			return fmt.Errorf("reconcile: retire missing adapter %s: %w", act.Version, err)
		}
		ok = false
	}
	switch {
	case ok && readPointer(adir) != act.Version:
		return writeActive(adir, act.Version)
	case !ok:
		return removeActive(adir)
	}
	return nil
}

// trash removes a version directory: it is first renamed to a dot-name
// (atomic, so no half-deleted directory ever carries a version name), then
// deleted.
func trash(adir, version string) error {
	tmp, err := os.MkdirTemp(adir, ".trash-"+version+"-")
	if err != nil {
		return err
	}
	dst := filepath.Join(tmp, version)
	if err := os.Rename(filepath.Join(adir, version), dst); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := atomicfile.SyncDir(adir); err != nil {
		return err
	}
	return os.RemoveAll(tmp)
}

// nextVersion returns "v<N>" with N one more than any version on disk, in
// the store, or named by a recorded run: a version forget deleted is never
// given to another adapter, so the audit log's history stays unambiguous.
func nextVersion(adir string, known []store.Adapter, runs []store.Run) (string, error) {
	top := 0
	for _, a := range known {
		if n, ok := model.AdapterVersionNumber(a.Version); ok {
			top = max(top, n)
		}
	}
	for _, r := range runs {
		if n, ok := model.AdapterVersionNumber(r.AdapterVersion); ok {
			top = max(top, n)
		}
	}
	entries, err := os.ReadDir(adir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		name := e.Name()
		if i := strings.Index(name, ".tmp-"); strings.HasPrefix(name, ".") && i > 1 {
			name = name[1:i]
		}
		if n, ok := model.AdapterVersionNumber(name); ok {
			top = max(top, n)
		}
	}
	return "v" + strconv.Itoa(top+1), nil
}

// prune deletes all but the newest keep version directories, never the
// active one.
func prune(adir string, active string, keep int) error {
	entries, err := os.ReadDir(adir)
	if err != nil {
		return err
	}
	type ver struct {
		name string
		n    int
	}
	var vs []ver
	for _, e := range entries {
		if n, ok := model.AdapterVersionNumber(e.Name()); ok && e.IsDir() {
			vs = append(vs, ver{e.Name(), n})
		}
	}
	slices.SortFunc(vs, func(a, b ver) int { return b.n - a.n })
	for i, v := range vs {
		if i < keep || v.name == active {
			continue
		}
		if err := trash(adir, v.name); err != nil {
			return err
		}
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}

// activeLogits returns the logits of the active policy (the store's active
// adapter, or the base when there is none or it does not load, which note
// then explains) on the held-out rows, by dataset row.
func (tr *trainer) activeLogits(ctx context.Context, p Problem) (za []float64, version, note string, err error) {
	if tr.fixed != nil {
		za, err = logitsOf(tr.base, tr.ds, tr.fixed.lora, holdRows(tr.ds))
		return za, tr.fixed.version, "", err
	}
	act, ok, err := p.DB.ActiveAdapter(ctx)
	if err != nil {
		return nil, "", "", err
	}
	var actLoRA *model.LoRA
	if ok {
		version = act.Version
		a, err := model.LoadAdapter(filepath.Join(model.AdaptersDir(p.Home), act.Version), tr.base)
		if err != nil {
			note = fmt.Sprintf("; active adapter %s does not load (%v), compared with the base", act.Version, err)
		} else {
			actLoRA = a.LoRA
		}
	}
	za, err = logitsOf(tr.base, tr.ds, actLoRA, holdRows(tr.ds))
	return za, version, note, err
}

// commit runs the gate against the active policy, saves the new adapter,
// records the run and the adapter in one transaction, and moves ACTIVE.
// The order keeps every crash recoverable by Reconcile: a directory saved
// but not recorded is removed; a recorded activation that ACTIVE does not
// show yet is completed.
func (tr *trainer) commit(ctx context.Context, p Problem, policy *model.LoRA, res *Result, start time.Time) error {
	adir := model.AdaptersDir(p.Home)
	unlock, err := lockAdapters(ctx, adir)
	if err != nil {
		return err
	}
	defer unlock()
	// Another process may have trained or rolled back meanwhile: compare
	// with what is active now.
	if err := reconcileLocked(ctx, adir, p.DB, tr.s.Now()); err != nil {
		return err
	}
	if err := tr.checkNothingForgotten(ctx, p, res, start); err != nil {
		return err
	}
	policy, err = tr.judge(ctx, p, policy, res)
	if err != nil {
		return err
	}
	return tr.saveAndRecord(ctx, p, adir, policy, res, start)
}

// checkNothingForgotten fails with ErrDataForgotten, recording the run as
// failed, when some of the preferences this run read were forgotten: its
// adapter would keep what the developer asked to forget. Forget holds the
// adapters lock too, so nothing is forgotten between this check and the save.
func (tr *trainer) checkNothingForgotten(ctx context.Context, p Problem, res *Result, start time.Time) error {
	n, err := p.DB.CountPreferences(ctx, tr.ds.lastID)
	if err != nil {
		return err
	}
	if n >= tr.ds.seen {
		return nil
	}
	res.Decision, res.Finished = store.RunFailed, tr.s.Now()
	res.Metrics.Reason = fmt.Sprintf("%d of the preferences it trained on were forgotten while it ran; the adapter is discarded", tr.ds.seen-n)
	res.Metrics.Seconds = round6(time.Since(start).Seconds())
	if id, err := p.DB.RecordRun(ctx, store.Run{StartedAt: res.Started, FinishedAt: res.Finished, Objective: string(res.Objective),
		Hyperparams: mustJSON(res.Hyper), DataCounts: mustJSON(res.Data), Metrics: mustJSON(sanitize(res.Metrics)),
		Decision: store.RunFailed}); err == nil {
		res.RunID = id
	}
	return ErrDataForgotten
}

// judge runs the gate of the new policy against the active one on the
// held-out preferences, fills res's decision and hold-out metrics, and
// returns the policy to save: the refit on all preferences when the run is
// accepted and one was trained, else policy.
func (tr *trainer) judge(ctx context.Context, p Problem, policy *model.LoRA, res *Result) (*model.LoRA, error) {
	za, actVersion, note, err := tr.activeLogits(ctx, p)
	if err != nil {
		return nil, err
	}
	res.Previous = actVersion
	if note == "" {
		res.Metrics.Holdout.ActiveVersion = actVersion
	}
	// When the active adapter did not load, the base was compared: what the
	// adapter trained on does not narrow the held-out set.
	gateVersion := actVersion
	if note != "" {
		gateVersion = ""
	}
	gp, which, err := tr.gateSet(ctx, p, gateVersion)
	if err != nil {
		return nil, err
	}
	// The scores stored are the ones the gate decided on.
	res.Metrics.Holdout.New, res.Metrics.Holdout.Active = evaluate(tr.zNew, gp), evaluate(za, gp)
	decision, reason := gate(tr.s, tr.zNew, za, gp)
	res.Decision, res.Metrics.Reason = decision, reason+which+note
	if decision == store.RunAccepted && tr.refit != nil {
		res.Metrics.Reason += "; saved the refit on all preferences"
		return tr.refit, nil
	}
	res.Metrics.Refit = nil
	return policy, nil
}

// saveAndRecord saves policy as the next adapter version, records the run
// and the adapter (active when res was accepted, else rejected) in one
// transaction, moves ACTIVE on acceptance and prunes old versions. A failed
// save is recorded as a failed run; a failed record removes the directory.
func (tr *trainer) saveAndRecord(ctx context.Context, p Problem, adir string, policy *model.LoRA, res *Result, start time.Time) error {
	version, err := tr.nextVersion(ctx, p, adir)
	if err != nil {
		return err
	}
	decision := res.Decision
	dir := filepath.Join(adir, version)
	run := store.Run{StartedAt: res.Started, Objective: string(res.Objective), Hyperparams: mustJSON(res.Hyper), DataCounts: mustJSON(res.Data),
		LastPreferenceID: tr.ds.lastID}
	saveErr := model.SaveAdapter(dir, tr.base, policy, version)
	var sha string
	if saveErr == nil {
		sha, saveErr = fileSHA256(filepath.Join(dir, model.AdapterWeightsFile))
	}
	res.Finished = tr.s.Now()
	res.Metrics.Seconds = round6(time.Since(start).Seconds())
	run.FinishedAt = res.Finished
	if saveErr != nil {
		res.Decision = store.RunFailed
		res.Metrics.Reason = "saving the adapter failed: " + saveErr.Error()
		run.Decision, run.Metrics = store.RunFailed, mustJSON(res.Metrics)
		if id, err := p.DB.RecordRun(ctx, run); err == nil {
			res.RunID = id
		}
		return fmt.Errorf("save adapter: %w", saveErr)
	}
	run.Decision, run.Metrics, run.AdapterVersion, run.AdapterSHA256 = decision, mustJSON(res.Metrics), version, sha
	state := store.AdapterRejected
	if decision == store.RunAccepted {
		state = store.AdapterActive
	}
	id, err := p.DB.RecordRunAdapter(ctx, run, state, res.Finished)
	if err != nil {
		_ = trash(adir, version)
		return err
	}
	res.RunID, res.Version, res.Dir, res.SHA256 = id, version, dir, sha
	res.Active = res.Previous
	if decision == store.RunAccepted {
		if err := writeActive(adir, version); err != nil {
			return err
		}
		res.Active = version
	}
	return prune(adir, res.Active, tr.s.KeepAdapters)
}

// nextVersion is the version the next adapter gets, from the adapters and
// runs recorded and the directories in adir.
func (tr *trainer) nextVersion(ctx context.Context, p Problem, adir string) (string, error) {
	known, err := p.DB.Adapters(ctx)
	if err != nil {
		return "", err
	}
	runs, err := p.DB.Runs(ctx, 0)
	if err != nil {
		return "", err
	}
	return nextVersion(adir, known, runs)
}

// adapterOlder reports whether a comes from an older run than b (by run
// id, or by version number when either has no run).
func adapterOlder(a, b store.Adapter) bool {
	if a.RunID != 0 && b.RunID != 0 {
		return a.RunID < b.RunID
	}
	na, _ := model.AdapterVersionNumber(a.Version)
	nb, _ := model.AdapterVersionNumber(b.Version)
	return na < nb
}

// rolledBackVersions returns the adapters that a rollback (or a repair)
// took out of service, from the audit log: those retired on their own (a
// rollback to the base, or a missing directory), and those replaced by an
// older adapter (a rollback to it). A later rollback must not bring them
// back: the developer already said no to them.
func rolledBackVersions(ctx context.Context, db *store.DB, known []store.Adapter) (map[string]bool, error) {
	hist, err := db.AdapterHistory(ctx)
	if err != nil {
		return nil, err
	}
	byVersion := map[string]store.Adapter{}
	for _, a := range known {
		byVersion[a.Version] = a
	}
	out := map[string]bool{}
	for _, h := range hist {
		switch {
		case h.State == store.AdapterRetired:
			out[h.Version] = true
		case h.State == store.AdapterActive && h.Previous != "":
			a, ok1 := byVersion[h.Version]
			p, ok2 := byVersion[h.Previous]
			if ok1 && ok2 && adapterOlder(a, p) {
				out[h.Previous] = true
			}
		}
	}
	return out, nil
}

// RollbackResult says what Rollback did.
type RollbackResult struct {
	From string // the version that was active
	To   string // the version now active, "" for the base
}

// Rollback restores the previous accepted adapter: among the adapters that
// were once active, came from runs older than the active adapter's run and
// were not taken out of service by an earlier rollback, the newest whose
// directory still loads with base (nil: model.LoadBase).
// When there is none the base policy runs alone. The active adapter is
// marked retired. It fails with ErrNothingToRollBack when no adapter is
// active.
func Rollback(ctx context.Context, home string, db *store.DB, base *model.Network, now time.Time) (RollbackResult, error) {
	if base == nil {
		var err error
		if base, err = model.LoadBase(); err != nil {
			return RollbackResult{}, fmt.Errorf("rollback: %w", err)
		}
	}
	adir := model.AdaptersDir(home)
	if err := atomicfile.MkdirAll(adir); err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	unlock, err := lockAdapters(ctx, adir)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	defer unlock()
	if err := reconcileLocked(ctx, adir, db, now); err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	cur, ok, err := db.ActiveAdapter(ctx)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	if !ok {
		return RollbackResult{}, fmt.Errorf("rollback: %w", ErrNothingToRollBack)
	}
	known, err := db.Adapters(ctx)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	older := func(a store.Adapter) bool { return adapterOlder(a, cur) }
	rolledBack, err := rolledBackVersions(ctx, db, known)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	var cands []store.Adapter
	for _, a := range known {
		if a.Version != cur.Version && a.State != store.AdapterRejected && !a.ActivatedAt.IsZero() && older(a) && !rolledBack[a.Version] {
			cands = append(cands, a)
		}
	}
	slices.SortFunc(cands, func(a, b store.Adapter) int {
		if a.RunID != b.RunID {
			return int(b.RunID - a.RunID)
		}
		na, _ := model.AdapterVersionNumber(a.Version)
		nb, _ := model.AdapterVersionNumber(b.Version)
		return nb - na
	})
	res := RollbackResult{From: cur.Version}
	for _, a := range cands {
		if _, err := model.LoadAdapter(filepath.Join(adir, a.Version), base); err != nil {
			continue
		}
		a.State = store.AdapterActive
		if err := db.PutAdapter(ctx, a, now); err != nil {
			return RollbackResult{}, fmt.Errorf("rollback: %w", err)
		}
		if err := writeActive(adir, a.Version); err != nil {
			return RollbackResult{}, fmt.Errorf("rollback: %w", err)
		}
		res.To = a.Version
		return res, nil
	}
	cur.State = store.AdapterRetired
	if err := db.PutAdapter(ctx, cur, now); err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	if err := removeActive(adir); err != nil {
		return RollbackResult{}, fmt.Errorf("rollback: %w", err)
	}
	return res, nil
}

// Pending returns how many preferences arrived after the newest ones the
// last recorded run used (all of them when there was no run), for the
// idle scheduler's train.min_new_preferences check.
func Pending(ctx context.Context, db *store.DB) (int, error) {
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		return 0, fmt.Errorf("pending preferences: %w", err)
	}
	var after int64
	for _, r := range runs {
		var dc DataCounts
		if json.Unmarshal(r.DataCounts, &dc) == nil && dc.LastPreferenceID > after {
			after = dc.LastPreferenceID
		}
	}
	n := 0
	err = db.Preferences(ctx, store.PreferenceFilter{AfterID: after}, func(store.Preference) error {
		n++
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pending preferences: %w", err)
	}
	return n, nil
}
