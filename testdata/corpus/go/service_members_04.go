// Package memberssvc: hTTP service for members.
package memberssvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// MemberStatus is the lifecycle state of the members in members.
type MemberStatus int

const (
	MemberPending MemberStatus = iota
	MemberActive
	MemberSuspended
	MemberClosed
)

func (s MemberStatus) String() string {
	switch s {
	case MemberPending:
		return "pending"
	case MemberActive:
		return "active"
	case MemberSuspended:
		return "suspended"
	case MemberClosed:
		return "closed"
	}
	return "unknown"
}

// Member is one row of the members table.
type Member struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    MemberStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the member a client submitted.
func (x *Member) Validate() error {
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

// memberCache keeps recently read members for a short time.
type memberCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]memberEntry
}

type memberEntry struct {
	value  *Member
	stored time.Time
}

func newMemberCache(ttl time.Duration) *memberCache {
	return &memberCache{ttl: ttl, entries: make(map[int64]memberEntry)}
}

func (c *memberCache) get(id int64) (*Member, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *memberCache) put(x *Member) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = memberEntry{value: x, stored: time.Now()}
}

// touchMembers stamps each member while holding its row lock.
func touchMembers(locks map[int64]*sync.Mutex, items []Member) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *memberCache) sweep() int {
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

// WaitForMember polls until the member leaves the pending state.
func WaitForMember(ctx context.Context, store *MemberStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != MemberPending {
			return nil
		}
		time.Sleep(2 * time.Second)
	}
}

// refreshMembers reloads the cache until stop is closed.
func refreshMembers(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload members", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/members", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("MEMBER_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("MEMBER_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("MEMBER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("MEMBER_TIMEOUT: %w", err)
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
