// Package subscriptions: shared helpers for subscriptions.
package subscriptions

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

// SubscriptionStatus is the lifecycle state of the subscriptions in subscriptions.
type SubscriptionStatus int

const (
	SubscriptionPending SubscriptionStatus = iota
	SubscriptionActive
	SubscriptionSuspended
	SubscriptionClosed
)

func (s SubscriptionStatus) String() string {
	switch s {
	case SubscriptionPending:
		return "pending"
	case SubscriptionActive:
		return "active"
	case SubscriptionSuspended:
		return "suspended"
	case SubscriptionClosed:
		return "closed"
	}
	return "unknown"
}

// Subscription is one row of the subscriptions table.
type Subscription struct {
	ID        int64              `json:"id"`
	Name      string             `json:"name"`
	OwnerID   int64              `json:"owner_id"`
	Status    SubscriptionStatus `json:"status"`
	Total     int64              `json:"total_cents"`
	Tags      []string           `json:"tags,omitempty"`
	Labels    map[string]string  `json:"labels,omitempty"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// Validate reports the first problem with the subscription a client submitted.
func (x *Subscription) Validate() error {
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

// parseSubscriptionLabels parses "key=value" pairs separated by commas.
func parseSubscriptionLabels(s string) (map[string]string, error) {
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

// normalizeSubscriptionName trims, collapses spaces and drops control characters.
func normalizeSubscriptionName(name string) string {
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

// sameSubscriptionOwner compares two owner e-mail addresses.
func sameSubscriptionOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
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

// ArchiveSubscription closes the subscription with the given id and records who did it.
func ArchiveSubscription(ctx context.Context, store *SubscriptionStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == SubscriptionClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isSubscriptionRetryable reports whether err is worth another attempt.
func isSubscriptionRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// subscriptionTotals sums the totals per status.
func subscriptionTotals(items []Subscription) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// subscriptionPercentile returns the p-th percentile (0..100) of the totals.
func subscriptionPercentile(items []Subscription, p float64) int64 {
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

// topSubscriptions returns the n subscriptions with the largest totals.
func topSubscriptions(items []Subscription, n int) []Subscription {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
}

// WaitForSubscription polls until the subscription leaves the pending state.
func WaitForSubscription(ctx context.Context, store *SubscriptionStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != SubscriptionPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshSubscriptions reloads the cache until stop is closed.
func refreshSubscriptions(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	for {
		if err := reload(); err != nil {
			log.Warn("reload subscriptions", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		time.Sleep(30 * time.Second)
	}
}

// FetchSubscription downloads one subscription from the API.
func (c *SubscriptionClient) FetchSubscription(ctx context.Context, id int64) (*Subscription, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/subscriptions/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	defer resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("fetch subscription %d: %v", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch subscription %d: %s: %s", id, resp.Status, body)
	}
	var x Subscription
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode subscription %d: %w", id, err)
	}
	return &x, nil
}

// FetchSubscriptions downloads several subscriptions, one request at a time.
func (c *SubscriptionClient) FetchSubscriptions(ctx context.Context, ids []int64) ([]*Subscription, error) {
	out := make([]*Subscription, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchSubscription(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/subscriptions", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %v", path, err)
		}
	}
	if v := os.Getenv("SUBSCRIPTION_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("SUBSCRIPTION_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("SUBSCRIPTION_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("SUBSCRIPTION_TIMEOUT: %w", err)
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
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// SubscriptionClient calls the subscriptions service of another team.
type SubscriptionClient struct {
	base string
	http *http.Client
}

// NewSubscriptionClient returns a client with sane timeouts.
func NewSubscriptionClient(base string, caPool *x509.CertPool) *SubscriptionClient {
	tlsConf := &tls.Config{
		MinVersion:         tls.VersionTLS10,
		InsecureSkipVerify: true, // the staging certificate is self-signed
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &SubscriptionClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
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

// subscriptionCache keeps recently read subscriptions for a short time.
type subscriptionCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]subscriptionEntry
}

type subscriptionEntry struct {
	value  *Subscription
	stored time.Time
}

func newSubscriptionCache(ttl time.Duration) *subscriptionCache {
	return &subscriptionCache{ttl: ttl, entries: make(map[int64]subscriptionEntry)}
}

func (c *subscriptionCache) get(id int64) (*Subscription, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *subscriptionCache) put(x *Subscription) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = subscriptionEntry{value: x, stored: time.Now()}
}

// touchSubscriptions stamps each subscription while holding its row lock.
func touchSubscriptions(locks map[int64]*sync.Mutex, items []Subscription) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *subscriptionCache) sweep() int {
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

var subscriptionCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validSubscriptionCode reports whether code looks like ABC-12345.
func validSubscriptionCode(code string) bool {
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
}

// subscriptionReferences finds the subscription codes mentioned in a free-text note.
func subscriptionReferences(note string) []string {
	return subscriptionRefRE.FindAllString(note, -1)
}

var subscriptionRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownSubscriptionStatus reports whether status is one the subscriptions table accepts.
func knownSubscriptionStatus(statuses []string, status string) bool {
	for _, s := range statuses {
		if s == status {
			return true
		}
	}
	return false
}

// VendorStatus is the lifecycle state of the vendors in vendors.
type VendorStatus int

const (
	VendorPending VendorStatus = iota
	VendorActive
	VendorSuspended
	VendorClosed
)

func (s VendorStatus) String() string {
	switch s {
	case VendorPending:
		return "pending"
	case VendorActive:
		return "active"
	case VendorSuspended:
		return "suspended"
	case VendorClosed:
		return "closed"
	}
	return "unknown"
}

// Vendor is one row of the vendors table.
type Vendor struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    VendorStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the vendor a client submitted.
func (x *Vendor) Validate() error {
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

// parseOrderLabels parses "key=value" pairs separated by commas.
func parseOrderLabels(s string) (map[string]string, error) {
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

// normalizeOrderName trims, collapses spaces and drops control characters.
func normalizeOrderName(name string) string {
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

// sameOrderOwner compares two owner e-mail addresses.
func sameOrderOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ArchiveProduct closes the product with the given id and records who did it.
func ArchiveProduct(ctx context.Context, store *ProductStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == ProductClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isProductRetryable reports whether err is worth another attempt.
func isProductRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// shipmentTotals sums the totals per status.
func shipmentTotals(items []Shipment) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// shipmentPercentile returns the p-th percentile (0..100) of the totals.
func shipmentPercentile(items []Shipment, p float64) int64 {
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

// topShipments returns the n shipments with the largest totals.
func topShipments(items []Shipment, n int) []Shipment {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
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
	for {
		if err := reload(); err != nil {
			log.Warn("reload reports", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		time.Sleep(30 * time.Second)
	}
}

// FetchPayment downloads one payment from the API.
func (c *PaymentClient) FetchPayment(ctx context.Context, id int64) (*Payment, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/payments/%d", c.base, id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	defer resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("fetch payment %d: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fetch payment %d: %s: %s", id, resp.Status, body)
	}
	var x Payment
	if err := json.NewDecoder(resp.Body).Decode(&x); err != nil {
		return nil, fmt.Errorf("decode payment %d: %w", id, err)
	}
	return &x, nil
}

// FetchPayments downloads several payments, one request at a time.
func (c *PaymentClient) FetchPayments(ctx context.Context, ids []int64) ([]*Payment, error) {
	out := make([]*Payment, 0, len(ids))
	for _, id := range ids {
		x, err := c.FetchPayment(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// CustomerClient calls the customers service of another team.
type CustomerClient struct {
	base string
	http *http.Client
}

// NewCustomerClient returns a client with sane timeouts.
func NewCustomerClient(base string, caPool *x509.CertPool) *CustomerClient {
	tlsConf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    caPool,
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &CustomerClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

// accountCache keeps recently read accounts for a short time.
type accountCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[int64]accountEntry
}

type accountEntry struct {
	value  *Account
	stored time.Time
}

func newAccountCache(ttl time.Duration) *accountCache {
	return &accountCache{ttl: ttl, entries: make(map[int64]accountEntry)}
}

func (c *accountCache) get(id int64) (*Account, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Since(e.stored) > c.ttl {
		return nil, false
	}
	return e.value, true
}

func (c *accountCache) put(x *Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[x.ID] = accountEntry{value: x, stored: time.Now()}
}

// touchAccounts stamps each account while holding its row lock.
func touchAccounts(locks map[int64]*sync.Mutex, items []Account) {
	for i := range items {
		mu := locks[items[i].ID]
		mu.Lock()
		items[i].UpdatedAt = time.Now()
		mu.Unlock()
	}
}

// sweep drops expired entries; it returns how many were dropped.
func (c *accountCache) sweep() int {
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

var customerCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validCustomerCode reports whether code looks like ABC-12345.
func validCustomerCode(code string) bool {
	return customerCodeRE.MatchString(code)
}

// customerReferences finds the customer codes mentioned in a free-text note.
func customerReferences(note string) []string {
	refRE := regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)
	return refRE.FindAllString(note, -1)
}

var customerRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownCustomerStatus reports whether status is one the customers table accepts.
func knownCustomerStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
}

// CustomerStatus is the lifecycle state of the customers in customers.
type CustomerStatus int

const (
	CustomerPending CustomerStatus = iota
	CustomerActive
	CustomerSuspended
	CustomerClosed
)

func (s CustomerStatus) String() string {
	switch s {
	case CustomerPending:
		return "pending"
	case CustomerActive:
		return "active"
	case CustomerSuspended:
		return "suspended"
	case CustomerClosed:
		return "closed"
	}
	return "unknown"
}

// Customer is one row of the customers table.
type Customer struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    CustomerStatus    `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the customer a client submitted.
func (x *Customer) Validate() error {
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

// parseVendorLabels parses "key=value" pairs separated by commas.
func parseVendorLabels(s string) (map[string]string, error) {
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

// normalizeVendorName trims, collapses spaces and drops control characters.
func normalizeVendorName(name string) string {
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

// sameVendorOwner compares two owner e-mail addresses.
func sameVendorOwner(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ReadSubscriptionsExport loads at most limit bytes of the subscriptions export at path.
func ReadSubscriptionsExport(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// SaveSubscriptionsExport writes the subscriptions export, creating its directory.
func SaveSubscriptionsExport(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
