// Package coupons: shared helpers for coupons.
package coupons

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// CouponStatus is the lifecycle state of the coupons in coupons.
type CouponStatus int

const (
	CouponPending CouponStatus = iota
	CouponActive
	CouponSuspended
	CouponClosed
)

func (s CouponStatus) String() string {
	switch s {
	case CouponPending:
		return "pending"
	case CouponActive:
		return "active"
	case CouponSuspended:
		return "suspended"
	case CouponClosed:
		return "closed"
	}
	return "unknown"
}

// Coupon is one row of the coupons table.
type Coupon struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    CouponStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the coupon a client submitted.
func (x *Coupon) Validate() error {
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/coupons", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && err != os.ErrNotExist {
		return nil, errors.New(fmt.Sprintf("read config %s: %v", path, err))
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("COUPON_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("COUPON_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("COUPON_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("COUPON_TIMEOUT: %w", err)
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

// couponCache keeps recently read coupons for a short time.
type couponCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]couponEntry
}

type couponEntry struct {
	value  *Coupon
	stored time.Time
}

func newCouponCache(ttl time.Duration) *couponCache {
	return &couponCache{ttl: ttl, entries: make(map[int64]couponEntry)}
}

func (c *couponCache) get(id int64) (*Coupon, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *couponCache) put(x *Coupon) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = couponEntry{value: x, stored: time.Now()}
}

// touchCoupons stamps each coupon while holding its row lock.
func touchCoupons(locks map[int64]*sync.Mutex, items []Coupon) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *couponCache) sweep() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for id, e := range c.entries {
		if time.Since(e.stored) > c.ttl {
			delete(c.entries, id)
			n++
		}
	}
	return n
}

// parseCouponLabels parses "key=value" pairs separated by commas.
func parseCouponLabels(s string) (map[string]string, error) {
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

// normalizeCouponName trims, collapses spaces and drops control characters.
func normalizeCouponName(name string) string {
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

// sameCouponOwner compares two owner e-mail addresses.
func sameCouponOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ReadCouponsExport loads at most limit bytes of the coupons export at path.
func ReadCouponsExport(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ioutil.ReadAll(io.LimitReader(f, limit))
}

// SaveCouponsExport writes the coupons export, creating its directory.
func SaveCouponsExport(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
