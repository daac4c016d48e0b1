package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// candidate is one suggestion for a code action request, before ranking.
type candidate struct {
	match    rules.Match
	memo     *siteMemo        // what is kept with the match; nil outside codeAction
	edits    []rules.TextEdit // the fix; set by finish from the memo
	lsp      []protocol.TextEdit
	features model.Candidate
	grammar  syntax.Grammar
	score    float64
	// siteStart and siteEnd are the site's LSP range.
	siteStart, siteEnd syntax.Position
	// region is the span the fix rewrites, in the text before the fix, and
	// what it becomes.
	region   rules.Span
	original string
	replaced string
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
	key, _ := normURI(string(p.TextDocument.URI))
	doc := s.docs.get(key)
	if doc == nil {
		return nil, invalidParams("document %s is not open", p.TextDocument.URI)
	}
	cfg := s.config()
	enc := s.encoding()
	ctx, cancel := context.WithTimeout(ctx, cfg.Limits.RequestTimeout.D())
	defer cancel()
	trigger := "invoked"
	if p.Context.TriggerKind == protocol.CodeActionTriggerKindAutomatic {
		trigger = "automatic"
	}

	// Snapshot under the document's lock, on the read loop, so the request
	// sees exactly the edits that arrived before it.
	doc.mu.Lock()
	if doc.index == nil {
		doc.mu.Unlock()
		return []protocol.CommandOrCodeAction{}, nil
	}
	text, version, docURI := doc.text, doc.version, doc.uri
	start, _ := text.Offset(syntax.Position{Line: p.Range.Start.Line, Character: p.Range.Start.Character}, enc)
	end, _ := text.Offset(syntax.Position{Line: p.Range.End.Line, Character: p.Range.End.Character}, enc)
	if start > end {
		start, end = end, start
	}
	if start == end {
		// A bare cursor (the lightbulb, Ctrl+., Neovim's code_action()):
		// offer what applies anywhere on its line, not only under it — on
		// a minified file's one line, what applies near the cursor.
		line, at := text.LineOf(start), start
		start, end = text.LineStart(line), max(text.LineStart(line+1)-1, text.LineStart(line))
		start, end = max(start, at-cursorReach), min(end, at+cursorReach)
	}
	persona, _ := s.persona()
	// Half the request's time may go to matching regions still pending.
	deadline := time.Now().Add(cfg.Limits.RequestTimeout.D() / 2)
	cs := candidateSource{doc: doc, text: text, role: capture.FileRole(doc.path, text.Bytes()), persona: persona}
	cands := s.candidates(cs, start, end, p.Context.Only, deadline)
	// Scores are kept with the matches, under the document's lock.
	policyVersion, err := s.scoreMemoized(ctx, cands)
	od := offerDoc{key: key, uri: docURI, path: doc.path}
	if od.path == "" {
		od.path = docURI
	}
	doc.mu.Unlock()
	jsonrpc2.Async(ctx) // the rest does not touch the document

	if len(cands) == 0 {
		return []protocol.CommandOrCodeAction{}, nil
	}
	if err != nil {
		s.log.Warn("scoring failed; ranking by priors", "err", err)
		policyVersion = "priors"
		for _, c := range cands {
			c.score = c.match.Rule.Prior
		}
	}
	s.rank(cands)
	if ctx.Err() != nil {
		return nil, errCancelled
	}
	threshold := cfg.Policy.Threshold
	shown := cands[:0]
	for _, c := range cands {
		if trigger == "automatic" && c.score < threshold {
			continue // learn when to stay silent
		}
		shown = append(shown, c)
	}
	if len(shown) > cfg.Limits.MaxCandidates {
		shown = shown[:cfg.Limits.MaxCandidates]
	}
	if len(shown) == 0 {
		return []protocol.CommandOrCodeAction{}, nil
	}
	for _, c := range shown {
		c.finish(text, enc)
	}
	now := s.now()
	s.mu.RLock()
	docChanges := s.clientCap.documentChanges
	s.mu.RUnlock()
	// An automatic request repeats on every cursor move: the same set at
	// the same place keeps its ids and is recorded once.
	setKey := offerSetKey(key, shown)
	setID, ids, fresh := s.offers.set(setKey, trigger, len(shown), now)
	out := make([]protocol.CommandOrCodeAction, 0, len(shown)+1)
	for i, c := range shown {
		s.offers.add(&offer{
			ID: ids[i], SetID: setID, Rank: i, DocKey: key, URI: docURI, Version: version,
			Rule: c.match.Rule, Site: c.match.Site, Edits: c.edits,
			Original: c.original, Replaced: c.replaced, Region: c.region,
			Score: c.score, Trigger: trigger, At: now, Grammar: c.grammar,
		})
		out = append(out, s.action(c, ids[i], docURI, version, docChanges, i == 0 && c.score >= threshold))
	}
	if fresh && s.rec != nil {
		_, weight := s.persona()
		s.rec.Offer(s.offerRecords(od, shown, ids, setID, trigger, policyVersion, now), weight)
	}
	if trigger == "invoked" {
		if fresh && s.tracker != nil {
			s.tracker.Menu(setID, key, ids, now)
		}
		if kindAllowed("quickfix.syntx", p.Context.Only) {
			out = append(out, dismissAction(setID))
		}
	}
	return out, nil
}

