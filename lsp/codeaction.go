package lsp

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
	"weak"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// candidate is one suggestion for a code action request, before ranking.
type candidate struct {
	match    rules.Match
	memo     *siteMemo        // what is kept with the match; nil outside codeAction
	edits    []rules.TextEdit // the fix; set by finish from the memo
	finished bool             // finish has run
	lsp      []protocol.TextEdit
	// resolved: the client asks for the edit when the action is picked
	// (codeAction/resolve), so finish leaves lsp empty: a migration's
	// sites' positions are converted then, not on every rebuild.
	resolved bool
	features model.Candidate
	grammar  syntax.Grammar
	score    float64
	// siteStart and siteEnd are the site's LSP range.
	siteStart, siteEnd syntax.Position
	// region is the span the fix rewrites, in the text before the fix, and
	// what it becomes (a migration's texts stay empty: its record cuts its
	// lines when it is written, following it uses its parts).
	region   rules.Span
	original string
	replaced string
	// unsafe: the fix may change what the code does (the title says so;
	// never preferred; not shown unasked by the base policy).
	unsafe bool
	// late: ranked after the fixes that keep the code's meaning
	// (automaticPolicy.ranksLate); set by rank.
	late bool
	// migration: one source action applying a migration rule's safe sites
	// across the file (sites of them); parts are those places.
	migration bool
	sites     int
	parts     []capture.Part
	// recLines are the whole lines of the document a migration's record
	// holds (migrationTexts cuts them, before and after), and digest names
	// its parts (what each rewrites and into what, not where: setParts,
	// offerSetKey).
	recLines []rules.Span
	digest   string
}

// cursorReach bounds how far along a long line a bare cursor's request
// reaches on each side.
const cursorReach = 1 << 10

// kindAllowed applies context.only with hierarchical matching: "refactor"
// admits "refactor.rewrite.syntx.style".
func kindAllowed(kind string, only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return true
	}
	for _, f := range only {
		if f == "" || kind == string(f) || strings.HasPrefix(kind, string(f)+".") {
			return true
		}
	}
	return false
}

func (s *Server) codeAction(ctx context.Context, params []byte) (any, error) {
	var p protocol.CodeActionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	p.TextDocument.URI = owned(p.TextDocument.URI) // kept with the document's diagnostics state
	key, _ := normURI(string(p.TextDocument.URI))
	cfg := s.config()
	timeout := cfg.Limits.RequestTimeout.D()
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()
	trigger := triggerOf(&p)
	s.active()

	f, err := s.findInQueue(ctx, key, &p, cfg, timeout)
	if err != nil {
		return nil, err
	}
	if f.partial {
		s.log.Info("codeAction answered with the candidates rendered in time", "uri", f.doc.uri, "rendered", len(f.cands), "of", f.total)
	}
	s.diagSeen(key, p.Range.Start.Line, p.Range.End.Line, trigger == "invoked")
	if len(f.cands) == 0 {
		return []protocol.CommandOrCodeAction{}, nil
	}
	if f.scoreErr != nil {
		s.log.Warn("scoring failed; ranking by priors", "err", f.scoreErr)
		f.policyVersion = "priors"
		for _, c := range f.cands {
			c.score = c.match.Rule.Prior
		}
	}
	auto := s.automatic(cfg)
	rank(f.cands, auto)
	if ctx.Err() != nil {
		return nil, requestEnded(ctx, "textDocument/codeAction", timeout)
	}
	shown := s.shownOf(f.cands, trigger, cfg, auto)
	if len(shown) == 0 {
		return []protocol.CommandOrCodeAction{}, nil
	}
	for _, c := range shown {
		c.finish(f.text, f.enc)
	}
	return s.offerActions(&p, f, shown, trigger, cfg.Policy.Threshold), nil
}

