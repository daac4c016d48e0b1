package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/model"
)

// The team layer on disk (see "Two layers" in the package documentation):
//
//	Home/team/adapters/t1/, t2/, ...   team adapters pulled from the hub (PEFT directories)
//	Home/team/adapters/ACTIVE          the team version in use
//	Home/team/adapters/layer.json      what was pulled and rolled back, newest last
//	Home/team/adapters/.lock           flock serialising installs and rollbacks

// TeamStateFile is where a data directory that joined a team hub keeps
// its membership (package team writes it): its existence means "joined".
func TeamStateFile(home string) string { return filepath.Join(home, "team", "state.json") }

const layerLog = "layer.json"

// TeamVersionName is the local name of the hub's team adapter number n
// (model.TeamVersionNumber reads it back).
func TeamVersionName(n int64) string { return "t" + strconv.FormatInt(n, 10) }

// LayerEvent is one change of the team layer on this machine.
type LayerEvent struct {
	At      time.Time `json:"at"`
	Action  string    `json:"action"` // "pulled" or "rolled-back"
	Version string    `json:"version"`
	// To is the version in use afterwards ("" for none).
	To     string `json:"to"`
	SHA256 string `json:"sha256,omitempty"`
}

// TeamLayerLog returns the team layer's history on this machine, oldest
// first.
func TeamLayerLog(home string) ([]LayerEvent, error) {
	b, err := os.ReadFile(filepath.Join(model.TeamAdaptersDir(home), layerLog))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("team layer log: %w", err)
	}
	var evs []LayerEvent
	if err := json.Unmarshal(b, &evs); err != nil {
		return nil, fmt.Errorf("team layer log %s: %w", filepath.Join(model.TeamAdaptersDir(home), layerLog), err)
	}
	return evs, nil
}

// TeamRefused reports whether version was rolled back on this machine:
// a pull does not install it again.
func TeamRefused(home, version string) (bool, error) {
	evs, err := TeamLayerLog(home)
	if err != nil {
		return false, err
	}
	for _, e := range evs {
		if e.Action == "rolled-back" && e.Version == version {
			return true, nil
		}
	}
	return false, nil
}

func appendLayerLog(adir string, e LayerEvent) error {
	var evs []LayerEvent
	if b, err := os.ReadFile(filepath.Join(adir, layerLog)); err == nil {
		_ = json.Unmarshal(b, &evs)
	}
	evs = append(evs, e)
	b, err := json.MarshalIndent(evs, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(adir, layerLog), append(b, '\n'))
}

// ErrTeamAdapter wraps every reason InstallTeam refuses an adapter.
var ErrTeamAdapter = errors.New("team adapter refused")

