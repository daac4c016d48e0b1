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
	"slices"
	"sort"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
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
	Shown int `json:"auto_shown"`
	// Rejected is the number of those actions the persona would reject,
	// Noise's numerator, and Sites the number of held-out sites measured;
	// PerSite = Rejected / Sites is how many rejected actions a developer
	// meets per site on automatic triggers, so that a reader sees whether
	// a noise of 1.00 is two actions or two hundred. Noise, the share, is
	// what the target judges; PerSite is reported next to it.
	Rejected int     `json:"auto_rejected"`
	Sites    int     `json:"sites"`
	PerSite  float64 `json:"auto_rejected_per_site"`
	// Leaks counts the rejected actions shown on automatic triggers by
	// rule (and file role): what the noise is made of.
	Leaks         map[string]int `json:"leaks,omitempty"`
	Adapter       string         `json:"adapter,omitempty"`
	TrainDecision string         `json:"train_decision,omitempty"`
}

// Curve is one run: a persona, an objective and a noise level.
type Curve struct {
	Persona   string         `json:"persona"`
	Objective string         `json:"objective"`
	Noise     float64        `json:"noise"`
	Points    []Metrics      `json:"points"`
	Oracle    Metrics        `json:"oracle"`
	Actions   map[string]int `json:"actions"` // feedback actions taken, by kind
	// Mismatch, when set, says how what the server recorded differs from
	// the actions taken (checkRecorded).
	Mismatch string `json:"mismatch,omitempty"`
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
	c      *lspclient.Client
	cmd    *exec.Cmd
	home   string
	binary string
	opts   map[string]any
	// ctx is what the server was started with: a restart starts the new
	// one with it, not with the context of the event that quit (which
	// ends when that event is played, and would kill the process).
	ctx context.Context
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
	return &server{c: c, cmd: cmd, home: home, binary: binary, opts: opts, ctx: ctx}, nil
}

// quit ends the server as an editor that quits does: shutdown and exit,
// with the documents still open and nothing saved or closed first, and
// waits for the process to end on its own (it settles what it tracks on
// exit). It fails when the server does not exit within a minute.
func (s *server) quit(ctx context.Context) error {
	qctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.c.Shutdown(qctx); err != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		return fmt.Errorf("quit: shutdown: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("quit: the server exited with %w", err)
		}
		return nil
	case <-qctx.Done():
		_ = s.cmd.Process.Kill()
		<-done
		return errors.New("quit: the server did not exit within a minute of exit")
	}
}

// restart starts a new server on the data directory of one that quit,
// with the same options: the editor opened again.
func (s *server) restart() error {
	n, err := startServer(s.ctx, s.binary, s.home, s.opts)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	*s = *n
	return nil
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
	id       string // the suggestion's id
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
			ID       string         `json:"suggestionId"`
			RuleID   string         `json:"ruleId"`
			Category string         `json:"category"`
			Score    float64        `json:"score"`
			Site     protocol.Range `json:"site"`
		}
		_ = json.Unmarshal(a.Data, &d)
		out = append(out, action{a: a, id: d.ID, rule: d.RuleID, category: d.Category, score: d.Score, site: d.Site})
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

// opensAsTest reports whether the i-th discovered site, in file, is a
// test file's for the persona: every other site is opened under a test
// file's name (for taste that differs by file role), and a file whose own
// name makes it a test (foo_test.go, test_foo.py, foo.test.ts) is one
// whatever name it is opened under, as the server reads the role from the
// name (capture.FileRole). Before this, the even sites of real test files
// were production code to the persona and test code to the server, so a
// persona that rejects everything in tests accepted suggestions the server
// recorded in tests.
func opensAsTest(i int, file string) bool {
	return i%2 == 1 || capture.FileRole(filepath.Base(file), nil) == "test"
}

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
		s.Test = opensAsTest(i, s.File)
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
		// capture's windows stay the defaults (30 s and more): every
		// outcome is decided by what the persona does — an undo, a save
		// and then closing the document, a close with a menu unanswered
		// (follow, act) — never by a clock. With windows of a few
		// milliseconds a busy machine decided outcomes before the persona
		// acted: a menu answered 20 ms after it opened was also recorded
		// as ignored, and an edit after the last checkpoint as kept.
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
		em.Events, em.TrainDecision, em.Adapter = m.Events, m.TrainDecision, m.Adapter
		m = em
		cur.Points = append(cur.Points, m)
		cfg.logf("  %-22s %-3s p=%.1f  %3d events  P@1 %.2f (%d wanted)  noise %.2f (%s)  silence %.2f  auto recall %.2f  %s %s",
			p.Name, objective, noise, events, m.PrecisionAt1, m.Wanted, m.Noise, m.rejectedCount(), m.SilenceRecall, m.AutoRecall, m.TrainDecision, m.Adapter)
		if len(m.Leaks) > 0 {
			cfg.logf("    leaks: %v", m.Leaks)
		}
	}
	if err := s.quit(ctx); err != nil {
		return cur, err
	}
	if err := checkRecorded(ctx, s, cur.Actions); err != nil {
		// Reported with the curve, not fatal: it is capture's verdict on
		// real code the benchmark exists to show (the unit test, on the
		// generated corpus, fails on it).
		cur.Mismatch = err.Error()
		cfg.logf("  %s: %s", p.Name, cur.Mismatch)
	}
	return cur, nil
}

