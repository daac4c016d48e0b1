package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// Suggestions a reviewer can trust, through the real server: unsafe fixes
// labelled, never preferred and not shown unasked; suppression comments
// and declared project targets respected; migrations as one source action.

// qualityHarness remembers which documents it opened.
type qualityHarness struct {
	*captureHarness
	opened map[string]bool
}

// startIn starts a server whose workspace is root, with a fake clock and
// the given initialization options.
func startIn(t *testing.T, root string, initOptions any) *qualityHarness {
	t.Helper()
	return startInAs(t, root, initOptions, false)
}

// startInAs is startIn with a client that, with resolving, keeps a code
// action's data and resolves its edit when it applies one
// (resolvingClient).
func startInAs(t *testing.T, root string, initOptions any, resolving bool) *qualityHarness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	home := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := NewServer(Options{Logger: logger, DataDir: home, Clock: clock.Now, TickInterval: manualTicks})
	c, _ := connect(t, ctx, s)
	if resolving {
		resolvingClient(c)
	}
	if _, err := c.Initialize(ctx, root, false, initOptions); err != nil {
		t.Fatal(err)
	}
	return &qualityHarness{captureHarness: &captureHarness{c: c, srv: s, clock: clock, home: home, t: t}, opened: map[string]bool{}}
}

// writeTree writes files under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ruleOf(a *protocol.CodeAction) string {
	var id string
	_ = jsonField(a.Data, "ruleId", &id)
	return id
}

func rulesOf(acts []*protocol.CodeAction) []string {
	var out []string
	for _, a := range acts {
		out = append(out, ruleOf(a))
	}
	return out
}

// actionsOn opens src (when not open yet) and asks for the actions on the
// line holding marker.
func (h *qualityHarness) actionsOn(uri, lang, src, marker string, trigger protocol.CodeActionTriggerKind, only ...protocol.CodeActionKind) []*protocol.CodeAction {
	h.t.Helper()
	if !h.opened[uri] {
		if err := h.c.Open(ctx(h.t), uri, lang, src); err != nil {
			h.t.Fatal(err)
		}
		h.opened[uri] = true
	}
	at := strings.Index(src, marker)
	if at < 0 {
		h.t.Fatalf("no %q in the source", marker)
	}
	acts, err := suggestions(h.c.CodeActions(ctx(h.t), uri, at, at, trigger, only...))
	if err != nil {
		h.t.Fatal(err)
	}
	return acts
}

const unsafeSrc = `package p

import "strings"

func match(s, a, b string) bool {
	return strings.Index(s, "x") != -1 && strings.ToLower(a) == strings.ToLower(b)
}
`

// TestUnsafeFixes: on one line, strings-contains (safe, prior 0.62) and
// equal-fold (unsafe, prior 0.66). The safe one comes first and is
// preferred; the unsafe one is labelled, says what to check, is never
// preferred, and the base policy does not show it on automatic requests.
func TestUnsafeFixes(t *testing.T) {
	t.Parallel()
	h := startIn(t, t.TempDir(), nil)
	uri := "file:///w/match.go"
	acts := h.actionsOn(uri, "go", unsafeSrc, "strings.Index", protocol.CodeActionTriggerKindInvoked)
	if got := strings.Join(rulesOf(acts), " "); got != "go.strings-contains go.equal-fold" {
		t.Fatalf("invoked: actions %s, want the safe strings-contains before the unsafe equal-fold", got)
	}
	safe, unsafe := acts[0], acts[1]
	if safe.IsPreferred == nil || !*safe.IsPreferred || strings.Contains(safe.Title, "unsafe") || !strings.Contains(string(safe.Data), `"safety":"safe"`) {
		t.Errorf("safe action: preferred %v, title %q, data %s", safe.IsPreferred, safe.Title, safe.Data)
	}
	if unsafe.IsPreferred != nil && *unsafe.IsPreferred {
		t.Error("the unsafe action is preferred")
	}
	if unsafe.Title != "Compare with strings.EqualFold (unsafe)" {
		t.Errorf("unsafe title %q", unsafe.Title)
	}
	if !strings.Contains(string(unsafe.Data), `"safety":"unsafe"`) || !strings.Contains(string(unsafe.Data), `"check":"EqualFold uses Unicode case folding`) {
		t.Errorf("unsafe data %s does not say what to check", unsafe.Data)
	}
	auto := h.actionsOn(uri, "go", unsafeSrc, "strings.Index", protocol.CodeActionTriggerKindAutomatic)
	if got := strings.Join(rulesOf(auto), " "); got != "go.strings-contains" {
		t.Fatalf("automatic: actions %s, want only the safe one", got)
	}
}

