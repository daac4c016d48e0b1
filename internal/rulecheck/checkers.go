package rulecheck

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed" // the checker helpers
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

// checker runs one language's own checker on fixed versions of the files of
// one pool package.
type checker interface {
	// version identifies the checker, its version and the project it
	// checks, for the result cache.
	version() string
	// check returns the diagnostics the checker reports on the file with
	// fixed in place of src and did not report on src. edits turn src into
	// fixed.
	check(ctx context.Context, f realcorpus.File, src, fixed []byte, edits []Edit) ([]Diag, error)
	close()
}

func newChecker(ctx context.Context, c *realcorpus.Corpus, tools realcorpus.Tools, j job) (checker, error) {
	f := j.files[0]
	ch, err := c.Checker(f.Package)
	if err != nil {
		return nil, err
	}
	state := stateOf(c, f.Source)
	switch Language(f.Language) {
	case "go":
		return newGoChecker(ctx, ch, state)
	case "python":
		return newPyChecker(ctx, tools, ch, state)
	case "javascript", "typescript":
		return newTSChecker(tools, ch, state)
	}
	return nil, fmt.Errorf("no checker for %s", f.Language)
}

// stateOf identifies the fetched state of a source (its marker records the
// pin and the recipe it was built from).
func stateOf(c *realcorpus.Corpus, source string) string {
	b, err := os.ReadFile(filepath.Join(c.Dir(), "state", source+".json"))
	if err != nil {
		if s, ok := c.Pins().Source(source); ok {
			return s.ID + "@" + s.Version + ":" + s.Sum
		}
		return source
	}
	h := sha256.Sum256(b)
	return source + ":" + hex.EncodeToString(h[:8])
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// --- Go: go vet -overlay ----------------------------------------------------

type goChecker struct {
	ch    realcorpus.Checker
	ver   string
	tmp   string
	mu    sync.Mutex
	bases map[string][]Diag // import path -> baseline
	n     int
}

func newGoChecker(ctx context.Context, ch realcorpus.Checker, state string) (*goChecker, error) {
	cmd := exec.CommandContext(ctx, ch.Go, "version")
	cmd.Dir, cmd.Env = ch.Dir, append(os.Environ(), ch.Env...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s version: %w", ch.Go, err)
	}
	tmp, err := os.MkdirTemp("", "syntx-rulecheck-go-")
	if err != nil {
		return nil, err
	}
	return &goChecker{ch: ch, ver: "go vet|" + strings.TrimSpace(string(out)) + "|" + state, tmp: tmp, bases: map[string][]Diag{}}, nil
}

func (g *goChecker) version() string { return g.ver }
func (g *goChecker) close()          { _ = os.RemoveAll(g.tmp) }

func (g *goChecker) vet(ctx context.Context, importPath, overlay string, replaced map[string]string) ([]Diag, error) {
	args := []string{"vet"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, importPath)
	cmd := exec.CommandContext(ctx, g.ch.Go, args...)
	cmd.Dir, cmd.Env = g.ch.Dir, append(os.Environ(), g.ch.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("go vet %s: %w", importPath, err)
	}
	diags := parseVet(out.String(), g.ch.Dir, replaced)
	if err != nil && len(diags) == 0 {
		return nil, fmt.Errorf("go vet %s: %w: %s", importPath, err, out.String())
	}
	return diags, nil
}

var vetLine = regexp.MustCompile(`^(?:vet: )?([^\s:][^:]*\.go):(\d+)(?::\d+)?: (.*)$`)

// vetReplay matches the fixed file as an earlier check named it: go vet
// caches its findings by content and, when a later check vets the same
// text, replays them naming the overlay file of the check that first
// produced them (another number, or another run's directory), which the
// replaced map does not hold; such a finding is on the fixed file, not a
// new one elsewhere.
var vetReplay = regexp.MustCompile(`[^\s:]*/syntx-rulecheck-go-[^/\s]+/\d+/([^/\s:]+\.go)`)

// parseVet reads go vet's output: "file:line:col: message" lines, with
// continuation lines indented by a tab; "# package" headers are skipped and
// any other line (a go command error) is a diagnostic of its own.
func parseVet(out, dir string, replaced map[string]string) []Diag {
	var diags []Diag
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.TrimSpace(line) == "", strings.HasPrefix(line, "# "):
			continue
		case strings.HasPrefix(line, "\t") && len(diags) > 0:
			diags[len(diags)-1].Msg += "\n" + strings.TrimSpace(line)
			continue
		}
		m := vetLine.FindStringSubmatch(line)
		if m == nil {
			diags = append(diags, Diag{Source: "go vet", Msg: line})
			continue
		}
		file := m[1]
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		if orig, ok := replaced[file]; ok {
			file = orig
		} else if orig := replayed(file, replaced); orig != "" {
			file = orig
		}
		n := 0
		fmt.Sscan(m[2], &n)
		msg := m[3]
		for tmp, orig := range replaced {
			msg = strings.ReplaceAll(msg, tmp, orig)
		}
		msg = vetReplay.ReplaceAllStringFunc(msg, func(p string) string {
			if orig := replayed(p, replaced); orig != "" {
				return orig
			}
			return p
		})
		diags = append(diags, Diag{File: relTo(dir, file), Line: n, Source: "go vet", Msg: msg})
	}
	return diags
}

