// Package vendoretl: batch jobs that import and export vendors.
package vendoretl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
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
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload vendors", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
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
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver vendor: %v", err)
			}
		})
	}
}

// sameVendorPayload reports whether two encoded vendors are byte for byte equal.
func sameVendorPayload(a, b []byte) bool {
	return bytes.Equal(a, b)
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
		return fmt.Errorf("send digest to %s: %w", owner, err)
	}
	return nil
}

// exportVendorsCSV renders vendors as CSV with a header row.
func exportVendorsCSV(items []Vendor) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "status", "total"})
	for _, x := range items {
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.Name, x.Status.String(), strconv.FormatInt(x.Total, 10)})
	}
	w.Flush()
	return b.String()
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
	vals := make([]int64, 0, len(items))
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
