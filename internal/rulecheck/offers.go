package rulecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// library is the built-in rule library of this build, used only to find
// the lines where the server may have something to offer (a superset:
// the server may still stay silent there).
type library struct{ *rules.Library }

// loadRules loads the built-in rules and checks that binary embeds the
// same ones (a stale bin/syntx would check the wrong fixes).
func loadRules(ctx context.Context, binary string) (*library, error) {
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	if len(lib.Problems) > 0 {
		return nil, fmt.Errorf("rulecheck: built-in rules: %v", lib.Problems[0])
	}
	if binary == "" {
		return nil, errors.New("rulecheck: no syntx binary (build it with `make build`)")
	}
	tmp, err := os.MkdirTemp("", "syntx-rulecheck-list-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, binary, "rules", "list", "--json", "--workspace", tmp)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "SYNTX_HOME="+filepath.Join(tmp, "home"))
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("rulecheck: %s rules list: %w", binary, err)
	}
	var listed []struct {
		ID    string
		Title string
		Prior float64
	}
	if err := json.Unmarshal(out, &listed); err != nil {
		return nil, fmt.Errorf("rulecheck: %s rules list --json: %w", binary, err)
	}
	mine := map[string]*rules.Rule{}
	for _, r := range lib.Rules() {
		mine[r.ID] = r
	}
	if len(listed) != len(mine) {
		return nil, fmt.Errorf("rulecheck: %s has %d rules, this build %d: rebuild it (make build)", binary, len(listed), len(mine))
	}
	for _, l := range listed {
		r := mine[l.ID]
		if r == nil || r.Prior != l.Prior || r.Title != l.Title {
			return nil, fmt.Errorf("rulecheck: %s embeds another version of rule %s: rebuild it (make build)", binary, l.ID)
		}
	}
	return &library{lib}, nil
}

// siteLines returns the 0-based lines where a rule of lib matches src (only
// migration rules' with migrations).
func (l *library) siteLines(ctx context.Context, g syntax.Grammar, src []byte, migrations bool) ([]int, error) {
	tree, err := syntax.Parse(ctx, g, src)
	if err != nil {
		return nil, err
	}
	defer tree.Close()
	text := syntax.NewText(src)
	seen := map[int]bool{}
	ix := rules.NewIndex(l.Set(g), tree, text)
	for _, m := range ix.Matches(tree, text) {
		if !migrations || m.Rule.Migration != "" {
			seen[text.LineOf(m.Site.Start)] = true
		}
	}
	lines := make([]int, 0, len(seen))
	for n := range seen {
		lines = append(lines, n)
	}
	sort.Ints(lines)
	return lines, nil
}

// languageID is the LSP language id an editor sends for a grammar.
func languageID(g syntax.Grammar) string {
	if g == syntax.TSX {
		return "typescriptreact"
	}
	return string(g)
}

// serverOptions are the initializationOptions of the checking server: the
// defaults, except what keeps a long batch run complete and quiet (no
// training, no candidate cap, time for the largest files) and the live
// record's strength at 0: the run opens a menu on every site and closes
// each file without answering it, which the server records as ignored
// menus and would hold whole categories back on later files (in
// ts-zod-v3, 13 unanswered console-log menus kept types.ts's
// indexof-includes off the automatic trigger), so that automatic counts
// would depend on file order. Nothing here changes what is offered or
// what the base policy shows on an automatic trigger.
// migrationSites turns on the per-site offers of migration rules (the
// suggestions.migration_sites setting, off by default), so that those fixes
// are checked too.
func serverOptions(migrationSites bool) map[string]any {
	o := map[string]any{
		"limits":  map[string]any{"max_candidates": 1000, "request_timeout": "120s"},
		"train":   map[string]any{"idle_delay": "240h", "min_new_preferences": 1000000000},
		"capture": map[string]any{"store_code": false},
		"policy":  map[string]any{"record_strength": 0},
	}
	if migrationSites {
		o["suggestions"] = map[string]any{"migration_sites": true}
	}
	return o
}

// server is a running `syntx serve` on a fresh data directory.
type server struct {
	cmd    *exec.Cmd
	c      *lspclient.Client
	home   string
	stderr bytes.Buffer
}

func startServer(ctx context.Context, binary, root string, migrationSites bool) (*server, error) {
	home, err := os.MkdirTemp("", "syntx-rulecheck-")
	if err != nil {
		return nil, err
	}
	s := &server{home: home}
	s.cmd = exec.CommandContext(ctx, binary, "serve")
	s.cmd.Env = append(os.Environ(), "SYNTX_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "share"))
	s.cmd.Stderr = &limitedBuffer{buf: &s.stderr, max: 64 << 10}
	stdin, err := s.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(home)
		return nil, fmt.Errorf("start %s serve: %w", binary, err)
	}
	s.c = lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	if _, err := s.c.Initialize(ctx, root, true, serverOptions(migrationSites)); err != nil {
		s.stop()
		return nil, fmt.Errorf("initialize: %w (server log: %s)", err, s.stderr.String())
	}
	return s, nil
}

func (s *server) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.c.Shutdown(ctx)
	_ = s.c.Close()
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = os.RemoveAll(s.home)
}

