package rulecheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

// Options configure a run.
type Options struct {
	// Corpus is the opened real-code corpus.
	Corpus *realcorpus.Corpus
	// CI limits the run to the packages of the CI subset (ci = true).
	CI bool
	// Packages, when not empty, limits the run to these pool packages.
	Packages []string
	// Binary is the syntx executable whose server offers the suggestions
	// (`syntx serve`); it must embed the same rules as this build.
	Binary string
	// Workers is how many packages are checked at once (2 if 0).
	Workers int
	// CacheDir holds checker results keyed by what they depend on; ""
	// disables the cache.
	CacheDir string
	// Log receives progress (slog to stderr by default).
	Log *slog.Logger
}

// Language is a rule language: go, python, javascript or typescript (which
// covers .tsx).
func Language(g syntax.Grammar) string {
	if g == syntax.TSX {
		return string(syntax.TypeScript)
	}
	return string(g)
}

// Edit replaces the bytes [Start, End) of a file with Text.
type Edit struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Offer is one fix the server offers, and what became of it.
type Offer struct {
	Rule     string `json:"rule"`
	Category string `json:"category,omitempty"`
	Title    string `json:"title"`
	Kind     string `json:"kind"`
	Language string `json:"language"`
	Package  string `json:"package"`
	Purpose  string `json:"purpose"`
	Role     string `json:"role"`
	File     string `json:"file"` // relative to its source's root
	Line     int    `json:"line"` // 1-based line of the site
	// Site is the site's byte span, Edits the fix (byte offsets in the
	// unmodified file), Before and After the text the fix rewrites and
	// what it becomes.
	Site   [2]int  `json:"site"`
	Edits  []Edit  `json:"edits"`
	Before string  `json:"before"`
	After  string  `json:"after"`
	Score  float64 `json:"score"`
	// Automatic: the server shows it on an automatic trigger (the
	// lightbulb) with its default settings and the base policy.
	Automatic bool `json:"automatic"`
	// Source: a source.* action (a migration of the whole file).
	Source bool `json:"source,omitempty"`
	// PerSiteSetting: offered only with suggestions.migration_sites on (a
	// migration rule's site, one by one).
	PerSiteSetting bool `json:"per_site_setting,omitempty"`
	// Breaks are the diagnostics the checker reports after the fix and not
	// before; Error says why the fix could not be checked.
	Breaks []Diag  `json:"breaks,omitempty"`
	Error  string  `json:"error,omitempty"`
	Cached bool    `json:"-"`
	Secs   float64 `json:"-"`

	path string // absolute
}

// Result is a run's outcome.
type Result struct {
	Started  time.Time      `json:"started"`
	Seconds  float64        `json:"seconds"`
	CI       bool           `json:"ci"`
	Packages []string       `json:"packages"`
	Files    map[string]int `json:"files"` // language -> files
	Lines    map[string]int `json:"lines"` // language -> lines
	// PackagesOf counts, per language, the packages with files of it.
	PackagesOf map[string]int      `json:"packages_of"`
	Offers     []*Offer            `json:"offers"`
	Rules      map[string]RuleInfo `json:"rules"` // every rule of the library, by id
	// Timing: seconds spent collecting offers and checking, summed over
	// workers, and how many checks the cache answered.
	OfferSeconds float64 `json:"offer_seconds"`
	CheckSeconds float64 `json:"check_seconds"`
	Checks       int     `json:"checks"`
	CachedChecks int     `json:"cached_checks"`
}

// RuleInfo is what the report says about a rule besides its offers.
type RuleInfo struct {
	Language string  `json:"language"`
	Category string  `json:"category"`
	Prior    float64 `json:"prior"`
}

// job is one pool package: its files, offered and checked by one worker.
type job struct {
	pkg   string
	files []realcorpus.File
	lines int
}

// count records the run's packages and their files and lines per language.
func (res *Result) count(jobs []job) {
	for _, j := range jobs {
		res.Packages = append(res.Packages, j.pkg)
		langs := map[string]bool{}
		for _, f := range j.files {
			l := Language(f.Language)
			res.Files[l]++
			res.Lines[l] += f.Lines
			langs[l] = true
		}
		for l := range langs {
			res.PackagesOf[l]++
		}
	}
	sort.Strings(res.Packages)
}

// Run collects every fix the server offers on the selected packages,
// applies each alone and runs the language's checker, in parallel over
// packages.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if opts.Corpus == nil {
		return nil, errors.New("rulecheck: no corpus")
	}
	lib, err := loadRules(ctx, opts.Binary)
	if err != nil {
		return nil, err
	}
	res := &Result{Started: time.Now(), CI: opts.CI, Files: map[string]int{}, Lines: map[string]int{}, PackagesOf: map[string]int{}, Rules: map[string]RuleInfo{}}
	for _, r := range lib.Rules() {
		res.Rules[r.ID] = RuleInfo{Language: r.Language, Category: r.Category, Prior: r.Prior}
	}
	jobs, err := selectJobs(opts)
	if err != nil {
		return nil, err
	}
	res.count(jobs)
	cache := newCache(opts.CacheDir)
	tools := opts.Corpus.Tools()
	// The largest packages first, so that two workers finish together.
	sort.SliceStable(jobs, func(i, k int) bool { return jobs[i].cost() > jobs[k].cost() })
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan job)
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				st, err := runJob(ctx, opts, lib, cache, tools, j)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", j.pkg, err))
				}
				res.Offers = append(res.Offers, st.offers...)
				res.OfferSeconds += st.offerSecs
				res.CheckSeconds += st.checkSecs
				res.Checks += st.checks
				res.CachedChecks += st.cached
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	sortOffers(res.Offers)
	res.Seconds = time.Since(res.Started).Seconds()
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return res, errors.Join(errs...)
}

