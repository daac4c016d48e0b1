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
	"text/tabwriter"

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
	Matches       int     `json:"matches"`        // sites matched
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
}

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
	if everywhere <= 0 {
		everywhere = DefaultEverywhere
	}
	files, err := CorpusFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no source files under %s", dir)
	}
	st := &Stats{Dir: dir, Everywhere: everywhere, Files: map[string]int{}, Lines: map[string]int{}}
	matches := map[string]int{}
	inFiles := map[string]int{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, err := os.ReadFile(f.Path)
		if err != nil {
			return nil, err
		}
		lang := f.Grammar.RuleLanguage()
		st.Files[lang]++
		st.Lines[lang] += strings.Count(string(src), "\n")
		tree, err := syntax.Parse(ctx, f.Grammar, src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		if syntax.HasErrors(tree.Root()) {
			st.Unparsed = append(st.Unparsed, f.Path)
		}
		seen := map[string]bool{}
		for _, m := range NewIndex(lib.Set(f.Grammar), tree, src).Matches(tree, src) {
			matches[m.Rule.ID]++
			if !seen[m.Rule.ID] {
				seen[m.Rule.ID] = true
				inFiles[m.Rule.ID]++
			}
		}
		tree.Close()
	}
	for _, r := range lib.Rules() {
		rs := RuleStats{ID: r.ID, Language: r.Language, Category: r.Category, Prior: r.Prior,
			Matches: matches[r.ID], Files: inFiles[r.ID], LanguageFiles: st.Files[r.Language]}
		switch {
		case rs.LanguageFiles == 0:
			// No files of the rule's language: nothing to say about it.
		case rs.Matches == 0:
			rs.Flag = "never"
		case rs.LanguageFiles > 0 && float64(rs.Files) > everywhere*float64(rs.LanguageFiles):
			rs.Flag = "everywhere"
		}
		st.Rules = append(st.Rules, rs)
	}
	return st, nil
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
	fmt.Fprintln(tw, "RULE\tCATEGORY\tPRIOR\tMATCHES\tFILES\tSHARE\tFLAG")
	for _, r := range s.Rules {
		if r.LanguageFiles == 0 {
			continue // no file of its language in this corpus
		}
		share := float64(r.Files) / float64(r.LanguageFiles)
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%d\t%d/%d\t%.0f%%\t%s\n", r.ID, r.Category, r.Prior, r.Matches, r.Files, r.LanguageFiles, 100*share, r.Flag)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range s.Unparsed {
		fmt.Fprintf(w, "warning: %s has syntax errors; its counts may be low\n", p)
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
