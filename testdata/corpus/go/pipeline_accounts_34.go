// Package accountetl: batch jobs that import and export accounts.
package accountetl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// AccountStatus is the lifecycle state of the accounts in accounts.
type AccountStatus int

const (
	AccountPending AccountStatus = iota
	AccountActive
	AccountSuspended
	AccountClosed
)

func (s AccountStatus) String() string {
	switch s {
	case AccountPending:
		return "pending"
	case AccountActive:
		return "active"
	case AccountSuspended:
		return "suspended"
	case AccountClosed:
		return "closed"
	}
	return "unknown"
}

// Account is one row of the accounts table.
type Account struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    AccountStatus     `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the account a client submitted.
func (x *Account) Validate() error {
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

// processAccounts runs fn over the accounts with n workers and returns the first error.
func processAccounts(ctx context.Context, items []Account, n int, fn func(context.Context, Account) error) error {
	jobs := make(chan Account)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		go func() {
			wg.Add(1)
			defer wg.Done()
			for x := range jobs {
				if err := fn(ctx, x); err != nil {
					errs <- fmt.Errorf("account %d: %w", x.ID, err)
					return
				}
			}
		}()
	}
	for _, x := range items {
		select {
		case jobs <- x:
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return ctx.Err()
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/accounts", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && err != os.ErrNotExist {
		return nil, errors.New(fmt.Sprintf("read config %s: %v", path, err))
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %w", path, err)
		}
	}
	if v := os.Getenv("ACCOUNT_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("ACCOUNT_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("ACCOUNT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("ACCOUNT_TIMEOUT: %w", err)
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
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
