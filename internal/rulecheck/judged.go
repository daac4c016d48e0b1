package rulecheck

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
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
	Language string   `toml:"language"`
	Seed     int64    `toml:"seed"`
	Drawn    string   `toml:"drawn"` // from what: the run's packages and size
	Items    []Judged `toml:"suggestion"`
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

// Draw draws a seeded sample of n automatic suggestions of a language from
// a run (all of them when there are fewer) and carries over the verdicts
// of the suggestions old already judged.
func Draw(r *Result, language string, seed int64, n int, old *Sample) *Sample {
	var pool []*Offer
	for _, o := range r.Offers {
		if o.Language == language && o.Automatic {
			pool = append(pool, o)
		}
	}
	sortOffers(pool)
	h := fnv.New64a()
	h.Write([]byte(language))
	rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	rng.Shuffle(len(pool), func(i, k int) { pool[i], pool[k] = pool[k], pool[i] })
	if len(pool) > n {
		pool = pool[:n]
	}
	sortOffers(pool)
	verdicts := map[string]Judged{}
	if old != nil {
		for _, j := range old.Items {
			verdicts[j.key()] = j
		}
	}
	s := &Sample{Language: language, Seed: seed,
		Drawn: fmt.Sprintf("%d of %d automatic suggestions in %d lines of %s (%d packages)", len(pool), countAuto(r, language), r.Lines[language], language, len(r.Packages))}
	for _, o := range pool {
		j := Judged{Rule: o.Rule, Package: o.Package, File: o.File, Line: o.Line, Before: excerpt(o.Before), After: excerpt(o.After)}
		if prev, ok := verdicts[j.key()]; ok {
			j.Verdict, j.Reason = prev.Verdict, prev.Reason
		}
		s.Items = append(s.Items, j)
	}
	return s
}

func countAuto(r *Result, language string) int {
	n := 0
	for _, o := range r.Offers {
		if o.Language == language && o.Automatic {
			n++
		}
	}
	return n
}

// Save writes the sample, with a header saying what it is.
func (s *Sample) Save(dir string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Judged sample of SyntX's automatic suggestions on real %s code (issue 21).\n", s.Language)
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

// Tally counts a sample's verdicts; "" counts the unjudged.
func (s *Sample) Tally() map[string]int {
	t := map[string]int{}
	for _, j := range s.Items {
		t[j.Verdict]++
	}
	return t
}

// Check validates a judged sample against issue 21's targets: at least min
// suggestions, every one judged with a known verdict and a reason, at most
// one harmful, and at least as many welcome as nitpicks.
func (s *Sample) Check(min int) error {
	var errs []error
	if len(s.Items) < min {
		errs = append(errs, fmt.Errorf("%s: %d judged suggestions, want at least %d", s.Language, len(s.Items), min))
	}
	for _, j := range s.Items {
		known := false
		for _, v := range Verdicts {
			known = known || j.Verdict == v
		}
		if !known {
			errs = append(errs, fmt.Errorf("%s: %s %s:%d: verdict %q is not one of %s", s.Language, j.Rule, j.File, j.Line, j.Verdict, strings.Join(Verdicts, ", ")))
		} else if strings.TrimSpace(j.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s: %s %s:%d: no reason for %q", s.Language, j.Rule, j.File, j.Line, j.Verdict))
		}
	}
	t := s.Tally()
	if t[Harmful] > 1 {
		errs = append(errs, fmt.Errorf("%s: %d harmful suggestions, want at most 1", s.Language, t[Harmful]))
	}
	if t[Welcome] < t[Nitpick] {
		errs = append(errs, fmt.Errorf("%s: %d welcome < %d nitpicks", s.Language, t[Welcome], t[Nitpick]))
	}
	return errors.Join(errs...)
}

// Stale lists the judged suggestions that the run no longer shows
// automatically.
func (s *Sample) Stale(r *Result) []Judged {
	live := map[string]bool{}
	for _, o := range r.Offers {
		if o.Language == s.Language && o.Automatic {
			live[Judged{Rule: o.Rule, Package: o.Package, File: o.File, Before: excerpt(o.Before), After: excerpt(o.After)}.key()] = true
		}
	}
	var out []Judged
	for _, j := range s.Items {
		if !live[j.key()] {
			out = append(out, j)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Rule < out[k].Rule })
	return out
}
