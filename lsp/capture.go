package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/syntx/syntx/capture"
	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
	"github.com/syntx/syntx/train"
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
	s.loadRecord(false)
	if seq, err := db.LastForget(ctx); err == nil {
		s.lastForget.Store(seq)
	}
	s.tickStop = make(chan struct{})
	every := s.opts.TickInterval
	if every <= 0 {
		every = tickInterval(cfg)
	}
	go s.tickLoop(every, s.tickStop)
}

// loadRecord (re)reads the developer's record of outcomes from the
// database (capture.Record; automaticPolicy.shows holds suggestions back
// from automatic triggers by it) and republishes the diagnostics once it
// is in use: at start-up without waiting (until then nothing is held
// back), after a forget before it returns. Without it (the database
// failed to read) nothing is held back.
func (s *Server) loadRecord(wait bool) {
	rec := capture.NewRecord(train.DefaultHalfLife)
	// What the record holds back loses its squiggle as well as its
	// lightbulb entry, without waiting for an edit.
	rec.OnChange(s.diagnosticsStale)
	err := s.rec.LoadRecord(rec, s.config().Capture.Evidence.Edited, wait, func(rec *capture.Record) {
		s.record.Store(rec)
		s.diagnosticsStale()
	})
	if err != nil {
		s.log.Warn("reading the record of outcomes failed; nothing is held back by it", "err", err)
	}
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
	s.checkForget(context.Background())
	s.idleTeamSync()
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

// checkForget follows a forget made elsewhere (syntx forget, another
// window): when the newest forget in the database is not the one seen
// before, the offers and what the tracker follows may name deleted
// records. It reports whether a forget was found.
func (s *Server) checkForget(ctx context.Context) bool {
	if s.rec == nil {
		return false
	}
	seq, err := s.rec.DB().LastForget(ctx)
	if err != nil || seq == s.lastForget.Load() {
		return false
	}
	s.lastForget.Store(seq)
	s.afterForget(ctx)
	return true
}

// afterForget drops the recent offers, so that no id of a forgotten
// suggestion is handed out again (a repeated request gets fresh ids and is
// recorded anew), and stops following the suggestions whose records are
// gone.
func (s *Server) afterForget(ctx context.Context) {
	n := s.offers.forget()
	s.loadRecord(true)
	ids := s.tracker.Following()
	gone := map[string]bool{}
	if len(ids) > 0 {
		_ = s.rec.Do(func(ctx context.Context, db *store.DB) error {
			for _, id := range ids {
				if _, err := db.Suggestion(ctx, id); errors.Is(err, store.ErrNotFound) {
					gone[id] = true
				}
			}
			return nil
		})
		s.tracker.Forget(func(id string) bool { return gone[id] })
	}
	s.log.Info("data was forgotten: recent offers dropped", "offers", n, "no longer followed", len(gone))
}

// recordOutcomes writes tracker decisions with the current persona, each
// weighed by its evidence (capture.evidence). For the idle scheduler's
// count of new feedback, a menu ignored as a whole counts once.
func (s *Server) recordOutcomes(outs []capture.Outcome, wait bool) {
	if s.rec == nil || len(outs) == 0 {
		return
	}
	persona, weight := s.persona()
	evidence := s.config().Capture.Evidence
	n := 0
	menus := map[string]bool{}
	for _, o := range outs {
		if o.Unsaved {
			s.log.Info("applied suggestion never saved; nothing recorded", "suggestion", o.SuggestionID)
			continue
		}
		s.writePending(o.SuggestionID, weight)
		ev := store.Event{SuggestionID: o.SuggestionID, Outcome: o.Outcome, At: o.At,
			Persona: persona, PersonaWeight: weight, FinalText: o.FinalText}
		if err := s.rec.Outcome(ev, capture.EvidenceFor(evidence, o), wait); err != nil {
			s.log.Warn("recording an outcome failed", "suggestion", o.SuggestionID, "outcome", o.Outcome, "err", err)
		}
		s.log.Info("outcome", "suggestion", o.SuggestionID, "outcome", o.Outcome)
		switch {
		case o.Outcome != store.Ignored:
			n++
		case !menus[o.SetID]:
			menus[o.SetID] = true
			n++
		}
	}
	s.noteActivity(n)
}

// settleSession decides what the session still follows when the editor
// quits: neither VS Code nor Neovim closes its documents first. Each
// document is settled as a close would (undone and edited as they read,
// kept when the fix was saved since it was applied), unanswered menus are
// ignored, and everything is written before it returns. The edits, saves
// and accepts sent before run first. It runs once per session (shutdown,
// exit, the end of input or a signal, whichever comes first).
func (s *Server) settleSession(why string) {
	s.settleMu.Lock()
	defer s.settleMu.Unlock()
	if s.settled || s.tracker == nil {
		return
	}
	s.settled = true
	// Only the documents with applied fixes need their queued edits and
	// saves first; a document stuck in other work (a slow match) delays the
	// answer to shutdown by limits.request_timeout at most, and only when
	// it holds a followed fix.
	keys := s.tracker.Documents()
	stuck := map[string]bool{}
	if len(keys) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), s.config().Limits.RequestTimeout.D())
		for _, key := range keys {
			if err := s.queues.wait(ctx, key); err != nil {
				s.log.Warn("a document's work did not finish in time: its applied fixes are not settled", "why", why, "document", key)
				stuck[key] = true
			}
		}
		cancel()
	}
	now := s.now()
	var outs []capture.Outcome
	for _, key := range keys {
		doc := s.docs.get(key)
		if doc == nil || stuck[key] {
			continue
		}
		doc.mu.Lock()
		outs = append(outs, s.tracker.Closed(key, doc.text.Bytes(), now)...)
		doc.mu.Unlock()
	}
	outs = append(outs, s.tracker.Exit(now)...)
	if len(outs) > 0 {
		s.log.Info("settled the session", "why", why, "outcomes", len(outs))
	}
	s.recordOutcomes(outs, true)
}

