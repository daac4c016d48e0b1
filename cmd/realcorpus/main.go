// Command realcorpus fetches, lists and verifies the real-code corpus:
// real, unmodified Go modules, npm packages and Debian python3 packages,
// pinned by checksum in testdata/realcorpus/pins.toml and cached outside
// the repository (see internal/realcorpus).
//
//	go run ./cmd/realcorpus fetch [-ci] [-only ID,...] [-force]
//	go run ./cmd/realcorpus list [-files]
//	go run ./cmd/realcorpus path [ID]
//	go run ./cmd/realcorpus verify [-ci] [-only ID,...]
//	go run ./cmd/realcorpus lock ID
//
// Every subcommand takes -pins FILE (default: the repository's) and
// -cache DIR (default: $SYNTX_REALCORPUS, else
// $XDG_CACHE_HOME/syntx/realcorpus).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/syntax"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "realcorpus:", err)
		os.Exit(1)
	}
}

const usage = `usage: realcorpus COMMAND [flags]

commands:
  fetch   fetch and verify the pinned packages and tools into the cache
  list    what is fetched: per language packages, files, lines, test/prod,
          dev/check; the bench files; the tools
  path    the cache directory, or the path of a package, bench file, source
          or tool
  verify  hash everything fetched again and compare with the pins
  lock    write the committed package-lock.json of an npm source or tool
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	pinsFile := fs.String("pins", "", "pins file (default: "+realcorpus.PinsFile+" of this repository)")
	cacheDir := fs.String("cache", "", "cache directory (default: $"+realcorpus.EnvCache+", else $XDG_CACHE_HOME/syntx/realcorpus)")
	ci := fs.Bool("ci", false, "only the CI subset (pins with ci = true)")
	only := fs.String("only", "", "only these ids (comma-separated packages, bench files, sources, tools)")
	force := fs.Bool("force", false, "fetch again what is already fetched")
	verbose := fs.Bool("v", false, "log every command run")
	filesFlag := fs.Bool("files", false, "list: every file, with language, role, purpose, flags and lines")
	switch cmd {
	case "fetch", "list", "path", "verify", "lock":
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	pins, dir, err := pinsAndCache(*pinsFile, *cacheDir)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sel := realcorpus.Selection{CI: *ci}
	if *only != "" {
		sel.Only = strings.Split(*only, ",")
	}
	switch cmd {
	case "fetch":
		start := time.Now()
		err := realcorpus.Fetch(ctx, pins, dir, realcorpus.FetchOptions{Selection: sel, Force: *force, Log: log})
		fmt.Fprintf(stdout, "fetch into %s took %s\n", dir, time.Since(start).Round(100*time.Millisecond))
		return err
	case "verify":
		if err := realcorpus.Verify(pins, dir, sel); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "verified: every fetched download, tree and bench file matches its pin")
		return nil
	case "lock":
		if fs.NArg() != 1 {
			return errors.New("lock: want one npm source or tool id")
		}
		return realcorpus.Lock(ctx, pins, fs.Arg(0), log)
	case "path":
		return printPath(stdout, pins, dir, fs.Args())
	}
	c, err := realcorpus.Open(dir, pins)
	if err != nil {
		return err
	}
	if *filesFlag {
		return listFiles(stdout, c)
	}
	return list(ctx, stdout, c)
}

// pinsAndCache loads the pins from pinsFile (default: this repository's)
// and returns them with the absolute cache directory (default: see
// realcorpus.DefaultCacheDir).
func pinsAndCache(pinsFile, cacheDir string) (*realcorpus.Pins, string, error) {
	if pinsFile == "" {
		p, err := realcorpus.DefaultPinsPath()
		if err != nil {
			return nil, "", err
		}
		pinsFile = p
	}
	pins, err := realcorpus.LoadPins(pinsFile)
	if err != nil {
		return nil, "", err
	}
	if cacheDir == "" {
		d, err := realcorpus.DefaultCacheDir()
		if err != nil {
			return nil, "", err
		}
		cacheDir = d
	}
	if cacheDir, err = filepath.Abs(cacheDir); err != nil {
		return nil, "", err
	}
	return pins, cacheDir, nil
}

func printPath(w io.Writer, pins *realcorpus.Pins, cacheDir string, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(w, cacheDir)
		return nil
	}
	c, err := realcorpus.Open(cacheDir, pins)
	if err != nil {
		return err
	}
	for _, id := range args {
		p, err := pathOf(c, id)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, p)
	}
	return nil
}

func pathOf(c *realcorpus.Corpus, id string) (string, error) {
	pins := c.Pins()
	if r, ok := c.Root(id); ok {
		return r, nil
	}
	for _, k := range pins.Packages {
		if k.ID == id {
			if ch, err := c.Checker(id); err == nil {
				return ch.Dir, nil
			}
		}
	}
	for _, s := range realcorpus.Shapes {
		for _, b := range c.Bench(s) {
			if b.ID == id {
				return b.File, nil
			}
		}
	}
	t := c.Tools()
	switch id {
	case "typescript", "tsc":
		return nonEmpty(id, t.TSC)
	case "ast-grep":
		return nonEmpty(id, t.AstGrep)
	case "gopls":
		return nonEmpty(id, t.Gopls)
	case "pyflakes":
		return nonEmpty(id, t.Pyflakes)
	}
	return "", fmt.Errorf("path: %q is not fetched, or not a pin id", id)
}

func nonEmpty(id, p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("path: tool %s is not available", id)
	}
	return p, nil
}

type tally struct {
	pkgs                 map[string]bool
	files, lines         int
	testFiles, testLines int
	devFiles, devLines   int
	flagged              int
}

// list prints what is fetched: the files and lines per language, the
// packages, the bench files and the tools.
func list(ctx context.Context, w io.Writer, c *realcorpus.Corpus) error {
	fmt.Fprintf(w, "real-code corpus in %s\n\n", c.Dir())
	listLanguages(w, c)
	fmt.Fprintln(w, "\npackages:")
	listPackages(w, c)
	fmt.Fprintln(w, "\nbench files:")
	if err := listBench(w, c); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ntools:")
	listTools(ctx, w, c)
	if m := c.Missing(); len(m) > 0 {
		sort.Strings(m)
		fmt.Fprintf(w, "\nnot fetched: %s\n", strings.Join(m, ", "))
	}
	return nil
}

// listLanguages prints a table of packages, files and lines (test and
// production, dev and check) per language, then for all.
func listLanguages(w io.Writer, c *realcorpus.Corpus) {
	byLang := map[syntax.Grammar]*tally{}
	total := &tally{pkgs: map[string]bool{}}
	for _, f := range c.Files(realcorpus.Filter{}) {
		t := byLang[f.Language]
		if t == nil {
			t = &tally{pkgs: map[string]bool{}}
			byLang[f.Language] = t
		}
		for _, x := range []*tally{t, total} {
			x.add(f)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "language\tpackages\tfiles\tlines\ttest files\ttest lines\tprod files\tprod lines\tdev files\tdev lines\tcheck files\tcheck lines\tflagged\t")
	row := func(name string, t *tally) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, len(t.pkgs), t.files, t.lines,
			t.testFiles, t.testLines, t.files-t.testFiles, t.lines-t.testLines,
			t.devFiles, t.devLines, t.files-t.devFiles, t.lines-t.devLines, t.flagged)
	}
	for _, g := range syntax.Grammars {
		if t := byLang[g]; t != nil {
			row(string(g), t)
		}
	}
	row("all", total)
	tw.Flush()
}

// add counts f.
func (x *tally) add(f realcorpus.File) {
	x.pkgs[f.Package] = true
	x.files++
	x.lines += f.Lines
	if f.Role == realcorpus.Test {
		x.testFiles++
		x.testLines += f.Lines
	}
	if f.Purpose == realcorpus.Dev {
		x.devFiles++
		x.devLines += f.Lines
	}
	if f.Flags != 0 {
		x.flagged++
	}
}

// listPackages prints one line per fetched package: its source, purpose,
// files and lines, and lines by language.
func listPackages(w io.Writer, c *realcorpus.Corpus) {
	pins := c.Pins()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "package\tsource\tversion\tpurpose\tci\tfiles\tlines\tby language")
	for _, k := range pins.Packages {
		if !c.Has(k.ID) {
			continue
		}
		s, _ := pins.Source(k.Source)
		files, lines := 0, 0
		langs := map[syntax.Grammar]int{}
		for _, f := range c.Files(realcorpus.Filter{Package: k.ID}) {
			files++
			lines += f.Lines
			langs[f.Language] += f.Lines
		}
		var parts []string
		for _, g := range syntax.Grammars {
			if langs[g] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", g, langs[g]))
			}
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%v\t%d\t%d\t%s\n", k.ID, s.Manager, s.Name, s.Version, k.Purpose, k.CI, files, lines, strings.Join(parts, ", "))
	}
	tw.Flush()
}

// listBench prints one line per bench file, shape by shape.
func listBench(w io.Writer, c *realcorpus.Corpus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tshape\tlines\tbytes\tlongest line\tfile\tnote")
	for _, s := range realcorpus.Shapes {
		for _, b := range c.Bench(s) {
			longest, err := longestLine(b.File)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s:%s\t%s\n", b.ID, b.Shape, b.Lines, b.Bytes, longest, b.Source, b.Path, b.Note)
		}
	}
	tw.Flush()
	return nil
}

// listTools prints each checker and benchmark tool with its path and
// version, or that it is not available.
func listTools(ctx context.Context, w io.Writer, c *realcorpus.Corpus) {
	t := c.Tools()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, x := range []struct{ name, path string }{
		{"go", t.Go}, {"node", t.Node}, {"tsc", t.TSC}, {"ast-grep", t.AstGrep},
		{"gopls", t.Gopls}, {"python3", t.Python}, {"pyflakes", t.Pyflakes},
	} {
		if x.path == "" {
			fmt.Fprintf(tw, "%s\t(not available)\n", x.name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", x.name, x.path, version(ctx, x.name, x.path))
	}
	tw.Flush()
}

func listFiles(w io.Writer, c *realcorpus.Corpus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, f := range c.Files(realcorpus.Filter{}) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", f.Package, f.Language, f.Role, f.Purpose, orDash(f.Flags.String()), f.Lines, f.Rel)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func longestLine(file string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	longest := 0
	for _, l := range strings.Split(string(data), "\n") {
		longest = max(longest, len(l))
	}
	return longest, nil
}

// version asks a tool for its version, for the listing.
func version(ctx context.Context, name, path string) string {
	var args []string
	switch name {
	case "go", "gopls":
		args = []string{"version"}
	case "python3", "node", "tsc", "ast-grep", "pyflakes":
		args = []string{"--version"}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return "(version: " + err.Error() + ")"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
