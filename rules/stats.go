package rules

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/syntx/syntx/syntax"
)

// DefaultEverywhere is the share of a language's corpus files above which a
// rule is flagged as matching almost everywhere: such a rule is either too
// loose or about a habit so common that flagging it is noise.
const DefaultEverywhere = 0.6

// RuleStats is how one rule fared over a corpus.
type RuleStats struct {
	ID            string  `json:"id"`
	Language      string  `json:"language"`
	Category      string  `json:"category"`
	Prior         float64 `json:"prior"`
	Matches       int     `json:"matches"`        // sites offered (not silenced by a comment or the project's target)
	Unsafe        int     `json:"unsafe"`         // of those, sites whose fix is unsafe
	Suppressed    int     `json:"suppressed"`     // sites a suppression comment silences
	Silenced      int     `json:"silenced"`       // sites the project's declared target silences
	Files         int     `json:"files"`          // files with at least one site
	LanguageFiles int     `json:"language_files"` // corpus files in the rule's language
	// Flag is "never" for a rule without a single match in the files of its
	// language, "everywhere" for one that matches in more than the
	// Everywhere share of them, and empty otherwise (also when the corpus
	// has no file of the rule's language).
	Flag string `json:"flag,omitempty"`
}

// Stats is the result of running every rule of a library over a corpus.
type Stats struct {
	Dir        string         `json:"dir"`
	Everywhere float64        `json:"everywhere"`
	Files      map[string]int `json:"files"` // rule language -> files
	Lines      map[string]int `json:"lines"` // rule language -> lines
	// Unparsed lists the files with syntax errors; they are counted, but
	// rules may miss sites in them.
	Unparsed []string    `json:"unparsed,omitempty"`
	Rules    []RuleStats `json:"rules"`
	// With timing: the slowest files (all rules together, with the rules
	// that cost most on each), and the files of at most BudgetBytes over
	// Budget.
	Budget      time.Duration `json:"budget_ns,omitempty"`
	BudgetBytes int           `json:"budget_bytes,omitempty"`
	Slowest     []FileTime    `json:"slowest,omitempty"`
	OverBudget  []FileTime    `json:"over_budget,omitempty"`
}

// FileTime is how long matching every rule took on one file, in CPU time
// (the median of three runs for the slower files; CPU time, because on a
// shared machine the wall clock also counts other processes), and for the
// slower files the costliest rules alone.
type FileTime struct {
	Path   string     `json:"path"`
	Bytes  int        `json:"bytes"`
	Millis float64    `json:"ms"`
	Rules  []RuleTime `json:"rules,omitempty"`
}

// RuleTime is how long one rule alone took on a file.
type RuleTime struct {
	ID     string  `json:"id"`
	Millis float64 `json:"ms"`
}

// StatsOptions configure CorpusStatsWith.
type StatsOptions struct {
	// Everywhere is the share of files above which a rule is flagged (0
	// means DefaultEverywhere).
	Everywhere float64
	// Timing measures, per file, how long all rules take together, and
	// for the slower files each rule alone.
	Timing bool
	// Budget is the time all rules together may take on a file of at most
	// BudgetBytes (defaults: 100 ms, 200 KB).
	Budget      time.Duration
	BudgetBytes int
}

// Default budget: all rules together on any file of up to 200 KB.
const (
	DefaultBudget      = 100 * time.Millisecond
	DefaultBudgetBytes = 200 << 10
)

// Flagged returns the rules with a flag.
func (s *Stats) Flagged() []RuleStats {
	var out []RuleStats
	for _, r := range s.Rules {
		if r.Flag != "" {
			out = append(out, r)
		}
	}
	return out
}

// CorpusFile is one source file of a corpus and the grammar it parses with.
type CorpusFile struct {
	Path    string
	Grammar syntax.Grammar
}

