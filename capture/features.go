package capture

import (
	"bytes"
	"path/filepath"
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
// (production code) from its path and first lines.
func FileRole(path string, src []byte) string {
	p := filepath.ToSlash(path)
	base := filepath.Base(p)
	switch {
	case strings.Contains(p, "/vendor/") || strings.Contains(p, "/node_modules/") || strings.Contains(p, "/third_party/"):
		return "vendored"
	case strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") ||
		strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") || strings.Contains(p, "/__tests__/") ||
		strings.Contains(p, "/tests/") || base == "conftest.py":
		return "test"
	}
	head := src
	if len(head) > 1024 {
		head = head[:1024]
	}
	if bytes.Contains(head, []byte("Code generated")) || bytes.Contains(head, []byte("@generated")) || bytes.Contains(head, []byte("DO NOT EDIT")) {
		return "generated"
	}
	return ""
}
