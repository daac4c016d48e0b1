package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

// diagHarness is a real server over a pipe with a real client, a real
// database and a fake clock, announcing pull diagnostics or not.
type diagHarness struct {
	*captureHarness
}

func startDiag(t *testing.T, pull bool, initOptions any) *diagHarness {
	t.Helper()
	return startDiagIn(t, t.TempDir(), pull, initOptions)
}

// startDiagIn is startDiag with the workspace at root; more sets further
// client capabilities.
func startDiagIn(t *testing.T, root string, pull bool, initOptions any, more ...func(*protocol.ClientCapabilities)) *diagHarness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	home := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := NewServer(Options{Logger: logger, DataDir: home, Clock: clock.Now, TickInterval: manualTicks})
	c, _ := connect(t, ctx, s)
	c.Capabilities = func(caps *protocol.ClientCapabilities) {
		if pull {
			yes := true
			if caps.TextDocument == nil {
				caps.TextDocument = &protocol.TextDocumentClientCapabilities{}
			}
			caps.TextDocument.Diagnostic = &protocol.DiagnosticClientCapabilities{}
			caps.Workspace.Diagnostics = &protocol.DiagnosticWorkspaceClientCapabilities{RefreshSupport: &yes}
		}
		for _, f := range more {
			f(caps)
		}
	}
	res, err := c.Initialize(ctx, root, false, initOptions)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Capabilities.DiagnosticProvider != nil; got != pull {
		t.Fatalf("diagnosticProvider announced: %v, client pulls: %v", got, pull)
	}
	return &diagHarness{&captureHarness{c: c, srv: s, clock: clock, home: home, t: t}}
}

// startupSettled waits until the record of outcomes the server reads in
// the background at start-up is in use, and every document's diagnostics
// were made stale for it (loadRecord): two pulls of one text, one before
// and one after, differ.
func (h *diagHarness) startupSettled() {
	h.t.Helper()
	testwait.Until(h.t, "the record of outcomes in use", func() bool {
		if h.srv.record.Load() == nil {
			return false
		}
		h.srv.diags.mu.Lock()
		defer h.srv.diags.mu.Unlock()
		return h.srv.diags.epoch > 0
	})
}

// hasDiagnostic reports whether p has a diagnostic of rule.
func hasDiagnostic(p published, rule string) bool {
	return slices.ContainsFunc(p.Diagnostics, func(d diagnosticOut) bool { return d.Code == rule })
}

// published is one textDocument/publishDiagnostics.
type published struct {
	URI         string          `json:"uri"`
	Version     int32           `json:"version"`
	Diagnostics []diagnosticOut `json:"diagnostics"`
}

type diagnosticOut struct {
	Range           protocol.Range `json:"range"`
	Severity        int            `json:"severity"`
	Code            string         `json:"code"`
	Source          string         `json:"source"`
	Message         string         `json:"message"`
	CodeDescription *struct {
		Href string `json:"href"`
	} `json:"codeDescription"`
	Data struct {
		SuggestionID string  `json:"suggestionId"`
		SetID        string  `json:"setId"`
		RuleID       string  `json:"ruleId"`
		Category     string  `json:"category"`
		Score        float64 `json:"score"`
		Safety       string  `json:"safety"`
	} `json:"data"`
}

