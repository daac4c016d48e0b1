package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/rules"
)

// Learned diagnostics. Every suggestion the policy would show on an
// automatic trigger (automaticPolicy.shows, the same decision a lightbulb
// request makes) is also a diagnostic: severity Hint unless
// diagnostics.severity says otherwise, source "syntx", code the rule id,
// codeDescription a Markdown page with the rule's documentation (the text
// of `syntx rules show ID`, written once under $SYNTX_HOME/docs/rules), and
// data the suggestion's id, rule, category, score and safety. So what the
// policy learns to keep quiet loses its squiggle as well as its lightbulb
// entry.
//
// Clients that can pull diagnostics (textDocument.diagnostic in their
// capabilities: VS Code) get the diagnosticProvider capability and ask with
// textDocument/diagnostic; the answer runs in the document's queue, after
// the edits sent before it, so it is never about an older text. When
// something other than the text changes what is shown (an adapter swap, the
// settings, the workspace's trust) the server sends
// workspace/diagnostic/refresh. Other clients (Neovim) get
// textDocument/publishDiagnostics with the document's version,
// diagnostics.delay after the document is analysed, after the last edit and
// after each adapter swap; an edit cancels a pending publish and schedules
// the next, and a publish whose turn comes after a newer one was scheduled
// is dropped, so the last one a client receives is about its latest text.
// Closing a document publishes an empty list for it.
//
// Evidence. A diagnostic the developer had in front of them and did nothing
// with is weak evidence that they do not want it (capture's "shown,
// ignored"). It counts as seen when the client asks for code actions on its
// lines (VS Code does on every cursor move) or the developer edits within
// seenLines lines of it; as acted on when its suggestion, or the code action
// for the same rule at the same line, is accepted or dismissed, when a menu
// is opened on its lines (that menu's own outcome is recorded) or when its
// site is edited. Seen and not acted on within capture.ignore_after, or by
// the time its document is closed, it is recorded as ignored on an
// automatic suggestion, which capture weighs as the weakest label
// (capture.evidence.shown, 0.1 by default). A diagnostic that disappears first (its
// code changed, or the policy stopped showing it) yields nothing.
// Diagnostics are written to the store only when they become evidence (an
// ignore or a dismiss): opening a file writes nothing.

// seenLines is how near an edit must be to a diagnostic for it to count as
// seen.
const seenLines = 3

// matchSlice bounds how long one turn of a diagnostics computation matches
// what an edit left pending before it gives the document's queue back. A
// code action matches only its own lines; diagnostics need every match,
// and after an edit inside a file-wide construct (a UMD wrapper, a class
// holding the module) that can be most of the file. Matching in slices,
// each queued behind the requests that arrived meanwhile, keeps a code
// action from waiting for a whole-file match.
const matchSlice = 4 * time.Millisecond

// diagnostics is the server's per-document diagnostic state.
type diagnostics struct {
	mu    sync.Mutex
	docs  map[string]*docDiags
	epoch uint64 // bumped when what is shown may change in every document
	// dirs counts, per directory, the changes to the Go files open there
	// (an edit, an open, a close): what a document's fixes may take from
	// its package's other files (rules.Requires: free_package_name,
	// known_type) is read from their buffers, and those changes leave its
	// own text as it was (siblingsChanged).
	dirs map[string]uint64
	// refresh is the pending workspace/diagnostic/refresh (pull clients).
	refresh *time.Timer
	// documented are the rules whose documentation page is written.
	documented map[string]string
}

type docDiags struct {
	timer *time.Timer
	seq   uint64 // counts schedules; a publish job runs only if still the last
	// The last computation: for the document's text generation gen and the
	// server's epoch.
	computed bool
	gen      uint64
	epoch    uint64
	// pkgDir is the directory whose Go files the computation read through
	// a rule's package requirement ("" when none of its matches has one),
	// and dirGen that directory's count of changes then (diagnostics.dirs).
	pkgDir   string
	dirGen   uint64
	version  int32
	items    []protocol.Diagnostic
	resultID string
	// pushed: a list was published, for pushedGen, pushedEpoch and
	// pushedDirGen (its package's other files: dirGen);
	// nonEmpty: the client holds a non-empty one.
	pushed                 bool
	pushedGen, pushedEpoch uint64
	pushedDirGen           uint64
	nonEmpty               bool
	entries                map[string]*diagEntry
}

