package review

import (
	"encoding/json"
	"io"
)

// Reviewdog Diagnostic Format (rdjson: the JSON form of DiagnosticResult in
// reviewdog's proto/rdf/reviewdog.proto). Lines and columns are 1-based,
// columns count UTF-8 bytes, and range ends are exclusive.
type rdResult struct {
	Source      rdSource       `json:"source"`
	Severity    string         `json:"severity,omitempty"`
	Diagnostics []rdDiagnostic `json:"diagnostics"`
}

type rdSource struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type rdDiagnostic struct {
	Message     string         `json:"message"`
	Location    rdLocation     `json:"location"`
	Severity    string         `json:"severity"`
	Source      *rdSource      `json:"source,omitempty"`
	Code        rdCode         `json:"code"`
	Suggestions []rdSuggestion `json:"suggestions,omitempty"`
}

type rdLocation struct {
	Path  string  `json:"path"`
	Range rdRange `json:"range"`
}

type rdRange struct {
	Start rdPosition `json:"start"`
	End   rdPosition `json:"end"`
}

type rdPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

type rdCode struct {
	Value string `json:"value"`
	URL   string `json:"url,omitempty"`
}

type rdSuggestion struct {
	Range rdRange `json:"range"`
	Text  string  `json:"text"`
}

// severity maps a category to an rdjson severity.
func severity(category string) string {
	switch category {
	case "security":
		return "ERROR"
	case "style":
		return "INFO"
	}
	return "WARNING"
}

func rdPos(p Position) rdPosition { return rdPosition{Line: p.Line, Column: p.ByteColumn} }

// WriteRDJSON writes the findings in reviewdog's rdjson format, for
// `reviewdog -f=rdjson`. Each diagnostic's suggestions are the edits of its
// fix; reviewdog applies them together.
func WriteRDJSON(w io.Writer, res *Result, tool Tool) error {
	out := rdResult{Source: rdSource{Name: tool.Name, URL: tool.InformationURI}, Diagnostics: []rdDiagnostic{}}
	for _, f := range res.Findings {
		d := rdDiagnostic{
			Message:  oneLine(f.Rule.Message) + " (" + fixDescription(f) + ")",
			Location: rdLocation{Path: f.Path, Range: rdRange{Start: rdPos(f.Start()), End: rdPos(f.End())}},
			Severity: severity(f.Rule.Category),
			Code:     rdCode{Value: f.Rule.ID},
		}
		for _, e := range f.Edits {
			d.Suggestions = append(d.Suggestions, rdSuggestion{
				Range: rdRange{Start: rdPos(f.Pos(e.Span.Start)), End: rdPos(f.Pos(e.Span.End))},
				Text:  e.NewText,
			})
		}
		out.Diagnostics = append(out.Diagnostics, d)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
