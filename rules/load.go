package rules

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/safeio"
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
	rules []*Rule
	byID  map[string]*Rule
	sets  map[syntax.Grammar]*Set
	// views holds each set's Sites and Migrations views.
	views    map[syntax.Grammar][2]*Set
	Problems []Problem
}

// Origin says who wrote a source's rules, which decides what they may do.
type Origin int

const (
	// OriginBuiltin rules are embedded in the binary.
	OriginBuiltin Origin = iota
	// OriginUser rules are the user's own ($XDG_CONFIG_HOME/syntx/rules, or a
	// directory named on the command line): they may replace a built-in
	// rule.
	OriginUser
	// OriginWorkspace rules come from a workspace folder the user trusts (or, in
	// `syntx review`, from the base revision): they may add rules, never
	// redefine a built-in or user rule, and their actions say where they
	// come from.
	OriginWorkspace
)

func (o Origin) String() string {
	switch o {
	case OriginUser:
		return "user"
	case OriginWorkspace:
		return "workspace"
	}
	return "builtin"
}

// Source is a set of rule files: the embedded ones (FS), a directory to read
// (Dir), or files already read (Files).
type Source struct {
	Name   string // shown in problems: "builtin", or the directory
	Origin Origin
	FS     fs.FS         // a tree of rule files (the embedded ones)
	Dir    string        // a directory, read through safeio
	Files  []safeio.File // files already read
	// Path, when set, names a file of Files for problems and for the
	// rules' Source (a workspace shows paths relative to itself, or with
	// the revision they were read from); nil uses Name/file.
	Path func(name string) string
}

// Dir is a Source for a directory of the user's; a missing directory is
// empty. Its files are read through safeio: regular files, no symbolic link
// out of the directory, within config.RuleLimits.
func Dir(dir string) Source { return Source{Name: dir, Origin: OriginUser, Dir: dir} }

// ForWorkspace returns the rule sources for a workspace, in the order they
// load: the built-in rules, the user's ($XDG_CONFIG_HOME/syntx/rules), and
// the workspace's .syntx/rules when ws is trusted (the files as read into
// ws, so what was hashed for the trust decision is what loads). ws may be
// nil (no workspace folder). Every command and the server build their
// sources here.
func ForWorkspace(ws *config.Workspace) []Source {
	sources := []Source{{Name: "builtin", Origin: OriginBuiltin, FS: Builtin()}}
	if d := config.UserRulesDir(); d != "" {
		sources = append(sources, Dir(d))
	}
	if ws != nil && ws.Trusted && len(ws.Rules) > 0 {
		sources = append(sources, Source{
			Name:   ws.RulePath(""),
			Origin: OriginWorkspace,
			Files:  ws.Rules,
			Path:   ws.RulePath,
		})
	}
	return sources
}

// Load reads rule files (*.toml, recursively) from each source in order.
// A user rule replaces an earlier rule with the same id; a workspace rule
// whose id is already taken is refused, with a problem naming both files.
func Load(sources ...Source) *Library {
	l := &Library{byID: map[string]*Rule{}, sets: map[syntax.Grammar]*Set{}, views: map[syntax.Grammar][2]*Set{}}
	for _, src := range sources {
		switch {
		case src.FS != nil:
			l.loadFS(src)
		case src.Dir != "":
			l.loadDir(src)
		default:
			for _, f := range src.Files {
				l.loadFile(src, f.Name, f.Data)
			}
		}
	}
	l.rules = l.rules[:0]
	for _, r := range l.byID {
		l.rules = append(l.rules, r)
	}
	sort.Slice(l.rules, func(i, j int) bool { return l.rules[i].ID < l.rules[j].ID })
	l.buildSets()
	return l
}

