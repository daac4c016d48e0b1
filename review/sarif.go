package review

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/syntx/syntx/internal/termtext"
	"github.com/syntx/syntx/rules"
)

// Tool describes the program that produced a report.
type Tool struct {
	Name           string // "SyntX"
	Version        string
	InformationURI string // optional
}

// WriteText prints one line per finding, best first:
//
//	path:line: message (rule, category, score 0.81)
//
// An unsafe fix's line adds what to check before applying it. A path
// holding a control character (a newline, an escape sequence) is printed
// Go-quoted, and such characters in the message as escapes, so that nothing
// the repository names can forge a line or drive the terminal.
func WriteText(w io.Writer, res *Result) error {
	for _, f := range res.Findings {
		note := ""
		if f.Unsafe {
			note += " The fix may change behaviour: " + oneLine(f.Rule.Check)
		}
		if f.Suppression != "" {
			note += " (A suppression comment added in this change does not silence it for review.)"
		}
		// The path and the message are the repository's: quoted or escaped
		// when they hold anything a terminal would act on.
		_, err := fmt.Fprintf(w, "%s:%d: %s%s (%s, %s, score %.2f)\n",
			termtext.Name(f.Path), f.Start().Line, termtext.Text(oneLine(f.Rule.Message)), termtext.Text(note), f.Rule.ID, f.Rule.Category, f.Score)
		if err != nil {
			return err
		}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// SARIF 2.1.0, the subset code-scanning tools read.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool      `json:"tool"`
	ColumnKind string         `json:"columnKind"`
	Results    []sarifResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent sarifText   `json:"insertedContent"`
}

// fixDescription is the fix's title; an unsafe one says so and what to
// check.
func fixDescription(f *Finding) string {
	if f.Unsafe {
		return oneLine(f.Rule.Title) + " (unsafe: " + oneLine(f.Rule.Check) + ")"
	}
	return oneLine(f.Rule.Title)
}

func findingProperties(f *Finding) map[string]any {
	p := map[string]any{"category": f.Rule.Category, "score": round3(f.Score), "safety": rules.Safe}
	if f.Unsafe {
		p["safety"] = rules.Unsafe
	}
	if f.Suppression != "" {
		p["suppressionInChange"] = f.Suppression
	}
	return p
}

// level maps a category to a SARIF level.
func level(category string) string {
	switch category {
	case "security":
		return "error"
	case "style":
		return "note"
	}
	return "warning"
}

// WriteSARIF writes the findings as a SARIF 2.1.0 log with one run. URIs
// are relative to the repository root (uriBaseId %SRCROOT%), columns count
// UTF-16 code units and end columns are exclusive; each result carries its
// fix as replacements.
func WriteSARIF(w io.Writer, res *Result, tool Tool) error {
	var used []*rules.Rule
	index := map[string]int{}
	for _, f := range res.Findings {
		if _, ok := index[f.Rule.ID]; !ok {
			index[f.Rule.ID] = -1
			used = append(used, f.Rule)
		}
	}
	sort.Slice(used, func(i, j int) bool { return used[i].ID < used[j].ID })
	driver := sarifDriver{Name: tool.Name, Version: tool.Version, InformationURI: tool.InformationURI, Rules: []sarifRule{}}
	for i, r := range used {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{oneLine(r.Title)},
			FullDescription:      sarifText{oneLine(r.Message)},
			DefaultConfiguration: sarifConfig{Level: level(r.Category)},
			Properties: map[string]any{
				"category": r.Category, "prior": r.Prior, "language": r.Language,
				"kind": r.ActionKind(), "tags": append([]string{r.Category}, r.Tags...),
			},
		})
	}
	results := []sarifResult{}
	for _, f := range res.Findings {
		art := sarifArtifact{URI: uriPath(f.Path), URIBaseID: "%SRCROOT%"}
		s, e := f.Start(), f.End()
		var reps []sarifReplacement
		for _, ed := range f.Edits {
			a, b := f.Pos(ed.Span.Start), f.Pos(ed.Span.End)
			reps = append(reps, sarifReplacement{
				DeletedRegion:   sarifRegion{StartLine: a.Line, StartColumn: a.Column, EndLine: b.Line, EndColumn: b.Column},
				InsertedContent: sarifText{ed.NewText},
			})
		}
		results = append(results, sarifResult{
			RuleID: f.Rule.ID, RuleIndex: index[f.Rule.ID], Level: level(f.Rule.Category),
			Message: sarifText{oneLine(f.Rule.Message)},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: art,
				Region:           sarifRegion{StartLine: s.Line, StartColumn: s.Column, EndLine: e.Line, EndColumn: e.Column},
			}}},
			PartialFingerprints: map[string]string{"syntx/v1": fingerprint(f)},
			Fixes: []sarifFix{{
				Description:     sarifText{fixDescription(f)},
				ArtifactChanges: []sarifArtifactChange{{ArtifactLocation: art, Replacements: reps}},
			}},
			Properties: findingProperties(f),
		})
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{{
		Tool:       sarifTool{Driver: driver},
		ColumnKind: "utf16CodeUnits",
		Results:    results,
		Properties: map[string]any{"base": res.Base, "head": res.Head, "policy": res.PolicyVersion},
	}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// fingerprint identifies a finding across runs and line moves: the rule,
// the file and the code it rewrites.
func fingerprint(f *Finding) string {
	h := sha256.Sum256([]byte(f.Rule.ID + "\x00" + f.Path + "\x00" + strings.Join(strings.Fields(f.Original), " ")))
	return hex.EncodeToString(h[:8])
}

// uriPath escapes a relative path for a URI reference.
func uriPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/!$&'()*+,;=@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func round3(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}