// diagEntry is one diagnostic as the developer sees it across edits: its
// identity is its rule, the text it would rewrite and which occurrence of
// that pair it is, so that edits elsewhere keep its id.
type diagEntry struct {
	id, setID          string
	rule               string
	startLine, endLine uint32
	seen, acted        bool
}

func (d *diagnostics) doc(key string) *docDiags {
	if d.docs == nil {
		d.docs = map[string]*docDiags{}
	}
	dd := d.docs[key]
	if dd == nil {
		dd = &docDiags{entries: map[string]*diagEntry{}}
		d.docs[key] = dd
	}
	return dd
}

// pullsDiagnostics reports whether the client asks for diagnostics itself.
func (s *Server) pullsDiagnostics() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.clientCap.pullDiagnostics
}

// scheduleDiagnostics publishes a document's diagnostics after
// diagnostics.delay, replacing a publish scheduled before (push clients).
func (s *Server) scheduleDiagnostics(key string) {
	if s.pullsDiagnostics() || s.conn == nil {
		return
	}
	delay := s.config().Diagnostics.Delay.D()
	s.diags.mu.Lock()
	defer s.diags.mu.Unlock()
	dd := s.diags.doc(key)
	dd.seq++
	seq := dd.seq
	if dd.timer != nil {
		dd.timer.Stop()
	}
	dd.timer = time.AfterFunc(delay, func() {
		s.queues.run(key, func() { s.publishDiagnostics(key, seq) })
	})
}

// diagnosticsStale records that what the policy shows may have changed in
// every document (an adapter swap, new settings, the workspace's rules):
// push clients get each open document again, pull clients a refresh.
func (s *Server) diagnosticsStale() {
	s.diags.mu.Lock()
	s.diags.epoch++
	s.diags.mu.Unlock()
	if s.conn == nil {
		return
	}
	if !s.pullsDiagnostics() {
		for _, key := range s.docs.keys() {
			s.scheduleDiagnostics(key)
		}
		return
	}
	s.mu.RLock()
	refresh := s.clientCap.refreshDiagnostics
	s.mu.RUnlock()
	if !refresh || !s.ready.Load() {
		// Before initialized the client has pulled nothing to refresh
		// (the record's start-up read ends here, possibly before the
		// initialize answer is written).
		return
	}
	s.refreshPulled()
}

// refreshPulled asks a pull client, after diagnostics.delay, to pull every
// document's diagnostics again (workspace/diagnostic/refresh), once for
// the changes of that delay. The client's capability is checked by the
// caller.
func (s *Server) refreshPulled() {
	delay := s.config().Diagnostics.Delay.D()
	s.diags.mu.Lock()
	defer s.diags.mu.Unlock()
	if s.diags.refresh != nil {
		s.diags.refresh.Stop()
	}
	s.diags.refresh = time.AfterFunc(delay, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := s.conn.Call(ctx, "workspace/diagnostic/refresh", nil, nil); err != nil {
			s.log.Debug("workspace/diagnostic/refresh failed", "err", err)
		}
	})
}

// publishParams is textDocument/publishDiagnostics' payload.
type publishParams struct {
	URI         string                `json:"uri"`
	Version     int32                 `json:"version"`
	Diagnostics []protocol.Diagnostic `json:"diagnostics"`
}

