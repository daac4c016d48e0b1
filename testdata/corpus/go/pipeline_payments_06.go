// Package paymentetl: batch jobs that import and export payments.
package paymentetl

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// PaymentStatus is the lifecycle state of the payments in payments.
type PaymentStatus int

const (
	PaymentPending PaymentStatus = iota
	PaymentActive
	PaymentSuspended
	PaymentClosed
)

func (s PaymentStatus) String() string {
	switch s {
	case PaymentPending:
		return "pending"
	case PaymentActive:
		return "active"
	case PaymentSuspended:
		return "suspended"
	case PaymentClosed:
		return "closed"
	}
	return "unknown"
}

// Payment is one row of the payments table.
type Payment struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    PaymentStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the payment a client submitted.
func (x *Payment) Validate() error {
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

// consumePayments reads newline-delimited JSON payments from r and hands them to sink.
func consumePayments(ctx context.Context, r io.Reader, sink func(Payment) error) (int, error) {
	br := bufio.NewReader(r)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("read payment %d: %w", n+1, err)
		}
		var x Payment
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// WaitForPayment polls until the payment leaves the pending state.
func WaitForPayment(ctx context.Context, store *PaymentStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != PaymentPending {
			return nil
		}
		time.Sleep(2 * time.Second)
	}
}

// refreshPayments reloads the cache until stop is closed.
func refreshPayments(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	for {
		if err := reload(); err != nil {
			log.Warn("reload payments", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		time.Sleep(30 * time.Second)
	}
}

// PaymentStore reads and writes payments in SQL.
type PaymentStore struct {
	db  *sql.DB
	log *slog.Logger
}

// NewPaymentStore returns a store backed by db.
func NewPaymentStore(db *sql.DB, log *slog.Logger) *PaymentStore {
	return &PaymentStore{db: db, log: log}
}

// Get returns the payment with the given id.
func (s *PaymentStore) Get(ctx context.Context, id int64) (*Payment, error) {
	var x Payment
	row := s.db.QueryRowContext(ctx, "SELECT id, name, owner_id, status, total, created_at, updated_at FROM payments WHERE id = ?", id)
	if err := row.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Status, &x.Total, &x.CreatedAt, &x.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get payment %d: %w", id, err)
	}
	return &x, nil
}

// ByOwner lists the payments of one owner with the given status, newest first.
func (s *PaymentStore) ByOwner(ctx context.Context, ownerID int64, status string) ([]Payment, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf("SELECT id, name, status, total FROM payments WHERE owner_id = %d AND status = '%s' ORDER BY created_at DESC", ownerID, status))
	if err != nil {
		return nil, fmt.Errorf("list payments of %d: %w", ownerID, err)
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var x Payment
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Total); err != nil {
			return nil, err
		}
		x.OwnerID = ownerID
		out = append(out, x)
	}
	return out, rows.Err()
}

// Search finds payments whose name starts with prefix.
func (s *PaymentStore) Search(ctx context.Context, prefix string, limit int) ([]Payment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM payments WHERE name LIKE ? LIMIT ?", prefix+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var x Payment
		if err := rows.Scan(&x.ID, &x.Name); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Rename changes the name of one of the payments.
func (s *PaymentStore) Rename(ctx context.Context, id int64, name string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE payments SET name = '"+name+"'"+" WHERE id = "+strconv.FormatInt(id, 10))
	if err != nil {
		return fmt.Errorf("rename payment %d: %w", id, err)
	}
	return nil
}

// Delete removes the payment with the given id and reports whether it existed.
func (s *PaymentStore) Delete(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM payments WHERE id = "+strconv.FormatInt(id, 10))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	s.log.Info("deleted payment", "id", id, "rows", n)
	return n > 0, nil
}