// InstallTeam installs a team adapter pulled from the hub as version (a
// TeamVersionName) and makes it the team layer: the two PEFT files are
// checked against sha256 (the hex SHA-256 of the weights file, as the hub
// published it) and must load over base, are written to a temporary
// directory, fsynced and renamed into place, and then ACTIVE is replaced.
// An existing complete directory of that version is reused. The newest
// keep versions stay on disk, and always the active one.
func InstallTeam(ctx context.Context, home string, base *model.Network, version string, config, weights []byte, sha string, keep int, now time.Time) error {
	if _, ok := model.TeamVersionNumber(version); !ok {
		return fmt.Errorf("install team adapter: %q is not a team adapter version", version)
	}
	sum := sha256.Sum256(weights)
	if got := hex.EncodeToString(sum[:]); got != sha {
		return fmt.Errorf("install team adapter %s: %w: the weights' SHA-256 is %s, the hub published %s", version, ErrTeamAdapter, got, sha)
	}
	adir := model.TeamAdaptersDir(home)
	if err := atomicfile.MkdirAll(adir); err != nil {
		return fmt.Errorf("install team adapter: %w", err)
	}
	unlock, err := lockAdapters(ctx, adir)
	if err != nil {
		return fmt.Errorf("install team adapter: %w", err)
	}
	defer unlock()
	dir := filepath.Join(adir, version)
	if !model.AdapterComplete(dir) {
		_ = os.RemoveAll(dir)
		tmp, err := os.MkdirTemp(adir, "."+version+".tmp-")
		if err != nil {
			return fmt.Errorf("install team adapter: %w", err)
		}
		err = atomicfile.WriteFile(filepath.Join(tmp, model.AdapterConfigFile), config)
		if err == nil {
			err = atomicfile.WriteFile(filepath.Join(tmp, model.AdapterWeightsFile), weights)
		}
		if err == nil {
			if _, lerr := model.LoadAdapter(tmp, base); lerr != nil {
				err = fmt.Errorf("%w: %w", ErrTeamAdapter, lerr)
			}
		}
		if err == nil {
			err = os.Rename(tmp, dir)
		}
		if err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("install team adapter %s: %w", version, err)
		}
		if err := atomicfile.SyncDir(adir); err != nil {
			return fmt.Errorf("install team adapter: %w", err)
		}
	} else if got, err := fileSHA256(filepath.Join(dir, model.AdapterWeightsFile)); err != nil || got != sha {
		return fmt.Errorf("install team adapter %s: %w: %s holds other weights", version, ErrTeamAdapter, dir)
	}
	if err := writeActive(adir, version); err != nil {
		return fmt.Errorf("install team adapter: %w", err)
	}
	if err := appendLayerLog(adir, LayerEvent{At: now.UTC(), Action: "pulled", Version: version, To: version, SHA256: sha}); err != nil {
		return fmt.Errorf("install team adapter: %w", err)
	}
	return pruneTeam(adir, version, max(keep, 1))
}

// pruneTeam deletes all but the newest keep team versions, never active.
func pruneTeam(adir, active string, keep int) error {
	entries, err := os.ReadDir(adir)
	if err != nil {
		return err
	}
	var ns []int
	for _, e := range entries {
		if n, ok := model.TeamVersionNumber(e.Name()); ok && e.IsDir() {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	slices.Reverse(ns)
	for i, n := range ns {
		if v := "t" + strconv.Itoa(n); i >= keep && v != active {
			if err := trash(adir, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// TeamRollback takes the team layer in use out of service: the previous
// team version pulled on this machine that was not rolled back and still
// loads over base becomes the layer, or none (the developer's own adapter
// then runs over the base alone). The version rolled back is not pulled
// again. It fails with ErrNothingToRollBack when no team layer is in use.
func TeamRollback(ctx context.Context, home string, base *model.Network, now time.Time) (RollbackResult, error) {
	adir := model.TeamAdaptersDir(home)
	if err := atomicfile.MkdirAll(adir); err != nil {
		return RollbackResult{}, fmt.Errorf("team rollback: %w", err)
	}
	unlock, err := lockAdapters(ctx, adir)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("team rollback: %w", err)
	}
	defer unlock()
	cur := readPointer(adir)
	if _, ok := model.TeamVersionNumber(cur); !ok {
		return RollbackResult{}, fmt.Errorf("team rollback: %w", ErrNothingToRollBack)
	}
	evs, err := TeamLayerLog(home)
	if err != nil {
		return RollbackResult{}, err
	}
	refused := map[string]bool{cur: true}
	for _, e := range evs {
		if e.Action == "rolled-back" {
			refused[e.Version] = true
		}
	}
	res := RollbackResult{From: cur}
	curN, _ := model.TeamVersionNumber(cur)
	for i := len(evs) - 1; i >= 0 && res.To == ""; i-- {
		v := evs[i].Version
		n, ok := model.TeamVersionNumber(v)
		if evs[i].Action != "pulled" || !ok || n >= curN || refused[v] {
			continue
		}
		if _, err := model.LoadAdapter(filepath.Join(adir, v), base); err == nil {
			res.To = v
		}
	}
	if res.To != "" {
		err = writeActive(adir, res.To)
	} else {
		err = removeActive(adir)
	}
	if err != nil {
		return RollbackResult{}, fmt.Errorf("team rollback: %w", err)
	}
	if err := appendLayerLog(adir, LayerEvent{At: now.UTC(), Action: "rolled-back", Version: cur, To: res.To}); err != nil {
		return RollbackResult{}, fmt.Errorf("team rollback: %w", err)
	}
	return res, nil
}
