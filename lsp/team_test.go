package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/lspclient"
)

// TestCorruptTeamLayer: a team layer that does not load is refused alone —
// the developer's own adapter serves over the base — and announced once,
// however often the server follows the pointers.
func TestCorruptTeamLayer(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	seedData(t, home)
	golden := "../testdata/model/adapter-boost-go-naming"
	for _, l := range []struct{ dir, version, weights string }{
		{filepath.Join(home, "adapters"), "v1", ""},
		{filepath.Join(home, "team", "adapters"), "t1", "junk"},
	} {
		dir := filepath.Join(l.dir, l.version)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"adapter_config.json", "adapter_model.safetensors"} {
			b, err := os.ReadFile(filepath.Join(golden, name))
			if err != nil {
				t.Fatal(err)
			}
			if name == "adapter_model.safetensors" && l.weights != "" {
				b = []byte(l.weights)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(l.dir, "ACTIVE"), []byte(l.version+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e := startEnv(t, home, "", nil)
	refusal := func(n lspclient.Notification) bool {
		var p struct{ Message string }
		_ = json.Unmarshal(n.Params, &p)
		return n.Method == "window/showMessage" && strings.Contains(p.Message, "adapter team t1 refused")
	}
	if _, err := e.c.WaitFor(e.ctx, refusal); err != nil {
		t.Fatalf("waiting for the announcement that team adapter t1 is refused: %v", err)
	}
	st := e.status(t)
	if !strings.HasSuffix(st.Policy, "+boost-go-naming") || strings.Count(st.Policy, "+") != 1 {
		t.Fatalf("policy %q, want the own adapter alone over the base", st.Policy)
	}
	for i := 0; i < 3; i++ {
		e.srv.reloadAdapter(e.ctx)
	}
	e.status(t)
	shown := 0
	for _, n := range e.c.Notifications() {
		if refusal(n) {
			shown++
		}
	}
	if shown != 1 {
		t.Fatalf("the refused team layer was announced %d times, want once", shown)
	}
	e.shutdown(t)
}
