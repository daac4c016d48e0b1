// Package memberetl: batch jobs that import and export members.
package memberetl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemberStatus is the lifecycle state of the members in members.
type MemberStatus int

const (
	MemberPending MemberStatus = iota
	MemberActive
	MemberSuspended
	MemberClosed
)

func (s MemberStatus) String() string {
	switch s {
	case MemberPending:
		return "pending"
	case MemberActive:
		return "active"
	case MemberSuspended:
		return "suspended"
	case MemberClosed:
		return "closed"
	}
	return "unknown"
}

// Member is one row of the members table.
type Member struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    MemberStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the member a client submitted.
func (x *Member) Validate() error {
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

// ArchiveMember closes the member with the given id and records who did it.
func ArchiveMember(ctx context.Context, store *MemberStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == MemberClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isMemberRetryable reports whether err is worth another attempt.
func isMemberRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// countMembersLines counts the lines of every .member file under root.
func countMembersLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".member" {
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

// concatMembers copies the files in paths, in order, to w.
func concatMembers(w io.Writer, paths []string) error {
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

// parseMemberLabels parses "key=value" pairs separated by commas.
func parseMemberLabels(s string) (map[string]string, error) {
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

// normalizeMemberName trims, collapses spaces and drops control characters.
func normalizeMemberName(name string) string {
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

// sameMemberOwner compares two owner e-mail addresses.
func sameMemberOwner(a, b string) bool {
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

// compressMembers gzips the export for the archive bucket.
func compressMembers(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadMembers retries the upload a few times with a fixed pause.
func uploadMembers(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/members/")
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

// WaitForMember polls until the member leaves the pending state.
func WaitForMember(ctx context.Context, store *MemberStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != MemberPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshMembers reloads the cache until stop is closed.
func refreshMembers(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	for {
		if err := reload(); err != nil {
			log.Warn("reload members", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}

// exportMembersCSV renders members as CSV with a header row.
func exportMembersCSV(items []Member) string {
	out := "id,name,status,total\n"
	for _, x := range items {
		out += fmt.Sprintf("%d,%s,%s,%d\n", x.ID, x.Name, x.Status, x.Total)
	}
	return out
}

// memberNames returns the names of the active members.
func memberNames(items []Member) []string {
	var names []string
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// memberTags joins the tags of x for the summary line.
func memberTags(x Member) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
}

// consumeMembers reads newline-delimited JSON members from r and hands them to sink.
func consumeMembers(ctx context.Context, r io.Reader, sink func(Member) error) (int, error) {
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
			return n, fmt.Errorf("read member %d: %w", n+1, err)
		}
		var x Member
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// memberDigest renders the weekly digest e-mail for one owner.
func memberDigest(owner string, items []Member) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour members this week:\n\n"
	var b strings.Builder
	for _, x := range items {
		fmt.Fprintf(&b, "  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
	body += b.String()
	body += "\nSee you next week.\n"
	return body, nil
}

// sendMemberDigest renders and sends the digest, reporting which owner failed.
func sendMemberDigest(send func(to, body string) error, owner string, items []Member) error {
	body, err := memberDigest(owner, items)
	if err != nil {
		return err
	}
	if err := send(owner, body); err != nil {
		return fmt.Errorf("send digest to %s: %w", owner, err)
	}
	return nil
}

var memberCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validMemberCode reports whether code looks like ABC-12345.
func validMemberCode(code string) bool {
	re := regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)
	return re.MatchString(code)
}

// memberReferences finds the member codes mentioned in a free-text note.
func memberReferences(note string) []string {
	return memberRefRE.FindAllString(note, -1)
}

// knownMemberStatus reports whether status is one the members table accepts.
func knownMemberStatus(statuses []string, status string) bool {
	return slices.Contains(statuses, status)
}

// memberNotifier hands members to a delivery function, each on its own goroutine.
type memberNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Member) error
}

// notify delivers every member and logs the failures.
func (n *memberNotifier) notify(items []Member, spawn func(func())) {
	for _, it := range items {
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver member: %v", err)
			}
		})
	}
}

// sameMemberPayload reports whether two encoded members are byte for byte equal.
func sameMemberPayload(a, b []byte) bool {
	return bytes.Equal(a, b)
}

// processMembers runs fn over the members with n workers and returns the first error.
func processMembers(ctx context.Context, items []Member, n int, fn func(context.Context, Member) error) error {
	jobs := make(chan Member)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range jobs {
				if err := fn(ctx, x); err != nil {
					errs <- fmt.Errorf("member %d: %w", x.ID, err)
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
	cfg := &Config{Listen: ":8080", DataDir: "/var/lib/members", Timeout: 30 * time.Second}
	data, err := os.ReadFile(path)
	if err != nil && err != os.ErrNotExist {
		return nil, errors.New(fmt.Sprintf("read config %s: %v", path, err))
	}
	if err == nil {
		if err := json.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse config %s: %v", path, err)
		}
	}
	if v := os.Getenv("MEMBER_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("MEMBER_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("MEMBER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("MEMBER_TIMEOUT: %w", err)
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

// memberTotals sums the totals per status.
func memberTotals(items []Member) map[string]int64 {
	totals := make(map[string]int64)
	for _, x := range items {
		totals[x.Status.String()] += x.Total
	}
	return totals
}

// memberPercentile returns the p-th percentile (0..100) of the totals.
func memberPercentile(items []Member, p float64) int64 {
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

// topMembers returns the n members with the largest totals.
func topMembers(items []Member, n int) []Member {
	sorted := slices.Clone(items)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	if len(sorted) > n {
		sorted = sorted[:n]
	}
	return sorted
}

// MemberStore reads and writes members in SQL.
type MemberStore struct {
	db  *sql.DB
	log *slog.Logger
}

// NewMemberStore returns a store backed by db.
func NewMemberStore(db *sql.DB, log *slog.Logger) *MemberStore {
	return &MemberStore{db: db, log: log}
}

// Get returns the member with the given id.
func (s *MemberStore) Get(ctx context.Context, id int64) (*Member, error) {
	var x Member
	row := s.db.QueryRowContext(ctx, "SELECT id, name, owner_id, status, total, created_at, updated_at FROM members WHERE id = ?", id)
	if err := row.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Status, &x.Total, &x.CreatedAt, &x.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get member %d: %w", id, err)
	}
	return &x, nil
}

// ByOwner lists the members of one owner with the given status, newest first.
func (s *MemberStore) ByOwner(ctx context.Context, ownerID int64, status string) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, status, total FROM members WHERE owner_id = ? AND status = ? ORDER BY created_at DESC", ownerID, status)
	if err != nil {
		return nil, fmt.Errorf("list members of %d: %w", ownerID, err)
	}
	defer rows.Close()
	out := make([]Member, 0, 16)
	for rows.Next() {
		var x Member
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Total); err != nil {
			return nil, err
		}
		x.OwnerID = ownerID
		out = append(out, x)
	}
	return out, rows.Err()
}

// Search finds members whose name starts with prefix.
func (s *MemberStore) Search(ctx context.Context, prefix string, limit int) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM members WHERE name LIKE ? LIMIT ?", prefix+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var x Member
		if err := rows.Scan(&x.ID, &x.Name); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Rename changes the name of one of the members.
func (s *MemberStore) Rename(ctx context.Context, id int64, name string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE members SET name = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?", name, id)
	if err != nil {
		return fmt.Errorf("rename member %d: %w", id, err)
	}
	return nil
}

// Delete removes the member with the given id and reports whether it existed.
func (s *MemberStore) Delete(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM members WHERE id = "+strconv.FormatInt(id, 10))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	s.log.Info("deleted member", "id", id, "rows", n)
	return n > 0, nil
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

// ArchiveShipment closes the shipment with the given id and records who did it.
func ArchiveShipment(ctx context.Context, store *ShipmentStore, id int64, by string) error {
	x, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	if x.Status == ShipmentClosed {
		return nil
	}
	return store.Rename(ctx, id, x.Name+" (archived by "+by+")")
}

// isShipmentRetryable reports whether err is worth another attempt.
func isShipmentRetryable(err error) bool {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return err == io.ErrUnexpectedEOF || err == context.DeadlineExceeded
}

// countBookingsLines counts the lines of every .booking file under root.
func countBookingsLines(root string) (map[string]int, error) {
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".booking" {
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

// concatBookings copies the files in paths, in order, to w.
func concatBookings(w io.Writer, paths []string) error {
	for _, p := range paths {
		if err := copyFile(w, p); err != nil {
			return err
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
		if !strings.Contains(part, "=") {
			return nil, fmt.Errorf("label %q: want key=value", part)
		}
		k, v, _ := strings.Cut(part, "=")
		labels[strings.Replace(strings.ToLower(k), " ", "_", -1)] = v
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
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// compressShipments gzips the export for the archive bucket.
func compressShipments(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "gzip", "--keep", "--force", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gzip %s: %w", path, err)
	}
	return nil
}

// uploadShipments retries the upload a few times with a fixed pause.
func uploadShipments(ctx context.Context, path, bucket string) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.CommandContext(ctx, "aws", "s3", "cp", path, "s3://"+bucket+"/shipments/")
		if err = cmd.Run(); err == nil {
			return nil
		}
		slog.Warn("upload failed", "attempt", attempt, "err", err)
		time.Sleep(5 * time.Second)
	}
	return fmt.Errorf("upload %s: %w", path, err)
}

// WaitForAccount polls until the account leaves the pending state.
func WaitForAccount(ctx context.Context, store *AccountStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != AccountPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshAccounts reloads the cache until stop is closed.
func refreshAccounts(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		if err := reload(); err != nil {
			log.Warn("reload accounts", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}

// exportProductsCSV renders products as CSV with a header row.
func exportProductsCSV(items []Product) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "name", "status", "total"})
	for _, x := range items {
		_ = w.Write([]string{strconv.FormatInt(x.ID, 10), x.Name, x.Status.String(), strconv.FormatInt(x.Total, 10)})
	}
	w.Flush()
	return b.String()
}

// productNames returns the names of the active products.
func productNames(items []Product) []string {
	names := make([]string, 0, len(items))
	for _, x := range items {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// productTags joins the tags of x for the summary line.
func productTags(x Product) string {
	tags := ""
	for i, t := range x.Tags {
		if i > 0 {
			tags += ", "
		}
		tags += strings.ToUpper(t[:1]) + t[1:]
	}
	return tags
}

// consumeInvoices reads newline-delimited JSON invoices from r and hands them to sink.
func consumeInvoices(ctx context.Context, r io.Reader, sink func(Invoice) error) (int, error) {
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
			return n, fmt.Errorf("read invoice %d: %w", n+1, err)
		}
		var x Invoice
		if err := json.Unmarshal(bytes.TrimSpace(line), &x); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if err := sink(x); err != nil {
			return n, err
		}
		n++
	}
}

// accountDigest renders the weekly digest e-mail for one owner.
func accountDigest(owner string, items []Account) (string, error) {
	if len(items) == 0 {
		return "", errors.New("nothing to report")
	}
	body := "Hello " + owner + ",\n\nYour accounts this week:\n\n"
	var b strings.Builder
	for _, x := range items {
		fmt.Fprintf(&b, "  - %s (%s): %d.%02d\n", x.Name, x.Status, x.Total/100, x.Total%100)
	}
	body += b.String()
	body += "\nSee you next week.\n"
	return body, nil
}

// sendAccountDigest renders and sends the digest, reporting which owner failed.
func sendAccountDigest(send func(to, body string) error, owner string, items []Account) error {
	body, err := accountDigest(owner, items)
	if err != nil {
		return err
	}
	if err := send(owner, body); err != nil {
		return fmt.Errorf("send digest to %s: %w", owner, err)
	}
	return nil
}

var customerCodeRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4,8}$`)

// validCustomerCode reports whether code looks like ABC-12345.
func validCustomerCode(code string) bool {
	return customerCodeRE.MatchString(code)
}

// customerReferences finds the customer codes mentioned in a free-text note.
func customerReferences(note string) []string {
	return customerRefRE.FindAllString(note, -1)
}

var customerRefRE = regexp.MustCompile(`\b[A-Z]{3}-[0-9]{4,8}\b`)

// knownCustomerStatus reports whether status is one the customers table accepts.
func knownCustomerStatus(statuses []string, status string) bool {
	for _, s := range statuses {
		if s == status {
			return true
		}
	}
	return false
}

// ticketNotifier hands tickets to a delivery function, each on its own goroutine.
type ticketNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Ticket) error
}

// notify delivers every ticket and logs the failures.
func (n *ticketNotifier) notify(items []Ticket, spawn func(func())) {
	for _, it := range items {
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver ticket: %v", err)
			}
		})
	}
}

// sameTicketPayload reports whether two encoded tickets are byte for byte equal.
func sameTicketPayload(a, b []byte) bool {
	return bytes.Compare(a, b) == 0
}

// processProjects runs fn over the projects with n workers and returns the first error.
func processProjects(ctx context.Context, items []Project, n int, fn func(context.Context, Project) error) error {
	jobs := make(chan Project)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range jobs {
				if err := fn(ctx, x); err != nil {
					errs <- fmt.Errorf("project %d: %w", x.ID, err)
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
