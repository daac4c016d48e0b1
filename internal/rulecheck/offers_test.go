package rulecheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/internal/testbin"
	"github.com/syntx/syntx/syntax"
)

// TestServerOffers drives the real server the way the run does: it finds
// the offers of a file with both triggers and keeps what the fix edits.
func TestServerOffers(t *testing.T) {
	t.Parallel()
	bin := testbin.Syntx(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lib, err := loadRules(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := `package p

import (
	"fmt"
	"os"
)

func load(name string) error {
	if _, err := os.Stat(name); err != nil {
		return fmt.Errorf("load %s: %v", name, err)
	}
	return nil
}
`
	path := filepath.Join(dir, "p.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	lines, err := lib.siteLines(ctx, syntax.Go, []byte(src), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0] != 9 {
		t.Fatalf("site lines = %v, want [9]", lines)
	}
	s, err := startServer(ctx, bin, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	f := realcorpus.File{Path: path, Rel: "p.go", Package: "test", Language: syntax.Go, Role: realcorpus.Prod}
	offers, err := s.fileOffers(ctx, f, []byte(src), lines, true)
	if err != nil {
		t.Fatal(err)
	}
	var o *Offer
	for _, x := range offers {
		if x.Rule == "go.errorf-wrap" {
			o = x
		}
	}
	if o == nil {
		t.Fatalf("no go.errorf-wrap offer among %+v", offers)
	}
	if o.Line != 10 || o.Language != "go" || o.Source {
		t.Errorf("offer = %+v", o)
	}
	fixed := string(applyEdits([]byte(src), o.Edits))
	if !strings.Contains(fixed, `fmt.Errorf("load %s: %w", name, err)`) {
		t.Errorf("fixed text:\n%s", fixed)
	}
	// What the lightbulb shows follows the base policy and the default
	// threshold: a suggestion scoring below it is not automatic.
	threshold := config.Defaults().Policy.Threshold
	if o.Score < threshold && o.Automatic {
		t.Errorf("score %.2f is below the threshold %.2f but the offer is automatic", o.Score, threshold)
	}
	if o.Score >= threshold && !o.Automatic && !unsafeTitle(o.Title) {
		t.Errorf("safe offer scoring %.2f (threshold %.2f) is not shown automatically", o.Score, threshold)
	}
}