// replayed returns the original of the replaced file that path names as
// an earlier check's overlay file (vetReplay), or "".
func replayed(path string, replaced map[string]string) string {
	m := vetReplay.FindStringSubmatch(path)
	if m == nil || !strings.HasSuffix(path, m[0]) {
		return ""
	}
	for _, orig := range replaced {
		if filepath.Base(orig) == m[1] {
			return orig
		}
	}
	return ""
}

func (g *goChecker) baseline(ctx context.Context, importPath string) ([]Diag, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b, ok := g.bases[importPath]; ok {
		return b, nil
	}
	b, err := g.vet(ctx, importPath, "", nil)
	if err != nil {
		return nil, err
	}
	g.bases[importPath] = b
	return b, nil
}

func (g *goChecker) check(ctx context.Context, f realcorpus.File, src, fixed []byte, edits []Edit) ([]Diag, error) {
	if f.GoImport == "" {
		return nil, fmt.Errorf("%s: no import path", f.Rel)
	}
	base, err := g.baseline(ctx, f.GoImport)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.n++
	dir := filepath.Join(g.tmp, itoa(g.n))
	g.mu.Unlock()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	repl := filepath.Join(dir, filepath.Base(f.Path))
	if err := os.WriteFile(repl, fixed, 0o600); err != nil {
		return nil, err
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {f.Path: repl}})
	ovPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovPath, ov, 0o600); err != nil {
		return nil, err
	}
	after, err := g.vet(ctx, f.GoImport, ovPath, map[string]string{repl: f.Path})
	if err != nil {
		return nil, err
	}
	return newDiags(base, after), nil
}

// --- Python: py_compile and pyflakes -----------------------------------------

//go:embed pycheck.py
var pycheckPy []byte

type pyChecker struct {
	ch    realcorpus.Checker
	ver   string
	h     *helper
	bases map[string][]Diag // file -> baseline
}

func newPyChecker(ctx context.Context, tools realcorpus.Tools, ch realcorpus.Checker, state string) (*pyChecker, error) {
	if tools.Python == "" {
		return nil, errors.New("python3 not found (Debian's /usr/bin/python3 with python3-pyflakes)")
	}
	h, err := startHelper(ctx, "pycheck.py", pycheckPy, tools.Python, []string{"-I"}, nil)
	if err != nil {
		return nil, err
	}
	var hello struct{ Pyflakes, Python string }
	if err := h.read(&hello); err != nil {
		h.close()
		return nil, fmt.Errorf("pycheck: %w (is python3-pyflakes installed?)", err)
	}
	return &pyChecker{ch: ch, h: h, bases: map[string][]Diag{}, ver: "python " + hello.Python + " pyflakes " + hello.Pyflakes + "|" + sha(pycheckPy) + "|" + state}, nil
}

func (p *pyChecker) version() string { return p.ver }
func (p *pyChecker) close()          { p.h.close() }

func (p *pyChecker) run(f realcorpus.File, text []byte) ([]Diag, error) {
	var res struct {
		Diags []Diag `json:"diags"`
		Error string `json:"error"`
	}
	if err := p.h.call(map[string]string{"path": f.Path, "text": base64.StdEncoding.EncodeToString(text)}, &res); err != nil {
		return nil, err
	}
	if res.Error != "" {
		return nil, fmt.Errorf("pycheck: %s", res.Error)
	}
	for i := range res.Diags {
		res.Diags[i].File = f.Rel
	}
	return res.Diags, nil
}

func (p *pyChecker) check(ctx context.Context, f realcorpus.File, src, fixed []byte, edits []Edit) ([]Diag, error) {
	base, ok := p.bases[f.Path]
	if !ok {
		var err error
		if base, err = p.run(f, src); err != nil {
			return nil, err
		}
		p.bases[f.Path] = base
	}
	after, err := p.run(f, fixed)
	if err != nil {
		return nil, err
	}
	return newDiags(base, after), nil
}

// --- TypeScript and JavaScript: tsc, node --check and a scope check ---------

//go:embed tscheck.js
var tscheckJS []byte

type tsChecker struct {
	ch      realcorpus.Checker
	tsLib   string
	ver     string
	h       *helper
	bases   map[string][]Diag // file -> baseline (tsc, node)
	all     map[string][]Diag // file -> tsc baseline, every file of the program
	started bool
}

func newTSChecker(tools realcorpus.Tools, ch realcorpus.Checker, state string) (*tsChecker, error) {
	if tools.TSC == "" || tools.Node == "" {
		return nil, errors.New("tsc (make realcorpus) and node are needed for TypeScript and JavaScript")
	}
	if ch.TSConfig == "" {
		return nil, fmt.Errorf("%s has no tsconfig.json", ch.Dir)
	}
	pkgDir := filepath.Dir(filepath.Dir(tools.TSC)) // node_modules/typescript
	lib := filepath.Join(pkgDir, "lib", "typescript.js")
	pj, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return nil, err
	}
	var meta struct{ Version string }
	if err := json.Unmarshal(pj, &meta); err != nil {
		return nil, err
	}
	return &tsChecker{ch: ch, tsLib: lib, ver: "typescript " + meta.Version + "|" + sha(tscheckJS) + "|" + state,
		bases: map[string][]Diag{}}, nil
}