// waitPublished waits for a publishDiagnostics of uri that satisfies ok.
func (h *diagHarness) waitPublished(uri string, ok func(published) bool, what string) published {
	h.t.Helper()
	var got published
	_, err := h.c.WaitFor(ctx(h.t), func(n lspclient.Notification) bool {
		if n.Method != "textDocument/publishDiagnostics" {
			return false
		}
		var p published
		if json.Unmarshal(n.Params, &p) != nil || p.URI != uri {
			return false
		}
		if ok(p) {
			got = p
			return true
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("no publishDiagnostics for %s with %s: %v", uri, what, err)
	}
	return got
}

// lastPublished is the last publishDiagnostics of uri so far.
func (h *diagHarness) lastPublished(uri string) (published, bool) {
	var last published
	found := false
	for _, n := range h.c.Notifications() {
		var p published
		if n.Method == "textDocument/publishDiagnostics" && json.Unmarshal(n.Params, &p) == nil && p.URI == uri {
			last, found = p, true
		}
	}
	return last, found
}

const diagPy = `def check(x, items, d):
    if x is 1:
        return True
    if not x in items:
        return False
    if x in d.keys():
        return None
    return x
`

func TestDiagnosticsPublishedAndVersioned(t *testing.T) {
	t.Parallel()
	h := startDiag(t, false, map[string]any{"diagnostics": map[string]any{"delay": "1ms", "severity": map[string]any{"correctness": "warning"}}})
	uri := "file:///w/diag.py"
	if err := h.c.Open(ctx(t), uri, "python", diagPy); err != nil {
		t.Fatal(err)
	}
	p := h.waitPublished(uri, func(p published) bool { return p.Version == 1 && len(p.Diagnostics) > 0 }, "version 1")
	byRule := map[string]diagnosticOut{}
	for _, d := range p.Diagnostics {
		byRule[d.Code] = d
		if d.Source != "syntx" || d.Data.RuleID != d.Code || d.Data.SuggestionID == "" || d.Data.SetID == "" {
			t.Errorf("diagnostic %+v lacks source, code or data", d)
		}
		if d.Data.Safety != rules.Safe {
			t.Errorf("the base policy showed an unsafe fix unasked: %+v", d)
		}
		want := 4 // hint
		if d.Data.Category == "correctness" {
			want = 2 // diagnostics.severity.correctness = "warning"
		}
		if d.Severity != want {
			t.Errorf("%s (%s): severity %d, want %d", d.Code, d.Data.Category, d.Severity, want)
		}
	}
	lit, ok := byRule["python.is-literal"]
	if !ok {
		t.Fatalf("no diagnostic for `x is 1`: %+v", p.Diagnostics)
	}
	if lit.Range.Start.Line != 1 {
		t.Errorf("is-literal on line %d, want 1", lit.Range.Start.Line)
	}
	if !strings.Contains(lit.Message, "Suggested fix: ") {
		t.Errorf("message %q does not name the fix", lit.Message)
	}
	// codeDescription links to the rule's documentation, the same text
	// `syntx rules show` prints.
	if lit.CodeDescription == nil {
		t.Fatal("no codeDescription")
	}
	u, err := url.Parse(lit.CodeDescription.Href)
	if err != nil || u.Scheme != "file" {
		t.Fatalf("codeDescription.href %q is not a file URI", lit.CodeDescription.Href)
	}
	doc, err := os.ReadFile(u.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(doc), "# python.is-literal\n") || !strings.Contains(string(doc), "## Examples") {
		t.Errorf("rule page:\n%s", doc)
	}
	if fi, err := os.Stat(u.Path); err != nil || fi.Mode().Perm() != 0o600 || !strings.HasPrefix(u.Path, h.home) {
		t.Errorf("rule page %s: %v, mode %v (want 0600 under $SYNTX_HOME)", u.Path, err, fi.Mode())
	}

	// An edit: the next publish carries the new version and the new
	// text's diagnostics, and nothing about version 1 follows it.
	at := strings.Index(diagPy, "    return x\n")
	if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: at, End: at, Text: "    if x is 2:\n        return 2\n"}); err != nil {
		t.Fatal(err)
	}
	p2 := h.waitPublished(uri, func(p published) bool { return p.Version == 2 }, "version 2")
	lits := 0
	for _, d := range p2.Diagnostics {
		if d.Code == "python.is-literal" {
			lits++
			if d.Range.Start.Line == 1 && d.Data.SuggestionID != lit.Data.SuggestionID {
				t.Errorf("the unchanged diagnostic changed id: %s, was %s", d.Data.SuggestionID, lit.Data.SuggestionID)
			}
		}
	}
	if lits != 2 {
		t.Errorf("version 2 has %d is-literal diagnostics, want 2: %+v", lits, p2.Diagnostics)
	}
	// Settle: whatever else is published, the last one is about version 2.
	if _, err := h.c.CodeActions(ctx(t), uri, 0, 0, protocol.CodeActionTriggerKindInvoked); err != nil {
		t.Fatal(err)
	}
	if last, _ := h.lastPublished(uri); last.Version != 2 {
		t.Errorf("last publish is about version %d after the edit to 2", last.Version)
	}

	// Closing clears them.
	if err := h.c.Notify(ctx(t), "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}}); err != nil {
		t.Fatal(err)
	}
	h.waitPublished(uri, func(p published) bool { return len(p.Diagnostics) == 0 }, "an empty list after close")
}

