package rulecheck

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Issue 21's targets on the real corpus.
const (
	// MaxAutoPerKLOC is the most automatic suggestions per 1,000 lines the
	// base policy may show in any language.
	MaxAutoPerKLOC = 2.0
	// MaxTopShare is the largest share of a language's automatic
	// suggestions one rule may have.
	MaxTopShare = 0.25
)

// Target is one target and whether the run meets it.
type Target struct {
	Name   string
	Met    bool
	Detail string
}

// Silent is the list of rules kept although they offer nothing on the real
// corpus, each with the reason (testdata/rulecheck/silent.toml).
type Silent map[string]string

// LoadSilent reads the kept silent rules: [[rule]] tables with id and
// reason.
func LoadSilent(path string) (Silent, error) {
	var f struct {
		Rule []struct {
			ID     string `toml:"id"`
			Reason string `toml:"reason"`
		} `toml:"rule"`
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Silent{}, nil
	}
	if err != nil {
		return nil, err
	}
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown keys %v", path, u)
	}
	out := Silent{}
	for _, r := range f.Rule {
		if r.ID == "" || strings.TrimSpace(r.Reason) == "" {
			return nil, fmt.Errorf("%s: every rule needs an id and a reason", path)
		}
		out[r.ID] = r.Reason
	}
	return out, nil
}

// Targets evaluates the run: always that no fix breaks a check; with all,
// also the targets that only mean something on the full pool: automatic
// suggestions per 1,000 lines and the most frequent rule's share, per
// language, and every rule offering something or being kept for a reason
// given in silent.
func Targets(r *Result, sum *Summary, all bool, silent Silent) []Target {
	var out []Target
	breaks, errs := 0, 0
	var where []string
	for _, l := range sum.Languages {
		breaks += l.Breaks
		if l.Breaks > 0 {
			where = append(where, fmt.Sprintf("%s %d", l.Language, l.Breaks))
		}
	}
	for _, o := range r.Offers {
		if o.Error != "" {
			errs++
		}
	}
	out = append(out, Target{Name: "0 fixes that break a checker", Met: breaks == 0 && errs == 0,
		Detail: fmt.Sprintf("%d breaking (%s), %d not checked", breaks, strings.Join(where, ", "), errs)})
	if !all {
		return out
	}
	for _, l := range sum.Languages {
		out = append(out, Target{
			Name:   fmt.Sprintf("%s: <= %.0f automatic suggestions per 1,000 lines", l.Language, MaxAutoPerKLOC),
			Met:    l.AutoPerKLOC <= MaxAutoPerKLOC,
			Detail: fmt.Sprintf("%.2f (%d in %d lines)", l.AutoPerKLOC, l.Automatic, l.Lines),
		})
		out = append(out, Target{
			Name:   fmt.Sprintf("%s: no rule > %.0f%% of automatic suggestions", l.Language, 100*MaxTopShare),
			Met:    l.TopShare <= MaxTopShare,
			Detail: fmt.Sprintf("%s %.0f%%", orDash(l.TopRule), 100*l.TopShare),
		})
		var unexplained, firing []string
		for _, id := range l.Silent {
			if silent[id] == "" {
				unexplained = append(unexplained, id)
			}
		}
		for id := range silent {
			if strings.HasPrefix(id, l.Language+".") && !contains(l.Silent, id) {
				firing = append(firing, id)
			}
		}
		sort.Strings(firing)
		detail := fmt.Sprintf("%d of %d rules offer nothing", len(l.Silent), l.Rules)
		if len(unexplained) > 0 {
			detail += "; not explained in silent.toml: " + strings.Join(unexplained, ", ")
		}
		if len(firing) > 0 {
			detail += "; explained but offering now (drop from silent.toml): " + strings.Join(firing, ", ")
		}
		out = append(out, Target{
			Name:   fmt.Sprintf("%s: every rule fires or is explained", l.Language),
			Met:    len(unexplained) == 0,
			Detail: detail,
		})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SampleTargets evaluates the judged samples against issue 21's target: at
// least SampleSize judged automatic suggestions per language, at most one
// harmful and at least as many welcome as nitpicks among them. The
// menu-only suggestions judged to make up a sample are reported, not
// counted. Suggestions the run no longer shows the way they were judged
// are named: the sample needs drawing and judging again.
func SampleTargets(r *Result, samples []*Sample) []Target {
	var out []Target
	for _, s := range samples {
		auto, menu := s.Tally(ShownAutomatic), s.Tally(ShownMenu)
		n := 0
		for _, c := range auto {
			n += c
		}
		detail := fmt.Sprintf("%d automatic judged (of %d shown): %d welcome, %d nitpick, %d false positive, %d harmful; %d menu-only judged: %d welcome, %d nitpick, %d false positive, %d harmful",
			n, countShown(r, s.Language, true), auto[Welcome], auto[Nitpick], auto[FalsePositive], auto[Harmful],
			len(s.Items)-n, menu[Welcome], menu[Nitpick], menu[FalsePositive], menu[Harmful])
		if stale := s.Stale(r); len(stale) > 0 {
			detail += fmt.Sprintf("; %d judged suggestions are no longer offered as judged (draw again: rulecheck sample)", len(stale))
		}
		out = append(out, Target{
			Name:   fmt.Sprintf("%s: judged sample >= %d, harmful <= 1, welcome >= nitpick", s.Language, SampleSize),
			Met:    n >= SampleSize && auto[Harmful] <= 1 && auto[Welcome] >= auto[Nitpick] && auto[""] == 0,
			Detail: detail,
		})
	}
	return out
}
