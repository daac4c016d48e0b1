package capture

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// maxAncestors and maxTokens bound the context taken from the tree.
const (
	maxAncestors = 8
	maxTokens    = 6
)

// Features describes the suggestion of m for the policy. edits are the
// suggestion's fix; src is the text tree was parsed from.
func Features(m rules.Match, edits []rules.TextEdit, tree *syntax.Tree, src []byte, path, persona string) model.Candidate {
	role := FileRole(path, src)
	c := model.Candidate{
		RuleID:   m.Rule.ID,
		Category: m.Rule.Category,
		Language: m.Rule.Language,
		Prior:    Prior(m.Rule, role),
		Context:  Context(tree, m.Site),
		FileRole: role,
		Persona:  persona,
	}
	for _, e := range edits {
		c.EditSize += max(e.Span.End-e.Span.Start, len(e.NewText))
	}
	return c
}

// TestPriorScale is what a security or performance rule's prior is
// multiplied by in a test file: an insecure TLS config in a test server, a
// regexp compiled in a test helper, a defer in a test's loop are mostly
// deliberate or harmless there. The base policy's score is the prior, so
// such suggestions start quieter in tests; the file role is also a feature,
// so the policy learns from there what a developer wants in tests.
const TestPriorScale = 0.5

// Prior is the prior acceptance probability of r's suggestions in a file of
// the given role (see FileRole).
func Prior(r *rules.Rule, role string) float64 {
	if role == "test" && (r.Category == "security" || r.Category == "performance") {
		return r.Prior * TestPriorScale
	}
	return r.Prior
}

// Context lists the syntax around a site: the types of its ancestors
// ("anc:for_statement"), of the named siblings of the site's node
// ("sib:identifier"), and of the leaves just before and after it
// ("tok:-1:(" ... "tok:+1:identifier").
func Context(tree *syntax.Tree, site rules.Span) []string {
	root := tree.Root()
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	var path []*sitter.Node
	for c.GoToFirstChildForByte(uint32(site.Start)) >= 0 {
		n := c.CurrentNode()
		if int(n.StartByte()) > site.Start || int(n.EndByte()) < site.End {
			break
		}
		path = append(path, n)
	}
	var out []string
	if len(path) == 0 {
		return out
	}
	node := path[len(path)-1]
	for i := len(path) - 2; i >= 0 && len(path)-2-i < maxAncestors; i-- {
		if path[i].IsNamed() {
			out = append(out, "anc:"+path[i].Type())
		}
	}
	if len(path) > 1 {
		if p := node.PrevNamedSibling(); p != nil {
			out = append(out, "sib:-:"+p.Type())
		}
		if n := node.NextNamedSibling(); n != nil {
			out = append(out, "sib:+:"+n.Type())
		}
	}
	out = append(out, "node:"+node.Type())
	// Nodes around the site: siblings of the site's node and of its two
	// nearest ancestors below the top level (siblings at the top level are
	// whole declarations, and slow to reach).
	before, after := 0, 0
	for i := len(path) - 1; i >= max(1, len(path)-3); i-- {
		n := path[i]
		for p := n.PrevSibling(); p != nil && before < maxTokens/2; p = p.PrevSibling() {
			out = append(out, "tok:-:"+p.Type())
			before++
		}
		for s := n.NextSibling(); s != nil && after < maxTokens/2; s = s.NextSibling() {
			out = append(out, "tok:+:"+s.Type())
			after++
		}
	}
	return out
}

// FileRole classifies a file as "test", "generated", "vendored" or ""
// (production code) from its path and its first 1,024 bytes, by the
// conventions of every language in syntax's language table (test-file
// names and directories, vendor directories, generated-file markers): a
// file is judged by all of them, so that a helper written in another
// language's style still counts.
func FileRole(path string, src []byte) string {
	p := filepath.ToSlash(path)
	base := filepath.Base(p)
	inDir := func(d string) bool { return strings.Contains(p, "/"+d+"/") }
	langs := syntax.Languages()
	if slices.ContainsFunc(syntax.SharedVendorDirs, inDir) {
		return "vendored"
	}
	for _, l := range langs {
		if slices.ContainsFunc(l.VendorDirs, inDir) {
			return "vendored"
		}
	}
	for _, l := range langs {
		t := l.Tests
		if slices.ContainsFunc(t.Prefixes, func(x string) bool { return strings.HasPrefix(base, x) }) ||
			slices.ContainsFunc(t.Suffixes, func(x string) bool { return strings.HasSuffix(base, x) }) ||
			slices.ContainsFunc(t.Infixes, func(x string) bool { return strings.Contains(base, x) }) ||
			slices.Contains(t.Names, base) || slices.ContainsFunc(t.Dirs, inDir) {
			return "test"
		}
	}
	head := src[:min(len(src), 1024)]
	for _, l := range langs {
		if slices.ContainsFunc(l.GeneratedMarkers, func(m string) bool { return bytes.Contains(head, []byte(m)) }) {
			return "generated"
		}
	}
	return ""
}