// findInQueue runs find in the document's queue, after the edits that came
// before the request, and off the read loop; the job has a context of its
// own (the request's is recycled when the handler returns), ended with the
// request's.
func (s *Server) findInQueue(ctx context.Context, key string, p *protocol.CodeActionParams, cfg config.Config, timeout time.Duration) (found, error) {
	deadline, _ := ctx.Deadline()
	jbase, jcancel := context.WithCancelCause(context.Background())
	defer jcancel(nil)
	jctx, jstop := context.WithDeadlineCause(jbase, deadline, errTimedOut)
	defer jstop()
	stop := context.AfterFunc(ctx, func() { jcancel(context.Cause(ctx)) })
	defer stop()
	done := make(chan found, 1)
	s.queues.run(key, func() { done <- s.find(jctx, key, p, cfg) })
	jsonrpc2.Async(ctx)
	select {
	case f := <-done:
		return f, f.err
	case <-ctx.Done():
		return found{}, requestEnded(ctx, "textDocument/codeAction", timeout)
	}
}

// shownOf returns the ranked candidates a request shows: on an automatic
// trigger those the policy shows unasked (learn when to stay silent: the
// base policy never shows a fix that may change behaviour unasked; an
// adapter trained on this developer's feedback, or the team adapter
// trained on the team's, may): at most limits.max_candidates of the
// per-site suggestions, and the file's source actions (at most one per
// migration rule, in a menu of their own). A whole-file request on a
// bundle ranks more per-site suggestions than that above its migration,
// which the cap used to leave out.
//
// A migration is not held back on an automatic trigger: an automatic
// request gets one only when its kind filter names SyntX's source kinds
// (wantsSource), which is the developer's own setting asking for them,
// VS Code's editor.codeActionsOnSave. The policy decides what shows
// unasked; there the developer asked, and under the default threshold a
// save converted nothing (TypeScript's var → let/const has a prior of
// 0.5).
func (s *Server) shownOf(cands []*candidate, trigger string, cfg config.Config, auto automaticPolicy) []*candidate {
	shown := cands[:0]
	sites := 0
	for _, c := range cands {
		if trigger == "automatic" && !c.migration && !auto.shows(c) {
			continue
		}
		if !c.migration {
			if sites == cfg.Limits.MaxCandidates {
				continue
			}
			sites++
		}
		shown = append(shown, c)
	}
	return shown
}

// offerActions turns the shown candidates (finished) into code actions,
// keeps them as offers, records a fresh set and, on an invoked request,
// tells the tracker a menu opened and adds the dismiss action.
func (s *Server) offerActions(p *protocol.CodeActionParams, f found, shown []*candidate, trigger string, threshold float64) []protocol.CommandOrCodeAction {
	key, docURI, version := f.doc.key, f.doc.uri, f.version
	now := s.now()
	s.mu.RLock()
	docChanges, resolveEdit := s.clientCap.documentChanges, s.clientCap.resolveEdit
	s.mu.RUnlock()
	// A request repeats on every cursor move (automatic) or each time the
	// menu is opened again (invoked): the same set at the same place keeps
	// its ids, and is recorded and followed once.
	setKey := offerSetKey(key, shown)
	setID, ids, fresh := s.offers.set(setKey, trigger, len(shown), now)
	out := make([]protocol.CommandOrCodeAction, 0, len(shown)+1)
	for i, c := range shown {
		s.offers.add(&offer{
			ID: ids[i], SetID: setID, Rank: i, DocKey: key, URI: docURI, Version: version,
			Rule: c.match.Rule, Site: c.match.Site, SiteLine: c.siteStart.Line, Edits: c.edits,
			Original: c.original, Replaced: c.replaced, Region: c.region,
			Score: c.score, Trigger: trigger, At: now, Grammar: c.grammar, Parts: c.parts,
			text: weak.Make(f.text),
		})
		preferred := i == 0 && model.Clears(c.score, threshold) && !c.unsafe && !c.migration
		// A migration's edit (thousands of sites in a bundle) is sent when
		// the developer picks it, to a client that asks for it then
		// (codeAction/resolve): a menu opened on a line does not carry it.
		lazy := c.migration && resolveEdit
		a := s.action(c, ids[i], setID, docURI, version, docChanges, preferred, lazy)
		a.Diagnostics = resolves(c, p.Context.Diagnostics)
		out = append(out, a)
	}
	if fresh && s.rec != nil {
		_, weight := s.persona()
		s.recordOffer(f.doc, f.text, shown, ids, setID, trigger, f.policyVersion, now, weight)
	}
	if trigger == "invoked" {
		if s.tracker != nil {
			// Asked for a selection, or for SyntX's kinds only, a menu is
			// opened more deliberately than at a bare cursor, where it
			// lists every server's actions for the line.
			deliberate := p.Range.Start != p.Range.End || onlySyntX(p.Context.Only)
			s.tracker.Menu(setID, key, ids, deliberate, now)
		}
		if kindAllowed(dismissKind, p.Context.Only) {
			out = append(out, dismissAction(setID))
		}
	}
	return out
}

