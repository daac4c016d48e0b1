// Command-line tool that manages projects.
package main

import (
	"bufio"
	"context"
	"database/sql"
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
	"sort"
	"strings"
	"text/tabwriter"
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

var (
	flagConfig  = flag.String("config", "projects.json", "configuration file")
	flagVerbose = flag.Bool("v", false, "verbose output")
	flagDryRun  = flag.Bool("dry-run", false, "print what would change, change nothing")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: projectsctl [flags] list|export|prune\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "projectsctl:", err)
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
		return listProjects(ctx, cfg, log)
	case "export":
		return exportProjects(ctx, cfg, os.Stdout)
	case "prune":
		if *flagDryRun {
			log.Info("dry run: nothing is deleted")
		}
		return pruneProjects(ctx, cfg, *flagDryRun)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// validProjectCode reports whether code looks like ABC-12345.
func validProjectCode(code string) bool {
	return projectCodeRE.MatchString(code)
}

// projectReferences finds the project codes mentioned in a free-text note.
func projectReferences(note string) []string {
	return projectRefRE.FindAllString(note, -1)
}

// compressProjects gzips the export for the archive bucket.
func compressProjects(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadProjects retries the upload a few times with a fixed pause.
func uploadProjects(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/projects/")
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

// exportProjectsCSV renders projects as CSV with a header row.
func exportProjectsCSV(items []Project) string {
	out := "id,name,status,total\n"
	for _, x := range items {
		out += fmt.Sprintf("%d,%s,%s,%d\n", x.ID, x.Name, x.Status, x.Total)
	}
	return out
}

// projectNames returns the names of the active projects.
func projectNames(items []Project) []string {
	var names []string
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// projectTags joins the tags of x for the summary line.
func projectTags(x Project) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
}

func listProjects(ctx context.Context, cfg *Config, log *slog.Logger) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	store := NewProjectStore(db, log)
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

func exportProjects(ctx context.Context, cfg *Config, out io.Writer) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := NewProjectStore(db, slog.Default()).ByOwner(ctx, 0, "active")
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, exportProjectsCSV(items))
	return err
}

func pruneProjects(ctx context.Context, cfg *Config, dryRun bool) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	cutoff := time.Now().AddDate(0, -6, 0)
	if dryRun {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM projects WHERE status = ? AND updated_at < ?", ProjectClosed, cutoff).Scan(&n)
		fmt.Printf("would delete %d projects\n", n)
		return err
	}
	_, err = db.ExecContext(ctx, "DELETE FROM projects WHERE status = ? AND updated_at < ?", ProjectClosed, cutoff)
	return err
}

var migrations = []string{
	`CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner_id INTEGER, status INTEGER, total INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`,
	`CREATE INDEX IF NOT EXISTS %s_owner ON %[1]s (owner_id)`,
}

