package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// Message is one line of `syntx train --progress json`: what a trainer
// process tells the process supervising it, one JSON object per line on its
// standard output. Exactly one field is set: progress as the run advances
// (Settings.Progress), then either the result or the error that ended the
// run (including ErrNotEnoughData's).
type Message struct {
	Progress *Progress `json:"progress,omitempty"`
	Result   *Result   `json:"result,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// Progress is a run's progress: Done of Total steps, and what it is doing.
type Progress struct {
	Done  int    `json:"done"`
	Total int    `json:"total"`
	Msg   string `json:"msg"`
}

// ErrRunning is returned by Supervisor.Start while a foreground run is in
// progress.
var ErrRunning = errors.New("a training run is already in progress")

// Supervisor runs training in a child process (`syntx train --progress
// json`), so that neither a crash of the trainer nor its CPU use can take
// its parent down, and owns that process: it starts it, relays its
// progress, pauses and resumes it, cancels it and collects its result.
// One run exists at a time. Its methods are safe for concurrent use and
// none of them waits for the child except Start, when a background run must
// give way, and Job.Wait.
//
// Pausing suspends the process (SIGSTOP, and SIGCONT to resume) on Unix.
// Where a process cannot be suspended (Windows), pausing a background run
// cancels it instead, and Resume has nothing to resume: the caller's idle
// scheduler starts a new run later. Cancelling asks the process to stop
// (SIGTERM after SIGCONT on Unix, where `syntx train` stops at its next step
// and leaves no trace unless it was committing, which it finishes; elsewhere
// the process is killed, and what a kill during a commit leaves is repaired
// by the next run's Reconcile).
type Supervisor struct {
	command func(background bool) (*exec.Cmd, error)
	now     func() time.Time

	mu    sync.Mutex
	cur   *Job
	ended time.Time // when the last run ended
}

// NewSupervisor returns a supervisor whose runs are the commands command
// returns: `syntx train --progress json` with the caller's binary,
// environment and directory, and --background when background is set.
// now is the clock of State.Ended (nil: time.Now).
func NewSupervisor(command func(background bool) (*exec.Cmd, error), now func() time.Time) *Supervisor {
	if now == nil {
		now = time.Now
	}
	return &Supervisor{command: command, now: now}
}

// Job is one trainer process: a run of `syntx train` that a Supervisor
// started.
type Job struct {
	sup        *Supervisor
	cmd        *exec.Cmd
	background bool
	done       chan struct{} // closed once the process ended and its output was read

	mu     sync.Mutex
	paused bool
	result *Result
	err    error
}

// State describes the supervisor's run.
type State struct {
	Running    bool
	Background bool
	Paused     bool
	// Ended is when the last run ended (zero before the first).
	Ended time.Time
}

// State returns the current state.
func (s *Supervisor) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Ended: s.ended}
	if r := s.cur; r != nil {
		r.mu.Lock()
		st.Running, st.Background, st.Paused = true, r.background, r.paused
		r.mu.Unlock()
	}
	return st
}

// Start starts a run; progress, when set, is called with each progress
// message, from a goroutine of the supervisor's. A background run in
// progress gives way to a foreground one: Start cancels it and waits for
// its process to end, or for ctx to end. While a foreground run is in
// progress, or any run when background is set, Start returns ErrRunning.
func (s *Supervisor) Start(ctx context.Context, background bool, progress func(Progress)) (*Job, error) {
	for {
		s.mu.Lock()
		cur := s.cur
		if cur == nil {
			r, err := s.startLocked(background, progress)
			s.mu.Unlock()
			return r, err
		}
		s.mu.Unlock()
		if background || !cur.background {
			return nil, ErrRunning
		}
		cur.cancel()
		select {
		case <-cur.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the background run to give way: %w", ctx.Err())
		}
	}
}

func (s *Supervisor) startLocked(background bool, progress func(Progress)) (*Job, error) {
	cmd, err := s.command(background)
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the trainer: %w", err)
	}
	r := &Job{sup: s, cmd: cmd, background: background, done: make(chan struct{})}
	s.cur = r
	go r.supervise(out, progress)
	return r, nil
}

// supervise reads the child's messages until its output ends, waits for
// it, and records how the run ended.
func (r *Job) supervise(out io.Reader, progress func(Progress)) {
	var result *Result
	var runErr string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var m Message
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue // not a message (a stray line); the protocol goes on
		}
		switch {
		case m.Progress != nil && progress != nil:
			progress(*m.Progress)
		case m.Result != nil:
			result = m.Result
		case m.Error != "":
			runErr = m.Error
		}
	}
	_, _ = io.Copy(io.Discard, out) // a line over the limit: drain to the end
	werr := r.cmd.Wait()
	var err error
	switch {
	case runErr != "":
		err = errors.New(runErr)
	case result == nil && werr != nil:
		err = fmt.Errorf("the trainer failed: %w", werr)
	case result == nil:
		err = errors.New("the trainer ended without a result")
	}
	r.mu.Lock()
	r.result, r.err = result, err
	r.mu.Unlock()
	s := r.sup
	s.mu.Lock()
	if s.cur == r {
		s.cur = nil
	}
	s.ended = s.now()
	s.mu.Unlock()
	close(r.done)
}

// Background reports whether the run was started in the background.
func (r *Job) Background() bool { return r.background }

// Done is closed when the run has ended.
func (r *Job) Done() <-chan struct{} { return r.done }

// Wait waits for the run to end and returns its result. When ctx ends
// first, Wait cancels the run and still waits for it (a cancelled trainer
// stops at its next step), so that the caller learns how it ended.
func (r *Job) Wait(ctx context.Context) (Result, error) {
	select {
	case <-r.done:
	case <-ctx.Done():
		r.cancel()
		<-r.done
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return Result{}, r.err
	}
	return *r.result, nil
}

// cancel asks the process to stop.
func (r *Job) cancel() {
	select {
	case <-r.done:
		return
	default:
	}
	r.mu.Lock()
	r.paused = false
	r.mu.Unlock()
	_ = stopProcess(r.cmd.Process)
}

// Cancel asks the current run, if any, to stop; Job.Wait tells when it
// did.
func (s *Supervisor) Cancel() {
	s.mu.Lock()
	r := s.cur
	s.mu.Unlock()
	if r != nil {
		r.cancel()
	}
}

// Pause suspends a running background run (a foreground run, which the
// developer asked for, is never paused). Where processes cannot be
// suspended it cancels the background run instead.
func (s *Supervisor) Pause() error {
	r := s.background()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paused {
		return nil
	}
	err := pauseProcess(r.cmd.Process)
	if errors.Is(err, errors.ErrUnsupported) {
		go r.cancel() // takes r.mu
		return nil
	}
	if err != nil {
		return fmt.Errorf("pause the trainer: %w", err)
	}
	r.paused = true
	return nil
}

// Resume continues a paused background run.
func (s *Supervisor) Resume() error {
	r := s.background()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.paused {
		return nil
	}
	if err := resumeProcess(r.cmd.Process); err != nil {
		return fmt.Errorf("resume the trainer: %w", err)
	}
	r.paused = false
	return nil
}

func (s *Supervisor) background() *Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || !s.cur.background {
		return nil
	}
	return s.cur
}
