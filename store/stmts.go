package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the write path's statements prepared: SQLite parses a
// statement in about as long as it runs it, and a write transaction runs a
// dozen. A statement is prepared once for the pool; database/sql prepares
// it again on each connection the first time a transaction there uses it,
// then reuses it. Handles made by WithCodeStorage share one cache.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	s, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}

// ExecContext runs a statement of the transaction through the cache.
func (tx *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.stmts == nil {
		return tx.Tx.ExecContext(ctx, query, args...)
	}
	s, err := tx.stmts.get(ctx, tx.pool, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, s).ExecContext(ctx, args...)
}

// QueryRowContext runs a query of the transaction through the cache.
func (tx *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx.stmts == nil {
		return tx.Tx.QueryRowContext(ctx, query, args...)
	}
	s, err := tx.stmts.get(ctx, tx.pool, query)
	if err != nil {
		return tx.Tx.QueryRowContext(ctx, query, args...) // reports the error on Scan
	}
	return tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
}
