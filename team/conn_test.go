package team

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/pgtest"
)

// TestDialGuard: the hub connection dials only the configured database.
func TestDialGuard(t *testing.T) {
	t.Parallel()
	hosts := map[string]bool{"db.internal": true, "/run/pg": true}
	ports := map[uint16]bool{5432: true}
	resolved := map[string]bool{"10.1.2.3": true}
	ipOK := func(ip string) bool { return resolved[ip] || hosts[ip] }
	for _, tc := range []struct {
		network, addr string
		ok            bool
	}{
		{"tcp", "10.1.2.3:5432", true},
		{"tcp", "10.1.2.3:5433", false},
		{"tcp", "10.9.9.9:5432", false},
		{"tcp", "[::1]:5432", false},
		{"unix", "/run/pg/.s.PGSQL.5432", true},
		{"unix", "/run/pg/.s.PGSQL.6000", false},
		{"unix", "/tmp/.s.PGSQL.5432", false},
		{"udp", "10.1.2.3:5432", false},
	} {
		if got := allowedAddr(tc.network, tc.addr, hosts, ports, ipOK); got != tc.ok {
			t.Errorf("%s %s: allowed %v, want %v", tc.network, tc.addr, got, tc.ok)
		}
	}
	if _, err := Connect(context.Background(), config.Team{}); !errors.Is(err, ErrOff) {
		t.Errorf("connect with team mode off: %v", err)
	}
}

// TestTLS: with a cluster that offers TLS, sslmode=verify-full checks the
// server's certificate against the team's CA and the connection is
// encrypted; a certificate from another CA is refused.
func TestTLS(t *testing.T) {
	requireCluster(t)
	dir := t.TempDir()
	caPEM, certPEM, keyPEM := testCA(t)
	otherCA, _, _ := testCA(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgtest.Start(ctx, pgtest.Options{TCP: true, Config: []string{"ssl = on"},
		Files: map[string][]byte{"server.crt": certPEM, "server.key": keyPEM},
		HBA:   []string{"local all all scram-sha-256", "hostssl all all 127.0.0.1/32 scram-sha-256"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if _, err := c.Psql(ctx, "postgres", `CREATE ROLE tls_user LOGIN PASSWORD 'pw-tls'`); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"ca.pem": caPEM, "other.pem": otherCA} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PGPASSWORD", "pw-tls")
	url := c.TCPURL("tls_user", "postgres", "verify-full") + "&sslrootcert=" + filepath.Join(dir, "ca.pem")
	h, err := Connect(ctx, config.Team{DB: url})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var ssl bool
	if err := h.conn.QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl); err != nil || !ssl {
		t.Errorf("the connection is not encrypted: %v %v", ssl, err)
	}
	bad := c.TCPURL("tls_user", "postgres", "verify-full") + "&sslrootcert=" + filepath.Join(dir, "other.pem")
	if h, err := Connect(ctx, config.Team{DB: bad}); err == nil {
		h.Close()
		t.Error("a server certificate from another CA was accepted")
	} else if strings.Contains(err.Error(), "pw-tls") {
		t.Errorf("the error repeats the password: %v", err)
	}
}

// testCA returns a CA certificate and a server certificate and key for
// 127.0.0.1 signed by it, PEM-encoded.
func testCA(t *testing.T) (caPEM, certPEM, keyPEM []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "syntx test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, srv, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// TestIdleInTransactionTimeout: the hub connection asks PostgreSQL to end
// a session left idle inside a transaction, so that a stopped client does
// not hold the chain head's lock that every push waits for.
func TestIdleInTransactionTimeout(t *testing.T) {
	th := newTestHub(t, InitOptions{})
	var v string
	if err := th.admin.conn.QueryRow(context.Background(), `SHOW idle_in_transaction_session_timeout`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != idleInTxTimeout {
		t.Errorf("idle_in_transaction_session_timeout %q, want %q", v, idleInTxTimeout)
	}
}
