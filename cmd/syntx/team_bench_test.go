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
// file in a member's server, idle, then while that member's machine syncs
// as an idle editor does — `syntx team sync --background` (SCHED_IDLE),
// one after another, the first pushing a backlog of 10,000 preferences,
// each pulling — against a hub on this machine, then idle again: sync/idle
// is the ratio of the medians (the sync's against both idle runs'), and
// idle2/idle1 the ratio between the two idle runs, the noise it is judged
// against.
func BenchmarkTeamCodeActionDuringSync(b *testing.B) {
	f := newBenchFixture(b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	me := f.machine(f.role("me", "member"), "")
	fill(b, me, teamsim.Spec{Prefs: 10000, Seed: 5, Taste: teamsim.Likes(store.Security)})
	f.must(me, "team", "join")
	c, _ := f.serveInB(b, ctx, me)
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
	n := max(b.N, 400)
	b.ResetTimer()
	idle := measure(n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var syncs []time.Duration
	var pushed int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			out, err := f.cli(me, "", "team", "sync", "--background")
			if err != nil {
				b.Errorf("sync: %v %s", err, out)
				return
			}
			var res struct {
				Pushed int `json:"pushed"`
			}
			_ = json.Unmarshal([]byte(out), &res)
			pushed += res.Pushed
			syncs = append(syncs, time.Since(t0))
		}
	}()
	time.Sleep(100 * time.Millisecond)
	busy := measure(n)
	close(stop)
	wg.Wait()
	// Idle again: the ratio of the two idle runs is what "unchanged"
	// means on this machine now (the noise between two runs of the same
	// thing), and the sync is compared with both together.
	idle2 := measure(n)
	b.StopTimer()
	both := append(slices.Clone(idle), idle2...)
	b.ReportMetric(float64(median(both).Microseconds()), "idle-p50-µs")
	b.ReportMetric(float64(median(busy).Microseconds()), "sync-p50-µs")
	b.ReportMetric(float64(median(busy))/float64(median(both)), "sync/idle")
	b.ReportMetric(float64(median(idle2))/float64(median(idle)), "idle2/idle1")
	b.Logf("%d syncs while measuring (%v), %d preferences pushed", len(syncs), syncs, pushed)
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
