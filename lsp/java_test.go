//go:build syntx_java

package lsp

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/rules"
)

// TestJavaRoundTrip, under -tags syntx_java: the real server, given the
// built-in rules and the Java rules folder, offers the Java rule in a
// .java document an editor opens as "java", and applying it rewrites the
// comparison — with nothing in lsp that knows about Java.
func TestJavaRoundTrip(t *testing.T) {
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()}, rules.Dir("../rules/testdata/java/rules"))
	if len(lib.Problems) > 0 {
		t.Fatalf("rule problems: %v", lib.Problems)
	}
	ctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	a, b := net.Pipe()
	s := NewServer(Options{DataDir: t.TempDir(), Rules: lib, Logger: slog.New(slog.DiscardHandler)})
	go s.Serve(ctx, a)
	c := lspclient.New(ctx, b)
	defer c.Close()
	if _, err := c.Initialize(ctx, t.TempDir(), false, nil); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../rules/testdata/java/corpus/Accounts.java")
	if err != nil {
		t.Fatal(err)
	}
	uri := "file:///w/demo/accounts/Accounts.java"
	if err := c.Open(ctx, uri, "java", string(src)); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(string(src), `a.role() == "admin"`)
	acts, err := suggestions(c.CodeActions(ctx, uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || !strings.Contains(string(acts[0].Data), `"ruleId":"java.string-literal-equals"`) {
		t.Fatalf("actions %+v, want the Java rule", acts)
	}
	if err := c.Apply(ctx, acts[0]); err != nil {
		t.Fatal(err)
	}
	if got := c.Doc(uri).Text; !strings.Contains(got, `filter(a -> "admin".equals(a.role()))`) {
		t.Fatalf("after applying:\n%s", got)
	}
	var st Status
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		t.Fatal(err)
	}
	if st.Events["accepted"] != 1 {
		t.Fatalf("events %v, want the accept recorded", st.Events)
	}
}