// publishDiagnostics computes and pushes a document's diagnostics, in its
// queue; seq is the schedule it answers (a later one supersedes it).
func (s *Server) publishDiagnostics(key string, seq uint64) {
	s.diags.mu.Lock()
	dd := s.diags.docs[key]
	current := dd != nil && dd.seq == seq
	s.diags.mu.Unlock()
	if !current {
		return
	}
	r, ok, more := s.documentDiagnostics(context.Background(), key)
	if more {
		// Matching is not finished: continue after what queued meanwhile.
		s.queues.run(key, func() { s.publishDiagnostics(key, seq) })
		return
	}
	if !ok {
		return
	}
	s.diags.mu.Lock()
	dd = s.diags.doc(key)
	if dd.seq != seq || (dd.pushed && dd.pushedGen == r.gen && dd.pushedEpoch == r.epoch && dd.pushedDirGen == r.dirGen) {
		s.diags.mu.Unlock()
		return
	}
	dd.pushed, dd.pushedGen, dd.pushedEpoch, dd.pushedDirGen, dd.nonEmpty = true, r.gen, r.epoch, r.dirGen, len(r.items) > 0
	s.diags.mu.Unlock()
	s.notify(context.Background(), "textDocument/publishDiagnostics", &publishParams{URI: r.uri, Version: r.version, Diagnostics: r.items})
}

// clearDiagnostics forgets a closed document's diagnostics and, for push
// clients, publishes an empty list for it.
func (s *Server) clearDiagnostics(key, docURI string) {
	s.diags.mu.Lock()
	dd := s.diags.docs[key]
	delete(s.diags.docs, key)
	if dd != nil && dd.timer != nil {
		dd.timer.Stop()
	}
	s.diags.mu.Unlock()
	if dd != nil && dd.nonEmpty && !s.pullsDiagnostics() {
		s.notify(context.Background(), "textDocument/publishDiagnostics", &publishParams{URI: docURI, Diagnostics: []protocol.Diagnostic{}})
	}
}

// diagResult is one computation of a document's diagnostics.
type diagResult struct {
	uri      string
	version  int32
	gen      uint64
	epoch    uint64
	dirGen   uint64 // of the package's other files, when a rule read them
	items    []protocol.Diagnostic
	resultID string
	reused   bool
}

// documentDiagnostics returns the diagnostics of a document's current text:
// the last ones when neither the text nor the epoch changed since, else
// computed afresh. more means that matching what an edit left pending took
// its slice and is not finished: call again (after the queue's other work).
// Run it in the document's queue.
func (s *Server) documentDiagnostics(ctx context.Context, key string) (r diagResult, ok, more bool) {
	doc := s.docs.get(key)
	if doc == nil {
		return diagResult{}, false, false
	}
	doc.mu.Lock()
	gen, version, docURI := doc.gen, doc.version, doc.uri
	doc.mu.Unlock()
	s.diags.mu.Lock()
	epoch := s.diags.epoch
	dd := s.diags.doc(key)
	dir := goDir(doc.path)
	dirGen := s.diags.dirs[dir]
	if dd.computed && dd.gen == gen && dd.epoch == epoch && (dd.pkgDir == "" || dd.dirGen == s.diags.dirs[dd.pkgDir]) {
		r := diagResult{uri: docURI, version: version, gen: gen, epoch: epoch, dirGen: dd.dirGen, items: dd.items, resultID: dd.resultID, reused: true}
		s.diags.mu.Unlock()
		return r, true, false
	}
	s.diags.mu.Unlock()
	if s.matchPending(doc) {
		return diagResult{}, false, true
	}
	items, done, readsPackage := s.computeDiagnostics(ctx, doc)
	r = diagResult{uri: docURI, version: version, gen: gen, epoch: epoch, items: items}
	s.diags.mu.Lock()
	defer s.diags.mu.Unlock()
	dd = s.diags.doc(key)
	if done {
		dd.computed, dd.gen, dd.epoch, dd.version, dd.items = true, gen, epoch, version, items
		dd.pkgDir, dd.dirGen = "", 0
		if readsPackage && dir != "" {
			dd.pkgDir, dd.dirGen = dir, dirGen
			r.dirGen = dirGen
		}
		dd.resultID = fmt.Sprintf("%s-%d-%d-%d-%d", s.offers.session, epoch, gen, dirGen, len(items))
	} else {
		dd.computed = false // partial: compute again next time
	}
	r.resultID = dd.resultID
	return r, true, false
}

