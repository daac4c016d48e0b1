package rules

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/syntx/syntx/syntax"
)

//go:embed builtin
var builtinFS embed.FS

// Builtin returns the rule files embedded in the binary.
func Builtin() fs.FS {
	sub, err := fs.Sub(builtinFS, "builtin")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// Problem is a rule file or rule that could not be loaded. It is reported and
// skipped; the other rules keep working.
type Problem struct {
	Source string
	Err    error
}

func (p Problem) String() string { return p.Source + ": " + p.Err.Error() }

// Library is the loaded rules, by id and compiled per grammar.
type Library struct {
	rules    []*Rule
	byID     map[string]*Rule
	sets     map[syntax.Grammar]*Set
	Problems []Problem
}

// Source is a tree of rule files: the embedded ones or a directory.
type Source struct {
	Name string // shown in problems: "builtin", or the directory
	FS   fs.FS
}

// Dir is a Source for a directory; a missing directory is empty.
func Dir(dir string) Source { return Source{Name: dir, FS: os.DirFS(dir)} }

// Load reads rule files (*.toml, recursively) from each source in order; a
// rule in a later source replaces an earlier rule with the same id.
func Load(sources ...Source) *Library {
	l := &Library{byID: map[string]*Rule{}, sets: map[syntax.Grammar]*Set{}}
	for _, src := range sources {
		err := fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == "." {
					return fs.SkipAll
				}
				l.Problems = append(l.Problems, Problem{Source: filepath.Join(src.Name, p), Err: err})
				return nil
			}
			if d.IsDir() || path.Ext(p) != ".toml" {
				return nil
			}
			l.loadFile(src, p)
			return nil
		})
		if err != nil {
			l.Problems = append(l.Problems, Problem{Source: src.Name, Err: err})
		}
	}
	l.rules = l.rules[:0]
	for _, r := range l.byID {
		l.rules = append(l.rules, r)
	}
	sort.Slice(l.rules, func(i, j int) bool { return l.rules[i].ID < l.rules[j].ID })
	// One combined query per grammar, compiled in parallel: compiling is
	// most of what loading costs (TypeScript's tables are large).
	type built struct {
		set      *Set
		problems []Problem
	}
	results := make([]built, len(syntax.Grammars))
	var wg sync.WaitGroup
	for i, g := range syntax.Grammars {
		wg.Add(1)
		go func() {
			defer wg.Done()
			set, problems := newSet(g, l.rules)
			results[i] = built{set, problems}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, g := range syntax.Grammars {
		l.sets[g] = results[i].set
		for _, p := range results[i].problems {
			if key := p.String(); !seen[key] {
				seen[key] = true
				l.Problems = append(l.Problems, p)
			}
		}
	}
	return l
}

const maxRuleFile = 1 << 20

func (l *Library) loadFile(src Source, p string) {
	name := src.Name + ":" + p
	if src.Name != "builtin" {
		name = filepath.Join(src.Name, p)
	}
	data, err := fs.ReadFile(src.FS, p)
	if err != nil {
		l.Problems = append(l.Problems, Problem{Source: name, Err: err})
		return
	}
	if len(data) > maxRuleFile {
		l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf("rule file larger than %d bytes", maxRuleFile)})
		return
	}
	var file struct {
		Rule []Spec `toml:"rule"`
	}
	md, err := toml.Decode(string(data), &file)
	if err != nil {
		l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf("parse: %w", err)})
		return
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf("unknown keys: %s", strings.Join(keys, ", "))})
		return
	}
	if len(file.Rule) == 0 {
		l.Problems = append(l.Problems, Problem{Source: name, Err: errors.New("no [[rule]] tables")})
		return
	}
	seen := map[string]bool{}
	for _, s := range file.Rule {
		if seen[s.ID] {
			l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf("rule %s defined twice", s.ID)})
			continue
		}
		seen[s.ID] = true
		r, err := compile(s, name)
		if err != nil {
			l.Problems = append(l.Problems, Problem{Source: name, Err: err})
			continue
		}
		l.byID[r.ID] = r
	}
}

