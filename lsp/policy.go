package lsp

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/model"
)

// loadPolicy builds the policy runtime (model.LoadPolicy): the configured
// ONNX file, or the embedded base when none is configured or the configured
// one is refused, with the team layer and the active adapter merged in
// unless they are refused (the user is told why, once).
func (s *Server) loadPolicy(ctx context.Context, cfg config.Config) *model.Runtime {
	p, err := model.LoadPolicy(model.PolicyOptions{Model: cfg.Policy.Model, Home: s.opts.DataDir})
	if err != nil {
		// The embedded model is part of the binary: failing to load it
		// is a build defect, but the server still works on priors.
		s.log.Error("embedded base model does not load; ranking by rule priors", "err", err)
		return nil
	}
	if p.ModelErr != nil {
		s.log.Warn("policy model refused; using the embedded base", "model", cfg.Policy.Model, "err", p.ModelErr)
		s.showMessage(ctx, protocol.MessageTypeWarning, "policy.model %s refused (%v); using the embedded base model", cfg.Policy.Model, errors.Unwrap(p.ModelErr))
	}
	if p.AdapterRefused != "" || p.TeamRefused != "" {
		// The key reloadAdapter will compute for these pointers, so that
		// following them does not announce the refusal again.
		version, dir := p.AdapterVersion, p.AdapterDir
		if p.AdapterRefused != "" {
			version, dir = p.AdapterRefused, filepath.Join(model.AdaptersDir(s.opts.DataDir), p.AdapterRefused)
		}
		tversion, tdir := p.TeamVersion, p.TeamDir
		if p.TeamRefused != "" {
			tversion, tdir = p.TeamRefused, filepath.Join(model.TeamAdaptersDir(s.opts.DataDir), p.TeamRefused)
		}
		key := layersKey(version, dir, tversion, tdir)
		if p.TeamRefused != "" {
			s.refuseAdapter(ctx, key, "team "+p.TeamRefused, p.TeamErr)
		} else {
			s.refuseAdapter(ctx, key, p.AdapterRefused, p.AdapterErr)
		}
	}
	if p.TeamErr != nil && p.TeamRefused == "" {
		s.log.Warn("team adapter unreadable; keeping the current policy", "err", p.TeamErr)
	}
	if p.AdapterErr != nil && p.AdapterRefused == "" {
		s.log.Warn("active adapter unreadable; keeping the current policy", "err", p.AdapterErr)
	}
	if p.AdapterVersion != "" || p.TeamVersion != "" {
		s.log.Info("policy: adapters swapped in", "team", p.TeamVersion, "adapter", p.AdapterVersion)
	}
	s.flagTeamChange(ctx, p.AdapterVersion, p.TeamVersion)
	return p.Runtime
}

// scoreCandidates sets each candidate's score to the policy's acceptance
// probability; without a policy the rule's prior stands.
func (s *Server) scoreCandidates(ctx context.Context, cands []*candidate) (version string, err error) {
	rt := s.policy()
	if rt == nil {
		return "priors", nil
	}
	in := make([]model.Candidate, len(cands))
	for i, c := range cands {
		in[i] = c.features
	}
	out := make([]float64, len(cands))
	if err := rt.Score(ctx, in, out); err != nil {
		return "", fmt.Errorf("policy: %w", err)
	}
	for i, c := range cands {
		c.score = out[i]
	}
	return rt.Version(), nil
}

func (s *Server) policy() *model.Runtime {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rt
}
