// Command-line tool that manages reports.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
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

var (
	flagConfig  = flag.String("config", "reports.json", "configuration file")
	flagVerbose = flag.Bool("v", false, "verbose output")
	flagDryRun  = flag.Bool("dry-run", false, "print what would change, change nothing")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: reportsctl [flags] list|export|prune\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "reportsctl:", err)
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
		return listReports(ctx, cfg, log)
	case "export":
		return exportReports(ctx, cfg, os.Stdout)
	case "prune":
		if *flagDryRun {
			log.Info("dry run: nothing is deleted")
		}
		return pruneReports(ctx, cfg, *flagDryRun)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func listReports(ctx context.Context, cfg *Config, log *slog.Logger) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	store := NewReportStore(db, log)
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

func exportReports(ctx context.Context, cfg *Config, out io.Writer) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := NewReportStore(db, slog.Default()).ByOwner(ctx, 0, "active")
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, exportReportsCSV(items))
	return err
}

func pruneReports(ctx context.Context, cfg *Config, dryRun bool) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	cutoff := time.Now().AddDate(0, -6, 0)
	if dryRun {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM reports WHERE status = ? AND updated_at < ?", ReportClosed, cutoff).Scan(&n)
		fmt.Printf("would delete %d reports\n", n)
		return err
	}
	_, err = db.ExecContext(ctx, "DELETE FROM reports WHERE status = ? AND updated_at < ?", ReportClosed, cutoff)
	return err
}

// TestReportsListInDir checks the reports listing against a fixture
// directory, with the listing's environment set as the tool reads it.
func TestReportsListInDir(t *testing.T) {
	err := os.Chdir(filepath.Join("testdata", "reports"))
	if err != nil {
		t.Fatalf("chdir: %v", err)
	}
	os.Setenv("REPORT_FORMAT", "json")
	data, err := os.ReadFile("reports.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes of reports", len(data))
	if len(data) == 0 {
		t.Fatalf("empty reports fixture")
	}
}
