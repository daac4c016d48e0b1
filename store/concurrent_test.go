package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeBurst offers n suggestions and records an accepted event and a
// label preference for each, as one editor window would.
func writeBurst(ctx context.Context, db *DB, prefix string, n int) error {
	for i := range n {
		s := suggestion(fmt.Sprintf("%s-%d", prefix, i), prefix+"-set", i, i)
		if _, err := db.Offer(ctx, 1, s); err != nil {
			return err
		}
		ev, err := db.AddEvent(ctx, Event{SuggestionID: s.ID, Outcome: Accepted, At: at(i + 1), Persona: "developer"})
		if err != nil {
			return err
		}
		_, err = db.AddPreferences(ctx, Preference{CreatedAt: at(i + 1), Kind: Label, SuggestionID: s.ID,
			Desirable: true, Weight: 1, Persona: "developer", Provenance: []int64{ev}})
		if err != nil {
			return err
		}
	}
	return nil
}

func checkBursts(t *testing.T, db *DB, windows, n int) {
	t.Helper()
	st, err := db.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Events[Offered] != int64(windows*n) || st.Events[Accepted] != int64(windows*n) || st.Preferences != int64(windows*n) {
		t.Errorf("status after %d concurrent windows: %+v", windows, st)
	}
	rep := mustVerify(t, db)
	// Per suggestion: its own row, offered, accepted, the label.
	if want := int64(windows * n * 4); rep.Rows != want {
		t.Errorf("audit rows = %d, want %d", rep.Rows, want)
	}
}

// Two handles on one file behave like two editor windows: their writes
// interleave, nothing is lost, and the audit chain stays one valid chain.
func TestTwoHandlesWriteConcurrently(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "syntx.db")
	const windows, n = 3, 15
	dbs := make([]*DB, windows)
	for i := range dbs {
		dbs[i] = openAt(t, path, Options{})
	}
	var wg sync.WaitGroup
	errs := make(chan error, windows)
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeBurst(context.Background(), db, fmt.Sprintf("w%d", i), n)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkBursts(t, dbs[0], windows, n)
}

// Two handles opening a brand-new database at the same moment both
// succeed, and the schema is created once.
func TestConcurrentOpenOfNewDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new", "syntx.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), path, Options{})
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db := openAt(t, path, Options{})
	var n int
	if err := db.sql.QueryRow(`SELECT count(*) FROM schema_version`).Scan(&n); err != nil || n != SchemaVersion {
		t.Errorf("schema_version rows = %d (%v)", n, err)
	}
}

const helperEnv = "SYNTX_STORE_TEST_HELPER_DB"

// TestHelperProcess is the child side of TestTwoProcessesWriteConcurrently.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv(helperEnv + "_N"))
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	// Start together with the parent: say ready, wait for go.
	fmt.Println("ready")
	if _, err := fmt.Fscanln(os.Stdin, new(string)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(6)
	}
	if err := writeBurst(context.Background(), db, "child", n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(4)
	}
	if err := db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(5)
	}
}

// A second process (this test binary, re-executed) writes to the same
// database while this one does.
func TestTwoProcessesWriteConcurrently(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "syntx.db")
	const n = 15
	db := openAt(t, path, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path, helperEnv+"_N="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != "ready" {
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatalf("child did not get ready: %v\n%s", err, stderr.String())
	}
	werr := writeBurst(ctx, db, "parent", n)
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	if werr != nil {
		t.Fatal(werr)
	}
	// How often did the writers take turns? (Informative: the lock decides.)
	switches, last := 0, ""
	err = db.AuditLog(ctx, time.Time{}, func(r AuditRow) error {
		var p struct{ Suggestion string }
		if err := json.Unmarshal(r.Payload, &p); err != nil {
			return err
		}
		if r.Kind == AuditSuggestion {
			p.Suggestion = r.Ref
		}
		who, _, _ := strings.Cut(p.Suggestion, "-")
		if who != last && last != "" {
			switches++
		}
		last = who
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("writers alternated %d times in the audit chain", switches)
	checkBursts(t, db, 2, n)
}