// matchPending matches, for at most matchSlice, what edits left pending in
// a document, and reports whether some is still pending.
func (s *Server) matchPending(doc *document) bool {
	doc.mu.Lock()
	defer doc.mu.Unlock()
	if !s.config().Diagnostics.Enabled {
		return false
	}
	s.wake(doc)
	if doc.index == nil || doc.index.Pending() == 0 {
		return false
	}
	doc.index.WithinBy(doc.tree, doc.text, 0, doc.text.Len(), time.Now().Add(matchSlice))
	return doc.index.Pending() > 0
}

// computeDiagnostics finds, scores and filters a document's suggestions and
// turns those the policy would show automatically into diagnostics. done
// is false when rendering ran out of time (the answer holds what was
// rendered); readsPackage is true when a match's rule reads the package's
// other files (rules.Rule.ReadsPackage), whose changes then count.
func (s *Server) computeDiagnostics(ctx context.Context, doc *document) (items []protocol.Diagnostic, done, readsPackage bool) {
	cfg := s.config()
	if !cfg.Diagnostics.Enabled {
		s.dropEntries(doc.key, nil)
		return []protocol.Diagnostic{}, true, false
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Limits.RequestTimeout.D())
	defer cancel()
	enc := s.encoding()
	persona, _ := s.persona()
	doc.mu.Lock()
	s.wake(doc)
	if doc.index == nil {
		doc.mu.Unlock()
		s.dropEntries(doc.key, nil)
		return []protocol.Diagnostic{}, true, false
	}
	od := offerDoc{key: doc.key, uri: doc.uri, path: doc.path, redacted: &doc.redacted}
	if od.path == "" {
		od.path = doc.uri
	}
	version := doc.version
	target := s.docTarget(doc, time.Time{})
	learnt := s.adapterActive()
	var cands []*candidate
	done = true
	all := doc.index.Matches(doc.tree, doc.text)
	if cfg.Suggestions.MigrationSites {
		// A new slice: the index's answer may be its own.
		all = slices.Concat(all, doc.migrationIndex().Matches(doc.tree, doc.text))
	}
	for _, m := range all {
		readsPackage = readsPackage || m.Rule.ReadsPackage()
		if hiddenUnsafe(m.Unsafe, learnt) || !s.eligible(m, doc, target, cfg, nil) {
			continue
		}
		if ctx.Err() != nil {
			done = false
			break
		}
		edits, err := rules.Render(ctx, m, doc.tree, doc.text)
		if err != nil || len(edits) == 0 {
			continue
		}
		c := newCandidate(m, edits, doc.text, enc)
		c.features = capture.Features(m, edits, doc.tree, doc.text.Slice(0, capture.FileRoleReads), doc.path, persona)
		c.score = c.features.Prior
		c.grammar = doc.grammar
		cands = append(cands, c)
	}
	s.used(doc)
	doc.mu.Unlock()
	if !done {
		s.log.Info("diagnostics: rendering ran out of time; publishing what was rendered", "uri", od.uri, "rendered", len(cands))
	}
	policyVersion, err := s.scoreCandidates(ctx, cands)
	if err != nil {
		s.log.Warn("scoring failed; ranking by priors", "err", err)
		policyVersion = "priors"
	}
	auto := s.automatic(cfg)
	shown := cands[:0]
	for _, c := range cands {
		if auto.shows(c) {
			shown = append(shown, c)
		}
	}
	if len(shown) > cfg.Diagnostics.MaxPerFile {
		sort.SliceStable(shown, func(i, j int) bool { return shown[i].score > shown[j].score })
		shown = shown[:cfg.Diagnostics.MaxPerFile]
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].match.Site.Start < shown[j].match.Site.Start })
	return s.toDiagnostics(od, version, shown, policyVersion, cfg), done, readsPackage
}