// loadFS loads the *.toml files of src.FS (the built-in rules); a missing
// root is no rules, not a problem.
func (l *Library) loadFS(src Source) {
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
		data, err := fs.ReadFile(src.FS, p)
		if err != nil {
			l.Problems = append(l.Problems, Problem{Source: src.file(p), Err: err})
			return nil
		}
		l.loadFile(src, p, data)
		return nil
	})
	if err != nil {
		l.Problems = append(l.Problems, Problem{Source: src.Name, Err: err})
	}
}

// loadDir loads the *.toml files of src.Dir through safeio (within
// config.RuleLimits); a missing directory is no rules, not a problem.
func (l *Library) loadDir(src Source) {
	d, err := safeio.OpenDir(src.Dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.Problems = append(l.Problems, Problem{Source: src.Dir, Err: err})
		}
		return
	}
	files, problems := d.Walk(".toml", config.RuleLimits)
	d.Close()
	for _, p := range problems {
		l.Problems = append(l.Problems, Problem{Source: src.file(p.Name), Err: errors.New(strings.TrimPrefix(p.Error(), filepath.Join(src.Dir, filepath.FromSlash(p.Name))+": "))})
	}
	for _, f := range files {
		l.loadFile(src, f.Name, f.Data)
	}
}

// buildSets compiles one combined query per grammar from l.rules, in
// parallel: compiling is most of what loading costs (TypeScript's tables
// are large). A problem several grammars report is kept once.
func (l *Library) buildSets() {
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
		l.views[g] = [2]*Set{results[i].set.part(sitesOnly), results[i].set.part(migrationsOnly)}
		for _, p := range results[i].problems {
			if key := p.String(); !seen[key] {
				seen[key] = true
				l.Problems = append(l.Problems, p)
			}
		}
	}
}

// file names a file of src as rules and problems show it.
func (src Source) file(p string) string {
	switch {
	case src.Path != nil:
		return src.Path(p)
	case src.FS != nil && src.Origin == OriginBuiltin:
		return src.Name + ":" + p
	}
	return filepath.Join(src.Name, filepath.FromSlash(p))
}

// Limits on one rule file, checked before its rules are compiled: a rule
// file is data anybody can write, and compiling a query costs time in
// proportion to its patterns.
const (
	maxRulesPerFile = 200
	maxQueryBytes   = 64 << 10
	maxTemplateLen  = 64 << 10
	maxExamples     = 50
)

func (l *Library) loadFile(src Source, p string, data []byte) {
	name := src.file(p)
	if len(data) > config.MaxRuleFileBytes {
		l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf("rule file larger than %d bytes", config.MaxRuleFileBytes)})
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
	if len(file.Rule) > maxRulesPerFile {
		l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf("%d rules in one file; at most %d", len(file.Rule), maxRulesPerFile)})
		return
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	seen := map[string]bool{}
	for _, s := range file.Rule {
		if seen[s.ID] {
			l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf("rule %s defined twice", s.ID)})
			continue
		}
		seen[s.ID] = true
		if err := s.checkSizes(); err != nil {
			l.Problems = append(l.Problems, Problem{Source: name, Err: err})
			continue
		}
		if old := l.byID[s.ID]; old != nil && src.Origin == OriginWorkspace {
			l.Problems = append(l.Problems, Problem{Source: name, Err: fmt.Errorf(
				"rule %s is already defined by %s (%s): a workspace rule may not redefine a built-in or user rule; skipped", s.ID, old.Source, old.Origin)})
			continue
		}
		r, err := compile(s, name)
		if err != nil {
			l.Problems = append(l.Problems, Problem{Source: name, Err: err})
			continue
		}
		r.Origin, r.SHA256, r.File = src.Origin, hash, p
		l.byID[r.ID] = r
	}
}

