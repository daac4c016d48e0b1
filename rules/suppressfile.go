package rules

import (
	"bytes"
	"regexp"
	"sort"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Suppressions answers Suppressed for the matches of one version of a
// document. Most suppression comments are looked for on the lines around a
// site, but some reach across the file: an eslint-disable region (or
// oxlint's, or TSLint's) may open anywhere above the site, a pylint
// disable covers the rest of its block, and staticcheck's
// //lint:file-ignore, flake8's and ruff's noqa for the file and a //nolint
// above the package clause may be anywhere. Suppressed alone finds those
// by scanning the text for each match, which on a whole-file request
// (every match of a 5,000-line file) makes the check cost matches × file
// size; a Suppressions finds them once, on the first match that needs
// them, and answers every match of the same tree and text from that. It
// also keeps the comments it found on each line and the last line's
// bounds: on a minified file's one 300 KB line, every match would
// otherwise scan that whole line for comments.
//
// A Suppressions belongs to one tree and text: make a new one after an
// edit. It is not safe for concurrent use (a code action request builds
// one under the document's lock).
type Suppressions struct {
	tree *syntax.Tree
	src  *syntax.Text
	text *syntax.Text // src's Text, when known: its Find answers outlive a keystroke

	tools [len(regionTools)]toolRegions // each regionTool's regions, followed as far as asked

	fileIgnoreScanned bool
	hasFileIgnore     bool

	pylintChecked bool
	pylintBlocks  []pylintBlock // found once, in the order of the text

	pyFileChecked bool
	pyFile        []pyFileDirective // flake8's, ruff's and pylint's for the whole file

	goPackageChecked bool
	goPackage        *sitter.Node // the //nolint comment right above the package clause

	// dirs holds where the grammar's line directives occur (lineDirectives),
	// when dirsOK; dirsFound once looked for.
	dirs              []int
	dirsFound, dirsOK bool
	root              *sitter.Node // the tree's root, asked once (rootNode)

	lines     [2]Span                 // the last two lines lineBounds found (a site's and the one before)
	nLine     int                     // how many lineBounds found
	comments  map[Span][]*sitter.Node // commentsIn's answers
	directive map[Span][]*sitter.Node // directiveComments' answers
	leaves    leafFinder              // the walks commentsIn and eslintComments make
}

// regionTool is a JavaScript linter whose comments silence sites, with its
// directives as it spells them: a region opens at a disable and closes at
// an enable, each with an optional list of rules, and the line directives
// silence the comment's own line or the next one.
type regionTool struct {
	scan            string // the start of every directive of the tool
	disable, enable string
	line, nextLine  string
}

// regionTools are ESLint, oxlint (which reads ESLint's directives spelled
// with its own name) and TSLint (whose rule list follows a colon).
var regionTools = [...]regionTool{
	{"eslint-", "eslint-disable", "eslint-enable", "eslint-disable-line", "eslint-disable-next-line"},
	{"oxlint-", "oxlint-disable", "oxlint-enable", "oxlint-disable-line", "oxlint-disable-next-line"},
	{"tslint:", "tslint:disable", "tslint:enable", "tslint:disable-line", "tslint:disable-next-line"},
}

// toolRegions is how far one tool's region comments have been read.
type toolRegions struct {
	checked      bool
	firstDisable int             // where the tool's first region disable is; -1: nowhere
	comments     []eslintComment // found so far, in order
	next         int             // where the scan for the tool's directives goes on
	cursors      map[*Rule]*eslintCursor
}

// eslintComment is a comment holding a tool's directive, where its first
// one is, and the rule lists of the disable and enable directives it holds
// (read once: a whole-file request asks about every site below it).
type eslintComment struct {
	node *sitter.Node
	at   int

	disable, enable     []string
	isDisable, isEnable bool // a region directive (not -line or -next-line)
}

// eslintCursor is how far one rule's eslint-disable regions have been
// followed: the comments before upTo are read, and disabled is the
// comment whose region holds upTo, if any.
type eslintCursor struct {
	next     int // the first comment not read yet
	upTo     int
	disabled *sitter.Node
}

// NewSuppressions returns the suppression checker of tree, the tree src
// was parsed into.
func NewSuppressions(tree *syntax.Tree, src *syntax.Text) *Suppressions {
	return &Suppressions{tree: tree, src: src}
}

// NewTextSuppressions is NewSuppressions for a document's Text: the
// comments that reach across the file are found from what the text
// remembers of where "eslint-" occurs (syntax.Text.Find), which the next
// version inherits, instead of by reading the text up to each site again
// after every keystroke.
func NewTextSuppressions(tree *syntax.Tree, text *syntax.Text) *Suppressions {
	return &Suppressions{tree: tree, src: text, text: text}
}

// rootNode returns the tree's root: every site asks, and each Root is a
// call into the binding.
func (s *Suppressions) rootNode() *sitter.Node {
	if s.root == nil {
		s.root = s.tree.Root()
	}
	return s.root
}

// next returns where pat first occurs in src[from:upTo], or -1.
func (s *Suppressions) next(pat string, from, upTo int) int {
	if s.text != nil {
		if occ, ok := s.text.Find(pat); ok {
			if i := sort.SearchInts(occ, from); i < len(occ) && occ[i]+len(pat) <= upTo {
				return occ[i]
			}
			return -1
		}
	}
	return s.src.Index(from, upTo, []byte(pat))
}

// Suppressed reports whether a suppression comment silences m, and which.
func (s *Suppressions) Suppressed(m Match) (Suppression, bool) {
	c, ok := suppressedBy(s.tree, s.src, m, s)
	if !ok {
		return Suppression{}, false
	}
	return Suppression{Comment: string(s.src.Slice(int(c.StartByte()), int(c.EndByte()))), Span: spanOf(c)}, true
}

// regionComments returns the comments that hold one of tool ti's
// directives before upTo (and perhaps some after it), in the order of the
// text: the candidates for its regions above a site at upTo. None when no
// region disable of the tool ends before upTo. The text is scanned once,
// as far as the sites asked about reach: a line request in a 3 MB bundle
// whose first eslint-disable comes after its site scans nothing.
func (s *Suppressions) regionComments(ti int, upTo int) []eslintComment {
	tool, st := &regionTools[ti], &s.tools[ti]
	if !st.checked {
		st.checked = true
		// The first directive that is a region's disable: one string
		// searched for, the one the scan below asks for too.
		st.firstDisable = -1
		for at := s.next(tool.scan, 0, s.src.Len()); at >= 0; at = s.next(tool.scan, at+1, s.src.Len()) {
			if b := s.src.Slice(at, at+len(tool.nextLine)); bytes.HasPrefix(b, []byte(tool.disable)) && !tool.lineDirective(b) {
				st.firstDisable = at
				break
			}
		}
	}
	if st.firstDisable < 0 || st.firstDisable+len(tool.disable) > upTo {
		return nil
	}
	upTo = min(upTo, s.src.Len())
	root := s.rootNode()
	for st.next+len(tool.scan) <= upTo {
		at := s.next(tool.scan, st.next, upTo)
		if at < 0 {
			// A directive that upTo cuts is found by a later, longer scan.
			st.next = max(st.next, upTo-len(tool.scan)+1)
			break
		}
		st.next = at + 1
		if !tool.regionDirective(s.src.Slice(at, at+len(tool.nextLine))) {
			// Nothing a region reads (readRegionComment): not looked up
			// in the tree. A bundle keeps its sources' eslint-disable-
			// next-line comments, and each lookup walks from the root
			// through the factory's statements.
			continue
		}
		path := s.leaves.leafAt(root, uint32(at))
		c := path[len(path)-1].node
		if c.Type() != "comment" || len(st.comments) > 0 && st.comments[len(st.comments)-1].node.StartByte() == c.StartByte() {
			continue
		}
		st.comments = append(st.comments, readRegionComment(tool, s.src, c, at))
	}
	return st.comments
}

// lineDirective reports whether b starts with one of the tool's line
// directives (-disable-line, -disable-next-line): a comment holding one is
// no region's (readRegionComment), and the site's own lines read it.
func (tool *regionTool) lineDirective(b []byte) bool {
	return bytes.HasPrefix(b, []byte(tool.line)) || bytes.HasPrefix(b, []byte(tool.nextLine))
}

// regionDirective reports whether the directive b starts with may be a
// region's: a disable or an enable, not a line's. Every directive
// readRegionComment reads starts such an occurrence, so one that does not
// (eslint-env, a line's) need not be looked up: its comment, if it holds
// a region's directive, is found at that directive.
func (tool *regionTool) regionDirective(b []byte) bool {
	return (bytes.HasPrefix(b, []byte(tool.disable)) || bytes.HasPrefix(b, []byte(tool.enable))) && !tool.lineDirective(b)
}

// readRegionComment reads the region directives of tool in comment c,
// whose first directive of the tool is at at.
func readRegionComment(tool *regionTool, src *syntax.Text, c *sitter.Node, at int) eslintComment {
	ec := eslintComment{node: c, at: at}
	t := string(src.Slice(int(c.StartByte()), int(c.EndByte())))
	if strings.Contains(t, tool.line) || strings.Contains(t, tool.nextLine) {
		return ec
	}
	ec.disable, ec.isDisable = directive(t, tool.disable)
	ec.enable, ec.isEnable = directive(t, tool.enable)
	return ec
}

// lintRegion handles the region directives of every regionTool (/*
// eslint-disable [rules] */ ... /* eslint-enable [rules] */): for each
// tool, the last disable before the site that names the rule, not
// followed by an enable of the tool that names it. Each rule's regions are
// followed from where the last site asked about left them, so the sites of
// a whole-file request, asked in the order of the text, read each comment
// once per rule (a bundle holds a thousand sites below the same comments);
// a site before the last one asked starts again from the top.
func (s *Suppressions) lintRegion(m Match) (*sitter.Node, bool) {
	for ti := range regionTools {
		if c, ok := s.toolRegion(ti, m); ok {
			return c, true
		}
	}
	return nil, false
}

// toolRegion is lintRegion for the tool regionTools[ti].
func (s *Suppressions) toolRegion(ti int, m Match) (*sitter.Node, bool) {
	comments := s.regionComments(ti, m.Site.Start)
	if len(comments) == 0 {
		return nil, false
	}
	st := &s.tools[ti]
	cur := st.cursors[m.Rule]
	if cur == nil || m.Site.Start < cur.upTo {
		if st.cursors == nil {
			st.cursors = map[*Rule]*eslintCursor{}
		}
		cur = &eslintCursor{}
		st.cursors[m.Rule] = cur
	}
	cur.upTo = m.Site.Start
	scan := len(regionTools[ti].scan)
	for ; cur.next < len(comments); cur.next++ {
		ec := comments[cur.next]
		if ec.at+scan > m.Site.Start {
			break
		}
		if ec.isDisable && names(m.Rule, ec.disable, false) {
			cur.disabled = ec.node
		}
		if ec.isEnable && names(m.Rule, ec.enable, false) {
			cur.disabled = nil
		}
	}
	return cur.disabled, cur.disabled != nil
}

// pylintBlock is a "# pylint: disable=" or "enable=" comment alone on its
// line, which pylint reads as covering the rest of its block: the lines
// after it, up to the end of the innermost def, class or compound
// statement whose lines hold it (a comment after an inner block's last
// statement belongs to the block around it). It disables (or enables
// again) the rules its list names for the sites that start in [from, to).
// A directive at the end of a line of code is that line's own, even on a
// def or class header, as pylint 2.16 reads it.
type pylintBlock struct {
	node            *sitter.Node
	from, to        int
	disable, enable []string
}

// pylintRegion handles pylint's block directives: the last one before the
// site whose block holds the site and names the rule decides, so an
// enable in an inner block ends a disable there only, as in pylint's
// "each branch is a block" (a disable above an if still holds after it).
func (s *Suppressions) pylintRegion(m Match) (*sitter.Node, bool) {
	var by *sitter.Node
	for _, b := range s.pylintDirectives() {
		if b.from > m.Site.Start {
			break
		}
		if m.Site.Start >= b.to {
			continue
		}
		if b.disable != nil && names(m.Rule, b.disable, true) {
			by = b.node
		}
		if b.enable != nil && names(m.Rule, b.enable, true) {
			by = nil
		}
	}
	return by, by != nil
}

// pylintDirectives returns the block directives of the file (pylintBlock),
// found once: every comment that holds "pylint:".
func (s *Suppressions) pylintDirectives() []pylintBlock {
	if s.pylintChecked {
		return s.pylintBlocks
	}
	s.pylintChecked = true
	s.eachCommentHolding("pylint:", func(c, parent *sitter.Node) {
		t := string(s.src.Slice(int(c.StartByte()), int(c.EndByte())))
		disable, isDisable := pylint(t, "disable")
		enable, isEnable := pylint(t, "enable")
		if !isDisable && !isEnable || parent == nil {
			return
		}
		if from, to, ok := pylintReach(s.src, c, parent); ok {
			s.pylintBlocks = append(s.pylintBlocks, pylintBlock{node: c, from: from, to: to, disable: disable, enable: enable})
		}
	})
	return s.pylintBlocks
}

// eachCommentHolding calls f, in the order of the text, once with each
// comment that holds word and its parent in the tree (nil for none).
func (s *Suppressions) eachCommentHolding(word string, f func(c, parent *sitter.Node)) {
	root := s.rootNode()
	end := s.src.Len()
	last := -1
	for at := s.next(word, 0, end); at >= 0; at = s.next(word, at+1, end) {
		path := s.leaves.leafAt(root, uint32(at))
		c := path[len(path)-1].node
		if c.Type() != "comment" || int(c.StartByte()) == last {
			continue
		}
		last = int(c.StartByte())
		var parent *sitter.Node
		if len(path) >= 2 {
			parent = path[len(path)-2].node
		}
		f(c, parent)
	}
}

// pylintReach returns the bytes a pylint block directive in comment c
// (whose parent in the tree is parent) covers: from the comment's end to
// the end of the block that goes on after it. tree-sitter puts a comment
// above a block's first statement under the compound statement (the def,
// the if), before its body, and one that follows a block's last statement
// may stay at that block's end, where nothing follows it: the block that
// goes on is found among the next siblings of the comment and then of its
// ancestors, as pylint finds it from the comment's line among its nodes'
// line ranges.
func pylintReach(src *syntax.Text, c, parent *sitter.Node) (int, int, bool) {
	if !standalone(src, c) {
		return 0, 0, false
	}
	for n, p := c, parent; p != nil; n, p = p, p.Parent() {
		next := n.NextNamedSibling()
		for next != nil && next.Type() == "comment" {
			next = next.NextNamedSibling()
		}
		if next == nil {
			continue
		}
		block := p
		if next.Type() == "block" {
			// Between a compound statement's header and its body: the
			// body is the comment's block.
			block = next
		}
		return int(c.EndByte()), int(block.EndByte()), true
	}
	return 0, 0, false
}

// pyFileDirective is a comment that silences a whole Python file for the
// tool it names: "# flake8: noqa" and ruff's "# ruff: noqa" (which ruff
// also reads in flake8's spelling), both with an optional ": codes" list
// (empty: every rule), and pylint's "# pylint: skip-file". Each is alone
// on its line, as flake8 and ruff require.
type pyFileDirective struct {
	node  *sitter.Node
	codes []string
}

// pyFileRegion returns the comment that silences the whole file for m.
func (s *Suppressions) pyFileRegion(m Match) (*sitter.Node, bool) {
	for _, d := range s.pyFileDirectives() {
		if codesMatch(m.Rule, d.codes) {
			return d.node, true
		}
	}
	return nil, false
}

// pyFileDirectives finds the file's pyFileDirective comments once.
func (s *Suppressions) pyFileDirectives() []pyFileDirective {
	if s.pyFileChecked {
		return s.pyFile
	}
	s.pyFileChecked = true
	seen := map[uint32]bool{}
	for _, word := range []string{"flake8", "ruff:", "pylint:"} {
		s.eachCommentHolding(word, func(c, _ *sitter.Node) {
			if seen[c.StartByte()] || !standalone(s.src, c) {
				return
			}
			if codes, ok := pyFileDirectiveOf(string(s.src.Slice(int(c.StartByte()), int(c.EndByte())))); ok {
				seen[c.StartByte()] = true
				s.pyFile = append(s.pyFile, pyFileDirective{node: c, codes: codes})
			}
		})
	}
	return s.pyFile
}

// pyFileNoqa reads "# flake8: noqa[: codes]" and "# ruff: noqa[: codes]"
// (flake8 also takes "flake8=noqa", and NOQA in any case; the tool's name
// is looked for as written here).
var pyFileNoqa = regexp.MustCompile(`(?i)^#\s*(?:flake8|ruff)[:=]\s*noqa(?::\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?\s*$`)

// pyFileDirectiveOf reads a comment as a pyFileDirective: the codes it
// names (none: every rule), and whether it is one.
func pyFileDirectiveOf(comment string) ([]string, bool) {
	comment = strings.TrimSpace(comment)
	if m := pyFileNoqa.FindStringSubmatch(comment); m != nil {
		return pyCodes.FindAllString(m[1], -1), true
	}
	if rest, ok := strings.CutPrefix(comment, "#"); ok {
		rest = strings.TrimSpace(rest)
		if rest, ok := strings.CutPrefix(rest, "pylint:"); ok && strings.TrimSpace(rest) == "skip-file" {
			return nil, true
		}
	}
	return nil, false
}

// goPackageNolint returns the //nolint comment on the line right above
// the package clause, which golangci-lint reads as covering the whole
// file, or nil.
func (s *Suppressions) goPackageNolint() *sitter.Node {
	if s.goPackageChecked {
		return s.goPackage
	}
	s.goPackageChecked = true
	root := s.rootNode()
	for i := 0; i < int(root.NamedChildCount()); i++ {
		n := root.NamedChild(i)
		if n.Type() == "comment" {
			continue
		}
		if n.Type() != "package_clause" {
			return nil
		}
		start := lineBounds(s.src, int(n.StartByte()))
		if start.Start == 0 {
			return nil
		}
		prev := lineBounds(s.src, start.Start-1)
		for _, c := range s.commentsIn(prev.Start, prev.End) {
			t := string(s.src.Slice(int(c.StartByte()), int(c.EndByte())))
			if standalone(s.src, c) && strings.HasPrefix(t, "//nolint") {
				s.goPackage = c
			}
		}
		return s.goPackage
	}
	return nil
}

// fileIgnore reports whether the text holds a //lint:file-ignore at all.
func (s *Suppressions) fileIgnore() bool {
	if !s.fileIgnoreScanned {
		s.fileIgnoreScanned = true
		s.hasFileIgnore = s.next("//lint:file-ignore", 0, s.src.Len()) >= 0
	}
	return s.hasFileIgnore
}

// lineBounds is lineBounds(src, off), remembering the last two lines
// found: matches are checked in the order of the text, many on the same
// line, and each also looks at the line before its own.
func (s *Suppressions) lineBounds(off int) Span {
	off = min(max(off, 0), s.src.Len())
	for i := range min(s.nLine, len(s.lines)) {
		if l := s.lines[i]; l.Start <= off && off <= l.End {
			return l
		}
	}
	l := lineBounds(s.src, off)
	s.lines[s.nLine%len(s.lines)] = l
	s.nLine++
	return l
}

// commentsNear returns the comments starting in [lo, hi) that a check may
// read as a directive: those holding one of g's lineWords, when the text
// says where those are (directiveComments), else every one (commentsIn).
// The caller must not change the slice.
func (s *Suppressions) commentsNear(g syntax.Grammar, lo, hi int) []*sitter.Node {
	if words, ok := lineWords[g]; ok {
		if at, ok := s.lineDirectives(words); ok {
			return s.directiveComments(at, lo, hi)
		}
	}
	return s.commentsIn(lo, hi)
}

// directiveComments returns, in commentsIn's order, the comments that start
// in [lo, hi) and hold a line directive word (at, sorted), and perhaps the
// comment that spans hi-1: only a comment holding a word can silence a
// site (lineWords). Finding every comment on a site's lines walked the
// tree from each comment leader on them; a bundle's var declaration can be
// thousands of lines long, and its migration checks every such site.
func (s *Suppressions) directiveComments(at []int, lo, hi int) []*sitter.Node {
	k := Span{lo, hi}
	if cs, ok := s.directive[k]; ok {
		return cs
	}
	var cs []*sitter.Node
	consider := func(off int) {
		path := s.leaves.leafAt(s.rootNode(), uint32(off))
		c := path[len(path)-1].node
		st := int(c.StartByte())
		if c.Type() != "comment" || st < lo || st >= hi {
			return
		}
		for _, d := range cs {
			if d.StartByte() == c.StartByte() {
				return
			}
		}
		cs = append(cs, c)
	}
	i := sort.SearchInts(at, lo)
	for ; i < len(at) && at[i] < hi; i++ {
		consider(at[i])
	}
	if i < len(at) && hi > lo {
		// A comment that starts in the range and holds a word past it
		// spans its last byte.
		consider(hi - 1)
	}
	// commentsFound lists the line comments ("//") first, then the block
	// ones, each in the order of the text.
	sort.SliceStable(cs, func(a, b int) bool {
		return s.lineComment(cs[a]) && !s.lineComment(cs[b])
	})
	if s.directive == nil {
		s.directive = map[Span][]*sitter.Node{}
	}
	s.directive[k] = cs
	return cs
}

// lineComment reports whether comment c starts with "//".
func (s *Suppressions) lineComment(c *sitter.Node) bool {
	return bytes.HasPrefix(s.src.Slice(int(c.StartByte()), int(c.StartByte())+2), []byte("//"))
}

// longCommentScan is the length of a line past which the comments on it
// are looked for where the text remembers its comment leaders
// (syntax.Text.Find, carried from one version to the next) rather than by
// reading it: a site's line in a minified file is the whole file.
const longCommentScan = 4 << 10

// commentsIn is commentsIn over [lo, hi), remembered: the caller must not
// change the slice.
func (s *Suppressions) commentsIn(lo, hi int) []*sitter.Node {
	k := Span{lo, hi}
	if cs, ok := s.comments[k]; ok {
		return cs
	}
	if s.comments == nil {
		s.comments = map[Span][]*sitter.Node{}
	}
	var cs []*sitter.Node
	if s.text != nil && hi-lo > longCommentScan {
		cs = commentsFound(s.rootNode(), lo, hi, s.tree.Grammar(), &s.leaves, func(l string) []int {
			occ, ok := s.text.Find(l)
			if !ok {
				return leadersIn(s.src, lo, hi, l)
			}
			i, j := sort.SearchInts(occ, lo), sort.SearchInts(occ, hi-len(l)+1)
			return occ[i:j]
		})
	} else {
		cs = commentsIn(s.rootNode(), s.src, lo, hi, s.tree.Grammar(), &s.leaves)
	}
	s.comments[k] = cs
	return cs
}
