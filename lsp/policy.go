package lsp

import (
	"context"
	"fmt"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/model"
)

// loadPolicy builds the policy runtime: the configured ONNX file, or the
// embedded base when none is configured or the configured one is refused
// (the user is told why).
func (s *Server) loadPolicy(ctx context.Context, cfg config.Config) *model.Runtime {
	var base *model.Network
	if path := cfg.Policy.Model; path != "" {
		data, err := model.ReadONNXFile(path)
		if err == nil {
			base, err = model.LoadONNX(data)
		}
		if err != nil {
			s.log.Warn("policy model refused; using the embedded base", "model", path, "err", err)
			s.showMessage(ctx, protocol.MessageTypeWarning, "policy.model %s refused (%v); using the embedded base model", path, err)
			base = nil
		}
	}
	if base == nil {
		var err error
		if base, err = model.LoadBase(); err != nil {
			// The embedded model is part of the binary: failing to load it
			// is a build defect, but the server still works on priors.
			s.log.Error("embedded base model does not load; ranking by rule priors", "err", err)
			return nil
		}
	}
	rt, err := model.NewRuntime(base)
	if err != nil {
		s.log.Error("policy runtime", "err", err)
		return nil
	}
	return rt
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
