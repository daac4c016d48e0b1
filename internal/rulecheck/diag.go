package rulecheck

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Diag is one diagnostic of a checker.
type Diag struct {
	File   string `json:"file"` // relative to the checker's root
	Line   int    `json:"line,omitempty"`
	Source string `json:"source"` // go vet, tsc, node, scope, py_compile, pyflakes
	Msg    string `json:"msg"`
}

func (d Diag) String() string {
	return d.File + ":" + itoa(d.Line) + ": " + d.Source + ": " + d.Msg
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Positions inside messages ("other declaration of x at a.go:12:3", "from
// line 40") move with every fix: they are not part of a diagnostic's
// identity.
var (
	posInMsg  = regexp.MustCompile(`(\.(?:go|py|js|jsx|ts|tsx|mjs|cjs)):\d+(?::\d+)?`)
	lineInMsg = regexp.MustCompile(`\bline \d+`)
)

// key identifies a diagnostic across a fix: its file, checker and message,
// not its position.
func (d Diag) key() string {
	msg := posInMsg.ReplaceAllString(d.Msg, "$1")
	msg = lineInMsg.ReplaceAllString(msg, "line N")
	return d.File + "\x00" + d.Source + "\x00" + msg
}

// newDiags returns the diagnostics of after that before does not have: a
// message reported n times before and m > n times after contributes its
// last m-n occurrences.
func newDiags(before, after []Diag) []Diag {
	count := map[string]int{}
	for _, d := range before {
		count[d.key()]++
	}
	var out []Diag
	for _, d := range after {
		k := d.key()
		if count[k] > 0 {
			count[k]--
			continue
		}
		out = append(out, d)
	}
	return out
}

// cache keeps checker results on disk, keyed by everything they depend on:
// the checker and its version, the project, the file and both texts.
type cache struct{ dir string }

func newCache(dir string) *cache { return &cache{dir: dir} }

func (c *cache) key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *cache) path(key string) string {
	return filepath.Join(c.dir, "results", key[:2], key+".json")
}

func (c *cache) get(key string) ([]Diag, bool) {
	if c.dir == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil, false
	}
	var v struct {
		Breaks []Diag `json:"breaks"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil, false
	}
	return v.Breaks, true
}

func (c *cache) put(key string, breaks []Diag) {
	if c.dir == "" {
		return
	}
	b, err := json.Marshal(struct {
		Breaks []Diag `json:"breaks"`
	}{breaks})
	if err == nil {
		_ = writeFileAtomic(c.path(key), b) // a cache that cannot be written only costs time
	}
}

// relTo returns path relative to root when it lies inside it.
func relTo(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}