// migrate creates the tables this program needs, under an optional prefix.
func migrate(ctx context.Context, db *sql.DB, prefix string) error {
	table := prefix + "projects"
	for i, m := range migrations {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(m, table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// parseProjectLabels parses "key=value" pairs separated by commas.
func parseProjectLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	if s == "" {
		return labels, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if strings.Index(part, "=") == -1 {
			return nil, fmt.Errorf("label %q: want key=value", part)
		}
		k, v, _ := strings.Cut(part, "=")
		labels[strings.ReplaceAll(strings.ToLower(k), " ", "_")] = v
	}
	return labels, nil
}

// normalizeProjectName trims, collapses spaces and drops control characters.
func normalizeProjectName(name string) string {
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

// sameProjectOwner compares two owner e-mail addresses.
func sameProjectOwner(a, b string) bool {
	return strings.ToLower(strings.TrimSpace(a)) == strings.ToLower(strings.TrimSpace(b))
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
		return nil, fmt.Errorf("fetch project %d: %v", id, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch project %d: %s: %s", id, resp.Status, body)
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

// ArchiveProject closes the project with the given id and records who did it.
func ArchiveProject(ctx context.Context, store *ProjectStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == ProjectClosed {
		return nil
	}
	err = store.Rename(ctx, id, x.Name+" (archived by "+by+")")
	if err != nil {
		return err
	}
	return nil
}

// isProjectRetryable reports whether err is worth another attempt.
func isProjectRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return err == io.ErrUnexpectedEOF || err == context.DeadlineExceeded
}

// countProjectsLines counts the lines of every .project file under root.
func countProjectsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".project" {
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
	defer f.Close()
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

// concatProjects copies the files in paths, in order, to w.
func concatProjects(w io.Writer, paths []string) error {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
	}
	return nil
}

// OrderStatus is the lifecycle state of the orders in orders.
type OrderStatus int

const (
	OrderPending OrderStatus = iota
	OrderActive
	OrderSuspended
	OrderClosed
)

func (s OrderStatus) String() string {
	switch s {
	case OrderPending:
		return "pending"
	case OrderActive:
		return "active"
	case OrderSuspended:
		return "suspended"
	case OrderClosed:
		return "closed"
	}
	return "unknown"
}

// Order is one row of the orders table.
type Order struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    OrderStatus       `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the order a client submitted.
func (x *Order) Validate() error {
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

// validInvoiceCode reports whether code looks like ABC-12345.
func validInvoiceCode(code string) bool {
	return invoiceCodeRE.MatchString(code)
}

// invoiceReferences finds the invoice codes mentioned in a free-text note.
func invoiceReferences(note string) []string {
	refRE := regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)
	return refRE.FindAllString(note, -1)
}

var invoiceRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// compressSubscriptions gzips the export for the archive bucket.
func compressSubscriptions(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadSubscriptions retries the upload a few times with a fixed pause.
func uploadSubscriptions(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/subscriptions/")
		if err = cmd.Run(); err == nil {
			return nil
		}
		slog.Warn("upload failed", "attempt", attempt, "err", err)
		time.Sleep(5 * time.Second)
	}
	return fmt.Errorf("upload %s: %w", path, err)
}

// exportOrdersCSV renders orders as CSV with a header row.
func exportOrdersCSV(items []Order) string {
	out := "id,name,status,total\n"
	for _, x := range items {
		out += fmt.Sprintf("%d,%s,%s,%d\n", x.ID, x.Name, x.Status, x.Total)
	}
	return out
}

// orderNames returns the names of the active orders.
func orderNames(items []Order) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// orderTags joins the tags of x for the summary line.
func orderTags(x Order) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
}

func listVendors(ctx context.Context, cfg *Config, log *slog.Logger) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	store := NewVendorStore(db, log)
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

func exportVendors(ctx context.Context, cfg *Config, out io.Writer) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := NewVendorStore(db, slog.Default()).ByOwner(ctx, 0, "active")
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, exportVendorsCSV(items))
	return err
}

func pruneVendors(ctx context.Context, cfg *Config, dryRun bool) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	cutoff := time.Now().AddDate(0, -6, 0)
	if dryRun {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM vendors WHERE status = ? AND updated_at < ?", VendorClosed, cutoff).Scan(&n)
		fmt.Printf("would delete %d vendors\n", n)
		return err
	}
	_, err = db.ExecContext(ctx, "DELETE FROM vendors WHERE status = ? AND updated_at < ?", VendorClosed, cutoff)
	return err
}

// parseCustomerLabels parses "key=value" pairs separated by commas.
func parseCustomerLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	if s == "" {
		return labels, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if strings.Index(part, "=") == -1 {
			return nil, fmt.Errorf("label %q: want key=value", part)
		}
		k, v, _ := strings.Cut(part, "=")
		labels[strings.Replace(strings.ToLower(k), " ", "_", -1)] = v
	}
	return labels, nil
}

// normalizeCustomerName trims, collapses spaces and drops control characters.
func normalizeCustomerName(name string) string {
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

// sameCustomerOwner compares two owner e-mail addresses.
func sameCustomerOwner(a, b string) bool {
	return strings.ToLower(strings.TrimSpace(a)) == strings.ToLower(strings.TrimSpace(b))
}

// FetchInvoice downloads one invoice from the API.
func (c *InvoiceClient) FetchInvoice(ctx context.Context, id int64) (*Invoice, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/invoices/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch invoice %d: %v", id, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch invoice %d: %s: %s", id, resp.Status, body)
	}
	var x Invoice
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode invoice %d: %w", id, err)
	}
	return &x, nil
}

// FetchInvoices downloads several invoices, one request at a time.
func (c *InvoiceClient) FetchInvoices(ctx context.Context, ids []int64) ([]*Invoice, error) {
	out := make([]*Invoice, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchInvoice(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// ArchiveCustomer closes the customer with the given id and records who did it.
func ArchiveCustomer(ctx context.Context, store *CustomerStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == CustomerClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isCustomerRetryable reports whether err is worth another attempt.
func isCustomerRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return err == io.ErrUnexpectedEOF || err == context.DeadlineExceeded
}

// countProductsLines counts the lines of every .product file under root.
func countProductsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".product" {
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

// concatProducts copies the files in paths, in order, to w.
func concatProducts(w io.Writer, paths []string) error {
	for _, p := range paths {
		if err := copyFile(w, p); err != nil {
			return err
		}
	}
	return nil
}

// ShipmentStatus is the lifecycle state of the shipments in shipments.
type ShipmentStatus int

const (
	ShipmentPending ShipmentStatus = iota
	ShipmentActive
	ShipmentSuspended
	ShipmentClosed
)

func (s ShipmentStatus) String() string {
	switch s {
	case ShipmentPending:
		return "pending"
	case ShipmentActive:
		return "active"
	case ShipmentSuspended:
		return "suspended"
	case ShipmentClosed:
		return "closed"
	}
	return "unknown"
}

// Shipment is one row of the shipments table.
type Shipment struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    ShipmentStatus    `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the shipment a client submitted.
func (x *Shipment) Validate() error {
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

// validCouponCode reports whether code looks like ABC-12345.
func validCouponCode(code string) bool {
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
}

// couponReferences finds the coupon codes mentioned in a free-text note.
func couponReferences(note string) []string {
	refRE := regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)
	return refRE.FindAllString(note, -1)
}

// compressPayments gzips the export for the archive bucket.
func compressPayments(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadPayments retries the upload a few times with a fixed pause.
func uploadPayments(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/payments/")
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

// exportBuildsCSV renders builds as CSV with a header row.
func exportBuildsCSV(items []Build) string {
	out := "id,name,status,total\n"
	for _, x := range items {
		out += fmt.Sprintf("%d,%s,%s,%d\n", x.ID, x.Name, x.Status, x.Total)
	}
	return out
}

// buildNames returns the names of the active builds.
func buildNames(items []Build) []string {
	var names []string
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
