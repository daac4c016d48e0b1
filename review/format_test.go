package review

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/syntx/syntx/rules"
)

// formatResult reviews a change with two findings on neighbouring lines,
// one of whose fixes adds an import, and non-ASCII text before a fix's end.
func formatResult(t *testing.T) (*Result, []byte) {
	r := newRepo(t)
	r.write("a.go", "package a\n\nimport \"io\"\n\nfunc ok() {}\n")
	r.commit("main")
	r.write("a.go", r.read("a.go")+`
func Read(r io.Reader) error {
	_, err := r.Read(nil)
	if err == io.EOF { // naïve
		return fmt.Errorf("tête %s: %v", "x", err)
	}
	return nil
}
`)
	res := review(t, r, "")
	if len(res.Findings) != 2 {
		t.Fatalf("findings:\n%s", describe(res.Findings))
	}
	return res, []byte(r.read("a.go"))
}

// offsetOf converts a 1-based line and column (UTF-16 units, or bytes) to a
// byte offset of src.
func offsetOf(t *testing.T, src []byte, line, col int, utf16Cols bool) int {
	t.Helper()
	ls := newLines(src)
	if line-1 > ls.n() {
		t.Fatalf("line %d past the end", line)
	}
	start := ls.start(line - 1)
	if !utf16Cols {
		return start + col - 1
	}
	units := 0
	for off, r := range string(src[start:]) {
		if units == col-1 {
			return start + off
		}
		units += len(utf16.Encode([]rune{r}))
	}
	return len(src)
}

type replacement struct {
	start, end int
	text       string
}

func applyReplacements(src []byte, reps []replacement) []byte {
	sort.Slice(reps, func(i, j int) bool { return reps[i].start < reps[j].start })
	var out []byte
	last := 0
	for _, r := range reps {
		out = append(out, src[last:r.start]...)
		out = append(out, r.text...)
		last = r.end
	}
	return append(out, src[last:]...)
}

