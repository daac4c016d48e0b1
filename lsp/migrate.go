package lsp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// Migrations: a rule that would rewrite most of a file (var to let/const,
// % to f-strings, any to unknown) is not a lightbulb on every line. It is
// offered as one source action per file, "Convert this file to let/const
// (N sites)", which applies every site whose fix is safe (the unsafe ones
// and those a comment or the project's target silences are left as they
// are), and is offered, recorded and learnt from as one suggestion. Its
// sites are offered one by one only with suggestions.migration_sites.

// wantsSource reports whether a request asks for source actions: an
// explicitly invoked menu without a kind filter, or a filter that admits
// SyntX's source kinds (VS Code's "Source Action...", codeActionsOnSave).
// Automatic requests without a filter (the lightbulb, on every cursor move)
// get none: finding every site of the file is not free.
func wantsSource(trigger string, only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return trigger == "invoked"
	}
	for _, c := range rules.Categories {
		if kindAllowed("source.syntx."+c, only) {
			return true
		}
	}
	return false
}

// migrationTitle is the source action's title.
func migrationTitle(r *rules.Rule, sites int) string {
	if sites == 1 {
		return r.Migration + " (1 site)"
	}
	return fmt.Sprintf("%s (%d sites)", r.Migration, sites)
}

// migrations returns one candidate per migration rule with safe sites in
// the document. It works under ctx's deadline: when the document's matches
// are not all known by then (a large file just edited wholesale), or its
// sites cannot all be rendered, no migration is offered on this request
// (one over part of the file would say the wrong number of sites). Call
// with the document's lock held.
func (s *Server) migrations(ctx context.Context, doc *document, target *rules.DocTarget, persona string, enc syntax.Encoding, only []protocol.CodeActionKind) []*candidate {
	migs := doc.migrationIndex()
	key := migrationKey(target, persona, enc, only)
	if c := doc.migCache; c != nil && c.key == key {
		return c.copies()
	}
	src := doc.text.Bytes()
	byRule := map[*rules.Rule][]rules.Match{}
	var order []*rules.Rule
	deadline, _ := ctx.Deadline()
	all := migs.WithinBy(doc.tree, src, 0, len(src), deadline)
	if migs.Pending() > 0 {
		return nil
	}
	for i, m := range all {
		if i%256 == 0 && ctx.Err() != nil {
			return nil // checking each site's suppressions ran out of time
		}
		r := m.Rule
		if r.Migration == "" || m.Unsafe || !kindAllowed("source.syntx."+r.Category, only) || !offered(m, doc, target) {
			continue
		}
		if _, ok := byRule[r]; !ok {
			order = append(order, r)
			// Room for every site left: a file's migration sites are
			// mostly one rule's.
			byRule[r] = make([]rules.Match, 0, len(all)-i)
		}
		byRule[r] = append(byRule[r], m)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].ID < order[j].ID })
	var out []*candidate
	for _, r := range order {
		if c := s.migration(ctx, doc, byRule[r], persona, enc); c != nil {
			out = append(out, c)
		}
	}
	if ctx.Err() != nil {
		return nil // a migration cut short would say the wrong number of sites
	}
	for _, r := range order {
		if r.Requires.FreePackageName != "" {
			// Whether its sites are offered depends on the package's
			// other files too (rules.DocTarget), which the key does not
			// follow.
			return out
		}
	}
	doc.migCache = &migrationCache{key: key, cands: out}
	return doc.migCache.copies()
}

// migrationCache is the migration candidates a document's text gave, for
// the requests that ask again before it changes (a menu opened twice, the
// "Source Action..." menu after the lightbulb's): building them visits
// every site, 13,602 in a bundle. It is dropped where the text or its
// analysis changes (applyChanges, dropTree); key is what the request
// brings (migrationKey).
type migrationCache struct {
	key   string
	cands []*candidate
}

// copies returns the cached candidates as a request's own: ranking and
// scoring set fields of each; the slices they hold are only read.
func (c *migrationCache) copies() []*candidate {
	out := make([]*candidate, len(c.cands))
	for i, cd := range c.cands {
		cp := *cd
		out[i] = &cp
	}
	return out
}

// migrationKey names what a migration's candidates depend on besides the
// text: the project's declared target (its fields, and where it was read
// from), the persona and the position encoding the features and edits are
// made in, and the source kinds the request admits.
func migrationKey(target *rules.DocTarget, persona string, enc syntax.Encoding, only []protocol.CodeActionKind) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%+v|%s|%d|", target.Target, persona, enc)
	for _, c := range rules.Categories {
		if kindAllowed("source.syntx."+c, only) {
			b.WriteString(c + ",")
		}
	}
	return b.String()
}

