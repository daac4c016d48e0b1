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
// one is refused, with the active adapter merged in unless it is refused
// (the user is told why, once).
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
	switch {
	case p.AdapterRefused != "":
		s.refuseAdapter(ctx, p.AdapterRefused, filepath.Join(model.AdaptersDir(s.opts.DataDir), p.AdapterRefused), p.AdapterErr)
	case p.AdapterErr != nil:
		s.log.Warn("active adapter unreadable; keeping the current policy", "err", p.AdapterErr)
	case p.AdapterVersion != "":
		s.log.Info("policy: adapter swapped in", "adapter", p.AdapterVersion)
	}
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
