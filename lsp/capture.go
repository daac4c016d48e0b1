package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/store"
)

// openCapture opens the database under the data directory and starts the
// recorder and the checkpoint ticker. Without a database the server still
// offers suggestions; it only cannot learn, and says so.
func (s *Server) openCapture(ctx context.Context, cfg config.Config) {
	s.tracker = capture.NewTracker(cfg.Capture.CheckpointDurations(), cfg.Capture.IgnoreAfter.D())
	if s.opts.DataDir == "" {
		s.captureErr = "no data directory"
		return
	}
	if err := os.MkdirAll(s.opts.DataDir, 0o700); err != nil {
		s.captureErr = err.Error()
		s.log.Error("capture disabled: cannot create the data directory", "dir", s.opts.DataDir, "err", err)
		return
	}
	db, err := store.Open(ctx, filepath.Join(s.opts.DataDir, "syntx.db"), store.Options{DiscardCode: !cfg.Capture.StoreCode, Now: s.now})
	if err != nil {
		if werr := probeWritable(s.opts.DataDir); werr != nil {
			// The store reports any file it cannot open as not a database;
			// say what is really wrong.
			err = fmt.Errorf("the data directory is not writable (%v): %w", werr, err)
		}
		s.captureErr = err.Error()
		s.log.Error("capture disabled: the database does not open; it is left untouched", "err", err)
		return
	}
	s.rec = capture.NewRecorder(db, s.log)
	s.tickStop = make(chan struct{})
	every := s.opts.TickInterval
	if every <= 0 {
		every = tickInterval(cfg)
	}
	go s.tickLoop(every, s.tickStop)
}

// tickInterval checks checkpoints often enough for the shortest window.
func tickInterval(cfg config.Config) time.Duration {
	d := cfg.Capture.IgnoreAfter.D()
	if cps := cfg.Capture.Checkpoints; len(cps) > 0 && cps[0].D() < d {
		d = cps[0].D()
	}
	d /= 4
	return min(max(d, 10*time.Millisecond), time.Second)
}

// tickLoop is given its stop channel: closeCapture clears the field.
func (s *Server) tickLoop(every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.tick()
		}
	}
}

// tick passes due checkpoints and ignore windows, follows adapter changes
// made elsewhere, and schedules idle-time training.
func (s *Server) tick() {
	if s.tracker == nil {
		return
	}
	if now := time.Now(); now.Sub(s.lastAdapterCheck) >= time.Second {
		s.lastAdapterCheck = now
		s.reloadAdapter(context.Background())
	}
	s.idleTrain()
	outs := s.tracker.Tick(s.now(), func(key string, fn func(text []byte)) {
		doc := s.docs.get(key)
		if doc == nil {
			return
		}
		doc.mu.Lock()
		defer doc.mu.Unlock()
		fn(doc.text.Bytes())
	})
	s.recordOutcomes(outs, false)
}

// recordOutcomes writes tracker decisions with the current persona.
func (s *Server) recordOutcomes(outs []capture.Outcome, wait bool) {
	if s.rec == nil || len(outs) == 0 {
		return
	}
	persona, weight := s.persona()
	for _, o := range outs {
		ev := store.Event{SuggestionID: o.SuggestionID, Outcome: o.Outcome, At: o.At,
			Persona: persona, PersonaWeight: weight, FinalText: o.FinalText}
		if err := s.rec.Outcome(ev, wait); err != nil {
			s.log.Warn("recording an outcome failed", "suggestion", o.SuggestionID, "outcome", o.Outcome, "err", err)
		}
		s.log.Info("outcome", "suggestion", o.SuggestionID, "outcome", o.Outcome)
	}
	s.noteActivity(len(outs))
}

// persona returns the active persona and its weight.
func (s *Server) persona() (string, float64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.cfg.Persona
	if s.personaOverride != "" {
		p = s.personaOverride
	}
	return p, capture.PersonaWeight(s.cfg.Personas, p)
}

// closeCapture flushes and closes the database.
func (s *Server) closeCapture() {
	if s.tickStop != nil {
		close(s.tickStop)
		s.tickStop = nil
	}
	if s.rec != nil {
		if err := s.rec.Close(); err != nil {
			s.log.Warn("closing the database", "err", err)
		}
	}
}

// offerRecords turns shown candidates into store rows.
func (s *Server) offerRecords(doc offerDoc, shown []*candidate, ids []string, setID, trigger, policyVersion string, now time.Time) []store.Suggestion {
	persona, _ := s.persona()
	s.mu.RLock()
	workspace := s.workspace
	s.mu.RUnlock()
	out := make([]store.Suggestion, len(shown))
	for i, c := range shown {
		feats, _ := json.Marshal(c.features)
		out[i] = store.Suggestion{
			ID: ids[i], CreatedAt: now, Workspace: workspace, Document: doc.path,
			Language: c.match.Rule.Language, RuleID: c.match.Rule.ID, Category: c.match.Rule.Category,
			Title: c.match.Rule.Title,
			Range: store.Range{
				Start: store.Position{Line: int(c.siteStart.Line), Character: int(c.siteStart.Character)},
				End:   store.Position{Line: int(c.siteEnd.Line), Character: int(c.siteEnd.Character)},
			},
			Features: feats, CandidateSet: setID, Rank: i, PolicyVersion: policyVersion, Score: c.score,
			Trigger: store.Trigger(trigger), Persona: persona,
			OriginalText: c.original, SuggestedText: c.replaced,
			RuleSource: c.match.Rule.Source, RuleSHA256: c.match.Rule.SHA256,
		}
	}
	return out
}

type offerDoc struct {
	key, uri, path string
}

// probeWritable creates and removes a file in dir.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".syntx-probe-")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
