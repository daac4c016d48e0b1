package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// trainerEnv names the home directory of a trainer child: this test binary
// doing what `syntx train --progress json` does (a Run on the store, its
// progress and its result or error as Messages on standard output, stopped
// by SIGTERM), with SYNTX_TRAIN_CHILD_STEPS optimisation steps per phase.
const trainerEnv = "SYNTX_TRAIN_CHILD"

func trainerChild(home string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	out := json.NewEncoder(os.Stdout)
	fail := func(err error) int {
		_ = out.Encode(Message{Error: err.Error()})
		return 1
	}
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	steps, _ := strconv.Atoi(os.Getenv(trainerEnv + "_STEPS"))
	s := Settings{Seed: 1, MinSteps: steps, Epochs: 1, RewardEpochs: 1, Now: clock(t0),
		AccuracyTolerance: 1, LogLossTolerance: 1e6, // accept: the test is about the process
		Progress: func(done, total int, msg string) {
			_ = out.Encode(Message{Progress: &Progress{Done: done, Total: total, Msg: msg}})
		}}
	res, err := Run(ctx, Problem{Home: home, DB: db}, s)
	if err != nil {
		return fail(err)
	}
	_ = out.Encode(Message{Result: &res})
	return 0
}

// trainerHome is a home with 120 preferences.
func trainerHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 120, seed: 21})
	db.Close()
	return home
}

// childTrainer returns the command of a trainer child on home.
func childTrainer(home string, steps int) func(background bool) (*exec.Cmd, error) {
	return func(background bool) (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), trainerEnv+"="+home, trainerEnv+"_STEPS="+strconv.Itoa(steps))
		cmd.Stderr = os.Stderr
		return cmd, nil
	}
}

// progressLog collects progress and signals the first message.
type progressLog struct {
	mu    sync.Mutex
	msgs  []Progress
	first chan struct{}
	once  sync.Once
}

func newProgressLog() *progressLog { return &progressLog{first: make(chan struct{})} }

func (l *progressLog) add(p Progress) {
	l.mu.Lock()
	l.msgs = append(l.msgs, p)
	l.mu.Unlock()
	l.once.Do(func() { close(l.first) })
}

func (l *progressLog) snapshot() []Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Progress(nil), l.msgs...)
}

// processState returns the state letter of /proc/<pid>/stat ("T" when
// stopped).
func processState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// pid (comm) state ...: comm may hold spaces, the state follows the last ")".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func TestSupervisorRunsATrainerToItsResult(t *testing.T) {
	t.Parallel()
	home := trainerHome(t)
	sup := NewSupervisor(childTrainer(home, 40), nil)
	log := newProgressLog()
	job, err := sup.Start(testwait.Context(t), false, log.add)
	if err != nil {
		t.Fatal(err)
	}
	if st := sup.State(); !st.Running || st.Background {
		t.Fatalf("state of a foreground run: %+v", st)
	}
	if _, err := sup.Start(testwait.Context(t), true, nil); !errors.Is(err, ErrRunning) {
		t.Fatalf("a second run while one runs: %v, want ErrRunning", err)
	}
	res, err := job.Wait(testwait.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision != store.RunAccepted || res.Version == "" || res.Active != res.Version || res.RunID == 0 {
		t.Fatalf("result %+v", res)
	}
	if v, _, ok, err := model.ActiveAdapter(home); err != nil || !ok || v != res.Version {
		t.Fatalf("ACTIVE names %q (%v, %v), the result %q", v, ok, err, res.Version)
	}
	ps := log.snapshot()
	if len(ps) < 3 || ps[0].Done != 0 || ps[len(ps)-1].Done != ps[len(ps)-1].Total {
		t.Fatalf("progress %+v: want a start at 0 and an end at the total", ps)
	}
	if st := sup.State(); st.Running || st.Ended.IsZero() {
		t.Fatalf("state after the run: %+v", st)
	}
}

// TestSupervisorPausesResumesAndCancels pauses a background trainer (the
// process stops: state T), resumes it, and cancels it: it ends with an
// error and leaves no adapter behind.
func TestSupervisorPausesResumesAndCancels(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to read a process's state from")
	}
	home := trainerHome(t)
	sup := NewSupervisor(childTrainer(home, 1_000_000), nil) // runs until cancelled
	log := newProgressLog()
	job, err := sup.Start(testwait.Context(t), true, log.add)
	if err != nil {
		t.Fatal(err)
	}
	testwait.For(t, log.first, "the background trainer's first progress message")
	pid := job.cmd.Process.Pid
	if err := sup.Pause(); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the paused trainer to be stopped (state T)", func() bool { return processState(pid) == "T" })
	if st := sup.State(); !st.Paused || !st.Background {
		t.Fatalf("state while paused: %+v", st)
	}
	if err := sup.Resume(); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the resumed trainer to run again", func() bool { s := processState(pid); return s != "T" && s != "" })
	n := len(log.snapshot())
	testwait.Until(t, "progress after resuming", func() bool { return len(log.snapshot()) > n })
	if err := sup.Pause(); err != nil { // cancelling a paused run continues it first
		t.Fatal(err)
	}
	sup.Cancel()
	if _, err := job.Wait(testwait.Context(t)); err == nil {
		t.Fatal("a cancelled run reported a result")
	}
	if v, _, ok, _ := model.ActiveAdapter(home); ok {
		t.Fatalf("a cancelled run left adapter %s active", v)
	}
	if dirs := versionDirs(t, home); len(dirs) != 0 {
		t.Fatalf("a cancelled run left %v", dirs)
	}
}

// TestSupervisorForegroundPreemptsBackground: a background run gives way
// to the one the developer asks for.
func TestSupervisorForegroundPreemptsBackground(t *testing.T) {
	t.Parallel()
	home := trainerHome(t)
	long := childTrainer(home, 1_000_000)
	short := childTrainer(home, 40)
	sup := NewSupervisor(func(background bool) (*exec.Cmd, error) {
		if background {
			return long(background)
		}
		return short(background)
	}, nil)
	log := newProgressLog()
	bg, err := sup.Start(testwait.Context(t), true, log.add)
	if err != nil {
		t.Fatal(err)
	}
	testwait.For(t, log.first, "the background trainer's first progress message")
	if err := sup.Pause(); err != nil { // a paused run gives way too
		t.Fatal(err)
	}
	fg, err := sup.Start(testwait.Context(t), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-bg.Done():
	default:
		t.Fatal("the foreground run started before the background one ended")
	}
	if _, err := bg.Wait(testwait.Context(t)); err == nil {
		t.Fatal("the preempted background run reported a result")
	}
	res, err := fg.Wait(testwait.Context(t))
	if err != nil || res.Decision != store.RunAccepted {
		t.Fatalf("foreground run: %+v %v", res.Decision, err)
	}
}
