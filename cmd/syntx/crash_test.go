package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/testwait"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// Crash consistency: `syntx serve` (two at a time, on one data directory,
// as two editor windows) and `syntx train` are killed with SIGKILL at random
// points while they write. After every round the database passes
// PRAGMA integrity_check, the audit chain verifies, every accept the server
// acknowledged is recorded, and the active adapter, if any, loads.
//
// Rounds: SYNTX_STRESS_ROUNDS (default 50, 10 with -short; `make stress`
// runs 500); SYNTX_STRESS_SEED replays a run. Each round costs one server
// start-up, which is dominated by compiling the rules' queries.

func stressRounds(t *testing.T) int {
	if v := os.Getenv("SYNTX_STRESS_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("SYNTX_STRESS_ROUNDS=%q", v)
		}
		return n
	}
	if testing.Short() {
		return 10
	}
	return 50
}

// crashOptions make outcomes (and so preferences) appear within a round.
var crashOptions = map[string]any{
	"capture": map[string]any{"checkpoints": []string{"40ms", "120ms"}, "ignore_after": "60ms"},
}

// acks collects the suggestion ids whose accept the server acknowledged.
type acks struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (a *acks) add(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids[id] = true
}

func (a *acks) snapshot() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.ids))
	for id := range a.ids {
		out = append(out, id)
	}
	return out
}

// startServe starts `syntx serve` on home and initializes it. The returned
// stderr buffer holds the server's log.
func startServe(ctx context.Context, home string, initOptions any) (*lspclient.Client, *exec.Cmd, *bytes.Buffer, error) {
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	_, err = c.Initialize(ctx, filepath.Join(home, "ws"), false, initOptions)
	return c, cmd, &stderr, err
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func suggestionID(a *protocol.CodeAction) string {
	if len(a.Command.Arguments) == 0 {
		return ""
	}
	b, err := protocol.Marshal(a.Command.Arguments[0])
	if err != nil {
		return ""
	}
	var id string
	_ = json.Unmarshal(b, &id)
	return id
}

// session drives the server like a busy developer until the connection
// ends: asks for actions, applies and accepts them (recording each
// acknowledged accept, and closing firstAck at the first), dismisses,
// undoes and edits.
func session(ctx context.Context, c *lspclient.Client, home string, round int, rng *rand.Rand, acked *acks, firstAck chan<- struct{}) {
	srcs := map[string]string{}
	for _, name := range []string{"settings.py", "inventory.go", "cart.js"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", name))
		if err != nil {
			return
		}
		srcs[name] = string(b)
	}
	var uris []string
	for name, src := range srcs {
		uri := lspclient.FileURI(filepath.Join(home, "ws", fmt.Sprintf("r%d-%s", round, name)))
		if c.Open(ctx, uri, syntax.Detect("", name).LanguageID(name), src) != nil {
			return
		}
		uris = append(uris, uri)
	}
	for i := 0; ctx.Err() == nil; i++ {
		uri := uris[rng.IntN(len(uris))]
		text := c.Doc(uri).Text
		acts, err := c.CodeActions(ctx, uri, 0, len(text), protocol.CodeActionTriggerKindInvoked)
		if err != nil {
			return
		}
		var edits []*protocol.CodeAction
		for _, a := range acts {
			if a.Edit != nil {
				edits = append(edits, a)
			}
		}
		switch {
		case len(edits) == 0:
			// Nothing left to fix: bring the original code back.
			if c.ReplaceAll(ctx, uri, text+"\n"+srcs[strings.TrimPrefix(filepath.Base(uri), fmt.Sprintf("r%d-", round))]) != nil {
				return
			}
		case rng.IntN(4) == 0:
			last := acts[len(acts)-1]
			if last.Command.Command == "syntx.dismiss" {
				_ = c.Call(ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{Command: last.Command.Command, Arguments: last.Command.Arguments}, nil)
			}
		default:
			a := edits[rng.IntN(len(edits))]
			before := c.Doc(uri).Text
			if err := c.Apply(ctx, a); err != nil {
				if ctx.Err() != nil || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "closed") {
					return
				}
				continue // a stale edit, or the server refused: not acknowledged
			}
			acked.add(suggestionID(a))
			if firstAck != nil {
				close(firstAck)
				firstAck = nil
			}
			if rng.IntN(3) == 0 { // undo it
				if c.ReplaceAll(ctx, uri, before) != nil {
					return
				}
			}
		}
		if rng.IntN(2) == 0 {
			t := c.Doc(uri).Text
			at := rng.IntN(len(t) + 1)
			for at > 0 && at < len(t) && t[at]&0xC0 == 0x80 {
				at--
			}
			if c.Change(ctx, uri, lspclient.Edit{Start: at, End: at, Text: "\n"}) != nil {
				return
			}
		}
	}
}

