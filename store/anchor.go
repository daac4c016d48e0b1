package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
)

// AnchorFile is the default name of the anchor log, beside the database.
const AnchorFile = "audit-head.log"

// Head is the newest link of the audit chain: its sequence number and
// hash. Its String form, "SEQ:HASH", is what `syntx audit head` prints and
// `syntx audit verify --head` takes.
type Head struct {
	Seq  int64
	Hash string
}

func (h Head) String() string { return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash }

// ParseHead reads a head written as "SEQ:HASH".
func ParseHead(s string) (Head, error) {
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n <= 0 || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return Head{}, fmt.Errorf("audit head %q: want SEQ:HASH (as `syntx audit head` prints): %w", s, ErrInvalid)
	}
	return Head{Seq: n, Hash: hash}, nil
}

// Head returns the current head of the audit chain (the zero Head for an
// empty chain).
func (db *DB) Head(ctx context.Context) (Head, error) {
	var h Head
	err := db.sql.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Head{}, nil
	}
	if err != nil {
		return Head{}, fmt.Errorf("store: audit head: %w", err)
	}
	return h, nil
}

// anchor is the append-only anchor log: one line "SEQ HASH" for every
// audit row, appended after the transaction that wrote the row commits.
// It lives outside the database, so that cutting or rewriting the chain
// inside the database no longer verifies against it; the user can back it
// up or commit it elsewhere. Lines from several processes may interleave,
// each line is written whole (one write of a few dozen bytes to a file
// opened O_APPEND). Appends are not fsynced, like the database's own
// commits (synchronous=NORMAL): after a power cut the log may lack the last
// lines, never hold wrong ones.
type anchor struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// append writes the lines of rows; errors are returned for the caller to
// report (the rows are committed whatever happens here).
func (a *anchor) append(rows []Head) error {
	if a == nil || len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strconv.FormatInt(r.Seq, 10))
		b.WriteByte(' ')
		b.WriteString(r.Hash)
		b.WriteByte('\n')
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
		if err != nil {
			return fmt.Errorf("anchor log: %w", err)
		}
		a.f = f
	}
	if _, err := a.f.WriteString(b.String()); err != nil {
		return fmt.Errorf("anchor log %s: %w", a.path, err)
	}
	return nil
}

func (a *anchor) close() error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	a.f = nil
	return err
}

// readAnchor reads an anchor log: the hash recorded for each seq, and how
// many lines were malformed. A missing file is an empty log.
func readAnchor(path string) (map[int64]string, int, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	out := map[int64]string{}
	bad := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		seq, hash, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n <= 0 || len(hash) != 64 {
			bad++
			continue
		}
		if prev, dup := out[n]; dup && prev != hash {
			bad++ // two hashes for one row: keep the first, count the other
			continue
		}
		out[n] = hash
	}
	return out, bad, sc.Err()
}