// writePending writes the store row of a suggestion shown only as a
// diagnostic before its first event (the recorder keeps the order).
func (s *Server) writePending(id string, weight float64) {
	if p := s.offers.takePending(id); p != nil && s.rec != nil {
		s.rec.Offer([]store.Suggestion{*p}, weight)
	}
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

// recordOffer queues the records of a shown set. Their code is redacted in
// the context of the document (text, the snapshot the candidates were found
// in), on the recorder's goroutine: a secret passed by position stays
// recognisable by the call around it even when the region holds only part
// of the call.
func (s *Server) recordOffer(doc offerDoc, text *syntax.Text, shown []*candidate, ids []string, setID, trigger, policyVersion string, now time.Time, weight float64) {
	recs := s.offerRecords(doc, shown, ids, setID, trigger, policyVersion, now)
	s.rec.OfferFunc(func() []store.Suggestion {
		red := doc.redact(text)
		origs := originalTexts(red, shown)
		for i, c := range shown {
			recs[i].OriginalText, recs[i].SuggestedText = recordTexts(red, c, origs[i])
		}
		return recs
	}, weight, text.Len())
}

// originalTexts returns the original code of each candidate of a single
// fix as the record keeps it, cut from one redaction of src (a whole-file
// request shows dozens of candidates; redacting a 300 KB document once for
// each of them was most of the work such a request left behind); "" for
// the others, whose texts recordTexts cuts itself.
func originalTexts(red *capture.Redacted, shown []*candidate) []string {
	var spans []rules.Span
	var at []int
	for i, c := range shown {
		if r := c.region; !c.migration && r.Start >= 0 && r.End <= red.Len() && r.Start <= r.End {
			spans = append(spans, r)
			at = append(at, i)
		}
	}
	out := make([]string, len(shown))
	for j, t := range red.Each(spans) {
		out[at[j]] = t
	}
	return out
}

// recordTexts returns a candidate's original and suggested code as the
// record keeps them: cut from the document redacted as a whole, before and
// after the fix.
//
// orig is the candidate's original as originalTexts cut it (a single fix's)
// from red, the document's redaction.
func recordTexts(red *capture.Redacted, c *candidate, orig string) (string, string) {
	if c.migration {
		return migrationTexts(red, c)
	}
	r := c.region
	if r.Start < 0 || r.End > red.Len() || r.Start > r.End {
		return c.original, c.replaced // the store redacts them on their own
	}
	return orig, red.Replacement(r, c.replaced)
}

// migrationRecordLines bounds the lines a migration's record keeps, before
// and after: the first lines it touches, then a line that says how many
// more it rewrote. In echarts' bundle a migration touches 13,602 lines, and
// each new offer of it wrote about 1.4 MB to the database (and, sharing
// code with a team, pushed it); following its outcome uses the offer's
// parts, which are not cut.
const migrationRecordLines = 64

// migrationTexts returns a migration's lines before and after it, as its
// record keeps them (recordTexts), cut at migrationRecordLines: the edits
// are applied to the text up to the end of the last line kept.
func migrationTexts(red *capture.Redacted, c *candidate) (string, string) {
	lines, more := c.recLines, 0
	if len(lines) > migrationRecordLines {
		lines, more = lines[:migrationRecordLines], len(lines)-migrationRecordLines
	}
	if len(lines) == 0 {
		return "", ""
	}
	cut := min(lines[len(lines)-1].End, red.Len())
	edits := c.edits
	if i := sort.Search(len(edits), func(i int) bool { return edits[i].Span.Start >= cut }); i < len(edits) {
		edits = edits[:i] // sorted by start (migration)
	}
	after, mapOff := capture.ApplyEdits(red.Slice(0, cut), edits)
	newLines := make([]rules.Span, len(lines))
	for i, l := range lines {
		newLines[i] = rules.Span{Start: mapOff(l.Start), End: mapOff(l.End)}
	}
	before, suggested := strings.Join(red.Each(lines), "\n"), capture.RedactedSpans(after, newLines, "\n")
	if more > 0 {
		note := fmt.Sprintf("\n… and %d more lines this migration rewrites (not recorded)", more)
		before, suggested = before+note, suggested+note
	}
	return before, suggested
}

// offerRecords turns shown candidates into store rows; their code texts
// are the candidates' own (recordOffer redacts them in context).
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
	// redacted is the document's last redaction (document.redacted); nil
	// for none kept.
	redacted *atomic.Pointer[capture.Redacted]
}

// redact returns the redaction of src, a text of the document: updated
// from the last one kept for it, which it then replaces.
func (d offerDoc) redact(src *syntax.Text) *capture.Redacted {
	if d.redacted == nil {
		return capture.NewRedactedText(src)
	}
	red := d.redacted.Load().Update(src)
	d.redacted.Store(red)
	return red
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

// importParts returns where the import edits among a fix's edits (in the
// document before the fix) stand in the document after it, for the tracker
// to follow (capture.Applied.Imports): each edit's start is shifted by the
// edits before it. Only the text an import wrote is known here; an import
// that only removed text has nothing to follow and is left out.
func importParts(edits []rules.TextEdit) []capture.Part {
	sorted := slices.Clone(edits)
	slices.SortStableFunc(sorted, func(a, b rules.TextEdit) int { return a.Span.Start - b.Span.Start })
	var out []capture.Part
	delta := 0
	for _, e := range sorted {
		if e.Import && e.NewText != "" {
			out = append(out, capture.Part{Start: e.Span.Start + delta, Suggested: e.NewText})
		}
		delta += len(e.NewText) - (e.Span.End - e.Span.Start)
	}
	return out
}
