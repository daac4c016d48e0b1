package review

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/store"
)

// Fabricated secrets: real shapes, random characters.
const (
	secretURLPassword = "Tulip41&orbit7"
	secretBasicAuth   = "Quartz64!river1"
	secretToken       = "ghp_1AFfDKZxCKu7SPCzX3ZeF981bmiIlN8YS2Ub"
	canary            = "zebraCanaryFarFromAnySuggestion"
)

// secretGo has a suggestion whose region holds a password in a URL, a
// password passed by position on a line of its hunk, and, far from any
// suggestion, a token and a canary function that no review state may keep
// (it keeps no whole file).
var secretGo = `package a

import (
	"net/http"
)

const githubToken = "` + secretToken + `"

func ` + canary + `() int { return 42 }

` + strings.Repeat("// filler line to keep the top of the file out of any hunk\n", 12) + `
func Dial(req *http.Request, err error) error {
	req.SetBasicAuth("admin", "` + secretBasicAuth + `")
	if err != nil {
		return fmt.Errorf("dial postgres://billing:` + secretURLPassword + `@db.internal/billing: %v", err)
	}
	return nil
}
`

// filesUnder returns every file under dir with its content; gzip files
// are returned decompressed too, so that a compressed copy cannot hide.
func filesUnder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = b
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			var u bytes.Buffer
			if _, err := u.ReadFrom(zr); err == nil {
				out[p+" (gunzipped)"] = u.Bytes()
			}
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func assertAbsent(t *testing.T, dir string, what ...string) {
	t.Helper()
	for p, b := range filesUnder(t, dir) {
		for _, w := range what {
			for _, form := range forms(w) {
				if bytes.Contains(b, form) {
					t.Errorf("%s holds %q (as %q)", p, w, form)
				}
			}
		}
	}
}

// forms returns s as it may appear in a file: as is, and escaped as
// encoding/json writes it (& < > as \u0026 ...), which a plain search for
// s would miss in a JSON state file.
func forms(s string) [][]byte {
	j, _ := json.Marshal(s)
	j = j[1 : len(j)-1]
	if bytes.Equal(j, []byte(s)) {
		return [][]byte{[]byte(s)}
	}
	return [][]byte{[]byte(s), j}
}

// A review recorded on an uncommitted change keeps no secret and no whole
// file anywhere under $SYNTX_HOME; with code storage on it still resolves
// the suggestion once the fix is applied, from the redacted hunk.
func TestRecordKeepsNoSecretAndNoWholeFile(t *testing.T) {
	t.Parallel()
	for _, storeCode := range []bool{true, false} {
		t.Run(map[bool]string{true: "store_code", false: "hashes_only"}[storeCode], func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			r.write("a.go", "package a\n")
			r.commit("main")
			r.git("checkout", "-q", "-b", "feature")
			r.write("a.go", secretGo) // not committed
			home := t.TempDir()
			db := openStore(t, home, storeCode)
			res := review(t, r, "")
			if len(res.Findings) != 1 || res.Findings[0].Rule.ID != "go.errorf-wrap" {
				t.Fatalf("findings:\n%s", describe(res.Findings))
			}
			if !strings.Contains(res.Findings[0].Original, secretURLPassword) {
				t.Fatalf("test is broken: the region does not hold the secret: %q", res.Findings[0].Original)
			}
			if rec := record(t, res, db, home, storeCode); rec.Offered != 1 {
				t.Fatalf("record: %+v", rec)
			}
			assertAbsent(t, home, secretURLPassword, secretBasicAuth, secretToken)
			assertAbsent(t, filepath.Join(home, "review"), canary, "filler line")
			st := readState(t, home)
			e := st.Entries[0]
			if storeCode != (e.Hunk != "") || (storeCode && !strings.Contains(e.Hunk, `req.SetBasicAuth("admin", "<redacted:credential-argument>")`)) {
				t.Errorf("hunk %q (store_code %v)", e.Hunk, storeCode)
			}
			s, err := db.Suggestion(context.Background(), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(s.Features), "a.go") == !storeCode {
				t.Errorf("features %s: the path must be kept only with code storage on", s.Features)
			}

			// The developer applies the fix, still without committing.
			r.replace("a.go", "billing: %v", "billing: %w")
			rec := record(t, review(t, r, ""), db, home, storeCode)
			want := OutcomeAccepted
			if !storeCode {
				// Without the hunk and without the recorded version in git,
				// the old text is unknown: the suggestion is dropped.
				want = OutcomeGone
			}
			if len(rec.Resolutions) != 1 || rec.Resolutions[0].Outcome != want {
				t.Fatalf("after the fix: %+v, want %s", rec, want)
			}
			assertAbsent(t, home, secretURLPassword, secretBasicAuth, secretToken)
			assertAbsent(t, filepath.Join(home, "review"), canary)
		})
	}
}

func readState(t *testing.T, home string) *state {
	t.Helper()
	states, legacy, err := loadStates(filepath.Join(home, "review"))
	if err != nil || len(states) != 1 || len(legacy) != 0 || len(states[0].Entries) == 0 {
		t.Fatalf("states %v legacy %v: %v", states, legacy, err)
	}
	return states[0]
}