// automaticPolicy is the policy's decision for automatic triggers, shared
// by the lightbulb (codeAction) and the diagnostics.
type automaticPolicy struct {
	threshold float64
	learnt    bool // an adapter trained on feedback is active
	team      bool // a team layer is active
	record    *capture.Record
	strength  float64
	min       float64
}

// automatic returns the decision for automatic triggers under cfg.
func (s *Server) automatic(cfg config.Config) automaticPolicy {
	a := automaticPolicy{threshold: cfg.Policy.Threshold, record: s.record.Load(),
		strength: cfg.Policy.RecordStrength, min: cfg.Policy.RecordMin}
	if rt := s.policy(); rt != nil {
		a.learnt, a.team = rt.Adapter() != nil || rt.Team() != nil, rt.Team() != nil
	}
	return a
}

// shows reports whether c shows unasked: its acceptance probability clears
// the threshold (learn when to stay silent), a fix that may change
// behaviour only once an adapter trained on this developer's feedback
// scores it so (the base policy never shows one unasked), and the
// developer's own record of outcomes (capture.Record) agrees: it does not
// hold c back (the other rules of its category in its file role, and its
// own outcomes, say the developer accepts it less often than the
// threshold; one acceptance of a rule among rejections of its siblings is
// not enough to show it unasked, and no adapter is needed for that), and,
// where the base policy would not show c unasked (its prior is under the
// threshold, or the fix is unsafe), it says the developer accepts such
// suggestions (Record.Supports): a policy learnt from feedback on other
// categories does not start showing unasked what nobody asked for. A team
// layer's policy may (it learnt from the team's outcomes, which this
// record does not hold).
func (a automaticPolicy) shows(c *candidate) bool {
	if !model.Clears(c.score, a.threshold) || hiddenUnsafe(c.unsafe, a.learnt) {
		return false
	}
	if a.record == nil {
		return true
	}
	enough, holds := a.recorded(c)
	if holds {
		return false
	}
	promoted := c.features.Prior < a.threshold || c.unsafe
	return !promoted || a.team || a.strength <= 0 || enough // supported (Record.Supports)
}

// recorded reads the developer's record on c: whether it has enough
// evidence on c's category, and whether it holds c back (its estimate is
// under the threshold: Record.Holds).
func (a automaticPolicy) recorded(c *candidate) (enough, holds bool) {
	if a.record == nil {
		return false, false
	}
	f := c.features
	p, enough := a.record.Acceptance(f.RuleID, f.Category, f.FileRole, a.strength, a.min)
	return enough, enough && p < a.threshold
}

// ranksLate reports whether c comes after every fix that keeps the code's
// meaning, in a menu: a fix that may change behaviour does under the base
// policy, and wherever the developer's record holds it back; under a
// policy learnt from feedback (this developer's adapter or the team's) it
// is ranked by its score with the others, so that a reviewer who takes
// security fixes finds them at the top of the menu they open. It is still
// never the preferred action, and its title says it is unsafe.
func (a automaticPolicy) ranksLate(c *candidate) bool {
	if !c.unsafe {
		return false
	}
	if !a.learnt {
		return true
	}
	_, holds := a.recorded(c)
	return holds
}

// hiddenUnsafe is the part of automaticPolicy.shows that does not depend on
// the score: a fix that may change behaviour is never shown unasked by the
// base policy. The diagnostics use it to skip rendering and scoring such
// candidates, which automaticPolicy.shows would refuse whatever their score.
func hiddenUnsafe(unsafe, learnt bool) bool {
	return unsafe && !learnt
}

