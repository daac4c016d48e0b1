package review

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

func TestMain(m *testing.M) {
	// Keep the user's and the system's git configuration out of the tests,
	// for the git commands the tests run and those the package runs.
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	code := m.Run()
	removeHistories()
	os.Exit(code)
}

var (
	libOnce sync.Once
	lib     *rules.Library
)

// testRules loads the frozen rules of testdata/review/rules.
func testRules(t testing.TB) *rules.Library {
	t.Helper()
	libOnce.Do(func() {
		lib = rules.Load(rules.Dir(filepath.Join("..", "testdata", "review", "rules")))
	})
	if len(lib.Problems) > 0 {
		t.Fatalf("test rules: %v", lib.Problems)
	}
	return lib
}

// repo is a git repository built by a test, with a fixed author and a
// clock that advances one minute per commit.
type repo struct {
	t   testing.TB
	dir string
	n   int
}

func newRepo(t testing.TB) *repo {
	t.Helper()
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *repo) env() []string {
	date := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(r.n) * time.Minute).Format(time.RFC3339)
	return append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE="+date,
	)
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = r.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(path, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) read(path string) string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(path)))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// replace rewrites old (which must occur once) to new in path.
func (r *repo) replace(path, old, new string) {
	r.t.Helper()
	s := r.read(path)
	if strings.Count(s, old) != 1 {
		r.t.Fatalf("%s: %q occurs %d times", path, old, strings.Count(s, old))
	}
	r.write(path, strings.Replace(s, old, new, 1))
}

// commit stages everything and commits; it returns the commit id.
func (r *repo) commit(msg string) string {
	r.t.Helper()
	r.n++
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func openStore(t testing.TB, home string, storeCode bool) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(home, "syntx.db"), store.Options{DiscardCode: !storeCode})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// outcomes counts a database's events by outcome.
func outcomes(t testing.TB, db *store.DB) map[store.Outcome]int64 {
	t.Helper()
	st, err := db.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Events
}

// preferences returns every stored preference.
func preferences(t testing.TB, db *store.DB) []store.Preference {
	t.Helper()
	var out []store.Preference
	err := db.Preferences(context.Background(), store.PreferenceFilter{}, func(p store.Preference) error {
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func describe(fs []*Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s:%d %s %q\n", f.Path, f.Start().Line, f.Rule.ID, f.Original)
	}
	return b.String()
}
