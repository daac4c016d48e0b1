package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/syntx/syntx/internal/safeio"
)

// What a workspace may contribute, and the limits on reading it. A workspace
// folder is attacker-controlled until the user trusts it (a cloned
// repository, a pull request): its files are read once, through safeio, and
// the bytes that are hashed for the trust decision are the bytes that are
// loaded.
const (
	// WorkspaceDir is the folder, at the top of a workspace, that holds
	// SyntX's workspace configuration and rules.
	WorkspaceDir = ".syntx"
	// workspaceConfig and workspaceRules are the files it may hold,
	// relative to WorkspaceDir.
	workspaceConfig = "config.toml"
	workspaceRules  = "rules"

	// MaxConfigBytes bounds one configuration file.
	MaxConfigBytes = 256 << 10
	// MaxRuleFileBytes bounds one rule file.
	MaxRuleFileBytes = 1 << 20
	// maxRuleFiles, maxRuleBytes and maxRuleDepth bound a rules directory.
	maxRuleFiles = 256
	maxRuleBytes = 8 << 20
	maxRuleDepth = 8
)

// RuleLimits are the limits a rules directory is read with.
var RuleLimits = safeio.Limits{FileBytes: MaxRuleFileBytes, TotalBytes: maxRuleBytes, Files: maxRuleFiles, Depth: maxRuleDepth}

// Workspace is what one workspace folder contributes: its
// .syntx/config.toml and .syntx/rules/**/*.toml, as read at one moment, and
// whether they are trusted. Only a trusted workspace's content is used, and
// then only within what a workspace may set (WorkspaceKeys; rules that do
// not redefine a built-in or user rule).
type Workspace struct {
	// Root is the workspace folder (absolute, symbolic links resolved
	// when it exists).
	Root string
	// From says where the content was read: "" for the folder itself, or
	// a git revision ("origin/main (3f2a9c1d0b7e)") for content read from
	// the history.
	From string
	// Config is .syntx/config.toml (nil when there is none).
	Config []byte
	// Rules are the rule files under .syntx/rules, named relative to it.
	Rules []safeio.File
	// Problems are the files that could not be read (a symbolic link out of
	// the folder, a FIFO, a file over its limit): they are reported, and
	// not loaded, so they are not part of the digest either.
	Problems []error
	// Trusted reports the trust decision (see TrustStore.Decide, and the
	// editor's own workspace trust); Note explains it for the user.
	Trusted bool
	Note    string
}

// ReadWorkspace reads the workspace folder root. Nothing in it is trusted
// yet: set Trusted from a decision.
func ReadWorkspace(root string) *Workspace {
	w := &Workspace{Root: CanonicalPath(root)}
	d, err := safeio.OpenDir(w.Root)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.Problems = append(w.Problems, fmt.Errorf("%s: %w", w.Root, err))
		}
		return w
	}
	defer d.Close()
	sd, err := d.Sub(WorkspaceDir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.Problems = append(w.Problems, fmt.Errorf("%s: %w", filepath.Join(w.Root, WorkspaceDir), err))
		}
		return w
	}
	defer sd.Close()
	if b, err := sd.ReadFile(workspaceConfig, MaxConfigBytes); err == nil {
		w.Config = b
	} else if !errors.Is(err, fs.ErrNotExist) {
		w.Problems = append(w.Problems, err)
	}
	rd, err := sd.Sub(workspaceRules)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.Problems = append(w.Problems, fmt.Errorf("%s: %w", filepath.Join(sd.Name(), workspaceRules), err))
		}
		return w
	}
	defer rd.Close()
	files, problems := rd.Walk(".toml", RuleLimits)
	w.Rules = files
	for _, p := range problems {
		w.Problems = append(w.Problems, p)
	}
	return w
}

// CanonicalPath makes path absolute and resolves its symbolic links (when
// it exists), so that one folder has one name in the trust store.
func CanonicalPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return filepath.Clean(path)
}

// Empty reports whether the workspace contributes nothing (and so needs no
// trust decision).
func (w *Workspace) Empty() bool {
	return w == nil || (w.Config == nil && len(w.Rules) == 0)
}

// ConfigPath is where the workspace configuration is shown to come from.
func (w *Workspace) ConfigPath() string {
	return w.describe(filepath.Join(WorkspaceDir, workspaceConfig))
}

// RulePath is where a workspace rule file (named relative to .syntx/rules)
// is shown to come from: relative to the workspace, and with the revision
// when it was read from the history.
func (w *Workspace) RulePath(name string) string {
	return w.describe(filepath.Join(WorkspaceDir, workspaceRules, filepath.FromSlash(name)))
}

func (w *Workspace) describe(rel string) string {
	if w.From != "" {
		return filepath.ToSlash(rel) + "@" + w.From
	}
	return filepath.Join(w.Root, rel)
}

// FileHash is one file of a workspace with its SHA-256.
type FileHash struct {
	Path   string `json:"path"`   // slash path relative to the workspace
	SHA256 string `json:"sha256"` // hex
}

// Files lists the workspace's files with their hashes, sorted by path.
func (w *Workspace) Files() []FileHash {
	var out []FileHash
	if w.Config != nil {
		out = append(out, FileHash{WorkspaceDir + "/" + workspaceConfig, sha256Hex(w.Config)})
	}
	for _, f := range w.Rules {
		out = append(out, FileHash{WorkspaceDir + "/" + workspaceRules + "/" + f.Name, sha256Hex(f.Data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Digest is the SHA-256 of the file list: what a trust grant is pinned to.
func (w *Workspace) Digest() string {
	return digest(w.Files())
}

func digest(files []FileHash) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%s\n", f.Path, f.SHA256)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Layer returns the workspace configuration as a layer, nil when the
// workspace is not trusted or has none.
func (w *Workspace) Layer() (*Layer, error) {
	if w == nil || !w.Trusted || w.Config == nil {
		return nil, nil
	}
	l, err := DecodeTOML(w.ConfigPath(), w.Config)
	if l != nil {
		l.Workspace = true
	}
	return l, err
}

// Summary says in a few words what the workspace holds ("3 rule files and a
// config.toml").
func (w *Workspace) Summary() string {
	var parts []string
	switch n := len(w.Rules); n {
	case 0:
	case 1:
		parts = append(parts, "1 rule file")
	default:
		parts = append(parts, fmt.Sprintf("%d rule files", n))
	}
	if w.Config != nil {
		parts = append(parts, WorkspaceDir+"/"+workspaceConfig)
	}
	return strings.Join(parts, " and ")
}