// TestPriorAtThresholdShown: with policy.threshold set to exactly
// strings-contains' prior, the lightbulb shows it, as the rule library's
// "at or above the threshold" says, although the float32 network scores
// that prior a hair under it (model.Clears); a threshold one step above
// hides it.
func TestPriorAtThresholdShown(t *testing.T) {
	t.Parallel()
	prior := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()}).Rule("go.strings-contains").Prior
	for _, c := range []struct {
		threshold float64
		want      string
	}{{prior, "go.strings-contains"}, {prior + 0.01, ""}} {
		h := startIn(t, t.TempDir(), map[string]any{"policy": map[string]any{"threshold": c.threshold}})
		auto := h.actionsOn("file:///w/match.go", "go", unsafeSrc, "strings.Index", protocol.CodeActionTriggerKindAutomatic)
		if got := strings.Join(rulesOf(auto), " "); got != c.want {
			t.Errorf("threshold %v (prior %v): automatic actions %q, want %q", c.threshold, prior, got, c.want)
		}
	}
}

// TestGeneratedAndVendoredFilesQuiet: in a generated file (Go's "Code
// generated ... DO NOT EDIT." header) and in a vendored one (under vendor/
// or node_modules/), the base policy shows nothing unasked — the change
// belongs in the generator or upstream, and regenerating undoes it — while
// an opened menu still lists what the rules found. The same code in an
// ordinary file is shown.
func TestGeneratedAndVendoredFilesQuiet(t *testing.T) {
	t.Parallel()
	h := startIn(t, t.TempDir(), nil)
	generated := "// Code generated by protoc-gen-go. DO NOT EDIT.\n\n" + unsafeSrc
	for _, c := range []struct {
		uri, src string
		quiet    bool
	}{
		{"file:///w/plain.go", unsafeSrc, false},
		{"file:///w/api.pb.go", generated, true},
		{"file:///w/vendor/example.com/m/match.go", unsafeSrc, true},
		{"file:///w/third_party/m/match.go", unsafeSrc, true},
	} {
		auto := rulesOf(h.actionsOn(c.uri, "go", c.src, "strings.Index", protocol.CodeActionTriggerKindAutomatic))
		menu := rulesOf(h.actionsOn(c.uri, "go", c.src, "strings.Index", protocol.CodeActionTriggerKindInvoked))
		if !slices.Contains(menu, "go.strings-contains") {
			t.Errorf("%s: the menu lists %v, without strings-contains", c.uri, menu)
		}
		if got := slices.Contains(auto, "go.strings-contains"); got == c.quiet {
			t.Errorf("%s: shown unasked %v, want %v", c.uri, got, !c.quiet)
		}
	}
	js := "var xs = [1];\nif (xs.indexOf(2) !== -1) { use(xs); }\n"
	if auto := rulesOf(h.actionsOn("file:///w/node_modules/lib/index.js", "javascript", js, "xs.indexOf", protocol.CodeActionTriggerKindAutomatic)); len(auto) > 0 {
		t.Errorf("node_modules: shown unasked %v", auto)
	}
	if auto := rulesOf(h.actionsOn("file:///w/src/index.js", "javascript", js, "xs.indexOf", protocol.CodeActionTriggerKindAutomatic)); !slices.Contains(auto, "javascript.indexof-includes") {
		t.Errorf("src: shown unasked %v, want indexof-includes (the control)", auto)
	}
}