// eligible reports whether a match is a suggestion of its own in doc, for
// a request admitting the kinds only: offered (no suppression comment, the
// project's target allows it), of an admitted kind, and not the site of a
// migration (offered as one source action per file) unless
// suggestions.migration_sites asks for them. Call with the document's lock
// held.
func (s *Server) eligible(m rules.Match, doc *document, target *rules.DocTarget, cfg config.Config, only []protocol.CodeActionKind) bool {
	// The cheap tests first: a migration's sites, off one by one by
	// default, are most of a legacy file's matches, and offered reads the
	// comments around each (migrations checks them for its own sites).
	if !kindAllowed(m.Rule.ActionKind(), only) || m.Rule.Migration != "" && !cfg.Suggestions.MigrationSites {
		return false
	}
	return offered(m, doc, target)
}

// resolves returns the client's diagnostics (from the request's context)
// that a candidate resolves: SyntX's own, for its rule at its site. Clients
// list such actions first and offer them from the diagnostic.
func resolves(c *candidate, ctxDiags []protocol.Diagnostic) []protocol.Diagnostic {
	var out []protocol.Diagnostic
	for _, d := range ctxDiags {
		code, ok := d.Code.(protocol.String)
		if !ok || string(code) != c.match.Rule.ID {
			continue
		}
		if src, ok := d.Source.Get(); ok && src != "syntx" {
			continue
		}
		if d.Range.Start.Line == c.siteStart.Line && d.Range.Start.Character == c.siteStart.Character &&
			d.Range.End.Line == c.siteEnd.Line && d.Range.End.Character == c.siteEnd.Character {
			out = append(out, d)
		}
	}
	return out
}

// onlySyntX reports whether a context.only filter asks for SyntX's kinds
// alone.
func onlySyntX(only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return false
	}
	for _, k := range only {
		if !strings.Contains(string(k)+".", ".syntx.") {
			return false
		}
	}
	return true
}

// offered reports whether a match may be offered in doc: no suppression
// comment silences it and the project's declared target allows its fix.
// Call with the document's lock held.
func offered(m rules.Match, doc *document, target *rules.DocTarget) bool {
	if ok, _ := target.Allows(m, doc.grammar); !ok {
		return false
	}
	_, suppressed := doc.suppressions().Suppressed(m)
	return !suppressed
}

// target returns the declared target of the project a document belongs to.
func (s *Server) target(path string, g syntax.Grammar) rules.Target {
	s.mu.RLock()
	p := s.projects
	s.mu.RUnlock()
	if p == nil || path == "" {
		return rules.Target{}
	}
	return p.For(path, g)
}

// docTarget is the declared target of the project a document belongs to,
// applied to the document: a rule whose fix declares a package-level name
// asks for every match in it, matched by deadline (zero: no bound), and
// when they are not all known by then its sites are not offered. Call with
// the document's lock held, and use the result under it.
func (s *Server) docTarget(doc *document, deadline time.Time) *rules.DocTarget {
	src := doc.text
	return s.target(doc.path, doc.grammar).Doc(doc.tree, src, func() ([]rules.Match, bool) {
		if doc.index == nil {
			return nil, false
		}
		all := doc.index.WithinBy(doc.tree, src, 0, src.Len(), deadline)
		return all, doc.index.Pending() == 0
	})
}

// adapterActive reports whether the policy includes an adapter trained on
// the developer's feedback or the team's (not only the base policy or the
// priors).
func (s *Server) adapterActive() bool {
	rt := s.policy()
	return rt != nil && (rt.Adapter() != nil || rt.Team() != nil)
}

// found is what a code action request's job found in its document.
type found struct {
	doc     offerDoc
	version int32
	cands   []*candidate
	total   int  // candidates chosen for rendering
	partial bool // rendering ran out of time: cands are those rendered
	err     error
	// text is the document's text the candidates were found in, and enc
	// the encoding of their positions: the shown ones are finished in it.
	text *syntax.Text
	enc  syntax.Encoding
	// policyVersion and scoreErr are what scoring them returned.
	policyVersion string
	scoreErr      error
}

