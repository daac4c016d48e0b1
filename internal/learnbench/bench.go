package learnbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/syntax"
)

// Config sets up a benchmark.
type Config struct {
	Binary string // the syntx binary
	Corpus string // testdata/corpus
	// Files, when set, are the files to run on instead of Corpus's (the
	// real-code corpus: RealFiles).
	Files       []string
	Personas    []string  // names; empty means all
	Objectives  []string  // kl, dpo, kto
	Noise       []float64 // the probability that the persona errs
	Checkpoints []int     // feedback events after which the ranking is measured
	HeldOut     int       // held-out sites to measure on; 0 for every site of the held-out files
	Seed        uint64
	Log         io.Writer // progress; nil for none
	// Keep, when set, is a directory where each run's data directory is
	// kept (as <persona>-<objective>-<noise>) for inspection with syntx
	// status, audit and report; by default they are removed.
	Keep string
}

// Metrics are measured on held-out sites.
type Metrics struct {
	Events int `json:"events"`
	// PrecisionAt1 is the share of sites where the persona wants something
	// whose top (invoked) action is one it would accept.
	PrecisionAt1 float64 `json:"precision_at_1"`
	// Noise is the share of actions shown on automatic triggers that the
	// persona would reject.
	Noise float64 `json:"noise"`
	// SilenceRecall is the share of sites where the persona wants nothing
	// and nothing is shown on automatic triggers.
	SilenceRecall float64 `json:"silence_recall"`
	// AutoRecall is the share of sites where the persona wants something
	// at which an action it would accept is shown on automatic triggers.
	// Not part of the target, it keeps the noise honest: a policy that
	// shows nothing has no noise, and no recall either.
	AutoRecall float64 `json:"auto_recall"`
	// Wanted is the number of held-out sites where the persona wants
	// something: precision@1 and automatic recall are measured on them,
	// and are undefined (reported as 0) when there are none.
	Wanted int `json:"wanted"`
	// Shown is the number of actions shown on automatic triggers over the
	// held-out sites, Noise's denominator: a noise of 1.00 on one action
	// shown is a single leak.
	Shown         int    `json:"auto_shown"`
	Adapter       string `json:"adapter,omitempty"`
	TrainDecision string `json:"train_decision,omitempty"`
}

// Curve is one run: a persona, an objective and a noise level.
type Curve struct {
	Persona   string         `json:"persona"`
	Objective string         `json:"objective"`
	Noise     float64        `json:"noise"`
	Points    []Metrics      `json:"points"`
	Oracle    Metrics        `json:"oracle"`
	Actions   map[string]int `json:"actions"` // feedback actions taken, by kind
}