// CorpusFiles lists the source files under dir whose language SyntX parses,
// sorted by path. Directories whose name starts with "." or "_" are skipped
// (generators, caches), as the go tool does.
func CorpusFiles(dir string) ([]CorpusFile, error) {
	var out []CorpusFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if g := syntax.Detect("", p); g != "" {
			out = append(out, CorpusFile{Path: p, Grammar: g})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// CorpusStats runs every rule of lib over the source files under dir and
// counts, per rule, the sites it matches and the files it matches in.
// everywhere is the share of files above which a rule is flagged (0 means
// DefaultEverywhere).
func CorpusStats(ctx context.Context, lib *Library, dir string, everywhere float64) (*Stats, error) {
	return CorpusStatsWith(ctx, lib, dir, StatsOptions{Everywhere: everywhere})
}

// CorpusStatsWith is CorpusStats with options: sites silenced by a
// suppression comment or by the project's declared target (project files
// are looked for up to dir) are counted apart, and with Timing, matching
// is timed per file.
func CorpusStatsWith(ctx context.Context, lib *Library, dir string, opts StatsOptions) (*Stats, error) {
	everywhere := opts.Everywhere
	if everywhere <= 0 {
		everywhere = DefaultEverywhere
	}
	if opts.Budget <= 0 {
		opts.Budget = DefaultBudget
	}
	if opts.BudgetBytes <= 0 {
		opts.BudgetBytes = DefaultBudgetBytes
	}
	projects := NewProjects(dir)
	files, err := CorpusFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no source files under %s", dir)
	}
	st := &Stats{Dir: dir, Everywhere: everywhere, Files: map[string]int{}, Lines: map[string]int{}}
	if opts.Timing {
		st.Budget, st.BudgetBytes = opts.Budget, opts.BudgetBytes
	}
	counts := newRuleCounts()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := st.countFile(ctx, lib, projects, f, opts, counts); err != nil {
			return nil, err
		}
	}
	st.Rules = counts.ruleStats(lib, st.Files, everywhere)
	sort.SliceStable(st.Slowest, func(i, j int) bool { return st.Slowest[i].Millis > st.Slowest[j].Millis })
	return st, nil
}

// ruleCounts are CorpusStatsWith's counts per rule id.
type ruleCounts struct {
	matches    map[string]int // sites reported
	inFiles    map[string]int // files with a site reported
	unsafe     map[string]int // reported sites whose fix is unsafe
	suppressed map[string]int // sites silenced by a suppression comment
	silenced   map[string]int // sites silenced by the project's target
}

func newRuleCounts() ruleCounts {
	return ruleCounts{matches: map[string]int{}, inFiles: map[string]int{}, unsafe: map[string]int{},
		suppressed: map[string]int{}, silenced: map[string]int{}}
}

// countFile parses f, matches lib's rules on it and adds its files, lines
// and sites to st and counts (and, with opts.Timing, its timing to st).
func (st *Stats) countFile(ctx context.Context, lib *Library, projects *Projects, f CorpusFile, opts StatsOptions, counts ruleCounts) error {
	src, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	lang := f.Grammar.RuleLanguage()
	st.Files[lang]++
	st.Lines[lang] += strings.Count(string(src), "\n")
	tree, err := syntax.Parse(ctx, f.Grammar, src)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	defer tree.Close()
	if syntax.HasErrors(tree.Root()) {
		st.Unparsed = append(st.Unparsed, f.Path)
	}
	seen := map[string]bool{}
	set := lib.Set(f.Grammar)
	start := cpuTime()
	text := syntax.NewText(src)
	found := NewIndex(set, tree, text).Matches(tree, text)
	took := cpuTime() - start
	if opts.Timing {
		st.timeFile(f, set, tree, text, took, opts)
	}
	target := projects.For(f.Path, f.Grammar).Doc(tree, text, func() ([]Match, bool) { return found, true })
	// One checker for the file: what reaches across it (eslint-disable
	// regions, //lint:file-ignore) is found once, not once per match.
	sups := NewSuppressions(tree, text)
	for _, m := range found {
		if _, ok := sups.Suppressed(m); ok {
			counts.suppressed[m.Rule.ID]++
			continue
		}
		if ok, _ := target.Allows(m, f.Grammar); !ok {
			counts.silenced[m.Rule.ID]++
			continue
		}
		counts.matches[m.Rule.ID]++
		if m.Unsafe {
			counts.unsafe[m.Rule.ID]++
		}
		if !seen[m.Rule.ID] {
			seen[m.Rule.ID] = true
			counts.inFiles[m.Rule.ID]++
		}
	}
	return nil
}

// ruleStats turns the counts into one RuleStats per rule of lib, flagged
// "never" when it matched nothing in files of its language and
// "everywhere" when it matched in more than the everywhere share of them.
func (c ruleCounts) ruleStats(lib *Library, langFiles map[string]int, everywhere float64) []RuleStats {
	var out []RuleStats
	for _, r := range lib.Rules() {
		rs := RuleStats{ID: r.ID, Language: r.Language, Category: r.Category, Prior: r.Prior,
			Matches: c.matches[r.ID], Unsafe: c.unsafe[r.ID], Suppressed: c.suppressed[r.ID], Silenced: c.silenced[r.ID],
			Files: c.inFiles[r.ID], LanguageFiles: langFiles[r.Language]}
		switch {
		case rs.LanguageFiles == 0:
			// No files of the rule's language: nothing to say about it.
		case rs.Matches == 0:
			rs.Flag = "never"
		case rs.LanguageFiles > 0 && float64(rs.Files) > everywhere*float64(rs.LanguageFiles):
			rs.Flag = "everywhere"
		}
		out = append(out, rs)
	}
	return out
}

