// Package tickets: shared helpers for tickets.
package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// TicketStatus is the lifecycle state of the tickets in tickets.
type TicketStatus int

const (
	TicketPending TicketStatus = iota
	TicketActive
	TicketSuspended
	TicketClosed
)

func (s TicketStatus) String() string {
	switch s {
	case TicketPending:
		return "pending"
	case TicketActive:
		return "active"
	case TicketSuspended:
		return "suspended"
	case TicketClosed:
		return "closed"
	}
	return "unknown"
}

// Ticket is one row of the tickets table.
type Ticket struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    TicketStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the ticket a client submitted.
func (x *Ticket) Validate() error {
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/tickets", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("TICKET_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("TICKET_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("TICKET_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("TICKET_TIMEOUT: %w", err)
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

// ticketCache keeps recently read tickets for a short time.
type ticketCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]ticketEntry
}

type ticketEntry struct {
	value  *Ticket
	stored time.Time
}

func newTicketCache(ttl time.Duration) *ticketCache {
	return &ticketCache{ttl: ttl, entries: make(map[int64]ticketEntry)}
}

func (c *ticketCache) get(id int64) (*Ticket, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *ticketCache) put(x *Ticket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = ticketEntry{value: x, stored: time.Now()}
}

// touchTickets stamps each ticket while holding its row lock.
func touchTickets(locks map[int64]*sync.Mutex, items []Ticket) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *ticketCache) sweep() int {
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

// ArchiveTicket closes the ticket with the given id and records who did it.
func ArchiveTicket(ctx context.Context, store *TicketStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == TicketClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isTicketRetryable reports whether err is worth another attempt.
func isTicketRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// WaitForTicket polls until the ticket leaves the pending state.
func WaitForTicket(ctx context.Context, store *TicketStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != TicketPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshTickets reloads the cache until stop is closed.
func refreshTickets(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload tickets", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}

// ReadTicketsExport loads at most limit bytes of the tickets export at path.
func ReadTicketsExport(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// SaveTicketsExport writes the tickets export, creating its directory.
func SaveTicketsExport(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
