package lsp

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/lspclient"
)

var docVersion = regexp.MustCompile(`"version":\d+`)

// actionKeys describes code actions by what a client sees of them, ids
// aside: rule, site, score and the edit.
func actionKeys(t *testing.T, acts []*protocol.CodeAction) []string {
	t.Helper()
	var out []string
	for _, a := range acts {
		var rule string
		var score float64
		var site protocol.Range
		if err := jsonField(a.Data, "ruleId", &rule); err != nil {
			t.Fatal(err)
		}
		_ = jsonField(a.Data, "score", &score)
		_ = jsonField(a.Data, "site", &site)
		edits, _ := json.Marshal(a.Edit)
		edits = docVersion.ReplaceAll(edits, []byte(`"version":0`))
		out = append(out, fmt.Sprintf("%s %v %.6f %s", rule, site, score, edits))
	}
	slices.Sort(out)
	return out
}

// TestCodeActionsKeptAcrossEditsMatchFresh: what a code action keeps with
// each match (the fix, the features, the score) is used again only while it
// is still right. After each random edit, the actions a server gives over a
// range and over the whole file equal those of a server that opens the
// current text afresh.
func TestCodeActionsKeptAcrossEditsMatchFresh(t *testing.T) {
	t.Parallel()
	for _, sh := range []corpus.Shape{corpus.UMD, corpus.BigFunc, corpus.Class} {
		t.Run(string(sh), func(t *testing.T) {
			t.Parallel()
			lang := map[corpus.Shape]string{corpus.UMD: "javascript", corpus.BigFunc: "go", corpus.Class: "python"}[sh]
			ext := map[corpus.Shape]string{corpus.UMD: "js", corpus.BigFunc: "go", corpus.Class: "py"}[sh]
			pieces := map[corpus.Shape][]string{
				corpus.UMD:     {"x", "\n", "}", "{", "console.log(a);\n", " == ", "var ", "// ", "el.innerHTML = v;\n"},
				corpus.BigFunc: {"x", "\n", "}", "{", "errors.New(fmt.Sprintf(\"%d\", 1))", "err == io.EOF", "// ", "\"errors\"\n", "_ = errors.Is(err, io.EOF)\n"},
				corpus.Class:   {"x", "\n", "    ", "if x == None:\n        pass\n", "#", "except:\n", "yaml.load(s)"},
			}[sh]
			h := start(t)
			h.initPatient(t)
			c := ctx(t)
			uri := "file:///work/memo/doc." + ext
			src := corpus.GenerateShape(sh, 300)
			if err := h.c.Open(c, uri, lang, src); err != nil {
				t.Fatal(err)
			}
			wholeFileActions(t, h, uri) // keeps what every candidate derives
			rng := rand.New(rand.NewPCG(11, 11))
			for step := 0; step < 25; step++ {
				text := h.c.Doc(uri).Text
				a := rng.IntN(len(text) + 1)
				b := min(len(text), a+rng.IntN(5))
				if err := h.c.Change(c, uri, lspclient.Edit{Start: a, End: b, Text: pieces[rng.IntN(len(pieces))]}); err != nil {
					t.Fatal(err)
				}
				text = h.c.Doc(uri).Text
				lo := rng.IntN(len(text) + 1)
				hi := min(len(text), lo+2000)
				// The same path, for the file's role: only the URI differs.
				furi := fmt.Sprintf("file:///work/memo/fresh%d.%s", step, ext)
				compareWithFresh(t, h, uri, furi, lang, t.TempDir(), lo, hi, fmt.Sprintf("step %d", step))
			}
		})
	}
}

