package syntax_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// The editor clients cannot import the language table; these tests read
// their file-type lists and check that they agree with it, so that a
// language added to the table (or an extension) fails here until every
// client knows it.

func sorted(xs []string) []string {
	out := slices.Clone(xs)
	sort.Strings(out)
	return slices.Compact(out)
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// extensionIDs maps every extension of the table (without the dot) to its
// LSP language id.
func extensionIDs() map[string]string {
	out := map[string]string{}
	for _, l := range syntax.Languages() {
		for _, f := range l.Files {
			for _, e := range f.Extensions {
				out[strings.TrimPrefix(e, ".")] = f.LanguageID
			}
		}
	}
	return out
}

func TestVSCodeActivatesForTheTablesLanguages(t *testing.T) {
	var pkg struct {
		ActivationEvents []string `json:"activationEvents"`
	}
	if err := json.Unmarshal([]byte(read(t, "../editors/vscode/package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range pkg.ActivationEvents {
		if id, ok := strings.CutPrefix(e, "onLanguage:"); ok {
			ids = append(ids, id)
		}
	}
	if got, want := sorted(ids), sorted(syntax.LanguageIDs()); !slices.Equal(got, want) {
		t.Errorf("editors/vscode/package.json activates on %v; the language table has %v", got, want)
	}
}

func TestNeovimFiletypesAreTheTablesLanguages(t *testing.T) {
	src := read(t, "../editors/neovim/lua/syntx/init.lua")
	m := regexp.MustCompile(`(?m)^\s*filetypes = \{([^}]*)\}`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("editors/neovim/lua/syntx/init.lua: no default `filetypes = { ... }`")
	}
	var fts []string
	for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
		fts = append(fts, q[1])
	}
	// Neovim's filetype names are the LSP ids for these languages.
	if got, want := sorted(fts), sorted(syntax.LanguageIDs()); !slices.Equal(got, want) {
		t.Errorf("the Neovim plugin's default filetypes are %v; the language table has %v", got, want)
	}
}

func TestJetBrainsTemplateMapsTheTablesFiles(t *testing.T) {
	var tmpl struct {
		FileTypeMappings []struct {
			FileType struct {
				Patterns []string `json:"patterns"`
			} `json:"fileType"`
			LanguageID string `json:"languageId"`
		} `json:"fileTypeMappings"`
	}
	if err := json.Unmarshal([]byte(read(t, "../editors/jetbrains/lsp4ij/syntx/template.json")), &tmpl); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range tmpl.FileTypeMappings {
		for _, p := range m.FileType.Patterns {
			got[strings.TrimPrefix(p, "*.")] = m.LanguageID
		}
	}
	if want := extensionIDs(); !mapsEqual(got, want) {
		t.Errorf("editors/jetbrains/lsp4ij/syntx/template.json maps %v; the language table has %v", got, want)
	}
}

func TestJetBrainsSketchMapsTheTablesFiles(t *testing.T) {
	src := read(t, "../editors/jetbrains/native-lsp-sketch/src/main/kotlin/dev/syntx/jetbrains/SyntxLsp.kt")
	block := regexp.MustCompile(`(?s)LANGUAGE_IDS = mapOf\((.*?)\n\)`).FindStringSubmatch(src)
	if block == nil {
		t.Fatal("SyntxLsp.kt: no LANGUAGE_IDS = mapOf(...)")
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`"([a-z]+)" to "([a-z]+)"`).FindAllStringSubmatch(block[1], -1) {
		got[m[1]] = m[2]
	}
	if want := extensionIDs(); !mapsEqual(got, want) {
		t.Errorf("the JetBrains sketch's LANGUAGE_IDS maps %v; the language table has %v", got, want)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