// TestDiagnosticsAreWhatTheLightbulbShows checks, line by line on corpus
// files of every language, that the diagnostics on a line are exactly the
// suggestions an automatic code action request there returns: one
// decision, not two that can drift apart.
func TestDiagnosticsAreWhatTheLightbulbShows(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"python":     "../testdata/corpus/python/cli_bookings_01.py",
		"go":         "",
		"javascript": "",
		"typescript": "",
	}
	for lang := range files {
		if files[lang] != "" {
			continue
		}
		ext := map[string]string{"go": ".go", "javascript": ".js", "typescript": ".ts"}[lang]
		matches, _ := filepath.Glob("../testdata/corpus/" + lang + "/*" + ext)
		sort.Strings(matches)
		if len(matches) == 0 {
			t.Fatalf("no %s corpus files", lang)
		}
		files[lang] = matches[len(matches)/2]
	}
	// A threshold between the priors, so that both sides leave some out.
	h := startDiag(t, false, map[string]any{"policy": map[string]any{"threshold": 0.55}, "diagnostics": map[string]any{"delay": "1ms"}})
	total := 0
	for lang, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		uri := "file:///w/" + filepath.Base(path)
		if err := h.c.Open(ctx(t), uri, lang, string(src)); err != nil {
			t.Fatal(err)
		}
		p := h.waitPublished(uri, func(p published) bool { return p.Version == 1 }, "version 1")
		diagsOn := map[uint32][]string{}
		for _, d := range p.Diagnostics {
			for l := d.Range.Start.Line; l <= d.Range.End.Line; l++ {
				diagsOn[l] = append(diagsOn[l], fmt.Sprintf("%s@%d:%d", d.Code, d.Range.Start.Line, d.Range.Start.Character))
			}
		}
		lines := strings.Split(string(src), "\n")
		for l := range lines {
			off := lineOffset(string(src), l)
			acts, err := h.c.CodeActions(ctx(t), uri, off, off, protocol.CodeActionTriggerKindAutomatic)
			if err != nil {
				t.Fatal(err)
			}
			var fromActions []string
			for _, a := range acts {
				var d struct {
					RuleID string         `json:"ruleId"`
					Site   protocol.Range `json:"site"`
				}
				if a.Kind != nil && strings.HasPrefix(string(*a.Kind), "source.") {
					continue
				}
				if json.Unmarshal(a.Data, &d) != nil || d.RuleID == "" {
					t.Fatalf("%s:%d: action without ruleId: %+v", path, l+1, a)
				}
				fromActions = append(fromActions, fmt.Sprintf("%s@%d:%d", d.RuleID, d.Site.Start.Line, d.Site.Start.Character))
			}
			want := diagsOn[uint32(l)]
			sort.Strings(fromActions)
			sort.Strings(want)
			if strings.Join(fromActions, " ") != strings.Join(want, " ") {
				t.Errorf("%s:%d: the lightbulb shows %v, the diagnostics %v", path, l+1, fromActions, want)
			}
			total += len(want)
		}
	}
	if total == 0 {
		t.Fatal("no diagnostic in any file: the comparison proved nothing")
	}
}

func lineOffset(src string, line int) int {
	off := 0
	for i := 0; i < line; i++ {
		j := strings.IndexByte(src[off:], '\n')
		if j < 0 {
			return len(src)
		}
		off += j + 1
	}
	return off
}

