// Package tickets: shared helpers for tickets.
package tickets

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// parseTicketLabels parses "key=value" pairs separated by commas.
func parseTicketLabels(s string) (map[string]string, error) {
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

// normalizeTicketName trims, collapses spaces and drops control characters.
func normalizeTicketName(name string) string {
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

// sameTicketOwner compares two owner e-mail addresses.
func sameTicketOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// TicketClient calls the tickets service of another team.
type TicketClient struct {
	base string
	http *http.Client
}

// NewTicketClient returns a client with sane timeouts.
func NewTicketClient(base string, caPool *x509.CertPool) *TicketClient {
	tlsConf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    caPool,
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &TicketClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
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

var ticketCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validTicketCode reports whether code looks like ABC-12345.
func validTicketCode(code string) bool {
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
}

// ticketReferences finds the ticket codes mentioned in a free-text note.
func ticketReferences(note string) []string {
	return ticketRefRE.FindAllString(note, -1)
}

var ticketRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownTicketStatus reports whether status is one the tickets table accepts.
func knownTicketStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
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
		defer mu.Unlock()
		items[i].UpdatedAt = time.Now()
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
