// Package paymentetl: batch jobs that import and export payments.
package paymentetl

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

// compressPayments gzips the export for the archive bucket.
func compressPayments(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadPayments retries the upload a few times with a fixed pause.
func uploadPayments(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/payments/")
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

// countPaymentsLines counts the lines of every .payment file under root.
func countPaymentsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".payment" {
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

// concatPayments copies the files in paths, in order, to w.
func concatPayments(w io.Writer, paths []string) error {
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

// paymentNotifier hands payments to a delivery function, each on its own goroutine.
type paymentNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Payment) error
}

// notify delivers every payment and logs the failures.
func (n *paymentNotifier) notify(items []Payment, spawn func(func())) {
	for _, it := range items {
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver payment: %v", err)
			}
		})
	}
}

// samePaymentPayload reports whether two encoded payments are byte for byte equal.
func samePaymentPayload(a, b []byte) bool {
	return bytes.Equal(a, b)
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

// paymentTotals sums the totals per status.
func paymentTotals(items []Payment) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// paymentPercentile returns the p-th percentile (0..100) of the totals.
func paymentPercentile(items []Payment, p float64) int64 {
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

// topPayments returns the n payments with the largest totals.
func topPayments(items []Payment, n int) []Payment {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
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

// exportPaymentsCSV renders payments as CSV with a header row.
func exportPaymentsCSV(items []Payment) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "status", "total"})
	for _, x := range items {
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.Name, x.Status.String(), strconv.FormatInt(x.Total, 10)})
	}
	w.Flush()
	return b.String()
}

// paymentNames returns the names of the active payments.
func paymentNames(items []Payment) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// paymentTags joins the tags of x for the summary line.
func paymentTags(x Payment) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
}

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

// processPayments runs fn over the payments with n workers and returns the first error.
func processPayments(ctx context.Context, items []Payment, n int, fn func(context.Context, Payment) error) error {
	jobs := make(chan Payment)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
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
