package rules

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

var sentenceBreak = regexp.MustCompile(`[.!?]\s+[A-Z]`)

// TestLibraryShape holds the builtin library to its contract: at least 15
// rules per language with every category in every language, and for each
// rule a one-sentence message, at least two examples that match and two
// snippets that must not.
func TestLibraryShape(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	perLang := map[string]int{}
	cats := map[string]map[string]bool{}
	for _, r := range lib.Rules() {
		perLang[r.Language]++
		if cats[r.Language] == nil {
			cats[r.Language] = map[string]bool{}
		}
		cats[r.Language][r.Category] = true
		pos, neg := 0, 0
		for _, ex := range r.Examples {
			if ex.Before != "" {
				pos++
			}
			neg += len(ex.MustNotMatch)
		}
		if pos < 2 || neg < 2 {
			t.Errorf("%s: %d matching examples and %d must_not_match, want at least 2 of each", r.ID, pos, neg)
		}
		msg := strings.TrimSpace(r.Message)
		if !strings.HasSuffix(msg, ".") || sentenceBreak.MatchString(msg) {
			t.Errorf("%s: message should be one sentence ending in a period: %q", r.ID, msg)
		}
	}
	for _, lang := range Languages {
		if perLang[lang] < 15 {
			t.Errorf("%s: %d rules, want at least 15", lang, perLang[lang])
		}
		for _, c := range Categories {
			if !cats[lang][c] {
				t.Errorf("%s: no %s rule", lang, c)
			}
		}
	}
}

// TestBuiltinRulesDeclareFixSafety: every built-in rule says whether its
// fix is safe, and why (because) or what to check (check), in the file
// itself: the loader's default (unsafe) is for users' rules.
func TestBuiltinRulesDeclareFixSafety(t *testing.T) {
	t.Parallel()
	err := fs.WalkDir(Builtin(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Builtin(), p)
		if err != nil {
			return err
		}
		var file struct{ Rule []Spec }
		if _, err := toml.Decode(string(data), &file); err != nil {
			return err
		}
		for _, r := range file.Rule {
			switch {
			case r.Safety != Safe && r.Safety != Unsafe:
				t.Errorf("%s: safety %q, want safe or unsafe written in the rule", r.ID, r.Safety)
			case r.Safety == Safe && strings.TrimSpace(r.Because) == "":
				t.Errorf("%s: a safe fix needs because: why it keeps the meaning", r.ID)
			case r.Safety == Unsafe && strings.TrimSpace(r.Check) == "":
				t.Errorf("%s: an unsafe fix needs check", r.ID)
			}
			if r.Check != "" && !strings.HasSuffix(strings.TrimSpace(r.Check), ".") {
				t.Errorf("%s: check should be a sentence ending in a period", r.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