func TestDiagnosticsOff(t *testing.T) {
	t.Parallel()
	h := startDiag(t, false, map[string]any{"diagnostics": map[string]any{"enabled": false, "delay": "1ms"}})
	uri := "file:///w/off.py"
	if err := h.c.Open(ctx(t), uri, "python", diagPy); err != nil {
		t.Fatal(err)
	}
	p := h.waitPublished(uri, func(published) bool { return true }, "anything")
	if len(p.Diagnostics) != 0 {
		t.Fatalf("diagnostics.enabled = false published %d", len(p.Diagnostics))
	}
	// Turned on through the client's settings: they appear.
	if err := h.c.Notify(ctx(t), "workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"diagnostics": map[string]any{"enabled": true, "delay": "1ms"}}}); err != nil {
		t.Fatal(err)
	}
	h.waitPublished(uri, func(p published) bool { return len(p.Diagnostics) > 0 }, "diagnostics once enabled")
	// A higher threshold removes those the policy no longer shows.
	if err := h.c.Notify(ctx(t), "workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"policy": map[string]any{"threshold": 0.99}, "diagnostics": map[string]any{"delay": "1ms"}}}); err != nil {
		t.Fatal(err)
	}
	h.waitPublished(uri, func(p published) bool { return len(p.Diagnostics) == 0 }, "none at threshold 0.99")
}

// pullReportIn is textDocument/diagnostic's answer.
type pullReportIn struct {
	Kind     string          `json:"kind"`
	ResultID string          `json:"resultId"`
	Items    []diagnosticOut `json:"items"`
}

func (h *diagHarness) pull(uri, previous string) pullReportIn {
	h.t.Helper()
	var r pullReportIn
	params := map[string]any{"textDocument": map[string]any{"uri": uri}}
	if previous != "" {
		params["previousResultId"] = previous
	}
	if err := h.c.Call(ctx(h.t), "textDocument/diagnostic", params, &r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

func TestPullDiagnostics(t *testing.T) {
	t.Parallel()
	h := startDiag(t, true, map[string]any{"diagnostics": map[string]any{"delay": "1ms"}})
	uri := "file:///w/pull.py"
	if err := h.c.Open(ctx(t), uri, "python", diagPy); err != nil {
		t.Fatal(err)
	}
	h.startupSettled()
	r := h.pull(uri, "")
	if r.Kind != "full" || len(r.Items) == 0 || r.ResultID == "" {
		t.Fatalf("first pull: %+v", r)
	}
	if again := h.pull(uri, r.ResultID); again.Kind != "unchanged" || again.ResultID != r.ResultID {
		t.Fatalf("pull with the current result id: %+v", again)
	}
	// The pull after an edit is about the edited text, whatever the timing:
	// it runs after the edit in the document's queue.
	at := strings.Index(diagPy, "    return x\n")
	if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: at, End: at, Text: "    if x is 2:\n        return 2\n"}); err != nil {
		t.Fatal(err)
	}
	r2 := h.pull(uri, r.ResultID)
	if r2.Kind != "full" || r2.ResultID == r.ResultID || len(r2.Items) != len(r.Items)+1 {
		t.Fatalf("pull after the edit: %+v (before: %d items)", r2, len(r.Items))
	}
	// A pull client gets no pushed diagnostics.
	for _, n := range h.c.Notifications() {
		if n.Method == "textDocument/publishDiagnostics" {
			t.Fatalf("pushed to a pull client: %s", n.Params)
		}
	}
	// A change of what the policy shows asks the client to pull again.
	if err := h.c.Notify(ctx(t), "workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"policy": map[string]any{"threshold": 0.99}, "diagnostics": map[string]any{"delay": "1ms"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.WaitFor(ctx(t), func(n lspclient.Notification) bool { return n.Method == "workspace/diagnostic/refresh" }); err != nil {
		t.Fatalf("no workspace/diagnostic/refresh after the threshold changed: %v", err)
	}
	if r3 := h.pull(uri, r2.ResultID); r3.Kind != "full" || len(r3.Items) != 0 {
		t.Fatalf("pull at threshold 0.99: %+v", r3)
	}
	// A document that is not open has none.
	if r := h.pull("file:///w/nothing.py", ""); r.Kind != "full" || len(r.Items) != 0 {
		t.Fatalf("pull of a closed document: %+v", r)
	}
}