// TestSuppressionComments: the languages' own suppression comments, and
// SyntX's, silence a site; a comment for another check does not.
func TestSuppressionComments(t *testing.T) {
	t.Parallel()
	h := startIn(t, t.TempDir(), nil)
	cases := []struct {
		name, lang, src, marker, rule string
		want                          bool
	}{
		{"js.js", "javascript", "function f(a, b) {\n  return a == b;\n}\n", "a == b", "javascript.strict-equality", true},
		{"js-eslint.js", "javascript", "function f(a, b) {\n  // eslint-disable-next-line eqeqeq -- 0 and \"0\" are the same id\n  return a == b;\n}\n", "a == b", "javascript.strict-equality", false},
		{"js-other.js", "javascript", "function f(a, b) {\n  // eslint-disable-next-line no-console\n  return a == b;\n}\n", "a == b", "javascript.strict-equality", true},
		{"py-noqa.py", "python", "def f(x):\n    return x == None  # noqa: E711\n", "x == None", "python.none-comparison", false},
		{"py-syntx.py", "python", "def f(x):\n    # syntx-ignore: none-comparison\n    return x == None\n", "x == None", "python.none-comparison", false},
		{"go-nolint.go", "go", "package p\n\nimport \"crypto/tls\"\n\nvar c = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // test server\n", "InsecureSkipVerify", "go.tls-insecure-skip-verify", false},
		{"ts-ignore.ts", "typescript", "function f(a: number, b: string) {\n  // @ts-ignore\n  return a == b;\n}\n", "a == b", "typescript.strict-equality", false},
	}
	for _, c := range cases {
		acts := h.actionsOn("file:///w/"+c.name, c.lang, c.src, c.marker, protocol.CodeActionTriggerKindInvoked)
		got := false
		for _, r := range rulesOf(acts) {
			got = got || r == c.rule
		}
		if got != c.want {
			t.Errorf("%s: %s offered = %v, want %v", c.name, c.rule, got, c.want)
		}
	}
}

// TestDeclaredTargets: a package that declares engines.node >= 0.10 gets
// neither let/const nor includes; a go.mod at go 1.11 gets no ReplaceAll.
// The same files without the declarations get them.
func TestDeclaredTargets(t *testing.T) {
	t.Parallel()
	jsSrc := "function has(list, x) {\n  var found = list.indexOf(x) !== -1;\n  return found;\n}\nmodule.exports = { has };\n"
	goSrc := "package p\n\nimport \"strings\"\n\nfunc clean(s string) string {\n\treturn strings.Replace(s, \"\\t\", \" \", -1)\n}\n"
	for _, declared := range []bool{false, true} {
		root := t.TempDir()
		files := map[string]string{"web/has.js": jsSrc, "svc/clean.go": goSrc}
		if declared {
			files["web/package.json"] = `{"name": "has", "engines": {"node": ">= 0.10"}}`
			files["svc/go.mod"] = "module example.com/svc\n\ngo 1.11\n"
		}
		writeTree(t, root, files)
		h := startIn(t, root, nil)
		js := h.actionsOn(lspclient.FileURI(filepath.Join(root, "web", "has.js")), "javascript", jsSrc, "indexOf", protocol.CodeActionTriggerKindInvoked)
		gotJS := strings.Join(rulesOf(js), " ")
		gofix := h.actionsOn(lspclient.FileURI(filepath.Join(root, "svc", "clean.go")), "go", goSrc, "strings.Replace", protocol.CodeActionTriggerKindInvoked)
		gotGo := strings.Join(rulesOf(gofix), " ")
		for _, r := range []string{"javascript.indexof-includes", "javascript.no-var"} {
			if strings.Contains(gotJS, r) == declared {
				t.Errorf("declared=%v: JavaScript actions %q, %s offered = %v", declared, gotJS, r, !declared)
			}
		}
		if strings.Contains(gotGo, "go.replace-all") == declared {
			t.Errorf("declared=%v: Go actions %q", declared, gotGo)
		}
	}
}

// TestHoistedNameTaken: go.regexp-compile-in-func hoists a variable to
// package level, and is not offered when another file of the package
// already declares the name (fzf's placeholder, issue 21), whether the
// lightbulb or the diagnostics ask; with a free name it is.
func TestHoistedNameTaken(t *testing.T) {
	t.Parallel()
	src := "package p\n\nimport \"regexp\"\n\nfunc quote(s string) string {\n\tplaceholder := regexp.MustCompile(`\\{[a-z]+\\}`)\n\treturn placeholder.ReplaceAllString(s, \"?\")\n}\n"
	for _, taken := range []bool{false, true} {
		root := t.TempDir()
		files := map[string]string{"src/options.go": src, "go.mod": "module example.com/p\n\ngo 1.22\n"}
		if taken {
			files["src/terminal.go"] = "package p\n\nvar placeholder = 1\n"
		} else {
			files["src/terminal.go"] = "package p\n\nvar other = 1\n"
		}
		writeTree(t, root, files)
		h := startIn(t, root, nil)
		acts := h.actionsOn(lspclient.FileURI(filepath.Join(root, "src", "options.go")), "go", src, "placeholder :=", protocol.CodeActionTriggerKindInvoked)
		if got := strings.Join(rulesOf(acts), " "); strings.Contains(got, "go.regexp-compile-in-func") == taken {
			t.Errorf("taken=%v: actions %q", taken, got)
		}
	}
}