// find matches, caps, renders and scores the candidates of a code action
// request under the document's lock, in its queue. Matching what an edit
// left pending may take half the request's time, rendering up to three
// quarters of it; what was rendered by then is the answer. A candidate whose
// match kept its fix, features and score from an earlier request
// (candidates.go) costs a lookup and is not rendered again.
func (s *Server) find(ctx context.Context, key string, p *protocol.CodeActionParams, cfg config.Config) found {
	if h := s.hooks.find; h != nil {
		h(key)
	}
	// The shares of the request's time count from when it arrived, not from
	// when its turn in the queue came.
	timeout := cfg.Limits.RequestTimeout.D()
	began := time.Now()
	if d, ok := ctx.Deadline(); ok {
		began = d.Add(-timeout)
	}
	doc := s.docs.get(key)
	if doc == nil {
		return found{err: invalidParams("document %s is not open", p.TextDocument.URI)}
	}
	enc := s.encoding()
	doc.mu.Lock()
	defer doc.mu.Unlock()
	f := found{doc: offerDoc{key: key, uri: doc.uri, path: doc.path, redacted: &doc.redacted}, version: doc.version, text: doc.text, enc: enc}
	if f.doc.path == "" {
		f.doc.path = doc.uri
	}
	s.wake(doc)
	if doc.index == nil {
		return f
	}
	defer s.used(doc)
	text := doc.text
	reqStart, _ := text.Offset(syntax.Position{Line: p.Range.Start.Line, Character: p.Range.Start.Character}, enc)
	reqEnd, _ := text.Offset(syntax.Position{Line: p.Range.End.Line, Character: p.Range.End.Character}, enc)
	if reqStart > reqEnd {
		reqStart, reqEnd = reqEnd, reqStart
	}
	start, end := reqStart, reqEnd
	if start == end {
		// A bare cursor (the lightbulb, Ctrl+., Neovim's code_action()):
		// offer what applies anywhere on its line, not only under it — on
		// a minified file's one line, what applies near the cursor.
		line, at := text.LineOf(start), start
		start, end = text.LineStart(line), max(text.LineStart(line+1)-1, text.LineStart(line))
		start, end = max(start, at-cursorReach), min(end, at+cursorReach)
	}
	persona, _ := s.persona()
	target := s.docTarget(doc, began.Add(timeout/2))
	var matches []rules.Match
	near := doc.index.WithinBy(doc.tree, text, start, end, began.Add(timeout/2))
	if cfg.Suggestions.MigrationSites {
		// A new slice: the index's answer may be its own.
		near = slices.Concat(near, doc.migrationIndex().WithinBy(doc.tree, text, start, end, began.Add(timeout/2)))
	}
	for _, m := range near {
		if s.eligible(m, doc, target, cfg, p.Context.Only) {
			matches = append(matches, m)
		}
	}
	matches = nearest(matches, reqStart, reqEnd, cfg.Limits.MaxCandidates)
	f.total = len(matches)
	rctx, cancel := context.WithDeadline(ctx, began.Add(timeout*3/4))
	defer cancel()
	cs := candidateSource{doc: doc, text: text, role: capture.FileRole(doc.path, text.Slice(0, capture.FileRoleReads)), persona: persona}
	f.cands, f.partial = s.candidates(rctx, cs, matches)
	if wantsSource(triggerOf(p), p.Context.Only) && rctx.Err() == nil {
		f.cands = append(f.cands, s.migrations(rctx, doc, target, persona, enc, p.Context.Only)...)
	}
	// Scores are kept with the matches (their memos), under the
	// document's lock.
	f.policyVersion, f.scoreErr = s.scoreMemoized(ctx, f.cands)
	return f
}

// triggerOf names how a code action request was triggered. Only a request
// that says it was invoked is: clients of LSP before 3.17 send no
// triggerKind, and those that ask on every cursor move (lightbulb plugins,
// status lines) are the ones that send many, so a request without one is
// automatic. (The Neovim plugin adds triggerKind to Neovim 0.7's explicit
// code_action(), which sends none.)
func triggerOf(p *protocol.CodeActionParams) string {
	if p.Context.TriggerKind == protocol.CodeActionTriggerKindInvoked {
		return "invoked"
	}
	return "automatic"
}

