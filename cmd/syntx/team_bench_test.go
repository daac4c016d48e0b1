package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/teamsim"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// The team scale figures (make bench-team-scale): benchmarks, not timed
// tests; each reports its measurements with b.ReportMetric and fails only
// when data is lost or duplicated.

// scaleHub is a hub with 50 members whose 2,000 preferences each were
// pushed by BenchmarkTeamPush, shared with the benchmarks after it.
var scaleHub struct {
	f       *teamFixture
	ci      string
	members []string // homes
}

// copyHome copies a member's data directory (closed) to dst.
func copyHome(src, dst string) error {
	for _, name := range []string{"syntx.db", "hash.key", "audit-head.log"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkTeamPush: 50 members × 2,000 preferences pushed concurrently
// from 20 processes (`syntx team push`, one per member, 20 at a time).
// A first wave is killed (SIGKILL) at random moments; the second pushes
// everyone again. Nothing may be lost or stored twice, and the chain must
// verify.
func BenchmarkTeamPush(b *testing.B) {
	const members, perMember, procs = 50, 2000, 20
	f := newBenchFixture(b)
	ctx := context.Background()
	// Five distinct histories, each copied to ten members.
	var templates []string
	total := map[string]int{}
	for i := 0; i < 5; i++ {
		home := b.TempDir()
		db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		taste := teamsim.Likes([]string{store.Security, store.Correctness, store.Performance, store.StyleCat}[i%4])
		n, err := teamsim.Fill(ctx, db, teamsim.Spec{Prefs: perMember, Seed: uint64(i + 1), Taste: taste})
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		templates = append(templates, home)
		total[home] = n
	}
	var homes []string
	want := 0
	for i := 0; i < members; i++ {
		r := f.role(fmt.Sprintf("m%02d", i), "member")
		home := f.machine(r, "")
		tpl := templates[i%len(templates)]
		if err := copyHome(tpl, home); err != nil {
			b.Fatal(err)
		}
		want += total[tpl]
		f.must(home, "team", "join")
		homes = append(homes, home)
	}
	wave := func(kill bool) time.Duration {
		start := time.Now()
		sem := make(chan struct{}, procs)
		var wg sync.WaitGroup
		rng := rand.New(rand.NewPCG(7, 7))
		for i, home := range homes {
			delay := time.Duration(rng.IntN(3000)) * time.Millisecond
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				cmd := exec.Command(binary, "team", "push")
				cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "PGPASSFILE="+f.passfile)
				if err := cmd.Start(); err != nil {
					b.Error(err)
					return
				}
				if kill && i%3 == 0 {
					timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
					defer timer.Stop()
					_ = cmd.Wait()
					return
				}
				if err := cmd.Wait(); err != nil {
					b.Errorf("push of member %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	b.ResetTimer()
	first := wave(true)
	second := wave(false)
	b.StopTimer()
	out, err := f.c.Psql(ctx, f.db, "SELECT count(*), count(DISTINCT (member_id, install_id, local_id)), count(DISTINCT member_id) FROM syntx.preferences")
	if err != nil {
		b.Fatal(err)
	}
	var n, distinct, who int
	fmt.Sscanf(strings.ReplaceAll(out, "|", " "), "%d %d %d", &n, &distinct, &who)
	ci := f.role("ci", "trainer")
	ciHome := f.machine(ci, "")
	verify := f.must(ciHome, "team", "audit", "verify")
	b.ReportMetric(first.Seconds(), "wave1-killed-s")
	b.ReportMetric(second.Seconds(), "wave2-s")
	b.ReportMetric(float64(want)/(first+second).Seconds(), "prefs/s")
	b.ReportMetric(float64(want-distinct), "lost")
	b.ReportMetric(float64(n-distinct), "duplicated")
	b.Logf("%d members × ~%d preferences = %d; the hub holds %d (%d distinct) from %d members; %s",
		members, perMember, want, n, distinct, who, strings.TrimSpace(verify))
	if n != want || distinct != want || who != members || !strings.Contains(verify, "chain OK") {
		b.Fatalf("lost or duplicated records: want %d, have %d (%d distinct)", want, n, distinct)
	}
	scaleHub.f, scaleHub.ci, scaleHub.members = f, ciHome, homes
}

// BenchmarkTeamTrain: a team train on the 100,000 preferences
// BenchmarkTeamPush stored (run it first, in the same command), on one
// core (GOMAXPROCS=1, taskset -c 0 when available), with the default
// configuration (train.refit on) and with refit off.
func BenchmarkTeamTrain(b *testing.B) {
	if scaleHub.f == nil {
		b.Skip("run with BenchmarkTeamPush first (-bench 'BenchmarkTeam')")
	}
	f := scaleHub.f
	// The push benchmark's temporary directories are gone: new ones here.
	f.t = b
	f.writePassfile()
	ci := f.role("trainer", "trainer")
	for _, refit := range []bool{true, false} {
		extra := ""
		if !refit {
			extra = "[train]\nrefit = false\n"
		}
		scaleHub.ci = f.machine(ci, extra)
		argv := []string{binary, "team", "train", "--json"}
		if p, err := exec.LookPath("taskset"); err == nil {
			argv = append([]string{p, "-c", "0"}, argv...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "SYNTX_HOME="+scaleHub.ci, "XDG_CONFIG_HOME="+filepath.Join(scaleHub.ci, "config"), "PGPASSFILE="+f.passfile, "GOMAXPROCS=1")
		start := time.Now()
		out, err := cmd.Output()
		wall := time.Since(start)
		if err != nil {
			b.Fatalf("team train: %v %s", err, out)
		}
		var res struct {
			Decision string `json:"decision"`
			Counts   struct {
				Records int `json:"records"`
			} `json:"counts"`
			Metrics struct {
				Seconds float64 `json:"seconds"`
			} `json:"metrics"`
		}
		_ = json.Unmarshal(out, &res)
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		name := map[bool]string{true: "refit", false: "norefit"}[refit]
		b.ReportMetric(wall.Seconds(), name+"-wall-s")
		b.ReportMetric(cpu.Seconds(), name+"-cpu-s")
		b.Logf("%s: %d records, %s, wall %.1fs (training %.1fs), CPU %.1fs", name, res.Counts.Records, res.Decision, wall.Seconds(), res.Metrics.Seconds, cpu.Seconds())
	}
}

// BenchmarkTeamPullSwap: a member's running server syncs (syntx.teamSync:
// push, pull the team adapter, swap it in under its own) and the command
// answers once the new layer serves. Five new members, each pulling the
// published adapter into a running server for the first time (an
// adapter's size does not depend on the data, so the hub is small); and
// the same pull from the command line. Medians.
func BenchmarkTeamPullSwap(b *testing.B) {
	f := newBenchFixture(b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for i := 0; i < 3; i++ {
		home := f.machine(f.role(fmt.Sprintf("p%d", i), "member"), "")
		fill(b, home, teamsim.Spec{Prefs: 150, Seed: uint64(40 + i), Taste: teamsim.Likes(store.Security)})
		f.must(home, "team", "join")
		f.must(home, "team", "push")
	}
	ci := f.machine(f.role("ci", "trainer"), "")
	if out := f.must(ci, "team", "train"); !strings.Contains(out, "accepted") {
		b.Fatalf("team train: %s", out)
	}
	var syncs, pulls []time.Duration
	for i := 0; i < 5; i++ {
		home := f.machine(f.role(fmt.Sprintf("new%d", i), "member"), "")
		f.must(home, "team", "join")
		c, _ := f.serveInB(b, ctx, home)
		t0 := time.Now()
		var res struct {
			Layer  string `json:"layer"`
			Pulled bool   `json:"pulled"`
		}
		if err := c.Command(ctx, "syntx.teamSync", &res); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		if !res.Pulled {
			b.Fatalf("member %d pulled nothing: %+v", i, res)
		}
		if v := policyOfB(b, ctx, c); !strings.HasSuffix(v, "+"+res.Layer) {
			b.Fatalf("after the sync the server serves %s, not %s", v, res.Layer)
		}
		syncs = append(syncs, d)
		cli := f.machine(f.role(fmt.Sprintf("cli%d", i), "member"), "")
		f.must(cli, "team", "join")
		t1 := time.Now()
		if out := f.must(cli, "team", "pull"); !strings.Contains(out, "pulled") {
			b.Fatalf("pull: %s", out)
		}
		pulls = append(pulls, time.Since(t1))
	}
	b.ReportMetric(median(syncs).Seconds()*1000, "sync+swap-p50-ms")
	b.ReportMetric(median(pulls).Seconds()*1000, "cli-pull-p50-ms")
	b.Logf("syncs %v, CLI pulls %v", syncs, pulls)
}

// BenchmarkTeamCodeActionDuringSync: edit + codeAction on a 5,000-line
// file in a member's server while that server's own idle sync runs (the
// server starts `syntx team sync --background` once the session has been
// idle for train.idle_delay, here 250 ms, and team.sync_interval has
// passed, here 30 s; when the developer types again it is held at its
// next batch boundary until the session is idle, so a block measures the
// sync at work for its first requests and held after that), against the
// same requests with no sync. The machine's own load drifts
// by more than the effect, so the arms are interleaved: eight rounds
// of three blocks, idle · sync · idle, each round with a fresh backlog of
// preferences for the sync to push and, every third round, a new team
// adapter for it to pull (both prepared between blocks, outside any
// measurement), and every block after the same pause without typing.
// sync/idle is the ratio of the sync blocks' median to the
// idle blocks' and idle2/idle1 the ratio between each round's second and
// first idle block, the noise it is judged against; each with a 95%
// bootstrap interval over rounds (syncRatioCI). "Unchanged" means
// sync/idle's interval holds 1. The hub runs on the same two cores here (on
// a team's server in practice).
func BenchmarkTeamCodeActionDuringSync(b *testing.B) {
	const rounds, perBlock, backlog = 8, 150, 1000
	f := newBenchFixture(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	for i := range 2 {
		o := f.machine(f.role(fmt.Sprintf("o%d", i), "member"), "")
		fill(b, o, teamsim.Spec{Prefs: 300, Seed: uint64(60 + i), Taste: teamsim.Likes(store.Security)})
		f.must(o, "team", "join")
		f.must(o, "team", "push")
	}
	ci := f.machine(f.role("ci", "trainer"), "")
	me := f.machine(f.role("me", "member"), "sync_interval = \"30s\"\n")
	fill(b, me, teamsim.Spec{Prefs: 2000, Seed: 5, Taste: teamsim.Likes(store.Security)})
	f.must(me, "team", "join")
	c, _ := f.serveIn(ctx, me, map[string]any{"train": map[string]any{"idle_delay": "250ms"}})
	src := corpus.Generate(syntax.Python, 5000)
	uri := "file:///bench/big.py"
	if err := c.Open(ctx, uri, "python", src); err != nil {
		b.Fatal(err)
	}
	at := strings.Index(src, "if path == None") + 4
	pos := syntax.NewText([]byte(src)).Position(at, syntax.UTF16)
	version := int32(1)
	measure := func(n int) []time.Duration {
		lat := make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			version++
			r := protocol.Range{Start: protocol.Position{Line: pos.Line, Character: pos.Character}, End: protocol.Position{Line: pos.Line, Character: pos.Character}}
			txt := "x"
			if i%2 == 1 {
				r.End.Character++
				txt = ""
			}
			t0 := time.Now()
			_ = c.Notify(ctx, "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
				TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: "file:///bench/big.py"}, Version: version},
				ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{Range: r, Text: txt}},
			})
			if _, err := c.CodeActions(ctx, uri, at, at, protocol.CodeActionTriggerKindAutomatic); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		return lat
	}
	type teamSt struct {
		Syncing  bool      `json:"syncing"`
		Held     bool      `json:"held"`
		Last     string    `json:"last"`
		LastSync time.Time `json:"lastSync"`
	}
	status := func() teamSt {
		var st struct {
			Team teamSt `json:"team"`
		}
		if err := c.Command(ctx, "syntx.status", &st); err != nil {
			b.Fatal(err)
		}
		return st.Team
	}
	waitFor := func(what string, ok func(teamSt) bool) teamSt {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if st := status(); ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				b.Fatalf("no %s in 2 minutes", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	notSyncing := func(st teamSt) bool { return !st.Syncing }
	var idle1, busy, idle2 [][]time.Duration
	var pushed, covered, held int
	var pauses []time.Duration
	pause := 5 * time.Second // before the first round's first block; then the last sync block's
	var pulls []string
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		b.StopTimer()
		// Right after a sync has ended, sync_interval leaves time to
		// train and fill before the next one can start.
		// (lastSync is also set when a sync is claimed, a moment before it
		// shows as running: the state must hold for 200 ms.)
		t0 := time.Now()
		var before teamSt
		for {
			before = waitFor("a sync's end", func(st teamSt) bool { return !st.Syncing && st.LastSync.After(t0) })
			time.Sleep(200 * time.Millisecond)
			if st := status(); !st.Syncing && st.LastSync.Equal(before.LastSync) {
				break
			}
		}
		if r%3 == 0 {
			f.must(ci, "team", "train")
		}
		fill(b, me, teamsim.Spec{Prefs: backlog, Seed: uint64(100 + r), Taste: teamsim.Likes(store.Security), Prefix: fmt.Sprintf("r%d", r),
			Start: time.Date(2026, 3, 1+r, 0, 0, 0, 0, time.UTC)})
		// Every block starts after the same pause without typing as the
		// sync block, which waits for the server's idle sync to start: the
		// first requests after a pause are slower for reasons of their own
		// (caches, the scheduler), and the sync is not to be blamed for them.
		time.Sleep(pause)
		b.StartTimer()
		idle1 = append(idle1, measure(perBlock))
		if st := status(); st.Syncing || !st.LastSync.Equal(before.LastSync) {
			b.Fatalf("round %d: a sync ran during the first idle block (sync_interval too short for this machine?)", r)
		}
		// Stop typing: the server starts its idle sync.
		t1 := time.Now()
		waitFor("idle sync", func(st teamSt) bool { return st.Syncing })
		pause = time.Since(t1)
		pauses = append(pauses, pause)
		busy = append(busy, measure(perBlock))
		if st := status(); st.Syncing {
			covered++
			if st.Held {
				held++
			}
		}
		st := waitFor("end of the sync", notSyncing)
		var n int
		var layer string
		if _, err := fmt.Sscanf(st.Last, "pushed %d, team layer %s", &n, &layer); err != nil {
			b.Fatalf("round %d: the sync ended %q", r, st.Last)
		}
		pushed += n
		pulls = append(pulls, layer)
		b.StopTimer()
		time.Sleep(pause)
		b.StartTimer()
		idle2 = append(idle2, measure(perBlock))
	}
	b.StopTimer()
	idle := make([][]time.Duration, rounds)
	for r := range idle {
		idle[r] = append(slices.Clone(idle1[r]), idle2[r]...)
	}
	// Where the difference is: the first requests of a block (in a sync
	// block, before the hold takes effect) against the rest.
	part := func(blocks [][]time.Duration, first bool) [][]time.Duration {
		out := make([][]time.Duration, len(blocks))
		for i, bl := range blocks {
			if first {
				out[i] = bl[:20]
			} else {
				out[i] = bl[20:]
			}
		}
		return out
	}
	for _, first := range []bool{true, false} {
		name := map[bool]string{true: "the first 20", false: "the other"}[first]
		r, l, h := syncRatioCI(part(busy, first), part(idle, first))
		b.Logf("%s requests of each block: sync/idle %.3f (%.3f-%.3f)", name, r, l, h)
	}
	b.Logf("pauses before the blocks (the wait for each idle sync to start): %v", pauses)
	ratio, lo, hi := syncRatioCI(busy, idle)
	noise, nlo, nhi := syncRatioCI(idle2, idle1)
	b.ReportMetric(float64(median(slices.Concat(idle...)).Microseconds()), "idle-p50-µs")
	b.ReportMetric(float64(median(slices.Concat(busy...)).Microseconds()), "sync-p50-µs")
	b.ReportMetric(ratio, "sync/idle")
	b.ReportMetric(noise, "idle2/idle1")
	b.Logf("sync/idle %.3f (95%% interval %.3f-%.3f), idle2/idle1 %.3f (%.3f-%.3f); %d rounds of %d requests per block, "+
		"the sync still running at the end of %d of %d sync blocks (held by the typing in %d); %d preferences pushed, team layer after each sync %v",
		ratio, lo, hi, noise, nlo, nhi, rounds, perBlock, covered, rounds, held, pushed, pulls)
	if pushed < rounds*backlog {
		b.Errorf("the syncs pushed %d preferences, want the %d of the rounds' backlogs", pushed, rounds*backlog)
	}
}

// syncRatioCI is the ratio of num's median to den's (blocks of samples,
// one per round, pooled), with a 95% bootstrap interval: rounds are drawn
// with replacement, a round's two blocks together, 2,000 times.
func syncRatioCI(num, den [][]time.Duration) (ratio, lo, hi float64) {
	pooled := func(idx []int) float64 {
		var a, b []time.Duration
		for _, i := range idx {
			a = append(a, num[i]...)
			b = append(b, den[i]...)
		}
		return float64(median(a)) / float64(median(b))
	}
	all := make([]int, len(num))
	for i := range all {
		all[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	boot := make([]float64, 2000)
	idx := make([]int, len(num))
	for k := range boot {
		for i := range idx {
			idx[i] = rng.IntN(len(num))
		}
		boot[k] = pooled(idx)
	}
	slices.Sort(boot)
	return pooled(all), boot[len(boot)*25/1000], boot[len(boot)*975/1000]
}

// newBenchFixture is newTeamFixture for benchmarks.
func newBenchFixture(b *testing.B) *teamFixture { return newTeamFixture(b) }

func (f *teamFixture) serveInB(b *testing.B, ctx context.Context, home string) (*lspclient.Client, *exec.Cmd) {
	b.Helper()
	cmd := exec.CommandContext(ctx, binary, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "PGPASSFILE="+f.passfile)
	cmd.Stderr = io.Discard
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	if _, err := c.Initialize(ctx, home, false, nil); err != nil {
		b.Fatal(err)
	}
	return c, cmd
}

func policyOfB(b *testing.B, ctx context.Context, c *lspclient.Client) string {
	var st struct {
		Policy string `json:"policy"`
	}
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		b.Fatal(err)
	}
	return st.Policy
}