func (t *tsChecker) version() string { return t.ver }

func (t *tsChecker) close() {
	if t.h != nil {
		t.h.close()
	}
}

func (t *tsChecker) start(ctx context.Context) error {
	if t.started {
		if t.h == nil {
			return errors.New("tscheck is not running")
		}
		return nil
	}
	t.started = true
	h, err := startHelper(ctx, "tscheck.js", tscheckJS, "node",
		[]string{"--experimental-vm-modules", "--no-warnings", "--max-old-space-size=6144"}, []string{t.tsLib})
	if err != nil {
		return err
	}
	var res struct {
		Files int
		Error string
	}
	if err := h.call(map[string]string{"op": "open", "tsconfig": t.ch.TSConfig}, &res); err != nil {
		h.close()
		return err
	}
	if res.Error != "" {
		h.close()
		return fmt.Errorf("tscheck: %s", res.Error)
	}
	t.h = h
	return nil
}

type tsResult struct {
	Diags      []Diag `json:"diags"`
	Wide       bool   `json:"wide"`
	DtsChanged bool   `json:"dtsChanged"`
	Error      string `json:"error"`
}

func (t *tsChecker) call(req map[string]any) (tsResult, error) {
	var res tsResult
	if err := t.h.call(req, &res); err != nil {
		return res, err
	}
	if res.Error != "" {
		return res, fmt.Errorf("tscheck: %s", firstLine(res.Error))
	}
	for i := range res.Diags {
		res.Diags[i].File = relTo(t.ch.Dir, res.Diags[i].File)
	}
	return res, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (t *tsChecker) check(ctx context.Context, f realcorpus.File, src, fixed []byte, edits []Edit) ([]Diag, error) {
	if err := t.start(ctx); err != nil {
		return nil, err
	}
	base, ok := t.bases[f.Path]
	if !ok {
		res, err := t.call(map[string]any{"op": "check", "file": f.Path, "text": nil})
		if err != nil {
			return nil, err
		}
		base = res.Diags
		t.bases[f.Path] = base
	}
	var e16 [][3]int
	for _, e := range edits {
		s := syntax.UTF16Len(src[:e.Start])
		e16 = append(e16, [3]int{s, s + syntax.UTF16Len(src[e.Start:e.End]), syntax.UTF16Len([]byte(e.Text))})
	}
	res, err := t.call(map[string]any{"op": "check", "file": f.Path, "text": string(fixed), "edits": e16})
	if err != nil {
		return nil, err
	}
	if out := newDiags(base, res.Diags); len(out) > 0 || !res.DtsChanged {
		return out, nil
	}
	// The file itself is clean but the fix changed what other files see
	// of it: check the files that can see it, against their baselines.
	if t.all == nil {
		all, err := t.call(map[string]any{"op": "baseline-all"})
		if err != nil {
			return nil, err
		}
		t.all = map[string][]Diag{}
		for _, d := range all.Diags {
			t.all[d.File] = append(t.all[d.File], d)
		}
	}
	others, err := t.call(map[string]any{"op": "check", "file": f.Path, "text": string(fixed), "edits": e16, "others": true})
	if err != nil {
		return nil, err
	}
	var otherBase []Diag
	for file, ds := range t.all {
		if file != relTo(t.ch.Dir, f.Path) {
			otherBase = append(otherBase, ds...)
		}
	}
	return newDiags(otherBase, others.Diags), nil
}

// --- helper processes ---------------------------------------------------------

// helper is a checker process that answers one JSON line per request line.
type helper struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	dir    string
	stderr bytes.Buffer
}

// startHelper writes script to a temporary directory and runs interp with
// flags, the script and args.
func startHelper(ctx context.Context, name string, script []byte, interp string, flags, args []string) (*helper, error) {
	dir, err := os.MkdirTemp("", "syntx-rulecheck-helper-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, script, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	h := &helper{dir: dir}
	h.cmd = exec.CommandContext(ctx, interp, append(append(append([]string{}, flags...), path), args...)...)
	h.cmd.Stderr = &limitedBuffer{buf: &h.stderr, max: 64 << 10}
	if h.in, err = h.cmd.StdinPipe(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	h.out = bufio.NewReaderSize(out, 1<<20)
	if err := h.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return h, nil
}

func (h *helper) call(req, res any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := h.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%s: %w (%s)", h.cmd.Path, err, lastLines(h.stderr.String(), 5))
	}
	return h.read(res)
}

func (h *helper) read(res any) error {
	line, err := h.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("%s: %w (%s)", filepath.Base(h.cmd.Path), err, lastLines(h.stderr.String(), 5))
	}
	return json.Unmarshal(line, res)
}

func (h *helper) close() {
	_ = h.in.Close()
	_ = h.cmd.Wait()
	_ = os.RemoveAll(h.dir)
}
