package lsp

import "context"

// TrainSt is the state of training shown by syntx.status.
type TrainSt struct {
	Running bool   `json:"running"`
	Last    string `json:"last,omitempty"`
}

func (s *Server) retrain(ctx context.Context) (any, error) {
	return nil, invalidRequest("syntx.retrain is not available yet in this version of SyntX")
}

func (s *Server) rollback(ctx context.Context) (any, error) {
	return nil, invalidRequest("syntx.rollback is not available yet in this version of SyntX")
}

func (s *Server) trainingStatus() *TrainSt { return nil }
