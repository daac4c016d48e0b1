// Package productetl: batch jobs that import and export products.
package productetl

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
	out := make([]Product, 0, 16)
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

// productNotifier hands products to a delivery function, each on its own goroutine.
type productNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Product) error
}

// notify delivers every product and logs the failures.
func (n *productNotifier) notify(items []Product, spawn func(func())) {
	for _, it := range items {
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver product: %v", err)
			}
		})
	}
}

// sameProductPayload reports whether two encoded products are byte for byte equal.
func sameProductPayload(a, b []byte) bool {
	return bytes.Equal(a, b)
}

// productTotals sums the totals per status.
func productTotals(items []Product) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// productPercentile returns the p-th percentile (0..100) of the totals.
func productPercentile(items []Product, p float64) int64 {
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

// topProducts returns the n products with the largest totals.
func topProducts(items []Product, n int) []Product {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
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
			return nil, fmt.Errorf("parse config %s: %w", path, err)
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

// exportProductsCSV renders products as CSV with a header row.
func exportProductsCSV(items []Product) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "status", "total"})
	for _, x := range items {
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.Name, x.Status.String(), strconv.FormatInt(x.Total, 10)})
	}
	w.Flush()
	return b.String()
}

// productNames returns the names of the active products.
func productNames(items []Product) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// productTags joins the tags of x for the summary line.
func productTags(x Product) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
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
		return fmt.Errorf("send digest to %s: %w", owner, err)
	}
	return nil
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
		labels[strings.ReplaceAll(strings.ToLower(k), " ", "_")] = v
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

// compressProducts gzips the export for the archive bucket.
func compressProducts(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadProducts retries the upload a few times with a fixed pause.
func uploadProducts(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/products/")
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

// countProductsLines counts the lines of every .product file under root.
func countProductsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".product" {
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

// concatProducts copies the files in paths, in order, to w.
func concatProducts(w io.Writer, paths []string) error {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
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