// nearest keeps the n matches closest to the requested range (those it
// touches first), the higher prior first among equals: candidates are
// capped before any fix is rendered, so a line with thousands of matches
// (a minified file) costs n renders.
func nearest(ms []rules.Match, start, end, n int) []rules.Match {
	if len(ms) <= n {
		return ms
	}
	dist := func(m *rules.Match) int {
		switch {
		case m.Site.End < start:
			return start - m.Site.End
		case m.Site.Start > end:
			return m.Site.Start - end
		}
		return 0
	}
	sort.SliceStable(ms, func(i, j int) bool {
		di, dj := dist(&ms[i]), dist(&ms[j])
		if di != dj {
			return di < dj
		}
		return ms[i].Rule.Prior > ms[j].Rule.Prior
	})
	ms = ms[:n]
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Site.Start < ms[j].Site.Start })
	return ms
}

// offerSetKey identifies a set of suggestions at a place in a document.
// The code each rewrites is named by its hash (a migration's by the digest
// of its parts: every site of a bundle), and the recent sets keep their
// keys.
func offerSetKey(docKey string, shown []*candidate) string {
	var b strings.Builder
	b.WriteString(docKey)
	h := sha256.New()
	for _, c := range shown {
		sum := []byte(c.digest)
		if !c.migration {
			h.Reset()
			_, _ = io.WriteString(h, c.original)
			sum = h.Sum(nil)
		}
		fmt.Fprintf(&b, "|%s@%d:%x", c.match.Rule.ID, c.siteStart.Line, sum)
	}
	return b.String()
}

// workspaceEdit is a code action's edit of document docURI at version:
// versioned documentChanges for a client that takes them.
func workspaceEdit(docURI string, version int32, docChanges bool, edits []protocol.TextEdit) *protocol.WorkspaceEdit {
	if !docChanges {
		return &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{uri.URI(docURI): edits}}
	}
	elems := make([]protocol.TextDocumentEditElement, len(edits))
	for i := range edits {
		elems[i] = &edits[i]
	}
	return &protocol.WorkspaceEdit{DocumentChanges: []protocol.DocumentChange{&protocol.TextDocumentEdit{
		TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{
			TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri.URI(docURI)},
			Version:                &version,
		},
		Edits: elems,
	}}}
}

// dismissKind is the dismiss entry's code action kind. It is under none of
// the kinds editors group suggestions by (quickfix, refactor.*, source), so
// that VS Code lists it last, under "More Actions...", rather than first
// among the quick fixes above the rewrites, where Ctrl+. then Enter would
// dismiss.
const dismissKind = "syntx.dismiss"

// dismissTitle begins with a character that sorts after every letter:
// IntelliJ (LSP4IJ) orders intentions by title, and the dismiss entry must
// come after the suggestions there too. Neovim keeps the server's order, in
// which it is last.
const dismissTitle = "× Dismiss these suggestions (SyntX)"

// dismissAction ends an invoked menu: "Dismiss these suggestions".
func dismissAction(setID string) *protocol.CodeAction {
	kind := protocol.CodeActionKind(dismissKind)
	id, _ := json.Marshal(setID)
	reason, _ := json.Marshal("not-helpful")
	data, _ := json.Marshal(map[string]any{"setId": setID, "dismiss": true})
	return &protocol.CodeAction{
		Title: dismissTitle,
		Kind:  &kind,
		Command: protocol.Command{
			Title:     "Dismiss these suggestions",
			Command:   "syntx.dismiss",
			Arguments: []protocol.LSPAny{jsontext.Value(id), jsontext.Value(reason)},
		},
		Data: jsontext.Value(data),
	}
}

// newCandidate converts a match and its fix into LSP terms.
func newCandidate(m rules.Match, edits []rules.TextEdit, text *syntax.Text, enc syntax.Encoding) *candidate {
	c := &candidate{match: m, edits: edits, score: m.Rule.Prior, unsafe: m.Unsafe}
	c.finish(text, enc)
	return c
}

