package lsp

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
)

// fakeClock is the only fake in these tests: time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type captureHarness struct {
	c     *lspclient.Client
	srv   *Server
	clock *fakeClock
	home  string
	t     *testing.T
}

// manualTicks is a TickInterval that never fires within a test: the
// capture tests run each tick themselves (captureHarness.tick), so that a
// check after it sees exactly what that tick decided, however busy the
// machine is.
const manualTicks = 1000 * time.Hour

func startCapture(t *testing.T) *captureHarness {
	t.Helper()
	return startCaptureIn(t, t.TempDir())
}

// startCaptureIn is startCapture on the data directory home, which a test
// may have filled before the server starts.
func startCaptureIn(t *testing.T, home string) *captureHarness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h, _ := serveHarness(t, ctx, home, Options{}, nil, nil)
	return h
}

// serveHarness starts a server with opts on the data directory home (its
// clock the harness's fake one, its ticks manual, its log warnings unless
// opts has a logger), runs hook on it before it serves, and initializes a
// client with initOpts; done closes when Serve returns.
func serveHarness(t *testing.T, ctx context.Context, home string, opts Options, initOpts any, hook func(*Server)) (*captureHarness, chan struct{}) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	opts.DataDir, opts.Clock, opts.TickInterval = home, clock.Now, manualTicks
	s := NewServer(opts)
	if hook != nil {
		hook(s)
	}
	c, done := connect(t, ctx, s)
	if _, err := c.Initialize(ctx, t.TempDir(), false, initOpts); err != nil {
		t.Fatal(err)
	}
	return &captureHarness{c: c, srv: s, clock: clock, home: home, t: t}, done
}

// connect serves s over a synchronous pipe to a new client, which the
// test's cleanup closes, waiting for Serve to return; done closes when it
// does.
func connect(t *testing.T, ctx context.Context, s *Server) (*lspclient.Client, chan struct{}) {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() { s.Serve(ctx, a); close(done) }()
	c := lspclient.New(ctx, b)
	t.Cleanup(func() {
		_ = c.Close()
		<-done
	})
	return c, done
}