func (j job) cost() int {
	w := 1
	switch Language(j.files[0].Language) {
	case "typescript":
		w = 4 // a type checker warming up on the whole project
	case "javascript":
		w = 2
	}
	return j.lines * w
}

// selectJobs lists the selected pool packages with their files.
func selectJobs(opts Options) ([]job, error) {
	want := map[string]bool{}
	for _, p := range opts.Packages {
		want[p] = true
	}
	ci := map[string]bool{}
	known := map[string]bool{}
	for _, k := range opts.Corpus.Pins().Packages {
		known[k.ID] = true
		if k.CI {
			ci[k.ID] = true
		}
	}
	for p := range want {
		if !known[p] {
			return nil, fmt.Errorf("rulecheck: no pool package %q", p)
		}
	}
	byPkg := map[string]*job{}
	var order []string
	for _, f := range opts.Corpus.Files(realcorpus.Filter{}) {
		if (len(want) > 0 && !want[f.Package]) || (opts.CI && !ci[f.Package]) {
			continue
		}
		j := byPkg[f.Package]
		if j == nil {
			j = &job{pkg: f.Package}
			byPkg[f.Package] = j
			order = append(order, f.Package)
		}
		j.files = append(j.files, f)
		j.lines += f.Lines
	}
	if len(order) == 0 {
		return nil, errors.New("rulecheck: no fetched package selected (run `make realcorpus` or `make realcorpus-ci`)")
	}
	for p := range want {
		if byPkg[p] == nil {
			return nil, fmt.Errorf("rulecheck: package %q is not fetched", p)
		}
	}
	out := make([]job, 0, len(order))
	for _, p := range order {
		out = append(out, *byPkg[p])
	}
	return out, nil
}

type jobStats struct {
	offers               []*Offer
	offerSecs, checkSecs float64
	checks, cached       int
}

// runJob offers and checks one package.
func runJob(ctx context.Context, opts Options, lib *library, cache *cache, tools realcorpus.Tools, j job) (jobStats, error) {
	var st jobStats
	t0 := time.Now()
	offers, err := collectOffers(ctx, opts.Binary, opts.Corpus, lib, j)
	st.offerSecs = time.Since(t0).Seconds()
	if err != nil {
		return st, fmt.Errorf("offers: %w", err)
	}
	st.offers = offers
	opts.Log.Info("offers", "package", j.pkg, "files", len(j.files), "lines", j.lines, "offers", len(offers), "seconds", round(st.offerSecs))
	if len(offers) == 0 {
		return st, nil
	}
	t1 := time.Now()
	ck, err := newChecker(ctx, opts.Corpus, tools, j)
	if err != nil {
		return st, err
	}
	defer ck.close()
	var errs []error
	for i, o := range offers {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		f := fileOf(j, o)
		src, err := os.ReadFile(o.path)
		if err != nil {
			return st, err
		}
		fixed := applyEdits(src, o.Edits)
		key := cache.key(ck.version(), f.Package, f.Rel, string(src), string(fixed))
		start := time.Now()
		var breaks []Diag
		if c, ok := cache.get(key); ok {
			breaks, o.Cached = c, true
			st.cached++
		} else {
			breaks, err = ck.check(ctx, f, src, fixed, o.Edits)
			if err != nil {
				o.Error = err.Error()
				errs = append(errs, fmt.Errorf("%s:%d %s: %w", o.File, o.Line, o.Rule, err))
				continue
			}
			cache.put(key, breaks)
		}
		o.Breaks = breaks
		o.Secs = time.Since(start).Seconds()
		if o.Secs > 20 {
			opts.Log.Info("slow check", "package", j.pkg, "file", o.File, "line", o.Line, "rule", o.Rule, "seconds", round(o.Secs))
		}
		st.checks++
		if (i+1)%50 == 0 {
			opts.Log.Info("checking", "package", j.pkg, "done", i+1, "of", len(offers))
		}
	}
	st.checkSecs = time.Since(t1).Seconds()
	opts.Log.Info("checked", "package", j.pkg, "offers", len(offers), "cached", st.cached, "seconds", round(st.checkSecs))
	return st, errors.Join(errs...)
}

func fileOf(j job, o *Offer) realcorpus.File {
	for _, f := range j.files {
		if f.Path == o.path {
			return f
		}
	}
	panic("rulecheck: offer for a file outside its job") // collectOffers only offers the job's files
}

func round(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

// applyEdits applies sorted, non-overlapping edits to src.
func applyEdits(src []byte, edits []Edit) []byte {
	out := make([]byte, 0, len(src))
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Start]...)
		out = append(out, e.Text...)
		last = e.End
	}
	return append(out, src[last:]...)
}

func sortOffers(offers []*Offer) {
	sort.SliceStable(offers, func(i, k int) bool {
		a, b := offers[i], offers[k]
		if a.Language != b.Language {
			return a.Language < b.Language
		}
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Site[0] != b.Site[0] {
			return a.Site[0] < b.Site[0]
		}
		return a.Rule < b.Rule
	})
}

// writeFileAtomic writes data to path the way SyntX writes files
// (internal/atomicfile: a temporary file, fsync, rename), readable by
// everyone: reports, judged samples and cache entries hold no personal
// data.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.MkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	return atomicfile.WriteMode(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
