package lsp

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// siteMemo is what a code action derives from one match: kept with the match
// in the index (rules.Index.SetMemo) until an edit touches the text it was
// derived from, so that asking again — the lightbulb on every cursor move, a
// request over a whole file — costs a lookup per candidate, not a rendered
// fix and a walk of the tree.
type siteMemo struct {
	// edits is the fix, with spans relative to the match's root. A fix
	// that reads only the lines of the root is kept until an edit touches
	// them; one that reads beyond (imports, the top level) until the next
	// edit anywhere.
	edits    []rules.TextEdit
	editSize int
	// context is the syntax around the site (capture.Context). A
	// migration's sites keep their fixes without it (described false):
	// their candidate is the file's, and only a site offered on its own
	// needs it.
	context   []string
	described bool
	// part is the site's part of its file's migration, when it has been
	// one (migrationSites).
	part *sitePart
	// score is the policy's score for the features, with the persona and
	// policy version it was computed for ("" version: none).
	score        float64
	scorePersona string
	scoreVersion string
}

// candidateSource is what building a document's candidates reads, under
// the document's lock.
type candidateSource struct {
	doc     *document
	text    *syntax.Text
	role    string // the file's role, for the features
	persona string
}

// candidates returns the candidates of matches (already filtered and
// capped), with their features and, when a memo holds them, their scores.
// A match without a memo has its fix rendered with rules.Render under ctx
// (the request's rendering deadline and the template budget); once ctx
// has ended, such matches are left out and partial is set, while those
// with a memo still cost only a lookup. Call with doc.mu held.
func (s *Server) candidates(ctx context.Context, cs candidateSource, matches []rules.Match) (out []*candidate, partial bool) {
	doc := cs.doc
	for _, m := range matches {
		c := &candidate{match: m, grammar: doc.grammar, score: m.Rule.Prior, unsafe: m.Unsafe}
		memo, ended := s.memoFix(ctx, doc, cs.text, &c.match)
		if ended {
			partial = true
			continue
		}
		if memo == nil {
			continue
		}
		if !memo.described {
			rctx, read := capture.ContextRead(doc.tree, m.Site)
			memo.context, memo.described = rctx, true
			deps := fixDeps(cs.text, m)
			deps = rules.Span{Start: min(deps.Start, read.Start), End: max(deps.End, read.End)}
			doc.indexOf(&c.match).SetMemo(&c.match, deps, memo)
		}
		c.memo = memo
		c.features = capture.Describe(m, memo.editSize, memo.context, cs.role, cs.persona)
		c.score = c.features.Prior
		out = append(out, c)
	}
	return out, partial
}

// memoFix returns m's fix as its memo keeps it, rendering it (rules.Render
// under ctx) when no memo does; the memo is then kept with the match until
// an edit touches the text the fix read. nil when the fix does not render
// on this text (noFix is kept, so that it is not rendered again until an
// edit) or when ctx ended before it could be rendered (ended). A new memo
// is not described (siteMemo.context). Call with doc.mu held.
func (s *Server) memoFix(ctx context.Context, doc *document, text *syntax.Text, m *rules.Match) (memo *siteMemo, ended bool) {
	ix := doc.indexOf(m)
	kept := ix.Memo(m)
	if _, ok := kept.(noFix); ok {
		return nil, false
	}
	if memo, ok := kept.(*siteMemo); ok {
		return memo, false
	}
	if ctx.Err() != nil {
		return nil, true
	}
	edits, err := rules.Render(ctx, *m, doc.tree, text)
	if err != nil || len(edits) == 0 {
		if ctx.Err() != nil {
			return nil, true
		}
		s.noFix(doc, m, text.Len(), err)
		return nil, false
	}
	memo = &siteMemo{edits: relative(edits, m.Root.Start), editSize: capture.EditSize(edits)}
	ix.SetMemo(m, fixDeps(text, *m), memo)
	return memo, false
}

// fixDeps returns the span of text m's fix depends on: for a local fix the
// text it reads (fixReads); for one that reads the imports, the top level
// or the whole file (whether a package is still used), the whole text, so
// that its memo lasts until the next edit.
func fixDeps(text *syntax.Text, m rules.Match) rules.Span {
	if m.Rule.FixIsLocal() {
		return fixReads(text, m)
	}
	return rules.Span{Start: 0, End: text.Len()}
}

// noFix is kept with a match whose fix did not render on the current text,
// so that no request renders it again (nor logs it) until an edit.
type noFix struct{}

