package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.lsp.dev/jsonrpc2"

	"github.com/syntx/syntx/internal/sched"
	"github.com/syntx/syntx/train"
)

// Team mode (package team) runs in a separate process too: `syntx team
// sync` pushes the preferences recorded since the last sync to the team's
// hub and pulls the newest team adapter, which the server then swaps in
// under the developer's own. The server itself never opens a connection:
// with team.db empty nothing is started at all; otherwise a sync starts
// when the session has been idle for train.idle_delay and
// team.sync_interval has passed since the last one, or now with the
// command syntx.teamSync. An idle sync starts at idle priority
// (sched.StartIdle) and, when the developer types before it ends, is held
// between two batches of its push until the session is idle again
// (sched.Holder on its standard input); a foreground sync releases a held
// one it has to wait for.

// TeamSt is team mode's state for syntx.status.
type TeamSt struct {
	Mode     string    `json:"mode"` // "off" (no team.db) or "on"
	Joined   bool      `json:"joined"`
	Layer    string    `json:"layer,omitempty"` // the team layer in use
	Syncing  bool      `json:"syncing,omitempty"`
	Held     bool      `json:"held,omitempty"` // a background sync waits for the session to be idle again
	Last     string    `json:"last,omitempty"` // the last sync's outcome
	LastSync time.Time `json:"lastSync,omitzero"`
}

// teamSyncer is the running sync process, if any. A background sync reads
// hold and release lines on its standard input (in): it is held between
// its batches from the developer's first edit and released at the next
// idle tick (holdTeamSync, idleTeamSync), as background training is
// paused.
type teamSyncer struct {
	mu        sync.Mutex
	cmd       *exec.Cmd
	done      chan struct{} // closed when cmd ends
	last      string
	lastEnded time.Time
	in        io.WriteCloser // a background sync's standard input (sched.Holder)
	holdable  atomic.Bool    // cmd is a background sync that can be held
	held      bool
}

// SyncResult is what syntx.teamSync answers (the sync process's result).
type SyncResult struct {
	Pushed  int     `json:"pushed"`
	Layer   string  `json:"layer"`
	Pulled  bool    `json:"pulled"`
	Note    string  `json:"note,omitempty"`
	Head    string  `json:"head,omitempty"`
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
}

// teamJoined reports whether team mode is on and this data directory has
// joined a hub.
func (s *Server) teamJoined() bool {
	if s.config().Team.DB == "" || s.opts.DataDir == "" {
		return false
	}
	_, err := os.Stat(train.TeamStateFile(s.opts.DataDir))
	return err == nil
}

// runTeamSync runs `syntx team sync` to the end and returns its result. A
// foreground sync (syntx.teamSync) waits for a background one running to
// end first; a background one does not start while another runs.
func (s *Server) runTeamSync(ctx context.Context, background bool) (SyncResult, error) {
	args := []string{"team", "sync", "--json"}
	if background {
		args = append(args, "--background", "--holdable")
	}
	cmd, err := s.selfCommand(args...)
	if err != nil {
		return SyncResult{}, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return SyncResult{}, err
	}
	var in io.WriteCloser
	if background {
		if in, err = cmd.StdinPipe(); err != nil {
			return SyncResult{}, err
		}
	}
	done, err := s.startTeamSync(ctx, cmd, in, background)
	if err != nil {
		return SyncResult{}, err
	}
	defer close(done)
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(syscall.SIGTERM) })
	defer stop()
	var res SyncResult
	got := false
	sc := bufio.NewScanner(out)
	if background && !s.idle(s.config()) {
		s.holdTeamSync() // typing resumed while it started
	}
	for sc.Scan() {
		if json.Unmarshal(sc.Bytes(), &res) == nil {
			got = true
		}
	}
	werr := cmd.Wait()
	s.endTeamSync(res, got, werr)
	if res.Error != "" {
		return res, errors.New(res.Error)
	}
	if !got {
		return res, fmt.Errorf("the team sync ended without a result: %v", werr)
	}
	s.reloadAdapter(ctx)
	return res, nil
}

// startTeamSync starts cmd once no other sync runs (a background sync
// does not wait: it fails) and returns the channel to close when it ends.
// A background sync is idle from its first instruction, not only once its
// own init has run (internal/sched).
func (s *Server) startTeamSync(ctx context.Context, cmd *exec.Cmd, in io.WriteCloser, background bool) (chan struct{}, error) {
	s.team.mu.Lock()
	defer s.team.mu.Unlock()
	for s.team.cmd != nil {
		if background {
			return nil, errors.New("a team sync is already running")
		}
		if s.team.held { // asked for now: the held one goes on first
			s.releaseTeamSync()
		}
		done := s.team.done
		s.team.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			s.team.mu.Lock() // the deferred unlock's
			return nil, ctx.Err()
		}
		s.team.mu.Lock()
	}
	start := cmd.Start
	if background {
		start = func() error { return sched.StartIdle(cmd) }
	}
	if err := start(); err != nil {
		return nil, fmt.Errorf("start the team sync: %w", err)
	}
	s.team.cmd, s.team.in = cmd, in
	s.team.holdable.Store(in != nil)
	s.team.done = make(chan struct{})
	return s.team.done, nil
}