// queuedBehind returns once the server has handled what the client sent
// about uri so far: a request about uri runs in the document's queue,
// after them. (Requests about another document do not wait for them.)
func queuedBehind(t *testing.T, c *lspclient.Client, uri string) {
	t.Helper()
	params := map[string]any{"textDocument": map[string]any{"uri": uri}, "range": map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 0, "character": 0}}, "context": map[string]any{"diagnostics": []any{}}}
	var out json.RawMessage
	// A closed document's request fails, in its queue all the same.
	if err := c.Call(ctx(t), "textDocument/codeAction", params, &out); err != nil && !strings.Contains(err.Error(), "is not open") {
		t.Fatal(err)
	}
}

// TestSliceTypeFromPackage: go.slices-contains-loop needs the ranged
// value to be a slice, and in air's util.go it is a field of a struct
// declared in another file of the package (requires.known_type). A slice
// there is offered, a map is not; the server reads that file from the
// disk, or from the editor's buffer while it is open there, saved or not,
// and goes back to the disk when it is closed.
func TestSliceTypeFromPackage(t *testing.T) {
	t.Parallel()
	src := "package runner\n\nfunc (e *Engine) excluded(name string) bool {\n\tfor _, d := range e.config.ExcludeDir {\n\t\tif d == name {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n"
	root := t.TempDir()
	engine := "package runner\n\ntype Engine struct{ config *Config }\n\ntype Config struct{ ExcludeDir %s }\n"
	writeTree(t, root, map[string]string{"runner/util.go": src, "runner/engine.go": fmt.Sprintf(engine, "[]string"), "go.mod": "module example.com/air\n\ngo 1.22\n"})
	h := startIn(t, root, nil)
	uri := lspclient.FileURI(filepath.Join(root, "runner", "util.go"))
	engineURI := lspclient.FileURI(filepath.Join(root, "runner", "engine.go"))
	offered := func() bool {
		t.Helper()
		// Notifications about engine.go are handled in its own queue: a
		// request there waits for them (the request on util.go would not).
		queuedBehind(t, h.c, engineURI)
		got := rulesOf(h.actionsOn(uri, "go", src, "for _, d", protocol.CodeActionTriggerKindInvoked))
		return slices.Contains(got, "go.slices-contains-loop")
	}
	if !offered() {
		t.Error("ExcludeDir is a []string in engine.go: not offered")
	}
	writeTree(t, root, map[string]string{"runner/engine.go": fmt.Sprintf(engine, "map[string]bool")})
	// The cache goes by modification time and size: both change here.
	if offered() {
		t.Error("ExcludeDir is a map in engine.go: offered")
	}

	// Open in the editor, the buffer is what the package says.
	if err := h.c.Open(ctx(t), engineURI, "go", fmt.Sprintf(engine, "[]string")); err != nil {
		t.Fatal(err)
	}
	if !offered() {
		t.Error("ExcludeDir is a []string in the open engine.go (a map on the disk): not offered")
	}
	if err := h.c.ReplaceAll(ctx(t), engineURI, fmt.Sprintf(engine, "[4]string")); err != nil {
		t.Fatal(err)
	}
	if offered() {
		t.Error("ExcludeDir is an array in the edited, unsaved engine.go: offered")
	}
	if err := h.c.Notify(ctx(t), "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(engineURI)}}); err != nil {
		t.Fatal(err)
	}
	if offered() {
		t.Error("engine.go closed unsaved: the disk's map counts again, but it was offered")
	}

	// A file never saved declares its types too.
	newURI := lspclient.FileURI(filepath.Join(root, "runner", "other.go"))
	if err := h.c.Open(ctx(t), newURI, "go", "package runner\n\ntype Other struct{ Names []string }\n"); err != nil {
		t.Fatal(err)
	}
	queuedBehind(t, h.c, newURI)
	other := strings.ReplaceAll(strings.ReplaceAll(src, "e.config.ExcludeDir", "o.Names"), "(e *Engine)", "(o *Other)")
	otherURI := lspclient.FileURI(filepath.Join(root, "runner", "names.go"))
	writeTree(t, root, map[string]string{"runner/names.go": other})
	if got := rulesOf(h.actionsOn(otherURI, "go", other, "for _, d", protocol.CodeActionTriggerKindInvoked)); !slices.Contains(got, "go.slices-contains-loop") {
		t.Errorf("Other.Names is a []string in the unsaved other.go: actions %q", got)
	}
}

