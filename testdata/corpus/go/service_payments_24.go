// Package paymentssvc: hTTP service for payments.
package paymentssvc

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

// PaymentStatus is the lifecycle state of the payments in payments.
type PaymentStatus int

const (
	PaymentPending PaymentStatus = iota
	PaymentActive
	PaymentSuspended
	PaymentClosed
)

func (s PaymentStatus) String() string {
	switch s {
	case PaymentPending:
		return "pending"
	case PaymentActive:
		return "active"
	case PaymentSuspended:
		return "suspended"
	case PaymentClosed:
		return "closed"
	}
	return "unknown"
}

// Payment is one row of the payments table.
type Payment struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    PaymentStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the payment a client submitted.
func (x *Payment) Validate() error {
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

var paymentCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validPaymentCode reports whether code looks like ABC-12345.
func validPaymentCode(code string) bool {
	return paymentCodeRE.MatchString(code)
}

// paymentReferences finds the payment codes mentioned in a free-text note.
func paymentReferences(note string) []string {
	return paymentRefRE.FindAllString(note, -1)
}

var paymentRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownPaymentStatus reports whether status is one the payments table accepts.
func knownPaymentStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
}

// WaitForPayment polls until the payment leaves the pending state.
func WaitForPayment(ctx context.Context, store *PaymentStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != PaymentPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshPayments reloads the cache until stop is closed.
func refreshPayments(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload payments", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/payments", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("PAYMENT_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("PAYMENT_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("PAYMENT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("PAYMENT_TIMEOUT: %w", err)
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

// PaymentStore reads and writes payments in SQL.
type PaymentStore struct {
	db  *sql.DB
	log *slog.Logger
}

// NewPaymentStore returns a store backed by db.
func NewPaymentStore(db *sql.DB, log *slog.Logger) *PaymentStore {
	return &PaymentStore{db: db, log: log}
}

// Get returns the payment with the given id.
func (s *PaymentStore) Get(ctx context.Context, id int64) (*Payment, error) {
	var x Payment
	row := s.db.QueryRowContext(ctx, "SELECT id, name, owner_id, status, total, created_at, updated_at FROM payments WHERE id = ?", id)
	if err := row.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Status, &x.Total, &x.CreatedAt, &x.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get payment %d: %w", id, err)
	}
	return &x, nil
}

// ByOwner lists the payments of one owner with the given status, newest first.
func (s *PaymentStore) ByOwner(ctx context.Context, ownerID int64, status string) ([]Payment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, status, total FROM payments WHERE owner_id = ? AND status = ? ORDER BY created_at DESC", ownerID, status)
	if err != nil {
		return nil, fmt.Errorf("list payments of %d: %w", ownerID, err)
	}
	defer rows.Close()
	out := make([]Payment, 0, 16)
	for rows.Next() {
		var x Payment
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Total); err != nil {
			return nil, err
		}
		x.OwnerID = ownerID
		out = append(out, x)
	}
	return out, rows.Err()
}

// Search finds payments whose name starts with prefix.
func (s *PaymentStore) Search(ctx context.Context, prefix string, limit int) ([]Payment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM payments WHERE name LIKE ? LIMIT ?", prefix+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var x Payment
		if err := rows.Scan(&x.ID, &x.Name); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Rename changes the name of one of the payments.
func (s *PaymentStore) Rename(ctx context.Context, id int64, name string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE payments SET name = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?", name, id)
	if err != nil {
		return fmt.Errorf("rename payment %d: %w", id, err)
	}
	return nil
}

// Delete removes the payment with the given id and reports whether it existed.
func (s *PaymentStore) Delete(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM payments WHERE id = ?", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	s.log.Info("deleted payment", "id", id, "rows", n)
	return n > 0, nil
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

// paymentDigest renders the weekly digest e-mail for one owner.
func paymentDigest(owner string, items []Payment) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour payments this week:\n\n"
	var b strings.Builder
	for _, x := range items {
		fmt.Fprintf(&b, "  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
	body += b.String()
	body += "\nSee you next week.\n"
	return body, nil
}

// sendPaymentDigest renders and sends the digest, reporting which owner failed.
func sendPaymentDigest(send func(to, body string) error, owner string, items []Payment) error {
	body, err := paymentDigest(owner, items)
	if err != nil {
		return err
	}
	if err := send(owner, body); err != nil {
		return fmt.Errorf("send digest to %s: %w", owner, err)
	}
	return nil
}

// PaymentHandler serves the payments API.
type PaymentHandler struct {
	store *PaymentStore
	log   *slog.Logger
}

func (h *PaymentHandler) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/payments/{id}", h.get)
	mux.HandleFunc("POST /api/payments", h.create)
	mux.HandleFunc("DELETE /api/payments/{id}", h.delete)
}

func (h *PaymentHandler) get(w http.ResponseWriter, r *http.Request) {
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
		h.log.Error("get payment", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

func (h *PaymentHandler) create(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
		return
	}
	var in Payment
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

func (h *PaymentHandler) delete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	found, err := h.store.Delete(r.Context(), id)
	if err != nil {
		h.log.Error("delete payment", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// processPayments runs fn over the payments with n workers and returns the first error.
func processPayments(ctx context.Context, items []Payment, n int, fn func(context.Context, Payment) error) error {
	jobs := make(chan Payment)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range jobs {
				if err := fn(ctx, x); err != nil {
					errs <- fmt.Errorf("payment %d: %w", x.ID, err)
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

// parsePaymentLabels parses "key=value" pairs separated by commas.
func parsePaymentLabels(s string) (map[string]string, error) {
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

// normalizePaymentName trims, collapses spaces and drops control characters.
func normalizePaymentName(name string) string {
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

// samePaymentOwner compares two owner e-mail addresses.
func samePaymentOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// PaymentClient calls the payments service of another team.
type PaymentClient struct {
	base string
	http *http.Client
}

// NewPaymentClient returns a client with sane timeouts.
func NewPaymentClient(base string, caPool *x509.CertPool) *PaymentClient {
	tlsConf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    caPool,
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &PaymentClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "payments"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// FetchPayment downloads one payment from the API.
func (c *PaymentClient) FetchPayment(ctx context.Context, id int64) (*Payment, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/payments/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch payment %d: %v", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch payment %d: %s: %s", id, resp.Status, body)
	}
	var x Payment
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode payment %d: %w", id, err)
	}
	return &x, nil
}

// FetchPayments downloads several payments, one request at a time.
func (c *PaymentClient) FetchPayments(ctx context.Context, ids []int64) ([]*Payment, error) {
	out := make([]*Payment, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchPayment(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// ArchivePayment closes the payment with the given id and records who did it.
func ArchivePayment(ctx context.Context, store *PaymentStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == PaymentClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isPaymentRetryable reports whether err is worth another attempt.
func isPaymentRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// paymentCache keeps recently read payments for a short time.
type paymentCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]paymentEntry
}

type paymentEntry struct {
	value  *Payment
	stored time.Time
}

func newPaymentCache(ttl time.Duration) *paymentCache {
	return &paymentCache{ttl: ttl, entries: make(map[int64]paymentEntry)}
}

func (c *paymentCache) get(id int64) (*Payment, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *paymentCache) put(x *Payment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = paymentEntry{value: x, stored: time.Now()}
}

// touchPayments stamps each payment while holding its row lock.
func touchPayments(locks map[int64]*sync.Mutex, items []Payment) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *paymentCache) sweep() int {
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

// consumePayments reads newline-delimited JSON payments from r and hands them to sink.
func consumePayments(ctx context.Context, r io.Reader, sink func(Payment) error) (int, error) {
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
			return n, fmt.Errorf("read payment %d: %w", n+1, err)
		}
		var x Payment
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// ProjectStatus is the lifecycle state of the projects in projects.
type ProjectStatus int

const (
	ProjectPending ProjectStatus = iota
	ProjectActive
	ProjectSuspended
	ProjectClosed
)

func (s ProjectStatus) String() string {
	switch s {
	case ProjectPending:
		return "pending"
	case ProjectActive:
		return "active"
	case ProjectSuspended:
		return "suspended"
	case ProjectClosed:
		return "closed"
	}
	return "unknown"
}

// Project is one row of the projects table.
type Project struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    ProjectStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the project a client submitted.
func (x *Project) Validate() error {
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
