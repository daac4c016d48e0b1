// Package warehouseetl: batch jobs that import and export warehouses.
package warehouseetl

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
	"slices"
	"sort"
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

// countWarehousesLines counts the lines of every .warehouse file under root.
func countWarehousesLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".warehouse" {
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
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

// concatWarehouses copies the files in paths, in order, to w.
func concatWarehouses(w io.Writer, paths []string) error {
	for _, p := range paths {
		if err := copyFile(w, p); err != nil {
			return err
		}
	}
	return nil
}

// WaitForWarehouse polls until the warehouse leaves the pending state.
func WaitForWarehouse(ctx context.Context, store *WarehouseStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != WarehousePending {
			return nil
		}
		time.Sleep(2 * time.Second)
	}
}

// refreshWarehouses reloads the cache until stop is closed.
func refreshWarehouses(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	for {
		if err := reload(); err != nil {
			log.Warn("reload warehouses", "err", err)
		}
		select {
		case <-stop:
			return
		default:
		}
	}
}

// warehouseTotals sums the totals per status.
func warehouseTotals(items []Warehouse) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// warehousePercentile returns the p-th percentile (0..100) of the totals.
func warehousePercentile(items []Warehouse, p float64) int64 {
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

// topWarehouses returns the n warehouses with the largest totals.
func topWarehouses(items []Warehouse, n int) []Warehouse {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
}

// consumeWarehouses reads newline-delimited JSON warehouses from r and hands them to sink.
func consumeWarehouses(ctx context.Context, r io.Reader, sink func(Warehouse) error) (int, error) {
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
			return n, fmt.Errorf("read warehouse %d: %w", n+1, err)
		}
		var x Warehouse
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// compressWarehouses gzips the export for the archive bucket.
func compressWarehouses(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadWarehouses retries the upload a few times with a fixed pause.
func uploadWarehouses(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/warehouses/")
		if err = cmd.Run(); err == nil {
			return nil
		}
		slog.Warn("upload failed", "attempt", attempt, "err", err)
		time.Sleep(5 * time.Second)
	}
	return fmt.Errorf("upload %s: %w", path, err)
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/warehouses", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %v", path, err)
		}
	}
	if v := os.Getenv("WAREHOUSE_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("WAREHOUSE_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("WAREHOUSE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("WAREHOUSE_TIMEOUT: %w", err)
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

// warehouseDigest renders the weekly digest e-mail for one owner.
func warehouseDigest(owner string, items []Warehouse) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour warehouses this week:\n\n"
	for _, x := range items {
		body += fmt.Sprintf("  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
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

// WarehouseStore reads and writes warehouses in SQL.
type WarehouseStore struct {
	db  *sql.DB
	log *slog.Logger
}

// NewWarehouseStore returns a store backed by db.
func NewWarehouseStore(db *sql.DB, log *slog.Logger) *WarehouseStore {
	return &WarehouseStore{db: db, log: log}
}

// Get returns the warehouse with the given id.
func (s *WarehouseStore) Get(ctx context.Context, id int64) (*Warehouse, error) {
	var x Warehouse
	row := s.db.QueryRowContext(ctx, "SELECT id, name, owner_id, status, total, created_at, updated_at FROM warehouses WHERE id = ?", id)
	if err := row.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Status, &x.Total, &x.CreatedAt, &x.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get warehouse %d: %v", id, err)
	}
	return &x, nil
}

// ByOwner lists the warehouses of one owner with the given status, newest first.
func (s *WarehouseStore) ByOwner(ctx context.Context, ownerID int64, status string) ([]Warehouse, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, status, total FROM warehouses WHERE owner_id = ? AND status = ? ORDER BY created_at DESC", ownerID, status)
	if err != nil {
		return nil, fmt.Errorf("list warehouses of %d: %w", ownerID, err)
	}
	defer rows.Close()
	out := make([]Warehouse, 0, 16)
	for rows.Next() {
		var x Warehouse
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Total); err != nil {
			return nil, err
		}
		x.OwnerID = ownerID
		out = append(out, x)
	}
	return out, rows.Err()
}

// Search finds warehouses whose name starts with prefix.
func (s *WarehouseStore) Search(ctx context.Context, prefix string, limit int) ([]Warehouse, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM warehouses WHERE name LIKE ? LIMIT ?", prefix+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Warehouse
	for rows.Next() {
		var x Warehouse
		if err := rows.Scan(&x.ID, &x.Name); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Rename changes the name of one of the warehouses.
func (s *WarehouseStore) Rename(ctx context.Context, id int64, name string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE warehouses SET name = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?", name, id)
	if err != nil {
		return fmt.Errorf("rename warehouse %d: %w", id, err)
	}
	return nil
}

// Delete removes the warehouse with the given id and reports whether it existed.
func (s *WarehouseStore) Delete(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM warehouses WHERE id = ?", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	s.log.Info("deleted warehouse", "id", id, "rows", n)
	return n > 0, nil
}