// checkRecorded compares what the persona did with what the server
// recorded (syntx status, once the server has exited): every keep (and
// save-then-quit) recorded as kept, every edit as edited, every undo as
// undone, and at least one dismissed or ignored suggestion per dismissal
// or unanswered menu (a menu's suggestions are recorded one by one). A
// mismatch fails the run: the benchmark would otherwise measure learning
// from signals other than the ones it played.
func checkRecorded(ctx context.Context, s *server, played map[string]int) error {
	got, err := s.status(ctx)
	if err != nil {
		return err
	}
	var bad []string
	for _, c := range []struct {
		outcome string
		want    int
		exact   bool
	}{
		{"kept", played["keep"] + played["quit-saved"], true},
		{"edited", played["edit"], true},
		{"undone", played["undo"], true},
		{"dismissed", played["dismiss"], false},
		{"ignored", played["ignore"], false},
	} {
		n := got.Events[c.outcome]
		if (c.exact && n != c.want) || (!c.exact && n < c.want) {
			bad = append(bad, fmt.Sprintf("%s %d (played %d)", c.outcome, n, c.want))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the server recorded %s; the persona played %v", strings.Join(bad, ", "), played)
	}
	return nil
}

// counts is what `syntx status --json` reports of the recorded feedback.
type counts struct {
	Events map[string]int `json:"events"`
}

// status reads the recorded feedback of the server's data directory with
// the real CLI, as a user would.
func (s *server) status(ctx context.Context) (counts, error) {
	cmd := exec.CommandContext(ctx, s.binary, "status", "--json")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+s.home, "XDG_CONFIG_HOME="+filepath.Join(s.home, "config"))
	out, err := cmd.Output()
	if err != nil {
		return counts{}, fmt.Errorf("syntx status: %w", err)
	}
	var c counts
	if err := json.Unmarshal(out, &c); err != nil {
		return counts{}, fmt.Errorf("syntx status: %w", err)
	}
	return c, nil
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
	v := &visit{s: s, p: p, site: site, rng: rng, uri: lspclient.FileURI(name)}
	if err := s.c.Open(ctx, v.uri, site.Lang, string(src)); err != nil {
		return "", err
	}
	defer func() {
		if !v.quit {
			_ = s.c.Notify(ctx, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(v.uri)}})
		}
	}()
	// The editor asks on its own when the cursor reaches the site (an
	// automatic trigger: VS Code's lightbulb). A lightbulb offering what
	// the persona wants is taken from there; one it does not want is
	// passed by, which tells the server nothing.
	auto, err := s.c.CodeActions(ctx, v.uri, site.Start, site.End, protocol.CodeActionTriggerKindAutomatic)
	if err != nil {
		return "", err
	}
	slip := rng.Float64() < noise
	if !slip {
		for _, a := range actionsOf(auto) {
			if v.likes(a) {
				return v.take(ctx, a)
			}
		}
	}
	return v.menu(ctx, slip)
}

// visit is one feedback event's state: the persona at a site, in the
// document opened for it.
type visit struct {
	s    *server
	p    Persona
	site Site
	rng  *rand.Rand
	uri  string
	quit bool // the editor quit: the restarted server never saw the document
}

func (v *visit) likes(a action) bool { return v.p.Likes(v.site.cand(a), v.site) }

// take applies a wanted action and plays what follows: kept, edited, or,
// for a persona that quits, the editor quit with or without a save.
func (v *visit) take(ctx context.Context, a action) (string, error) {
	kind := "keep"
	if v.rng.Float64() < v.p.editShare(v.site.cand(a)) {
		kind = "edit"
	}
	if v.p.QuitUnsaved+v.p.QuitSaved > 0 {
		switch r := v.rng.Float64(); {
		case r < v.p.QuitUnsaved:
			kind = "quit-unsaved"
		case r < v.p.QuitUnsaved+v.p.QuitSaved:
			kind = "quit-saved"
		}
	}
	if kind == "quit-unsaved" || kind == "quit-saved" {
		v.quit = true
		return kind, quitAfter(ctx, v.s, v.uri, a, kind == "quit-saved")
	}
	return kind, follow(ctx, v.s, v.uri, a, kind)
}