// toDiagnostics gives each shown candidate its identity and suggestion id
// (kept across publishes) and renders it.
func (s *Server) toDiagnostics(od offerDoc, version int32, shown []*candidate, policyVersion string, cfg config.Config) []protocol.Diagnostic {
	now := s.now()
	occurrence := map[string]int{}
	out := make([]protocol.Diagnostic, 0, len(shown))
	keep := map[string]bool{}
	for _, c := range shown {
		base := c.match.Rule.ID + "\x00" + c.original
		occurrence[base]++
		identity := fmt.Sprintf("%s\x00%d", base, occurrence[base])
		keep[identity] = true
		s.diags.mu.Lock()
		e := s.diags.doc(od.key).entries[identity]
		if e == nil {
			e = &diagEntry{setID: s.offers.newID(), rule: c.match.Rule.ID}
			e.id = s.offers.newID()
			s.diags.doc(od.key).entries[identity] = e
		}
		e.startLine, e.endLine = c.siteStart.Line, c.siteEnd.Line
		id, setID := e.id, e.setID
		s.diags.mu.Unlock()
		if s.offers.get(id) == nil {
			rec := s.offerRecords(od, []*candidate{c}, []string{id}, setID, "automatic", policyVersion, now)[0]
			s.offers.add(&offer{
				ID: id, SetID: setID, DocKey: od.key, URI: od.uri, Version: version,
				Rule: c.match.Rule, Site: c.match.Site, SiteLine: c.siteStart.Line, Edits: c.edits,
				Original: c.original, Replaced: c.replaced, Region: c.region,
				Score: c.score, Trigger: "automatic", At: now, Grammar: c.grammar, pending: &rec,
			})
		}
		out = append(out, s.diagnostic(c, id, setID, cfg))
	}
	s.dropEntries(od.key, keep)
	return out
}

// dropEntries forgets the entries of a document not in keep (nil: all): a
// seen diagnostic that went away before being ignored yields nothing.
func (s *Server) dropEntries(key string, keep map[string]bool) {
	var cancel []string
	s.diags.mu.Lock()
	if dd := s.diags.docs[key]; dd != nil {
		for identity, e := range dd.entries {
			if keep[identity] {
				continue
			}
			if e.seen && !e.acted {
				cancel = append(cancel, e.setID)
			}
			delete(dd.entries, identity)
		}
	}
	s.diags.mu.Unlock()
	if s.tracker != nil {
		for _, set := range cancel {
			s.tracker.Chosen(set)
		}
	}
}

// lspSeverity maps a configured severity name to LSP's number.
func lspSeverity(name string) protocol.DiagnosticSeverity {
	for i, n := range config.SeverityNames {
		if n == name {
			return protocol.DiagnosticSeverity(i + 1)
		}
	}
	return protocol.DiagnosticSeverityHint
}

// diagnostic renders one shown candidate.
func (s *Server) diagnostic(c *candidate, id, setID string, cfg config.Config) protocol.Diagnostic {
	r := c.match.Rule
	msg := strings.TrimSpace(r.Message)
	fix := r.Title
	if c.unsafe {
		fix += " (unsafe: it may change what the code does)"
	}
	msg += "\nSuggested fix: " + fix
	data, _ := json.Marshal(newSuggestionData(c, id, setID))
	d := protocol.Diagnostic{
		Range: protocol.Range{
			Start: protocol.Position{Line: c.siteStart.Line, Character: c.siteStart.Character},
			End:   protocol.Position{Line: c.siteEnd.Line, Character: c.siteEnd.Character},
		},
		Severity: lspSeverity(cfg.Diagnostics.Severity.For(r.Category)),
		Code:     protocol.String(r.ID),
		Source:   protocol.NewOptional("syntx"),
		Message:  protocol.String(msg),
		Data:     jsontext.Value(data),
	}
	if href := s.ruleDoc(r); href != "" {
		d.CodeDescription = protocol.CodeDescription{Href: uri.URI(href)}
	}
	return d
}

