package lsp

import (
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
	src := doc.text
	byRule := map[*rules.Rule][]int32{} // each rule's sites, as indexes into all
	var order []*rules.Rule
	deadline, _ := ctx.Deadline()
	all := migs.WithinBy(doc.tree, src, 0, src.Len(), deadline)
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
			byRule[r] = make([]int32, 0, len(all)-i)
		}
		byRule[r] = append(byRule[r], int32(i))
	}
	sort.Slice(order, func(i, j int) bool { return order[i].ID < order[j].ID })
	var out []*candidate
	for _, r := range order {
		if c := s.migration(ctx, doc, all, byRule[r], persona, enc); c != nil {
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

// migration combines the fixes of one rule's sites, all[i] for each i in at
// (in document order), into one candidate; a site whose edits would overlap
// another's is left out. Call with the document's lock held.
func (s *Server) migration(ctx context.Context, doc *document, all []rules.Match, at []int32, persona string, enc syntax.Encoding) *candidate {
	edits, parts, first, last := s.migrationSites(ctx, doc, all, at)
	if len(parts) == 0 {
		return nil
	}
	src := doc.text
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Span.Start < edits[j].Span.Start })
	for i := 1; i < len(edits); i++ {
		if edits[i].Span.Start < edits[i-1].Span.End {
			s.log.Warn("migration edits overlap; not offered", "rule", first.Rule.ID)
			return nil
		}
	}
	s.mu.RLock()
	resolved := s.clientCap.resolveEdit // the action goes without its edit (offerActions)
	s.mu.RUnlock()
	c := &candidate{match: *first, edits: edits, migration: true, sites: len(parts), resolved: resolved}
	c.finish(doc.text, enc)
	c.features = capture.Features(*first, edits, doc.tree, src.Slice(0, capture.FileRoleReads), doc.path, persona)
	c.score = c.features.Prior
	c.grammar = doc.grammar
	c.siteEnd = doc.text.Position(last.Site.End, enc)
	c.setParts(src, edits, parts)
	return c
}

// migrationPart is one site of a migration: the region its own edits
// cover, before and after them.
type migrationPart struct {
	region        rules.Span
	before, after string
	sum           [sha256.Size]byte // partSum of before and after; zero: not yet
}

// partSum names what a part rewrites and into what: its digest, which a
// migration's digest is made of (setParts).
func partSum(before, after string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, t := range []string{before, after} {
		binary.LittleEndian.PutUint64(n[:], uint64(len(t)))
		h.Write(n[:])
		_, _ = io.WriteString(h, t)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// migrationSites renders the fixes of one rule's sites, all[i] for each i in
// at (in document order), and returns their edits (each import once), their
// parts and the first and last match kept; a site whose edits would overlap
// another's, or that renders nothing, is left out. nil when ctx ends.
func (s *Server) migrationSites(ctx context.Context, doc *document, all []rules.Match, at []int32) (edits []rules.TextEdit, parts []migrationPart, first, last *rules.Match) {
	src := doc.text
	imports := map[rules.TextEdit]bool{}
	lastEnd := -1
	// Thousands of sites in a bundle: grown by appending, these slices
	// were copied a dozen times each.
	edits = make([]rules.TextEdit, 0, len(at))
	parts = make([]migrationPart, 0, len(at))
	for _, i := range at {
		m := &all[i]
		if ctx.Err() != nil {
			return nil, nil, nil, nil
		}
		// Each site's fix is kept with its match (memoFix) until an edit
		// touches what it read, and so is its part: asking again after a
		// keystroke renders the sites that keystroke touched, not every
		// var declaration of a bundle again.
		memo, ended := s.memoFix(ctx, doc, doc.text, m)
		if ended {
			return nil, nil, nil, nil
		}
		if memo == nil {
			continue
		}
		base := m.Root.Start
		if memo.part == nil {
			memo.part = newSitePart(src, memo.edits, base)
		}
		p := memo.part
		if p.own == 0 || p.firstOwn+base < lastEnd {
			continue // nothing of its own, or it overlaps the site before
		}
		for _, e := range memo.edits {
			e.Span.Start += base
			e.Span.End += base
			if e.Import {
				if imports[e] {
					continue
				}
				imports[e] = true
			}
			edits = append(edits, e)
		}
		region := rules.Span{Start: p.region.Start + base, End: p.region.End + base}
		parts = append(parts, migrationPart{region: region, before: p.before, after: p.after, sum: p.sum})
		if first == nil {
			first = m
		}
		last = m
		lastEnd = region.End
	}
	return edits, parts, first, last
}

// sitePart is a migration site's part, kept with its fix (siteMemo.part)
// and valid as long as the fix is: the region its own edits (not the
// imports) cover, relative to the match's root, that region's text before
// and after them, how many own edits there are and where the first of them
// starts (relative too).
type sitePart struct {
	region        rules.Span
	before, after string
	sum           [sha256.Size]byte // partSum(before, after)
	own           int
	firstOwn      int
}

// newSitePart makes the part of a fix whose edits are relative to base, in
// src.
func newSitePart(src *syntax.Text, fix []rules.TextEdit, base int) *sitePart {
	p := &sitePart{firstOwn: int(^uint(0) >> 1)}
	var after strings.Builder
	last := -1
	for _, e := range fix {
		if e.Import {
			continue
		}
		start, end := e.Span.Start+base, e.Span.End+base
		if p.own == 0 {
			p.region.Start, last = start, start
		}
		p.own++
		p.firstOwn = min(p.firstOwn, e.Span.Start)
		after.Write(src.Slice(last, start))
		after.WriteString(e.NewText)
		last = end
		p.region.End = end
	}
	if p.own == 0 {
		return p
	}
	p.before = src.String(p.region.Start, p.region.End)
	p.after = after.String()
	p.sum = partSum(p.before, p.after)
	p.region.Start -= base
	p.region.End -= base
	return p
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
// It hashes each part's sum, which the site's memo keeps (sitePart), so
// that a menu after a keystroke hashes 32 bytes a site, not its code.
func (c *candidate) setParts(src *syntax.Text, edits []rules.TextEdit, parts []migrationPart) {
	c.parts = make([]capture.Part, len(parts))
	h := sha256.New()
	delta, ei := 0, 0
	lineStart := -1
	for i, p := range parts {
		for ei < len(edits) && edits[ei].Span.End <= p.region.Start {
			delta += len(edits[ei].NewText) - (edits[ei].Span.End - edits[ei].Span.Start)
			ei++
		}
		c.parts[i] = capture.Part{Start: p.region.Start + delta, Original: p.before, Suggested: p.after}
		sum := p.sum
		if sum == ([sha256.Size]byte{}) {
			sum = partSum(p.before, p.after)
		}
		h.Write(sum[:])
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
func lineSpan(src *syntax.Text, sp rules.Span) (int, int) {
	start := src.LastIndexByte(0, sp.Start, '\n') + 1
	end := src.IndexByte(sp.End, src.Len(), '\n')
	if end < 0 {
		end = src.Len()
	}
	return start, end
}