// TestMigrationKeptAcrossEditsMatchesFresh: a file's migration is built from
// its sites' fixes as their matches keep them (memoFix) and from the
// suppression comments found on their lines. After each random edit — in
// and between var declarations, adding and removing suppression comments —
// the source actions (and the whole-file menu) equal those of a server that
// opens the current text afresh.
func TestMigrationKeptAcrossEditsMatchesFresh(t *testing.T) {
	t.Parallel()
	// With suggestions.migration_sites the sites are offered one by one
	// as well, from the same kept fixes.
	for _, sites := range []bool{false, true} {
		t.Run(map[bool]string{false: "file", true: "sites"}[sites], func(t *testing.T) {
			t.Parallel()
			migrationKeptAcrossEdits(t, sites)
		})
	}
}

func migrationKeptAcrossEdits(t *testing.T, sites bool) {
	var b strings.Builder
	for i := range 12 {
		b.WriteString(strings.NewReplacer("total", fmt.Sprintf("total%d", i), "first", fmt.Sprintf("first%d", i),
			"names", fmt.Sprintf("names%d", i), `const fs = require("fs");`, fmt.Sprintf("const fs%d = require(\"fs\");", i)).Replace(migrateSrc))
	}
	src := b.String()
	pieces := []string{"x", "\n", "var ", "let ", " = 1", "}", "{", ";", "head", "// syntx-ignore\n",
		"// eslint-disable-next-line no-var\n", "/* eslint-disable no-var */\n", " // eslint-disable-line\n", "sum = 2;\n"}
	h := start(t)
	if sites {
		h.settings = map[string]any{"suggestions": map[string]any{"migration_sites": true}}
	}
	root := t.TempDir()
	h.initPatientIn(t, root)
	c := ctx(t)
	uri := "file://" + root + "/kept.js"
	if err := h.c.Open(c, uri, "javascript", src); err != nil {
		t.Fatal(err)
	}
	if got := sourceActions(t, h, uri); len(got) != 1 || !strings.HasPrefix(got[0], "javascript.no-var") {
		t.Fatalf("source actions before the edits: %v, want the no-var migration", got)
	}
	rng := rand.New(rand.NewPCG(21, 3))
	var log []string
	for step := range 30 {
		text := h.c.Doc(uri).Text
		a := rng.IntN(len(text) + 1)
		if rng.IntN(2) == 0 {
			// Into a declaration: at a var, or next to one.
			if at := strings.Index(text[a:], "var "); at >= 0 {
				a += at + rng.IntN(6)
			}
		}
		a = min(a, len(text))
		e := lspclient.Edit{Start: a, End: min(len(text), a+rng.IntN(4)), Text: pieces[rng.IntN(len(pieces))]}
		log = append(log, fmt.Sprintf("step %d: %d-%d %q", step, e.Start, e.End, e.Text))
		if err := h.c.Change(c, uri, e); err != nil {
			t.Fatal(err)
		}
		furi := "file://" + root + fmt.Sprintf("/fresh%d.js", step)
		n := len(h.c.Doc(uri).Text)
		compareWithFresh(t, h, uri, furi, "javascript", root, max(0, a-500), min(n, a+500),
			fmt.Sprintf("step %d after\n%s\n", step, strings.Join(log[max(0, len(log)-8):], "\n")))
	}
}

