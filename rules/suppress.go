package rules

import (
	"bytes"
	"regexp"
	"sort"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// Suppression comments: the ways developers tell their linters "not here",
// which SyntX honours too, so that a site a team has already discussed and
// silenced does not come back as a suggestion.
//
//	syntx-ignore [: ids]            any language, on the site's line or the line before
//	eslint-disable-line [rules]     JavaScript, TypeScript: the site's line
//	eslint-disable-next-line [rules]                        the line before
//	eslint-disable [rules] ... eslint-enable [rules]        a region (to the end of the file without enable)
//	oxlint-disable[-line|-next-line] [rules], oxlint-enable   the same, as oxlint spells them
//	tslint:disable[-line|-next-line][:rules], tslint:enable   the same, as TSLint spells them
//	@ts-ignore, @ts-expect-error    JavaScript, TypeScript: the line before
//	biome-ignore lint[/group[/rule]]: reason   JavaScript, TypeScript: the line before
//	# noqa [: codes]                Python: the site's lines (codes match by prefix, as flake8 does)
//	# nosec [codes]                 Python (bandit), Go (#nosec, gosec): security rules, the site's lines or the line before
//	# pylint: disable[-next]=names  Python: the site's lines / the line before; disable alone on its
//	                                line: the rest of its block (until an enable=names there)
//	# flake8: noqa, # ruff: noqa [: codes], # pylint: skip-file   Python: the whole file
//	//nolint[:linters]              Go (golangci-lint): the site's lines, the line before, or above the declaration holding it;
//	                                right above the package clause, the whole file
//	//lint:ignore Check reason      Go (staticcheck): the line before; //lint:file-ignore: the file
//
// Without a list, a comment silences every rule. With one, it silences the
// rules whose id (with or without its language prefix) or one of whose
// aliases (the names other tools give the same check: "eqeqeq", "E711",
// "gosec") it names. Comments are found in the syntax tree: the same text
// inside a string silences nothing.

// Suppression is the comment that silences a site.
type Suppression struct {
	Comment string
	Span    Span // where the comment is
}

// Suppressed reports whether a suppression comment silences m, and which.
// tree must be the tree src was parsed into.
func Suppressed(tree *syntax.Tree, src *syntax.Text, m Match) (Suppression, bool) {
	return NewSuppressions(tree, src).Suppressed(m)
}

// suppressedBy returns the comment node that silences m.
func suppressedBy(tree *syntax.Tree, src *syntax.Text, m Match, file *Suppressions) (*sitter.Node, bool) {
	g := tree.Grammar()
	root := file.rootNode()
	siteLine := file.lineBounds(m.Site.Start)
	lastLine := file.lineBounds(max(m.Site.End-1, m.Site.Start))
	prevLine := Span{siteLine.Start, siteLine.Start}
	if siteLine.Start > 0 {
		prevLine = file.lineBounds(siteLine.Start - 1)
	}
	sc := siteComments{root: root, src: src, m: m, file: file, siteLine: siteLine}
	if file.mayDirect(g, prevLine.Start, lastLine.End) {
		sc.own = file.commentsNear(g, siteLine.Start, lastLine.End)
		sc.before = file.commentsNear(g, prevLine.Start, prevLine.End)
	}
	for _, c := range append(append([]*sitter.Node{}, sc.own...), sc.before...) {
		if list, ok := directive(sc.text(c), "syntx-ignore"); ok && names(m.Rule, list, false) {
			return c, true
		}
	}
	switch g {
	case syntax.JavaScript, syntax.TypeScript, syntax.TSX:
		return sc.javaScript()
	case syntax.Python:
		return sc.python()
	case syntax.Go:
		return sc.golang()
	}
	return nil, false
}

// lineWords are, per grammar, the words one of which every comment that
// silences a site from its own lines or the line before holds (the
// directives the checks below read, as they spell them): lines without one
// of them need no look for comments. Python's are missing: flake8's and
// bandit's directives are read in any case (# NOQA), which an exact search
// does not find, and its comments are always looked for. A directive a
// check learns must be added here: TestSuppressed writes each one, and
// fails for a word missing.
var lineWords = map[syntax.Grammar][]string{
	syntax.JavaScript: jsLineWords,
	syntax.TypeScript: jsLineWords,
	syntax.TSX:        jsLineWords,
	syntax.Go:         {"syntx-ignore", "//nolint", "#nosec", "//lint:ignore"},
}

// jsLineWords are the line directives javaScript reads.
var jsLineWords = []string{"syntx-ignore", "eslint-disable", "oxlint-disable", "tslint:disable", "@ts-ignore", "@ts-expect-error", "biome-ignore"}

// mayDirect reports whether src[lo:hi] may hold a comment that silences a
// site of grammar g on those lines: true unless g's lineWords are known
// and none occurs there. A whole-file request in a bundle asks for each of
// thousands of sites, and finding the comments on its lines walked the
// tree for every comment leader there.
func (s *Suppressions) mayDirect(g syntax.Grammar, lo, hi int) bool {
	words, ok := lineWords[g]
	if !ok {
		return true
	}
	if at, ok := s.lineDirectives(words); ok {
		// Where a word starts in [lo, hi), a comment there may silence;
		// one that would end past hi only costs the look.
		i := sort.SearchInts(at, lo)
		return i < len(at) && at[i] < hi
	}
	for _, w := range words {
		if s.next(w, lo, hi) >= 0 {
			return true
		}
	}
	return false
}

// lineDirectives returns, sorted, where each of words occurs in the text,
// merged once for the Suppressions: every site of a whole-file request asks,
// and looking up each word's occurrences (syntax.Text.Find) for each site
// took a fifth of a migration's checks in a bundle. words are the lineWords
// of the tree's grammar, the same on every call (a Suppressions has one
// tree). false when the text cannot say (no Text, or too many occurrences
// of a word).
func (s *Suppressions) lineDirectives(words []string) ([]int, bool) {
	if s.text == nil {
		return nil, false
	}
	if !s.dirsFound {
		s.dirsFound = true
		var all []int
		ok := true
		for _, w := range words {
			occ, found := s.text.Find(w)
			if !found {
				ok = false
				break
			}
			all = append(all, occ...)
		}
		if ok {
			sort.Ints(all)
			s.dirs, s.dirsOK = all, true
		}
	}
	return s.dirs, s.dirsOK
}

// siteComments are the comments around a match that may silence it: own
// on the site's lines, before on the line before.
type siteComments struct {
	root        *sitter.Node
	src         *syntax.Text
	m           Match
	file        *Suppressions // what is known of the whole file
	siteLine    Span          // the site's first line
	own, before []*sitter.Node
}

func (sc siteComments) text(c *sitter.Node) string {
	return string(sc.src.Slice(int(c.StartByte()), int(c.EndByte())))
}

// javaScript finds the ESLint or TypeScript comment that silences the
// match (JavaScript, TypeScript, TSX).
func (sc siteComments) javaScript() (*sitter.Node, bool) {
	r := sc.m.Rule
	for _, c := range sc.own {
		if int(c.StartByte()) < sc.siteLine.End {
			for _, tool := range regionTools {
				if list, ok := directive(sc.text(c), tool.line); ok && names(r, list, false) {
					return c, true
				}
			}
		}
	}
	for _, c := range sc.before {
		t := sc.text(c)
		for _, tool := range regionTools {
			if list, ok := directive(t, tool.nextLine); ok && names(r, list, false) {
				return c, true
			}
		}
		if strings.Contains(t, "@ts-ignore") || strings.Contains(t, "@ts-expect-error") {
			return c, true
		}
		if list, ok := biomeIgnore(t); ok && names(r, list, true) {
			return c, true
		}
	}
	if c, ok := sc.file.lintRegion(sc.m); ok {
		return c, true
	}
	return nil, false
}

// python finds the flake8, bandit or pylint comment that silences the
// match.
func (sc siteComments) python() (*sitter.Node, bool) {
	r := sc.m.Rule
	for _, c := range sc.own {
		t := sc.text(c)
		if codes, ok := pyDirective(t, "noqa"); ok && codesMatch(r, codes) {
			return c, true
		}
		if codes, ok := pyDirective(t, "nosec"); ok && r.Category == "security" && (len(codes) == 0 || codesMatch(r, codes)) {
			return c, true
		}
		if list, ok := pylint(t, "disable"); ok && names(r, list, true) {
			return c, true
		}
	}
	for _, c := range sc.before {
		t := sc.text(c)
		if codes, ok := pyDirective(t, "nosec"); ok && r.Category == "security" && (len(codes) == 0 || codesMatch(r, codes)) && standalone(sc.src, c) {
			return c, true
		}
		if list, ok := pylint(t, "disable-next"); ok && names(r, list, true) {
			return c, true
		}
	}
	if c, ok := sc.file.pylintRegion(sc.m); ok {
		return c, true
	}
	return sc.file.pyFileRegion(sc.m)
}

// biomeIgnore reads Biome's suppression comment, "biome-ignore
// lint/suspicious/noConsole: reason" (which covers the code after it), and
// returns the rules it names: for lint/group/rule, the rule's name (matched
// with a SyntX rule's aliases) and the whole category. A lint category
// without a rule ("lint", or a group, "lint/suspicious") names every rule
// (an empty list). Other categories (format, assist, syntax) silence no
// lint rule, and neither do biome-ignore-all, -start and -end, which are
// not read.
func biomeIgnore(comment string) ([]string, bool) {
	const word = "biome-ignore"
	i := strings.Index(comment, word)
	if i < 0 || i > 0 && isDirectiveByte(comment[i-1]) {
		return nil, false
	}
	rest := comment[i+len(word):]
	if rest == "" || rest[0] != ' ' && rest[0] != '\t' {
		return nil, false // biome-ignore-all, -start, -end
	}
	if j := strings.IndexByte(rest, ':'); j >= 0 {
		rest = rest[:j] // the reason follows
	}
	rest = strings.TrimSuffix(strings.TrimSpace(rest), "*/")
	var list []string
	lint := false
	for _, f := range strings.Fields(rest) {
		if k := strings.IndexByte(f, '('); k >= 0 {
			f = f[:k] // a value: lint/style/useNamingConvention(foo)
		}
		parts := strings.Split(f, "/")
		if parts[0] != "lint" {
			continue
		}
		lint = true
		if len(parts) < 3 || parts[2] == "" {
			return nil, true
		}
		list = append(list, parts[2], f)
	}
	return list, lint
}

// golang finds the golangci-lint, gosec or staticcheck comment that
// silences the match: on its lines, the line before, above the
// declaration holding it, or for the file.
func (sc siteComments) golang() (*sitter.Node, bool) {
	r := sc.m.Rule
	for _, c := range sc.own {
		if goSilences(r, sc.text(c)) {
			return c, true
		}
	}
	for _, c := range sc.before {
		t := sc.text(c)
		if !standalone(sc.src, c) {
			continue
		}
		if goSilences(r, t) {
			return c, true
		}
		if list, ok := directive(t, "//lint:ignore"); ok && len(list) > 0 && names(r, list[:1], true) {
			return c, true
		}
	}
	if c, ok := goDeclNolint(sc.root, sc.src, sc.m, r); ok {
		return c, true
	}
	if c := sc.file.goPackageNolint(); c != nil && goSilences(r, sc.text(c)) {
		return c, true
	}
	if c, ok := goFileIgnore(sc.root, sc.src, r, sc.file.fileIgnore()); ok {
		return c, true
	}
	return nil, false
}

// lineBounds returns the line holding off, without its newline.
func lineBounds(src *syntax.Text, off int) Span {
	start, end := src.LFLine(off)
	return Span{start, end}
}

// standalone reports whether comment c is alone on its line.
func standalone(src *syntax.Text, c *sitter.Node) bool {
	line := lineBounds(src, int(c.StartByte()))
	return len(bytes.TrimSpace(src.Slice(line.Start, int(c.StartByte())))) == 0
}

var listSep = regexp.MustCompile(`[\s,]+`)

// directive finds word in a comment and returns the list that follows it
// (after an optional colon, up to a " -- " description), and whether the
// word is there as a whole word.
func directive(comment, word string) ([]string, bool) {
	i := strings.Index(comment, word)
	for i >= 0 {
		end := i + len(word)
		if (i == 0 || !isDirectiveByte(comment[i-1])) && (end == len(comment) || !isDirectiveByte(comment[end]) || comment[end] == ':') {
			rest := comment[end:]
			if j := strings.Index(rest, "--"); j >= 0 {
				rest = rest[:j]
			}
			rest = strings.TrimSuffix(strings.TrimSpace(rest), "*/")
			rest = strings.TrimPrefix(strings.TrimSpace(rest), ":")
			var list []string
			for _, f := range listSep.Split(strings.TrimSpace(rest), -1) {
				if f != "" {
					list = append(list, f)
				}
			}
			return list, true
		}
		next := strings.Index(comment[i+1:], word)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return nil, false
}

func isDirectiveByte(b byte) bool {
	return b == '-' || b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// names reports whether a directive's list (empty: everything) names r: its
// id, its id without the language prefix, "syntx/<short id>" or an alias.
// exactOnly: no wildcard "all".
func names(r *Rule, list []string, exactOnly bool) bool {
	if len(list) == 0 {
		return true
	}
	short := strings.TrimPrefix(r.ID, r.Language+".")
	for _, n := range list {
		n = strings.TrimSpace(n)
		// oxlint names ESLint's core rules "eslint/x" and
		// typescript-eslint's "typescript/x".
		if rest, ok := strings.CutPrefix(n, "eslint/"); ok {
			n = rest
		} else if rest, ok := strings.CutPrefix(n, "typescript/"); ok {
			n = "@typescript-eslint/" + rest
		}
		switch {
		case n == r.ID, n == short, n == "syntx/"+short, !exactOnly && n == "all":
			return true
		}
		for _, a := range r.Aliases {
			if strings.EqualFold(n, a) {
				return true
			}
		}
	}
	return false
}

var pyCodes = regexp.MustCompile(`[A-Z]+[0-9]+`)

// pyDirective finds "# noqa" or "# nosec" and returns the codes after it.
func pyDirective(comment, word string) ([]string, bool) {
	lower := strings.ToLower(comment)
	i := strings.Index(lower, word)
	if i < 0 {
		return nil, false
	}
	end := i + len(word)
	if end < len(lower) && isDirectiveByte(lower[end]) {
		return nil, false
	}
	rest := comment[end:]
	if j := strings.Index(rest, "#"); j >= 0 {
		rest = rest[:j] // another comment directive follows
	}
	rest = strings.TrimSpace(rest)
	if word == "noqa" && !strings.HasPrefix(rest, ":") {
		return nil, true // a bare noqa silences everything on the line
	}
	return pyCodes.FindAllString(rest, -1), true
}

// codesMatch reports whether codes (empty: all) hold a prefix of one of r's
// aliases, or r's own id.
func codesMatch(r *Rule, codes []string) bool {
	if len(codes) == 0 {
		return true
	}
	for _, c := range codes {
		for _, a := range r.Aliases {
			if strings.HasPrefix(strings.ToUpper(a), c) {
				return true
			}
		}
	}
	return false
}

// pylint finds "pylint: disable=..." (or disable-next) and returns the names.
func pylint(comment, word string) ([]string, bool) {
	i := strings.Index(comment, "pylint:")
	if i < 0 {
		return nil, false
	}
	rest := strings.TrimSpace(comment[i+len("pylint:"):])
	if !strings.HasPrefix(rest, word+"=") {
		return nil, false
	}
	rest = rest[len(word)+1:]
	if j := strings.IndexAny(rest, "#;"); j >= 0 {
		rest = rest[:j]
	}
	var list []string
	for _, f := range listSep.Split(strings.TrimSpace(rest), -1) {
		if f != "" {
			list = append(list, f)
		}
	}
	return list, len(list) > 0
}

// goSilences handles //nolint[:linters] and gosec's #nosec.
func goSilences(r *Rule, comment string) bool {
	if strings.HasPrefix(comment, "//nolint") {
		rest := strings.TrimPrefix(comment, "//nolint")
		if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
			return true
		}
		if rest[0] == ':' {
			linters := rest[1:]
			if j := strings.IndexAny(linters, " \t"); j >= 0 {
				linters = linters[:j]
			}
			if names(r, strings.Split(linters, ","), false) {
				return true
			}
		}
	}
	if i := strings.Index(comment, "#nosec"); i >= 0 && r.Category == "security" {
		codes := pyCodes.FindAllString(comment[i+len("#nosec"):], -1)
		if len(codes) == 0 || codesMatch(r, codes) {
			return true
		}
	}
	return false
}

// goDeclNolint finds a standalone //nolint directly above the top-level
// declaration (or above a statement around the site) that holds the site:
// golangci-lint applies it to the whole node.
func goDeclNolint(root *sitter.Node, src *syntax.Text, m Match, r *Rule) (*sitter.Node, bool) {
	path := leafAt(root, uint32(m.Site.Start))
	for i := len(path) - 1; i >= 1; i-- {
		n := path[i].node
		if int(n.StartByte()) == m.Site.Start && i < len(path)-1 {
			continue // the site's own line was checked already
		}
		if !n.IsNamed() || n.Type() == "comment" {
			continue
		}
		start := lineBounds(src, int(n.StartByte()))
		if start.Start == 0 {
			continue
		}
		prev := lineBounds(src, start.Start-1)
		for _, c := range commentsIn(root, src, prev.Start, prev.End, syntax.Go, nil) {
			t := string(src.Slice(int(c.StartByte()), int(c.EndByte())))
			if standalone(src, c) && strings.HasPrefix(t, "//nolint") && goSilences(r, t) {
				return c, true
			}
		}
	}
	return nil, false
}

// goFileIgnore finds staticcheck's //lint:file-ignore for the rule.
func goFileIgnore(root *sitter.Node, src *syntax.Text, r *Rule, any bool) (*sitter.Node, bool) {
	if !any {
		return nil, false
	}
	for off := 0; ; {
		at := src.Index(off, src.Len(), []byte("//lint:file-ignore"))
		if at < 0 {
			return nil, false
		}
		off = at + 1
		line := lineBounds(src, at)
		t := string(src.Slice(at, line.End))
		if list, ok := directive(t, "//lint:file-ignore"); ok && len(list) > 0 && names(r, list[:1], true) {
			for _, c := range commentsIn(root, src, at, at+2, syntax.Go, nil) {
				if int(c.StartByte()) == at {
					return c, true
				}
			}
		}
	}
}