// menu plays the persona opening the menu (an explicit invocation): it
// takes the first liked action in the order shown, or, on a slip or when
// nothing is liked, undoes, dismisses or ignores.
func (v *visit) menu(ctx context.Context, slip bool) (string, error) {
	acts, err := v.s.c.CodeActions(ctx, v.uri, v.site.Start, v.site.End, protocol.CodeActionTriggerKindInvoked)
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
	choice := -1
	for i, a := range shown {
		if v.likes(a) {
			choice = i
			break
		}
	}
	kind := "keep"
	switch {
	case slip:
		// A mistake: any action, at random.
		kind = []string{"keep", "undo", "dismiss", "ignore"}[v.rng.IntN(4)]
		choice = v.rng.IntN(len(shown))
	case choice < 0:
		kind = []string{"undo", "dismiss", "ignore"}[v.rng.IntN(3)]
		choice = 0
	default:
		return v.take(ctx, shown[choice])
	}
	switch kind {
	case "ignore":
		return kind, nil // closing the document with the menu unanswered
	case "dismiss":
		if dismiss == nil {
			return "", errors.New("invoked menu without a dismiss entry")
		}
		return kind, v.s.c.Apply(ctx, dismiss)
	}
	return kind, follow(ctx, v.s, v.uri, shown[choice], kind)
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
		// Append "_e" to the end of the rewrite (its last token, or, for
		// a fix that only removed text, where it removed it), inside any
		// trailing ";", "," or white space: capture's table records that
		// as edited. (Changing the rewrite's first
		// letter, as before, could change a letter past a rewrite that
		// has none, such as 0777 → 0755, which is kept.)
		after := s.c.Doc(uri).Text
		if i := firstChange(before, after); i >= 0 {
			end := max(i, len(after)-commonSuffix(before[i:], after[i:]))
			if end == i {
				// Only text removed: type where the fix removed it.
				i = removedAt(before, after, uri, a.a.Edit, i)
				end = i
			}
			// Before a trailing ";", "," or white space, which would
			// separate the addition from the fix (kept, by the table).
			for end > i && strings.ContainsRune(" \t\r\n;,", rune(after[end-1])) {
				end--
			}
			if err := s.c.Change(ctx, uri, lspclient.Edit{Start: end, End: end, Text: "_e"}); err != nil {
				return err
			}
		}
	}
	// The save decides the outcome when it comes after the first
	// checkpoint; otherwise closing the document (act's deferred didClose)
	// decides it from the same text. Either way it is decided before the
	// next request, with no wait for a clock.
	return s.c.Notify(ctx, "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}})
}

// quitAfter applies a and quits the editor, having saved first when saved
// is set, then opens it again (a new server on the same data). While no
// server runs it checks in the store what the quit recorded for a's
// suggestion against capture's table: quitting with the fix unsaved
// records nothing beyond the offer and the acceptance (no outcome, no
// preference); saving first and then quitting records it as kept, with
// its preferences. A mismatch fails the run: the benchmark would otherwise
// measure learning from signals the server does not record.
func quitAfter(ctx context.Context, s *server, uri string, a action, saved bool) error {
	if err := s.c.Apply(ctx, a.a); err != nil {
		return err
	}
	if saved {
		if err := s.c.Notify(ctx, "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}}); err != nil {
			return err
		}
	}
	if err := s.quit(ctx); err != nil {
		return err
	}
	if err := checkQuit(ctx, s.home, a, saved); err != nil {
		return err
	}
	return s.restart()
}

