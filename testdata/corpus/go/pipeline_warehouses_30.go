// Package warehouseetl: batch jobs that import and export warehouses.
package warehouseetl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
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
		time.Sleep(30 * time.Second)
	}
}