// noFix records that m's fix did not render: err wraps
// rules.ErrNotApplicable when the text does not allow it (a precondition,
// logged at debug level), else it is a defect of the rule, a warning. What
// a fix reads can be anywhere in the file (its imports), so any edit
// renders it again. Call with doc.mu held.
func (s *Server) noFix(doc *document, m *rules.Match, textLen int, err error) {
	level := slog.LevelWarn
	if errors.Is(err, rules.ErrNotApplicable) {
		level = slog.LevelDebug
	}
	s.log.Log(context.Background(), level, "fix failed", "rule", m.Rule.ID, "source", ruleSource(m.Rule), "err", err)
	doc.indexOf(m).SetMemo(m, rules.Span{Start: 0, End: textLen}, noFix{})
}

// fixReads returns the span of text a local fix of m reads: the match's
// root, the blanks around it up to the next character (deleting a
// statement takes its line when only blanks surround it), and when the
// rule's templates use it, the indentation of the root's first line.
func fixReads(text *syntax.Text, m rules.Match) rules.Span {
	src := text
	lo, hi := m.Root.Start, m.Root.End
	if m.Rule.FixReadsIndent() {
		lo = text.LineStart(text.LineOf(lo))
	}
	for lo > 0 && (src.At(lo-1) == ' ' || src.At(lo-1) == '\t') {
		lo--
	}
	for hi < src.Len() && (src.At(hi) == ' ' || src.At(hi) == '\t' || src.At(hi) == ';') {
		hi++
	}
	return rules.Span{Start: max(lo-1, 0), End: min(hi+1, src.Len())}
}

// relative returns edits with spans relative to base.
func relative(edits []rules.TextEdit, base int) []rules.TextEdit {
	out := make([]rules.TextEdit, len(edits))
	for i, e := range edits {
		e.Span.Start -= base
		e.Span.End -= base
		out[i] = e
	}
	return out
}

// scoreMemoized scores the candidates with the policy, reusing the scores
// their memos hold for the same persona and policy version (the features
// are the memo's), and keeping the new ones. Call with the document's lock held (the memos belong
// to its index).
func (s *Server) scoreMemoized(ctx context.Context, cands []*candidate) (version string, err error) {
	rt := s.policy()
	if rt == nil {
		return "priors", nil
	}
	version = rt.Version()
	var todo []*candidate
	for _, c := range cands {
		if m := c.memo; m != nil && m.scoreVersion != "" && m.scoreVersion == version && m.scorePersona == c.features.Persona {
			c.score = m.score
			continue
		}
		todo = append(todo, c)
	}
	if len(todo) == 0 {
		return version, nil
	}
	if version, err = s.scoreCandidates(ctx, todo); err != nil {
		return version, err
	}
	for _, c := range todo {
		if c.memo != nil {
			c.memo.score, c.memo.scorePersona, c.memo.scoreVersion = c.score, c.features.Persona, version
		}
	}
	return version, nil
}

// finish renders a candidate that will be shown: its fix in absolute
// positions and in LSP terms, its site's range, and the region the fix
// rewrites with its text before and after.
func (c *candidate) finish(text *syntax.Text, enc syntax.Encoding) {
	if c.finished {
		return
	}
	c.finished = true
	if c.edits == nil {
		c.edits = relative(c.memo.edits, -c.match.Root.Start)
	}
	m, edits := c.match, c.edits
	c.siteStart, c.siteEnd = text.Position(m.Site.Start, enc), text.Position(m.Site.End, enc)
	// The region capture follows is what the rewrite itself covers; an
	// import the fix adds or drops is not part of it (the developer may
	// reorganise imports without touching the suggestion).
	var own []rules.TextEdit
	for _, e := range edits {
		if !e.Import {
			own = append(own, e)
		}
	}
	if len(own) == 0 {
		own = edits
	}
	if !c.migration {
		// (A migration's region and texts are its sites' lines, which
		// setParts gives it: the span from its first site to its last is
		// most of the file, and copying it twice per request cost more
		// than the rest of the migration.)
		c.region = rules.Span{Start: own[0].Span.Start, End: own[len(own)-1].Span.End}
		c.original = text.String(c.region.Start, c.region.End)
		var b strings.Builder
		last := c.region.Start
		for _, e := range own {
			b.Write(text.Slice(last, e.Span.Start))
			b.WriteString(e.NewText)
			last = e.Span.End
		}
		c.replaced = b.String()
	}
	if !c.resolved {
		c.lsp = lspEdits(c.lsp[:0], text, enc, edits)
	}
}

// lspEdits appends edits, spans of text, to out as LSP edits in enc.
func lspEdits(out []protocol.TextEdit, text *syntax.Text, enc syntax.Encoding, edits []rules.TextEdit) []protocol.TextEdit {
	for _, e := range edits {
		sp, ep := text.Position(e.Span.Start, enc), text.Position(e.Span.End, enc)
		out = append(out, protocol.TextEdit{
			Range: protocol.Range{
				Start: protocol.Position{Line: sp.Line, Character: sp.Character},
				End:   protocol.Position{Line: ep.Line, Character: ep.Character},
			},
			NewText: e.NewText,
		})
	}
	return out
}
