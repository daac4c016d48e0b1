// Package learnbench measures whether SyntX's suggestions get better with
// feedback: simulated developers with hidden preferences drive the real
// server over LSP (code actions, edits and undos as didChange, commands as
// workspace/executeCommand), training runs between blocks of feedback, and
// the ranking is measured on held-out sites against an oracle that knows the
// hidden preference and against the untrained base.
package learnbench

import (
	"strings"
)

// Cand is a candidate suggestion at a site, as the server described it.
type Cand struct {
	Rule     string
	Category string
	Prior    float64
}

// Site is a place in a file where one or more rules apply.
type Site struct {
	File  string // corpus file
	Lang  string // LSP language id
	Test  bool   // opened under a test-file name
	Line  int    // of the site
	Start int    // byte offset of the site in the file
	End   int
	Cands []Cand
}

// Persona is a simulated developer with a hidden preference.
type Persona struct {
	Name string
	Desc string
	// Likes reports whether the persona would accept c at site s.
	Likes func(c Cand, s Site) bool
	// EditShare is the share of accepted suggestions the persona edits
	// further instead of keeping as they are.
	EditShare float64
}

// Wants returns the candidates the persona would accept at s.
func (p Persona) Wants(s Site) []Cand {
	var out []Cand
	for _, c := range s.Cands {
		if p.Likes(c, s) {
			out = append(out, c)
		}
	}
	return out
}

func focus(name, category string) Persona {
	return Persona{
		Name:      name,
		Desc:      "accepts " + category + " suggestions only",
		Likes:     func(c Cand, _ Site) bool { return c.Category == category },
		EditShare: 0.1,
	}
}

// Personas returns the simulated developers: one per category focus, one
// whose taste depends on context (style rewrites welcome in production code,
// undone in tests), and one that contradicts the rules' priors.
func Personas() []Persona {
	return []Persona{
		focus("security-reviewer", "security"),
		focus("performance-auditor", "performance"),
		focus("correctness-stickler", "correctness"),
		focus("style-enthusiast", "style"),
		{
			Name: "context-dependent",
			Desc: "accepts style and correctness rewrites in production code, rejects style rewrites in tests",
			Likes: func(c Cand, s Site) bool {
				switch c.Category {
				case "style":
					return !s.Test
				case "correctness":
					return true
				}
				return false
			},
			EditShare: 0.1,
		},
		{
			Name:      "contrarian",
			Desc:      "accepts exactly the suggestions the priors rank low (prior < 0.6) and rejects the rest",
			Likes:     func(c Cand, _ Site) bool { return c.Prior < 0.6 },
			EditShare: 0.1,
		},
	}
}

// PersonaByName finds a persona.
func PersonaByName(name string) (Persona, bool) {
	for _, p := range Personas() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Persona{}, false
}