// migration combines the fixes of one rule's sites (in document order)
// into one candidate; a site whose edits would overlap another's is left
// out. Call with the document's lock held.
func (s *Server) migration(ctx context.Context, doc *document, ms []rules.Match, persona string, enc syntax.Encoding) *candidate {
	edits, parts, kept := s.migrationSites(ctx, doc, ms)
	if len(parts) == 0 {
		return nil
	}
	src := doc.text.Bytes()
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Span.Start < edits[j].Span.Start })
	for i := 1; i < len(edits); i++ {
		if edits[i].Span.Start < edits[i-1].Span.End {
			s.log.Warn("migration edits overlap; not offered", "rule", ms[0].Rule.ID)
			return nil
		}
	}
	s.mu.RLock()
	resolved := s.clientCap.resolveEdit // the action goes without its edit (offerActions)
	s.mu.RUnlock()
	c := &candidate{match: kept[0], edits: edits, migration: true, sites: len(parts), resolved: resolved}
	c.finish(doc.text, enc)
	c.features = capture.Features(kept[0], edits, doc.tree, src, doc.path, persona)
	c.score = c.features.Prior
	c.grammar = doc.grammar
	last := kept[len(kept)-1]
	c.siteEnd = doc.text.Position(last.Site.End, enc)
	c.setParts(src, edits, parts)
	return c
}

// migrationPart is one site of a migration: the region its own edits
// cover, before and after them.
type migrationPart struct {
	region        rules.Span
	before, after string
}

// migrationSites renders the fixes of one rule's sites (in document order)
// and returns their edits (each import once), their parts and the matches
// kept; a site whose edits would overlap another's, or that renders
// nothing, is left out. nil when ctx ends.
func (s *Server) migrationSites(ctx context.Context, doc *document, ms []rules.Match) (edits []rules.TextEdit, parts []migrationPart, kept []rules.Match) {
	src := doc.text.Bytes()
	imports := map[rules.TextEdit]bool{}
	lastEnd := -1
	// Thousands of sites in a bundle: grown by appending, these slices
	// were copied a dozen times each.
	edits = make([]rules.TextEdit, 0, len(ms))
	parts = make([]migrationPart, 0, len(ms))
	kept = make([]rules.Match, 0, len(ms))
	for i := range ms {
		m := &ms[i]
		if ctx.Err() != nil {
			return nil, nil, nil
		}
		// Each site's fix is kept with its match (memoFix) until an edit
		// touches what it read: asking again after a keystroke renders
		// the sites that keystroke touched, not every var declaration of
		// a bundle again.
		memo, ended := s.memoFix(ctx, doc, doc.text, m)
		if ended {
			return nil, nil, nil
		}
		if memo == nil {
			continue
		}
		fx := relative(memo.edits, -m.Root.Start)
		var own []rules.TextEdit
		overlap := false
		for _, e := range fx {
			if e.Import {
				continue
			}
			if e.Span.Start < lastEnd {
				overlap = true
			}
			own = append(own, e)
		}
		if overlap || len(own) == 0 {
			continue
		}
		for _, e := range fx {
			if e.Import {
				if imports[e] {
					continue
				}
				imports[e] = true
			}
			edits = append(edits, e)
		}
		region := rules.Span{Start: own[0].Span.Start, End: own[len(own)-1].Span.End}
		var after strings.Builder
		last := region.Start
		for _, e := range own {
			after.Write(src[last:e.Span.Start])
			after.WriteString(e.NewText)
			last = e.Span.End
		}
		parts = append(parts, migrationPart{region: region, before: string(src[region.Start:region.End]), after: after.String()})
		kept = append(kept, *m)
		lastEnd = region.End
	}
	return edits, parts, kept
}

// setParts sets a migration candidate's parts, where the client will find
// them after applying the edits (sorted; shifted by the edits before each),
// for following the outcome; the lines they are on, for the record
// (recLines); its region; and the digest of its parts.
//
// A migration has no original and replaced text of its own: its record cuts
// its lines from the document when it is written (migrationTexts), and
// following it uses its parts. Joining every line it touches, before and
// after, made 1.4 MB of strings in echarts' bundle on every rebuild, which
// each offer of it then kept; digest names its parts instead (offerSetKey):
// what each rewrites and into what, not where, so that an edit elsewhere
// in the file leaves the set the same, as it did when the key held lines.
func (c *candidate) setParts(src []byte, edits []rules.TextEdit, parts []migrationPart) {
	c.parts = make([]capture.Part, len(parts))
	h := sha256.New()
	var n [8]byte
	delta, ei := 0, 0
	lineStart := -1
	for i, p := range parts {
		for ei < len(edits) && edits[ei].Span.End <= p.region.Start {
			delta += len(edits[ei].NewText) - (edits[ei].Span.End - edits[ei].Span.Start)
			ei++
		}
		c.parts[i] = capture.Part{Start: p.region.Start + delta, Original: p.before, Suggested: p.after}
		for _, t := range []string{p.before, p.after} {
			binary.LittleEndian.PutUint64(n[:], uint64(len(t)))
			h.Write(n[:])
			_, _ = io.WriteString(h, t)
		}
		if ls, le := lineSpan(src, p.region); ls != lineStart {
			// A new line (sites on one line share it).
			lineStart = ls
			c.recLines = append(c.recLines, rules.Span{Start: ls, End: le})
		}
	}
	c.region = rules.Span{Start: parts[0].region.Start, End: parts[len(parts)-1].region.End}
	c.digest = string(h.Sum(nil))
}

// lineSpan returns the whole lines holding sp, without the last newline.
func lineSpan(src []byte, sp rules.Span) (int, int) {
	// bytes, not strings: converting src to a string would copy the file
	// for every site of a migration.
	start := bytes.LastIndexByte(src[:sp.Start], '\n') + 1
	end := sp.End
	if i := bytes.IndexByte(src[sp.End:], '\n'); i >= 0 {
		end += i
	} else {
		end = len(src)
	}
	return start, end
}
