package capture

import (
	"bytes"
	"path/filepath"
	"slices"
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
// suggestion's fix; src is the text tree was parsed from, or at least its
// first FileRoleReads bytes (FileRole reads no more).
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
		Prior:    Prior(m.Rule, role),
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

// TestPriorScale is what a security or performance rule's prior is
// multiplied by in a test file: an insecure TLS config in a test server, a
// regexp compiled in a test helper, a defer in a test's loop are mostly
// deliberate or harmless there. The base policy's score is the prior, so
// such suggestions start quieter in tests; the file role is also a feature,
// so the policy learns from there what a developer wants in tests.
const TestPriorScale = 0.5

// ElsewherePriorScale is what every rule's prior is multiplied by in a
// generated or vendored file: the change belongs in the generator or
// upstream, and the next generation or vendoring undoes it (staticcheck
// leaves out most findings in generated Go, and gopls warns before such a
// file is edited, for the same reason). No prior
// reaches the default threshold then, so the base policy shows nothing
// there unasked; an opened menu still lists the suggestions, last, and the
// role being a feature, a developer's record of accepting them there can
// bring them back (automaticPolicy.shows).
const ElsewherePriorScale = 0.25

// Prior is the prior acceptance probability of r's suggestions in a file of
// the given role (see FileRole).
func Prior(r *rules.Rule, role string) float64 {
	switch {
	case role == "generated" || role == "vendored":
		return r.Prior * ElsewherePriorScale
	case role == "test" && (r.Category == "security" || r.Category == "performance"):
		return r.Prior * TestPriorScale
	}
	return r.Prior
}

// ReviewRole is FileRole for `syntx review`: the role of a file as far as
// the change under review cannot choose it. The change writes the path
// and the first KB of what it adds, so a generated-file header, a vendor
// directory or a test name of its choosing must not lower the scores that
// --min-score and --fail-on read (as a suppression comment the change
// adds does not silence its own finding). The one role kept is a test
// file that the language's own build leaves out of what ships (Go's
// _test.go, syntax.LeftOutOfBuild); under Python's or JavaScript's
// conventions a "test" file can be imported by production code. The
// policy scores, and --record stores, this role, so that a learnt
// adapter cannot demote by role what the prior does not.
func ReviewRole(path string, src []byte) string {
	if role := FileRole(path, src); role == "test" && syntax.LeftOutOfBuild(path) {
		return role
	}
	return ""
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

// FileRoleReads is how much of the start of a file FileRole reads: a
// caller may pass that much.
const FileRoleReads = 1024

// FileRole classifies a file as "test", "generated", "vendored" or ""
// (production code) from its path and its first FileRoleReads bytes, by the
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
	head := src[:min(len(src), FileRoleReads)]
	for _, l := range langs {
		if slices.ContainsFunc(l.GeneratedMarkers, func(m string) bool { return markedLine(head, m, langs) }) {
			return "generated"
		}
	}
	return ""
}

// markedLine reports whether marker is on a comment line of head (one that
// starts with a comment mark of a language of the table, or with "*", a
// block comment's continuation) or opens a line (Java's @Generated
// annotation). A generator's own source writes its output's header in a
// string, as in fmt.Fprintln(&out, "// Code generated ..."): that file is
// written by hand, and its suggestions are as welcome as any.
func markedLine(head []byte, marker string, langs []syntax.Language) bool {
	for off := 0; ; off += len(marker) {
		i := bytes.Index(head[off:], []byte(marker))
		if i < 0 {
			return false
		}
		off += i
		lineStart := bytes.LastIndexByte(head[:off], '\n') + 1
		before := bytes.TrimLeft(head[lineStart:off], " \t")
		if len(before) == 0 || before[0] == '*' {
			return true
		}
		for _, l := range langs {
			for _, mark := range []string{l.LineComment, l.BlockComment} {
				if mark != "" && bytes.HasPrefix(before, []byte(mark)) {
					return true
				}
			}
		}
	}
}
