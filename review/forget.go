package review

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/syntx/syntx/internal/atomicfile"
)

// ForgetSpec selects what Forget removes, as store.ForgetSpec does for the
// database: everything, one workspace (a repository root or a directory
// holding repositories), or what was recorded before a time.
type ForgetSpec struct {
	All       bool
	Workspace string
	Before    time.Time
}

// ForgetResult counts what Forget removed.
type ForgetResult struct {
	// States and Entries: review states (one per repository and branch)
	// and open suggestions in them; Cursors: learn --git cursors.
	States, Entries, Cursors int
}

// Forget removes what the review and learn state under home holds of the
// selection: with All, the review/ and learn/ directories; with a
// workspace, the states and cursors of repositories at or under it; with
// Before, the suggestions offered before then and the cursors last moved
// before then. What no state refers to any more (line hashes, old
// snapshots, temporary files) goes too. The database is not touched:
// store.DB.Forget forgets the suggestions themselves.
func Forget(home string, spec ForgetSpec) (ForgetResult, error) {
	var res ForgetResult
	reviewDir, learnDir := filepath.Join(home, "review"), filepath.Join(home, "learn")
	if spec.All {
		return forgetAll(reviewDir, learnDir)
	}
	if spec.Workspace == "" && spec.Before.IsZero() {
		return res, errors.New("review: forget: nothing selected")
	}
	if err := atomicfile.Clean(reviewDir); err != nil {
		return res, err
	}
	states, legacy, err := loadStates(reviewDir)
	if err != nil {
		return res, err
	}
	// A state written by an older SyntX cannot be kept in part: it goes
	// whole when it has anything selected.
	for _, st := range legacy {
		selected := spec.Workspace != "" && within(st.Repo, spec.Workspace)
		for _, e := range st.Entries {
			selected = selected || (!spec.Before.IsZero() && e.Offered.Before(spec.Before))
		}
		if selected {
			res.States++
			res.Entries += len(st.Entries)
			if err := atomicfile.Remove(st.file); err != nil {
				return res, err
			}
		}
	}
	var kept []*state
	for _, st := range states {
		if spec.Workspace != "" && within(st.Repo, spec.Workspace) {
			res.States++
			res.Entries += len(st.Entries)
			if err := atomicfile.Remove(st.file); err != nil {
				return res, err
			}
			continue
		}
		if !spec.Before.IsZero() {
			left := st.Entries[:0]
			for _, e := range st.Entries {
				if e.Offered.Before(spec.Before) {
					res.Entries++
					continue
				}
				left = append(left, e)
			}
			if len(left) != len(st.Entries) {
				st.Entries = left
				if len(left) == 0 {
					res.States++
				}
				if err := st.save(); err != nil {
					return res, err
				}
			}
		}
		kept = append(kept, st)
	}
	if _, err := os.Stat(reviewDir); err == nil {
		if err := gcLines(reviewDir, kept); err != nil {
			return res, err
		}
	}
	n, err := forgetCursors(learnDir, spec)
	res.Cursors = n
	return res, err
}

// forgetAll removes the review and learn directories, counting what they
// held (as far as it can be read).
func forgetAll(reviewDir, learnDir string) (ForgetResult, error) {
	var res ForgetResult
	if states, legacy, err := loadStates(reviewDir); err == nil {
		res.States = len(states) + len(legacy)
		for _, st := range states {
			res.Entries += len(st.Entries)
		}
		for _, st := range legacy {
			res.Entries += len(st.Entries)
		}
	}
	if n, err := count(learnDir, ".json"); err == nil {
		res.Cursors = n
	}
	if err := atomicfile.RemoveAll(reviewDir); err != nil {
		return res, err
	}
	return res, atomicfile.RemoveAll(learnDir)
}

// forgetCursors removes the learn cursors of the selection.
func forgetCursors(dir string, spec ForgetSpec) (int, error) {
	if err := atomicfile.Clean(dir); err != nil {
		return 0, err
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, de := range ents {
		if de.IsDir() || filepath.Ext(de.Name()) != ".json" {
			continue
		}
		p := filepath.Join(dir, de.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return n, err
		}
		var c cursor
		if json.Unmarshal(b, &c) != nil {
			continue // not ours
		}
		if (spec.Workspace != "" && within(c.Repo, spec.Workspace)) || (!spec.Before.IsZero() && c.Updated.Before(spec.Before)) {
			if err := atomicfile.Remove(p); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// within reports whether path is dir or lies under it.
func within(path, dir string) bool {
	path, dir = filepath.Clean(path), filepath.Clean(dir)
	return path == dir || strings.HasPrefix(path, dir+string(filepath.Separator))
}

// count returns how many files in dir end in ext.
func count(dir, ext string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, de := range ents {
		if !de.IsDir() && strings.HasSuffix(de.Name(), ext) {
			n++
		}
	}
	return n, nil
}