// Report is the whole benchmark.
type Report struct {
	Seed     uint64  `json:"seed"`
	Sites    int     `json:"sites"`
	Training int     `json:"training_sites"`
	HeldOut  int     `json:"held_out_sites"`
	Curves   []Curve `json:"curves"`
	Seconds  float64 `json:"seconds"`
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// patient returns opts with limits.request_timeout at two minutes: the
// benchmark measures what the servers show and learn, not how fast they
// answer, and on a busy machine a code action on a large real file (the
// real-code corpus) can take longer than the default 2 s, which would fail
// the run.
func patient(opts map[string]any) map[string]any {
	out := map[string]any{"limits": map[string]any{"request_timeout": "2m"}}
	for k, v := range opts {
		out[k] = v
	}
	return out
}

// server is a running `syntx serve`.
type server struct {
	c    *lspclient.Client
	cmd  *exec.Cmd
	home string
}

func startServer(ctx context.Context, binary, home string, opts map[string]any) (*server, error) {
	cmd := exec.CommandContext(ctx, binary, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	cmd.Stderr = io.Discard
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	if _, err := c.Initialize(ctx, home, false, patient(opts)); err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	return &server{c: c, cmd: cmd, home: home}, nil
}

func (s *server) stop(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = s.c.Shutdown(sctx)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// action is a code action with what the benchmark needs from its data.
type action struct {
	a        *protocol.CodeAction
	rule     string
	category string
	score    float64
	site     protocol.Range
}

func actionsOf(acts []*protocol.CodeAction) []action {
	var out []action
	for _, a := range acts {
		if a.Edit == nil {
			continue // the dismiss entry
		}
		var d struct {
			RuleID   string         `json:"ruleId"`
			Category string         `json:"category"`
			Score    float64        `json:"score"`
			Site     protocol.Range `json:"site"`
		}
		_ = json.Unmarshal(a.Data, &d)
		out = append(out, action{a: a, rule: d.RuleID, category: d.Category, score: d.Score, site: d.Site})
	}
	return out
}

// cand describes a shown action with what was discovered about its rule at
// this site: the persona judges a rule by its prior, not by the score the
// policy now gives it.
func (s Site) cand(a action) Cand {
	for _, c := range s.Cands {
		if c.Rule == a.rule {
			return c
		}
	}
	return Cand{Rule: a.rule, Category: a.category, Prior: a.score}
}

func overlaps(a, b protocol.Range) bool {
	before := func(p, q protocol.Position) bool {
		return p.Line < q.Line || (p.Line == q.Line && p.Character <= q.Character)
	}
	return before(a.Start, b.End) && before(b.Start, a.End)
}

// corpusFiles lists the corpus files SyntX parses.
func corpusFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "_") {
			return filepath.SkipDir
		}
		if !d.IsDir() && syntax.Detect("", p) != "" {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func langID(path string) string { return syntax.Detect("", path).LanguageID(path) }

// testName renames a file the way its language names tests.
func testName(path string) string { return syntax.TestFileName(path) }

// discover finds the sites of every file with a throwaway server.
func discover(ctx context.Context, cfg Config, files []string) ([]Site, error) {
	home, err := os.MkdirTemp("", "syntx-learn-discover-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	s, err := startServer(ctx, cfg.Binary, home, nil)
	if err != nil {
		return nil, err
	}
	defer s.stop(ctx)
	priors, err := rulePriors(ctx, cfg.Binary, home)
	if err != nil {
		return nil, err
	}
	var sites []Site
	for i, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		uri := lspclient.FileURI(f)
		if err := s.c.Open(ctx, uri, langID(f), string(src)); err != nil {
			return nil, err
		}
		acts, err := s.c.CodeActions(ctx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked)
		if err != nil {
			return nil, err
		}
		text := syntax.NewText(src)
		// Cluster the actions by overlapping sites.
		as := actionsOf(acts)
		sort.Slice(as, func(i, j int) bool {
			if as[i].site.Start.Line != as[j].site.Start.Line {
				return as[i].site.Start.Line < as[j].site.Start.Line
			}
			return as[i].site.Start.Character < as[j].site.Start.Character
		})
		var cur *Site
		var curRange protocol.Range
		for _, a := range as {
			if cur == nil || !overlaps(curRange, a.site) {
				start, _ := text.Offset(syntax.Position{Line: a.site.Start.Line, Character: a.site.Start.Character}, syntax.UTF16)
				end, _ := text.Offset(syntax.Position{Line: a.site.End.Line, Character: a.site.End.Character}, syntax.UTF16)
				sites = append(sites, Site{File: f, Lang: langID(f), Line: int(a.site.Start.Line), Start: start, End: end})
				cur, curRange = &sites[len(sites)-1], a.site
			}
			prior, ok := priors[a.rule]
			if !ok {
				return nil, fmt.Errorf("rule %s offered but not listed by syntx rules list", a.rule)
			}
			cur.Cands = append(cur.Cands, Cand{Rule: a.rule, Category: a.category, Prior: prior})
		}
		_ = s.c.Notify(ctx, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}})
		if cfg.Log != nil && (i+1)%50 == 0 {
			cfg.logf("  discovered %d sites in %d/%d files", len(sites), i+1, len(files))
		}
	}
	return sites, nil
}

// rulePriors returns every rule's declared prior, from syntx rules list:
// personas judge a rule by the prior its author gave it, not by the score
// the base computes from it (which float rounding moves off round numbers).
func rulePriors(ctx context.Context, binary, home string) (map[string]float64, error) {
	cmd := exec.CommandContext(ctx, binary, "rules", "list", "--json")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("syntx rules list: %w", err)
	}
	var rules []struct {
		ID    string
		Prior float64
	}
	if err := json.Unmarshal(out, &rules); err != nil {
		return nil, fmt.Errorf("syntx rules list: %w", err)
	}
	m := make(map[string]float64, len(rules))
	for _, r := range rules {
		m[r.ID] = r.Prior
	}
	return m, nil
}