// A state written before version 2 (whole-file snapshots, texts in clear)
// is converted on the next record: its entries keep their outcome, the
// snapshots and the clear texts go, and the note says so.
func TestRecordConvertsVersion1State(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a.go", "package a\n")
	r.commit("main")
	r.git("checkout", "-q", "-b", "feature")
	r.write("a.go", secretGo)
	home := t.TempDir()
	db := openStore(t, home, true)
	res := review(t, r, "")
	f := res.Findings[0]
	// What the old build wrote.
	dir := filepath.Join(home, "review")
	if err := os.MkdirAll(filepath.Join(dir, "snapshots"), 0o700); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(f.src.src)
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "snapshots", sha(f.src.src)+".gz"), gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ss := []store.Suggestion{{ID: "rv-old", CreatedAt: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Workspace: res.Root,
		Document: filepath.Join(res.Root, "a.go"), Language: "go", RuleID: f.Rule.ID, Category: f.Rule.Category,
		CandidateSet: "rvs-old", Trigger: store.Review, Persona: "senior-reviewer", OriginalText: f.Original, SuggestedText: f.Suggested}}
	if _, err := db.Offer(context.Background(), 1, ss...); err != nil {
		t.Fatal(err)
	}
	old := stateV1{Version: 1, Repo: res.Root, Branch: "feature", Entries: []*entryV1{{
		ID: "rv-old", Set: "rvs-old", Rule: f.Rule.ID, Path: "a.go", Line: f.Start().Line, Head: res.Head,
		File: sha(f.src.src), Region: [2]int{f.Region.Start, f.Region.End}, OriginalSHA256: sha([]byte(f.Original)),
		SuggestedSHA256: sha([]byte(f.Suggested)), Original: f.Original, Suggested: f.Suggested,
		Offered: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
	}}}
	b, _ := json.Marshal(old)
	if err := os.WriteFile(filepath.Join(dir, stateName(res.Root, "feature")), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, forms(secretURLPassword)[1]) {
		t.Fatal("test is broken: the old state does not hold the secret")
	}

	r.replace("a.go", "billing: %v", "billing: %w")
	rec := record(t, review(t, r, ""), db, home, true)
	if len(rec.Notes) != 1 || !strings.Contains(rec.Notes[0], "1 open suggestions kept") {
		t.Errorf("notes %q", rec.Notes)
	}
	if len(rec.Resolutions) != 1 || rec.Resolutions[0].Outcome != OutcomeAccepted || rec.Resolutions[0].ID != "rv-old" {
		t.Errorf("resolutions %+v, want rv-old accepted", rec.Resolutions)
	}
	if _, err := os.Stat(filepath.Join(dir, "snapshots")); !os.IsNotExist(err) {
		t.Errorf("snapshots left: %v", err)
	}
	assertAbsent(t, dir, secretURLPassword, secretBasicAuth, secretToken, canary)
}

// Forget removes the review and learn state of what it selects, and leaves
// the rest.
func TestForgetReviewAndLearnState(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	offered := func(day int) time.Time { return time.Date(2024, 3, day, 0, 0, 0, 0, time.UTC) }
	write := func(repo, branch string, entries ...*entry) {
		st := &state{Version: stateVersion, Repo: repo, Branch: branch, Entries: entries,
			file: filepath.Join(home, "review", stateName(repo, branch))}
		if err := os.MkdirAll(filepath.Join(home, "review"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := st.save(); err != nil {
			t.Fatal(err)
		}
	}
	write("/src/shop", "main", &entry{ID: "a", Offered: offered(1), File: "f1"}, &entry{ID: "b", Offered: offered(20), File: "f2"})
	write("/src/shop/sub", "dev", &entry{ID: "c", Offered: offered(20), File: "f3"})
	write("/src/other", "main", &entry{ID: "d", Offered: offered(1), File: "f4"})
	for _, f := range []string{"f1", "f2", "f3", "f4"} {
		if err := writeLines(filepath.Join(home, "review"), f, []string{"12345678"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeCursor(home, "/src/shop", "c0ffee"); err != nil {
		t.Fatal(err)
	}
	if err := writeCursor(home, "/src/other", "beef"); err != nil {
		t.Fatal(err)
	}

	res, err := Forget(home, ForgetSpec{Workspace: "/src/shop"})
	if err != nil {
		t.Fatal(err)
	}
	if res.States != 2 || res.Entries != 3 || res.Cursors != 1 {
		t.Errorf("forget /src/shop: %+v", res)
	}
	assertAbsent(t, home, "/src/shop")
	for _, f := range []string{"f1", "f2", "f3"} {
		if _, ok := readLines(filepath.Join(home, "review"), f); ok {
			t.Errorf("line file %s of a forgotten state is left", f)
		}
	}
	if _, ok := readLines(filepath.Join(home, "review"), "f4"); !ok {
		t.Error("line file of another repository removed")
	}

	res, err = Forget(home, ForgetSpec{Before: offered(10)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != 1 || res.States != 1 {
		t.Errorf("forget before: %+v", res)
	}
	if c := readCursor(home, "/src/other"); c.Last != "beef" {
		t.Errorf("a cursor moved today was forgotten by --before: %+v", c)
	}

	if err := writeCursor(home, "/src/third", "abc"); err != nil {
		t.Fatal(err)
	}
	res, err = Forget(home, ForgetSpec{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cursors != 2 {
		t.Errorf("forget all: %+v", res)
	}
	for _, d := range []string{"review", "learn"} {
		if _, err := os.Stat(filepath.Join(home, d)); !os.IsNotExist(err) {
			t.Errorf("%s left after forget --all: %v", d, err)
		}
	}
	if _, err := Forget(home, ForgetSpec{}); err == nil {
		t.Error("an empty selection was accepted")
	}
}
