package redact

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// locateWith returns what Locate finds in s with the knob *v set to x.
func locateWith(v *int, x int, s string) Redaction {
	saved := *v
	*v = x
	defer func() { *v = saved }()
	return Locate(s)
}

// lineScan returns what Locate finds in s when every anchor's line is
// scanned whole, as it was before scanNear: the reference scanNear must
// agree with.
func lineScan(s string) Redaction { return locateWith(&longLine, math.MaxInt, s) }

// placesOnly returns what Locate finds in s when scanNear tries the places
// of every long line one by one, however many there are.
func placesOnly(s string) Redaction { return locateWith(&denseLine, 1, s) }

// noReach returns what Locate finds in s when every rule scans the whole
// line of each anchor, from its start: the reference for the rules'
// reach, which says that no match begins further before its anchor.
func noReach(s string) Redaction {
	saved := table
	table = slices.Clone(table)
	for i := range table {
		table[i].reach, table[i].near, table[i].nearStart = 0, nil, nil
	}
	defer func() { table = saved }()
	return Locate(s)
}

// minifiedFiller is minified code of about 1 KB, thick with the anchors
// of the rules with a reach ("key", "token", "pass", "secret") and
// without a secret.
var minifiedFiller = strings.Repeat(`var keyMap={},tokenize=function(t){return t.key||t.token},passive=!0,secretOf=function(e){return e.secretName};`, 10)

// TestNearIsLineScan checks that trying the anchors of a long line one
// by one finds what a scan of the whole line finds (by default, where a
// line is crowded with anchors, and with every place tried), and that no rule
// finds less for its reach than a scan of each anchor's whole line: every
// case of the redaction corpus, on its own lines, as one line, and inside
// lines of minified code; and the files under SYNTX_REDACT_REAL
// (directories, as for TestRealCode).
func TestNearIsLineScan(t *testing.T) {
	var inputs []string
	for _, c := range loadCorpus(t) {
		oneLine := strings.ReplaceAll(strings.TrimRight(c.body, "\n"), "\n", " ")
		inputs = append(inputs,
			c.body,
			oneLine,
			minifiedFiller+oneLine+minifiedFiller,
			minifiedFiller+"\n"+c.body+minifiedFiller,
			c.body[:len(c.body)/2]+minifiedFiller+c.body[len(c.body)/2:],
		)
	}
	// What a match reads before where it begins: "pass" after a letter is
	// no name of its own (bypass), after _ or at the start of the text it
	// is.
	for _, v := range []string{`bypass: "hunter2value"`, `smtp_pass: "hunter2value"`, `pass: "hunter2value"`, `é pass: "hunter2value"`,
		// A match holding another: a scan goes on after the outer one.
		`api_key = "token: 'hunter2value'"`, `api_key = "token='hunter2value'"`} {
		inputs = append(inputs, v+minifiedFiller, minifiedFiller+v+minifiedFiller)
	}
	// Lines crowded with anchors, which are scanned whole (denseLine), with
	// a secret among them.
	for _, crowd := range []string{"key", "token=", "pass:", "secret_key=", "ghp_", "a://", "api_key token pass "} {
		inputs = append(inputs,
			strings.Repeat(crowd, 4<<10/len(crowd))+` password = "hunter2value" `+strings.Repeat(crowd, 4<<10/len(crowd)),
			// A match that begins before the line's first anchor.
			`access_key = "hunter2value" `+strings.Repeat(crowd, 8<<10/len(crowd)))
	}
	found := 0
	for _, s := range inputs {
		want, got := lineScan(s).Spans(), Locate(s).Spans()
		found += len(got)
		if !slices.Equal(got, want) {
			t.Errorf("input %q:\n got %v\nwant %v", clip(s), got, want)
		}
		// Every long line's places tried one by one, however crowded.
		if near := placesOnly(s).Spans(); !slices.Equal(near, want) {
			t.Errorf("input %q, every place tried:\n got %v\nwant %v", clip(s), near, want)
		}
		if whole := noReach(s).Spans(); !slices.Equal(got, whole) {
			t.Errorf("input %q: the rules' reach misses:\n got %v\nwant %v", clip(s), got, whole)
		}
	}
	// The long inputs hold the corpus's secrets: the comparison is not of
	// two empty answers.
	if found == 0 {
		t.Fatal("no secret found in any input")
	}
	roots := os.Getenv("SYNTX_REDACT_REAL")
	if roots == "" {
		return
	}
	files, long := 0, 0
	for _, root := range filepath.SplitList(roots) {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil || len(b) > 4<<20 {
				return nil
			}
			files++
			s := string(b)
			got := Locate(s).Spans()
			if hasLongLine(s) {
				long++
				if want := lineScan(s).Spans(); !slices.Equal(got, want) {
					t.Errorf("%s:\n got %v\nwant %v", p, got, want)
				}
			}
			if whole := noReach(s).Spans(); !slices.Equal(got, whole) {
				t.Errorf("%s: the rules' reach misses:\n got %v\nwant %v", p, got, whole)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files compared, %d of them with a line over %d bytes", files, long, longLine)
}

func hasLongLine(s string) bool {
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return len(s) > longLine
		}
		if i > longLine {
			return true
		}
		s = s[i+1:]
	}
	return false
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:150] + " … " + s[len(s)-150:]
	}
	return s
}

// BenchmarkLocateLongLines: Locate on one line of 256 KB, as it runs
// (places) and with every anchor's line scanned whole (line-scan, as
// before scanNear). "sparse" is minified code with an anchor every 200
// bytes or so, where places are tried one by one; the others are lines
// crowded with one anchor, which are scanned whole either way. The real
// minified file is capture's BenchmarkRedactAfterEditReal/minified.
func BenchmarkLocateLongLines(b *testing.B) {
	sparse := strings.Repeat(strings.Repeat("var aa=bb+cc,dd=ee*ff;", 8)+"x.key=y;", 6)
	for _, in := range []struct{ name, unit string }{
		{"sparse", sparse}, {"key", "key"}, {"ghp", "ghp_"}, {"url", "a://"}, {"secret-key", "secret_key="},
	} {
		s := strings.Repeat(in.unit, 256<<10/len(in.unit))
		b.Run(in.name+"/places", func(b *testing.B) {
			for b.Loop() {
				Locate(s)
			}
		})
		b.Run(in.name+"/line-scan", func(b *testing.B) {
			for b.Loop() {
				lineScan(s)
			}
		})
	}
}