// TestMigrationMemoDescribedForSites: a fix kept for a migration does not
// describe its site (the policy's context features); with
// suggestions.migration_sites, a site then offered on its own gets the
// same features as on a server that never built the migration.
func TestMigrationMemoDescribedForSites(t *testing.T) {
	t.Parallel()
	features := func(migrationFirst bool) string {
		h := start(t)
		h.settings = map[string]any{"suggestions": map[string]any{"migration_sites": true}}
		root := t.TempDir()
		h.initPatientIn(t, root)
		uri := "file://" + root + "/m.js"
		if err := h.c.Open(ctx(t), uri, "javascript", migrateSrc); err != nil {
			t.Fatal(err)
		}
		if migrationFirst {
			if got := sourceActions(t, h, uri); len(got) != 1 {
				t.Fatalf("source actions %v, want the migration", got)
			}
		}
		// A request of a kind SyntX has none of: answered once the didOpen
		// before it is taken in, rendering nothing.
		if _, err := h.c.CodeActions(ctx(t), uri, 0, 0, protocol.CodeActionTriggerKindInvoked, "notebook"); err != nil {
			t.Fatal(err)
		}
		key, _ := normURI(uri)
		p := &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)},
			Range:        protocol.Range{End: protocol.Position{Line: uint32(strings.Count(migrateSrc, "\n"))}},
			Context:      protocol.CodeActionContext{Only: []protocol.CodeActionKind{protocol.CodeActionKindRefactor}, TriggerKind: protocol.CodeActionTriggerKindInvoked},
		}
		f := h.srv.find(ctx(t), key, p, h.srv.config())
		var out []string
		for _, c := range f.cands {
			out = append(out, fmt.Sprintf("%s %v %+v", c.match.Rule.ID, c.match.Site, c.features))
		}
		slices.Sort(out)
		if len(out) == 0 {
			t.Fatalf("no per-site candidates: total %d err %v", f.total, f.err)
		}
		return strings.Join(out, "\n")
	}
	got, want := features(true), features(false)
	if got != want {
		t.Fatalf("features after the migration:\n%s\nwithout it:\n%s", got, want)
	}
}

// wholeFileActions returns the keys of the code actions h's server gives
// over the whole of uri.
func wholeFileActions(t *testing.T, h *harness, uri string) []string {
	t.Helper()
	acts, err := suggestions(h.c.CodeActions(ctx(t), uri, 0, len(h.c.Doc(uri).Text), protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	return actionKeys(t, acts)
}

// compareWithFresh checks that the code actions h's server gives on uri,
// over lo-hi and over the whole file, equal those of a server in the
// workspace folder root that opens uri's current text afresh as furi.
// label names the step.
func compareWithFresh(t *testing.T, h *harness, uri, furi, lang, root string, lo, hi int, label string) {
	t.Helper()
	c := ctx(t)
	part, err := suggestions(h.c.CodeActions(c, uri, lo, hi, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	fresh := start(t)
	fresh.settings = h.settings
	fresh.initPatientIn(t, root)
	if err := fresh.c.Open(c, furi, lang, h.c.Doc(uri).Text); err != nil {
		t.Fatal(err)
	}
	want, err := suggestions(fresh.c.CodeActions(c, furi, lo, hi, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	norm := func(keys []string) string { return strings.ReplaceAll(strings.Join(keys, "\n"), furi, uri) }
	if got, want := norm(actionKeys(t, part)), norm(actionKeys(t, want)); got != want {
		t.Fatalf("%s: actions over %d-%d differ from a fresh server's\n--- got\n%s\n--- want\n%s", label, lo, hi, got, want)
	}
	if got, want := norm(wholeFileActions(t, h, uri)), norm(wholeFileActions(t, fresh, furi)); got != want {
		t.Fatalf("%s: whole-file actions differ from a fresh server's\n--- got\n%s\n--- want\n%s", label, got, want)
	}
	// The source actions alone: a file's migrations, each built from its
	// sites' kept fixes (memoFix), which the whole-file menu may leave
	// out behind the per-site candidates.
	if got, want := norm(sourceActions(t, h, uri)), norm(sourceActions(t, fresh, furi)); got != want {
		t.Fatalf("%s: source actions differ from a fresh server's\n--- got\n%s\n--- want\n%s", label, got, want)
	}
}

// sourceActions returns the keys of the source actions SyntX offers over
// the whole of uri (the "Source Action..." menu).
func sourceActions(t *testing.T, h *harness, uri string) []string {
	t.Helper()
	acts, err := suggestions(h.c.CodeActions(ctx(t), uri, 0, len(h.c.Doc(uri).Text), protocol.CodeActionTriggerKindInvoked, protocol.CodeActionKindSource))
	if err != nil {
		t.Fatal(err)
	}
	return actionKeys(t, acts)
}
