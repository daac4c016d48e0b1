package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"
)

func (s *Server) executeCommand(ctx context.Context, params []byte) (any, error) {
	var p protocol.ExecuteCommandParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	switch p.Command {
	case "syntx.accept":
		var id string
		if len(p.Arguments) < 1 || json.Unmarshal(p.Arguments[0], &id) != nil || id == "" {
			return nil, invalidParams("syntx.accept takes one argument: the suggestion id (a string)")
		}
		of := s.offers.get(id)
		if of == nil {
			return nil, invalidParams("syntx.accept: unknown suggestion id %q (it may be from an earlier session)", id)
		}
		s.offers.mu.Lock()
		of.Accepted = true
		s.offers.mu.Unlock()
		s.log.Info("accepted", "suggestion", id, "rule", of.Rule.ID)
		return nil, nil
	case "syntx.status":
		return s.status(), nil
	case "syntx.dismiss", "syntx.retrain", "syntx.setPersona", "syntx.rollback":
		return nil, invalidRequest("%s is not available yet in this version of SyntX", p.Command)
	}
	return nil, invalidParams("unknown command %q; known commands: %v", p.Command, Commands)
}

// Status is what syntx.status answers.
type Status struct {
	Version   string `json:"version"`
	Documents int    `json:"documents"`
	Rules     int    `json:"rules"`
	Offered   int    `json:"offered"`
	Accepted  int    `json:"accepted"`
	Persona   string `json:"persona"`
	Encoding  string `json:"positionEncoding"`
}

func (s *Server) status() *Status {
	offered, accepted := s.offers.stats()
	cfg := s.config()
	return &Status{
		Version:   Version,
		Documents: s.docs.count(),
		Rules:     len(s.library().Rules()),
		Offered:   offered,
		Accepted:  accepted,
		Persona:   cfg.Persona,
		Encoding:  s.encoding().String(),
	}
}
