package rulecheck

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// Languages are the rule languages, in report order.
var Languages = []string{"go", "python", "javascript", "typescript"}

// RuleStats is one rule's line of the report.
type RuleStats struct {
	ID       string  `json:"id"`
	Language string  `json:"language"`
	Category string  `json:"category"`
	Prior    float64 `json:"prior"`
	// Matches are the per-site fixes offered (an invoked menu lists them
	// all, unsafe ones included), Sources the whole-file source actions.
	Matches int `json:"matches"`
	Sources int `json:"sources"`
	// Unsafe counts offers whose title marks them unsafe.
	Unsafe int `json:"unsafe"`
	// Breaks are the offers (sites and source actions) whose fix makes the
	// checker report something new; CheckBreaks those in check packages.
	Breaks      int `json:"breaks"`
	CheckBreaks int `json:"check_breaks"`
	// Automatic are the offers shown on an automatic trigger.
	Automatic int `json:"automatic"`
	// PerKLOC and AutoPerKLOC are Matches and Automatic per 1,000 lines
	// of the rule's language in the run.
	PerKLOC     float64 `json:"per_kloc"`
	AutoPerKLOC float64 `json:"auto_per_kloc"`
	Errors      int     `json:"errors,omitempty"`
}

// LangStats is one language's line of the report.
type LangStats struct {
	Language    string  `json:"language"`
	Files       int     `json:"files"`
	Lines       int     `json:"lines"`
	Matches     int     `json:"matches"`
	Breaks      int     `json:"breaks"`
	Automatic   int     `json:"automatic"`
	AutoPerKLOC float64 `json:"auto_per_kloc"`
	// TopRule is the rule with the most automatic suggestions, TopShare
	// its share of them.
	TopRule  string  `json:"top_rule"`
	TopShare float64 `json:"top_share"`
	Rules    int     `json:"rules"`
	// Silent lists the rules of the language that offered nothing.
	Silent []string `json:"silent"`
}

// Summary is the report: per rule and per language.
type Summary struct {
	Rules     []RuleStats `json:"rules"`
	Languages []LangStats `json:"languages"`
}

// unsafeTitle reports whether an action's title marks its fix unsafe.
func unsafeTitle(title string) bool {
	return strings.Contains(strings.ToLower(title), "unsafe")
}

// ruleCounts counts the offers of a run per rule: every rule loaded, and
// any other rule an offer names.
func (r *Result) ruleCounts() map[string]*RuleStats {
	byRule := map[string]*RuleStats{}
	for id, info := range r.Rules {
		byRule[id] = &RuleStats{ID: id, Language: info.Language, Category: info.Category, Prior: info.Prior}
	}
	for _, o := range r.Offers {
		s := byRule[o.Rule]
		if s == nil {
			s = &RuleStats{ID: o.Rule, Language: o.Language, Category: o.Category}
			byRule[o.Rule] = s
		}
		if o.Source {
			s.Sources++
		} else {
			s.Matches++
		}
		if unsafeTitle(o.Title) {
			s.Unsafe++
		}
		if len(o.Breaks) > 0 {
			s.Breaks++
			if o.Purpose == "check" {
				s.CheckBreaks++
			}
		}
		if o.Error != "" {
			s.Errors++
		}
		if o.Automatic {
			s.Automatic++
		}
	}
	return byRule
}

// Summarize computes the report of a run.
func (r *Result) Summarize() *Summary {
	byRule := r.ruleCounts()
	sum := &Summary{}
	langs := map[string]*LangStats{}
	for _, l := range Languages {
		langs[l] = &LangStats{Language: l, Files: r.Files[l], Lines: r.Lines[l]}
	}
	for _, s := range byRule {
		if kl := float64(r.Lines[s.Language]) / 1000; kl > 0 {
			s.PerKLOC = float64(s.Matches) / kl
			s.AutoPerKLOC = float64(s.Automatic) / kl
		}
		sum.Rules = append(sum.Rules, *s)
		ls := langs[s.Language]
		if ls == nil {
			continue
		}
		ls.Rules++
		ls.Matches += s.Matches
		ls.Breaks += s.Breaks
		ls.Automatic += s.Automatic
		if s.Matches+s.Sources == 0 {
			ls.Silent = append(ls.Silent, s.ID)
		}
	}
	sort.Slice(sum.Rules, func(i, k int) bool {
		a, b := sum.Rules[i], sum.Rules[k]
		if a.Language != b.Language {
			return langIndex(a.Language) < langIndex(b.Language)
		}
		return a.ID < b.ID
	})
	for _, s := range sum.Rules {
		ls := langs[s.Language]
		if ls == nil || ls.Automatic == 0 {
			continue
		}
		if share := float64(s.Automatic) / float64(ls.Automatic); share > ls.TopShare {
			ls.TopShare, ls.TopRule = share, s.ID
		}
	}
	for _, l := range Languages {
		ls := langs[l]
		if kl := float64(ls.Lines) / 1000; kl > 0 {
			ls.AutoPerKLOC = float64(ls.Automatic) / kl
		}
		sort.Strings(ls.Silent)
		if ls.Files > 0 {
			sum.Languages = append(sum.Languages, *ls)
		}
	}
	return sum
}

