package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
)

func (s *Server) executeCommand(ctx context.Context, params []byte) (any, error) {
	var p struct {
		Command       string            `json:"command"`
		Arguments     []json.RawMessage `json:"arguments"`
		WorkDoneToken json.RawMessage   `json:"workDoneToken"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, invalidParams("executeCommand: %v", err)
	}
	arg := func(i int, what string) (string, error) {
		var v string
		if len(p.Arguments) <= i || json.Unmarshal(p.Arguments[i], &v) != nil || v == "" {
			return "", invalidParams("%s: argument %d must be %s (a string)", p.Command, i+1, what)
		}
		return v, nil
	}
	// Commands run off the read loop. syntx.accept runs in its document's
	// queue, after the edit it follows; the others after the work queued
	// for every document before them (within limits.request_timeout, so a
	// document stuck in slow work delays them, not forever), so that what
	// they report or change follows the edits sent before them.
	if p.Command == "syntx.accept" || p.Command == "syntx.dismiss" {
		s.active()
	}
	if p.Command == "syntx.accept" {
		id, err := arg(0, "the suggestion id")
		if err != nil {
			return nil, err
		}
		of := s.offers.get(id)
		if of == nil {
			return nil, unknownSuggestion(s, id)
		}
		done := make(chan error, 1)
		s.queues.run(of.DocKey, func() { done <- s.accept(context.Background(), id) })
		jsonrpc2.Async(ctx)
		select {
		case err := <-done:
			return nil, err
		case <-ctx.Done():
			return nil, errCancelled
		}
	}
	jsonrpc2.Async(ctx)
	if !s.queues.barrier(ctx, s.config().Limits.RequestTimeout.D()) {
		s.log.Info("a command ran before slow document work queued ahead of it finished", "command", p.Command)
	}
	switch p.Command {
	case "syntx.dismiss":
		id, err := arg(0, "a suggestion id or a candidate set id")
		if err != nil {
			return nil, err
		}
		reason := string(store.NotHelpful)
		if len(p.Arguments) > 1 {
			if reason, err = arg(1, "a reason: not-helpful, wrong, style or other"); err != nil {
				return nil, err
			}
		}
		return nil, s.dismiss(ctx, id, store.Reason(reason))
	case "syntx.setPersona":
		name, err := arg(0, "a persona name")
		if err != nil {
			return nil, err
		}
		return s.setPersona(ctx, name)
	case "syntx.status":
		return s.status(ctx), nil
	case "syntx.retrain":
		return s.retrain(ctx, clientToken(p.WorkDoneToken))
	case "syntx.rollback":
		return s.rollback(ctx)
	case "syntx.teamSync":
		return s.teamSyncNow(ctx)
	}
	return nil, invalidParams("unknown command %q; known commands: %v", p.Command, Commands)
}

// accept records that the developer applied a suggestion, and starts
// following what happens to it.
func (s *Server) accept(ctx context.Context, id string) error {
	of := s.offers.get(id)
	if of == nil {
		return unknownSuggestion(s, id)
	}
	s.offers.mu.Lock()
	already := of.Accepted
	s.offers.mu.Unlock()
	if already {
		return nil // a client that runs the command twice
	}
	now := s.now()
	// Record first: an accept is acknowledged only once it is durable, and
	// one that could not be recorded stays unaccepted, so that running the
	// command again records it rather than answering "already accepted".
	if s.rec != nil {
		persona, weight := s.persona()
		if err := s.rec.Accepted(store.Event{SuggestionID: id, Outcome: store.Accepted, At: now, Persona: persona, PersonaWeight: weight}); err != nil {
			if errors.Is(err, store.ErrNotFound) && s.checkForget(ctx) {
				// Forgotten between the offer and the accept, before a
				// tick noticed.
				return unknownSuggestion(s, id)
			}
			return fmt.Errorf("syntx.accept: recording failed: %w", err)
		}
	}
	s.offers.mu.Lock()
	of.Accepted = true
	s.offers.mu.Unlock()
	s.diagActed(of.DocKey, of.Rule.ID, of.SiteLine)
	tracked := false
	if s.tracker != nil {
		if doc := s.docs.get(of.DocKey); doc != nil {
			doc.mu.Lock()
			tracked = s.tracker.Accept(capture.Applied{
				SuggestionID: of.ID, SetID: of.SetID, DocKey: of.DocKey, Grammar: of.Grammar,
				Start: of.Region.Start, Original: of.Original, Suggested: of.Replaced, Parts: of.Parts,
				Imports: importParts(of.Edits),
			}, doc.text.Bytes(), now)
			doc.mu.Unlock()
		}
	}
	if !tracked {
		s.log.Info("accepted suggestion not found in the document; its outcome will not be followed", "suggestion", id)
	}
	s.log.Info("accepted", "suggestion", id, "rule", of.Rule.ID)
	return nil
}

// unknownSuggestion answers an accept of an id the server does not hold,
// saying why when it knows.
func unknownSuggestion(s *Server, id string) error {
	if s.offers.wasForgotten(id) {
		return invalidParams("syntx.accept: suggestion %q was forgotten (syntx forget ran after it was offered); nothing is recorded for it — ask for code actions again", id)
	}
	return invalidParams("syntx.accept: unknown suggestion id %q (it may be from an earlier session)", id)
}

// dismiss records explicit negative feedback on one suggestion or on every
// suggestion of a set.
func (s *Server) dismiss(ctx context.Context, id string, reason store.Reason) error {
	if !reason.Valid() {
		return invalidParams("syntx.dismiss: reason %q must be not-helpful, wrong, style or other", reason)
	}
	ids := s.offers.members(id)
	if len(ids) == 0 {
		if s.offers.wasForgotten(id) {
			return invalidParams("syntx.dismiss: suggestion %q was forgotten (syntx forget ran after it was offered); nothing is recorded for it", id)
		}
		return invalidParams("syntx.dismiss: unknown suggestion or set id %q", id)
	}
	if s.tracker != nil {
		if of := s.offers.get(ids[0]); of != nil {
			s.tracker.Chosen(of.SetID)
		}
	}
	if s.rec == nil {
		return invalidRequest("syntx.dismiss: feedback cannot be recorded: %s", s.captureErr)
	}
	persona, weight := s.persona()
	now := s.now()
	// One suggestion dismissed is strong evidence against it; a menu
	// dismissed as a whole is one signal about the set, shared by its
	// suggestions (capture.evidence.dismissed, dismissed_set).
	evidence := s.config().Capture.Evidence.Dismissed
	if len(ids) > 1 || ids[0] != id {
		evidence = capture.DismissedShare(s.config().Capture.Evidence, len(ids))
	}
	for _, sid := range ids {
		if of := s.offers.get(sid); of != nil {
			s.diagActed(of.DocKey, of.Rule.ID, of.SiteLine)
		}
		s.writePending(sid, weight)
		ev := store.Event{SuggestionID: sid, Outcome: store.Dismissed, At: now, Persona: persona, PersonaWeight: weight, Reason: reason}
		if err := s.rec.Outcome(ev, evidence, true); err != nil {
			return fmt.Errorf("syntx.dismiss: recording failed: %w", err)
		}
		if of := s.offers.get(sid); of != nil {
			s.offers.mu.Lock()
			of.Dismissed = true
			s.offers.mu.Unlock()
		}
	}
	s.noteActivity(1)
	return nil
}

// setPersona switches the active persona for this session.
func (s *Server) setPersona(ctx context.Context, name string) (any, error) {
	cfg := s.config()
	if _, ok := cfg.Personas[name]; !ok {
		names := make([]string, 0, len(cfg.Personas))
		for n := range cfg.Personas {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, invalidParams("syntx.setPersona: unknown persona %q; configured: %v", name, names)
	}
	s.mu.Lock()
	s.personaOverride = name
	s.mu.Unlock()
	w := capture.PersonaWeight(cfg.Personas, name)
	if s.rec != nil {
		// Queued, not waited for: the switch takes effect at once, and the
		// record is written before anything recorded after it (one writer,
		// in order). An fsync stalled by other disk traffic must not hold
		// the editor's command.
		at := s.now()
		if err := s.rec.Queue(func(ctx context.Context, db *store.DB) error { return db.RecordPersona(ctx, name, w, at) }); err != nil {
			s.log.Warn("recording the persona change failed", "err", err)
		}
	}
	return map[string]any{"persona": name, "weight": w}, nil
}

// Status is what syntx.status answers: the server's state and, when the
// database is open, what it recorded (the fields of `syntx status --json`).
type Status struct {
	store.Status
	Version   string   `json:"version"`
	Documents int      `json:"documents"`
	Rules     int      `json:"rules"`
	Session   Session  `json:"session"`
	Persona   string   `json:"persona"`
	Policy    string   `json:"policy"`
	Encoding  string   `json:"positionEncoding"`
	Capture   string   `json:"capture"` // "on", or why not
	Training  *TrainSt `json:"training,omitempty"`
	// Team is team mode's state: off, or the hub's layer and last sync.
	Team *TeamSt `json:"team"`
	// Workspace says whether the workspace folder's own rules and
	// settings are in use, and why (absent without a workspace folder).
	Workspace *WorkspaceSt `json:"workspace,omitempty"`
	// HeldBack are the rules the developer's record of outcomes holds
	// back from automatic triggers (capture.Record), per file role.
	HeldBack []capture.Held `json:"heldBack,omitempty"`
}

// heldBack lists what the record holds back, in production and test
// files, for every loaded rule.
func (s *Server) heldBack() []capture.Held {
	rec := s.record.Load()
	if rec == nil {
		return nil
	}
	p := s.config().Policy
	return rec.HeldBack(s.library().Rules(), p.Threshold, p.RecordStrength, p.RecordMin)
}

// WorkspaceSt is the workspace folder's trust, for syntx.status.
type WorkspaceSt struct {
	Root    string `json:"root"`
	Files   string `json:"files,omitempty"` // what its .syntx holds
	Trusted bool   `json:"trusted"`
	Note    string `json:"note,omitempty"`
	Rules   int    `json:"rules"` // workspace rules loaded
}

// Session counts this session's offers.
type Session struct {
	Offered  int `json:"offered"`
	Accepted int `json:"accepted"`
}

func (s *Server) status(ctx context.Context) *Status {
	offered, accepted := s.offers.stats()
	persona, _ := s.persona()
	st := &Status{
		Version:   Version,
		Documents: s.docs.count(),
		Rules:     len(s.library().Rules()),
		Session:   Session{Offered: offered, Accepted: accepted},
		Persona:   persona,
		Policy:    "priors",
		Encoding:  s.encoding().String(),
		Capture:   "on",
		Training:  s.trainingStatus(),
		Team:      s.teamStatus(),
		HeldBack:  s.heldBack(),
	}
	if rt := s.policy(); rt != nil {
		st.Policy = rt.Version()
	}
	s.mu.RLock()
	ws := s.ws
	s.mu.RUnlock()
	if ws != nil {
		st.Workspace = &WorkspaceSt{Root: ws.Root, Files: ws.Summary(), Trusted: ws.Trusted && !ws.Empty(), Note: ws.Note}
		for _, r := range s.library().Rules() {
			if r.Origin == rules.OriginWorkspace {
				st.Workspace.Rules++
			}
		}
	}
	if s.rec == nil {
		st.Capture = "off: " + s.captureErr
		st.Status.Events = map[store.Outcome]int64{}
		for _, o := range store.Outcomes() {
			st.Status.Events[o] = 0
		}
		return st
	}
	_ = s.rec.Do(func(ctx context.Context, db *store.DB) error {
		dbst, err := db.Status(ctx)
		if err != nil {
			s.log.Warn("status", "err", err)
			return err
		}
		st.Status = dbst
		return nil
	})
	return st
}

// clientToken reads a work-done token the client sent with its request.
func clientToken(raw json.RawMessage) protocol.ProgressToken {
	var n int32
	var str string
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil
	case json.Unmarshal(raw, &n) == nil:
		return protocol.Integer(n)
	case json.Unmarshal(raw, &str) == nil:
		return protocol.String(str)
	}
	return nil
}

// members returns the suggestion ids of a set id, or id itself if it names
// a suggestion.
func (o *offers) members(id string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.byID[id]; ok {
		if of := o.byID[id]; of.SetID != id {
			return []string{id}
		}
	}
	var out []string
	for _, sid := range o.order {
		if of := o.byID[sid]; of != nil && of.SetID == id {
			out = append(out, sid)
		}
	}
	return slices.Compact(out)
}