// TestDiagnosticsFollowSiblings: a diagnostic whose rule reads the
// package's other files (go.slices-contains-loop: is the field a slice?)
// follows them as they change in the editor, though the document's own
// text does not: opening another file with a different buffer, and
// closing it, republish the document's diagnostics (push), or ask a pull
// client to pull again, and the pull is answered afresh.
func TestDiagnosticsFollowSiblings(t *testing.T) {
	t.Parallel()
	util := "package runner\n\nfunc (e *Engine) excluded(name string) bool {\n\tfor _, d := range e.config.ExcludeDir {\n\t\tif d == name {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n"
	engine := "package runner\n\ntype Engine struct{ config *Config }\n\ntype Config struct{ ExcludeDir %s }\n"
	const rule = "go.slices-contains-loop"
	for _, pull := range []bool{false, true} {
		t.Run(map[bool]string{false: "push", true: "pull"}[pull], func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeTree(t, root, map[string]string{"go.mod": "module example.com/air\n\ngo 1.22\n", "runner/util.go": util, "runner/engine.go": fmt.Sprintf(engine, "[]string")})
			h := startDiagIn(t, root, pull, map[string]any{"diagnostics": map[string]any{"delay": "1ms"}})
			uri := lspclient.FileURI(filepath.Join(root, "runner", "util.go"))
			engineURI := lspclient.FileURI(filepath.Join(root, "runner", "engine.go"))
			if err := h.c.Open(ctx(t), uri, "go", util); err != nil {
				t.Fatal(err)
			}
			has := func(p published) bool { return hasDiagnostic(p, rule) }
			hasNot := func(p published) bool { return !hasDiagnostic(p, rule) }
			refreshes := func() int {
				n := 0
				for _, x := range h.c.Notifications() {
					if x.Method == "workspace/diagnostic/refresh" {
						n++
					}
				}
				return n
			}
			// pulled waits until a pull answers afresh with the rule's
			// diagnostic or without it (the sibling's notification is
			// handled in its own queue), after a refresh when one is due.
			pulled := func(want bool, what string, before int) {
				t.Helper()
				if before >= 0 {
					testwait.Until(t, what+": a workspace/diagnostic/refresh", func() bool { return refreshes() > before })
				}
				testwait.Until(t, what+": the pull", func() bool {
					r := h.pull(uri, "")
					return r.Kind == "full" && slices.ContainsFunc(r.Items, func(d diagnosticOut) bool { return d.Code == rule }) == want
				})
			}
			if pull {
				h.startupSettled()
				pulled(true, "ExcludeDir is a []string on the disk", -1)
			} else {
				h.waitPublished(uri, has, "ExcludeDir a []string on the disk")
			}
			n := refreshes()
			if err := h.c.Open(ctx(t), engineURI, "go", fmt.Sprintf(engine, "map[string]bool")); err != nil {
				t.Fatal(err)
			}
			if pull {
				pulled(false, "engine.go open with a map", n)
			} else {
				h.waitPublished(uri, hasNot, "engine.go open with a map")
			}
			n = refreshes()
			if err := h.c.ReplaceAll(ctx(t), engineURI, fmt.Sprintf(engine, "[]string")); err != nil {
				t.Fatal(err)
			}
			if pull {
				pulled(true, "engine.go edited to a []string", n)
			} else {
				h.waitPublished(uri, has, "engine.go edited to a []string")
			}
			if err := h.c.ReplaceAll(ctx(t), engineURI, fmt.Sprintf(engine, "[2]string")); err != nil {
				t.Fatal(err)
			}
			if pull {
				pulled(false, "engine.go edited to an array", -1)
			} else {
				h.waitPublished(uri, hasNot, "engine.go edited to an array")
			}
			n = refreshes()
			if err := h.c.Notify(ctx(t), "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(engineURI)}}); err != nil {
				t.Fatal(err)
			}
			// Closed unsaved: the disk's []string counts again.
			if pull {
				pulled(true, "engine.go closed, the disk's []string", n)
			} else {
				h.waitPublished(uri, has, "engine.go closed, the disk's []string")
			}
		})
	}
}

