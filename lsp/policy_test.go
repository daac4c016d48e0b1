package lsp

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/model"
)

// Two rules at one site, both unsafe (the base policy ranks safe fixes before
// unsafe ones), ordered by their priors: filter-first above strict-equality
// (see their priors in rules/builtin/typescript).
const tsSite = "export function me(users: User[], id: string): User | undefined {\n  return users.filter((u) => u.id == id)[0];\n}\n"

// writeBoostAdapter hand-makes an adapter that raises the logit of one
// rule's candidates through the skip path, saves it as version v1 and points
// ACTIVE at it.
func writeBoostAdapter(t *testing.T, home, rule string, delta float32) {
	t.Helper()
	base, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.NewLoRA(base, model.LoRAConfig{Rank: 1, Alpha: 1, Targets: []string{model.ModuleSkip}})
	if err != nil {
		t.Fatal(err)
	}
	slot, sign := model.FeatureSlot("rule", rule, "")
	l := &p.Layers[0]
	clear(l.A.Data)
	l.A.Data[slot] = sign
	l.B.Data[0] = delta
	dir := filepath.Join(home, "adapters")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := model.SaveAdapter(filepath.Join(dir, "v1"), base, p, "v1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ACTIVE"), []byte("v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func rulesInOrder(t *testing.T, home string) ([]string, string) {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	defer cancel()
	a, b := net.Pipe()
	s := NewServer(Options{DataDir: home, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	done := make(chan struct{})
	go func() { s.Serve(ctx, a); close(done) }()
	c := lspclient.New(ctx, b)
	defer func() { _ = c.Close(); <-done }()
	if _, err := c.Initialize(ctx, "", false, nil); err != nil {
		t.Fatal(err)
	}
	uri := "file:///w/site.ts"
	if err := c.Open(ctx, uri, "typescript", tsSite); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(tsSite, " == ") + 1
	acts, err := suggestions(c.CodeActions(ctx, uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range acts {
		var id string
		_ = jsonField(a.Data, "ruleId", &id)
		ids = append(ids, id)
	}
	var st Status
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		t.Fatal(err)
	}
	return ids, st.Policy
}

func TestHandMadeAdapterChangesServedOrder(t *testing.T) {
	t.Parallel()
	before, policy := rulesInOrder(t, t.TempDir())
	if len(before) != 2 || before[0] != "typescript.filter-first" || !strings.HasPrefix(policy, "base") {
		t.Fatalf("base order %v (policy %s), want filter-first first, by prior", before, policy)
	}
	home := t.TempDir()
	writeBoostAdapter(t, home, "typescript.strict-equality", 3)
	after, policy := rulesInOrder(t, home)
	if len(after) != 2 || after[0] != "typescript.strict-equality" || !strings.Contains(policy, "v1") {
		t.Fatalf("order with the adapter %v (policy %s), want the boosted rule first", after, policy)
	}
	// A corrupt adapter is refused; the base stays in use and the server works.
	bad := t.TempDir()
	writeBoostAdapter(t, bad, "typescript.strict-equality", 3)
	w := filepath.Join(bad, "adapters", "v1", model.AdapterWeightsFile)
	data, _ := os.ReadFile(w)
	if err := os.WriteFile(w, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	order, policy := rulesInOrder(t, bad)
	if len(order) != 2 || order[0] != "typescript.filter-first" || !strings.HasPrefix(policy, "base") {
		t.Fatalf("with a truncated adapter: order %v policy %s, want the base", order, policy)
	}
}