// Rules returns every loaded rule, sorted by id.
func (l *Library) Rules() []*Rule { return l.rules }

// Rule returns the rule with id, or nil.
func (l *Library) Rule(id string) *Rule { return l.byID[id] }

// Set returns the rules compiled for grammar g.
func (l *Library) Set(g syntax.Grammar) *Set {
	if s := l.sets[g]; s != nil {
		return s
	}
	return &Set{grammar: g, rootTypes: map[string]bool{}}
}

// ExampleResult is the outcome of one rule example.
type ExampleResult struct {
	Rule    *Rule
	Grammar syntax.Grammar
	Index   int // 1-based example number
	Err     error
}

// TestExamples runs every example of every rule: each "before" must parse
// cleanly and match, the first match's fix must turn it into "after" exactly,
// "after" must parse without ERROR or MISSING nodes, and each must_not_match
// snippet must not match.
func (l *Library) TestExamples(ctx context.Context) []ExampleResult {
	var out []ExampleResult
	for _, r := range l.rules {
		out = append(out, TestRule(ctx, r)...)
	}
	return out
}

// TestRule runs one rule's examples for every grammar it applies to.
func TestRule(ctx context.Context, r *Rule) []ExampleResult {
	var out []ExampleResult
	if len(r.Examples) == 0 {
		return []ExampleResult{{Rule: r, Err: errors.New("rule has no examples")}}
	}
	for _, g := range syntax.GrammarsFor(r.Language) {
		set, problems := newSet(g, []*Rule{r})
		if len(problems) > 0 {
			out = append(out, ExampleResult{Rule: r, Grammar: g, Err: problems[0].Err})
			continue
		}
		for i, ex := range r.Examples {
			out = append(out, ExampleResult{Rule: r, Grammar: g, Index: i + 1, Err: testExample(ctx, set, ex)})
		}
	}
	return out
}

func testExample(ctx context.Context, set *Set, ex Example) error {
	if ex.Before == "" && len(ex.MustNotMatch) == 0 {
		return errors.New("example has neither before nor must_not_match")
	}
	if ex.Before != "" {
		got, err := ApplyFirst(ctx, set, []byte(ex.Before))
		if err != nil {
			return err
		}
		if string(got) != ex.After {
			return fmt.Errorf("fix of before gave:\n%s\nwant:\n%s", got, ex.After)
		}
		at, err := syntax.Parse(ctx, set.grammar, got)
		if err != nil {
			return err
		}
		bad := syntax.HasErrors(at.Root())
		at.Close()
		if bad {
			return fmt.Errorf("after has syntax errors:\n%s", got)
		}
	}
	for i, neg := range ex.MustNotMatch {
		t, err := syntax.Parse(ctx, set.grammar, []byte(neg))
		if err != nil {
			return err
		}
		n := 0
		set.MatchRange(t, []byte(neg), 0, len(neg), func(Match) { n++ })
		t.Close()
		if n > 0 {
			return fmt.Errorf("must_not_match %d matched:\n%s", i+1, neg)
		}
	}
	return nil
}

// ApplyFirst parses src, finds the first match of set and returns src with
// its fix applied. It fails if src has syntax errors or nothing matches.
func ApplyFirst(ctx context.Context, set *Set, src []byte) ([]byte, error) {
	t, err := syntax.Parse(ctx, set.grammar, src)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	if syntax.HasErrors(t.Root()) {
		return nil, fmt.Errorf("before has syntax errors:\n%s", src)
	}
	ms := NewIndex(set, t, src).Matches(t, src)
	if len(ms) == 0 {
		return nil, fmt.Errorf("before does not match:\n%s", src)
	}
	edits, err := Fix(ms[0], t, src)
	if err != nil {
		return nil, err
	}
	return Apply(src, edits), nil
}