type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

var _ io.Writer = (*limitedBuffer)(nil)

// actionData is the data SyntX attaches to a code action.
type actionData struct {
	SuggestionID string          `json:"suggestionId"`
	RuleID       string          `json:"ruleId"`
	Category     string          `json:"category"`
	Score        float64         `json:"score"`
	Site         *protocol.Range `json:"site"`
	Dismiss      bool            `json:"dismiss"`
}

// collectOffers opens each file of the job in a fresh server, as an editor
// would, and asks for code actions on every line where a rule matches:
// once as the lightbulb does (automatic) and once as a user opening the
// menu does (invoked, which lists everything, unsafe fixes included); and
// once for the file's source actions (migrations). A second server, with
// suggestions.migration_sites on, offers the migration rules' sites one by
// one (invoked only: they are off by default, so never automatic).
func collectOffers(ctx context.Context, binary string, c *realcorpus.Corpus, lib *library, j job) ([]*Offer, error) {
	root, err := workspaceRoot(c, j)
	if err != nil {
		return nil, err
	}
	purpose := map[string]string{}
	for _, k := range c.Pins().Packages {
		purpose[k.ID] = string(k.Purpose)
	}
	migrations := false
	for _, r := range lib.Rules() {
		migrations = migrations || r.Migration != ""
	}
	var out []*Offer
	for _, perSite := range []bool{false, true} {
		if perSite && !migrations {
			break
		}
		s, err := startServer(ctx, binary, root, perSite)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, o := range out {
			seen[o.key()] = true
		}
		for _, f := range j.files {
			src, err := os.ReadFile(f.Path)
			if err != nil {
				s.stop()
				return nil, err
			}
			lines, err := lib.siteLines(ctx, f.Language, src, perSite)
			if err != nil {
				s.stop()
				return nil, fmt.Errorf("%s: %w", f.Rel, err)
			}
			offers, err := s.fileOffers(ctx, f, src, lines, !perSite)
			if err != nil {
				s.stop()
				return nil, fmt.Errorf("%s: %w (server log: %s)", f.Rel, err, lastLines(s.stderr.String(), 5))
			}
			for _, o := range offers {
				if seen[o.key()] {
					continue
				}
				o.Purpose = purpose[f.Package]
				o.PerSiteSetting = perSite
				out = append(out, o)
			}
		}
		s.stop()
	}
	return out, nil
}

// workspaceRoot is the folder an editor would open for the job's package:
// for npm, the checker project, whose tsconfig.json holds the compiler
// options the package is built with (the package's own package.json is in
// package/ below it); otherwise the source's root.
func workspaceRoot(c *realcorpus.Corpus, j job) (string, error) {
	f := j.files[0]
	if s, ok := c.Pins().Source(f.Source); ok && s.Manager == realcorpus.NPM {
		ch, err := c.Checker(f.Package)
		if err != nil {
			return "", err
		}
		return ch.Dir, nil
	}
	root, ok := c.Root(f.Source)
	if !ok {
		return "", fmt.Errorf("source %s is not fetched", f.Source)
	}
	return root, nil
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, " | ")
}

// fileOffers asks for the code actions on lines of f: invoked, and with
// defaults also automatic, and the file's source actions.
func (s *server) fileOffers(ctx context.Context, f realcorpus.File, src []byte, lines []int, defaults bool) ([]*Offer, error) {
	uri := lspclient.FileURI(f.Path)
	if err := s.c.Open(ctx, uri, languageID(f.Language), string(src)); err != nil {
		return nil, err
	}
	defer s.c.Notify(ctx, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}}) //nolint:errcheck // closing is best effort
	text := syntax.NewText(src)
	byKey := map[string]*Offer{}
	var order []string
	add := func(a *protocol.CodeAction, automatic, source bool) error {
		o, err := offerOf(a, f, uri, text, source)
		if o == nil || err != nil {
			return err
		}
		key := o.key()
		if prev := byKey[key]; prev != nil {
			o = prev
		} else {
			o.Before, o.After = region(src, o.Edits, o.Site)
			byKey[key] = o
			order = append(order, key)
		}
		o.Automatic = o.Automatic || automatic
		return nil
	}
	for _, line := range lines {
		start := text.LineStart(line)
		triggers := []protocol.CodeActionTriggerKind{protocol.CodeActionTriggerKindInvoked}
		if defaults {
			triggers = append(triggers, protocol.CodeActionTriggerKindAutomatic)
		}
		for _, trigger := range triggers {
			acts, err := s.c.CodeActions(ctx, uri, start, start, trigger)
			if err != nil {
				return nil, fmt.Errorf("codeAction line %d: %w", line+1, err)
			}
			for _, a := range acts {
				if strings.HasPrefix(kindOf(a), "source") {
					continue // asked for below, over the whole file
				}
				if err := add(a, trigger == protocol.CodeActionTriggerKindAutomatic, false); err != nil {
					return nil, err
				}
			}
		}
	}
	// Source actions (a whole-file migration) are asked for explicitly, as
	// editors do from a "source action" menu or on save; the lightbulb
	// does not ask for them.
	if defaults {
		acts, err := s.c.CodeActions(ctx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked, protocol.CodeActionKind("source"))
		if err != nil {
			return nil, fmt.Errorf("source actions: %w", err)
		}
		for _, a := range acts {
			if err := add(a, false, true); err != nil {
				return nil, err
			}
		}
	}
	out := make([]*Offer, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out, nil
}

