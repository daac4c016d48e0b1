package redact

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusCase is one case of testdata/redact/corpus (see its README).
type corpusCase struct {
	file, name string
	line       int  // where its header is
	secret     bool // a secret case; otherwise a look-alike to keep
	secrets    []string
	survive    []string
	body       string
}

func (c corpusCase) String() string { return fmt.Sprintf("%s:%d %s", c.file, c.line, c.name) }

// loadCorpus reads every case of testdata/redact/corpus/*.txt, checking
// that each is well formed (a secret case names secrets that are in its
// code; a keep case names none).
func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	files, err := filepath.Glob(fixturePath(filepath.Join("corpus", "*.txt")))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus files (%v)", err)
	}
	var out []corpusCase
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var cur *corpusCase
		var body []string
		flush := func() {
			if cur == nil {
				return
			}
			for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
				body = body[:len(body)-1]
			}
			cur.body = strings.Join(body, "\n") + "\n"
			out = append(out, *cur)
			cur, body = nil, nil
		}
		n := 0
		for sc.Scan() {
			n++
			l := sc.Text()
			switch {
			case strings.HasPrefix(l, "=== "):
				flush()
				kind, name, _ := strings.Cut(strings.TrimPrefix(l, "=== "), " ")
				if kind != "secret" && kind != "keep" {
					tb.Fatalf("%s:%d: case kind %q: want secret or keep", f, n, kind)
				}
				cur = &corpusCase{file: filepath.Base(f), name: name, line: n, secret: kind == "secret"}
			case cur == nil:
				// a comment or blank line before the first case
			case len(body) == 0 && strings.HasPrefix(l, "!! "):
				cur.secrets = append(cur.secrets, strings.TrimPrefix(l, "!! "))
			case len(body) == 0 && strings.HasPrefix(l, "~~ "):
				cur.survive = append(cur.survive, strings.TrimPrefix(l, "~~ "))
			default:
				body = append(body, l)
			}
		}
		flush()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
		fh.Close()
	}
	for _, c := range out {
		switch {
		case c.secret && len(c.secrets) == 0:
			tb.Errorf("%v: a secret case names no secret (!! line)", c)
		case !c.secret && (len(c.secrets) > 0 || len(c.survive) > 0):
			tb.Errorf("%v: a keep case names secrets", c)
		}
		for _, s := range append(append([]string(nil), c.secrets...), c.survive...) {
			if !strings.Contains(c.body, s) {
				tb.Errorf("%v: %q is not in the case's code", c, s)
			}
		}
	}
	return out
}

// corpusScore is what redaction did to one file's cases.
type corpusScore struct {
	secrets, hidden int // planted secrets, those redacted
	keeps, kept     int // look-alike cases, those unchanged
	survive, lost   int // must-survive strings in secret cases, those lost
	spurious        int // replacements inside look-alike cases
}

// TestCorpus runs Redact over the corpus and prints recall (planted
// secrets hidden) and look-alike survival per file; it fails on any miss.
// Run it with -v to see the table.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	scores := map[string]*corpusScore{}
	total := &corpusScore{}
	for _, c := range cases {
		s := scores[c.file]
		if s == nil {
			s = &corpusScore{}
			scores[c.file] = s
		}
		got, n := Redact(c.body)
		if again, n2 := Redact(got); again != got || n2 != 0 {
			t.Errorf("%v: a second Redact changed the output (%d more)", c, n2)
		}
		if !c.secret {
			s.keeps++
			total.keeps++
			if got == c.body {
				s.kept++
				total.kept++
			} else {
				s.spurious += n
				total.spurious += n
				t.Errorf("%v: look-alike changed:\n in: %s\nout: %s", c, c.body, got)
			}
			continue
		}
		for _, sec := range c.secrets {
			s.secrets++
			total.secrets++
			if strings.Contains(got, sec) {
				t.Errorf("%v: secret %q survived:\n%s", c, sec, got)
				continue
			}
			s.hidden++
			total.hidden++
		}
		for _, keep := range c.survive {
			s.survive++
			total.survive++
			if !strings.Contains(got, keep) {
				s.lost++
				total.lost++
				t.Errorf("%v: %q was redacted too:\n%s", c, keep, got)
			}
		}
	}
	files := make([]string, 0, len(scores))
	for f := range scores {
		files = append(files, f)
	}
	sort.Strings(files)
	t.Logf("%-28s %18s %18s %14s", "corpus file", "secrets hidden", "look-alikes kept", "over-redacted")
	row := func(name string, s *corpusScore) {
		t.Logf("%-28s %18s %18s %14s", name, ratio(s.hidden, s.secrets), ratio(s.kept, s.keeps),
			fmt.Sprintf("%d/%d", s.lost, s.survive))
	}
	for _, f := range files {
		row(f, scores[f])
	}
	row("all", total)
	t.Logf("recall %.1f%% (%d of %d planted secrets hidden); look-alikes kept %.1f%% (%d of %d; %d spurious replacements); must-survive text lost: %d of %d",
		pct(total.hidden, total.secrets), total.hidden, total.secrets, pct(total.kept, total.keeps), total.kept, total.keeps,
		total.spurious, total.lost, total.survive)
}

func ratio(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d %5.1f%%", a, b, pct(a, b))
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// TestRealCode measures what Redact replaces in real, unmodified source
// trees: set SYNTX_REDACT_REAL to a list of directories (separated by the
// OS's path list separator, e.g. $(go env GOROOT)/src:/usr/lib/python3.11)
// and run with -v. It prints every replacement with its line, for a person
// to judge (a test key in a crypto package is a true positive; an
// identifier or a message is a false one), and the counts per kind. It
// asserts nothing: the trees are not ours and change with their versions.
func TestRealCode(t *testing.T) {
	roots := os.Getenv("SYNTX_REDACT_REAL")
	if roots == "" {
		t.Skip("set SYNTX_REDACT_REAL to directories of real code to scan")
	}
	exts := map[string]bool{".go": true, ".py": true, ".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".tsx": true, ".jsx": true}
	var files, lines, bytes, hits int
	byKind := map[string]int{}
	for _, root := range filepath.SplitList(roots) {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !exts[filepath.Ext(p)] {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil || len(b) > 4<<20 {
				return nil
			}
			files++
			bytes += len(b)
			src := string(b)
			lines += strings.Count(src, "\n")
			for _, sp := range Locate(src).Spans() {
				hits++
				byKind[sp.Kind]++
				ls := strings.LastIndexByte(src[:sp.Start], '\n') + 1
				le := strings.IndexByte(src[sp.End:], '\n')
				if le < 0 {
					le = len(src)
				} else {
					le += sp.End
				}
				line := src[ls:le]
				if len(line) > 200 {
					line = line[:200] + "..."
				}
				t.Logf("HIT %s %s:%d: %s", sp.Kind, p, strings.Count(src[:sp.Start], "\n")+1, strings.TrimSpace(line))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("KIND %-24s %d", k, byKind[k])
	}
	t.Logf("scanned %d files, %d lines, %.1f MB: %d replacements", files, lines, float64(bytes)/(1<<20), hits)
}
