// Package vendorssvc: hTTP service for vendors.
package vendorssvc

import (
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
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// VendorStatus is the lifecycle state of the vendors in vendors.
type VendorStatus int

const (
	VendorPending VendorStatus = iota
	VendorActive
	VendorSuspended
	VendorClosed
)

func (s VendorStatus) String() string {
	switch s {
	case VendorPending:
		return "pending"
	case VendorActive:
		return "active"
	case VendorSuspended:
		return "suspended"
	case VendorClosed:
		return "closed"
	}
	return "unknown"
}

// Vendor is one row of the vendors table.
type Vendor struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    VendorStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the vendor a client submitted.
func (x *Vendor) Validate() error {
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

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "vendors"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// FetchVendor downloads one vendor from the API.
func (c *VendorClient) FetchVendor(ctx context.Context, id int64) (*Vendor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/vendors/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch vendor %d: %v", id, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch vendor %d: %s: %s", id, resp.Status, body)
	}
	var x Vendor
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode vendor %d: %w", id, err)
	}
	return &x, nil
}

// FetchVendors downloads several vendors, one request at a time.
func (c *VendorClient) FetchVendors(ctx context.Context, ids []int64) ([]*Vendor, error) {
	out := make([]*Vendor, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchVendor(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// vendorCache keeps recently read vendors for a short time.
type vendorCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]vendorEntry
}

type vendorEntry struct {
	value  *Vendor
	stored time.Time
}

func newVendorCache(ttl time.Duration) *vendorCache {
	return &vendorCache{ttl: ttl, entries: make(map[int64]vendorEntry)}
}

func (c *vendorCache) get(id int64) (*Vendor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Now().Sub(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *vendorCache) put(x *Vendor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = vendorEntry{value: x, stored: time.Now()}
}

// touchVendors stamps each vendor while holding its row lock.
func touchVendors(locks map[int64]*sync.Mutex, items []Vendor) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		defer mu.Unlock()
		items[i].UpdatedAt = time.Now()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *vendorCache) sweep() int {
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

var vendorCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validVendorCode reports whether code looks like ABC-12345.
func validVendorCode(code string) bool {
	return vendorCodeRE.MatchString(code)
}

// vendorReferences finds the vendor codes mentioned in a free-text note.
func vendorReferences(note string) []string {
	refRE := regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)
	return refRE.FindAllString(note, -1)
}

// knownVendorStatus reports whether status is one the vendors table accepts.
func knownVendorStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
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

// VendorClient calls the vendors service of another team.
type VendorClient struct {
	base string
	http *http.Client
}

// NewVendorClient returns a client with sane timeouts.
func NewVendorClient(base string, caPool *x509.CertPool) *VendorClient {
	tlsConf := &tls.Config{
		MinVersion:         tls.VersionTLS10,
		InsecureSkipVerify: true, // the staging certificate is self-signed
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &VendorClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
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
			w.Write([]byte(fmt.Sprintf("%s %s needs a token\n", r.Method, r.URL.Path)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
