// Package bookings: shared helpers for bookings.
package bookings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// BookingStatus is the lifecycle state of the bookings in bookings.
type BookingStatus int

const (
	BookingPending BookingStatus = iota
	BookingActive
	BookingSuspended
	BookingClosed
)

func (s BookingStatus) String() string {
	switch s {
	case BookingPending:
		return "pending"
	case BookingActive:
		return "active"
	case BookingSuspended:
		return "suspended"
	case BookingClosed:
		return "closed"
	}
	return "unknown"
}

// Booking is one row of the bookings table.
type Booking struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    BookingStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the booking a client submitted.
func (x *Booking) Validate() error {
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

// limiter is a token bucket: rate tokens per second, up to burst.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// allow takes one token if there is one.
func (l *limiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.tokens = math.Min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// wait blocks until a token is available or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	for !l.allow() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(float64(time.Second) / l.rate)):
		}
	}
	return nil
}

// bookingTotals sums the totals per status.
func bookingTotals(items []Booking) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// bookingPercentile returns the p-th percentile (0..100) of the totals.
func bookingPercentile(items []Booking, p float64) int64 {
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

// topBookings returns the n bookings with the largest totals.
func topBookings(items []Booking, n int) []Booking {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
}

// parseBookingLabels parses "key=value" pairs separated by commas.
func parseBookingLabels(s string) (map[string]string, error) {
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

// normalizeBookingName trims, collapses spaces and drops control characters.
func normalizeBookingName(name string) string {
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

// sameBookingOwner compares two owner e-mail addresses.
func sameBookingOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ReadBookingsExport loads at most limit bytes of the bookings export at path.
func ReadBookingsExport(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// SaveBookingsExport writes the bookings export, creating its directory.
func SaveBookingsExport(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