// db opens a second handle on the server's database, as another process
// (a second editor window, the CLI) would.
func (h *captureHarness) db() *store.DB {
	db, err := store.Open(context.Background(), filepath.Join(h.home, "syntx.db"), store.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	return db
}

func (h *captureHarness) status() Status {
	var st Status
	if err := h.c.Command(ctx(h.t), "syntx.status", &st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// tick runs one checkpoint tick synchronously at the fake clock's time,
// after the server has handled every notification sent before it (a
// request is answered only after them).
func (h *captureHarness) tick() {
	h.t.Helper()
	h.status()
	h.srv.tick()
}

// expectEvents ticks, then checks that the status counts n events of
// outcome.
func (h *captureHarness) expectEvents(outcome store.Outcome, n int64) Status {
	h.t.Helper()
	h.tick()
	st := h.status()
	if st.Events[outcome] != n {
		h.t.Fatalf("at %s: %d %s events, want %d (all: %v)", h.clock.Now().Format(time.TimeOnly), st.Events[outcome], outcome, n, st.Events)
	}
	return st
}

const pySrc = `import yaml


def load(path):
    with open(path) as fh:
        data = yaml.load(fh)
    if data == None:
        return {}
    return data
`

// acceptAt opens pySrc, asks for actions at the line holding marker, and
// applies the one whose rule is ruleID.
func (h *captureHarness) acceptAt(uri, marker, ruleID string) *protocol.CodeAction {
	h.t.Helper()
	return h.acceptIn(uri, pySrc, marker, ruleID)
}

// acceptIn is acceptAt on the Python source src.
func (h *captureHarness) acceptIn(uri, src, marker, ruleID string) *protocol.CodeAction {
	h.t.Helper()
	return h.acceptInLang(uri, "python", src, marker, ruleID)
}

// acceptInLang is acceptIn for a document of another language.
func (h *captureHarness) acceptInLang(uri, lang, src, marker, ruleID string) *protocol.CodeAction {
	h.t.Helper()
	if err := h.c.Open(ctx(h.t), uri, lang, src); err != nil {
		h.t.Fatal(err)
	}
	at := strings.Index(src, marker)
	acts, err := suggestions(h.c.CodeActions(ctx(h.t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		h.t.Fatal(err)
	}
	for _, a := range acts {
		if strings.Contains(string(a.Data), `"ruleId":"`+ruleID+`"`) {
			if err := h.c.Apply(ctx(h.t), a); err != nil {
				h.t.Fatal(err)
			}
			return a
		}
	}
	h.t.Fatalf("no %s action at %q", ruleID, marker)
	return nil
}

// settle runs the checkpoints that decide an applied fix: 31 s for an
// edited or undone one, and 15 minutes more for one kept.
func (h *captureHarness) settle(want store.Outcome) {
	h.t.Helper()
	h.clock.Advance(31 * time.Second)
	h.tick()
	if want == store.Kept {
		h.clock.Advance(15 * time.Minute)
	}
	h.tick()
}

// wantOnly fails unless exactly one outcome, want, was recorded among
// kept, edited and undone; what says what the test did.
func (h *captureHarness) wantOnly(want store.Outcome, what string) {
	h.t.Helper()
	st := h.status()
	for _, o := range []store.Outcome{store.Kept, store.Edited, store.Undone} {
		n := int64(0)
		if o == want {
			n = 1
		}
		if st.Events[o] != n {
			h.t.Fatalf("%s: events %v, want one %s", what, st.Events, want)
		}
	}
}

func prefs(t *testing.T, db *store.DB) []store.Preference {
	var out []store.Preference
	if err := db.Preferences(context.Background(), store.PreferenceFilter{}, func(p store.Preference) error {
		out = append(out, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAcceptThenKeep(t *testing.T) {
	t.Parallel()
	h := startCapture(t)
	h.acceptAt("file:///w/keep.py", "yaml.load", "python.yaml-safe-load")
	h.expectEvents(store.Accepted, 1)
	// Typing elsewhere shifts the region and does not count.
	if err := h.c.Change(ctx(t), "file:///w/keep.py", lspclient.Edit{Start: 0, End: 0, Text: "# header\n"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{31 * time.Second, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute} {
		h.clock.Advance(d)
		h.tick()
		if st := h.status(); st.Events[store.Kept] != 0 {
			t.Fatalf("kept before the last checkpoint: %v", st.Events)
		}
	}
	h.clock.Advance(5 * time.Minute) // past 15 min
	st := h.expectEvents(store.Kept, 1)
	if st.Events[store.Undone]+st.Events[store.Edited] != 0 {
		t.Fatalf("events %v", st.Events)
	}
	var labels int
	for _, p := range prefs(t, h.db()) {
		if p.Kind == store.Label && p.Desirable {
			labels++
		}
	}
	if labels != 1 {
		t.Fatalf("desirable labels %d, want 1", labels)
	}
}

func TestAcceptThenUndoInPieces(t *testing.T) {
	t.Parallel()
	h := startCapture(t)
	uri := "file:///w/undo.py"
	h.acceptAt(uri, "yaml.load", "python.yaml-safe-load")
	h.expectEvents(store.Accepted, 1)
	// The editor's undo arrives as its own edits, in two pieces: delete the
	// rewrite, then insert the original.
	text := h.c.Doc(uri).Text
	at := strings.Index(text, "yaml.safe_load(fh)")
	if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: at, End: at + len("yaml.safe_load(fh)"), Text: ""}); err != nil {
		t.Fatal(err)
	}
	h.tick()
	if st := h.status(); st.Events[store.Undone]+st.Events[store.Edited] != 0 {
		t.Fatalf("decided half way through the undo: %v", st.Events)
	}
	if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: at, End: at, Text: "yaml.load(fh)"}); err != nil {
		t.Fatal(err)
	}
	h.expectEvents(store.Undone, 1)
	var pairs, undesirable int
	for _, p := range prefs(t, h.db()) {
		switch {
		case p.Kind == store.Pair && p.Chosen.Role == store.RoleOriginal && p.Rejected.Role == store.RoleSuggestion:
			pairs++
			if len(p.Provenance) < 2 {
				t.Errorf("provenance %v: want the undo and the accept events", p.Provenance)
			}
		case p.Kind == store.Label && !p.Desirable:
			undesirable++
		}
	}
	if pairs != 1 || undesirable != 1 {
		t.Fatalf("original≻suggestion pairs %d, undesirable labels %d", pairs, undesirable)
	}
}

// TestUndoOfRemovingFix: a fix that only removes text (x.keys() → x) is
// undone by inserting the text back at the edge of the rewrite, which does
// not overlap it. The undo must still be recognised — as one insertion (an
// editor's undo) or typed back in pieces — and typing something else there
// must not count as an undo.
func TestUndoOfRemovingFix(t *testing.T) {
	t.Parallel()
	const src = "def names(merged):\n    for key in merged.keys():\n        print(key)\n"
	for _, c := range []struct {
		name   string
		pieces []string
		undone bool
	}{
		{"editor undo", []string{".keys()"}, true},
		{"typed back", []string{".", "ke", "ys", "()"}, true},
		// Attached to the fix's last token: the developer rewrote it.
		{"typed something else", []string{".items()"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := startCapture(t)
			uri := "file:///w/keys.py"
			h.acceptIn(uri, src, "merged.keys()", "python.dict-keys-membership")
			h.expectEvents(store.Accepted, 1)
			text := h.c.Doc(uri).Text
			at := strings.Index(text, "in merged:") + len("in merged")
			for _, p := range c.pieces {
				if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: at, End: at, Text: p}); err != nil {
					t.Fatal(err)
				}
				at += len(p)
			}
			if c.undone {
				if got := h.c.Doc(uri).Text; got != src {
					t.Fatalf("the test did not restore the source:\n%s", got)
				}
				h.clock.Advance(31 * time.Second) // a checkpoint, for the typed-back undo
				h.expectEvents(store.Undone, 1)
				return
			}
			h.clock.Advance(31 * time.Second)
			st := h.expectEvents(store.Edited, 1)
			if st.Events[store.Undone]+st.Events[store.Kept] != 0 {
				t.Fatalf("events %v", st.Events)
			}
		})
	}
}

func TestAcceptThenEditVersusReformat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, from, to string
		want           store.Outcome
	}{
		{"rename inside the suggestion", "safe_load(fh)", "safe_load(stream)", store.Edited},
		{"reformat", "safe_load(fh)", "safe_load( fh )", store.Kept},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := startCapture(t)
			uri := "file:///w/edit.py"
			h.acceptAt(uri, "yaml.load", "python.yaml-safe-load")
			h.expectEvents(store.Accepted, 1)
			// The editor re-expresses the change as a whole-line replacement.
			text := h.c.Doc(uri).Text
			if err := h.c.ReplaceAll(ctx(t), uri, strings.Replace(text, c.from, c.to, 1)); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(31 * time.Second)
			h.tick()
			if c.want == store.Kept {
				h.clock.Advance(15 * time.Minute)
			}
			st := h.expectEvents(c.want, 1)
			if c.want == store.Edited {
				if st.Events[store.Kept] != 0 {
					t.Fatalf("events %v", st.Events)
				}
				found := false
				for _, p := range prefs(t, h.db()) {
					if p.Kind == store.Pair && p.Chosen.Role == store.RoleDeveloper && strings.Contains(p.Chosen.Text, "stream") {
						found = true
					}
				}
				if !found {
					t.Fatal("no developer's-version ≻ suggestion pair with the developer's text")
				}
			}
		})
	}
}

func TestSaveAfterFirstCheckpointKeeps(t *testing.T) {
	t.Parallel()
	h := startCapture(t)
	uri := "file:///w/save.py"
	h.acceptAt(uri, "== None", "python.none-comparison")
	h.expectEvents(store.Accepted, 1)
	_ = h.c.Notify(ctx(t), "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}})
	h.tick()
	if st := h.status(); st.Events[store.Kept] != 0 {
		t.Fatal("a save before the first checkpoint decided the outcome")
	}
	h.clock.Advance(40 * time.Second)
	h.tick()
	_ = h.c.Notify(ctx(t), "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}})
	h.expectEvents(store.Kept, 1)
}

func TestDismissAndIgnore(t *testing.T) {
	t.Parallel()
	h := startCapture(t)
	uri := "file:///w/d.py"
	if err := h.c.Open(ctx(t), uri, "python", pySrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(pySrc, "yaml.load")
	acts, err := h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked)
	if err != nil {
		t.Fatal(err)
	}
	last := acts[len(acts)-1]
	if last.Command.Command != "syntx.dismiss" || last.Edit != nil {
		t.Fatalf("the menu does not end with a dismiss entry: %+v", last)
	}
	if err := h.c.Apply(ctx(t), last); err != nil {
		t.Fatal(err)
	}
	st := h.expectEvents(store.Dismissed, 1)
	// Dismiss one suggestion with a reason.
	at = strings.Index(pySrc, "== None")
	acts, _ = suggestions(h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
	var id string
	_ = jsonField(acts[0].Data, "suggestionId", &id)
	if err := h.c.Command(ctx(t), "syntx.dismiss", nil, id, "wrong"); err != nil {
		t.Fatal(err)
	}
	if err := h.c.Command(ctx(t), "syntx.dismiss", nil, id, "because"); errCode(err) != -32602 {
		t.Fatalf("bad reason: %v", err)
	}
	st = h.expectEvents(store.Dismissed, st.Events[store.Dismissed]+1)
	// An invoked menu left unanswered is ignored after the window.
	if err := h.c.Open(ctx(t), "file:///w/i.py", "python", pySrc); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.CodeActions(ctx(t), "file:///w/i.py", at, at, protocol.CodeActionTriggerKindInvoked); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(2 * time.Minute)
	h.expectEvents(store.Ignored, 1)
	// Persona switches are recorded and stamped on later events.
	if err := h.c.Command(ctx(t), "syntx.setPersona", nil, "security-reviewer"); err != nil {
		t.Fatal(err)
	}
	if err := h.c.Command(ctx(t), "syntx.setPersona", nil, "nobody"); errCode(err) != -32602 {
		t.Fatalf("unknown persona: %v", err)
	}
	if st := h.status(); st.Persona != "security-reviewer" {
		t.Fatalf("persona %q", st.Persona)
	}
	// The switch is answered before it is durable; it is written in order.
	if err := h.srv.rec.Wait(); err != nil {
		t.Fatal(err)
	}
	var switched []string
	if err := h.db().AuditLog(context.Background(), time.Time{}, func(r store.AuditRow) error {
		if r.Kind == store.AuditPersona {
			switched = append(switched, r.Ref)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(switched) != 1 || switched[0] != "security-reviewer" {
		t.Errorf("persona switches in the audit log: %q, want [security-reviewer]", switched)
	}
	rep, err := h.db().Verify(context.Background())
	if err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

func jsonField(data []byte, key string, v any) error {
	var m map[string]jsonRaw
	if err := jsonUnmarshal(data, &m); err != nil {
		return err
	}
	return jsonUnmarshal(m[key], v)
}

// TestTwoServersOneDatabase runs two servers (two editor windows) on one
// data directory at once: both record, and the audit chain stays whole.
func TestTwoServersOneDatabase(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	var clients []*lspclient.Client
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		c, _ := connect(t, ctx, NewServer(Options{DataDir: home, TickInterval: manualTicks}))
		if _, err := c.Initialize(ctx, t.TempDir(), false, nil); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uri := "file:///w/two" + string(rune('a'+i)) + ".py"
			if err := c.Open(ctx(t), uri, "python", pySrc); err != nil {
				t.Error(err)
				return
			}
			for k := 0; k < 3; k++ {
				acts, err := suggestions(c.CodeActions(ctx(t), uri, 0, len(c.Doc(uri).Text), protocol.CodeActionTriggerKindInvoked))
				if err != nil || len(acts) == 0 {
					return
				}
				if err := c.Apply(ctx(t), acts[0]); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				applied++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	db, err := store.Open(context.Background(), filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if applied < 4 || st.Events[store.Accepted] != int64(applied) {
		t.Fatalf("accepted events %d, applied %d (want every one, at least 2 per window)", st.Events[store.Accepted], applied)
	}
	if rep, err := db.Verify(context.Background()); err != nil || !rep.OK {
		t.Fatalf("audit chain %+v %v", rep, err)
	}
}
