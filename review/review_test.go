package review

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

const mainGo = `package a

import (
	"fmt"
	"os"
	"time"
)

// Old is on main already: its smell is not part of the change.
func Old(name string) error {
	if _, err := os.Stat(name); err != nil {
		return fmt.Errorf("old %s: %v", name, err)
	}
	return nil
}
`

const featureGo = `
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

// featureRepo returns a repository whose main branch has mainGo and whose
// checked-out branch "feature" adds featureGo to it.
func featureRepo(t *testing.T) *repo {
	r := newRepo(t)
	r.write("a.go", mainGo)
	r.commit("main")
	r.git("checkout", "-q", "-b", "feature")
	r.write("a.go", mainGo+featureGo)
	r.commit("feature")
	return r
}

func review(t *testing.T, r *repo, base string) *Result {
	t.Helper()
	res, err := Run(context.Background(), Options{Dir: r.dir, Base: base, Library: testRules(t), Persona: "senior-reviewer"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func record(t *testing.T, res *Result, db *store.DB, home string, storeCode bool) *RecordResult {
	t.Helper()
	rec, err := Record(context.Background(), res, RecordOptions{
		DB: db, Home: home, Library: testRules(t), Persona: "senior-reviewer", Weight: 1.5, StoreCode: storeCode,
		Now: func() time.Time { return time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestRunReviewsChangedLinesOnly(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a.go", mainGo)
	r.write("r.go", "package a\n\nfunc R(e error) error { return fmt.Errorf(\"r: %v\", err) }\n")
	r.write("d.go", "package a\n\nfunc D(e error) error { return fmt.Errorf(\"d: %v\", err) }\n")
	r.write("p.py", "def f(x):\n    return x == None\n")
	r.commit("main")

	// Uncommitted work: a new smell in a.go next to the old one, a pure
	// rename, a deletion, a staged new file, untracked files (one binary),
	// and a Python line changed.
	r.replace("a.go", "\treturn nil\n}\n", "\treturn nil\n}\n\nfunc New(start time.Time) time.Duration { return time.Now().Sub(start) }\n")
	r.git("mv", "r.go", "renamed.go")
	r.git("rm", "-q", "d.go")
	r.write("n.go", "package a\n\nvar c = &tls.Config{InsecureSkipVerify: true}\n")
	r.git("add", "n.go")
	r.write("u.go", "package a\n\nfunc U(e error) error { return fmt.Errorf(\"u: %v\", err) }\n")
	r.write("bin.go", "package a\x00\x01\x02 fmt.Errorf(\"b: %v\", err)")
	r.write("p.py", "def f(x):\n    return x == None  # changed\n")
	r.write("notes.txt", "x == None\n")

	res := review(t, r, "")
	if res.BaseRef != "main" || res.Branch != "main" {
		t.Errorf("base %q branch %q, want main, main", res.BaseRef, res.Branch)
	}
	got := map[string]string{}
	for _, f := range res.Findings {
		got[f.Path] = f.Rule.ID
	}
	want := map[string]string{"a.go": "go.time-since", "n.go": "go.tls-insecure-skip-verify", "u.go": "go.errorf-wrap", "p.py": "python.none-comparison"}
	if len(got) != len(want) || len(res.Findings) != len(want) {
		t.Fatalf("findings:\n%s want one per file of %v", describe(res.Findings), want)
	}
	for p, id := range want {
		if got[p] != id {
			t.Errorf("%s: got %q, want %q", p, got[p], id)
		}
	}
	skipped := false
	for _, s := range res.Skipped {
		if s.Path == "bin.go" && s.Reason == "binary" {
			skipped = true
		}
	}
	if !skipped {
		t.Errorf("bin.go not skipped as binary: %v", res.Skipped)
	}
	// Ranked by score: the priors here (0.8 security first).
	if res.Findings[0].Rule.Category != "security" {
		t.Errorf("first finding %s, want the security one", res.Findings[0].Rule.ID)
	}
	for i := 1; i < len(res.Findings); i++ {
		if res.Findings[i].Score > res.Findings[i-1].Score {
			t.Errorf("findings not ranked: %v after %v", res.Findings[i].Score, res.Findings[i-1].Score)
		}
	}
	if !res.Fails([]string{"security"}) || !res.Fails([]string{"any"}) || res.Fails([]string{"performance"}) {
		t.Error("Fails disagrees with the findings' categories")
	}
	var text strings.Builder
	if err := WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "n.go:3: InsecureSkipVerify: true accepts any certificate") ||
		!strings.Contains(text.String(), "(go.tls-insecure-skip-verify, security, score 0.80)") {
		t.Errorf("text output:\n%s", text.String())
	}
}

func TestRunWithPolicyAndExplicitBase(t *testing.T) {
	t.Parallel()
	r := featureRepo(t)
	// An explicit base that moved on since the branch forked: the review
	// still covers this branch's changes only.
	first := r.git("rev-parse", "HEAD~1")
	r.git("checkout", "-q", "main")
	r.write("other.go", "package a\n\nfunc O(err error) error { return fmt.Errorf(\"o: %v\", err) }\n")
	r.commit("main moves on")
	r.git("checkout", "-q", "feature")
	base, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := model.NewRuntime(base)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Dir: r.dir, Base: "main", Library: testRules(t), Policy: rt, Persona: "senior-reviewer"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Base != first {
		t.Errorf("base %s, want the merge base %s", res.Base, first)
	}
	if len(res.Findings) != 3 {
		t.Fatalf("findings:\n%s", describe(res.Findings))
	}
	if res.PolicyVersion != rt.Version() {
		t.Errorf("policy version %q", res.PolicyVersion)
	}
	for _, f := range res.Findings {
		if f.Score <= 0 || f.Score >= 1 || f.Candidate.Persona != "senior-reviewer" {
			t.Errorf("%s: score %v persona %q", f.Rule.ID, f.Score, f.Candidate.Persona)
		}
	}
}

func TestRecordAcceptedEditedOpen(t *testing.T) {
	t.Parallel()
	for _, storeCode := range []bool{true, false} {
		t.Run(map[bool]string{true: "store_code", false: "hashes_only"}[storeCode], func(t *testing.T) {
			t.Parallel()
			r := featureRepo(t)
			home := t.TempDir()
			db := openStore(t, home, storeCode)

			res := review(t, r, "")
			if len(res.Findings) != 3 {
				t.Fatalf("findings:\n%s", describe(res.Findings))
			}
			rec := record(t, res, db, home, storeCode)
			if rec.Offered != 3 || rec.Sets != 3 || len(rec.Resolutions) != 0 {
				t.Fatalf("first record: %+v", rec)
			}
			// Recording the same review again offers nothing new.
			rec = record(t, review(t, r, ""), db, home, storeCode)
			if rec.Offered != 0 || rec.Seen != 3 || rec.Count(OutcomeOpen) != 3 {
				t.Fatalf("second record: %+v", rec)
			}

			// The developer applies one suggestion by hand, with their own
			// spacing and a comment, and adds a line above the others.
			r.replace("a.go", "return time.Now().Sub(start)", "return time.Since( start ) // idiomatic")
			r.replace("a.go", "func Load(name string) error {\n", "// Load checks the file.\nfunc Load(name string) error {\n")
			r.commit("apply one")
			rec = record(t, review(t, r, ""), db, home, storeCode)
			if rec.Count(OutcomeAccepted) != 1 || rec.Count(OutcomeOpen) != 2 || rec.Offered != 0 || rec.Seen != 2 {
				t.Fatalf("after applying one: %+v", rec)
			}
			for _, x := range rec.Resolutions {
				if x.Outcome == OutcomeAccepted && x.Rule != "go.time-since" {
					t.Errorf("accepted %s, want go.time-since", x.Rule)
				}
			}
			ev := outcomes(t, db)
			if ev[store.Offered] != 3 || ev[store.Accepted] != 1 || ev[store.Kept] != 1 || ev[store.Edited] != 0 {
				t.Errorf("events %v", ev)
			}

			// Another suggestion's site is rewritten differently: edited.
			r.replace("a.go", `return fmt.Errorf("save %s: %v", name, err)`, `return fmt.Errorf("save %s: %s", name, err.Error())`)
			r.commit("edit one")
			rec = record(t, review(t, r, ""), db, home, storeCode)
			if rec.Count(OutcomeEdited) != 1 || rec.Count(OutcomeOpen) != 1 || rec.Offered != 0 {
				t.Fatalf("after editing one: %+v", rec)
			}

			prefs := preferences(t, db)
			var kept, edited int
			for _, p := range prefs {
				if p.Persona != "senior-reviewer" || p.Weight != 1.5 {
					t.Errorf("preference persona %q weight %v", p.Persona, p.Weight)
				}
				switch {
				case p.Kind == store.Label && p.Desirable:
					kept++
				case p.Kind == store.Pair && p.Chosen.Role == store.RoleDeveloper:
					edited++
					if storeCode && !strings.Contains(p.Chosen.Text, `err.Error()`) {
						t.Errorf("edited preference keeps %q", p.Chosen.Text)
					}
				}
			}
			if kept != 1 || edited != 1 || len(prefs) != 2 {
				t.Errorf("preferences: %d (kept labels %d, edited pairs %d)", len(prefs), kept, edited)
			}

			// A new smell on the branch is offered; the open one is not
			// offered again.
			r.write("a.go", r.read("a.go")+"\nfunc Late(err error) error { return fmt.Errorf(\"late: %v\", err) }\n")
			rec = record(t, review(t, r, ""), db, home, storeCode)
			if rec.Offered != 1 || rec.Seen != 1 || rec.Count(OutcomeOpen) != 1 {
				t.Fatalf("after a new smell: %+v", rec)
			}
			st, err := db.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Suggestions != 4 || st.ByPersona["senior-reviewer"] != 4+1+1+1 {
				t.Errorf("status: %d suggestions, by persona %v", st.Suggestions, st.ByPersona)
			}
			s, err := db.Suggestion(context.Background(), rec.Resolutions[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if s.Trigger != store.Review || !strings.Contains(string(s.Features), `"branch":"feature"`) ||
				!strings.Contains(string(s.Features), `"RuleID"`) {
				t.Errorf("stored suggestion: trigger %q features %s", s.Trigger, s.Features)
			}
		})
	}
}

func TestRecordIgnoredWhenMergedUnchanged(t *testing.T) {
	t.Parallel()
	t.Run("same branch", func(t *testing.T) {
		t.Parallel()
		r := featureRepo(t)
		home := t.TempDir()
		db := openStore(t, home, true)
		if rec := record(t, review(t, r, ""), db, home, true); rec.Offered != 3 {
			t.Fatalf("first record: %+v", rec)
		}
		// One suggestion is applied before the merge; the others reach
		// main unchanged.
		r.replace("a.go", `"load %s: %v"`, `"load %s: %w"`)
		r.commit("apply one")
		r.git("checkout", "-q", "main")
		r.n++
		cmd := []string{"merge", "-q", "--no-ff", "-m", "merge feature", "feature"}
		r.git(cmd...)
		r.git("checkout", "-q", "feature")
		res := review(t, r, "")
		if len(res.Findings) != 0 {
			t.Errorf("after the merge nothing is new: %s", describe(res.Findings))
		}
		rec := record(t, res, db, home, true)
		if rec.Count(OutcomeAccepted) != 1 || rec.Count(OutcomeIgnored) != 2 || rec.Count(OutcomeOpen) != 0 {
			t.Fatalf("after the merge: %+v", rec)
		}
		ev := outcomes(t, db)
		if ev[store.Ignored] != 2 || ev[store.Kept] != 1 {
			t.Errorf("events %v", ev)
		}
		for _, p := range preferences(t, db) {
			if p.Kind == store.Label && !p.Desirable && math.Abs(p.Weight-1.5*0.3) > 1e-9 {
				t.Errorf("ignored label weight %v, want %v", p.Weight, 1.5*0.3)
			}
		}
		// Nothing is left open.
		if rec := record(t, review(t, r, ""), db, home, true); len(rec.Resolutions) != 0 || rec.Offered != 0 {
			t.Errorf("third record: %+v", rec)
		}
	})
	t.Run("from the base branch", func(t *testing.T) {
		t.Parallel()
		r := featureRepo(t)
		home := t.TempDir()
		db := openStore(t, home, false)
		record(t, review(t, r, ""), db, home, false)
		r.git("checkout", "-q", "main")
		r.git("merge", "-q", "--ff-only", "feature")
		// On main, the feature branch's suggestions are found through the
		// merged commit.
		rec := record(t, review(t, r, ""), db, home, false)
		if rec.Branch != "main" || rec.Count(OutcomeIgnored) != 3 {
			t.Fatalf("on main: %+v", rec)
		}
	})
	t.Run("not before the merge", func(t *testing.T) {
		t.Parallel()
		r := featureRepo(t)
		home := t.TempDir()
		db := openStore(t, home, true)
		record(t, review(t, r, ""), db, home, true)
		// main moves on without the branch: nothing is ignored.
		r.git("checkout", "-q", "main")
		r.write("b.go", "package a\n")
		r.commit("unrelated")
		r.git("checkout", "-q", "feature")
		rec := record(t, review(t, r, ""), db, home, true)
		if rec.Count(OutcomeOpen) != 3 || rec.Count(OutcomeIgnored) != 0 {
			t.Fatalf("%+v", rec)
		}
	})
}

func TestRecordDetachedNeedsBranch(t *testing.T) {
	t.Parallel()
	r := featureRepo(t)
	r.git("checkout", "-q", "--detach")
	home := t.TempDir()
	db := openStore(t, home, true)
	res := review(t, r, "")
	if _, err := Record(context.Background(), res, RecordOptions{DB: db, Home: home, Persona: "p"}); err == nil {
		t.Fatal("recording on a detached HEAD without a branch name succeeded")
	}
	rec, err := Record(context.Background(), res, RecordOptions{DB: db, Home: home, Persona: "p", Branch: "pr-7"})
	if err != nil || rec.Offered != 3 {
		t.Fatalf("%+v %v", rec, err)
	}
}

// TestChangeCannotDemoteItsOwnFindings: a change that writes the
// generated-file header into a file, or adds a file under vendor/, does
// not lower its findings' scores: --min-score and --fail-on read them, and
// the change controls both markers. (The editor's base policy does quiet
// generated and vendored files: capture.Prior.)
func TestChangeCannotDemoteItsOwnFindings(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a.go", mainGo)
	r.commit("main")
	insecure := "package a\n\nimport \"crypto/tls\"\n\nvar c = &tls.Config{InsecureSkipVerify: true}\n"
	r.write("gen.go", "// Code generated by hand. DO NOT EDIT.\n\n"+insecure)
	r.write("vendor/example.com/m/m.go", insecure)
	r.write("tests/t.go", insecure)    // Python's test directory
	r.write("test_t.go", insecure)     // Python's test prefix
	r.write("plain.go", insecure)      // the control
	r.write("plain_test.go", insecure) // a test the go tool leaves out of the package
	load := "import yaml\n\n\ndef read(fh):\n    return yaml.load(fh)\n"
	r.write("app/load.py", load) // the control
	r.write("app/test_load.py", load)
	r.write("app/load_test.py", load)
	r.write("app/tests/load.py", load)
	r.write("app/conftest.py", load)
	r.write("web/x.test.py", load) // JavaScript's test infix
	r.write("web/__tests__/x.py", load)
	// The built-in rules: the test rules have no Python security rule.
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	res, err := Run(context.Background(), Options{Dir: r.dir, Library: lib, Persona: "senior-reviewer"})
	if err != nil {
		t.Fatal(err)
	}
	scores := map[string]float64{}
	for _, f := range res.Findings {
		if f.Rule.ID == "go.tls-insecure-skip-verify" || f.Rule.ID == "python.yaml-safe-load" {
			scores[f.Path] = f.Score
			if f.Candidate.FileRole != "" && f.Path != "plain_test.go" {
				t.Errorf("%s: the policy sees the role %q, which the change chose", f.Path, f.Candidate.FileRole)
			}
		}
	}
	for control, same := range map[string][]string{
		"plain.go":    {"gen.go", "vendor/example.com/m/m.go", "tests/t.go", "test_t.go"},
		"app/load.py": {"app/test_load.py", "app/load_test.py", "app/tests/load.py", "app/conftest.py", "web/x.test.py", "web/__tests__/x.py"},
	} {
		want, ok := scores[control]
		if !ok {
			t.Fatalf("no finding in %s:\n%s", control, describe(res.Findings))
		}
		for _, p := range same {
			if s, ok := scores[p]; !ok || s != want {
				t.Errorf("%s: score %v (found %v), want %s's %v", p, s, ok, control, want)
			}
		}
	}
	// A _test.go file is never built into what ships: its security
	// findings keep the lower prior of a test.
	if s := scores["plain_test.go"]; s >= scores["plain.go"] {
		t.Errorf("plain_test.go: score %v, want below plain.go's %v", s, scores["plain.go"])
	}
}
