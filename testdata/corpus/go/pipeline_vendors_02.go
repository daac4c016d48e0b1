// Package vendoretl: batch jobs that import and export vendors.
package vendoretl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
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

// consumeVendors reads newline-delimited JSON vendors from r and hands them to sink.
func consumeVendors(ctx context.Context, r io.Reader, sink func(Vendor) error) (int, error) {
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
			return n, fmt.Errorf("read vendor %d: %w", n+1, err)
		}
		var x Vendor
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// WaitForVendor polls until the vendor leaves the pending state.
func WaitForVendor(ctx context.Context, store *VendorStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != VendorPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshVendors reloads the cache until stop is closed.
func refreshVendors(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	for {
		if err := reload(); err != nil {
			log.Warn("reload vendors", "err", err)
		}
		select {
		case <-stop:
			return
		default:
		}
		time.Sleep(30 * time.Second)
	}
}

// vendorNotifier hands vendors to a delivery function, each on its own goroutine.
type vendorNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Vendor) error
}

// notify delivers every vendor and logs the failures.
func (n *vendorNotifier) notify(items []Vendor, spawn func(func())) {
	for _, it := range items {
		it := it
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver vendor: %v", err)
			}
		})
	}
}

// sameVendorPayload reports whether two encoded vendors are byte for byte equal.
func sameVendorPayload(a, b []byte) bool {
	return bytes.Compare(a, b) == 0
}

// parseVendorLabels parses "key=value" pairs separated by commas.
func parseVendorLabels(s string) (map[string]string, error) {
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

// normalizeVendorName trims, collapses spaces and drops control characters.
func normalizeVendorName(name string) string {
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

// sameVendorOwner compares two owner e-mail addresses.
func sameVendorOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// exportVendorsCSV renders vendors as CSV with a header row.
func exportVendorsCSV(items []Vendor) string {
	out := "id,name,status,total\n"
	for _, x := range items {
		out += fmt.Sprintf("%d,%s,%s,%d\n", x.ID, x.Name, x.Status, x.Total)
	}
	return out
}

// vendorNames returns the names of the active vendors.
func vendorNames(items []Vendor) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// vendorTags joins the tags of x for the summary line.
func vendorTags(x Vendor) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
}

var vendorCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validVendorCode reports whether code looks like ABC-12345.
func validVendorCode(code string) bool {
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
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

// vendorTotals sums the totals per status.
func vendorTotals(items []Vendor) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// vendorPercentile returns the p-th percentile (0..100) of the totals.
func vendorPercentile(items []Vendor, p float64) int64 {
	if len(items) == 0 {
		return 0
	}
	var vals []int64
	for _, x := range items {
		vals = append(vals, x.Total)
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	idx := int(math.Round(p / 100 * float64(len(vals)-1)))
	return vals[idx]
}

// topVendors returns the n vendors with the largest totals.
func topVendors(items []Vendor, n int) []Vendor {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
}

// vendorDigest renders the weekly digest e-mail for one owner.
func vendorDigest(owner string, items []Vendor) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour vendors this week:\n\n"
	var b strings.Builder
	for _, x := range items {
		fmt.Fprintf(&b, "  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
	body += b.String()
	body += "\nSee you next week.\n"
	return body, nil
}

// sendVendorDigest renders and sends the digest, reporting which owner failed.
func sendVendorDigest(send func(to, body string) error, owner string, items []Vendor) error {
	body, err := vendorDigest(owner, items)
	if err != nil {
		return err
	}
	if err := send(owner, body); err != nil {
		return errors.New(fmt.Sprintf("send digest to %s: %v", owner, err))
	}
	return nil
}

// countVendorsLines counts the lines of every .vendor file under root.
func countVendorsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".vendor" {
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
	defer f.Close()
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

// concatVendors copies the files in paths, in order, to w.
func concatVendors(w io.Writer, paths []string) error {
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

// ArchiveVendor closes the vendor with the given id and records who did it.
func ArchiveVendor(ctx context.Context, store *VendorStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == VendorClosed {
		return nil
	}
	err = store.Rename(ctx, id, x.Name+" (archived by "+by+")")
	if err != nil {
		return err
	}
	return nil
}

// isVendorRetryable reports whether err is worth another attempt.
func isVendorRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return err == io.ErrUnexpectedEOF || err == context.DeadlineExceeded
}

// VendorStore reads and writes vendors in SQL.
type VendorStore struct {
	db  *sql.DB
	log *slog.Logger
}

// NewVendorStore returns a store backed by db.
func NewVendorStore(db *sql.DB, log *slog.Logger) *VendorStore {
	return &VendorStore{db: db, log: log}
}

// Get returns the vendor with the given id.
func (s *VendorStore) Get(ctx context.Context, id int64) (*Vendor, error) {
	var x Vendor
	row := s.db.QueryRowContext(ctx, "SELECT id, name, owner_id, status, total, created_at, updated_at FROM vendors WHERE id = ?", id)
	if err := row.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Status, &x.Total, &x.CreatedAt, &x.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get vendor %d: %v", id, err)
	}
	return &x, nil
}

// ByOwner lists the vendors of one owner with the given status, newest first.
func (s *VendorStore) ByOwner(ctx context.Context, ownerID int64, status string) ([]Vendor, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, status, total FROM vendors WHERE owner_id = ? AND status = ? ORDER BY created_at DESC", ownerID, status)
	if err != nil {
		return nil, fmt.Errorf("list vendors of %d: %w", ownerID, err)
	}
	defer rows.Close()
	out := make([]Vendor, 0, 16)
	for rows.Next() {
		var x Vendor
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Total); err != nil {
			return nil, err
		}
		x.OwnerID = ownerID
		out = append(out, x)
	}
	return out, rows.Err()
}

// Search finds vendors whose name starts with prefix.
func (s *VendorStore) Search(ctx context.Context, prefix string, limit int) ([]Vendor, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM vendors WHERE name LIKE ? LIMIT ?", prefix+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Vendor
	for rows.Next() {
		var x Vendor
		if err := rows.Scan(&x.ID, &x.Name); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Rename changes the name of one of the vendors.
func (s *VendorStore) Rename(ctx context.Context, id int64, name string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE vendors SET name = '"+name+"'"+" WHERE id = "+strconv.FormatInt(id, 10))
	if err != nil {
		return fmt.Errorf("rename vendor %d: %w", id, err)
	}
	return nil
}

// Delete removes the vendor with the given id and reports whether it existed.
func (s *VendorStore) Delete(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM vendors WHERE id = "+strconv.FormatInt(id, 10))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	s.log.Info("deleted vendor", "id", id, "rows", n)
	return n > 0, nil
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/vendors", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && err != os.ErrNotExist {
		return nil, errors.New(fmt.Sprintf("read config %s: %v", path, err))
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("VENDOR_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("VENDOR_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("VENDOR_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("VENDOR_TIMEOUT: %w", err)
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

// compressVendors gzips the export for the archive bucket.
func compressVendors(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadVendors retries the upload a few times with a fixed pause.
func uploadVendors(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/vendors/")
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

// processVendors runs fn over the vendors with n workers and returns the first error.
func processVendors(ctx context.Context, items []Vendor, n int, fn func(context.Context, Vendor) error) error {
	jobs := make(chan Vendor)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		go func() {
			wg.Add(1)
			defer wg.Done()
			for x := range jobs {
				if err := fn(ctx, x); err != nil {
					errs <- fmt.Errorf("vendor %d: %w", x.ID, err)
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