// checkSizes bounds a spec's query, templates and examples.
func (s *Spec) checkSizes() error {
	if len(s.Query) > maxQueryBytes {
		return fmt.Errorf("rule %s: query of %d bytes; at most %d", s.ID, len(s.Query), maxQueryBytes)
	}
	n := 0
	if s.Fix != nil {
		n += len(*s.Fix)
	}
	for _, e := range s.Edits {
		n += len(e.Text)
	}
	if n > maxTemplateLen {
		return fmt.Errorf("rule %s: fix templates of %d bytes; at most %d", s.ID, n, maxTemplateLen)
	}
	if len(s.Examples) > maxExamples {
		return fmt.Errorf("rule %s: %d examples; at most %d", s.ID, len(s.Examples), maxExamples)
	}
	return nil
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

// Sites returns the rules of grammar g offered site by site (every rule
// but the migrations), and Migrations its migration rules (Rule.Migration:
// offered as one source action per file, site by site only when the user
// asks). Both are views of Set(g), sharing its compiled queries, that
// evaluate only their own rules' matches: a document's index of Sites is
// matched on every keystroke, and one of Migrations, whose rules match at
// most declarations of a file, only when asked for.
func (l *Library) Sites(g syntax.Grammar) *Set {
	if v, ok := l.views[g]; ok {
		return v[0]
	}
	return l.Set(g).part(sitesOnly)
}

// Migrations: see Sites.
func (l *Library) Migrations(g syntax.Grammar) *Set {
	if v, ok := l.views[g]; ok {
		return v[1]
	}
	return l.Set(g).part(migrationsOnly)
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
	if ex.Safety != "" && ex.Safety != Safe && ex.Safety != Unsafe {
		return fmt.Errorf("example safety %q must be safe or unsafe", ex.Safety)
	}
	if ex.Before != "" {
		got, unsafe, err := applyFirst(ctx, set, []byte(ex.Before))
		if err != nil {
			return err
		}
		if ex.Safety != "" && unsafe != (ex.Safety == Unsafe) {
			return fmt.Errorf("the match in before is %s, want %s", safetyName(unsafe), ex.Safety)
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
		text := syntax.NewText([]byte(neg))
		var all []Match
		set.MatchRange(t, text, 0, len(neg), func(m Match) { all = append(all, m) })
		n := len(offeredIn(set, t, text, all))
		t.Close()
		if n > 0 {
			return fmt.Errorf("must_not_match %d matched:\n%s", i+1, neg)
		}
	}
	return nil
}

// offeredIn keeps the matches a document without a path would offer, its
// project's target aside (an example declares none): those the document
// allows (DocTarget.allowsHere).
func offeredIn(set *Set, t *syntax.Tree, text *syntax.Text, ms []Match) []Match {
	doc := Target{}.Doc(t, text, func() ([]Match, bool) { return ms, true })
	var out []Match
	for _, m := range ms {
		if ok, _ := doc.allowsHere(m, set.grammar); ok {
			out = append(out, m)
		}
	}
	return out
}

// ApplyFirst parses src, finds the first match of set and returns src with
// its fix applied. It fails if src has syntax errors or nothing matches.
func ApplyFirst(ctx context.Context, set *Set, src []byte) ([]byte, error) {
	out, _, err := applyFirst(ctx, set, src)
	return out, err
}

func applyFirst(ctx context.Context, set *Set, src []byte) ([]byte, bool, error) {
	t, err := syntax.Parse(ctx, set.grammar, src)
	if err != nil {
		return nil, false, err
	}
	defer t.Close()
	if syntax.HasErrors(t.Root()) {
		return nil, false, fmt.Errorf("before has syntax errors:\n%s", src)
	}
	text := syntax.NewText(src)
	ms := offeredIn(set, t, text, NewIndex(set, t, text).Matches(t, text))
	if len(ms) == 0 {
		return nil, false, fmt.Errorf("before does not match:\n%s", src)
	}
	edits, err := Fix(ms[0], t, src)
	if err != nil {
		return nil, false, err
	}
	return Apply(src, edits), ms[0].Unsafe, nil
}

func safetyName(unsafe bool) string {
	if unsafe {
		return Unsafe
	}
	return Safe
}
