// Package reports: shared helpers for reports.
package reports

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// ReportStatus is the lifecycle state of the reports in reports.
type ReportStatus int

const (
	ReportPending ReportStatus = iota
	ReportActive
	ReportSuspended
	ReportClosed
)

func (s ReportStatus) String() string {
	switch s {
	case ReportPending:
		return "pending"
	case ReportActive:
		return "active"
	case ReportSuspended:
		return "suspended"
	case ReportClosed:
		return "closed"
	}
	return "unknown"
}

// Report is one row of the reports table.
type Report struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    ReportStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the report a client submitted.
func (x *Report) Validate() error {
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

// ReportClient calls the reports service of another team.
type ReportClient struct {
	base string
	http *http.Client
}

// NewReportClient returns a client with sane timeouts.
func NewReportClient(base string, caPool *x509.CertPool) *ReportClient {
	tlsConf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    caPool,
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &ReportClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/reports", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("REPORT_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("REPORT_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("REPORT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("REPORT_TIMEOUT: %w", err)
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

// FetchReport downloads one report from the API.
func (c *ReportClient) FetchReport(ctx context.Context, id int64) (*Report, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/reports/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch report %d: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch report %d: %s: %s", id, resp.Status, body)
	}
	var x Report
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode report %d: %w", id, err)
	}
	return &x, nil
}

// FetchReports downloads several reports, one request at a time.
func (c *ReportClient) FetchReports(ctx context.Context, ids []int64) ([]*Report, error) {
	out := make([]*Report, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchReport(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// reportCache keeps recently read reports for a short time.
type reportCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]reportEntry
}

type reportEntry struct {
	value  *Report
	stored time.Time
}

func newReportCache(ttl time.Duration) *reportCache {
	return &reportCache{ttl: ttl, entries: make(map[int64]reportEntry)}
}

func (c *reportCache) get(id int64) (*Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *reportCache) put(x *Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = reportEntry{value: x, stored: time.Now()}
}

// touchReports stamps each report while holding its row lock.
func touchReports(locks map[int64]*sync.Mutex, items []Report) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *reportCache) sweep() int {
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

// WaitForReport polls until the report leaves the pending state.
func WaitForReport(ctx context.Context, store *ReportStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != ReportPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshReports reloads the cache until stop is closed.
func refreshReports(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload reports", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}

var reportCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validReportCode reports whether code looks like ABC-12345.
func validReportCode(code string) bool {
	return reportCodeRE.MatchString(code)
}

// reportReferences finds the report codes mentioned in a free-text note.
func reportReferences(note string) []string {
	return reportRefRE.FindAllString(note, -1)
}

// knownReportStatus reports whether status is one the reports table accepts.
func knownReportStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
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

// reportTotals sums the totals per status.
func reportTotals(items []Report) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// reportPercentile returns the p-th percentile (0..100) of the totals.
func reportPercentile(items []Report, p float64) int64 {
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

// topReports returns the n reports with the largest totals.
func topReports(items []Report, n int) []Report {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
}

// parseReportLabels parses "key=value" pairs separated by commas.
func parseReportLabels(s string) (map[string]string, error) {
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

// normalizeReportName trims, collapses spaces and drops control characters.
func normalizeReportName(name string) string {
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

// sameReportOwner compares two owner e-mail addresses.
func sameReportOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ArchiveReport closes the report with the given id and records who did it.
func ArchiveReport(ctx context.Context, store *ReportStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == ReportClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isReportRetryable reports whether err is worth another attempt.
func isReportRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
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

// ReadReportsExport loads at most limit bytes of the reports export at path.
func ReadReportsExport(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// SaveReportsExport writes the reports export, creating its directory.
func SaveReportsExport(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
