package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
)

// Soak: one long session against the real binary. Resident memory and open
// file descriptors of the server must stay flat: the last sample within
// 1.5x (memory) and +5 (descriptors) of the sample taken after warm-up, and
// no socket may ever be open.
//
// SYNTX_SOAK_CHANGES and SYNTX_SOAK_ACTIONS set the size (defaults 5,000 and
// 500; `make soak` runs 100,000 and 10,000).

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q", name, v)
	}
	return n
}

type procSample struct {
	at      time.Duration
	changes int
	rssKB   int64
	fds     int
	sockets int
}

func (s procSample) String() string {
	return fmt.Sprintf("%7d changes @%6.1fs: VmRSS %6.1f MB, %d fds", s.changes, s.at.Seconds(), float64(s.rssKB)/1024, s.fds)
}

func sampleProc(pid int) (procSample, error) {
	var s procSample
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			s.rssKB, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return s, err
	}
	s.fds = len(ents)
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			s.sockets++
		}
	}
	return s, nil
}

func TestSoak(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc: cannot sample the server's memory and descriptors")
	}
	t.Parallel()
	changes := envInt(t, "SYNTX_SOAK_CHANGES", 5000)
	actions := envInt(t, "SYNTX_SOAK_ACTIONS", 500)
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	opts := map[string]any{"capture": map[string]any{"checkpoints": []string{"200ms", "1s"}, "ignore_after": "300ms"}}
	c, cmd, stderr, err := startServe(ctx, home, opts)
	if err != nil {
		t.Fatalf("initialize: %v\n%s", err, stderr)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	pid := cmd.Process.Pid

	var uris []string
	for _, f := range []struct{ name, lang string }{{"inventory.go", "go"}, {"settings.py", "python"}, {"cart.js", "javascript"}} {
		src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", f.name))
		if err != nil {
			t.Fatal(err)
		}
		uri := lspclient.FileURI(filepath.Join(home, "ws", f.name))
		if err := c.Open(ctx, uri, f.lang, string(src)); err != nil {
			t.Fatal(err)
		}
		uris = append(uris, uri)
	}
	originals := map[string]string{}
	for _, u := range uris {
		originals[u] = c.Doc(u).Text
	}

	start := time.Now()
	every := max(1, changes/actions) // a code action request after this many changes
	sampleEvery := max(1, changes/20)
	var samples []procSample
	sample := func(n int) {
		s, err := sampleProc(pid)
		if err != nil {
			t.Fatalf("sampling the server: %v\n%s", err, stderr)
		}
		s.at, s.changes = time.Since(start), n
		samples = append(samples, s)
	}
	sample(0)
	requests, accepted := 0, 0
	var latencies []time.Duration
	for i := 0; i < changes; i++ {
		uri := uris[i%len(uris)]
		text := c.Doc(uri).Text
		// Type and delete in turn somewhere in the middle, so the document
		// stays the same size; edits move around the file.
		var e lspclient.Edit
		if i/len(uris)%2 == 0 {
			at := (i * 7919) % (len(text) + 1)
			for at > 0 && at < len(text) && text[at]&0xC0 == 0x80 {
				at--
			}
			e = lspclient.Edit{Start: at, End: at, Text: "x"}
		} else {
			at := strings.LastIndex(text, "x")
			if at < 0 {
				continue
			}
			e = lspclient.Edit{Start: at, End: at + 1}
		}
		if err := c.Change(ctx, uri, e); err != nil {
			t.Fatalf("change %d: %v\n%s", i, err, stderr)
		}
		if i%every == every-1 && requests < actions {
			requests++
			t0 := time.Now()
			text := c.Doc(uri).Text
			trigger := protocol.CodeActionTriggerKindAutomatic
			if requests%5 == 0 {
				trigger = protocol.CodeActionTriggerKindInvoked
			}
			acts, err := c.CodeActions(ctx, uri, 0, len(text), trigger)
			if err != nil {
				t.Fatalf("code action %d: %v\n%s", requests, err, stderr)
			}
			latencies = append(latencies, time.Since(t0))
			// Now and then accept one, then put the file back as it was
			// (an undo), so the session keeps having something to offer.
			if requests%25 == 0 && len(acts) > 0 && acts[0].Edit != nil {
				if err := c.Apply(ctx, acts[0]); err == nil {
					accepted++
				}
				if err := c.ReplaceAll(ctx, uri, originals[uri]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if i%sampleEvery == sampleEvery-1 {
			sample(i + 1)
		}
	}
	var st struct {
		Events map[string]int64 `json:"events"`
	}
	if err := c.Command(ctx, "syntx.status", &st); err != nil {
		t.Fatalf("status at the end: %v\n%s", err, stderr)
	}
	sample(changes)
	for _, s := range samples {
		t.Log(s)
	}
	warm := samples[min(2, len(samples)-1)] // after 10% of the session
	last := samples[len(samples)-1]
	p50, p99 := percentile(latencies, 0.5), percentile(latencies, 0.99)
	t.Logf("%d didChange, %d codeAction (p50 %v, p99 %v), %d accepted in %v; events %v",
		changes, requests, p50, p99, accepted, time.Since(start).Round(time.Millisecond), st.Events)
	t.Logf("VmRSS after warm-up %.1f MB, at the end %.1f MB (%.2fx); fds %d -> %d",
		float64(warm.rssKB)/1024, float64(last.rssKB)/1024, float64(last.rssKB)/float64(warm.rssKB), warm.fds, last.fds)
	if float64(last.rssKB) > 1.5*float64(warm.rssKB) {
		t.Errorf("resident memory grew from %d kB to %d kB", warm.rssKB, last.rssKB)
	}
	if last.fds > warm.fds+5 {
		t.Errorf("open file descriptors grew from %d to %d", warm.fds, last.fds)
	}
	for _, s := range samples {
		if s.sockets > 0 {
			t.Errorf("the server had %d sockets open (%s)", s.sockets, s)
		}
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := 1; i < len(s); i++ { // insertion sort: small n
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
}