// Run plays every persona, objective and noise level.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	t0 := time.Now()
	if len(cfg.Objectives) == 0 {
		cfg.Objectives = []string{"kl"}
	}
	if len(cfg.Noise) == 0 {
		cfg.Noise = []float64{0.1}
	}
	if len(cfg.Checkpoints) == 0 {
		cfg.Checkpoints = []int{0, 10, 20, 30, 50, 100, 200}
	}

	files := append([]string(nil), cfg.Files...)
	sort.Strings(files)
	if len(files) == 0 {
		var err error
		files, err = corpusFiles(cfg.Corpus)
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("learnbench: no corpus files in %s: %v", cfg.Corpus, err)
		}
	}
	cfg.logf("discovering sites in %d files", len(files))
	sites, err := discover(ctx, cfg, files)
	if err != nil {
		return nil, fmt.Errorf("learnbench: discover: %w", err)
	}
	// Split by file: sites of held-out files are never acted on.
	rng := rand.New(rand.NewPCG(cfg.Seed, 17))
	heldFiles := map[string]bool{}
	for _, i := range rng.Perm(len(files))[:len(files)*3/10] {
		heldFiles[files[i]] = true
	}
	var train, held []Site
	for i, s := range sites {
		// Half the sites are opened as test files (for context-dependent taste).
		s.Test = i%2 == 1
		if heldFiles[s.File] {
			held = append(held, s)
		} else {
			train = append(train, s)
		}
	}
	rng.Shuffle(len(held), func(i, j int) { held[i], held[j] = held[j], held[i] })
	if cfg.HeldOut > 0 && len(held) > cfg.HeldOut {
		held = held[:cfg.HeldOut]
	}
	rep := &Report{Seed: cfg.Seed, Sites: len(sites), Training: len(train), HeldOut: len(held)}
	cfg.logf("%d sites: %d for feedback, %d held out", len(sites), len(train), len(held))
	personas := Personas()
	if len(cfg.Personas) > 0 {
		personas = nil
		for _, n := range cfg.Personas {
			p, ok := PersonaByName(n)
			if !ok {
				return nil, fmt.Errorf("learnbench: unknown persona %q", n)
			}
			personas = append(personas, p)
		}
	}
	for _, obj := range cfg.Objectives {
		for _, noise := range cfg.Noise {
			for _, p := range personas {
				cur, err := runCurve(ctx, cfg, p, obj, noise, train, held)
				if err != nil {
					return nil, fmt.Errorf("learnbench: %s/%s/%.1f: %w", p.Name, obj, noise, err)
				}
				rep.Curves = append(rep.Curves, cur)
			}
		}
	}
	rep.Seconds = time.Since(t0).Seconds()
	return rep, nil
}

func serverOptions(p Persona, objective string) map[string]any {
	return map[string]any{
		"persona":  p.Name,
		"personas": map[string]float64{p.Name: 1},
		// Windows short enough for a benchmark; decisions come on save.
		// An unanswered menu is ignored when its document closes (act
		// closes it after every site), never by the clock: a 20 ms window
		// ran out before the persona's choice arrived on a busy machine,
		// and recorded the suggestion it then kept as ignored too.
		"capture": map[string]any{"checkpoints": []string{"15ms", "30ms"}, "ignore_after": "24h"},
		// Training only when the driver asks for it.
		"train": map[string]any{"objective": objective, "idle_delay": "24h", "min_new_preferences": 1000000},
	}
}

func runCurve(ctx context.Context, cfg Config, p Persona, objective string, noise float64, train, held []Site) (Curve, error) {
	home, err := os.MkdirTemp("", "syntx-learn-")
	if err != nil {
		return Curve{}, err
	}
	defer func() {
		if cfg.Keep == "" {
			_ = os.RemoveAll(home)
			return
		}
		dst := filepath.Join(cfg.Keep, fmt.Sprintf("%s-%s-%g", p.Name, objective, noise))
		_ = os.RemoveAll(dst)
		if err := os.MkdirAll(cfg.Keep, 0o700); err == nil {
			if err := os.Rename(home, dst); err != nil {
				cfg.logf("keeping %s: %v", home, err)
			}
		}
	}()
	cur := Curve{Persona: p.Name, Objective: objective, Noise: noise, Actions: map[string]int{}}
	cur.Oracle = oracle(p, held)
	s, err := startServer(ctx, cfg.Binary, home, serverOptions(p, objective))
	if err != nil {
		return cur, err
	}
	defer s.stop(ctx)
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(len(p.Name))*7919+uint64(noise*1000)))
	order := rng.Perm(len(train))
	events, next := 0, 0
	for _, cp := range cfg.Checkpoints {
		for events < cp && next < len(order) {
			kind, err := act(ctx, s, p, train[order[next]], rng, noise, next)
			next++
			if err != nil {
				return cur, err
			}
			if kind != "" {
				cur.Actions[kind]++
				events++
			}
		}
		m := Metrics{Events: events}
		if events > 0 {
			var res struct {
				Decision string `json:"decision"`
				Active   string `json:"active"`
			}
			if err := s.c.Command(ctx, "syntx.retrain", &res); err != nil {
				m.TrainDecision = "failed: " + err.Error()
			} else {
				m.TrainDecision, m.Adapter = res.Decision, res.Active
			}
		}
		em, err := evaluate(ctx, cfg, s.home, p, held)
		if err != nil {
			return cur, err
		}
		m.PrecisionAt1, m.Noise, m.SilenceRecall, m.AutoRecall, m.Wanted, m.Shown = em.PrecisionAt1, em.Noise, em.SilenceRecall, em.AutoRecall, em.Wanted, em.Shown
		cur.Points = append(cur.Points, m)
		cfg.logf("  %-22s %-3s p=%.1f  %3d events  P@1 %.2f (%d wanted)  noise %.2f (%d shown)  silence %.2f  auto recall %.2f  %s %s",
			p.Name, objective, noise, events, m.PrecisionAt1, m.Wanted, m.Noise, m.Shown, m.SilenceRecall, m.AutoRecall, m.TrainDecision, m.Adapter)
	}
	return cur, nil
}

