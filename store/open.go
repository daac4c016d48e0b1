package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/syntx/syntx/internal/atomicfile"
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long a statement waits for another connection or
	// process holding the write lock. Zero means 5 s.
	BusyTimeout time.Duration
	// DiscardCode turns code storage off (store_code = false): texts are
	// not stored, only their SHA-256, and documents are stored as the
	// SHA-256 of their path. Use WithCodeStorage for a per-workspace choice.
	DiscardCode bool
	// FullCheck runs PRAGMA integrity_check on open instead of the faster
	// quick_check.
	FullCheck bool
	// Now stamps the schema_version rows written by migrations. Nil means
	// time.Now; it is the only place the store reads a clock itself.
	Now func() time.Time
	// AnchorPath is the anchor log every committed audit row is appended
	// to (see Head and VerifyWith); "" means audit-head.log beside the
	// database. It is a user-level setting: nothing from a workspace may
	// choose where it goes.
	AnchorPath string
	// Logger receives what the store has to say outside a call's result
	// (a migration's conversions, an anchor log that cannot be written).
	// Nil means slog.Default().
	Logger *slog.Logger
}

// DB is a SyntX database. It is safe for concurrent use by many goroutines,
// and several processes may open the same file at once.
type DB struct {
	sql       *sql.DB
	path      string
	storeCode bool
	fullCheck bool
	busy      time.Duration // the busy timeout
	keys      *keyring      // shared by the handles of WithCodeStorage
	anchor    *anchor       // likewise
	stmts     *stmtCache    // likewise
	log       *slog.Logger
}

// sqliteMagic starts every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// fileMode: the data is personal, so only its owner may read it.
const fileMode = atomicfile.FileMode

// Open opens the SyntX database at path, creating it (and its missing parent
// directories, mode 0700) if needed. The file and its -wal and -shm
// companions are mode 0600 whatever the umask.
//
// An existing file is checked before anything is written to it: a file that
// is not SQLite, fails SQLite's quick_check, or holds another application's
// tables yields an error wrapping ErrNotDatabase, and one written by a newer
// SyntX an error wrapping ErrNewerSchema. In both cases the file is left
// exactly as it was. Otherwise pending schema migrations are applied, in one
// transaction.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("store: open: empty path: %w", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := atomicfile.MkdirAll(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("store: create directory for %s: %w", abs, err)
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	existed, err := precheck(ctx, abs, busy, opts.FullCheck)
	if err != nil {
		return nil, err
	}
	if !existed {
		if err := createFile(abs); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", abs, err)
		}
	}
	pool, err := sql.Open("sqlite", dsn(abs, busy, false))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	pool.SetMaxOpenConns(4)
	pool.SetMaxIdleConns(4)
	anchorPath := opts.AnchorPath
	if anchorPath == "" {
		anchorPath = filepath.Join(filepath.Dir(abs), AnchorFile)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	db := &DB{sql: pool, path: abs, storeCode: !opts.DiscardCode, fullCheck: opts.FullCheck, busy: busy,
		keys: newKeyring(filepath.Join(filepath.Dir(abs), KeyFile)), anchor: &anchor{path: anchorPath}, stmts: &stmtCache{}, log: logger}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if err := db.migrateRetrying(ctx, now); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.fixModes(); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database. When it is the last connection to the file,
// SQLite checkpoints the write-ahead log and removes it.
func (db *DB) Close() error {
	db.stmts.close()
	aerr := db.anchor.close()
	if err := db.sql.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	if aerr != nil {
		return fmt.Errorf("store: close the anchor log: %w", aerr)
	}
	return nil
}

// AnchorPath returns the anchor log's path.
func (db *DB) AnchorPath() string { return db.anchor.path }

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// WithCodeStorage returns a handle on the same database that stores code
// (on) or only hashes of it (off), for a workspace whose store_code differs
// from the default. The handles share one connection pool: close only the
// one returned by Open.
func (db *DB) WithCodeStorage(on bool) *DB {
	c := *db
	c.storeCode = on
	return &c
}

// StoresCode reports whether this handle stores code texts.
func (db *DB) StoresCode() bool { return db.storeCode }

// dsn builds the modernc.org/sqlite data source name. The pragmas are
// DSN parameters so that every connection of the pool gets them; the name
// is a file: URI so that a path with '?' or '#' survives. Write
// transactions begin IMMEDIATE, which serialises writers (and audit chain
// appends) across processes instead of failing on lock upgrades.
func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "secure_delete(1)")
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// precheck inspects an existing database without writing to it. It reports
// whether the file existed with content.
func precheck(ctx context.Context, path string, busy time.Duration, full bool) (bool, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: open %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("store: %s is %w: not a regular file", path, ErrNotDatabase)
	}
	if fi.Size() == 0 {
		return true, nil // an empty file is an empty database
	}
	if err := checkHeader(path); err != nil {
		return false, err
	}
	// A read-only connection to a WAL database may still create the -wal
	// and -shm files. When the file is then refused, remove the ones this
	// check created, so a refused file is left as it was found.
	created := []string{}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			created = append(created, p)
		}
	}
	ok, err := precheckSQL(ctx, path, busy, full)
	if err != nil {
		for _, p := range created {
			if fi, serr := os.Lstat(p); serr == nil && (fi.Size() == 0 || strings.HasSuffix(p, "-shm")) {
				os.Remove(p)
			}
		}
	}
	return ok, err
}

