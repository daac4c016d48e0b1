package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

// explain prints, for a data directory a run kept (-keep), what the
// active adapter does to each rule the developer gave feedback on, in a
// test file and in production code: the logit change over the base and
// its split by feature group (train.Explain), with the feedback on that
// rule by file role. It is how one finds whether evidence sits on the
// rule's own features or on the shared ones (role, category, family).
func explain(ctx context.Context, home string, w io.Writer) error {
	base, err := model.LoadBase()
	if err != nil {
		return err
	}
	_, dir, ok, err := model.ActiveAdapter(home)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: no active adapter", home)
	}
	ad, err := model.LoadAdapter(dir, base)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	cands, votes, err := feedbackByRule(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "adapter %s; logit change over the base by feature group (ablation)\n", ad.Version)
	for _, rule := range slices.Sorted(maps.Keys(cands)) {
		for _, role := range []string{"test", ""} {
			c := cands[rule]
			c.FileRole = role
			delta, parts, err := train.Explain(base, ad.LoRA, c)
			if err != nil {
				return err
			}
			var b strings.Builder
			for _, p := range parts {
				fmt.Fprintf(&b, " %s %+.2f", p.Group, p.Delta)
			}
			name := role
			if name == "" {
				name = "production"
			}
			fmt.Fprintf(w, "%-40s %-10s %s delta %+.2f:%s\n", rule, name, votes[rule+"|"+name], delta, b.String())
		}
	}
	return nil
}

// feedbackByRule returns one candidate per rule the labels name and, per
// rule and file role, the labels as "+a/-r" (desirable, not).
func feedbackByRule(ctx context.Context, db *store.DB) (map[string]model.Candidate, map[string]string, error) {
	cands := map[string]model.Candidate{}
	plus, minus := map[string]int{}, map[string]int{}
	err := db.Preferences(ctx, store.PreferenceFilter{}, func(p store.Preference) error {
		if p.Kind != store.Label {
			return nil
		}
		s, err := db.Suggestion(ctx, p.SuggestionID)
		if err != nil {
			return err
		}
		c := train.CandidateOf(s)
		role := c.FileRole
		if role == "" {
			role = "production"
		}
		cands[c.RuleID] = c
		if p.Desirable {
			plus[c.RuleID+"|"+role]++
		} else {
			minus[c.RuleID+"|"+role]++
		}
		return nil
	})
	votes := map[string]string{}
	for rule := range cands {
		for _, role := range []string{"test", "production"} {
			k := rule + "|" + role
			votes[k] = fmt.Sprintf("+%d/-%d", plus[k], minus[k])
		}
	}
	return cands, votes, err
}
