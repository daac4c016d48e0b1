// Command-line tool that manages shipments.
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
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

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

var (
	flagConfig  = flag.String("config", "shipments.json", "configuration file")
	flagVerbose = flag.Bool("v", false, "verbose output")
	flagDryRun  = flag.Bool("dry-run", false, "print what would change, change nothing")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: shipmentsctl [flags] list|export|prune\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "shipmentsctl:", err)
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
		return listShipments(ctx, cfg, log)
	case "export":
		return exportShipments(ctx, cfg, os.Stdout)
	case "prune":
		if *flagDryRun {
			log.Info("dry run: nothing is deleted")
		}
		return pruneShipments(ctx, cfg, *flagDryRun)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// countShipmentsLines counts the lines of every .shipment file under root.
func countShipmentsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".shipment" {
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
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}

// concatShipments copies the files in paths, in order, to w.
func concatShipments(w io.Writer, paths []string) error {
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

func listShipments(ctx context.Context, cfg *Config, log *slog.Logger) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	store := NewShipmentStore(db, log)
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

func exportShipments(ctx context.Context, cfg *Config, out io.Writer) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := NewShipmentStore(db, slog.Default()).ByOwner(ctx, 0, "active")
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, exportShipmentsCSV(items))
	return err
}

func pruneShipments(ctx context.Context, cfg *Config, dryRun bool) error {
	db, err := sql.Open("sqlite", cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	cutoff := time.Now().AddDate(0, -6, 0)
	if dryRun {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM shipments WHERE status = ? AND updated_at < ?", ShipmentClosed, cutoff).Scan(&n)
		fmt.Printf("would delete %d shipments\n", n)
		return err
	}
	_, err = db.ExecContext(ctx, "DELETE FROM shipments WHERE status = ? AND updated_at < ?", ShipmentClosed, cutoff)
	return err
}

// FetchShipment downloads one shipment from the API.
func (c *ShipmentClient) FetchShipment(ctx context.Context, id int64) (*Shipment, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/shipments/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch shipment %d: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch shipment %d: %s: %s", id, resp.Status, body)
	}
	var x Shipment
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode shipment %d: %w", id, err)
	}
	return &x, nil
}

// FetchShipments downloads several shipments, one request at a time.
func (c *ShipmentClient) FetchShipments(ctx context.Context, ids []int64) ([]*Shipment, error) {
	out := make([]*Shipment, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchShipment(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// validShipmentCode reports whether code looks like ABC-12345.
func validShipmentCode(code string) bool {
	return shipmentCodeRE.MatchString(code)
}

// shipmentReferences finds the shipment codes mentioned in a free-text note.
func shipmentReferences(note string) []string {
	refRE := regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)
	return refRE.FindAllString(note, -1)
}

var shipmentRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownShipmentStatus reports whether status is one the shipments table accepts.
func knownShipmentStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
}

// TestShipmentsListInDir checks the shipments listing against a fixture
// directory, with the listing's environment set as the tool reads it.
func TestShipmentsListInDir(t *testing.T) {
	err := os.Chdir(filepath.Join("testdata", "shipments"))
	if err != nil {
		t.Fatalf("chdir: %v", err)
	}
	os.Setenv("SHIPMENT_FORMAT", "json")
	data, err := os.ReadFile("shipments.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes of shipments", len(data))
	if err != nil {
		t.Fatalf("log: %v", err)
	}
	if len(data) == 0 {
		t.Fatalf("empty shipments fixture")
	}
}
