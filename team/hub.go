package team

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/syntx/syntx/config"
)

// ErrOff is returned by Connect when team mode is off (team.db is empty).
var ErrOff = errors.New("team mode is off: set team.db in " + "config.toml")

// ErrNotJoined is returned when the caller has not joined the hub.
var ErrNotJoined = errors.New("not a member of this hub yet (syntx team join)")

// ErrEgress is returned when a connection would go anywhere but the
// configured database.
var ErrEgress = errors.New("connection refused: not the configured database")

// idleInTxTimeout is the hub connection's
// idle_in_transaction_session_timeout.
const idleInTxTimeout = "30s"

// Hub is one connection to a team hub.
type Hub struct {
	conn *pgx.Conn
	// Target describes the configured database (host:port/db, user), for
	// messages; never a secret. Place is the same without the user.
	Target, Place string
	// User is the PostgreSQL role the connection logged in as.
	User string
}

// Connect opens a connection to the hub cfg.DB names. Nothing else is
// ever contacted: host names are resolved only when they are the configured
// host, and the dialler refuses any address that is not one of the
// configured host's (for a socket path: the configured directory's
// socket). The password comes from PGPASSWORD, cfg.Passfile, $PGPASSFILE or
// ~/.pgpass (libpq's rules, through pgx); a password in cfg.DB is refused
// (config refuses it too). TLS is as the connection string asks
// (sslmode=prefer by default, verify-full to check the server's name).
func Connect(ctx context.Context, cfg config.Team) (*Hub, error) {
	if cfg.DB == "" {
		return nil, ErrOff
	}
	dsn := cfg.DB
	if cfg.Passfile != "" {
		dsn = withParam(dsn, "passfile", cfg.Passfile)
	}
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("team.db: %w", scrub(err))
	}
	if pc.RuntimeParams == nil {
		pc.RuntimeParams = map[string]string{}
	}
	pc.RuntimeParams["application_name"] = "syntx"
	// A client that stops between the statements of a transaction — a
	// background sync starved at SCHED_IDLE, a laptop closed mid-push —
	// must not hold the chain head's row lock, which every member's push
	// and every train waits for: the hub ends such a session after
	// idleInTxTimeout (the push is idempotent and resumes next time).
	pc.RuntimeParams["idle_in_transaction_session_timeout"] = idleInTxTimeout
	target := describe(pc)
	hosts := map[string]bool{pc.Host: true}
	ports := map[uint16]bool{pc.Port: true}
	for _, fb := range pc.Fallbacks {
		hosts[fb.Host] = true
		ports[fb.Port] = true
	}
	var mu sync.Mutex
	resolved := map[string]bool{}
	lookup := pc.LookupFunc
	pc.LookupFunc = func(ctx context.Context, host string) ([]string, error) {
		if !hosts[host] {
			return nil, fmt.Errorf("%w: lookup of %q", ErrEgress, host)
		}
		addrs, err := lookup(ctx, host)
		mu.Lock()
		for _, a := range addrs {
			resolved[a] = true
		}
		mu.Unlock()
		return addrs, err
	}
	var d net.Dialer
	pc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !allowedAddr(network, addr, hosts, ports, func(ip string) bool {
			mu.Lock()
			defer mu.Unlock()
			return resolved[ip] || hosts[ip]
		}) {
			return nil, fmt.Errorf("%w: %s %s", ErrEgress, network, addr)
		}
		if pc.ConnectTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, pc.ConnectTimeout)
			defer cancel()
		}
		return d.DialContext(ctx, network, addr)
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = 15 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connect to the team hub %s: %w", target, scrub(err))
	}
	place, _, _ := strings.Cut(target, " as ")
	return &Hub{conn: conn, Target: target, Place: place, User: pc.User}, nil
}

// allowedAddr reports whether network/addr is the configured database: a
// Unix socket in one of the configured directories, or a TCP address whose
// IP one of the configured host names resolved to (or is) and whose port
// is configured.
func allowedAddr(network, addr string, hosts map[string]bool, ports map[uint16]bool, ipOK func(string) bool) bool {
	switch network {
	case "unix":
		dir, file := filepath.Split(addr)
		if !hosts[filepath.Clean(dir)] && !hosts[dir] {
			return false
		}
		p, ok := strings.CutPrefix(file, ".s.PGSQL.")
		n, err := strconv.ParseUint(p, 10, 16)
		return ok && err == nil && ports[uint16(n)]
	case "tcp", "tcp4", "tcp6":
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return false
		}
		n, err := strconv.ParseUint(port, 10, 16)
		return err == nil && ports[uint16(n)] && ipOK(host)
	}
	return false
}

// describe names a configuration without its password.
func describe(pc *pgx.ConnConfig) string {
	host := pc.Host
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("%s (socket %s, port %d) as %s", pc.Database, host, pc.Port, pc.User)
	}
	return fmt.Sprintf("%s:%d/%s as %s", host, pc.Port, pc.Database, pc.User)
}

// withParam adds key=value to a URL or a keyword/value connection string.
func withParam(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + key + "=" + urlEscape(value)
	}
	return dsn + " " + key + "='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'"
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// scrub keeps pgx's errors from quoting a password (pgx already replaces
// it with xxxxx in the connection strings it quotes; this also covers a
// password set through PGPASSWORD).
func scrub(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return fmt.Errorf("invalid connection string: %w", err)
	}
	return err
}

// Close closes the connection.
func (h *Hub) Close() error {
	if h == nil || h.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return h.conn.Close(ctx)
}