// ruleDoc returns the file URI of a rule's documentation page
// ($SYNTX_HOME/docs/rules/<id>.md, the text of `syntx rules show ID`),
// writing it the first time in a session; "" without a data directory or
// when it cannot be written.
func (s *Server) ruleDoc(r *rules.Rule) string {
	if s.opts.DataDir == "" {
		return ""
	}
	key := r.ID + "\x00" + r.SHA256
	s.diags.mu.Lock()
	href, ok := s.diags.documented[key]
	s.diags.mu.Unlock()
	if ok {
		return href
	}
	dir := filepath.Join(s.opts.DataDir, "docs", "rules")
	path := filepath.Join(dir, docFileName(r.ID))
	err := atomicfile.MkdirAll(dir)
	if err == nil {
		err = atomicfile.WriteFile(path, []byte(rules.Describe(r)))
	}
	if err != nil {
		s.log.Warn("rule documentation not written; diagnostics link to none", "rule", r.ID, "err", err)
		href = ""
	} else {
		href = string(uri.File(path))
	}
	s.diags.mu.Lock()
	if s.diags.documented == nil {
		s.diags.documented = map[string]string{}
	}
	s.diags.documented[key] = href
	s.diags.mu.Unlock()
	return href
}

// docFileName is a rule id as a file name: letters, digits, '.', '-' and
// '_' are kept, anything else (a workspace rule's id is the workspace's
// choice) becomes '_'.
func docFileName(id string) string {
	b := []byte(id)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
		if !ok {
			b[i] = '_'
		}
	}
	name := string(b)
	if name == "" || name[0] == '.' {
		name = "_" + name
	}
	return name + ".md"
}

// pullParams is textDocument/diagnostic's payload.
type pullParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
	PreviousResultID string `json:"previousResultId"`
}

// pullReport is a DocumentDiagnosticReport: "full" with the items, or
// "unchanged" when the client's previous result still stands.
type pullReport struct {
	Kind     string                `json:"kind"`
	ResultID string                `json:"resultId,omitempty"`
	Items    []protocol.Diagnostic `json:"items,omitempty"`
}

// pullDiagnostics answers textDocument/diagnostic in the document's queue.
func (s *Server) pullDiagnostics(ctx context.Context, params []byte) (any, error) {
	var p pullParams
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, invalidParams("textDocument/diagnostic: %v", err)
	}
	key, _ := normURI(p.TextDocument.URI)
	timeout := s.config().Limits.RequestTimeout.D()
	done := make(chan diagResult, 1)
	var job func()
	job = func() {
		r, ok, more := s.documentDiagnostics(context.Background(), key)
		if more {
			s.queues.run(key, job) // after what queued meanwhile
			return
		}
		if !ok {
			r = diagResult{items: []protocol.Diagnostic{}}
		}
		done <- r
	}
	s.queues.run(key, job)
	jsonrpc2.Async(ctx)
	tctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()
	select {
	case r := <-done:
		if r.resultID != "" && r.resultID == p.PreviousResultID {
			return &pullReport{Kind: "unchanged", ResultID: r.resultID}, nil
		}
		items := r.items
		if items == nil {
			items = []protocol.Diagnostic{}
		}
		return &pullReportFull{Kind: "full", ResultID: r.resultID, Items: items}, nil
	case <-tctx.Done():
		return nil, requestEnded(tctx, "textDocument/diagnostic", timeout)
	}
}

// pullReportFull always carries items, empty or not.
type pullReportFull struct {
	Kind     string                `json:"kind"`
	ResultID string                `json:"resultId,omitempty"`
	Items    []protocol.Diagnostic `json:"items"`
}

