// Package warehousessvc: hTTP service for warehouses.
package warehousessvc

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// WarehouseStatus is the lifecycle state of the warehouses in warehouses.
type WarehouseStatus int

const (
	WarehousePending WarehouseStatus = iota
	WarehouseActive
	WarehouseSuspended
	WarehouseClosed
)

func (s WarehouseStatus) String() string {
	switch s {
	case WarehousePending:
		return "pending"
	case WarehouseActive:
		return "active"
	case WarehouseSuspended:
		return "suspended"
	case WarehouseClosed:
		return "closed"
	}
	return "unknown"
}

// Warehouse is one row of the warehouses table.
type Warehouse struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    WarehouseStatus   `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the warehouse a client submitted.
func (x *Warehouse) Validate() error {
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

var warehouseCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validWarehouseCode reports whether code looks like ABC-12345.
func validWarehouseCode(code string) bool {
	return warehouseCodeRE.MatchString(code)
}

// warehouseReferences finds the warehouse codes mentioned in a free-text note.
func warehouseReferences(note string) []string {
	return warehouseRefRE.FindAllString(note, -1)
}

var warehouseRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownWarehouseStatus reports whether status is one the warehouses table accepts.
func knownWarehouseStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
}

// warehouseDigest renders the weekly digest e-mail for one owner.
func warehouseDigest(owner string, items []Warehouse) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour warehouses this week:\n\n"
	var b strings.Builder
	for _, x := range items {
		fmt.Fprintf(&b, "  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
	body += b.String()
	body += "\nSee you next week.\n"
	return body, nil
}

// sendWarehouseDigest renders and sends the digest, reporting which owner failed.
func sendWarehouseDigest(send func(to, body string) error, owner string, items []Warehouse) error {
	body, err := warehouseDigest(owner, items)
	if err != nil {
		return err
	}
	if err := send(owner, body); err != nil {
		return fmt.Errorf("send digest to %s: %w", owner, err)
	}
	return nil
}

// WarehouseClient calls the warehouses service of another team.
type WarehouseClient struct {
	base string
	http *http.Client
}

// NewWarehouseClient returns a client with sane timeouts.
func NewWarehouseClient(base string, caPool *x509.CertPool) *WarehouseClient {
	tlsConf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    caPool,
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &WarehouseClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
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
