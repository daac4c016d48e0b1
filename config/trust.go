package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/syntx/syntx/internal/safeio"
)

// The trust store records the workspace folders the user trusts, each pinned
// to the hashes of its .syntx files at the moment it was trusted, the way
// direnv's `allow` works: when the files change (a `git pull`, a branch
// switch) the folder is untrusted again until the user looks and trusts it
// again. It lives in the user's data directory ($SYNTX_HOME/trust.json,
// mode 0600), never in a workspace.
//
// Editors with their own notion of trust (VS Code's workspace trust) pass
// their decision to the server instead; the store is for every other client
// and for the command line (`syntx trust`).

// TrustFile is the trust store's file name in the data directory.
const TrustFile = "trust.json"

// maxTrustBytes bounds the trust store file.
const maxTrustBytes = 4 << 20

// TrustEntry is one trusted workspace folder.
type TrustEntry struct {
	Path      string     `json:"path"`
	Digest    string     `json:"digest"`
	Files     []FileHash `json:"files"`
	TrustedAt time.Time  `json:"trusted_at"`
}

type trustFile struct {
	Version    int          `json:"version"`
	Workspaces []TrustEntry `json:"workspaces"`
}

// TrustStore is the trust store of one data directory.
type TrustStore struct {
	path string
	now  func() time.Time
}

// OpenTrust returns the trust store of the data directory home. Nothing is
// read or created until it is used.
func OpenTrust(home string) *TrustStore {
	return &TrustStore{path: filepath.Join(home, TrustFile), now: time.Now}
}

// Path is the store's file.
func (s *TrustStore) Path() string { return s.path }

func (s *TrustStore) read() (trustFile, error) {
	var f trustFile
	b, err := safeio.ReadFile(s.path, maxTrustBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return trustFile{Version: 1}, nil
	}
	if err != nil {
		return f, fmt.Errorf("trust store: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("trust store %s: %w", s.path, err)
	}
	return f, nil
}

// write replaces the store atomically: a temporary file in the same
// directory, written and fsynced, renamed over it, then the directory
// fsynced.
func (s *TrustStore) write(f trustFile) error {
	f.Version = 1
	sort.Slice(f.Workspaces, func(i, j int) bool { return f.Workspaces[i].Path < f.Workspaces[j].Path })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("trust store: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+TrustFile+".tmp-")
	if err != nil {
		return fmt.Errorf("trust store: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("trust store: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("trust store: fsync %s: %w", dir, err)
		}
	}
	return nil
}

// Decide sets ws.Trusted and ws.Note from the store: trusted when the
// folder was trusted with exactly the files it holds now.
func (s *TrustStore) Decide(ws *Workspace) error {
	ws.Trusted, ws.Note = false, ""
	if ws.Empty() {
		return nil
	}
	f, err := s.read()
	if err != nil {
		ws.Note = err.Error()
		return err
	}
	for _, e := range f.Workspaces {
		if e.Path != ws.Root {
			continue
		}
		if e.Digest == ws.Digest() {
			ws.Trusted = true
			ws.Note = "trusted with `syntx trust` on " + e.TrustedAt.Format("2006-01-02")
			return nil
		}
		ws.Note = "its .syntx files changed since you trusted it (" + changes(e.Files, ws.Files()) + ")"
		return nil
	}
	ws.Note = "this folder is not trusted"
	return nil
}

// changes describes how the files differ: "rules/x.toml changed, rules/y.toml added".
func changes(before, after []FileHash) string {
	old := map[string]string{}
	for _, f := range before {
		old[f.Path] = f.SHA256
	}
	var out []string
	for _, f := range after {
		h, ok := old[f.Path]
		switch {
		case !ok:
			out = append(out, f.Path+" added")
		case h != f.SHA256:
			out = append(out, f.Path+" changed")
		}
		delete(old, f.Path)
	}
	for p := range old {
		out = append(out, p+" removed")
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Grant trusts ws's folder with the files it holds now.
func (s *TrustStore) Grant(ws *Workspace) error {
	f, err := s.read()
	if err != nil {
		return err
	}
	e := TrustEntry{Path: ws.Root, Digest: ws.Digest(), Files: ws.Files(), TrustedAt: s.now().UTC().Truncate(time.Second)}
	kept := f.Workspaces[:0]
	for _, x := range f.Workspaces {
		if x.Path != e.Path {
			kept = append(kept, x)
		}
	}
	f.Workspaces = append(kept, e)
	if err := s.write(f); err != nil {
		return err
	}
	ws.Trusted, ws.Note = true, "trusted with `syntx trust` just now"
	return nil
}

// Revoke removes root from the store; it reports whether it was there.
func (s *TrustStore) Revoke(root string) (bool, error) {
	root = CanonicalPath(root)
	f, err := s.read()
	if err != nil {
		return false, err
	}
	kept := f.Workspaces[:0]
	found := false
	for _, x := range f.Workspaces {
		if x.Path == root {
			found = true
			continue
		}
		kept = append(kept, x)
	}
	if !found {
		return false, nil
	}
	f.Workspaces = kept
	return true, s.write(f)
}

// List returns the trusted folders, sorted by path.
func (s *TrustStore) List() ([]TrustEntry, error) {
	f, err := s.read()
	return f.Workspaces, err
}
