// Package productssvc: hTTP service for products.
package productssvc

import (
	"bufio"
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
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProductStatus is the lifecycle state of the products in products.
type ProductStatus int

const (
	ProductPending ProductStatus = iota
	ProductActive
	ProductSuspended
	ProductClosed
)

func (s ProductStatus) String() string {
	switch s {
	case ProductPending:
		return "pending"
	case ProductActive:
		return "active"
	case ProductSuspended:
		return "suspended"
	case ProductClosed:
		return "closed"
	}
	return "unknown"
}

// Product is one row of the products table.
type Product struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    ProductStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the product a client submitted.
func (x *Product) Validate() error {
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

var productCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validProductCode reports whether code looks like ABC-12345.
func validProductCode(code string) bool {
	return productCodeRE.MatchString(code)
}

// productReferences finds the product codes mentioned in a free-text note.
func productReferences(note string) []string {
	return productRefRE.FindAllString(note, -1)
}

var productRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownProductStatus reports whether status is one the products table accepts.
func knownProductStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
}

// ArchiveProduct closes the product with the given id and records who did it.
func ArchiveProduct(ctx context.Context, store *ProductStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == ProductClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isProductRetryable reports whether err is worth another attempt.
func isProductRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
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
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// processProducts runs fn over the products with n workers and returns the first error.
func processProducts(ctx context.Context, items []Product, n int, fn func(context.Context, Product) error) error {
	jobs := make(chan Product)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range jobs {
				if err := fn(ctx, x); err != nil {
					errs <- fmt.Errorf("product %d: %w", x.ID, err)
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

// WaitForProduct polls until the product leaves the pending state.
func WaitForProduct(ctx context.Context, store *ProductStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != ProductPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshProducts reloads the cache until stop is closed.
func refreshProducts(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload products", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}

// productCache keeps recently read products for a short time.
type productCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]productEntry
}

type productEntry struct {
	value  *Product
	stored time.Time
}

func newProductCache(ttl time.Duration) *productCache {
	return &productCache{ttl: ttl, entries: make(map[int64]productEntry)}
}

func (c *productCache) get(id int64) (*Product, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *productCache) put(x *Product) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = productEntry{value: x, stored: time.Now()}
}

// touchProducts stamps each product while holding its row lock.
func touchProducts(locks map[int64]*sync.Mutex, items []Product) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *productCache) sweep() int {
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Warn("write response", "err", err)
	}
}

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// parseProductLabels parses "key=value" pairs separated by commas.
func parseProductLabels(s string) (map[string]string, error) {
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
		labels[strings.Replace(strings.ToLower(k), " ", "_", -1)] = v
	}
	return labels, nil
}

// normalizeProductName trims, collapses spaces and drops control characters.
func normalizeProductName(name string) string {
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

// sameProductOwner compares two owner e-mail addresses.
func sameProductOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "products"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// ProductHandler serves the products API.
type ProductHandler struct {
	store *ProductStore
	log   *slog.Logger
}

func (h *ProductHandler) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/products/{id}", h.get)
	mux.HandleFunc("POST /api/products", h.create)
	mux.HandleFunc("DELETE /api/products/{id}", h.delete)
}

func (h *ProductHandler) get(w http.ResponseWriter, r *http.Request) {
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
		h.log.Error("get product", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

func (h *ProductHandler) create(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
		return
	}
	var in Product
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

func (h *ProductHandler) delete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	found, err := h.store.Delete(r.Context(), id)
	if err != nil {
		h.log.Error("delete product", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// consumeProducts reads newline-delimited JSON products from r and hands them to sink.
func consumeProducts(ctx context.Context, r io.Reader, sink func(Product) error) (int, error) {
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
			return n, fmt.Errorf("read product %d: %w", n+1, err)
		}
		var x Product
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// productDigest renders the weekly digest e-mail for one owner.
func productDigest(owner string, items []Product) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour products this week:\n\n"
	var b strings.Builder
	for _, x := range items {
		fmt.Fprintf(&b, "  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
	body += b.String()
	body += "\nSee you next week.\n"
	return body, nil
}

// sendProductDigest renders and sends the digest, reporting which owner failed.
func sendProductDigest(send func(to, body string) error, owner string, items []Product) error {
	body, err := productDigest(owner, items)
	if err != nil {
		return err
	}
	if err := send(owner, body); err != nil {
		return errors.New(fmt.Sprintf("send digest to %s: %v", owner, err))
	}
	return nil
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/products", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %v", path, err)
		}
	}
	if v := os.Getenv("PRODUCT_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("PRODUCT_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("PRODUCT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("PRODUCT_TIMEOUT: %w", err)
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

// FetchProduct downloads one product from the API.
func (c *ProductClient) FetchProduct(ctx context.Context, id int64) (*Product, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/products/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch product %d: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch product %d: %s: %s", id, resp.Status, body)
	}
	var x Product
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode product %d: %w", id, err)
	}
	return &x, nil
}

// FetchProducts downloads several products, one request at a time.
func (c *ProductClient) FetchProducts(ctx context.Context, ids []int64) ([]*Product, error) {
	out := make([]*Product, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchProduct(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// ProductStore reads and writes products in SQL.
type ProductStore struct {
	db  *sql.DB
	log *slog.Logger
}

// NewProductStore returns a store backed by db.
func NewProductStore(db *sql.DB, log *slog.Logger) *ProductStore {
	return &ProductStore{db: db, log: log}
}

// Get returns the product with the given id.
func (s *ProductStore) Get(ctx context.Context, id int64) (*Product, error) {
	var x Product
	row := s.db.QueryRowContext(ctx, "SELECT id, name, owner_id, status, total, created_at, updated_at FROM products WHERE id = ?", id)
	if err := row.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Status, &x.Total, &x.CreatedAt, &x.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get product %d: %w", id, err)
	}
	return &x, nil
}

// ByOwner lists the products of one owner with the given status, newest first.
func (s *ProductStore) ByOwner(ctx context.Context, ownerID int64, status string) ([]Product, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, status, total FROM products WHERE owner_id = ? AND status = ? ORDER BY created_at DESC", ownerID, status)
	if err != nil {
		return nil, fmt.Errorf("list products of %d: %w", ownerID, err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var x Product
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Total); err != nil {
			return nil, err
		}
		x.OwnerID = ownerID
		out = append(out, x)
	}
	return out, rows.Err()
}

// Search finds products whose name starts with prefix.
func (s *ProductStore) Search(ctx context.Context, prefix string, limit int) ([]Product, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM products WHERE name LIKE ? LIMIT ?", prefix+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var x Product
		if err := rows.Scan(&x.ID, &x.Name); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Rename changes the name of one of the products.
func (s *ProductStore) Rename(ctx context.Context, id int64, name string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE products SET name = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?", name, id)
	if err != nil {
		return fmt.Errorf("rename product %d: %w", id, err)
	}
	return nil
}

// Delete removes the product with the given id and reports whether it existed.
func (s *ProductStore) Delete(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM products WHERE id = ?", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	s.log.Info("deleted product", "id", id, "rows", n)
	return n > 0, nil
}
