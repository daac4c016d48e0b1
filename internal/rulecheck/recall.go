package rulecheck

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

// What other tools find that SyntX's rules miss (recall), and the other way
// round: the languages' own linters run over the pool, their checks that
// have a SyntX counterpart compared site by site, by package, file and
// line, with a run's offers. A tool-only site is either a suggestion SyntX
// should offer and does not, or one it leaves alone on purpose (a
// precondition, a declared target); README's "Rules on real code", round
// 9, says which for each.

// Counterpart is a check of another tool that a SyntX rule shares.
type Counterpart struct {
	Tool  string // "gopls", "pylint" or "eslint"
	Check string // gopls: a phrase of its message; pylint: the message's symbol; eslint: the rule id
	// Rule is the SyntX rule's id; for ESLint, its name without the
	// language, which the JavaScript and TypeScript rules share.
	Rule string
	// Also are further SyntX rules that share the check, written as Rule
	// is: their sites count as Rule's (pylint's raise-missing-from is
	// python.raise-from where the handler names the exception,
	// python.raise-from-unnamed where it does not, and
	// python.lookup-from-none, `from None`, after a failed lookup).
	Also []string
}

// rules are the ids of cp's SyntX rules in a file of language: Rule's,
// then Also's.
func (cp Counterpart) rules(language string) []string {
	out := []string{ruleFor(cp, language)}
	for _, r := range cp.Also {
		out = append(out, ruleFor(Counterpart{Tool: cp.Tool, Rule: r}, language))
	}
	return out
}

// Counterparts are the checks compared, the one place that pairs them.
var Counterparts = []Counterpart{
	{"gopls", "Goroutine creation can be simplified using WaitGroup.Go", "go.waitgroup-go", nil},
	{"gopls", "Loop can be simplified using slices.Contains", "go.slices-contains-loop", nil},
	{"gopls", "copying variable is unneeded", "go.loopvar-copy", nil},
	{"gopls", "instead of Write([]byte(fmt.Sprintf(...)))", "go.fprintf-write", nil},
	{"pylint", "raise-missing-from", "python.raise-from", []string{"python.raise-from-unnamed", "python.lookup-from-none"}},
	{"pylint", "bare-except", "python.bare-except", nil},
	{"pylint", "eval-used", "python.eval-literal", nil},
	{"pylint", "unneeded-not", "python.not-in", nil},
	{"pylint", "simplifiable-if-statement", "python.return-bool", nil},
	{"pylint", "dangerous-default-value", "python.mutable-default", nil},
	{"pylint", "subprocess-run-check", "python.subprocess-check", nil},
	{"pylint", "consider-using-f-string", "python.percent-to-fstring", nil},
	{"eslint", "unicorn/prefer-includes", "indexof-includes", nil},
	{"eslint", "unicorn/prefer-date-now", "date-now", nil},
	{"eslint", "prefer-object-has-own", "object-has-own", nil},
	{"eslint", "preserve-caught-error", "error-cause", nil},
	{"eslint", "radix", "parseint-radix", nil},
	{"eslint", "eqeqeq", "strict-equality", nil},
	{"eslint", "prefer-template", "template-literal", nil},
	{"eslint", "no-var", "no-var", nil},
	{"eslint", "no-throw-literal", "throw-literal", nil},
	{"eslint", "prefer-object-spread", "object-assign-spread", nil},
}

// ToolSite is a site another tool reports for one of its checks.
type ToolSite struct {
	Tool, Check   string
	Package, File string // the pool package, and the path relative to its source's root
	Line          int
	Language      string // the rules' language of the file ("typescript" for TSX)
}

// rule is the id of the SyntX rule whose counterpart reported the site.
func (s ToolSite) rule() string {
	for _, cp := range Counterparts {
		if cp.Tool == s.Tool && cp.Check == s.Check {
			return ruleFor(cp, s.Language)
		}
	}
	return ""
}