func precheckSQL(ctx context.Context, path string, busy time.Duration, full bool) (bool, error) {
	ro, err := sql.Open("sqlite", dsn(path, busy, true))
	if err != nil {
		return false, fmt.Errorf("store: open %s: %w", path, err)
	}
	defer ro.Close()
	ro.SetMaxOpenConns(1)
	if err := checkIntegrity(ctx, ro, path, full); err != nil {
		return false, err
	}
	var app int64
	if err := ro.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return false, notDatabase(path, err)
	}
	if app != 0 && app != applicationID {
		return false, fmt.Errorf("store: %s is %w: application id %#x", path, ErrNotDatabase, app)
	}
	v, err := currentVersion(ctx, ro)
	if err != nil {
		return false, notDatabase(path, err)
	}
	if v > SchemaVersion {
		return false, fmt.Errorf("store: %s was %w (schema %d > %d)", path, ErrNewerSchema, v, SchemaVersion)
	}
	if v == 0 {
		if err := checkEmpty(ctx, ro, path); err != nil {
			return false, err
		}
	}
	return true, nil
}

func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer f.Close()
	hdr := make([]byte, 100)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return fmt.Errorf("store: %s is %w: too short for a SQLite header", path, ErrNotDatabase)
	}
	if !bytes.HasPrefix(hdr, []byte(sqliteMagic)) {
		return fmt.Errorf("store: %s is %w: no SQLite header", path, ErrNotDatabase)
	}
	return nil
}

func checkIntegrity(ctx context.Context, q *sql.DB, path string, full bool) error {
	check := "PRAGMA quick_check"
	if full {
		check = "PRAGMA integrity_check"
	}
	rows, err := q.QueryContext(ctx, check)
	if err != nil {
		return notDatabase(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return notDatabase(path, err)
		}
		if s != "ok" && !strings.HasPrefix(s, "*** in database") {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return notDatabase(path, err)
	}
	if len(problems) > 0 {
		first := problems[0]
		if len(problems) > 1 {
			first += fmt.Sprintf(" (and %d more)", len(problems)-1)
		}
		return fmt.Errorf("store: %s is %w: integrity check failed: %s", path, ErrNotDatabase, first)
	}
	return nil
}

func notDatabase(path string, err error) error {
	if errors.Is(err, ErrNotDatabase) || errors.Is(err, ErrNewerSchema) {
		return err
	}
	return fmt.Errorf("store: %s is %w: %w", path, ErrNotDatabase, err)
}

// createFile creates an empty database file with mode 0600. Another process
// creating it at the same moment is fine.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fixModes makes the database file and its -wal and -shm companions 0600.
// SQLite creates the companions with the main file's mode, so fixing the
// main file first covers the ones it creates later.
func (db *DB) fixModes() error {
	for _, p := range []string{db.path, db.path + "-wal", db.path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: stat %s: %w", p, err)
		}
		if fi.Mode().Perm() != fileMode {
			if err := os.Chmod(p, fileMode); err != nil {
				return fmt.Errorf("store: chmod %s: %w", p, err)
			}
		}
	}
	return nil
}

// migrateRetrying runs migrate, retrying while another process holds the
// database: SQLite answers SQLITE_BUSY at once, without waiting the busy
// timeout, when several connections open a brand-new file together (one of
// them is switching it to WAL).
func (db *DB) migrateRetrying(ctx context.Context, now func() time.Time) error {
	wait := 5 * time.Millisecond
	deadline := time.Now().Add(db.busy)
	for {
		err := db.migrate(ctx, now())
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}
