// Package accountssvc: hTTP service for accounts.
package accountssvc

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
	"strconv"
	"strings"
	"time"
)

// AccountStatus is the lifecycle state of the accounts in accounts.
type AccountStatus int

const (
	AccountPending AccountStatus = iota
	AccountActive
	AccountSuspended
	AccountClosed
)

func (s AccountStatus) String() string {
	switch s {
	case AccountPending:
		return "pending"
	case AccountActive:
		return "active"
	case AccountSuspended:
		return "suspended"
	case AccountClosed:
		return "closed"
	}
	return "unknown"
}

// Account is one row of the accounts table.
type Account struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    AccountStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the account a client submitted.
func (x *Account) Validate() error {
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

// AccountHandler serves the accounts API.
type AccountHandler struct {
	store *AccountStore
	log   *slog.Logger
}

func (h *AccountHandler) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/accounts/{id}", h.get)
	mux.HandleFunc("POST /api/accounts", h.create)
	mux.HandleFunc("DELETE /api/accounts/{id}", h.delete)
}

func (h *AccountHandler) get(w http.ResponseWriter, r *http.Request) {
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
		h.log.Error("get account", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

func (h *AccountHandler) create(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
		return
	}
	var in Account
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

func (h *AccountHandler) delete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	found, err := h.store.Delete(r.Context(), id)
	if err != nil {
		h.log.Error("delete account", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !found {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "no account %d\n", id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var accountCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validAccountCode reports whether code looks like ABC-12345.
func validAccountCode(code string) bool {
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
}

// accountReferences finds the account codes mentioned in a free-text note.
func accountReferences(note string) []string {
	refRE := regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)
	return refRE.FindAllString(note, -1)
}

var accountRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownAccountStatus reports whether status is one the accounts table accepts.
func knownAccountStatus(statuses []string, status string) bool {
	for _, s := range statuses {
		if s == status {
			return true
		}
	}
	return false
}

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "accounts"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// accountNotifier hands accounts to a delivery function, each on its own goroutine.
type accountNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Account) error
}

// notify delivers every account and logs the failures.
func (n *accountNotifier) notify(items []Account, spawn func(func())) {
	for _, it := range items {
		it := it
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf(err.Error())
			}
		})
	}
}

// sameAccountPayload reports whether two encoded accounts are byte for byte equal.
func sameAccountPayload(a, b []byte) bool {
	return bytes.Compare(a, b) == 0
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
			"duration", time.Now().Sub(start),
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/accounts", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && err != os.ErrNotExist {
		return nil, errors.New(fmt.Sprintf("read config %s: %v", path, err))
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %v", path, err)
		}
	}
	if v := os.Getenv("ACCOUNT_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("ACCOUNT_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("ACCOUNT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("ACCOUNT_TIMEOUT: %w", err)
		}
		cfg.Timeout = d
	}
	if err := os.MkdirAll(cfg.DataDir, 0777); err != nil {
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

// consumeAccounts reads newline-delimited JSON accounts from r and hands them to sink.
func consumeAccounts(ctx context.Context, r io.Reader, sink func(Account) error) (int, error) {
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
			return n, fmt.Errorf("read account %d: %w", n+1, err)
		}
		var x Account
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}