func langIndex(l string) int {
	for i, x := range Languages {
		if x == l {
			return i
		}
	}
	return len(Languages)
}

// WriteText prints the per-rule table, the per-language table and the
// broken fixes.
func (r *Result) WriteText(w io.Writer, sum *Summary) error {
	fmt.Fprintf(w, "check-rules-real: %d packages, %d offers checked (%d answered by the cache) in %.0f s\n\n",
		len(r.Packages), r.Checks, r.CachedChecks, r.Seconds)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rule\tprior\tmatches\tper 1k lines\tsource actions\tunsafe\tbreaks\tbreaks (check pkgs)\tautomatic\tautomatic per 1k lines\t")
	for _, s := range sum.Rules {
		fmt.Fprintf(tw, "%s\t%.2f\t%d\t%.2f\t%d\t%d\t%d\t%d\t%d\t%.2f\t\n", s.ID, s.Prior, s.Matches, s.PerKLOC, s.Sources, s.Unsafe, s.Breaks, s.CheckBreaks, s.Automatic, s.AutoPerKLOC)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "language\tfiles\tlines\tmatches\tbreaks\tautomatic\tautomatic per 1k lines\tmost frequent (automatic)\tshare\trules silent\t")
	for _, l := range sum.Languages {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.2f\t%s\t%.0f%%\t%d / %d\t\n", l.Language, l.Files, l.Lines, l.Matches, l.Breaks, l.Automatic, l.AutoPerKLOC, orDash(l.TopRule), 100*l.TopShare, len(l.Silent), l.Rules)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, l := range sum.Languages {
		if len(l.Silent) > 0 {
			fmt.Fprintf(w, "\n%s rules that offered nothing: %s\n", l.Language, strings.Join(l.Silent, ", "))
		}
	}
	broken, held := 0, 0
	for _, o := range r.Offers {
		if len(o.Breaks) > 0 {
			broken++
			if o.Purpose == "check" {
				held++
			}
		}
	}
	if broken > 0 {
		fmt.Fprintf(w, "\n%d fixes break a check, %d of them in held-out (check) packages. Those in dev packages (the first few; all in breaks.txt; the held-out ones are in breaks-check.txt, not to be read while writing rules):\n", broken, held)
		n := 0
		for _, o := range r.Offers {
			if len(o.Breaks) == 0 || o.Purpose == "check" {
				continue
			}
			if n++; n > 10 {
				break
			}
			fmt.Fprintf(w, "  %s %s %s:%d: %s\n", o.Rule, o.Package, o.File, o.Line, clip(o.Breaks[0].Source+": "+o.Breaks[0].Msg, 200))
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteBreaks lists every fix that breaks a check (or could not be
// checked) in packages of the given purpose, with what it changed and the
// new diagnostics.
func (r *Result) WriteBreaks(w io.Writer, purpose string) error {
	for _, o := range r.Offers {
		if (len(o.Breaks) == 0 && o.Error == "") || o.Purpose != purpose {
			continue
		}
		fmt.Fprintf(w, "%s  %s  %s:%d  (%s, %s)\n", o.Rule, o.Package, o.File, o.Line, o.Purpose, o.Role)
		fmt.Fprintf(w, "  - %s\n  + %s\n", clip(o.Before, 300), clip(o.After, 300))
		if o.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", o.Error)
		}
		for _, d := range o.Breaks {
			fmt.Fprintf(w, "  %s\n", clip(d.String(), 400))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// clip shortens s to n bytes on one line.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if len(s) > n {
		cut := n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Save writes report.txt, report.json (the run and its summary),
// breaks.txt (fixes that break a check in dev packages) and
// breaks-check.txt (in held-out packages) into dir.
func (r *Result) Save(dir string, sum *Summary) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var txt, brk, held strings.Builder
	if err := r.WriteText(&txt, sum); err != nil {
		return err
	}
	if err := r.WriteBreaks(&brk, "dev"); err != nil {
		return err
	}
	if err := r.WriteBreaks(&held, "check"); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		*Result
		Summary *Summary `json:"summary"`
	}{r, sum}, "", " ")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"report.txt": []byte(txt.String()), "breaks.txt": []byte(brk.String()), "breaks-check.txt": []byte(held.String()), "report.json": js} {
		if err := writeFileAtomic(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	return nil
}

// LoadResult reads a report.json written by Save.
func LoadResult(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}
