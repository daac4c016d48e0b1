package realcorpus

import (
	"errors"
	"os"
	"strings"
)

// EnvRequired names the variable that turns a missing corpus from a
// skipped test into a failed one (CI jobs that fetched it set it to 1).
const EnvRequired = "SYNTX_REALCORPUS_REQUIRED"

// TB is the part of testing.TB that Require uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Require opens the corpus at DefaultCacheDir with the repository's pins
// for a test or benchmark, and makes sure the given ids (packages, bench
// files, sources or tools) are fetched. When something is missing the test
// is skipped with a message saying what to fetch, or, with
// SYNTX_REALCORPUS_REQUIRED=1, fails with that message.
func Require(t TB, ids ...string) *Corpus {
	t.Helper()
	stop := t.Skipf
	if os.Getenv(EnvRequired) == "1" {
		stop = t.Fatalf
	}
	pinsFile, err := DefaultPinsPath()
	if err != nil {
		t.Fatalf("real-code corpus: %v", err)
	}
	pins, err := LoadPins(pinsFile)
	if err != nil {
		t.Fatalf("real-code corpus: %v", err)
	}
	dir, err := DefaultCacheDir()
	if err != nil {
		stop("real-code corpus: %v", err)
		return nil
	}
	c, err := Open(dir, pins)
	if errors.Is(err, ErrNotFetched) {
		stop("real-code corpus: %v", err)
		return nil
	}
	if err != nil {
		t.Fatalf("real-code corpus: %v", err)
	}
	var missing []string
	for _, id := range ids {
		if !c.Has(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		stop("real-code corpus in %s lacks %s (run `go run ./cmd/realcorpus fetch -only %s`, or `make realcorpus`)",
			dir, strings.Join(missing, ", "), strings.Join(missing, ","))
		return nil
	}
	return c
}