const migrateSrc = `const fs = require("fs");

function total(items) {
  var sum = 0;
  for (var i = 0; i < items.length; i++) {
    sum += items[i].price;
  }
  return sum;
}

function first(list) {
  if (list.length) {
    var head = list[0];
  }
  return head;
}

function names(users) {
  var out = [];
  var label = "user";
  for (var u of users) out.push(label + u.name);
  return out;
}
`

// TestMigrationSourceAction: var → let/const is one source action for the
// file, applying only the safe sites (head is used after its block and
// stays var), offered and recorded as one suggestion, followed after it is
// applied, and kept. Its sites are not offered one by one by default.
//
// To a client that resolves code actions (VS Code, Neovim, LSP4IJ) the
// action comes without its edit, which the client asks for when it applies
// it (codeAction/resolve); the outcome is the same.
func TestMigrationSourceAction(t *testing.T) {
	t.Parallel()
	for _, resolving := range []bool{false, true} {
		t.Run(map[bool]string{false: "edit-in-action", true: "edit-resolved"}[resolving], func(t *testing.T) {
			t.Parallel()
			testMigrationSourceAction(t, resolving)
		})
	}
}

// TestMigrationOnSave: VS Code's editor.codeActionsOnSave with
// "source.syntx" asks, on each save, for the source actions of that kind
// over the whole file with an automatic trigger. The developer's setting
// asked for them, so the migration comes whatever the policy would show
// unasked (TypeScript's var -> let/const has a prior of 0.5, under the
// default threshold of 0.55: before, a save converted nothing), without
// its edit to a client that resolves, and applying it converts the file.
// A lightbulb (automatic, no kind filter) still gets no source action, and
// the save's request no per-site suggestion.
func TestMigrationOnSave(t *testing.T) {
	t.Parallel()
	const src = `export function count(items: string[]): number {
  var n = 0;
  for (var i = 0; i < items.length; i++) {
    n += items[i].length;
  }
  return n;
}
`
	h := startInAs(t, t.TempDir(), nil, true)
	uri := "file:///w/onsave.ts"
	if lightbulb := h.actionsOn(uri, "typescript", src, "var n", protocol.CodeActionTriggerKindAutomatic); len(lightbulb) != 0 {
		t.Fatalf("the lightbulb got %v", rulesOf(lightbulb))
	}
	acts, err := suggestions(h.c.CodeActions(ctx(t), uri, 0, len(src), protocol.CodeActionTriggerKindAutomatic, "source.syntx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Title != "Convert this file to let/const (2 sites)" || string(*acts[0].Kind) != "source.syntx.style" {
		t.Fatalf("on save: %v", rulesOf(acts))
	}
	if acts[0].Edit != nil {
		t.Fatal("the migration came with its edit to a client that resolves")
	}
	if err := h.c.Apply(ctx(t), acts[0]); err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("var n", "let n", "var i", "let i").Replace(src)
	if got := h.c.Doc(uri).Text; got != want {
		t.Fatalf("after the save's source action:\n%s\nwant:\n%s", got, want)
	}
}

func testMigrationSourceAction(t *testing.T, resolving bool) {
	h := startInAs(t, t.TempDir(), nil, resolving)
	uri := "file:///w/migrate.js"
	// Invoked (an opened menu lists every fix, whatever its prior): no-var's
	// prior is below the default threshold, so the lightbulb would hide its
	// sites even if they were offered.
	if perSite := h.actionsOn(uri, "javascript", migrateSrc, "var sum", protocol.CodeActionTriggerKindInvoked, "refactor", "quickfix"); len(perSite) != 0 {
		t.Fatalf("per-site migration actions offered by default: %v", rulesOf(perSite))
	}
	acts := h.actionsOn(uri, "javascript", migrateSrc, "var sum", protocol.CodeActionTriggerKindInvoked, "source")
	if len(acts) != 1 {
		t.Fatalf("source actions %v, want one", rulesOf(acts))
	}
	a := acts[0]
	if string(*a.Kind) != "source.syntx.style" || a.Title != "Convert this file to let/const (4 sites)" {
		t.Fatalf("kind %q title %q", *a.Kind, a.Title)
	}
	if a.IsPreferred != nil && *a.IsPreferred {
		t.Error("a source action is preferred")
	}
	if (a.Edit == nil) != resolving {
		t.Fatalf("a client that resolves edits: %v; the action's edit: %v", resolving, a.Edit)
	}
	if err := h.c.Apply(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	got := h.c.Doc(uri).Text
	want := strings.NewReplacer("var sum", "let sum", "var i", "let i", "var out", "const out", "var label", "const label").Replace(migrateSrc)
	if got != want {
		t.Fatalf("after the source action:\n%s\nwant:\n%s", got, want)
	}
	tree, err := syntax.Parse(context.Background(), syntax.JavaScript, []byte(got))
	if err != nil || syntax.HasErrors(tree.Root()) {
		t.Fatalf("the result does not parse: %v", err)
	}
	tree.Close()
	st := h.expectEvents(store.Accepted, 1)
	if st.Events[store.Offered] != 1 {
		t.Fatalf("offered %d suggestions, want the one migration: %v", st.Events[store.Offered], st.Events)
	}
	sugg := h.acceptedSuggestion()
	if sugg.RuleID != "javascript.no-var" || strings.Count(sugg.SuggestedText, "\n") != 3 || !strings.Contains(sugg.SuggestedText, "const label") || strings.Contains(sugg.OriginalText, "head") {
		t.Errorf("recorded suggestion %s: original %q suggested %q", sugg.RuleID, sugg.OriginalText, sugg.SuggestedText)
	}
	// Editing between the sites does not make it edited.
	at := strings.Index(got, "return head;")
	if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: at, End: at + len("return head;"), Text: "return head || null;"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{31 * time.Second, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute, 5 * time.Minute} {
		h.clock.Advance(d)
	}
	st = h.expectEvents(store.Kept, 1)
	if st.Events[store.Edited]+st.Events[store.Undone] != 0 {
		t.Fatalf("events %v", st.Events)
	}
}

// TestMigrationAskedAgain: a file's migration is built once per text and
// given again to the requests that ask before it changes (migrationCache),
// but not to one that admits other kinds, and not once the project's
// declared target no longer allows it.
func TestMigrationAskedAgain(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"package.json": `{"name": "m", "engines": {"node": ">= 14"}}`})
	h := startIn(t, root, nil)
	uri := lspclient.FileURI(filepath.Join(root, "migrate.js"))
	first := h.actionsOn(uri, "javascript", migrateSrc, "var sum", protocol.CodeActionTriggerKindInvoked, "source")
	if len(first) != 1 || first[0].Title != "Convert this file to let/const (4 sites)" {
		t.Fatalf("source actions %v, want the migration", rulesOf(first))
	}
	if other := h.actionsOn(uri, "javascript", migrateSrc, "var sum", protocol.CodeActionTriggerKindInvoked, "source.syntx.correctness"); len(other) != 0 {
		t.Fatalf("a correctness-only request got %v", rulesOf(other))
	}
	again := h.actionsOn(uri, "javascript", migrateSrc, "var sum", protocol.CodeActionTriggerKindInvoked, "source")
	if len(again) != 1 {
		t.Fatalf("asked again: %v", rulesOf(again))
	}
	a, _ := json.Marshal(first[0].Edit)
	b, _ := json.Marshal(again[0].Edit)
	if string(a) != string(b) || first[0].Title != again[0].Title {
		t.Fatalf("asked again, the migration differs:\n%s\n%s", a, b)
	}
	// The same text, in a package that now supports Node.js 0.10: no
	// let/const.
	writeTree(t, root, map[string]string{"package.json": `{"name": "m", "engines": {"node": ">= 0.10"}, "private": true}`})
	if old := h.actionsOn(uri, "javascript", migrateSrc, "var sum", protocol.CodeActionTriggerKindInvoked, "source"); len(old) != 0 {
		t.Fatalf("with engines.node >= 0.10, source actions %v", rulesOf(old))
	}
}