// act plays one feedback event at a site, in a fresh copy of its file.
// It returns the kind of feedback given ("" if the site offered nothing).
func act(ctx context.Context, s *server, p Persona, site Site, rng *rand.Rand, noise float64, n int) (string, error) {
	// A server that stops answering fails the run instead of hanging it.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	src, err := os.ReadFile(site.File)
	if err != nil {
		return "", err
	}
	name := filepath.Join(s.home, "work", fmt.Sprint(n), filepath.Base(site.File))
	if site.Test {
		name = testName(name)
	}
	uri := lspclient.FileURI(name)
	if err := s.c.Open(ctx, uri, site.Lang, string(src)); err != nil {
		return "", err
	}
	defer func() {
		_ = s.c.Notify(ctx, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}})
	}()
	likes := func(a action) bool { return p.Likes(site.cand(a), site) }
	// The editor asks on its own when the cursor reaches the site (an
	// automatic trigger: VS Code's lightbulb). A lightbulb offering what
	// the persona wants is taken from there; one it does not want is
	// passed by, which tells the server nothing.
	auto, err := s.c.CodeActions(ctx, uri, site.Start, site.End, protocol.CodeActionTriggerKindAutomatic)
	if err != nil {
		return "", err
	}
	slip := rng.Float64() < noise
	if !slip {
		for _, a := range actionsOf(auto) {
			if likes(a) {
				kind := "keep"
				if rng.Float64() < p.EditShare {
					kind = "edit"
				}
				return kind, follow(ctx, s, uri, a, kind)
			}
		}
	}
	// Otherwise the persona opens the menu (an explicit invocation).
	acts, err := s.c.CodeActions(ctx, uri, site.Start, site.End, protocol.CodeActionTriggerKindInvoked)
	if err != nil {
		return "", err
	}
	shown := actionsOf(acts)
	var dismiss *protocol.CodeAction
	for _, a := range acts {
		if a.Edit == nil {
			dismiss = a
		}
	}
	if len(shown) == 0 {
		return "", nil
	}
	// The persona's choice: the first liked action in the order shown.
	choice := -1
	for i, a := range shown {
		if likes(a) {
			choice = i
			break
		}
	}
	kind := "keep"
	switch {
	case slip:
		// A mistake: any action, at random.
		kind = []string{"keep", "undo", "dismiss", "ignore"}[rng.IntN(4)]
		choice = rng.IntN(len(shown))
	case choice < 0:
		kind = []string{"undo", "dismiss", "ignore"}[rng.IntN(3)]
		choice = 0
	case rng.Float64() < p.EditShare:
		kind = "edit"
	}
	switch kind {
	case "ignore":
		return kind, nil // closing the document with the menu unanswered
	case "dismiss":
		if dismiss == nil {
			return "", errors.New("invoked menu without a dismiss entry")
		}
		return kind, s.c.Apply(ctx, dismiss)
	}
	return kind, follow(ctx, s, uri, shown[choice], kind)
}

