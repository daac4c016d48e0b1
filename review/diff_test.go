package review

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// applyHunks rebuilds b from a and the hunks of lineDiff(a, b).
func applyHunks(a, b *lines, hunks []Hunk) string {
	var out strings.Builder
	i := 0
	for _, h := range hunks {
		out.Write(a.text(LineRange{i, h.Old.Start}))
		out.Write(b.text(h.New))
		i = h.Old.End
	}
	out.Write(a.text(LineRange{i, a.n()}))
	return out.String()
}

func TestLineDiffRebuildsAndIsMinimalOnSmallEdits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a\n", "b\n", "c\n", "d\n", "e\n"}
	gen := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[rng.IntN(len(words))])
		}
		return b.String()
	}
	for i := range 500 {
		x, y := gen(rng.IntN(12)), gen(rng.IntN(12))
		if i%3 == 0 {
			y = x + "tail"
		}
		a, b := newLines([]byte(x)), newLines([]byte(y))
		hunks := lineDiff(a, b)
		if got := applyHunks(a, b, hunks); got != y {
			t.Fatalf("diff of %q -> %q gives %v which rebuilds %q", x, y, hunks, got)
		}
		for k := 1; k < len(hunks); k++ {
			if hunks[k].Old.Start < hunks[k-1].Old.End || hunks[k].New.Start < hunks[k-1].New.End {
				t.Fatalf("hunks out of order: %v", hunks)
			}
		}
	}
	a := newLines([]byte("1\n2\n3\n4\n5\n"))
	b := newLines([]byte("1\n2\nX\n4\n5\n6\n"))
	want := []Hunk{{Old: LineRange{2, 3}, New: LineRange{2, 3}}, {Old: LineRange{5, 5}, New: LineRange{5, 6}}}
	if got := lineDiff(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestClusterAround(t *testing.T) {
	t.Parallel()
	// old:  0 1 2 3 4 5 6 7 8 9
	hunks := []Hunk{
		{Old: LineRange{1, 2}, New: LineRange{1, 3}}, // line 1 becomes two lines
		{Old: LineRange{4, 4}, New: LineRange{5, 7}}, // two lines inserted before old 4
		{Old: LineRange{6, 8}, New: LineRange{9, 9}}, // old 6 and 7 deleted
	}
	cases := []struct {
		r    LineRange
		want cluster
	}{
		{LineRange{0, 1}, cluster{Old: LineRange{0, 1}, New: LineRange{0, 1}}},
		{LineRange{1, 2}, cluster{Old: LineRange{1, 2}, New: LineRange{1, 3}, Touched: true}},
		{LineRange{3, 4}, cluster{Old: LineRange{3, 4}, New: LineRange{5, 7}.union(LineRange{4, 5}), Touched: true}},
		{LineRange{4, 5}, cluster{Old: LineRange{4, 5}, New: LineRange{5, 8}, Touched: true}},
		{LineRange{5, 6}, cluster{Old: LineRange{5, 6}, New: LineRange{8, 9}}},
		{LineRange{8, 9}, cluster{Old: LineRange{8, 9}, New: LineRange{9, 10}}},
		{LineRange{5, 9}, cluster{Old: LineRange{5, 9}, New: LineRange{8, 10}, Touched: true}},
	}
	for _, c := range cases {
		if got := clusterAround(hunks, c.r); got != c.want {
			t.Errorf("clusterAround(%v) = %+v, want %+v", c.r, got, c.want)
		}
	}
}

func (r LineRange) union(o LineRange) LineRange {
	return LineRange{min(r.Start, o.Start), max(r.End, o.End)}
}

func TestDiffParser(t *testing.T) {
	t.Parallel()
	out := "\x1eabc 1700000000\n\n" +
		"diff --git a/x.go b/x.go\n" +
		"index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644\n" +
		"--- a/x.go\n+++ b/x.go\n" +
		"@@ -3 +3,2 @@ func f() {\n-\told\n+\tnew\n+--- not a header\n" +
		"@@ -10,2 +11,0 @@\n-a\n-b\n" +
		"diff --git \"a/sp ace\\303\\251.go\" \"b/sp ace\\303\\251.go\"\n" +
		"new file mode 100644\n" +
		"index 0000000000000000000000000000000000000000..3333333333333333333333333333333333333333\n" +
		"--- /dev/null\n+++ \"b/sp ace\\303\\251.go\"\t\n@@ -0,0 +1 @@\n+x\n" +
		"diff --git a/old.go b/new.go\nsimilarity index 100%\nrename from old.go\nrename to new.go\n" +
		"diff --git a/img.go b/img.go\nindex 4444444444444444444444444444444444444444..5555555555555555555555555555555555555555 100644\n" +
		"Binary files a/img.go and b/img.go differ\n" +
		"\x1edef 1700000060\n"
	var files []*FileDiff
	var commits []string
	p := &diffParser{
		onFile:   func(f *FileDiff) error { files = append(files, f); return nil },
		onCommit: func(l string) error { commits = append(commits, l); return nil },
	}
	if err := scanLines(strings.NewReader(out), p.line); err != nil {
		t.Fatal(err)
	}
	if err := p.flush(); err != nil {
		t.Fatal(err)
	}
	if len(commits) != 2 || len(files) != 4 {
		t.Fatalf("commits %q, %d files", commits, len(files))
	}
	x := files[0]
	if x.OldPath != "x.go" || x.NewPath != "x.go" || !strings.HasPrefix(x.OldBlob, "1111") || !strings.HasPrefix(x.NewBlob, "2222") ||
		!reflect.DeepEqual(x.Hunks, []Hunk{{Old: LineRange{2, 3}, New: LineRange{2, 4}}, {Old: LineRange{9, 11}, New: LineRange{11, 11}}}) {
		t.Errorf("x.go: %+v", x)
	}
	if f := files[1]; f.NewPath != "sp aceé.go" || f.OldPath != "" || f.OldBlob != "" || f.NewMode != "100644" || len(f.Hunks) != 1 {
		t.Errorf("new file: %+v", f)
	}
	if f := files[2]; f.OldPath != "old.go" || f.NewPath != "new.go" || len(f.Hunks) != 0 {
		t.Errorf("rename: %+v", f)
	}
	if !files[3].Binary {
		t.Errorf("binary: %+v", files[3])
	}
}

func TestChunkedAnalysisMatchesWholeFile(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("package big\n\nimport (\n\t\"fmt\"\n\t\"time\"\n)\n\n")
	for i := range 400 {
		fmt.Fprintf(&b, "// F%d does things.\nfunc F%d(err error, start time.Time) (time.Duration, error) {\n", i, i)
		if i%50 == 7 {
			fmt.Fprintf(&b, "\tif err != nil {\n\t\treturn 0, fmt.Errorf(\"f%d: %%v\", err)\n\t}\n", i)
		}
		if i%50 == 9 {
			b.WriteString("\treturn time.Now().Sub(start), nil\n}\n\n")
			continue
		}
		b.WriteString("\treturn 0, nil\n}\n\n")
	}
	b.WriteString("const doc = `\nraw text in the first column\n`\n\nfunc Last(err error) error { return fmt.Errorf(\"last: %v\", err) }\n")
	src := []byte(b.String())
	ls := newLines(src)
	var want []LineRange
	for i := range ls.n() {
		if l := string(ls.line(i)); strings.Contains(l, "%v") || strings.Contains(l, "Now()") || strings.Contains(l, "first column") {
			want = append(want, LineRange{i, i + 1})
		}
	}
	whole := &analyzer{lib: testRules(t)}
	chunked := &analyzer{lib: testRules(t), chunkOver: 1024}
	a, err := whole.analyze(context.Background(), "go", "big.go", src, ls, want)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chunked.analyze(context.Background(), "go", "big.go", src, ls, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 8+8+1 || len(a) != len(c) {
		t.Fatalf("whole file: %d findings, chunked: %d", len(a), len(c))
	}
	for i := range a {
		x, y := a[i], c[i]
		if x.Rule != y.Rule || x.Site != y.Site || x.Region != y.Region || x.Suggested != y.Suggested || !reflect.DeepEqual(x.Edits, y.Edits) {
			t.Errorf("finding %d: whole %s %v %q, chunked %s %v %q", i, x.Rule.ID, x.Site, x.Suggested, y.Rule.ID, y.Site, y.Suggested)
		}
	}
	if chunked.fallbacks != 1 {
		t.Errorf("%d whole-file fallbacks, want 1 (for the raw string)", chunked.fallbacks)
	}
	// The chunks hold the functions around the wanted lines, not the file.
	chunks := enclosingChunks(ls, want[:1])
	if len(chunks) != 1 || chunks[0].Len() > 8 {
		t.Errorf("chunks %v", chunks)
	}
}
