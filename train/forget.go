package train

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// ForgetResult says what Forget did to the data and to the adapters.
type ForgetResult struct {
	// Store is what the store deleted, the adapters trained on forgotten
	// preferences among it.
	Store store.ForgetReport
	// Previous is the adapter active before ("" for the base); Active the
	// one active now ("" for the base).
	Previous, Active string
}

// Message tells the developer, in one or two sentences, what happened to
// the adapters.
func (r ForgetResult) Message() string {
	var b strings.Builder
	if len(r.Store.Adapters) == 0 {
		b.WriteString("no adapter was trained on the forgotten preferences")
	} else {
		fmt.Fprintf(&b, "deleted adapter%s %s (trained on forgotten preferences)", plural(len(r.Store.Adapters)), strings.Join(r.Store.Adapters, ", "))
	}
	switch {
	case r.Active == r.Previous && r.Active != "":
		fmt.Fprintf(&b, "; %s stays active", r.Active)
	case r.Active == r.Previous:
		b.WriteString("; the base policy stays active")
	case r.Active != "":
		fmt.Fprintf(&b, "; now active: %s, the newest adapter trained only on preferences that remain", r.Active)
	default:
		b.WriteString("; now active: the base policy (no adapter was trained only on preferences that remain)")
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Forget deletes what spec selects from the store (see store.DB.Forget),
// with the adapters trained on any preference it deletes, under the
// adapters lock, so that no training run saves an adapter trained on
// forgotten data meanwhile (a run that read some of it is discarded, see
// ErrDataForgotten). Their directories are removed. If the active adapter
// was one of them, the newest adapter that remains, was once active, was
// not rolled back, and loads with base (nil: model.LoadBase) becomes
// active, else the base policy; ACTIVE follows, and a running server
// follows ACTIVE. The result says which.
func Forget(ctx context.Context, home string, db *store.DB, base *model.Network, spec store.ForgetSpec, now time.Time) (ForgetResult, error) {
	var res ForgetResult
	adir := model.AdaptersDir(home)
	if err := atomicfile.MkdirAll(adir); err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	unlock, err := lockAdapters(ctx, adir)
	if err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	defer unlock()
	if err := reconcileLocked(ctx, adir, db, now); err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	if act, ok, err := db.ActiveAdapter(ctx); err != nil {
		return res, fmt.Errorf("forget: %w", err)
	} else if ok {
		res.Previous = act.Version
	}
	if res.Store, err = db.Forget(ctx, spec, now); err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	// The store no longer knows the deleted versions: reconcile removes
	// their directories, and ACTIVE if it named one.
	if err := reconcileLocked(ctx, adir, db, now); err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	res.Active = res.Previous
	if !res.Store.ActiveDeleted {
		return res, nil
	}
	res.Active = ""
	fallback, err := fallbackAdapter(ctx, adir, db, base)
	if err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	if fallback == nil {
		return res, nil // the base policy; ACTIVE was removed by reconcile
	}
	fallback.State = store.AdapterActive
	if err := db.PutAdapter(ctx, *fallback, now); err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	if err := writeActive(adir, fallback.Version); err != nil {
		return res, fmt.Errorf("forget: %w", err)
	}
	res.Active = fallback.Version
	return res, nil
}

// fallbackAdapter returns the adapter to activate when the active one was
// forgotten: among those left (all trained only on preferences that
// remain, or forget would have deleted them) that were once active, not
// rejected and not rolled back, the newest whose directory loads; nil for
// the base.
func fallbackAdapter(ctx context.Context, adir string, db *store.DB, base *model.Network) (*store.Adapter, error) {
	known, err := db.Adapters(ctx)
	if err != nil {
		return nil, err
	}
	rolledBack, err := rolledBackVersions(ctx, db, known)
	if err != nil {
		return nil, err
	}
	var cands []store.Adapter
	for _, a := range known {
		if a.State != store.AdapterRejected && !a.ActivatedAt.IsZero() && !rolledBack[a.Version] {
			cands = append(cands, a)
		}
	}
	slices.SortFunc(cands, func(a, b store.Adapter) int {
		if adapterOlder(a, b) {
			return 1
		}
		if adapterOlder(b, a) {
			return -1
		}
		return 0
	})
	if len(cands) > 0 && base == nil {
		if base, err = model.LoadBase(); err != nil {
			return nil, err
		}
	}
	for _, a := range cands {
		if _, err := model.LoadAdapter(filepath.Join(adir, a.Version), base); err == nil {
			return &a, nil
		}
	}
	return nil, nil
}

// VerifyOptions returns the store.VerifyOptions that also check each
// adapter file under home against the hash the audit chain records for it
// (a swapped adapter file is then reported).
func VerifyOptions(home string) store.VerifyOptions {
	return store.VerifyOptions{AdapterFile: func(version string) string {
		return filepath.Join(model.AdaptersDir(home), version, model.AdapterWeightsFile)
	}}
}