// TestDiagnosticsFollowSiblingsOnDisk: a client that can watch files is
// asked to report the workspace's .go files, and when it reports one that
// is not open, the diagnostics of the open documents that read it are
// computed again from the disk (a checkout changed a field's type).
func TestDiagnosticsFollowSiblingsOnDisk(t *testing.T) {
	t.Parallel()
	util := "package runner\n\nfunc (e *Engine) excluded(name string) bool {\n\tfor _, d := range e.config.ExcludeDir {\n\t\tif d == name {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n"
	engine := "package runner\n\ntype Engine struct{ config *Config }\n\ntype Config struct{ ExcludeDir %s }\n"
	const rule = "go.slices-contains-loop"
	root := t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module example.com/air\n\ngo 1.22\n", "runner/util.go": util, "runner/engine.go": fmt.Sprintf(engine, "[]string")})
	h := startDiagIn(t, root, false, map[string]any{"diagnostics": map[string]any{"delay": "1ms"}}, func(caps *protocol.ClientCapabilities) {
		yes := true
		caps.Workspace.DidChangeWatchedFiles = &protocol.DidChangeWatchedFilesClientCapabilities{DynamicRegistration: &yes}
	})
	reg, err := h.c.WaitFor(ctx(t), func(n lspclient.Notification) bool { return n.Method == "client/registerCapability" })
	if err != nil {
		t.Fatalf("no client/registerCapability: %v", err)
	}
	if s := string(reg.Params); !strings.Contains(s, `"workspace/didChangeWatchedFiles"`) || !strings.Contains(s, `"**/*.go"`) {
		t.Errorf("registration: %s", s)
	}
	uri := lspclient.FileURI(filepath.Join(root, "runner", "util.go"))
	engineURI := lspclient.FileURI(filepath.Join(root, "runner", "engine.go"))
	if err := h.c.Open(ctx(t), uri, "go", util); err != nil {
		t.Fatal(err)
	}
	h.waitPublished(uri, func(p published) bool { return hasDiagnostic(p, rule) }, "ExcludeDir a []string on the disk")
	report := func() {
		t.Helper()
		if err := h.c.Notify(ctx(t), "workspace/didChangeWatchedFiles", map[string]any{"changes": []any{map[string]any{"uri": engineURI, "type": 2}}}); err != nil {
			t.Fatal(err)
		}
	}
	writeTree(t, root, map[string]string{"runner/engine.go": fmt.Sprintf(engine, "map[string]bool")})
	report()
	h.waitPublished(uri, func(p published) bool { return !hasDiagnostic(p, rule) }, "engine.go a map on the disk")
	writeTree(t, root, map[string]string{"runner/engine.go": fmt.Sprintf(engine, "[]string")})
	report()
	h.waitPublished(uri, func(p published) bool { return hasDiagnostic(p, rule) }, "engine.go a []string again")
}