// TestMigrationSitesSetting: with suggestions.migration_sites the sites are
// offered one by one as well (in the menu: no-var's prior, revised from the
// real-code run, is below the default threshold, so the lightbulb does not
// show them unasked).
func TestMigrationSitesSetting(t *testing.T) {
	t.Parallel()
	h := startIn(t, t.TempDir(), map[string]any{"suggestions": map[string]any{"migration_sites": true}})
	acts := h.actionsOn("file:///w/m.js", "javascript", migrateSrc, "var sum", protocol.CodeActionTriggerKindInvoked, "refactor", "quickfix")
	if got := strings.Join(rulesOf(acts), " "); got != "javascript.no-var" {
		t.Fatalf("actions %q, want the site's no-var", got)
	}
	if acts[0].Title != "Declare with let or const instead of var" {
		t.Errorf("title %q", acts[0].Title)
	}
}

// resolvingClient makes c announce what VS Code, Neovim and LSP4IJ
// announce: it keeps a code action's data and asks codeAction/resolve for
// an edit the action came without.
func resolvingClient(c *lspclient.Client) {
	yes := true
	c.Capabilities = func(cc *protocol.ClientCapabilities) {
		if cc.TextDocument == nil {
			cc.TextDocument = &protocol.TextDocumentClientCapabilities{}
		}
		cc.TextDocument.CodeAction = &protocol.CodeActionClientCapabilities{
			DataSupport:    &yes,
			ResolveSupport: protocol.ClientCodeActionResolveOptions{Properties: []string{"edit"}},
		}
	}
}

