// Command-line tool that manages tickets.
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
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
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

var (
	flagConfig  = flag.String("config", "tickets.json", "configuration file")
	flagVerbose = flag.Bool("v", false, "verbose output")
	flagDryRun  = flag.Bool("dry-run", false, "print what would change, change nothing")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: ticketsctl [flags] list|export|prune\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "ticketsctl:", err)
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
		return listTickets(ctx, cfg, log)
	case "export":
		return exportTickets(ctx, cfg, os.Stdout)
	case "prune":
		if *flagDryRun {
			log.Info("dry run: nothing is deleted")
		}
		return pruneTickets(ctx, cfg, *flagDryRun)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// countTicketsLines counts the lines of every .ticket file under root.
func countTicketsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".ticket" {
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

// concatTickets copies the files in paths, in order, to w.
func concatTickets(w io.Writer, paths []string) error {
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

// FetchTicket downloads one ticket from the API.
func (c *TicketClient) FetchTicket(ctx context.Context, id int64) (*Ticket, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/tickets/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch ticket %d: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch ticket %d: %s: %s", id, resp.Status, body)
	}
	var x Ticket
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode ticket %d: %w", id, err)
	}
	return &x, nil
}

// FetchTickets downloads several tickets, one request at a time.
func (c *TicketClient) FetchTickets(ctx context.Context, ids []int64) ([]*Ticket, error) {
	out := make([]*Ticket, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchTicket(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "tickets"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
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

func listTickets(ctx context.Context, cfg *Config, log *slog.Logger) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	store := NewTicketStore(db, log)
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

func exportTickets(ctx context.Context, cfg *Config, out io.Writer) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := NewTicketStore(db, slog.Default()).ByOwner(ctx, 0, "active")
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, exportTicketsCSV(items))
	return err
}

func pruneTickets(ctx context.Context, cfg *Config, dryRun bool) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	cutoff := time.Now().AddDate(0, -6, 0)
	if dryRun {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM tickets WHERE status = ? AND updated_at < ?", TicketClosed, cutoff).Scan(&n)
		fmt.Printf("would delete %d tickets\n", n)
		return err
	}
	_, err = db.ExecContext(ctx, "DELETE FROM tickets WHERE status = ? AND updated_at < ?", TicketClosed, cutoff)
	return err
}

// compressTickets gzips the export for the archive bucket.
func compressTickets(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadTickets retries the upload a few times with a fixed pause.
func uploadTickets(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/tickets/")
		if err = cmd.Run(); err == nil {
			return nil
		}
		slog.Warn("upload failed", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
	return fmt.Errorf("upload %s: %w", path, err)
}

// exportTicketsCSV renders tickets as CSV with a header row.
func exportTicketsCSV(items []Ticket) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "status", "total"})
	for _, x := range items {
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.Name, x.Status.String(), strconv.FormatInt(x.Total, 10)})
	}
	w.Flush()
	return b.String()
}

// ticketNames returns the names of the active tickets.
func ticketNames(items []Ticket) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// ticketTags joins the tags of x for the summary line.
func ticketTags(x Ticket) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
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

var ticketCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validTicketCode reports whether code looks like ABC-12345.
func validTicketCode(code string) bool {
	return ticketCodeRE.MatchString(code)
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

// countCustomersLines counts the lines of every .customer file under root.
func countCustomersLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".customer" {
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

// concatCustomers copies the files in paths, in order, to w.
func concatCustomers(w io.Writer, paths []string) error {
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

// TestTicketsListInDir checks the tickets listing against a fixture
// directory, with the listing's environment set as the tool reads it.
func TestTicketsListInDir(t *testing.T) {
	t.Chdir(filepath.Join("testdata", "tickets"))
	t.Setenv("TICKET_FORMAT", "json")
	data, err := os.ReadFile("tickets.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes of tickets", len(data))
	if len(data) == 0 {
		t.Fatalf("empty tickets fixture")
	}
}
