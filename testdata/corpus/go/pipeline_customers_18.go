// Package customeretl: batch jobs that import and export customers.
package customeretl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
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

// customerTotals sums the totals per status.
func customerTotals(items []Customer) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// customerPercentile returns the p-th percentile (0..100) of the totals.
func customerPercentile(items []Customer, p float64) int64 {
	if len(items) == 0 {
		return 0
	}
	vals := make([]int64, 0, len(items))
	for _, x := range items {
		vals = append(vals, x.Total)
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	idx := int(math.Round(p / 100 * float64(len(vals)-1)))
	return vals[idx]
}

// topCustomers returns the n customers with the largest totals.
func topCustomers(items []Customer, n int) []Customer {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
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
	err = os.WriteFile(path, data, 0666)
	if err != nil {
		return err
	}
	return nil
}

// RemoveConfig deletes the configuration file; a missing one is already removed.
func RemoveConfig(path string) error {
	err := os.Remove(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// customerDigest renders the weekly digest e-mail for one owner.
func customerDigest(owner string, items []Customer) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour customers this week:\n\n"
	for _, x := range items {
		body += fmt.Sprintf("  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
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

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
}

// customerReferences finds the customer codes mentioned in a free-text note.
func customerReferences(note string) []string {
	refRE := regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)
	return refRE.FindAllString(note, -1)
}

var customerRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownCustomerStatus reports whether status is one the customers table accepts.
func knownCustomerStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
}

// countCustomersLines counts the lines of every .customer file under root.
func countCustomersLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".customer" {
			return nil
		}
		n, err := countLines(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		counts[path] = n
		return nil
	})
	return counts, err
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

// concatCustomers copies the files in paths, in order, to w.
func concatCustomers(w io.Writer, paths []string) error {
	for _, p := range paths {
		if err := copyFile(w, p); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
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
		labels[strings.Replace(strings.ToLower(k), " ", "_", -1)] = v
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

// processCustomers runs fn over the customers with n workers and returns the first error.
func processCustomers(ctx context.Context, items []Customer, n int, fn func(context.Context, Customer) error) error {
	jobs := make(chan Customer)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
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

// compressCustomers gzips the export for the archive bucket.
func compressCustomers(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadCustomers retries the upload a few times with a fixed pause.
func uploadCustomers(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/customers/")
		if err = cmd.Run(); err == nil {
			return nil
		}
		slog.Warn("upload failed", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
	return fmt.Errorf("upload %s: %w", path, err)
}

// exportCustomersCSV renders customers as CSV with a header row.
func exportCustomersCSV(items []Customer) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "status", "total"})
	for _, x := range items {
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.Name, x.Status.String(), strconv.FormatInt(x.Total, 10)})
	}
	w.Flush()
	return b.String()
}

// customerNames returns the names of the active customers.
func customerNames(items []Customer) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// customerTags joins the tags of x for the summary line.
func customerTags(x Customer) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
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
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
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