// rank orders candidates best first: fixes of the requested place before
// the whole-file migrations, fixes that keep the code's meaning before the
// ones that may change it unless the policy ranks those with the others
// (automaticPolicy.ranksLate), each by score (until a policy is loaded the
// score is the rule's prior); ties keep document order.
func rank(cands []*candidate, auto automaticPolicy) {
	for _, c := range cands {
		c.late = auto.ranksLate(c)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.migration != b.migration {
			return !a.migration
		}
		if a.late != b.late {
			return !a.late
		}
		return a.score > b.score
	})
}

// suggestionData is the data of a suggestion's code action and of its
// diagnostic: what the editors' plugins read (suggestionId and setId, to
// accept and dismiss) and what a developer sees when they inspect one. A
// struct, not a map: a whole-file request on a minified line renders
// dozens, and a map costs each its allocation and a sorted, reflective
// encoding.
type suggestionData struct {
	SuggestionID string          `json:"suggestionId"`
	SetID        string          `json:"setId"`
	RuleID       string          `json:"ruleId"`
	Category     string          `json:"category"`
	Score        float64         `json:"score"`
	Site         *protocol.Range `json:"site,omitempty"`
	Safety       string          `json:"safety"`
	Check        *string         `json:"check,omitempty"` // an unsafe fix's: what to check
	Sites        int             `json:"sites,omitempty"` // a migration's
	Source       string          `json:"source,omitempty"`
	Origin       string          `json:"origin,omitempty"`
	SourceSHA256 string          `json:"sourceSha256,omitempty"` // a workspace rule's
}

// newSuggestionData fills what a code action's and a diagnostic's data
// share.
func newSuggestionData(c *candidate, id, setID string) *suggestionData {
	r := c.match.Rule
	d := &suggestionData{SuggestionID: id, SetID: setID, RuleID: r.ID, Category: r.Category, Score: c.score, Safety: rules.Safe}
	if c.unsafe {
		d.Safety, d.Check = rules.Unsafe, &r.Check
	}
	return d
}

// action is the code action of shown candidate c: its edit, or with lazy
// none (the client resolves it: resolveCodeAction), its data and the
// syntx.accept command.
func (s *Server) action(c *candidate, id, setID, docURI string, version int32, docChanges, preferred, lazy bool) *protocol.CodeAction {
	r := c.match.Rule
	kind := protocol.CodeActionKind(r.ActionKind())
	title := r.Title
	if c.migration {
		kind = protocol.CodeActionKind("source.syntx." + r.Category)
		title = migrationTitle(r, c.sites)
	}
	if c.unsafe {
		title += " (unsafe)"
	}
	var edit *protocol.WorkspaceEdit
	if !lazy {
		edit = workspaceEdit(docURI, version, docChanges, c.lsp)
	}
	site := protocol.Range{
		Start: protocol.Position{Line: c.siteStart.Line, Character: c.siteStart.Character},
		End:   protocol.Position{Line: c.siteEnd.Line, Character: c.siteEnd.Character},
	}
	fields := newSuggestionData(c, id, setID)
	fields.Site, fields.Source, fields.Origin = &site, ruleSource(r), r.Origin.String()
	if c.migration {
		fields.Sites = c.sites
	}
	if r.Origin == rules.OriginWorkspace {
		// A workspace rule says where it comes from, in the menu too.
		title += " (workspace rule " + ruleSource(r) + ")"
		fields.SourceSHA256 = r.SHA256
	}
	data, _ := json.Marshal(fields)
	arg, _ := json.Marshal(id)
	a := &protocol.CodeAction{
		Title: title,
		Kind:  &kind,
		Edit:  edit,
		Command: protocol.Command{
			Title:     "Accept SyntX suggestion",
			Command:   "syntx.accept",
			Arguments: []protocol.LSPAny{jsontext.Value(arg)},
		},
		Data: jsontext.Value(data),
	}
	if preferred {
		yes := true
		a.IsPreferred = &yes
	}
	return a
}