// slowestKept is how many of the slowest files Stats lists.
const slowestKept = 10

// timeFile records how long matching took on one file. A file that took
// more than a quarter of the budget is measured twice more (the median
// counts) and each rule is timed alone on it.
func (st *Stats) timeFile(f CorpusFile, set *Set, tree *syntax.Tree, src *syntax.Text, took time.Duration, opts StatsOptions) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	ft := FileTime{Path: f.Path, Bytes: src.Len(), Millis: ms(took)}
	if took > opts.Budget/4 {
		runs := []time.Duration{took}
		for i := 0; i < 2; i++ {
			start := cpuTime()
			NewIndex(set, tree, src).Matches(tree, src)
			runs = append(runs, cpuTime()-start)
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i] < runs[j] })
		ft.Millis = ms(runs[1])
		for _, r := range set.Rules() {
			start := cpuTime()
			set.MatchRule(r, tree, src, 0, src.Len(), func(Match) {})
			ft.Rules = append(ft.Rules, RuleTime{ID: r.ID, Millis: ms(cpuTime() - start)})
		}
		sort.Slice(ft.Rules, func(i, j int) bool { return ft.Rules[i].Millis > ft.Rules[j].Millis })
		ft.Rules = ft.Rules[:min(3, len(ft.Rules))]
	}
	if src.Len() <= opts.BudgetBytes && time.Duration(ft.Millis*float64(time.Millisecond)) > opts.Budget {
		st.OverBudget = append(st.OverBudget, ft)
	}
	st.Slowest = append(st.Slowest, ft)
	sort.SliceStable(st.Slowest, func(i, j int) bool { return st.Slowest[i].Millis > st.Slowest[j].Millis })
	if len(st.Slowest) > slowestKept {
		st.Slowest = st.Slowest[:slowestKept]
	}
}

// WriteText prints the statistics as a table, one rule a line, followed by
// the flagged rules.
func (s *Stats) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "corpus %s:", s.Dir)
	for _, lang := range Languages {
		fmt.Fprintf(tw, " %s %d files (%d lines);", lang, s.Files[lang], s.Lines[lang])
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "RULE\tCATEGORY\tPRIOR\tMATCHES\tUNSAFE\tCOMMENT/TARGET\tFILES\tSHARE\tPER KLOC\tFLAG")
	for _, r := range s.Rules {
		if r.LanguageFiles == 0 {
			continue // no file of its language in this corpus
		}
		share := float64(r.Files) / float64(r.LanguageFiles)
		perK := 0.0
		if l := s.Lines[r.Language]; l > 0 {
			perK = 1000 * float64(r.Matches) / float64(l)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%d\t%d\t%d/%d\t%d/%d\t%.0f%%\t%.2f\t%s\n", r.ID, r.Category, r.Prior, r.Matches, r.Unsafe,
			r.Suppressed, r.Silenced, r.Files, r.LanguageFiles, 100*share, perK, r.Flag)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range s.Unparsed {
		fmt.Fprintf(w, "warning: %s has syntax errors; its counts may be low\n", p)
	}
	if s.Budget > 0 {
		fmt.Fprintf(w, "\nslowest files (CPU time of all rules together; the rules that cost most alone):\n")
		for _, f := range s.Slowest {
			fmt.Fprintf(w, "  %8.1f ms  %7d bytes  %s", f.Millis, f.Bytes, f.Path)
			for _, r := range f.Rules {
				fmt.Fprintf(w, "  %s %.1f ms", r.ID, r.Millis)
			}
			fmt.Fprintln(w)
		}
		if len(s.OverBudget) == 0 {
			fmt.Fprintf(w, "every file of at most %d bytes took at most %v\n", s.BudgetBytes, s.Budget)
		} else {
			fmt.Fprintf(w, "%d files of at most %d bytes took more than %v:\n", len(s.OverBudget), s.BudgetBytes, s.Budget)
			for _, f := range s.OverBudget {
				fmt.Fprintf(w, "  %8.1f ms  %s\n", f.Millis, f.Path)
			}
		}
	}
	flagged := s.Flagged()
	if len(flagged) == 0 {
		_, err := fmt.Fprintf(w, "\nno rule flagged: every rule with files of its language matches, none in more than %.0f%% of them\n", 100*s.Everywhere)
		return err
	}
	fmt.Fprintf(w, "\n%d rules flagged:\n", len(flagged))
	for _, r := range flagged {
		what := "never matches"
		if r.Flag == "everywhere" {
			what = fmt.Sprintf("matches in %d of %d %s files (more than %.0f%%)", r.Files, r.LanguageFiles, r.Language, 100*s.Everywhere)
		}
		fmt.Fprintf(w, "  %s %s\n", r.ID, what)
	}
	return nil
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
