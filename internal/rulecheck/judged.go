package rulecheck

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Verdicts a reviewer gives a suggestion (the checklist is in the rules
// package documentation and README's "Judging suggestions").
const (
	Welcome       = "welcome"
	Nitpick       = "nitpick"
	FalsePositive = "false-positive"
	Harmful       = "harmful"
)

// Verdicts lists the verdicts in the checklist's order.
var Verdicts = []string{Welcome, Nitpick, FalsePositive, Harmful}

// Judged is one judged suggestion: where it is, what it does, and the
// verdict with its reason.
type Judged struct {
	// Shown is "automatic" (the lightbulb shows it with the base policy)
	// or "menu" (only an explicitly opened menu lists it).
	Shown   string `toml:"shown"`
	Rule    string `toml:"rule"`
	Package string `toml:"package"`
	File    string `toml:"file"`
	Line    int    `toml:"line"`
	Before  string `toml:"before"`
	After   string `toml:"after"`
	Verdict string `toml:"verdict"`
	Reason  string `toml:"reason"`
}

// key identifies a suggestion across runs: its rule, place and rewrite
// (not its line, which moves when nothing about the suggestion changed).
func (j Judged) key() string {
	return j.Rule + "\x00" + j.Package + "\x00" + j.File + "\x00" + j.Before + "\x00" + j.After
}

// Sample is one language's judged sample.
type Sample struct {
	Language string `toml:"language"`
	Seed     int64  `toml:"seed"`
	Drawn    string `toml:"drawn"` // from what: the run's packages and size
	// Available is how many suggestions of the language the run offered
	// (automatic and menu-only): a sample takes all of them when there
	// are fewer than it asks for.
	Available int      `toml:"available"`
	Items     []Judged `toml:"suggestion"`
}

// SampleSize is the fewest judged suggestions per language issue 21 asks
// for.
const SampleSize = 40

// excerptBytes bounds the before and after texts kept with a judgement:
// enough to recognise the suggestion, not a copy of the package.
const excerptBytes = 160

func excerpt(s string) string { return clip(strings.TrimSpace(s), excerptBytes) }

// SamplePath is the judged sample file of a language in dir.
func SamplePath(dir, language string) string { return filepath.Join(dir, language+".toml") }

// LoadSample reads a judged sample; a missing file is an empty sample.
func LoadSample(dir, language string) (*Sample, error) {
	s := &Sample{Language: language}
	b, err := os.ReadFile(SamplePath(dir, language))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	md, err := toml.Decode(string(b), s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SamplePath(dir, language), err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown keys %v", SamplePath(dir, language), u)
	}
	return s, nil
}

// Elsewhere indexes the verdicts that judged files other than dir's own
// samples hold: the round files under dir's subdirectories
// (judged/round7/python.toml, judged/round10/python-sample.toml), which
// keep verdicts a redrawn sample no longer holds. It maps a suggestion's
// Site (its rule, whose id names the language, package, file and line) to
// the first such file, relative to dir, that judges it. A sample's draw
// may drop a verdict only when it is kept there: the priors count every
// verdict.
func Elsewhere(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Dir(path) == filepath.Clean(dir) || filepath.Ext(path) != ".toml" {
			return nil
		}
		var s Sample
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := toml.Decode(string(b), &s); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		for _, j := range s.Items {
			if k := j.Site(); j.Verdict != "" && out[k] == "" {
				out[k] = filepath.ToSlash(rel)
			}
		}
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	return out, err
}

// offerJudged is an offer as a sample records it, not yet judged.
func offerJudged(o *Offer) Judged {
	return Judged{Rule: o.Rule, Package: o.Package, File: o.File, Line: o.Line, Before: excerpt(o.Before), After: excerpt(o.After)}
}

// Site identifies a judged suggestion by its rule and place, line
// included: what Elsewhere's map is keyed by.
func (j Judged) Site() string {
	return j.Rule + "\x00" + j.Package + "\x00" + j.File + "\x00" + strconv.Itoa(j.Line)
}

// Shown values.
const (
	ShownAutomatic = "automatic"
	ShownMenu      = "menu"
)

// packagesOf is how many of the run's packages have files of language (all
// of them for a report written before it counted them per language).
func (r *Result) packagesOf(language string) int {
	if r.PackagesOf == nil {
		return len(r.Packages)
	}
	return r.PackagesOf[language]
}

// Draw draws a seeded sample of n suggestions of a language from a run:
// the automatic ones first (a seeded n of them, or all when there are
// fewer), then, to make up n, a seeded sample of those only an opened menu
// lists (below the threshold, unsafe, or whole-file source actions), whose
// verdicts say whether keeping them out of the lightbulb was right. It
// carries over the verdicts of the suggestions old already judged.
func Draw(r *Result, language string, seed int64, n int, old *Sample) *Sample {
	var auto, menu []*Offer
	for _, o := range r.Offers {
		switch {
		case o.Language != language:
		case o.Automatic:
			auto = append(auto, o)
		default:
			menu = append(menu, o)
		}
	}
	h := fnv.New64a()
	h.Write([]byte(language))
	rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	pick := func(pool []*Offer, k int) []*Offer {
		sortOffers(pool)
		rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		return pool[:min(k, len(pool))]
	}
	auto = pick(auto, n)
	menu = pick(menu, n-len(auto))
	// A verdict follows its suggestion: the same rule, place and rewrite
	// on the same line, or, when the line moved, the one suggestion of the
	// old sample with that rule, place and rewrite (two identical rewrites
	// in one file are told apart by their lines only). It has moved only
	// if the run no longer offers that rewrite at its old line; otherwise
	// it is still there, and the suggestion drawn is another one.
	verdicts := map[string][]Judged{}
	if old != nil {
		for _, j := range old.Items {
			verdicts[j.key()] = append(verdicts[j.key()], j)
		}
	}
	offered := map[string]bool{}
	for _, o := range r.Offers {
		if o.Language == language {
			offered[offerJudged(o).Site()] = true
		}
	}
	carry := func(j *Judged) {
		cands := verdicts[j.key()]
		for _, c := range cands {
			if c.Line == j.Line {
				j.Verdict, j.Reason = c.Verdict, c.Reason
				return
			}
		}
		if len(cands) == 1 && !offered[cands[0].Site()] {
			j.Verdict, j.Reason = cands[0].Verdict, cands[0].Reason
		}
	}
	s := &Sample{Language: language, Seed: seed, Available: countShown(r, language, true) + countShown(r, language, false),
		Drawn: fmt.Sprintf("%d of %d automatic and %d of %d menu-only suggestions in %d lines of %s (%d packages)",
			len(auto), countShown(r, language, true), len(menu), countShown(r, language, false), r.Lines[language], language, r.packagesOf(language))}
	for _, group := range []struct {
		shown  string
		offers []*Offer
	}{{ShownAutomatic, auto}, {ShownMenu, menu}} {
		sortOffers(group.offers)
		for _, o := range group.offers {
			j := offerJudged(o)
			j.Shown = group.shown
			carry(&j)
			s.Items = append(s.Items, j)
		}
	}
	return s
}

// Dropped returns the judged suggestions of old whose verdict a new draw
// does not hold: they are no longer offered, or the draw, whose order
// follows the whole pool, left them out. Writing the new draw over old
// would lose those judgements.
func Dropped(old, drawn *Sample) []Judged {
	type held struct{ key, verdict, reason string }
	have := map[held]int{}
	for _, j := range drawn.Items {
		if j.Verdict != "" {
			have[held{j.key(), j.Verdict, j.Reason}]++
		}
	}
	var out []Judged
	for _, j := range old.Items {
		if j.Verdict == "" {
			continue
		}
		if h := (held{j.key(), j.Verdict, j.Reason}); have[h] > 0 {
			have[h]--
			continue
		}
		out = append(out, j)
	}
	return out
}

func countShown(r *Result, language string, automatic bool) int {
	n := 0
	for _, o := range r.Offers {
		if o.Language == language && o.Automatic == automatic {
			n++
		}
	}
	return n
}

// Save writes the sample, with a header saying what it is.
func (s *Sample) Save(dir string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Judged sample of SyntX's suggestions on real %s code (issue 21): the\n", s.Language)
	b.WriteString("# suggestions the lightbulb shows with the base policy (shown = \"automatic\"),\n")
	b.WriteString("# then, to make up the sample, ones only an opened menu lists (\"menu\").\n")
	b.WriteString("# Drawn by `go run ./cmd/rulecheck sample` from a `make check-rules-real` run;\n")
	b.WriteString("# verdicts by a senior reviewer, one line of reason each: welcome, nitpick,\n")
	b.WriteString("# false-positive or harmful (the checklist is in README.md, \"Judging\n")
	b.WriteString("# suggestions\"). Disagree by editing a verdict and saying why.\n\n")
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(s); err != nil {
		return err
	}
	return writeFileAtomic(SamplePath(dir, s.Language), b.Bytes())
}

// Tally counts the verdicts of a sample's suggestions shown as shown ("":
// all of them); the verdict "" counts the unjudged.
func (s *Sample) Tally(shown string) map[string]int {
	t := map[string]int{}
	for _, j := range s.Items {
		if shown == "" || j.Shown == shown {
			t[j.Verdict]++
		}
	}
	return t
}

// Check validates a judged sample against issue 21's targets: at least min
// suggestions (or all that were available), every one judged with a known
// verdict and a reason, and,
// among the automatic ones, at most one harmful and at least as many
// welcome as nitpicks.
func (s *Sample) Check(min int) error {
	var errs []error
	if want := min; len(s.Items) < want && (s.Available == 0 || len(s.Items) < s.Available) {
		errs = append(errs, fmt.Errorf("%s: %d judged suggestions, want at least %d", s.Language, len(s.Items), want))
	}
	for _, j := range s.Items {
		known := false
		for _, v := range Verdicts {
			known = known || j.Verdict == v
		}
		switch {
		case !known:
			errs = append(errs, fmt.Errorf("%s: %s %s:%d: verdict %q is not one of %s", s.Language, j.Rule, j.File, j.Line, j.Verdict, strings.Join(Verdicts, ", ")))
		case strings.TrimSpace(j.Reason) == "":
			errs = append(errs, fmt.Errorf("%s: %s %s:%d: no reason for %q", s.Language, j.Rule, j.File, j.Line, j.Verdict))
		case j.Shown != ShownAutomatic && j.Shown != ShownMenu:
			errs = append(errs, fmt.Errorf("%s: %s %s:%d: shown %q is not %s or %s", s.Language, j.Rule, j.File, j.Line, j.Shown, ShownAutomatic, ShownMenu))
		}
	}
	t := s.Tally(ShownAutomatic)
	if t[Harmful] > 1 {
		errs = append(errs, fmt.Errorf("%s: %d harmful automatic suggestions, want at most 1", s.Language, t[Harmful]))
	}
	if t[Welcome] < t[Nitpick] {
		errs = append(errs, fmt.Errorf("%s: %d welcome < %d nitpicks among the automatic suggestions", s.Language, t[Welcome], t[Nitpick]))
	}
	return errors.Join(errs...)
}

// Stale lists the judged suggestions that the run no longer offers the way
// they were judged (automatic, or in the menu only).
func (s *Sample) Stale(r *Result) []Judged {
	live := map[string]bool{}
	for _, o := range r.Offers {
		if o.Language != s.Language {
			continue
		}
		shown := ShownMenu
		if o.Automatic {
			shown = ShownAutomatic
		}
		live[shown+"\x00"+offerJudged(o).key()] = true
	}
	var out []Judged
	for _, j := range s.Items {
		if !live[j.Shown+"\x00"+j.key()] {
			out = append(out, j)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Rule < out[k].Rule })
	return out
}
