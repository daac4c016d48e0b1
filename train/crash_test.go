package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
)

// crashEnv names the home directory of a crash-test child process.
const crashEnv = "SYNTX_TRAIN_CRASH_CHILD"

// crashReady is the line a crash-test child prints once it is training.
const crashReady = "training"

func TestMain(m *testing.M) {
	if home := os.Getenv(trainerEnv); home != "" {
		os.Exit(trainerChild(home))
	}
	if home := os.Getenv(crashEnv); home != "" {
		if err := crashChild(home); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild trains, rolls back and records new feedback in a loop until
// it is killed.
func crashChild(home string) error {
	ctx := context.Background()
	seed, _ := strconv.ParseUint(os.Getenv(crashEnv+"_SEED"), 10, 64)
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	base, err := model.LoadBase()
	if err != nil {
		return err
	}
	now := clock(t0.Add(time.Duration(seed) * time.Hour))
	// Tell the parent that the adapters directory exists and training
	// starts; it then counts the progress lines of the runs and kills at a
	// random one of them, so that every round kills a child at work,
	// however fast the machine is.
	if err := Reconcile(ctx, home, db, now()); err != nil {
		return err
	}
	if _, err := fmt.Println(crashReady); err != nil {
		return err
	}
	for i := uint64(0); ; i++ {
		s := Settings{Seed: seed*100 + i, MinSteps: 30, Epochs: 2, RewardEpochs: 2, KeepAdapters: 3, Now: now,
			Objective: []Objective{KL, DPO, KTO}[i%3],
			Progress:  func(done, total int, msg string) { fmt.Printf("%d/%d %s\n", done, total, msg) }}
		if i%2 == 1 {
			s.AccuracyTolerance, s.LogLossTolerance = 1, 1e6 // accept
		}
		if _, err := Run(ctx, Problem{Home: home, DB: db, Base: base}, s); err != nil {
			return err
		}
		if i%4 == 3 {
			if _, err := Rollback(ctx, home, db, base, now()); err != nil && !errors.Is(err, ErrNothingToRollBack) {
				return err
			}
		}
		// New feedback arrives between runs.
		at := now()
		id := fmt.Sprintf("crash-%d-%d", seed, i)
		cand, _ := json.Marshal(model.Candidate{RuleID: "go.sql-injection", Category: "security", Language: "go", Prior: 0.4})
		if err := db.PutSuggestions(ctx, store.Suggestion{ID: id, CreatedAt: at, Workspace: "/w", Document: "/w/a.go",
			Language: "go", RuleID: "go.sql-injection", Category: store.Security, Features: cand, CandidateSet: id,
			Trigger: store.Invoked, Persona: "developer", Score: 0.4}); err != nil {
			return err
		}
		if _, err := db.AddPreferences(ctx, store.Preference{CreatedAt: at, Kind: store.Label, SuggestionID: id,
			Desirable: true, Weight: 1, Persona: "developer"}); err != nil {
			return err
		}
	}
}

// TestCrashSafety runs a trainer as a child process and SIGKILLs it at
// random moments. After every kill the database passes PRAGMA
// integrity_check and the audit chain verifies, the active adapter (if
// any) loads, every version directory is complete, and Reconcile brings
// ACTIVE and the store into agreement.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	home := t.TempDir()
	db := openStore(t, home)
	fillStore(t, db, synthSpec{prefs: 150, seed: 14})
	db.Close()
	base := mustBase(t)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SYNTX_CRASH_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("SYNTX_CRASH_SEED=%d", seed)
	r := newRNG(seed)
	const rounds = 12
	for round := 0; round < rounds; round++ {
		// About 40 progress lines make a run (and its commit, between its
		// last two lines): kill somewhere in the first three runs.
		at := r.intn(120)
		killAt(t, home, round, at)

		// The active adapter loads, before any repair.
		if v, dir, ok, err := model.ActiveAdapter(home); err != nil {
			t.Fatalf("round %d (killed at progress line %d): Active: %v", round, at, err)
		} else if ok {
			if _, err := model.LoadAdapter(dir, base); err != nil {
				t.Fatalf("round %d: active adapter %s does not load: %v", round, v, err)
			}
		}
		for _, v := range versionDirs(t, home) {
			if _, err := model.LoadAdapter(filepath.Join(model.AdaptersDir(home), v), base); err != nil {
				t.Fatalf("round %d: version directory %s does not load: %v", round, v, err)
			}
		}
		// The database is intact.
		db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{FullCheck: true})
		if err != nil {
			t.Fatalf("round %d: open with integrity_check: %v", round, err)
		}
		if rep, err := db.Verify(ctx); err != nil || !rep.OK {
			t.Fatalf("round %d: audit chain: %v %v", round, rep, err)
		}
		if err := Reconcile(ctx, home, db, t0.Add(time.Duration(round)*time.Hour)); err != nil {
			t.Fatalf("round %d: reconcile: %v", round, err)
		}
		a, dbOK, err := db.ActiveAdapter(ctx)
		v, _, ok, aerr := model.ActiveAdapter(home)
		if err != nil || aerr != nil || dbOK != ok || a.Version != v {
			t.Fatalf("round %d: after reconcile the store says %q (%v) and ACTIVE %q (%v) %v %v", round, a.Version, dbOK, v, ok, err, aerr)
		}
		runs, _ := db.Runs(ctx, 0)
		t.Logf("round %d: killed at progress line %d; %d runs, active %q", round, at, len(runs), v)
		db.Close()
	}
}

// killAt runs a crash-test child on home, waits until it says it is
// training, reads its progress lines and kills it with SIGKILL after the
// line at index line.
func killAt(t *testing.T, home string, round, line int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+home, crashEnv+"_SEED="+strconv.Itoa(round))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &limitedBuffer{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		n := -1 // lines after crashReady
		for sc.Scan() {
			switch {
			case n < 0 && sc.Text() == crashReady:
				n = 0
			case n >= 0:
				n++
			}
			if n == line+1 {
				reached <- true
				return
			}
		}
		reached <- false // the child ended first
	}()
	if !testwait.For(t, reached, fmt.Sprintf("round %d: the trainer child to reach progress line %d", round, line)) {
		_ = cmd.Wait()
		t.Fatalf("round %d: the child ended before progress line %d: %s", round, line, out.String())
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("round %d: the child ended before it was killed (%v): %s", round, err, out.String())
	}
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
