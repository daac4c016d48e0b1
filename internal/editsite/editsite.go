// Package editsite chooses where the performance benchmarks type in a real
// file: internal/realbench (make bench-real, over the wire) and lsp's
// in-process BenchmarkRealFileInProcess (for profiles) type at the same
// place, so that a profile explains the table.
package editsite

import (
	"context"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// On a line longer than minifiedLine (only the minified file's; the
// bundles' longest are 1-2 KB), the edit is typed at most siteReach bytes
// before the rule site: well within the kilobyte a bare cursor's request
// reaches there.
const (
	minifiedLine = 4 << 10
	siteReach    = 256
)

// For returns where the benchmarks type in text, of grammar g under the
// project target: inside the first identifier (after its first character,
// as most typing is inside a word) on the line of SyntX's rule site
// nearest the middle of the file (one the lightbulb shows: safe, not a
// migration's, allowed by the target, as the server decides), or of the
// middle line of its longest declaration when it has no rule site
// (hasSites false); on a minified line, near the site (minifiedLine).
func For(lib *rules.Library, g syntax.Grammar, text string, target rules.Target) (at int, hasSites bool, err error) {
	src := []byte(text)
	tree, err := syntax.Parse(context.Background(), g, src)
	if err != nil {
		return 0, false, err
	}
	defer tree.Close()
	mid, best := len(src)/2, -1
	st := syntax.NewText(src)
	for _, m := range rules.NewIndex(lib.Set(g), tree, st).Matches(tree, st) {
		if m.Unsafe {
			// An automatic request (the lightbulb) does not show an
			// unsafe fix with the base policy: the benchmark would wait
			// for an action that never comes.
			continue
		}
		if m.Rule.Migration != "" {
			// Nor a migration's site: it is one source action per file,
			// offered per site only with suggestions.migration_sites.
			continue
		}
		if ok, _ := target.Allows(m.Rule, g); !ok {
			// Nor one the project's target silences (moment.js is ES5
			// by practice: no let/const there).
			continue
		}
		if best < 0 || abs(m.Site.Start-mid) < abs(best-mid) {
			best = m.Site.Start
		}
	}
	hasSites = best >= 0
	if !hasSites {
		// No rule site: the middle of the longest declaration (the
		// 1,000-line function of the long-func shape).
		best = middleOfLongest(tree, src)
	}
	start, end := best, best
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	for end < len(src) && src[end] != '\n' {
		end++
	}
	if end-start > minifiedLine && best-start > siteReach {
		// A minified file's one line: type near the site, not at the
		// start of the file.
		start = best - siteReach
	}
	c := sitter.NewTreeCursor(tree.Root())
	defer c.Close()
	for p := start; p < end; p++ {
		c.Reset(tree.Root())
		for c.GoToFirstChildForByte(uint32(p)) >= 0 {
		}
		n := c.CurrentNode()
		ns, ne := int(n.StartByte()), int(n.EndByte())
		if ns <= p && ne-ns >= 2 && n.ChildCount() == 0 && strings.HasSuffix(n.Type(), "identifier") {
			return ns + 1, hasSites, nil
		}
		if ne > p {
			p = ne - 1
		}
	}
	for start < end && (src[start] == ' ' || src[start] == '\t') {
		start++
	}
	return start, hasSites, nil
}

// middleOfLongest returns the start of the middle line of the longest
// top-level node.
func middleOfLongest(tree *syntax.Tree, src []byte) int {
	root := tree.Root()
	lo, hi := 0, len(src)
	for i := 0; i < int(root.NamedChildCount()); i++ {
		n := root.NamedChild(i)
		if s, e := int(n.StartByte()), int(n.EndByte()); e-s > hi-lo || i == 0 {
			lo, hi = s, e
		}
	}
	mid := (lo + hi) / 2
	for mid > lo && src[mid-1] != '\n' {
		mid--
	}
	return mid
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