// RecallRow compares one Counterpart's sites with SyntX's offers of its rule.
type RecallRow struct {
	Counterpart
	// NTool and NSyntX count each side's sites, NBoth those on both.
	NTool, NSyntX, NBoth int
	ToolOnly, SyntXOnly  []ToolSite // SyntXOnly: Tool and Check are the counterpart's
}

// Recall compares the tools' sites with the run's offers in the packages
// each tool ran on (ran: tool → packages; a tool that did not run compares
// nothing). Each side's lone sites are in the order of package, file and
// line, whatever order the tools printed them in.
func Recall(offers []*Offer, sites []ToolSite, ran map[string][]string) []RecallRow {
	type key struct {
		rule, pkg, file string
		line            int
	}
	ours := map[key]bool{}
	for _, o := range offers {
		ours[key{o.Rule, o.Package, o.File, o.Line}] = true
	}
	var rows []RecallRow
	for _, cp := range Counterparts {
		pkgs, ok := ran[cp.Tool]
		if !ok {
			continue
		}
		// Both sides are keyed by cp's own rule, whichever of its rules
		// offered the site.
		row := RecallRow{Counterpart: cp}
		theirs := map[key]bool{}
		for _, s := range sites {
			if s.Tool != cp.Tool || s.Check != cp.Check {
				continue
			}
			k := key{ruleFor(cp, s.Language), s.Package, s.File, s.Line}
			if theirs[k] {
				continue
			}
			theirs[k] = true
			row.NTool++
			if slices.ContainsFunc(cp.rules(s.Language), func(r string) bool { return ours[key{r, s.Package, s.File, s.Line}] }) {
				row.NBoth++
			} else {
				row.ToolOnly = append(row.ToolOnly, s)
			}
		}
		seen := map[key]bool{}
		for _, o := range offers {
			k := key{ruleFor(cp, o.Language), o.Package, o.File, o.Line}
			if !slices.Contains(cp.rules(o.Language), o.Rule) || seen[k] || !slices.Contains(pkgs, o.Package) {
				continue
			}
			seen[k] = true
			row.NSyntX++
			if !theirs[k] {
				row.SyntXOnly = append(row.SyntXOnly, ToolSite{Tool: cp.Tool, Check: cp.Check, Package: o.Package, File: o.File, Line: o.Line, Language: o.Language})
			}
		}
		for _, side := range [][]ToolSite{row.ToolOnly, row.SyntXOnly} {
			slices.SortFunc(side, func(a, b ToolSite) int {
				return cmp.Or(cmp.Compare(a.Package, b.Package), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
			})
		}
		rows = append(rows, row)
	}
	return rows
}

// ruleFor is the id of cp's SyntX rule in a language's files: ESLint's
// checks pair with a rule of each of JavaScript and TypeScript.
func ruleFor(cp Counterpart, language string) string {
	if cp.Tool == "eslint" {
		return language + "." + cp.Rule
	}
	return cp.Rule
}

// WriteRecall prints the rows, and each one's sites that only one side has
// (at most max of each).
func WriteRecall(w io.Writer, rows []RecallRow, max int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%-8s %-58s %-28s %6s %6s %6s %10s %11s\n", "tool", "check", "SyntX rule", "tool", "SyntX", "both", "tool only", "SyntX only")
	for _, r := range rows {
		check := r.Check
		if len(check) > 58 {
			check = check[:55] + "..."
		}
		rule := r.Rule
		if len(r.Also) > 0 {
			rule += " (+" + strconv.Itoa(len(r.Also)) + ")"
		}
		fmt.Fprintf(bw, "%-8s %-58s %-28s %6d %6d %6d %10d %11d\n", r.Tool, check, rule, r.NTool, r.NSyntX, r.NBoth, len(r.ToolOnly), len(r.SyntXOnly))
	}
	for _, r := range rows {
		for _, side := range []struct {
			name  string
			sites []ToolSite
		}{{r.Tool + " only", r.ToolOnly}, {"SyntX only", r.SyntXOnly}} {
			if len(side.sites) == 0 {
				continue
			}
			fmt.Fprintf(bw, "\n%s, %s (%d):\n", r.Rule, side.name, len(side.sites))
			for i, s := range side.sites {
				if i == max {
					fmt.Fprintf(bw, "  ... %d more\n", len(side.sites)-max)
					break
				}
				fmt.Fprintf(bw, "  %s %s:%d\n", s.Package, s.File, s.Line)
			}
		}
	}
	return bw.Flush()
}

// poolFiles indexes the pool's files by absolute path.
func poolFiles(files []realcorpus.File) map[string]realcorpus.File {
	m := make(map[string]realcorpus.File, len(files))
	for _, f := range files {
		m[f.Path] = f
	}
	return m
}

// site makes the ToolSite of a tool's report at path:line, when path is a
// pool file.
func site(files map[string]realcorpus.File, tool, check, path string, line int) (ToolSite, bool) {
	f, ok := files[path]
	if !ok {
		return ToolSite{}, false
	}
	s := ToolSite{Tool: tool, Check: check, Package: f.Package, File: f.Rel, Line: line, Language: f.Language.RuleLanguage()}
	return s, s.rule() != ""
}

// goplsLine is one diagnostic of `gopls check`: path:line:col[-...]: message.
var goplsLine = regexp.MustCompile(`^(/[^:]+):(\d+):\d+(?:-[0-9:]+)?: (.*)$`)

// goplsTag ends a diagnostic that gopls reports again for another build
// configuration ("... [windows]").
var goplsTag = regexp.MustCompile(` \[[a-z0-9_,]+\]$`)

// ReadGopls reads `gopls check` output.
func ReadGopls(r io.Reader, files map[string]realcorpus.File) ([]ToolSite, error) {
	var out []ToolSite
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		m := goplsLine.FindStringSubmatch(sc.Text())
		if m == nil || goplsTag.MatchString(m[3]) {
			continue // a continuation line, or the same site under a build tag
		}
		line, _ := strconv.Atoi(m[2])
		for _, cp := range Counterparts {
			if cp.Tool == "gopls" && strings.Contains(m[3], cp.Check) {
				if s, ok := site(files, "gopls", cp.Check, m[1], line); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out, sc.Err()
}

// ReadPylint reads pylint's JSON output (--output-format=json).
func ReadPylint(r io.Reader, files map[string]realcorpus.File) ([]ToolSite, error) {
	var msgs []struct {
		Path   string `json:"path"`
		Line   int    `json:"line"`
		Symbol string `json:"symbol"`
	}
	if err := json.NewDecoder(r).Decode(&msgs); err != nil {
		return nil, fmt.Errorf("pylint's output: %w", err)
	}
	var out []ToolSite
	for _, m := range msgs {
		if s, ok := site(files, "pylint", m.Symbol, m.Path, m.Line); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// eslintResult is one file of ESLint's JSON output (-f json).
type eslintResult struct {
	FilePath string `json:"filePath"`
	Messages []struct {
		RuleID string `json:"ruleId"`
		Line   int    `json:"line"`
		Fatal  bool   `json:"fatal"`
	} `json:"messages"`
}

// ReadESLint reads ESLint's JSON output and returns the sites, and the
// files it could not parse.
func ReadESLint(r io.Reader, files map[string]realcorpus.File) ([]ToolSite, []string, error) {
	var res []eslintResult
	if err := json.NewDecoder(r).Decode(&res); err != nil {
		return nil, nil, fmt.Errorf("ESLint's output: %w", err)
	}
	var out []ToolSite
	var fatal []string
	for _, f := range res {
		for _, m := range f.Messages {
			if m.Fatal {
				fatal = append(fatal, f.FilePath)
				break
			}
			if s, ok := site(files, "eslint", m.RuleID, f.FilePath, m.Line); ok {
				out = append(out, s)
			}
		}
	}
	return out, fatal, nil
}

// RecallOptions says which tools to run.
type RecallOptions struct {
	Corpus *realcorpus.Corpus
	// ESLintDir is a directory where eslint, eslint-plugin-unicorn and
	// typescript-eslint are installed (npm install), or "": ESLint is not
	// run. Pylint is Debian's (pylint on PATH, or not run); gopls is the
	// corpus's pinned one.
	ESLintDir string
	Log       io.Writer
}

// RunTools runs the tools over the pool and returns their sites and, for
// each tool that ran, the packages it ran on.
func RunTools(ctx context.Context, o RecallOptions) ([]ToolSite, map[string][]string, error) {
	all := o.Corpus.Files(realcorpus.Filter{})
	files := poolFiles(all)
	var sites []ToolSite
	ran := map[string][]string{}
	byLang := map[syntax.Grammar][]realcorpus.File{}
	for _, f := range all {
		byLang[f.Language] = append(byLang[f.Language], f)
	}
	packagesOf := func(fs []realcorpus.File) []string {
		var out []string
		for _, f := range fs {
			if !slices.Contains(out, f.Package) {
				out = append(out, f.Package)
			}
		}
		return out
	}
	if gopls := o.Corpus.Tools().Gopls; gopls != "" {
		var mods []realcorpus.File
		for _, f := range byLang[syntax.Go] {
			if !strings.HasPrefix(f.Package, "go-std-") {
				mods = append(mods, f)
			}
		}
		s, err := runGopls(ctx, o, gopls, mods, files)
		if err != nil {
			return nil, nil, err
		}
		sites, ran["gopls"] = append(sites, s...), packagesOf(mods)
	} else {
		fmt.Fprintln(o.Log, "gopls: not fetched (make realcorpus), not run")
	}
	if pylint, err := exec.LookPath("pylint"); err == nil {
		s, err := runPylint(ctx, pylint, byLang[syntax.Python], files)
		if err != nil {
			return nil, nil, err
		}
		sites, ran["pylint"] = append(sites, s...), packagesOf(byLang[syntax.Python])
	} else {
		fmt.Fprintln(o.Log, "pylint: not installed (Debian: apt-get install pylint), not run")
	}
	if o.ESLintDir != "" {
		var js []realcorpus.File
		for _, g := range []syntax.Grammar{syntax.JavaScript, syntax.TypeScript, syntax.TSX} {
			js = append(js, byLang[g]...)
		}
		s, err := runESLint(ctx, o, js, files)
		if err != nil {
			return nil, nil, err
		}
		sites, ran["eslint"] = append(sites, s...), packagesOf(js)
	} else {
		fmt.Fprintln(o.Log, "eslint: no -eslint DIR, not run")
	}
	return sites, ran, nil
}

// runGopls runs `gopls check` with its hints on each package of gofiles,
// in the package's offline checker environment. RunTools leaves the
// standard library's packages out: gopls checks only part of a GOROOT that
// is not its own toolchain's.
func runGopls(ctx context.Context, o RecallOptions, gopls string, gofiles []realcorpus.File, files map[string]realcorpus.File) ([]ToolSite, error) {
	byPkg := map[string][]string{}
	var pkgs []string
	for _, f := range gofiles {
		if byPkg[f.Package] == nil {
			pkgs = append(pkgs, f.Package)
		}
		byPkg[f.Package] = append(byPkg[f.Package], f.Path)
	}
	var out []ToolSite
	for _, p := range pkgs {
		ch, err := o.Corpus.Checker(p)
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, gopls, append([]string{"check", "-severity=hint"}, byPkg[p]...)...)
		cmd.Dir = ch.Dir
		cmd.Env = append(os.Environ(), ch.Env...)
		stdout, err := cmd.Output() // gopls exits 0 with diagnostics
		if err != nil {
			return nil, fmt.Errorf("gopls on %s: %w", p, err)
		}
		s, err := ReadGopls(bytes.NewReader(stdout), files)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// runPylint runs pylint with only the counterpart checks enabled.
func runPylint(ctx context.Context, pylint string, pyfiles []realcorpus.File, files map[string]realcorpus.File) ([]ToolSite, error) {
	var checks []string
	for _, cp := range Counterparts {
		if cp.Tool == "pylint" {
			checks = append(checks, cp.Check)
		}
	}
	home, err := os.MkdirTemp("", "syntx-pylint-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	args := []string{"--disable=all", "--enable=" + strings.Join(checks, ","), "--output-format=json", "--score=n", "--persistent=n", "--jobs=2"}
	for _, f := range pyfiles {
		args = append(args, f.Path)
	}
	cmd := exec.CommandContext(ctx, pylint, args...)
	cmd.Env = append(os.Environ(), "PYLINTHOME="+home)
	stdout, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode()&32 == 0) {
		// pylint's exit status is a bit mask of the message kinds it
		// reported; 32 is a usage error.
		return nil, fmt.Errorf("pylint: %w", err)
	}
	return ReadPylint(bytes.NewReader(stdout), files)
}

// eslintConfig is the flat config runESLint writes into the ESLint
// directory (the plugins resolve from there): the counterpart rules only,
// with no project configuration or inline directive read, scripts as
// CommonJS unless SYNTX_ESM asks for modules.
func eslintConfig() string {
	var b strings.Builder
	b.WriteString("import unicorn from \"eslint-plugin-unicorn\";\nimport tseslint from \"typescript-eslint\";\nconst rules = {\n")
	for _, cp := range Counterparts {
		if cp.Tool == "eslint" {
			fmt.Fprintf(&b, "  %q: \"warn\",\n", cp.Check)
		}
	}
	b.WriteString(`};
const sourceType = process.env.SYNTX_ESM ? "module" : "commonjs";
export default [
  { linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: "off" } },
  { files: ["**/*.js", "**/*.cjs", "**/*.mjs", "**/*.jsx"], plugins: { unicorn }, languageOptions: { ecmaVersion: "latest", sourceType }, rules },
  { files: ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts"], plugins: { unicorn }, languageOptions: { parser: tseslint.parser, ecmaVersion: "latest", sourceType: "module", parserOptions: { ecmaFeatures: { jsx: true } } }, rules },
];
`)
	return b.String()
}

// runESLint runs ESLint over the JavaScript and TypeScript files from the
// corpus's source directory, then once more, as ES modules, over the
// files it could not parse as scripts.
func runESLint(ctx context.Context, o RecallOptions, jsfiles []realcorpus.File, files map[string]realcorpus.File) ([]ToolSite, error) {
	bin := filepath.Join(o.ESLintDir, "node_modules", ".bin", "eslint")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("-eslint %s: %w (npm install eslint@9 eslint-plugin-unicorn typescript-eslint there)", o.ESLintDir, err)
	}
	config := filepath.Join(o.ESLintDir, "syntx-recall.config.mjs")
	if err := os.WriteFile(config, []byte(eslintConfig()), 0o644); err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(jsfiles))
	for _, f := range jsfiles {
		paths = append(paths, f.Path)
	}
	sort.Strings(paths)
	var out []ToolSite
	for _, esm := range []bool{false, true} {
		if len(paths) == 0 {
			break
		}
		cmd := exec.CommandContext(ctx, bin, append([]string{"--no-config-lookup", "-c", config, "-f", "json", "--no-ignore"}, paths...)...)
		cmd.Dir = "/" // ESLint ignores files outside its base path, the working directory
		cmd.Env = os.Environ()
		if esm {
			cmd.Env = append(cmd.Env, "SYNTX_ESM=1")
		}
		stdout, err := cmd.Output()
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
			return nil, fmt.Errorf("eslint: %w", err) // 1: it reported something
		}
		s, fatal, err := ReadESLint(bytes.NewReader(stdout), files)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
		paths = fatal
		if esm && len(fatal) > 0 {
			fmt.Fprintf(o.Log, "eslint: %d files parse neither as scripts nor as modules\n", len(fatal))
		}
	}
	return out, nil
}
