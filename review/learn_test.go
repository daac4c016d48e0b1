package review

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/syntx/syntx/store"
)

const historyGo = `package a

import (
	"fmt"
	"os"
	"time"
)

func Load(name string) error {
	if _, err := os.Stat(name); err != nil {
		return fmt.Errorf("load %s: %v", name, err)
	}
	return nil
}

func Save(name string) error {
	if err := os.WriteFile(name, nil, 0o600); err != nil {
		return fmt.Errorf("save %s: %v", name, err)
	}
	return nil
}

func Elapsed(start time.Time) time.Duration {
	return time.Now().Sub(start)
}
`

const historyPy = `def f(a, b):
    return a == None or b != None


def g(x):
    return x == None
`

// historyRepo builds a history with smells introduced, fixed by hand,
// reverted, rewritten otherwise and left alone. Learning from it finds
// errorf-wrap applied once and reverted once, time-since applied once, and
// none-comparison applied twice (in one line).
func historyRepo(t *testing.T) *repo {
	r := newRepo(t)
	r.write("a.go", historyGo)
	r.write("p.py", historyPy)
	r.write("README.md", "# a\n")
	r.commit("introduce smells")
	r.replace("a.go", `"load %s: %v"`, `"load %s: %w"`)
	r.commit("wrap the load error")
	r.replace("a.go", "return time.Now().Sub(start)", "return time.Since(  start )  // simpler")
	r.commit("use time.Since")
	r.replace("a.go", `"load %s: %w"`, `"load %s: %v"`)
	r.commit("revert wrapping")
	r.replace("a.go", `return fmt.Errorf("save %s: %v", name, err)`, `return fmt.Errorf("save %s: %s", name, err.Error())`)
	r.commit("rewrite save otherwise")
	r.write("README.md", "# a\n\nmore\n")
	r.commit("docs only")
	r.replace("p.py", "return a == None or b != None", "return a is None or b is not None")
	r.commit("fix both comparisons")
	r.write("p.py", r.read("p.py")+"\n\ndef h(y):\n    return y == None\n")
	r.write("b.go", "package a\n\nfunc B(err error) error { return fmt.Errorf(\"b: %v\", err) }\n")
	r.commit("new smells")
	return r
}

