package capture

import (
	"bytes"
	"path/filepath"
	"strings"

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
	return Describe(m, EditSize(edits), Context(tree, m.Site), FileRole(path, src), persona)
}

// Describe is Features from its parts, computed (or kept) separately: the
// fix's EditSize, the site's Context and the file's FileRole.
func Describe(m rules.Match, editSize int, context []string, role, persona string) model.Candidate {
	return model.Candidate{
		RuleID:   m.Rule.ID,
		Category: m.Rule.Category,
		Language: m.Rule.Language,
		Prior:    m.Rule.Prior,
		Context:  context,
		FileRole: role,
		Persona:  persona,
		EditSize: editSize,
	}
}

// EditSize measures a fix: the larger of the text each edit replaces and
// the text it writes, summed.
func EditSize(edits []rules.TextEdit) int {
	n := 0
	for _, e := range edits {
		n += max(e.Span.End-e.Span.Start, len(e.NewText))
	}
	return n
}

// Context lists the syntax around a site: the types of its ancestors
// ("anc:for_statement"), of the named siblings of the site's node
// ("sib:identifier"), and of the leaves just before and after it
// ("tok:-1:(" ... "tok:+1:identifier"). The site's node is the deepest node
// holding the site; siblings are read from it and its two nearest ancestors
// below the top level (siblings at the top level are whole declarations).
// It walks the tree once, with a cursor, in time proportional to the
// site's depth, whatever the number of siblings.
func Context(tree *syntax.Tree, site rules.Span) []string {
	out, _ := ContextRead(tree, site)
	return out
}

// ContextRead is Context, and the span of text it depends on besides the
// types of the site's ancestors (see syntax.Tree.SiteContext).
func ContextRead(tree *syntax.Tree, site rules.Span) ([]string, rules.Span) {
	items, read := tree.SiteContext(site.Start, site.End, maxAncestors, maxTokens/2)
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, contextPrefix[it.Kind]+it.Type)
	}
	return out, rules.Span{Start: read[0], End: read[1]}
}

var contextPrefix = [...]string{
	syntax.ContextAncestor:    "anc:",
	syntax.ContextPrevSibling: "sib:-:",
	syntax.ContextNextSibling: "sib:+:",
	syntax.ContextNode:        "node:",
	syntax.ContextTokenBefore: "tok:-:",
	syntax.ContextTokenAfter:  "tok:+:",
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
