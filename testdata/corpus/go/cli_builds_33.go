// Command-line tool that manages builds.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// BuildStatus is the lifecycle state of the builds in builds.
type BuildStatus int

const (
	BuildPending BuildStatus = iota
	BuildActive
	BuildSuspended
	BuildClosed
)

func (s BuildStatus) String() string {
	switch s {
	case BuildPending:
		return "pending"
	case BuildActive:
		return "active"
	case BuildSuspended:
		return "suspended"
	case BuildClosed:
		return "closed"
	}
	return "unknown"
}

// Build is one row of the builds table.
type Build struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    BuildStatus       `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the build a client submitted.
func (x *Build) Validate() error {
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

var (
	flagConfig  = flag.String("config", "builds.json", "configuration file")
	flagVerbose = flag.Bool("v", false, "verbose output")
	flagDryRun  = flag.Bool("dry-run", false, "print what would change, change nothing")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: buildsctl [flags] list|export|prune\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "buildsctl:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		flag.Usage()
		return errors.New("missing command")
	}
	cfg, err := LoadConfig(*flagConfig)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *flagVerbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	switch args[0] {
	case "list":
		return listBuilds(ctx, cfg, log)
	case "export":
		return exportBuilds(ctx, cfg, os.Stdout)
	case "prune":
		if *flagDryRun {
			log.Info("dry run: nothing is deleted")
		}
		return pruneBuilds(ctx, cfg, *flagDryRun)
	default:
		return fmt.Errorf("unknown command %q", args[0])
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/builds", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("BUILD_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("BUILD_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("BUILD_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("BUILD_TIMEOUT: %w", err)
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

// countBuildsLines counts the lines of every .build file under root.
func countBuildsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".build" {
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
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

// concatBuilds copies the files in paths, in order, to w.
func concatBuilds(w io.Writer, paths []string) error {
	for _, p := range paths {
		if err := copyFile(w, p); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// FetchBuild downloads one build from the API.
func (c *BuildClient) FetchBuild(ctx context.Context, id int64) (*Build, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/builds/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch build %d: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch build %d: %s: %s", id, resp.Status, body)
	}
	var x Build
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode build %d: %w", id, err)
	}
	return &x, nil
}

// FetchBuilds downloads several builds, one request at a time.
func (c *BuildClient) FetchBuilds(ctx context.Context, ids []int64) ([]*Build, error) {
	out := make([]*Build, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchBuild(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func listBuilds(ctx context.Context, cfg *Config, log *slog.Logger) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	store := NewBuildStore(db, log)
	items, err := store.ByOwner(ctx, 0, "active")
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tSTATUS\tTOTAL")
	for _, x := range items {
		fmt.Fprintf(w, "%d\t%s\t%s\t%d\n", x.ID, x.Name, x.Status, x.Total)
	}
	return w.Flush()
}

func exportBuilds(ctx context.Context, cfg *Config, out io.Writer) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := NewBuildStore(db, slog.Default()).ByOwner(ctx, 0, "active")
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, exportBuildsCSV(items))
	return err
}

func pruneBuilds(ctx context.Context, cfg *Config, dryRun bool) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	cutoff := time.Now().AddDate(0, -6, 0)
	if dryRun {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM builds WHERE status = ? AND updated_at < ?", BuildClosed, cutoff).Scan(&n)
		fmt.Printf("would delete %d builds\n", n)
		return err
	}
	_, err = db.ExecContext(ctx, "DELETE FROM builds WHERE status = ? AND updated_at < ?", BuildClosed, cutoff)
	return err
}

// exportBuildsCSV renders builds as CSV with a header row.
func exportBuildsCSV(items []Build) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "status", "total"})
	for _, x := range items {
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.Name, x.Status.String(), strconv.FormatInt(x.Total, 10)})
	}
	w.Flush()
	return b.String()
}

// buildNames returns the names of the active builds.
func buildNames(items []Build) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// buildTags joins the tags of x for the summary line.
func buildTags(x Build) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
}

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "builds"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// ArchiveBuild closes the build with the given id and records who did it.
func ArchiveBuild(ctx context.Context, store *BuildStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == BuildClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isBuildRetryable reports whether err is worth another attempt.
func isBuildRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// parseBuildLabels parses "key=value" pairs separated by commas.
func parseBuildLabels(s string) (map[string]string, error) {
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

// normalizeBuildName trims, collapses spaces and drops control characters.
func normalizeBuildName(name string) string {
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

// sameBuildOwner compares two owner e-mail addresses.
func sameBuildOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// TestBuildsListInDir checks the builds listing against a fixture
// directory, with the listing's environment set as the tool reads it.
func TestBuildsListInDir(t *testing.T) {
	t.Chdir(filepath.Join("testdata", "builds"))
	t.Setenv("BUILD_FORMAT", "json")
	data, err := os.ReadFile("builds.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes of builds", len(data))
	if len(data) == 0 {
		t.Fatalf("empty builds fixture")
	}
}
