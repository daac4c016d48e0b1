package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/syntax"
)

// seedPreferences writes n label preferences over candidate sets of three
// builtin rules into home's database, enough to keep a trainer busy.
func seedPreferences(b *testing.B, home string, n int) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	all := lib.Rules()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().Add(-time.Hour)
	var ss []store.Suggestion
	var ps []store.Preference
	for i := 0; i < n; i++ {
		r := all[rng.IntN(len(all))]
		feats, _ := json.Marshal(model.Candidate{RuleID: r.ID, Category: r.Category, Language: r.Language, Prior: r.Prior, EditSize: 10, Persona: "developer"})
		id := fmt.Sprintf("s%d", i)
		at := now.Add(time.Duration(i) * time.Millisecond)
		ss = append(ss, store.Suggestion{ID: id, CreatedAt: at, Document: "/w/f", Language: r.Language, RuleID: r.ID, Category: r.Category,
			Title: r.Title, Features: feats, CandidateSet: fmt.Sprintf("set%d", i/3), Rank: i % 3, PolicyVersion: "base", Score: r.Prior,
			Trigger: store.Invoked, Persona: "developer"})
		ps = append(ps, store.Preference{CreatedAt: at, Kind: store.Label, SuggestionID: id, Desirable: r.Category == "security",
			Weight: 1, Persona: "developer"})
	}
	if err := db.PutSuggestions(ctx, ss...); err != nil {
		b.Fatal(err)
	}
	if _, err := db.AddPreferences(ctx, ps...); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCodeActionDuringTraining types into a 5,000-line file and asks
// for code actions, first with the machine idle and then while a background
// training run (syntx train --background, niced, one thread) works on
// 20,000 preferences: the ratio of the medians is what training costs the
// editor.
func BenchmarkCodeActionDuringTraining(b *testing.B) {
	home := b.TempDir()
	seedPreferences(b, home, 20000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	defer func() { _ = c.Shutdown(ctx); _ = cmd.Wait() }()
	if _, err := c.Initialize(ctx, home, false, nil); err != nil {
		b.Fatal(err)
	}
	src := corpus.Generate(syntax.Python, 5000)
	uri := "file:///bench/big.py"
	if err := c.Open(ctx, uri, "python", src); err != nil {
		b.Fatal(err)
	}
	at := strings.Index(src, "if path == None") + 4
	text := syntax.NewText([]byte(src))
	pos := text.Position(at, syntax.UTF16)
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
	n := max(b.N, 200)
	b.ResetTimer()
	idle := measure(n)
	trainer := exec.CommandContext(ctx, binary, "train", "--background")
	trainer.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	if err := trainer.Start(); err != nil {
		b.Fatal(err)
	}
	finished := make(chan struct{})
	go func() { _ = trainer.Wait(); close(finished) }()
	time.Sleep(300 * time.Millisecond) // past loading, into the optimisation
	busy := measure(n)
	running := true
	select {
	case <-finished:
		running = false
	default:
	}
	<-finished
	b.StopTimer()
	median := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	b.ReportMetric(float64(median(idle).Microseconds()), "idle-p50-µs")
	b.ReportMetric(float64(median(busy).Microseconds()), "training-p50-µs")
	b.ReportMetric(float64(median(busy))/float64(median(idle)), "training/idle")
	if !running {
		b.Log("the trainer finished before the measurement ended; the ratio understates its cost")
	}
}
