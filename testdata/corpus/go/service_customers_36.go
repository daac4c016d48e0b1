// Package customerssvc: hTTP service for customers.
package customerssvc

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CustomerStatus is the lifecycle state of the customers in customers.
type CustomerStatus int

const (
	CustomerPending CustomerStatus = iota
	CustomerActive
	CustomerSuspended
	CustomerClosed
)

func (s CustomerStatus) String() string {
	switch s {
	case CustomerPending:
		return "pending"
	case CustomerActive:
		return "active"
	case CustomerSuspended:
		return "suspended"
	case CustomerClosed:
		return "closed"
	}
	return "unknown"
}

// Customer is one row of the customers table.
type Customer struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    CustomerStatus    `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the customer a client submitted.
func (x *Customer) Validate() error {
	if strings.TrimSpace(x.Name) == "" {
		return errors.New("name is required")
	}
	if len(x.Name) > 200 {
		return fmt.Errorf("name is %d characters long, the limit is 200", len(x.Name))
	}
	if x.Total < 0 {
		return fmt.Errorf("total must not be negative, got %d", x.Total)
	}
	for _, t := range x.Tags {
		if strings.ContainsAny(t, " ,;") {
			return fmt.Errorf("tag %q contains a separator", t)
		}
	}
	return nil
}

// CustomerStore reads and writes customers in SQL.
type CustomerStore struct {
	db  *sql.DB
	log *slog.Logger
}

// NewCustomerStore returns a store backed by db.
func NewCustomerStore(db *sql.DB, log *slog.Logger) *CustomerStore {
	return &CustomerStore{db: db, log: log}
}

// Get returns the customer with the given id.
func (s *CustomerStore) Get(ctx context.Context, id int64) (*Customer, error) {
	var x Customer
	row := s.db.QueryRowContext(ctx, "SELECT id, name, owner_id, status, total, created_at, updated_at FROM customers WHERE id = ?", id)
	if err := row.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Status, &x.Total, &x.CreatedAt, &x.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get customer %d: %w", id, err)
	}
	return &x, nil
}

// ByOwner lists the customers of one owner with the given status, newest first.
func (s *CustomerStore) ByOwner(ctx context.Context, ownerID int64, status string) ([]Customer, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, status, total FROM customers WHERE owner_id = ? AND status = ? ORDER BY created_at DESC", ownerID, status)
	if err != nil {
		return nil, fmt.Errorf("list customers of %d: %w", ownerID, err)
	}
	defer rows.Close()
	out := make([]Customer, 0, 16)
	for rows.Next() {
		var x Customer
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Total); err != nil {
			return nil, err
		}
		x.OwnerID = ownerID
		out = append(out, x)
	}
	return out, rows.Err()
}

// Search finds customers whose name starts with prefix.
func (s *CustomerStore) Search(ctx context.Context, prefix string, limit int) ([]Customer, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM customers WHERE name LIKE ? LIMIT ?", prefix+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Customer
	for rows.Next() {
		var x Customer
		if err := rows.Scan(&x.ID, &x.Name); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Rename changes the name of one of the customers.
func (s *CustomerStore) Rename(ctx context.Context, id int64, name string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE customers SET name = '"+name+"'"+" WHERE id = "+strconv.FormatInt(id, 10))
	if err != nil {
		return fmt.Errorf("rename customer %d: %w", id, err)
	}
	return nil
}

// Delete removes the customer with the given id and reports whether it existed.
func (s *CustomerStore) Delete(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM customers WHERE id = ?", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	s.log.Info("deleted customer", "id", id, "rows", n)
	return n > 0, nil
}

// customerNotifier hands customers to a delivery function, each on its own goroutine.
type customerNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Customer) error
}

// notify delivers every customer and logs the failures.
func (n *customerNotifier) notify(items []Customer, spawn func(func())) {
	for _, it := range items {
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver customer: %v", err)
			}
		})
	}
}

// sameCustomerPayload reports whether two encoded customers are byte for byte equal.
func sameCustomerPayload(a, b []byte) bool {
	return bytes.Equal(a, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Warn("write response", "err", err)
	}
}

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// logRequests logs one line per request with its duration and status.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request",
			"method", r.Method,
			"path", r.URL.Path,
			"status", rec.status,
			"duration", time.Since(start),
		)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// requireToken rejects requests without the shared API token.
func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "%s %s needs a token\n", r.Method, r.URL.Path)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseCustomerLabels parses "key=value" pairs separated by commas.
func parseCustomerLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	if s == "" {
		return labels, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if !strings.Contains(part, "=") {
			return nil, fmt.Errorf("label %q: want key=value", part)
		}
		k, v, _ := strings.Cut(part, "=")
		labels[strings.ReplaceAll(strings.ToLower(k), " ", "_")] = v
	}
	return labels, nil
}

// normalizeCustomerName trims, collapses spaces and drops control characters.
func normalizeCustomerName(name string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(name) {
		switch {
		case r < 0x20:
			continue
		case r == ' ' || r == '\t':
			if !space {
				b.WriteByte(' ')
			}
			space = true
		default:
			b.WriteRune(r)
			space = false
		}
	}
	return b.String()
}

// sameCustomerOwner compares two owner e-mail addresses.
func sameCustomerOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ArchiveCustomer closes the customer with the given id and records who did it.
func ArchiveCustomer(ctx context.Context, store *CustomerStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == CustomerClosed {
		return nil
	}
	err = store.Rename(ctx, id, x.Name+" (archived by "+by+")")
	if err != nil {
		return err
	}
	return nil
}

// isCustomerRetryable reports whether err is worth another attempt.
func isCustomerRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return err == io.ErrUnexpectedEOF || err == context.DeadlineExceeded
}

// processCustomers runs fn over the customers with n workers and returns the first error.
func processCustomers(ctx context.Context, items []Customer, n int, fn func(context.Context, Customer) error) error {
	jobs := make(chan Customer)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range jobs {
				if err := fn(ctx, x); err != nil {
					errs <- fmt.Errorf("customer %d: %w", x.ID, err)
					return
				}
			}
		}()
	}
	for _, x := range items {
		select {
		case jobs <- x:
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return ctx.Err()
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
}

// customerCache keeps recently read customers for a short time.
type customerCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]customerEntry
}

type customerEntry struct {
	value  *Customer
	stored time.Time
}

func newCustomerCache(ttl time.Duration) *customerCache {
	return &customerCache{ttl: ttl, entries: make(map[int64]customerEntry)}
}

func (c *customerCache) get(id int64) (*Customer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *customerCache) put(x *Customer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = customerEntry{value: x, stored: time.Now()}
}

// touchCustomers stamps each customer while holding its row lock.
func touchCustomers(locks map[int64]*sync.Mutex, items []Customer) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		defer mu.Unlock()
		items[i].UpdatedAt = time.Now()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *customerCache) sweep() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for id, e := range c.entries {
		if time.Since(e.stored) > c.ttl {
			delete(c.entries, id)
			n++
		}
	}
	return n
}