func learn(t *testing.T, r *repo, db *store.DB, home string, mod func(*LearnOptions)) *LearnResult {
	t.Helper()
	opts := LearnOptions{Dir: r.dir, DB: db, Home: home, Library: testRules(t), Persona: "history", Weight: 0.5}
	if mod != nil {
		mod(&opts)
	}
	res, err := Learn(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func foundString(res *LearnResult) string {
	var b strings.Builder
	for _, id := range res.Rules() {
		c := res.Found[id]
		b.WriteString(id)
		b.WriteString(":")
		b.WriteString(strings.Repeat("A", c.Applied))
		b.WriteString(strings.Repeat("R", c.Reverted))
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

func TestLearnGitFindsAppliedAndRevertedFixes(t *testing.T) {
	t.Parallel()
	r := historyRepo(t)
	home := t.TempDir()
	db := openStore(t, home, true)

	res := learn(t, r, db, home, nil)
	const want = "go.errorf-wrap:AR go.time-since:A python.none-comparison:AA"
	if got := foundString(res); got != want {
		t.Fatalf("found %q, want %q", got, want)
	}
	if res.Commits != 7 || res.Total != 7 || res.Added != 5 || res.Existing != 0 {
		// 8 commits, one of them touches no supported file.
		t.Errorf("commits %d/%d added %d existing %d", res.Commits, res.Total, res.Added, res.Existing)
	}
	ev := outcomes(t, db)
	if ev[store.Accepted] != 4 || ev[store.Kept] != 4 || ev[store.Undone] != 1 || ev[store.Offered] != 0 {
		t.Errorf("events %v", ev)
	}
	prefs := preferences(t, db)
	if len(prefs) != 4+2 {
		t.Errorf("%d preferences, want 6 (a label per kept fix, a pair and a label for the revert)", len(prefs))
	}
	kinds := map[string]int{}
	for _, p := range prefs {
		if p.Persona != "history" || p.Weight != 0.5 {
			t.Errorf("preference persona %q weight %v", p.Persona, p.Weight)
		}
		switch {
		case p.Kind == store.Pair:
			kinds["pair"]++
		case p.Desirable:
			kinds["desirable"]++
		default:
			kinds["undesirable"]++
		}
	}
	if kinds["desirable"] != 4 || kinds["undesirable"] != 1 || kinds["pair"] != 1 {
		t.Errorf("preferences by kind %v, want 4 desirable labels (kept), 1 pair and 1 undesirable label (undone)", kinds)
	}
	// The revert's pair prefers the original code to the fix.
	var pair *store.Preference
	for i := range prefs {
		if prefs[i].Kind == store.Pair {
			pair = &prefs[i]
		}
	}
	if pair == nil || pair.Chosen.Role != store.RoleOriginal || !strings.HasPrefix(pair.Chosen.SuggestionID, "git-") {
		t.Fatalf("revert pair %+v", pair)
	}
	s, err := db.Suggestion(context.Background(), pair.Chosen.SuggestionID)
	if err != nil {
		t.Fatal(err)
	}
	if s.RuleID != "go.errorf-wrap" || s.Trigger != store.Review || s.Persona != "history" ||
		s.OriginalText != `"load %s: %v"` || s.SuggestedText != `"load %s: %w"` ||
		!strings.Contains(string(s.Features), `"kind":"reverted"`) {
		t.Errorf("revert suggestion %+v", s)
	}

	// Running again adds nothing: the cursor is at HEAD.
	again := learn(t, r, db, home, nil)
	if again.Commits != 0 || again.Added != 0 {
		t.Errorf("second run: %+v", again)
	}
	// Reading everything again recognises what is there.
	full := learn(t, r, db, home, func(o *LearnOptions) { o.Rescan = true })
	if foundString(full) != want || full.Added != 0 || full.Existing != 5 {
		t.Errorf("rescan: %q added %d existing %d", foundString(full), full.Added, full.Existing)
	}
	if got := preferences(t, db); len(got) != len(prefs) {
		t.Errorf("rescan added preferences: %d, was %d", len(got), len(prefs))
	}

	// A new commit is picked up from the cursor.
	r.replace("p.py", "return y == None", "return y is None")
	r.commit("fix h")
	next := learn(t, r, db, home, nil)
	if next.Commits != 1 || next.Added != 1 || foundString(next) != "python.none-comparison:A" {
		t.Errorf("after a new commit: %+v %q", next, foundString(next))
	}
}

func TestLearnGitLimitsAndResume(t *testing.T) {
	t.Parallel()
	r := historyRepo(t)
	home := t.TempDir()
	db := openStore(t, home, true)

	// Only the newest two commits: the comparison fix and the new smells.
	res := learn(t, r, db, home, func(o *LearnOptions) { o.MaxCommits = 2 })
	if res.Commits != 2 || foundString(res) != "python.none-comparison:AA" {
		t.Errorf("max-commits 2: %+v %q", res, foundString(res))
	}

	// An interrupted run stops after the commit it is in and resumes.
	home2 := t.TempDir()
	db2 := openStore(t, home2, true)
	ctx, cancel := context.WithCancel(context.Background())
	first, err := Learn(ctx, LearnOptions{Dir: r.dir, DB: db2, Home: home2, Library: testRules(t), Persona: "history", Weight: 0.5,
		Progress: func(done, total int) {
			if done == 3 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) || !first.Interrupted || first.Commits != 3 {
		t.Fatalf("interrupted run: %+v %v", first, err)
	}
	rest := learn(t, r, db2, home2, nil)
	if first.Commits+rest.Commits != 7 || first.Added+rest.Added != 5 {
		t.Errorf("resumed: %d+%d commits, %d+%d added", first.Commits, rest.Commits, first.Added, rest.Added)
	}

	// --since after the last commit selects nothing.
	none := learn(t, r, openStore(t, t.TempDir(), true), t.TempDir(), func(o *LearnOptions) { o.Since = "2030-01-01" })
	if none.Commits != 0 || none.Added != 0 {
		t.Errorf("since 2030: %+v", none)
	}
}