// diagSeen records that the client asked for code actions on lines
// [from, to] of a document: its diagnostics there were in front of the
// developer (automatic request) or had a menu opened on them (invoked).
func (s *Server) diagSeen(key string, from, to uint32, invoked bool) {
	s.diagTouch(key, from, to, func(e *diagEntry) (seen, acted bool) { return !invoked, invoked })
}

// diagEdited records an edit of lines [from, to]: diagnostics it overlaps
// were acted on, those within seenLines of it seen.
func (s *Server) diagEdited(key string, from, to uint32) {
	lo := uint32(0)
	if from > seenLines {
		lo = from - seenLines
	}
	s.diagTouch(key, lo, to+seenLines, func(e *diagEntry) (seen, acted bool) {
		overlaps := e.startLine <= to && e.endLine >= from
		return !overlaps, overlaps
	})
}

// diagActed records that the suggestion of rule at line of a document was
// accepted or dismissed through a code action.
func (s *Server) diagActed(key, rule string, line uint32) {
	s.diagTouch(key, line, line, func(e *diagEntry) (seen, acted bool) { return false, e.rule == rule })
}

// diagTouch applies f to the entries of a document on lines [from, to].
func (s *Server) diagTouch(key string, from, to uint32, f func(*diagEntry) (seen, acted bool)) {
	if s.tracker == nil {
		return
	}
	type menu struct{ set, id string }
	var seen []menu
	var acted []string
	s.diags.mu.Lock()
	if dd := s.diags.docs[key]; dd != nil {
		for _, e := range dd.entries {
			if e.acted || e.startLine > to || e.endLine < from {
				continue
			}
			sn, ac := f(e)
			switch {
			case ac:
				e.acted = true
				if e.seen {
					acted = append(acted, e.setID)
				}
			case sn && !e.seen:
				e.seen = true
				seen = append(seen, menu{e.setID, e.id})
			}
		}
	}
	s.diags.mu.Unlock()
	now := s.now()
	for _, m := range seen {
		s.tracker.Shown(m.set, key, m.id, now)
	}
	for _, set := range acted {
		s.tracker.Chosen(set)
	}
}

// analysed is called when a document's background analysis installs its
// tree (with the document's lock held): its diagnostics, empty until now,
// are computed again.
func (s *Server) analysed(key string) {
	s.diags.mu.Lock()
	if dd := s.diags.docs[key]; dd != nil {
		dd.computed = false
	}
	s.diags.mu.Unlock()
	if !s.pullsDiagnostics() {
		s.scheduleDiagnostics(key)
		return
	}
	s.diagnosticsStale()
}

// goDir is the directory of a Go document's package ("" for another
// document, or one without a path).
func goDir(path string) string {
	if path == "" || !strings.HasSuffix(path, ".go") {
		return ""
	}
	return filepath.Dir(path)
}

// siblingsChanged records that the Go file at path changed in the editor
// (edited, opened, closed) and has the diagnostics of the open documents
// that read it through a rule's package requirement computed again: for a
// push client they are published again, a pull client is asked to pull.
// The document itself is left to its own schedule.
func (s *Server) siblingsChanged(key, path string) {
	dir := goDir(path)
	if dir == "" {
		return
	}
	var readers []string
	s.diags.mu.Lock()
	if s.diags.dirs == nil {
		s.diags.dirs = map[string]uint64{}
	}
	s.diags.dirs[dir]++
	for k, dd := range s.diags.docs {
		if k != key && dd.pkgDir == dir {
			readers = append(readers, k)
		}
	}
	s.diags.mu.Unlock()
	if len(readers) == 0 || s.conn == nil {
		return
	}
	if !s.pullsDiagnostics() {
		for _, k := range readers {
			s.scheduleDiagnostics(k)
		}
		return
	}
	s.mu.RLock()
	refresh := s.clientCap.refreshDiagnostics
	s.mu.RUnlock()
	if refresh && s.ready.Load() {
		s.refreshPulled()
	}
}
