package rules

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/model"
)

// readmeLanguages are the rule library's headings in README.md ("The rule
// library") and the languages they list.
var readmeLanguages = map[string]string{
	"Go": "go", "Python": "python", "JavaScript": "javascript", "TypeScript (also .tsx)": "typescript",
}

var (
	readmeHeading = regexp.MustCompile(`^\*\*(.+)\*\* \((\d+) rules\)$`)
	readmeRow     = regexp.MustCompile(`^\| (security|performance|correctness|style) \| (.*) \|$`)
	readmeEntry   = regexp.MustCompile("(\\*\\*)?`([a-z0-9-]+)`(?: \\([^)]*\\))? (\\d\\.\\d\\d)([†‡]*)(\\*\\*)?")
)

// TestREADMERuleTables: the rule tables in README.md say what the library
// says. Every built-in rule is listed once, under its language and
// category, with its prior, † when its fix is unsafe and ‡ when it is a
// migration. It is bold exactly when the lightbulb shows it before any
// feedback: a safe rule that is not a migration, whose prior clears the
// default policy.threshold as the server decides (model.Clears). And each
// heading counts its language's rules. The tables are written by hand,
// and every revision of a prior must be copied there: this says where they
// drift.
func TestREADMERuleTables(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	want := map[string]string{} // "language id" -> entry as the table should write it
	count := map[string]int{}
	for _, r := range lib.Rules() {
		name := strings.TrimPrefix(r.ID, r.Language+".")
		marks := ""
		if r.Safety == Unsafe {
			marks += "†"
		}
		if r.Migration != "" {
			marks += "‡"
		}
		bold := r.Safety != Unsafe && r.Migration == "" && model.Clears(r.Prior, config.DefaultThreshold)
		want[r.Language+" "+name] = fmt.Sprintf("%s %s %.2f%s bold=%v", r.Category, name, r.Prior, marks, bold)
		count[r.Language]++
	}
	got := map[string]string{}
	headings := map[string]int{}
	lang := ""
	for _, line := range strings.Split(string(b), "\n") {
		if m := readmeHeading.FindStringSubmatch(line); m != nil {
			l, ok := readmeLanguages[m[1]]
			if !ok {
				continue
			}
			lang = l
			headings[l], _ = strconv.Atoi(m[2])
			continue
		}
		m := readmeRow.FindStringSubmatch(line)
		if m == nil || lang == "" {
			continue
		}
		category := m[1]
		for _, e := range readmeEntry.FindAllStringSubmatch(m[2], -1) {
			key := lang + " " + e[2]
			if _, dup := got[key]; dup {
				t.Errorf("README lists %s twice", key)
			}
			got[key] = fmt.Sprintf("%s %s %s%s bold=%v", category, e[2], e[3], e[4], e[1] == "**" && e[5] == "**")
		}
	}
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: README says %q, the library %q", k, got[k], want[k])
		}
	}
	for l, n := range count {
		if headings[l] != n {
			t.Errorf("README's %s heading counts %d rules, the library has %d", l, headings[l], n)
		}
	}
}