// offerOf returns the offer a code action on f makes (text is f's content,
// uri its URI), or nil for an action that is not a rule's fix (the dismiss
// entry) or that edits nothing. Its Before and After are left for the
// caller to fill in.
func offerOf(a *protocol.CodeAction, f realcorpus.File, uri string, text *syntax.Text, source bool) (*Offer, error) {
	if a.Edit == nil || a.Data == nil {
		return nil, nil // the dismiss entry
	}
	var d actionData
	if err := json.Unmarshal(a.Data, &d); err != nil {
		return nil, fmt.Errorf("code action data: %w", err)
	}
	if d.Dismiss || d.RuleID == "" {
		return nil, nil
	}
	edits, err := editsOf(a.Edit, uri, text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.RuleID, err)
	}
	if len(edits) == 0 {
		return nil, nil
	}
	kind := ""
	if a.Kind != nil {
		kind = string(*a.Kind)
	}
	site := [2]int{edits[0].Start, edits[len(edits)-1].End}
	if d.Site != nil {
		site[0], _ = text.Offset(syntax.Position{Line: d.Site.Start.Line, Character: d.Site.Start.Character}, syntax.UTF8)
		site[1], _ = text.Offset(syntax.Position{Line: d.Site.End.Line, Character: d.Site.End.Character}, syntax.UTF8)
	}
	return &Offer{
		Rule: d.RuleID, Category: d.Category, Title: a.Title, Kind: kind,
		Language: Language(f.Language), Package: f.Package, Role: string(f.Role),
		File: f.Rel, Line: text.LineOf(site[0]) + 1, Site: site, Edits: edits,
		Score: d.Score, Source: source, path: f.Path,
	}, nil
}

func lspURI(s string) uri.URI { return uri.URI(s) }

func kindOf(a *protocol.CodeAction) string {
	if a.Kind == nil {
		return ""
	}
	return string(*a.Kind)
}

// editsOf converts a workspace edit for uri into sorted byte-offset edits.
func editsOf(we *protocol.WorkspaceEdit, uri string, text *syntax.Text) ([]Edit, error) {
	var raw []protocol.TextEdit
	for u, es := range we.Changes {
		if string(u) != uri {
			return nil, fmt.Errorf("edit for another document %s", u)
		}
		raw = append(raw, es...)
	}
	for _, dc := range we.DocumentChanges {
		tde, ok := dc.(*protocol.TextDocumentEdit)
		if !ok {
			return nil, errors.New("a document change that is not a text edit")
		}
		if string(tde.TextDocument.URI) != uri {
			return nil, fmt.Errorf("edit for another document %s", tde.TextDocument.URI)
		}
		for _, e := range tde.Edits {
			switch te := e.(type) {
			case *protocol.TextEdit:
				raw = append(raw, *te)
			case *protocol.AnnotatedTextEdit:
				raw = append(raw, protocol.TextEdit{Range: te.Range, NewText: te.NewText})
			default:
				return nil, fmt.Errorf("unsupported text edit %T", e)
			}
		}
	}
	out := make([]Edit, 0, len(raw))
	for _, e := range raw {
		s, clamped1 := text.Offset(syntax.Position{Line: e.Range.Start.Line, Character: e.Range.Start.Character}, syntax.UTF8)
		en, clamped2 := text.Offset(syntax.Position{Line: e.Range.End.Line, Character: e.Range.End.Character}, syntax.UTF8)
		if clamped1 || clamped2 || en < s {
			return nil, fmt.Errorf("edit range %v outside the document", e.Range)
		}
		out = append(out, Edit{Start: s, End: en, Text: e.NewText})
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Start < out[k].Start })
	for i := 1; i < len(out); i++ {
		if out[i].Start < out[i-1].End {
			return nil, errors.New("overlapping edits")
		}
	}
	return out, nil
}

// region returns the text the edits at the site rewrite (an import the fix
// adds elsewhere is left out), from the first edit's start to the last
// one's end, before and after the fix.
func region(src []byte, edits []Edit, site [2]int) (string, string) {
	var near []Edit
	for _, e := range edits {
		if e.Start <= site[1] && e.End >= site[0] {
			near = append(near, e)
		}
	}
	if len(near) > 0 {
		edits = near
	}
	a, b := edits[0].Start, edits[len(edits)-1].End
	var after strings.Builder
	last := a
	for _, e := range edits {
		after.Write(src[last:e.Start])
		after.WriteString(e.Text)
		last = e.End
	}
	return string(src[a:b]), after.String()
}

// key identifies an offer within a file: its rule, kind, site and edits.
func (o *Offer) key() string {
	return fmt.Sprintf("%s|%s|%s|%v|%v", o.File, o.Rule, o.Kind, o.Site, o.Edits)
}