// TestMigrationRecordBounded: a migration's record keeps the lines of its
// first sites (migrationRecordLines), before and after, and says how many
// more it rewrote; applying it rewrites every site.
func TestMigrationRecordBounded(t *testing.T) {
	t.Parallel()
	h := startIn(t, t.TempDir(), nil)
	uri := "file:///w/long.js"
	var b strings.Builder
	b.WriteString("function setup(use) {\n")
	const n = migrationRecordLines + 36
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  var v%d = %d;\n", i, i)
	}
	b.WriteString("  return use(")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "v%d, ", i)
	}
	b.WriteString("0);\n}\n")
	src := b.String()
	acts := h.actionsOn(uri, "javascript", src, "var v0", protocol.CodeActionTriggerKindInvoked, "source")
	if len(acts) != 1 || acts[0].Title != fmt.Sprintf("Convert this file to let/const (%d sites)", n) {
		t.Fatalf("source actions %v", rulesOf(acts))
	}
	if err := h.c.Apply(ctx(t), acts[0]); err != nil {
		t.Fatal(err)
	}
	if got := h.c.Doc(uri).Text; strings.Count(got, "const v") != n || strings.Contains(got, "var ") {
		t.Fatalf("after the migration:\n%s", got)
	}
	h.expectEvents(store.Accepted, 1)
	sugg := h.acceptedSuggestion()
	orig, repl := strings.Split(sugg.OriginalText, "\n"), strings.Split(sugg.SuggestedText, "\n")
	note := fmt.Sprintf("… and %d more lines this migration rewrites (not recorded)", n-migrationRecordLines)
	if len(orig) != migrationRecordLines+1 || len(repl) != len(orig) || orig[len(orig)-1] != note || repl[len(repl)-1] != note {
		t.Fatalf("recorded %d lines before and %d after, ending %q and %q; want %d and the note %q",
			len(orig), len(repl), orig[len(orig)-1], repl[len(repl)-1], migrationRecordLines, note)
	}
	for i := 0; i < migrationRecordLines; i++ {
		if want := fmt.Sprintf("  var v%d = %d;", i, i); orig[i] != want {
			t.Fatalf("recorded line %d before: %q, want %q", i, orig[i], want)
		}
		if want := fmt.Sprintf("  const v%d = %d;", i, i); repl[i] != want {
			t.Fatalf("recorded line %d after: %q, want %q", i, repl[i], want)
		}
	}
}

// acceptedSuggestion returns the stored suggestion of the last accepted
// event.
func (h *captureHarness) acceptedSuggestion() store.Suggestion {
	h.t.Helper()
	var sugg store.Suggestion
	if err := h.db().Events(context.Background(), store.EventFilter{}, func(e store.Event) error {
		if e.Outcome == store.Accepted {
			s, err := h.db().Suggestion(context.Background(), e.SuggestionID)
			sugg = s
			return err
		}
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
	return sugg
}
