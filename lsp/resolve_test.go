package lsp

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// resolveSrc has a migration (var → let/const) and a per-site fix
// (indexOf → includes).
const resolveSrc = migrateSrc + `
function has(list, x) {
  return list.indexOf(x) !== -1;
}
`

// TestResolveMigrationEdit: to a client that resolves code actions, a
// file's migration comes without its edit, and codeAction/resolve gives
// the edit a client that does not resolve gets in the action, for the same
// text and request; a per-site fix keeps its edit. Once the document
// changes, resolving the action is answered ContentModified, and an action
// that is not SyntX's, or no longer remembered, gets an error that says so.
func TestResolveMigrationEdit(t *testing.T) {
	t.Parallel()
	uri := "file:///w/resolve.js"
	find := func(acts []*protocol.CodeAction, kind string) *protocol.CodeAction {
		t.Helper()
		for _, a := range acts {
			if a.Kind != nil && strings.HasPrefix(string(*a.Kind), kind) {
				return a
			}
		}
		t.Fatalf("no %s action among %v", kind, rulesOf(acts))
		return nil
	}
	inline := startInAs(t, t.TempDir(), nil, false)
	lazy := startInAs(t, t.TempDir(), nil, true)
	want := inline.actionsOn(uri, "javascript", resolveSrc, "list.indexOf", protocol.CodeActionTriggerKindInvoked)
	got := lazy.actionsOn(uri, "javascript", resolveSrc, "list.indexOf", protocol.CodeActionTriggerKindInvoked)

	wantFix, gotFix := find(want, "refactor."), find(got, "refactor.")
	if gotFix.Edit == nil || mustJSON(t, gotFix.Edit) != mustJSON(t, wantFix.Edit) {
		t.Fatalf("the per-site fix's edit, to a resolving client:\n%s\nwant:\n%s", mustJSON(t, gotFix.Edit), mustJSON(t, wantFix.Edit))
	}
	wantMig, gotMig := find(want, "source."), find(got, "source.")
	if wantMig.Edit == nil {
		t.Fatal("a client that does not resolve got the migration without its edit")
	}
	if gotMig.Edit != nil {
		t.Fatal("a resolving client got the migration with its edit")
	}
	if gotMig.Title != wantMig.Title || !strings.Contains(string(gotMig.Data), `"suggestionId"`) {
		t.Fatalf("the migration to a resolving client: %q, data %s", gotMig.Title, gotMig.Data)
	}
	var resolved protocol.CodeAction
	if err := lazy.c.Call(ctx(t), "codeAction/resolve", gotMig, &resolved); err != nil {
		t.Fatal(err)
	}
	if resolved.Edit == nil || mustJSON(t, resolved.Edit) != mustJSON(t, wantMig.Edit) {
		t.Fatalf("resolved edit:\n%s\nwant the one in the action:\n%s", mustJSON(t, resolved.Edit), mustJSON(t, wantMig.Edit))
	}
	if resolved.Title != gotMig.Title || string(resolved.Data) != string(gotMig.Data) || resolved.Command.Command != "syntx.accept" {
		t.Fatalf("resolving changed the action: %q %s %q", resolved.Title, resolved.Data, resolved.Command.Command)
	}

	// Not SyntX's: no data, or data naming no suggestion it remembers.
	foreign := *gotMig
	foreign.Data = nil
	if err := lazy.c.Call(ctx(t), "codeAction/resolve", &foreign, &resolved); errCode(err) != -32602 {
		t.Fatalf("an action without data: %v, want InvalidParams", err)
	}
	foreign.Data = jsontext.Value(strings.Replace(string(gotMig.Data), `"suggestionId":"`, `"suggestionId":"gone-`, 1))
	if err := lazy.c.Call(ctx(t), "codeAction/resolve", &foreign, &resolved); errCode(err) != codeRequestFailed || !strings.Contains(err.Error(), "ask for code actions again") {
		t.Fatalf("an action no longer remembered: %v, want RequestFailed", err)
	}

	// The document changes (a notification the client sent before asking):
	// the offer's edit no longer applies.
	at := strings.Index(resolveSrc, "return sum;")
	if err := lazy.c.Change(ctx(t), uri, lspclient.Edit{Start: at, End: at, Text: "// total\n  "}); err != nil {
		t.Fatal(err)
	}
	if err := lazy.c.Call(ctx(t), "codeAction/resolve", gotMig, &resolved); errCode(err) != codeContentModified {
		t.Fatalf("resolving after an edit: %v, want ContentModified", err)
	}
	// Asked again, it resolves in the new text.
	again := lazy.actionsOn(uri, "javascript", resolveSrc, "list.indexOf", protocol.CodeActionTriggerKindInvoked)
	if err := lazy.c.Apply(ctx(t), find(again, "source.")); err != nil {
		t.Fatal(err)
	}
	if got := lazy.c.Doc(uri).Text; !strings.Contains(got, "// total\n  return sum;") || strings.Contains(got, "var sum") || !strings.Contains(got, "const label") {
		t.Fatalf("after the resolved migration:\n%s", got)
	}
}

// TestResolveProviderAdvertised: the server says it resolves code actions
// only to a client that resolves their edits.
func TestResolveProviderAdvertised(t *testing.T) {
	t.Parallel()
	for _, resolving := range []bool{false, true} {
		h := start(t)
		if resolving {
			resolvingClient(h.c)
		}
		res, err := h.c.Initialize(ctx(t), t.TempDir(), false, nil)
		if err != nil {
			t.Fatal(err)
		}
		o, ok := res.Capabilities.CodeActionProvider.(*protocol.CodeActionOptions)
		if !ok || o.ResolveProvider == nil || *o.ResolveProvider != resolving {
			t.Fatalf("a client resolving edits: %v; codeActionProvider %+v", resolving, res.Capabilities.CodeActionProvider)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := protocol.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOfferSetKeyHashesCode: a set's key names the code each suggestion
// rewrites by its hash: a migration by the digest of its parts, one site by
// the hash of its original code. The server keeps the keys of up to 4,096
// recent sets; a key still tells sets apart by that code.
func TestOfferSetKeyHashesCode(t *testing.T) {
	t.Parallel()
	const sites = 50_000
	src := []byte(strings.Repeat("var x = 1;\n", sites))
	mig := func(lastAfter string) []*candidate {
		parts := make([]migrationPart, sites)
		for i := range parts {
			parts[i] = migrationPart{region: rules.Span{Start: 11 * i, End: 11*i + 3}, before: "var", after: "let"}
		}
		parts[sites-1].after = lastAfter
		c := &candidate{match: rules.Match{Rule: &rules.Rule{Spec: rules.Spec{ID: "javascript.no-var"}}}, migration: true}
		c.setParts(syntax.NewText(src), nil, parts)
		return []*candidate{c}
	}
	k := offerSetKey("file:///b.js", mig("let"))
	if len(k) > 200 {
		t.Fatalf("a migration of %d sites has a key of %d bytes", sites, len(k))
	}
	if k != offerSetKey("file:///b.js", mig("let")) {
		t.Fatal("the same migration has two keys")
	}
	if k == offerSetKey("file:///b.js", mig("const")) {
		t.Fatal("migrations rewriting differently share a key")
	}
	site := func(original string) []*candidate {
		return []*candidate{{match: rules.Match{Rule: &rules.Rule{Spec: rules.Spec{ID: "javascript.strict-equality"}}}, original: original}}
	}
	if offerSetKey("file:///b.js", site("a == b")) == offerSetKey("file:///b.js", site("a == c")) {
		t.Fatal("sites rewriting different code share a key")
	}
}