// checkQuit reads the events and preferences recorded for a's suggestion.
func checkQuit(ctx context.Context, home string, a action, saved bool) error {
	if a.id == "" {
		return fmt.Errorf("quit: the action of %s names no suggestion id", a.rule)
	}
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		return fmt.Errorf("quit: %w", err)
	}
	defer db.Close()
	var outcomes []string
	err = db.Events(ctx, store.EventFilter{SuggestionID: a.id}, func(e store.Event) error {
		outcomes = append(outcomes, string(e.Outcome))
		return nil
	})
	if err != nil {
		return fmt.Errorf("quit: %w", err)
	}
	prefs := 0
	err = db.Preferences(ctx, store.PreferenceFilter{}, func(p store.Preference) error {
		if p.SuggestionID == a.id || p.Chosen.SuggestionID == a.id || p.Rejected.SuggestionID == a.id {
			prefs++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("quit: %w", err)
	}
	want := []string{"offered", "accepted"}
	how := "without saving"
	if saved {
		want = append(want, "kept")
		how = "after a save"
	}
	if !slices.Equal(outcomes, want) || (prefs == 0) == saved {
		return fmt.Errorf("quitting %s with %s applied recorded the events %v and %d preferences; capture's table says %v and %s",
			how, a.rule, outcomes, prefs, want, map[bool]string{true: "its preferences", false: "none"}[saved])
	}
	return nil
}

// removedAt returns where the fix removed text in the document: the
// start of its first edit, when that edit removed text and removing it
// there turns before into after. A diff cannot tell: removing a whole
// line before a line with the same indentation reads, compared byte by
// byte, as removing it from after that indentation (firstChange's answer,
// at), and typing there writes on the next line, away from the fix
// (capture's table: kept).
func removedAt(before, after, docURI string, we *protocol.WorkspaceEdit, at int) int {
	if we == nil {
		return at
	}
	var edits []protocol.TextEdit
	edits = append(edits, we.Changes[uri.URI(docURI)]...)
	for _, dc := range we.DocumentChanges {
		if tde, ok := dc.(*protocol.TextDocumentEdit); ok && string(tde.TextDocument.URI) == docURI {
			for _, e := range tde.Edits {
				if te, ok := e.(*protocol.TextEdit); ok {
					edits = append(edits, *te)
				}
			}
		}
	}
	if len(edits) == 0 {
		return at
	}
	first := slices.MinFunc(edits, func(a, b protocol.TextEdit) int {
		if a.Range.Start.Line != b.Range.Start.Line {
			return int(a.Range.Start.Line) - int(b.Range.Start.Line)
		}
		return int(a.Range.Start.Character) - int(b.Range.Start.Character)
	})
	if first.NewText != "" {
		return at
	}
	// The benchmark's client counts UTF-16 (startServer's Initialize).
	p, clamped := syntax.NewText([]byte(before)).Offset(syntax.Position{Line: first.Range.Start.Line, Character: first.Range.Start.Character}, syntax.UTF16)
	n := len(before) - len(after)
	if clamped || p > at || n <= 0 || p+n > len(before) || before[:p]+before[p+n:] != after {
		return at
	}
	return p
}

// commonSuffix is the length of the longest common suffix of a and b.
func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// firstChange is the first byte offset where a and b differ, or -1 when
// they are equal.
func firstChange(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// evaluate measures the active policy on held-out sites with a separate
// server whose data directory holds a copy of the active adapter and of
// the persona's database (what the server decides by depends on both: the
// adapter scores, the developer's record of outcomes holds back; see
// capture.Record), so that measuring records nothing in the persona's
// data. The evaluating server never trains.
func evaluate(ctx context.Context, cfg Config, home string, p Persona, held []Site) (Metrics, error) {
	ehome, err := os.MkdirTemp("", "syntx-learn-eval-")
	if err != nil {
		return Metrics{}, err
	}
	defer os.RemoveAll(ehome)
	s, err := startEvaluator(ctx, cfg, home, ehome, p)
	if err != nil {
		return Metrics{}, err
	}
	defer s.stop(ctx)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var want, top, shownN, rejected, silent, silentOK, autoHit int
	leaks := map[string]int{}
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
				k := a.rule
				if site.Test {
					k += "(test)"
				}
				leaks[k]++
			}
		}
	}
	return Metrics{PrecisionAt1: ratio(top, want), Noise: ratio(rejected, shownN), SilenceRecall: ratio(silentOK, silent), AutoRecall: ratio(autoHit, want),
		Wanted: want, Shown: shownN, Rejected: rejected, Sites: len(held), PerSite: ratio(rejected, len(held)), Leaks: leaks}, nil
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
// startEvaluator starts the server that evaluates, in ehome, on copies of
// the persona's active adapter and database.
func startEvaluator(ctx context.Context, cfg Config, home, ehome string, p Persona) (*server, error) {
	if err := copyActive(home, ehome); err != nil {
		return nil, err
	}
	if err := copyRecord(ctx, home, ehome); err != nil {
		return nil, err
	}
	s, err := startServer(ctx, cfg.Binary, ehome, map[string]any{"persona": p.Name, "personas": map[string]float64{p.Name: 1},
		"train": map[string]any{"idle_delay": "24h", "min_new_preferences": 1000000}})
	if err != nil {
		return nil, err
	}
	// The server reads the record after answering initialize; syntx.status
	// is answered after that read, so what follows is decided with it.
	if err := s.c.Command(ctx, "syntx.status", nil); err != nil {
		s.stop(ctx)
		return nil, err
	}
	return s, nil
}

// copyRecord copies the persona's database as of its last commit, with
// its hash key and anchor log, into dst.
func copyRecord(ctx context.Context, home, dst string) error {
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Snapshot(ctx, filepath.Join(dst, "syntx.db")); err != nil {
		return err
	}
	for _, name := range []string{store.KeyFile, store.AnchorFile} {
		b, err := os.ReadFile(filepath.Join(home, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

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
