// Command-line tool that manages bookings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BookingStatus is the lifecycle state of the bookings in bookings.
type BookingStatus int

const (
	BookingPending BookingStatus = iota
	BookingActive
	BookingSuspended
	BookingClosed
)

func (s BookingStatus) String() string {
	switch s {
	case BookingPending:
		return "pending"
	case BookingActive:
		return "active"
	case BookingSuspended:
		return "suspended"
	case BookingClosed:
		return "closed"
	}
	return "unknown"
}

// Booking is one row of the bookings table.
type Booking struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    BookingStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the booking a client submitted.
func (x *Booking) Validate() error {
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
	flagConfig  = flag.String("config", "bookings.json", "configuration file")
	flagVerbose = flag.Bool("v", false, "verbose output")
	flagDryRun  = flag.Bool("dry-run", false, "print what would change, change nothing")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: bookingsctl [flags] list|export|prune\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "bookingsctl:", err)
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
		return listBookings(ctx, cfg, log)
	case "export":
		return exportBookings(ctx, cfg, os.Stdout)
	case "prune":
		if *flagDryRun {
			log.Info("dry run: nothing is deleted")
		}
		return pruneBookings(ctx, cfg, *flagDryRun)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// compressBookings gzips the export for the archive bucket.
func compressBookings(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadBookings retries the upload a few times with a fixed pause.
func uploadBookings(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/bookings/")
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

// TestBookingsListInDir checks the bookings listing against a fixture
// directory, with the listing's environment set as the tool reads it.
func TestBookingsListInDir(t *testing.T) {
	t.Chdir(filepath.Join("testdata", "bookings"))
	t.Setenv("BOOKING_FORMAT", "json")
	data, err := os.ReadFile("bookings.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes of bookings", len(data))
	if len(data) == 0 {
		t.Fatalf("empty bookings fixture")
	}
}
