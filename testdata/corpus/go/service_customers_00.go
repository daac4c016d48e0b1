// Package customerssvc: hTTP service for customers.
package customerssvc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
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

// FetchCustomer downloads one customer from the API.
func (c *CustomerClient) FetchCustomer(ctx context.Context, id int64) (*Customer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/customers/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch customer %d: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch customer %d: %s: %s", id, resp.Status, body)
	}
	var x Customer
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode customer %d: %w", id, err)
	}
	return &x, nil
}

// FetchCustomers downloads several customers, one request at a time.
func (c *CustomerClient) FetchCustomers(ctx context.Context, ids []int64) ([]*Customer, error) {
	out := make([]*Customer, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchCustomer(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
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
	_, err := s.db.ExecContext(ctx, "UPDATE customers SET name = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?", name, id)
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

// ArchiveCustomer closes the customer with the given id and records who did it.
func ArchiveCustomer(ctx context.Context, store *CustomerStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == CustomerClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isCustomerRetryable reports whether err is worth another attempt.
func isCustomerRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return err == io.ErrUnexpectedEOF || err == context.DeadlineExceeded
}

// consumeCustomers reads newline-delimited JSON customers from r and hands them to sink.
func consumeCustomers(ctx context.Context, r io.Reader, sink func(Customer) error) (int, error) {
	br := bufio.NewReader(r)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("read customer %d: %w", n+1, err)
		}
		var x Customer
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// WaitForCustomer polls until the customer leaves the pending state.
func WaitForCustomer(ctx context.Context, store *CustomerStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != CustomerPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshCustomers reloads the cache until stop is closed.
func refreshCustomers(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload customers", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}

var customerCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validCustomerCode reports whether code looks like ABC-12345.
func validCustomerCode(code string) bool {
	return customerCodeRE.MatchString(code)
}

// customerReferences finds the customer codes mentioned in a free-text note.
func customerReferences(note string) []string {
	return customerRefRE.FindAllString(note, -1)
}

var customerRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownCustomerStatus reports whether status is one the customers table accepts.
func knownCustomerStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Warn("write response", "err", err)
	}
}

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

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

// CustomerHandler serves the customers API.
type CustomerHandler struct {
	store *CustomerStore
	log   *slog.Logger
}

func (h *CustomerHandler) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/customers/{id}", h.get)
	mux.HandleFunc("POST /api/customers", h.create)
	mux.HandleFunc("DELETE /api/customers/{id}", h.delete)
}

func (h *CustomerHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	x, err := h.store.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.log.Error("get customer", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

func (h *CustomerHandler) create(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
		return
	}
	var in Customer
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := in.Validate(); err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	in.CreatedAt = time.Now().UTC()
	writeJSON(w, http.StatusCreated, in)
}

func (h *CustomerHandler) delete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	found, err := h.store.Delete(r.Context(), id)
	if err != nil {
		h.log.Error("delete customer", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !found {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "no customer %d\n", id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

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

// CustomerClient calls the customers service of another team.
type CustomerClient struct {
	base string
	http *http.Client
}

// NewCustomerClient returns a client with sane timeouts.
func NewCustomerClient(base string, caPool *x509.CertPool) *CustomerClient {
	tlsConf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    caPool,
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &CustomerClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

// Config is the process configuration, read from a JSON file and the environment.
type Config struct {
	Listen      string        `json:"listen"`
	DatabaseURL string        `json:"database_url"`
	DataDir     string        `json:"data_dir"`
	Timeout     time.Duration `json:"timeout"`
	Debug       bool          `json:"debug"`
}

// LoadConfig reads path (if it exists) and applies environment overrides.
func LoadConfig(path string) (*Config, error) {
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/customers", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("CUSTOMER_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("CUSTOMER_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("CUSTOMER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("CUSTOMER_TIMEOUT: %w", err)
		}
		cfg.Timeout = d
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Save writes the configuration back, for the setup command.
func (c *Config) Save(path string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// RemoveConfig deletes the configuration file; a missing one is already removed.
func RemoveConfig(path string) error {
	err := os.Remove(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
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
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
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

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "customers"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// customerDigest renders the weekly digest e-mail for one owner.
func customerDigest(owner string, items []Customer) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour customers this week:\n\n"
	var b strings.Builder
	for _, x := range items {
		fmt.Fprintf(&b, "  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
	body += b.String()
	body += "\nSee you next week.\n"
	return body, nil
}

// sendCustomerDigest renders and sends the digest, reporting which owner failed.
func sendCustomerDigest(send func(to, body string) error, owner string, items []Customer) error {
	body, err := customerDigest(owner, items)
	if err != nil {
		return err
	}
	if err := send(owner, body); err != nil {
		return fmt.Errorf("send digest to %s: %w", owner, err)
	}
	return nil
}

// InvoiceStatus is the lifecycle state of the invoices in invoices.
type InvoiceStatus int

const (
	InvoicePending InvoiceStatus = iota
	InvoiceActive
	InvoiceSuspended
	InvoiceClosed
)

func (s InvoiceStatus) String() string {
	switch s {
	case InvoicePending:
		return "pending"
	case InvoiceActive:
		return "active"
	case InvoiceSuspended:
		return "suspended"
	case InvoiceClosed:
		return "closed"
	}
	return "unknown"
}

// Invoice is one row of the invoices table.
type Invoice struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    InvoiceStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the invoice a client submitted.
func (x *Invoice) Validate() error {
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