// endTeamSync records how the sync that ended went, for syntx.status.
func (s *Server) endTeamSync(res SyncResult, got bool, werr error) {
	s.team.holdable.Store(false)
	s.team.mu.Lock()
	defer s.team.mu.Unlock()
	if s.team.in != nil {
		_ = s.team.in.Close()
	}
	s.team.cmd, s.team.in, s.team.held = nil, nil, false
	s.team.lastEnded = s.now()
	switch {
	case res.Error != "":
		s.team.last = "failed: " + res.Error
	case got:
		s.team.last = fmt.Sprintf("pushed %d, team layer %s", res.Pushed, orNone(res.Layer))
	default:
		s.team.last = fmt.Sprintf("failed: %v", werr)
	}
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

// holdTeamSync holds a running background sync at its next batch
// boundary; called on each edit, it costs one atomic load when none runs.
func (s *Server) holdTeamSync() {
	if !s.team.holdable.Load() {
		return
	}
	s.team.mu.Lock()
	defer s.team.mu.Unlock()
	if s.team.in == nil || s.team.held {
		return
	}
	if _, err := io.WriteString(s.team.in, sched.HoldLine); err != nil {
		s.log.Warn("holding the background team sync", "err", err)
		return
	}
	s.team.held = true
}

// releaseTeamSync lets a held sync go on; s.team.mu is held.
func (s *Server) releaseTeamSync() {
	if _, err := io.WriteString(s.team.in, sched.ReleaseLine); err != nil {
		s.log.Warn("releasing the background team sync", "err", err)
	}
	s.team.held = false
}

// idleTeamSync releases a held background sync once the session is idle
// again, and starts one when the session is idle, team mode is on and
// joined, and team.sync_interval has passed since the last one. Called
// from the ticker.
func (s *Server) idleTeamSync() {
	cfg := s.config()
	now := s.now()
	if !s.idle(cfg) {
		return
	}
	s.team.mu.Lock()
	if s.team.held { // even if team mode was turned off since it started
		s.releaseTeamSync()
	}
	s.team.mu.Unlock()
	if !s.teamJoined() {
		return
	}
	s.team.mu.Lock()
	busy := s.team.cmd != nil || (!s.team.lastEnded.IsZero() && now.Sub(s.team.lastEnded) < cfg.Team.SyncInterval.D())
	if !busy {
		// Claim the slot before the goroutine starts, so that the next
		// tick does not start a second one.
		s.team.lastEnded = now
	}
	s.team.mu.Unlock()
	if busy {
		return
	}
	go func() {
		res, err := s.runTeamSync(context.Background(), true)
		if err != nil {
			s.log.Info("team sync failed", "err", err)
			return
		}
		s.log.Info("team sync", "pushed", res.Pushed, "layer", res.Layer, "pulled", res.Pulled)
	}()
}

// teamSyncNow is syntx.teamSync.
func (s *Server) teamSyncNow(ctx context.Context) (any, error) {
	if s.config().Team.DB == "" {
		return nil, invalidRequest("syntx.teamSync: team mode is off (set [team] db in your config.toml)")
	}
	if !s.teamJoined() {
		return nil, invalidRequest("syntx.teamSync: this data directory has not joined the team hub (syntx team join)")
	}
	// A sync already running (an idle one) is waited for: what is asked
	// for is a sync that starts now.
	res, err := s.runTeamSync(ctx, false)
	if err != nil {
		return nil, jsonrpc2.NewError(jsonrpc2.ErrInternal.Code, "syntx.teamSync: "+err.Error())
	}
	return res, nil
}

func (s *Server) teamStatus() *TeamSt {
	st := &TeamSt{Mode: "off"}
	if s.config().Team.DB != "" {
		st.Mode = "on"
	}
	st.Joined = s.teamJoined()
	if rt := s.policy(); rt != nil && rt.Team() != nil {
		st.Layer = rt.Team().Version
	}
	s.team.mu.Lock()
	st.Syncing, st.Held, st.Last, st.LastSync = s.team.cmd != nil, s.team.held, s.team.last, s.team.lastEnded
	s.team.mu.Unlock()
	return st
}

// stopTeamSync ends a running sync when the server exits.
func (s *Server) stopTeamSync() {
	s.team.mu.Lock()
	defer s.team.mu.Unlock()
	if c := s.team.cmd; c != nil {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
}