// checkHome runs the checks that must hold after any kill.
func checkHome(t *testing.T, home string, acked []string) {
	t.Helper()
	ctx := context.Background()
	dbPath := filepath.Join(home, "syntx.db")
	if _, err := os.Stat(dbPath); err != nil {
		if len(acked) > 0 {
			t.Fatalf("no database, but %d accepts were acknowledged", len(acked))
		}
		return
	}
	db, err := store.Open(ctx, dbPath, store.Options{FullCheck: true})
	if err != nil {
		t.Fatalf("the database does not open or fails integrity_check: %v", err)
	}
	defer db.Close()
	rep, err := db.Verify(ctx)
	if err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
	recorded := map[string]bool{}
	if err := db.Events(ctx, store.EventFilter{}, func(e store.Event) error {
		if e.Outcome == store.Accepted {
			recorded[e.SuggestionID] = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range acked {
		if !recorded[id] {
			t.Fatalf("accept of %s was acknowledged but is not in the database (%d acknowledged, %d recorded)", id, len(acked), len(recorded))
		}
	}
	checkActiveAdapter(t, home)
}

// checkActiveAdapter loads the adapter that adapters/ACTIVE names, if any.
func checkActiveAdapter(t *testing.T, home string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, "adapters", "ACTIVE"))
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSpace(string(b))
	base, err := model.LoadBase()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := model.LoadAdapter(filepath.Join(home, "adapters", version), base); err != nil {
		t.Fatalf("ACTIVE names %q, which does not load: %v", version, err)
	}
}

func hasCommand(t *testing.T, name string) bool {
	t.Helper()
	out, err := exec.Command(binary, "help").CombinedOutput()
	if err != nil {
		t.Fatalf("help: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}

// killTrain runs `syntx train --progress json` on home and kills it with
// SIGKILL after its progress line at index line, or lets it finish when
// line is negative. Counting lines rather than time puts the kill inside
// the run however fast the machine is. It reports whether the run was
// killed, and its output.
func killTrain(t *testing.T, home string, line int) (killed bool, out string) {
	t.Helper()
	cmd := exec.Command(binary, "train", "--progress", "json")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := &lockedWriter{w: &buf}
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan bool, 1) // true: the line was read; false: the output ended first
	go func() {
		sc := bufio.NewScanner(stdout)
		n := 0
		for sc.Scan() {
			_, _ = w.Write(append(sc.Bytes(), '\n'))
			if n == line {
				reached <- true
			}
			n++
		}
		if n <= line || line < 0 {
			reached <- false
		}
	}()
	if testwait.For(t, reached, fmt.Sprintf("syntx train to print progress line %d or end", line)) {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		return true, w.String()
	}
	if err := cmd.Wait(); err != nil && !strings.Contains(w.String(), "not enough") {
		t.Fatalf("train failed without being killed: %v\n%s", err, w.String())
	}
	return false, w.String()
}

func TestCrashConsistency(t *testing.T) {
	t.Parallel()
	rounds := stressRounds(t)
	home := t.TempDir()
	train := hasCommand(t, "train")
	if !train {
		t.Log("`syntx train` is not available: only the server is killed")
	}
	acked := &acks{ids: map[string]bool{}}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SYNTX_STRESS_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("%d rounds, SYNTX_STRESS_SEED=%d", rounds, seed)
	const lanes = 2 // two servers on one database, as two editor windows
	var killedServe, killedTrain, trainRuns int
	var initDur time.Duration
	start := time.Now()
	for r := 0; r < rounds; r += lanes {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for l := 0; l < lanes && r+l < rounds; l++ {
			round := r + l
			delay := time.Duration(rng.IntN(200)) * time.Millisecond
			early := rng.IntN(10) == 0 // one round in ten dies during start-up
			earlyAt := time.Duration(rng.IntN(300)) * time.Millisecond
			seed := rng.Uint64()
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
				defer cancel()
				t0 := time.Now()
				var c *lspclient.Client
				var cmd *exec.Cmd
				var stderr *bytes.Buffer
				var err error
				if early {
					cmd = exec.Command(binary, "serve")
					cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
					if err := cmd.Start(); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					time.Sleep(earlyAt)
					_ = cmd.Process.Signal(syscall.SIGKILL)
					_ = cmd.Wait()
					mu.Lock()
					killedServe++
					mu.Unlock()
					return
				}
				c, cmd, stderr, err = startServe(ctx, home, crashOptions)
				if err != nil {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
					mu.Lock()
					errs = append(errs, fmt.Errorf("round %d: initialize: %v\n%s", round, err, stderr))
					mu.Unlock()
					return
				}
				mu.Lock()
				initDur += time.Since(t0)
				mu.Unlock()
				sctx, scancel := context.WithCancel(ctx)
				sdone := make(chan struct{})
				firstAck := make(chan struct{})
				go func() {
					session(sctx, c, home, round, rand.New(rand.NewPCG(seed, 2)), acked, firstAck)
					close(sdone)
				}()
				// Kill at a random moment after the session's first
				// acknowledged accept, so that every round writes
				// however slowly the server starts.
				select {
				case <-firstAck:
				case <-sdone:
				case <-ctx.Done():
				}
				time.Sleep(delay) // a random kill point, not a wait for anything
				_ = cmd.Process.Signal(syscall.SIGKILL)
				_ = cmd.Wait()
				scancel()
				_ = c.Close()
				<-sdone
				mu.Lock()
				killedServe++
				mu.Unlock()
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Fatal(err)
		}
		checkHome(t, home, acked.snapshot())
		if train && (r/lanes)%3 == 2 {
			// Kill a training run at one of its first 60 progress lines
			// (about half of a run), or let one in four finish.
			line := -1
			if rng.IntN(4) > 0 {
				line = rng.IntN(60)
			}
			killed, out := killTrain(t, home, line)
			trainRuns++
			if killed {
				killedTrain++
			} else {
				t.Logf("train finished: %s", firstLine(out))
			}
			checkHome(t, home, acked.snapshot())
			if o, err := runCLI(t, home, "model", "info", "--json"); err != nil || strings.Contains(o, `"error"`) {
				t.Fatalf("model info after a killed training run: %v\n%s", err, o)
			}
		}
		if (r/lanes)%10 == 9 {
			if out, err := runCLI(t, home, "audit", "verify"); err != nil || !strings.Contains(out, "audit chain OK") {
				t.Fatalf("audit verify: %v\n%s", err, out)
			}
		}
	}
	if out, err := runCLI(t, home, "audit", "verify"); err != nil || !strings.Contains(out, "audit chain OK") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	st := status(t, home)
	adapter := "none"
	if st.Adapter != nil {
		adapter = *st.Adapter
	}
	t.Logf("%d server kills, %d training runs (%d killed) in %v; %d accepts acknowledged; status: events %v, %d preferences, adapter %v; mean start-up to initialized %v",
		killedServe, trainRuns, killedTrain, time.Since(start).Round(time.Millisecond), len(acked.snapshot()), st.Events, st.Preferences, adapter, (initDur / time.Duration(max(1, killedServe))).Round(time.Millisecond))
	if len(acked.snapshot()) == 0 {
		t.Fatal("no accept was acknowledged in any round: the session did not reach the server")
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
