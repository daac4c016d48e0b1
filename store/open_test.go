package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	path := filepath.Join(root, "home", "syntx", "syntx.db")
	db := openAt(t, path, Options{})
	seed(t, db) // makes SQLite create -wal and -shm

	for _, dir := range []string{filepath.Join(root, "home"), filepath.Join(root, "home", "syntx")} {
		assertMode(t, dir, 0o700)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		assertMode(t, f, 0o600)
	}
}

// TestOpenIgnoresUmask is not parallel: the umask belongs to the process.
// Parallel tests only start once the serial ones have finished.
func TestOpenIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0o277) // would leave files r-------- and dirs r-x------
	defer syscall.Umask(old)
	root := t.TempDir()
	path := filepath.Join(root, "a", "b", "syntx.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("Open with umask 0277: %v", err)
	}
	defer db.Close()
	seed(t, db)
	assertMode(t, filepath.Join(root, "a"), 0o700)
	assertMode(t, filepath.Join(root, "a", "b"), 0o700)
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		assertMode(t, f, 0o600)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

// Every pooled connection must carry the DSN pragmas, not only the first.
func TestOpenPragmasOnEveryConnection(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	var conns []*sql.Conn
	for range 3 {
		c, err := db.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode string
		var fk, busy, secure int
		for _, q := range []struct {
			sql  string
			dest any
		}{
			{"PRAGMA journal_mode", &mode},
			{"PRAGMA foreign_keys", &fk},
			{"PRAGMA busy_timeout", &busy},
			{"PRAGMA secure_delete", &secure},
		} {
			if err := c.QueryRowContext(ctx, q.sql).Scan(q.dest); err != nil {
				t.Fatalf("conn %d %s: %v", i, q.sql, err)
			}
		}
		if mode != "wal" || fk != 1 || busy != 5000 || secure != 1 {
			t.Errorf("conn %d: journal_mode=%s foreign_keys=%d busy_timeout=%d secure_delete=%d", i, mode, fk, busy, secure)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestOpenReopenKeepsData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "syntx.db")
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path, Options{})
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events[Offered] != 3 || st.Preferences != 3 || st.Schema != SchemaVersion {
		t.Errorf("after reopen: %+v", st)
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&n); err != nil || n != SchemaVersion {
		t.Errorf("schema_version rows = %d (%v), want %d", n, err, SchemaVersion)
	}
	mustVerify(t, db)
}

func TestOpenEmptyFileIsNewDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "syntx.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db := openAt(t, path, Options{})
	seed(t, db)
	mustVerify(t, db)
}

// Files Open must refuse, and leave byte for byte as they were.
func TestOpenRefusesForeignFiles(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 8192)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	tests := []struct {
		name    string
		make    func(t *testing.T, path string)
		wantErr error
		wantMsg string
	}{
		{
			name:    "random bytes",
			make:    func(t *testing.T, p string) { write(t, p, random) },
			wantErr: ErrNotDatabase, wantMsg: "is not a SyntX database",
		},
		{
			name:    "text file",
			make:    func(t *testing.T, p string) { write(t, p, []byte("persona = \"developer\"\n")) },
			wantErr: ErrNotDatabase, wantMsg: "is not a SyntX database",
		},
		{
			name: "sqlite header then garbage",
			make: func(t *testing.T, p string) {
				write(t, p, append([]byte(sqliteMagic), random[:4096]...))
			},
			wantErr: ErrNotDatabase, wantMsg: "is not a SyntX database",
		},
		{
			name: "truncated database",
			make: func(t *testing.T, p string) {
				makeValid(t, p)
				b := read(t, p)
				write(t, p, b[:len(b)/2])
			},
			wantErr: ErrNotDatabase, wantMsg: "is not a SyntX database",
		},
		{
			name: "corrupted page",
			make: func(t *testing.T, p string) {
				makeValid(t, p)
				b := read(t, p)
				for i := 4096 + 8; i < 4096+512 && i < len(b); i++ { // smash the second page's header and cells
					b[i] = 0xA5
				}
				write(t, p, b)
			},
			wantErr: ErrNotDatabase, wantMsg: "is not a SyntX database",
		},
		{
			name: "another application's sqlite database",
			make: func(t *testing.T, p string) {
				raw := rawDB(t, p)
				execSQL(t, raw, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('hello')`)
				raw.Close()
			},
			wantErr: ErrNotDatabase, wantMsg: "is not a SyntX database",
		},
		{
			name: "newer schema",
			make: func(t *testing.T, p string) {
				makeValid(t, p)
				raw := rawDB(t, p)
				execSQL(t, raw, `INSERT INTO schema_version (version, applied_at) VALUES (99, 0)`)
				raw.Close()
			},
			wantErr: ErrNewerSchema, wantMsg: fmt.Sprintf("was written by a newer SyntX (schema 99 > %d)", SchemaVersion),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "syntx.db")
			tt.make(t, path)
			made := map[string]bool{}
			if ents, err := os.ReadDir(dir); err == nil {
				for _, e := range ents {
					made[e.Name()] = true
				}
			}
			before := sha256.Sum256(read(t, path))
			fiBefore, _ := os.Stat(path)

			db, err := Open(context.Background(), path, Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.HasPrefix(err.Error(), "store: "+path) {
				t.Errorf("error %q, want it to start with %q and contain %q", err, "store: "+path, tt.wantMsg)
			}
			if after := sha256.Sum256(read(t, path)); after != before {
				t.Error("Open modified the file")
			}
			fiAfter, _ := os.Stat(path)
			if fiAfter.Size() != fiBefore.Size() || !fiAfter.ModTime().Equal(fiBefore.ModTime()) {
				t.Error("Open touched the file")
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if !made[e.Name()] {
					t.Errorf("Open left %s behind", e.Name())
				}
			}
		})
	}
}

// makeValid creates a closed SyntX database with some data at p.
func makeValid(t *testing.T, p string) {
	t.Helper()
	db, err := Open(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, db)
	for i := range 40 { // a few pages' worth
		s := suggestion("bulk"+string(rune('a'+i%26))+string(rune('a'+i/26)), "bulk", i, i)
		mustOffer(t, db, s)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p + "-wal"); err == nil {
		t.Fatalf("closing the last connection left %s-wal behind", p)
	}
}

func rawDB(t *testing.T, p string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	return raw
}

func execSQL(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// The DSN is a file: URI; characters that mean something in a URI must
// still name the right file.
func TestOpenPathWithURICharacters(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "my data?#%20 100%")
	path := filepath.Join(dir, "syntx db?.sqlite")
	db := openAt(t, path, Options{})
	seed(t, db)
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, "syntx db?.sqlite") || !slices.Contains(names, KeyFile) || !slices.Contains(names, AnchorFile) {
		t.Errorf("files in %s: %q", dir, names)
	}
}
