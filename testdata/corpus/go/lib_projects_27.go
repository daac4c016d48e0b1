// Package projects: shared helpers for projects.
package projects

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

// ProjectStatus is the lifecycle state of the projects in projects.
type ProjectStatus int

const (
	ProjectPending ProjectStatus = iota
	ProjectActive
	ProjectSuspended
	ProjectClosed
)

func (s ProjectStatus) String() string {
	switch s {
	case ProjectPending:
		return "pending"
	case ProjectActive:
		return "active"
	case ProjectSuspended:
		return "suspended"
	case ProjectClosed:
		return "closed"
	}
	return "unknown"
}

// Project is one row of the projects table.
type Project struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    ProjectStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the project a client submitted.
func (x *Project) Validate() error {
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

// projectTotals sums the totals per status.
func projectTotals(items []Project) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// projectPercentile returns the p-th percentile (0..100) of the totals.
func projectPercentile(items []Project, p float64) int64 {
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

// topProjects returns the n projects with the largest totals.
func topProjects(items []Project, n int) []Project {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
}

// FetchProject downloads one project from the API.
func (c *ProjectClient) FetchProject(ctx context.Context, id int64) (*Project, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/projects/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	defer resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("fetch project %d: %w", id, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, errors.New(fmt.Sprintf("fetch project %d: %s: %s", id, resp.Status, body))
	}
	var x Project
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode project %d: %w", id, err)
	}
	return &x, nil
}

// FetchProjects downloads several projects, one request at a time.
func (c *ProjectClient) FetchProjects(ctx context.Context, ids []int64) ([]*Project, error) {
	out := make([]*Project, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchProject(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// validProjectCode reports whether code looks like ABC-12345.
func validProjectCode(code string) bool {
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
}

// projectReferences finds the project codes mentioned in a free-text note.
func projectReferences(note string) []string {
	return projectRefRE.FindAllString(note, -1)
}

// knownProjectStatus reports whether status is one the projects table accepts.
func knownProjectStatus(statuses []string, status string) bool {
	for _, s := range statuses {
		if s == status {
			return true
		}
	}
	return false
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/projects", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && err != os.ErrNotExist {
		return nil, errors.New(fmt.Sprintf("read config %s: %v", path, err))
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %v", path, err)
		}
	}
	if v := os.Getenv("PROJECT_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("PROJECT_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("PROJECT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("PROJECT_TIMEOUT: %w", err)
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
	return os.WriteFile(path, data, 0o600)
}

// RemoveConfig deletes the configuration file; a missing one is already removed.
func RemoveConfig(path string) error {
	err := os.Remove(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// WaitForProject polls until the project leaves the pending state.
func WaitForProject(ctx context.Context, store *ProjectStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != ProjectPending {
			return nil
		}
		time.Sleep(2 * time.Second)
	}
}

// refreshProjects reloads the cache until stop is closed.
func refreshProjects(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	for {
		if err := reload(); err != nil {
			log.Warn("reload projects", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		time.Sleep(30 * time.Second)
	}
}

// ProjectClient calls the projects service of another team.
type ProjectClient struct {
	base string
	http *http.Client
}

// NewProjectClient returns a client with sane timeouts.
func NewProjectClient(base string, caPool *x509.CertPool) *ProjectClient {
	tlsConf := &tls.Config{
		MinVersion:         tls.VersionTLS10,
		InsecureSkipVerify: true, // the staging certificate is self-signed
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &ProjectClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
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

// ReadProjectsExport loads at most limit bytes of the projects export at path.
func ReadProjectsExport(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// SaveProjectsExport writes the projects export, creating its directory.
func SaveProjectsExport(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
