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
	// EditShareOf, when it has the suggestion's category, replaces
	// EditShare for it: a developer who applies every style fix and then
	// rewrites it to taste, and keeps performance fixes as they are.
	EditShareOf map[string]float64
	// QuitUnsaved is the share of applied suggestions after which the
	// persona quits the editor without saving (the server is shut down
	// and restarted on the same data): capture's table says that records
	// nothing beyond the acceptance. QuitSaved is the share after which it
	// saves and then quits at once: that records the fix as kept.
	QuitUnsaved, QuitSaved float64
}

// editShare is the share of accepted suggestions like c the persona edits.
func (p Persona) editShare(c Cand) float64 {
	if v, ok := p.EditShareOf[c.Category]; ok {
		return v
	}
	return p.EditShare
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
// undone in tests), one that contradicts the rules' priors, one that edits
// every style fix it applies, one that wants fixes in production code and
// none in tests, and one that often quits the editor right after applying
// a fix, with or without saving.
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
		{
			// The issue's "user who edits every style fix and keeps only
			// performance fixes": style fixes are wanted (applied, then
			// rewritten), so showing them is not noise.
			Name:        "style-editor",
			Desc:        "applies style and performance fixes; edits every style fix afterwards, keeps performance fixes as they are; rejects the rest",
			Likes:       func(c Cand, _ Site) bool { return c.Category == "style" || c.Category == "performance" },
			EditShareOf: map[string]float64{"style": 1, "performance": 0},
		},
		{
			Name: "production-only",
			Desc: "accepts security, performance and correctness fixes in production code; rejects every suggestion in tests",
			Likes: func(c Cand, s Site) bool {
				return !s.Test && c.Category != "style"
			},
			EditShare: 0.1,
		},
		{
			Name:        "quitter",
			Desc:        "accepts security and correctness fixes; quits the editor without saving after 30% of the fixes it applies, saves and quits after 20%",
			Likes:       func(c Cand, _ Site) bool { return c.Category == "security" || c.Category == "correctness" },
			EditShare:   0.1,
			QuitUnsaved: 0.3,
			QuitSaved:   0.2,
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
