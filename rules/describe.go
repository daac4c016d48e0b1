package rules

import (
	"fmt"
	"strings"
)

// Describe is a rule's documentation as Markdown: what it flags and why, its
// fix and how safe that is, where it comes from, and its examples. It is
// what `syntx rules show ID` prints and what the server's diagnostics link
// to (codeDescription), so both say the same.
func Describe(r *Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.ID)
	fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(r.Message))
	fmt.Fprintf(&b, "- Fix: %s\n", r.Title)
	fmt.Fprintf(&b, "- Language: %s; category: %s; code action kind: `%s`\n", r.Language, r.Category, r.ActionKind())
	fmt.Fprintf(&b, "- Prior (how often reviewers accept it): %.2f\n", r.Prior)
	safety := r.Safety
	if safety == "" {
		safety = Unsafe
	}
	switch {
	case safety == Safe && r.Because != "":
		fmt.Fprintf(&b, "- Safety: safe: %s\n", strings.TrimSpace(r.Because))
	case safety == Safe:
		fmt.Fprintf(&b, "- Safety: safe\n")
	case r.Check != "":
		fmt.Fprintf(&b, "- Safety: unsafe (it may change what the code does): %s\n", strings.TrimSpace(r.Check))
	default:
		fmt.Fprintf(&b, "- Safety: unsafe (it may change what the code does)\n")
	}
	if r.Migration != "" {
		fmt.Fprintf(&b, "- Migration: offered once per file as \"%s\"\n", r.Migration)
	}
	if len(r.Aliases) > 0 {
		fmt.Fprintf(&b, "- Also known as: %s (suppression comments may name these)\n", strings.Join(r.Aliases, ", "))
	}
	fmt.Fprintf(&b, "- Source: %s (%s)\n", r.Source, r.Origin)
	fmt.Fprintf(&b, "- Silence one site with `syntx-ignore: %s` on its line or the line before.\n", r.ID)
	fence := "```"
	for i, ex := range r.Examples {
		if i == 0 {
			b.WriteString("\n## Examples\n")
		}
		fmt.Fprintf(&b, "\nBefore:\n\n%s%s\n%s\n%s\n", fence, r.Language, strings.TrimRight(ex.Before, "\n"), fence)
		if ex.After != "" {
			fmt.Fprintf(&b, "\nAfter:\n\n%s%s\n%s\n%s\n", fence, r.Language, strings.TrimRight(ex.After, "\n"), fence)
		}
	}
	var nots []string
	for _, ex := range r.Examples {
		nots = append(nots, ex.MustNotMatch...)
	}
	for i, n := range nots {
		if i == 0 {
			b.WriteString("\n## Not flagged\n")
		}
		fmt.Fprintf(&b, "\n%s%s\n%s\n%s\n", fence, r.Language, strings.TrimRight(n, "\n"), fence)
	}
	return b.String()
}
