// Package testbin gives tests the syntx executable they drive as a separate
// process: $SYNTX_BIN when set (make test builds it once), otherwise a build
// of cmd/syntx into the test's temporary directory.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Syntx returns the path of a syntx binary for t. Under -short, when
// $SYNTX_BIN is unset, the test is skipped rather than building one.
func Syntx(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("SYNTX_BIN"); bin != "" {
		return bin
	}
	if testing.Short() {
		t.Skip("builds the syntx binary")
	}
	bin := filepath.Join(t.TempDir(), "syntx")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/syntx/syntx/cmd/syntx").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