func TestWriteSARIF(t *testing.T) {
	t.Parallel()
	res, src := formatResult(t)
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, res, Tool{Name: "SyntX", Version: "1.2.3", InformationURI: "https://example.com/syntx"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			ColumnKind string `json:"columnKind"`
			Tool       struct {
				Driver struct {
					Name, Version, InformationURI string
					Rules                         []struct {
						ID               string `json:"id"`
						ShortDescription struct{ Text string }
						FullDescription  struct{ Text string }
						Properties       struct {
							Category string  `json:"category"`
							Prior    float64 `json:"prior"`
						}
					}
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
				Fixes []struct {
					Description     struct{ Text string }
					ArtifactChanges []struct {
						ArtifactLocation struct{ URI string }
						Replacements     []struct {
							DeletedRegion   struct{ StartLine, StartColumn, EndLine, EndColumn int }
							InsertedContent struct{ Text string }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-schema-2.1.0.json") || len(log.Runs) != 1 {
		t.Fatalf("log header: version %q schema %q runs %d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "SyntX" || d.Version != "1.2.3" || d.InformationURI == "" || run.ColumnKind != "utf16CodeUnits" {
		t.Errorf("driver %+v, column kind %q", d, run.ColumnKind)
	}
	if len(d.Rules) != 2 || d.Rules[0].ID != "go.errorf-wrap" || d.Rules[1].ID != "go.errors-is" {
		t.Fatalf("rules %+v", d.Rules)
	}
	for _, r := range d.Rules {
		if r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Properties.Category != "correctness" || r.Properties.Prior == 0 {
			t.Errorf("rule %+v", r)
		}
	}
	if len(run.Results) != 2 {
		t.Fatalf("results %d", len(run.Results))
	}
	for _, r := range run.Results {
		if d.Rules[r.RuleIndex].ID != r.RuleID || r.Level != "warning" || r.Message.Text == "" || len(r.Locations) != 1 {
			t.Errorf("result %+v", r)
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "a.go" || loc.Region.StartLine < 9 || loc.Region.EndColumn < 1 {
			t.Errorf("location %+v", loc)
		}
		var f *Finding
		for _, x := range res.Findings {
			if x.Rule.ID == r.RuleID {
				f = x
			}
		}
		if got := offsetOf(t, src, loc.Region.StartLine, loc.Region.StartColumn, true); got != f.Site.Start {
			t.Errorf("%s: region starts at byte %d, site at %d", r.RuleID, got, f.Site.Start)
		}
		if got := offsetOf(t, src, loc.Region.EndLine, loc.Region.EndColumn, true); got != f.Site.End {
			t.Errorf("%s: region ends at byte %d, site at %d", r.RuleID, got, f.Site.End)
		}
		if len(r.Fixes) != 1 || len(r.Fixes[0].ArtifactChanges) != 1 || r.Fixes[0].ArtifactChanges[0].ArtifactLocation.URI != "a.go" {
			t.Fatalf("fixes %+v", r.Fixes)
		}
		var reps []replacement
		for _, rp := range r.Fixes[0].ArtifactChanges[0].Replacements {
			dr := rp.DeletedRegion
			reps = append(reps, replacement{
				offsetOf(t, src, dr.StartLine, dr.StartColumn, true), offsetOf(t, src, dr.EndLine, dr.EndColumn, true),
				rp.InsertedContent.Text,
			})
		}
		if got, want := applyReplacements(src, reps), rules.Apply(src, f.Edits); !bytes.Equal(got, want) {
			t.Errorf("%s: applying the SARIF fix gives\n%s\nwant\n%s", r.RuleID, got, want)
		}
		if r.RuleID == "go.errors-is" && len(reps) != 2 {
			t.Errorf("errors-is fix has %d replacements, want 2 (the comparison and the import)", len(reps))
		}
	}
}

func TestWriteRDJSON(t *testing.T) {
	t.Parallel()
	res, src := formatResult(t)
	var buf bytes.Buffer
	if err := WriteRDJSON(&buf, res, Tool{Name: "syntx", InformationURI: "https://example.com/syntx"}); err != nil {
		t.Fatal(err)
	}
	type pos struct{ Line, Column int }
	type rng struct{ Start, End pos }
	var out struct {
		Source      struct{ Name, URL string }
		Diagnostics []struct {
			Message  string
			Location struct {
				Path  string
				Range rng
			}
			Severity    string
			Code        struct{ Value string }
			Suggestions []struct {
				Range rng
				Text  string
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if out.Source.Name != "syntx" || out.Source.URL == "" || len(out.Diagnostics) != 2 {
		t.Fatalf("%s", buf.String())
	}
	for _, d := range out.Diagnostics {
		var f *Finding
		for _, x := range res.Findings {
			if x.Rule.ID == d.Code.Value {
				f = x
			}
		}
		if f == nil || d.Message == "" || d.Severity != "WARNING" || d.Location.Path != "a.go" {
			t.Fatalf("diagnostic %+v", d)
		}
		r := d.Location.Range
		if offsetOf(t, src, r.Start.Line, r.Start.Column, false) != f.Site.Start || offsetOf(t, src, r.End.Line, r.End.Column, false) != f.Site.End {
			t.Errorf("%s: range %+v does not cover the site %v", f.Rule.ID, r, f.Site)
		}
		var reps []replacement
		for _, s := range d.Suggestions {
			reps = append(reps, replacement{
				offsetOf(t, src, s.Range.Start.Line, s.Range.Start.Column, false),
				offsetOf(t, src, s.Range.End.Line, s.Range.End.Column, false), s.Text,
			})
		}
		if got, want := applyReplacements(src, reps), rules.Apply(src, f.Edits); !bytes.Equal(got, want) {
			t.Errorf("%s: applying the suggestions gives\n%s\nwant\n%s", f.Rule.ID, got, want)
		}
	}
}

func TestUTF16AndByteColumnsDiffer(t *testing.T) {
	t.Parallel()
	res, _ := formatResult(t)
	for _, f := range res.Findings {
		if f.Rule.ID != "go.errorf-wrap" {
			continue
		}
		// The fix's region ends after "tête": 1 UTF-16 unit, 2 bytes for ê.
		end := f.Pos(f.Region.End)
		if end.ByteColumn != end.Column+1 {
			t.Errorf("region end %+v: want the byte column one past the UTF-16 one", end)
		}
	}
}