// follow applies a and plays what the persona does next: keep it (save),
// edit it (change a letter of the rewrite, then save) or undo it (the
// editor's undo, as its own minimal edit).
func follow(ctx context.Context, s *server, uri string, a action, kind string) error {
	before := s.c.Doc(uri).Text
	if err := s.c.Apply(ctx, a.a); err != nil {
		return err
	}
	switch kind {
	case "undo":
		return s.c.ReplaceAll(ctx, uri, before)
	case "edit":
		after := s.c.Doc(uri).Text
		if i := firstChange(before, after); i >= 0 && i < len(after) {
			// Change the first letter of the rewrite.
			for j := i; j < len(after); j++ {
				if c := after[j]; c >= 'a' && c <= 'y' {
					if err := s.c.Change(ctx, uri, lspclient.Edit{Start: j, End: j + 1, Text: string(c + 1)}); err != nil {
						return err
					}
					break
				}
			}
		}
	}
	// The save decides the outcome when it comes after the first
	// checkpoint; otherwise closing the document (act's deferred didClose)
	// decides it from the same text. Either way it is decided before the
	// next request, with no wait for a clock.
	return s.c.Notify(ctx, "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}})
}

func firstChange(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// evaluate measures the active policy on held-out sites with a separate
// server whose data directory holds a copy of the active adapter, so that
// measuring records nothing in the persona's data.
func evaluate(ctx context.Context, cfg Config, home string, p Persona, held []Site) (Metrics, error) {
	ehome, err := os.MkdirTemp("", "syntx-learn-eval-")
	if err != nil {
		return Metrics{}, err
	}
	defer os.RemoveAll(ehome)
	if err := copyActive(home, ehome); err != nil {
		return Metrics{}, err
	}
	s, err := startServer(ctx, cfg.Binary, ehome, map[string]any{"persona": p.Name, "personas": map[string]float64{p.Name: 1}})
	if err != nil {
		return Metrics{}, err
	}
	defer s.stop(ctx)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var want, top, shownN, rejected, silent, silentOK, autoHit int
	opened := map[string]string{}
	for _, site := range held {
		name := filepath.Join(ehome, "held", filepath.Base(site.File))
		if site.Test {
			name = testName(name)
		}
		uri := lspclient.FileURI(name)
		if _, ok := opened[uri]; !ok {
			src, err := os.ReadFile(site.File)
			if err != nil {
				return Metrics{}, err
			}
			if err := s.c.Open(ctx, uri, site.Lang, string(src)); err != nil {
				return Metrics{}, err
			}
			opened[uri] = site.File
		}
		wants := p.Wants(site)
		inv, err := s.c.CodeActions(ctx, uri, site.Start, site.End, protocol.CodeActionTriggerKindInvoked)
		if err != nil {
			return Metrics{}, err
		}
		auto, err := s.c.CodeActions(ctx, uri, site.Start, site.End, protocol.CodeActionTriggerKindAutomatic)
		if err != nil {
			return Metrics{}, err
		}
		invShown, autoShown := actionsOf(inv), actionsOf(auto)
		likes := func(a action) bool { return p.Likes(site.cand(a), site) }
		if len(wants) > 0 {
			want++
			if len(invShown) > 0 && likes(invShown[0]) {
				top++
			}
			for _, a := range autoShown {
				if likes(a) {
					autoHit++
					break
				}
			}
		} else {
			silent++
			if len(autoShown) == 0 {
				silentOK++
			}
		}
		for _, a := range autoShown {
			shownN++
			if !likes(a) {
				rejected++
			}
		}
	}
	return Metrics{PrecisionAt1: ratio(top, want), Noise: ratio(rejected, shownN), SilenceRecall: ratio(silentOK, silent), AutoRecall: ratio(autoHit, want), Wanted: want, Shown: shownN}, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// oracle measures a ranking that knows the hidden preference: what is
// liked, first; nothing disliked shown automatically.
func oracle(p Persona, held []Site) Metrics {
	var want, silent int
	for _, s := range held {
		if len(p.Wants(s)) > 0 {
			want++
		} else {
			silent++
		}
	}
	m := Metrics{Noise: 0, Wanted: want}
	if want > 0 {
		m.PrecisionAt1, m.AutoRecall = 1, 1
	}
	if silent > 0 {
		m.SilenceRecall = 1
	}
	return m
}

// copyActive copies the active adapters of home into dst: the developer's
// own (adapters/ACTIVE and its directory) and the team layer
// (team/adapters/ACTIVE and its directory), when there are.
func copyActive(home, dst string) error {
	for _, layer := range []string{"adapters", filepath.Join("team", "adapters")} {
		ptr, err := os.ReadFile(filepath.Join(home, layer, "ACTIVE"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		v := strings.TrimSpace(string(ptr))
		from, to := filepath.Join(home, layer, v), filepath.Join(dst, layer, v)
		if err := os.MkdirAll(to, 0o700); err != nil {
			return err
		}
		entries, err := os.ReadDir(from)
		if err != nil {
			return err
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(from, e.Name()))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dst, layer, "ACTIVE"), ptr, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func lspURI(s string) uri.URI { return uri.URI(s) }