// TestShownIgnoredEvidence: a diagnostic the developer had the cursor on and
// did nothing with is recorded as ignored, the weakest label; one whose fix
// was applied, and one never looked at, are not.
func TestShownIgnoredEvidence(t *testing.T) {
	t.Parallel()
	h := startDiag(t, false, map[string]any{"diagnostics": map[string]any{"delay": "1ms"}})
	uri := "file:///w/seen.py"
	if err := h.c.Open(ctx(t), uri, "python", diagPy); err != nil {
		t.Fatal(err)
	}
	p := h.waitPublished(uri, func(p published) bool { return p.Version == 1 && len(p.Diagnostics) >= 2 }, "two diagnostics")
	lines := map[uint32]diagnosticOut{}
	for _, d := range p.Diagnostics {
		lines[d.Range.Start.Line] = d
	}
	seen, ok1 := lines[1] // if x is 1
	applied, ok2 := lines[3]
	if !ok1 || !ok2 {
		t.Fatalf("diagnostics on lines %v, want 1 and 3", lines)
	}
	// The cursor passes line 1 (the lightbulb asks): seen.
	at := lineOffset(diagPy, 1)
	if _, err := h.c.CodeActions(ctx(t), uri, at+4, at+4, protocol.CodeActionTriggerKindAutomatic); err != nil {
		t.Fatal(err)
	}
	// Line 3's fix is applied from the lightbulb.
	at = lineOffset(diagPy, 3)
	acts, err := h.c.CodeActions(ctx(t), uri, at+4, at+4, protocol.CodeActionTriggerKindAutomatic)
	if err != nil {
		t.Fatal(err)
	}
	var fix *protocol.CodeAction
	for _, a := range acts {
		if strings.Contains(string(a.Data), `"ruleId":"`+applied.Code+`"`) {
			fix = a
		}
	}
	if fix == nil {
		t.Fatalf("no %s action on line 3: %+v", applied.Code, acts)
	}
	if err := h.c.Apply(ctx(t), fix); err != nil {
		t.Fatal(err)
	}
	h.expectEvents(store.Accepted, 1)
	h.clock.Advance(2 * time.Minute)
	h.expectEvents(store.Ignored, 1)
	db := h.db()
	var ignored []store.Preference
	for _, pr := range prefs(t, db) {
		if pr.Kind == store.Label && !pr.Desirable {
			ignored = append(ignored, pr)
		}
	}
	if len(ignored) != 1 || ignored[0].SuggestionID != seen.Data.SuggestionID {
		t.Fatalf("undesirable labels %+v; want one, on the seen diagnostic %s", ignored, seen.Data.SuggestionID)
	}
	if want := config.Defaults().Capture.Evidence.Shown; ignored[0].Weight != want {
		t.Errorf("shown-ignored label weight %v, want capture.evidence.shown %v", ignored[0].Weight, want)
	}
	s, err := db.Suggestion(context.Background(), seen.Data.SuggestionID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Trigger != store.Automatic || s.RuleID != seen.Code {
		t.Errorf("stored suggestion %+v", s)
	}
	// The other diagnostics, never looked at, were not written at all.
	st := h.status()
	if st.Events[store.Ignored] != 1 {
		t.Errorf("ignored events %d, want 1", st.Events[store.Ignored])
	}
}

func TestDismissEntryIsLastWithItsOwnKind(t *testing.T) {
	t.Parallel()
	h := startDiag(t, false, nil)
	uri := "file:///w/menu.js"
	src := "var total = 0;\nif (total == 0) { total = 1; }\n"
	if err := h.c.Open(ctx(t), uri, "javascript", src); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(src, "total == 0")
	acts, err := h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) < 2 {
		t.Fatalf("actions %+v", acts)
	}
	last := acts[len(acts)-1]
	if last.Kind == nil || string(*last.Kind) != dismissKind || last.Command.Command != "syntx.dismiss" {
		t.Fatalf("last action %+v; want the dismiss entry of kind %s", last, dismissKind)
	}
	for _, a := range acts[:len(acts)-1] {
		k := string(*a.Kind)
		if k == dismissKind || a.Command.Command == "syntx.dismiss" {
			t.Fatalf("a dismiss entry before the end: %+v", a)
		}
		// IntelliJ orders by title: the dismiss entry's sorts last.
		if a.Title >= last.Title {
			t.Errorf("title %q sorts after the dismiss entry's %q", a.Title, last.Title)
		}
		// VS Code groups quickfix, refactor.* and source kinds before the
		// rest: the dismiss kind must be under none of them.
		for _, group := range []string{"quickfix", "refactor", "source"} {
			if kindAllowed(dismissKind, []protocol.CodeActionKind{protocol.CodeActionKind(group)}) {
				t.Errorf("dismiss kind %s falls in VS Code's %s group", dismissKind, group)
			}
		}
	}
	// A request for quick fixes only does not get it.
	acts, err = h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked, "quickfix")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts {
		if a.Command.Command == "syntx.dismiss" {
			t.Fatalf("dismiss entry in a quickfix-only menu")
		}
	}
}

func TestDocFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"go.errorf-wrap":    "go.errorf-wrap.md",
		"../../etc/passwd":  "_.._.._etc_passwd.md",
		"team/rule\nname":   "team_rule_name.md",
		".hidden":           "_.hidden.md",
		"":                  "_.md",
		"py.x_y-z.1":        "py.x_y-z.1.md",
		"ts.emoji-\u2603.x": "ts.emoji-___.x.md",
	} {
		if got := docFileName(in); got != want {
			t.Errorf("docFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAdapterSwapRepublishes: when an adapter that scores a rule down is
// swapped in, the open document's diagnostics are published again without
// that rule's: learning to stay silent removes the squiggle.
func TestAdapterSwapRepublishes(t *testing.T) {
	t.Parallel()
	h := startDiag(t, false, map[string]any{"diagnostics": map[string]any{"delay": "1ms"}})
	uri := "file:///w/swap.py"
	if err := h.c.Open(ctx(t), uri, "python", diagPy); err != nil {
		t.Fatal(err)
	}
	h.waitPublished(uri, func(p published) bool { return hasDiagnostic(p, "python.is-literal") }, "is-literal under the base policy")
	// The server follows the adapter pointer on its own (another process
	// trained it): no edit, no request.
	writeBoostAdapter(t, h.home, "python.is-literal", -10)
	h.tick() // the tick that follows the pointer file
	p := h.waitPublished(uri, func(p published) bool { return !hasDiagnostic(p, "python.is-literal") }, "no is-literal once the adapter is active")
	if p.Version != 1 {
		t.Errorf("republished for version %d; the document is at 1", p.Version)
	}
	if st := h.status(); !strings.Contains(st.Policy, "v1") {
		t.Errorf("policy %q, want the adapter v1", st.Policy)
	}
}

// TestDismissTitleSortsLastInIntelliJ: IntelliJ (LSP4IJ) lists intentions
// of one priority by their text, compared as Java strings (UTF-16 code
// units): every built-in rule's title, as an action title (with "
// (unsafe)" or as a migration), must sort before the dismiss entry's.
func TestDismissTitleSortsLastInIntelliJ(t *testing.T) {
	t.Parallel()
	javaLess := func(a, b string) bool {
		ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
		for i := 0; i < len(ua) && i < len(ub); i++ {
			if ua[i] != ub[i] {
				return ua[i] < ub[i]
			}
		}
		return len(ua) < len(ub)
	}
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	n := 0
	for _, r := range lib.Rules() {
		titles := []string{r.Title, r.Title + " (unsafe)"}
		if r.Migration != "" {
			titles = append(titles, migrationTitle(r, 12))
		}
		for _, title := range titles {
			n++
			if !javaLess(title, dismissTitle) {
				t.Errorf("%s: %q sorts after the dismiss entry %q", r.ID, title, dismissTitle)
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d titles checked", n)
	}
}

// TestNoRefreshBeforeInitialized: the server asks a pull client for
// nothing before the client's initialized. The record of outcomes is read
// at start-up, and its end republishes diagnostics: for a pull client that
// was a workspace/diagnostic/refresh request, which could be written while
// the initialize answer was, and over a synchronous pipe both ends then
// waited on each other's write (TestPullDiagnostics hung so once).
func TestNoRefreshBeforeInitialized(t *testing.T) {
	t.Parallel()
	// Every call has the test's deadline: the race this guards against
	// hangs both ends instead of failing.
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	t.Cleanup(cancel)
	s := NewServer(Options{DataDir: t.TempDir(), TickInterval: manualTicks,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	c, _ := connect(t, ctx, s)
	yes := true
	p := protocol.InitializeParams{
		Capabilities: protocol.ClientCapabilities{
			TextDocument: &protocol.TextDocumentClientCapabilities{Diagnostic: &protocol.DiagnosticClientCapabilities{}},
			Workspace:    &protocol.WorkspaceClientCapabilities{Diagnostics: &protocol.DiagnosticWorkspaceClientCapabilities{RefreshSupport: &yes}},
		},
		InitializationOptions: jsontext.Value(`{"diagnostics":{"delay":"1ms"}}`),
	}
	if err := c.Call(ctx, "initialize", &p, &protocol.InitializeResult{}); err != nil {
		t.Fatal(err)
	}
	// syntx.status is answered after the record's read (the recorder's
	// queue), and the read's end has asked for the republish by then.
	var st Status
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		t.Fatal(err)
	}
	s.diags.mu.Lock()
	scheduled := s.diags.refresh != nil
	s.diags.mu.Unlock()
	if scheduled {
		t.Fatal("a workspace/diagnostic/refresh is scheduled before the client's initialized")
	}
	if err := c.Notify(ctx, "initialized", &protocol.InitializedParams{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Notify(ctx, "workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"policy": map[string]any{"threshold": 0.9}, "diagnostics": map[string]any{"delay": "1ms"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFor(ctx, func(n lspclient.Notification) bool { return n.Method == "workspace/diagnostic/refresh" }); err != nil {
		t.Fatalf("no workspace/diagnostic/refresh after initialized and a threshold change: %v", err)
	}
}