// offerSetKey identifies a set of suggestions at a place in a document.
func offerSetKey(docKey string, shown []*candidate) string {
	var b strings.Builder
	b.WriteString(docKey)
	for _, c := range shown {
		fmt.Fprintf(&b, "|%s@%d:%s", c.match.Rule.ID, c.siteStart.Line, c.original)
	}
	return b.String()
}

// dismissAction ends an invoked menu: "Dismiss these suggestions".
func dismissAction(setID string) *protocol.CodeAction {
	kind := protocol.CodeActionKind("quickfix.syntx")
	id, _ := json.Marshal(setID)
	reason, _ := json.Marshal("not-helpful")
	data, _ := json.Marshal(map[string]any{"setId": setID, "dismiss": true})
	return &protocol.CodeAction{
		Title: "Dismiss these suggestions (SyntX)",
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
	c := &candidate{match: m, edits: edits, score: m.Rule.Prior}
	c.finish(text, enc)
	return c
}

// rank orders candidates best first. Until a policy is loaded the score is
// the rule's prior; ties keep document order.
func (s *Server) rank(cands []*candidate) {
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
}

func (s *Server) action(c *candidate, id, docURI string, version int32, docChanges, preferred bool) *protocol.CodeAction {
	r := c.match.Rule
	kind := protocol.CodeActionKind(r.ActionKind())
	edit := &protocol.WorkspaceEdit{}
	if docChanges {
		v := version
		elems := make([]protocol.TextDocumentEditElement, len(c.lsp))
		for i := range c.lsp {
			elems[i] = &c.lsp[i]
		}
		edit.DocumentChanges = []protocol.DocumentChange{&protocol.TextDocumentEdit{
			TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{
				TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri.URI(docURI)},
				Version:                &v,
			},
			Edits: elems,
		}}
	} else {
		edit.Changes = map[uri.URI][]protocol.TextEdit{uri.URI(docURI): c.lsp}
	}
	data, _ := json.Marshal(map[string]any{
		"suggestionId": id, "ruleId": r.ID, "category": r.Category, "score": c.score,
		"site": protocol.Range{
			Start: protocol.Position{Line: c.siteStart.Line, Character: c.siteStart.Character},
			End:   protocol.Position{Line: c.siteEnd.Line, Character: c.siteEnd.Character},
		},
	})
	arg, _ := json.Marshal(id)
	a := &protocol.CodeAction{
		Title: r.Title,
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
