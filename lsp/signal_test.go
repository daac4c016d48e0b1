package lsp

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
)

// startCaptureWith is startCapture with initialization options and a hook
// run on the server before it serves; done closes when Serve returns.
func startCaptureWith(t *testing.T, initOpts any, hook func(*Server)) (*captureHarness, chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return serveHarness(t, ctx, t.TempDir(), Options{}, initOpts, hook)
}

// waitDone waits for the server to end its session.
func waitDone(t *testing.T, done chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not end its session after the client went away")
	}
}

func (h *captureHarness) save(uri string) {
	h.t.Helper()
	if err := h.c.Notify(ctx(h.t), "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: lspURI(uri)}}); err != nil {
		h.t.Fatal(err)
	}
}

func dbStatus(t *testing.T, h *captureHarness) store.Status {
	t.Helper()
	st, err := h.db().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestQuitSettlesTrackedSuggestions (defect 1): editors quit without
// closing their documents. A fix applied and saved is kept when the
// session ends — by shutdown and exit, or by the end of the client's
// input — a fix never saved records nothing, and an unanswered menu is
// ignored.
func TestQuitSettlesTrackedSuggestions(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"shutdown and exit", "end of input"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h, done := startCaptureWith(t, nil, nil)
			saved, unsaved, menu := "file:///w/saved.py", "file:///w/unsaved.py", "file:///w/menu.py"
			h.acceptAt(saved, "yaml.load", "python.yaml-safe-load")
			h.save(saved)
			h.acceptAt(unsaved, "yaml.load", "python.yaml-safe-load")
			if err := h.c.Open(ctx(t), menu, "python", pySrc); err != nil {
				t.Fatal(err)
			}
			at := strings.Index(pySrc, "== None")
			if _, err := h.c.CodeActions(ctx(t), menu, at, at, protocol.CodeActionTriggerKindInvoked); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(40 * time.Second) // the user waits, short of every window
			h.tick()
			if st := h.status(); st.Events[store.Kept]+st.Events[store.Ignored] != 0 {
				t.Fatalf("decided before the editor quit: %v", st.Events)
			}
			if how == "shutdown and exit" {
				if err := h.c.Shutdown(ctx(t)); err != nil {
					t.Fatal(err)
				}
			} else {
				_ = h.c.Close()
			}
			waitDone(t, done)
			st := dbStatus(t, h)
			if st.Events[store.Kept] != 1 || st.Events[store.Undone]+st.Events[store.Edited] != 0 {
				t.Fatalf("events after quitting %v: want exactly the saved fix kept", st.Events)
			}
			if st.Events[store.Ignored] == 0 {
				t.Fatalf("events after quitting %v: the unanswered menu is not ignored", st.Events)
			}
			var kept int
			for _, p := range prefs(t, h.db()) {
				if p.Kind == store.Label && p.Desirable {
					kept++
				}
			}
			if kept != 1 {
				t.Fatalf("%d desirable labels after quitting, want 1 (the saved fix)", kept)
			}
		})
	}
}

const tsAnySrc = "function show(x: any): void {\n  console.log(x);\n}\nshow(1);\n"

// TestEdgeEditsClassified (defect 2, and the package doc's classification
// table): changes inside, at the edge of and around an accepted region,
// sent as the editor sends them, each recorded as the table says.
func TestEdgeEditsClassified(t *testing.T) {
	t.Parallel()
	type edit struct {
		start, end int // relative to the region's start; -1 = the region's end
		text       string
	}
	for _, c := range []struct {
		name  string
		edits []edit
		want  store.Outcome
	}{
		{"append to the last token (unknown[])", []edit{{-1, -1, "[]"}}, store.Edited},
		{"append to the last token (unknown_e)", []edit{{-1, -1, "_e"}}, store.Edited},
		{"prefix (Xunknown)", []edit{{0, 0, "X"}}, store.Edited},
		{"replace the whole token (string)", []edit{{0, -1, "string"}}, store.Edited},
		{"wrap the fix (Array<unknown>)", []edit{{-1, -1, ">"}, {0, 0, "Array<"}}, store.Edited},
		{"delete half of it", []edit{{3, -1, ""}}, store.Edited},
		// Separated by white space, a change is code around the fix.
		{"apart after a space (unknown | null)", []edit{{-1, -1, " | null"}}, store.Kept},
		{"undo (any)", []edit{{0, -1, "any"}}, store.Undone},
		{"formatting only (a space before)", []edit{{0, 0, " "}}, store.Kept},
		{"elsewhere on the line", []edit{{-1, -1 + 1000, ""}}, store.Kept},
		{"nothing", nil, store.Kept},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := startCapture(t)
			uri := "file:///w/edge.ts"
			h.acceptInLang(uri, "typescript", tsAnySrc, "any", "typescript.any-to-unknown")
			text := h.c.Doc(uri).Text
			rs := strings.Index(text, "unknown")
			re := rs + len("unknown")
			if rs < 0 {
				t.Fatalf("the fix did not write unknown:\n%s", text)
			}
			for _, e := range c.edits {
				s, en := rs+e.start, rs+e.end
				if e.start < 0 {
					s = re
				}
				switch {
				case e.end == -1:
					en = re
				case e.end > 500:
					// "elsewhere": a comment at the end of the line.
					s = strings.Index(text, "{\n") + 1
					en, e.text = s, " // shown"
				}
				if err := h.c.Change(ctx(t), uri, lspclient.Edit{Start: s, End: en, Text: e.text}); err != nil {
					t.Fatal(err)
				}
			}
			h.settle(c.want)
			h.wantOnly(c.want, fmt.Sprintf("text %q", h.c.Doc(uri).Text))
		})
	}
}

// TestIdleDelayFromSessionStart (defect 3): a fresh session is not idle
// since 1970. With train.idle_delay 5m, a menu closed without a choice
// gives feedback a minute later, and background training waits until five
// minutes have passed since the developer's last activity.
func TestIdleDelayFromSessionStart(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 4)
	h, _ := startCaptureWith(t, map[string]any{"train": map[string]any{"idle_delay": "5m", "min_new_preferences": 1}},
		func(s *Server) { s.hooks.idleTrain = func() { started <- struct{}{} } })
	uri := "file:///w/idle.py"
	if err := h.c.Open(ctx(t), uri, "python", pySrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(pySrc, "yaml.load")
	if _, err := h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{61 * time.Second, time.Minute, 2 * time.Minute} { // 4m01s after the menu
		h.clock.Advance(d)
		h.tick()
		select {
		case <-started:
			t.Fatalf("background training started %s after the session's last activity; train.idle_delay is 5m", h.clock.Now().Sub(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)))
		default:
		}
	}
	if st := h.status(); st.Training == nil || st.Training.Pending < 1 {
		t.Fatalf("no pending feedback: %+v", st.Training)
	}
	h.clock.Advance(time.Minute) // 5m01s
	h.tick()
	select {
	case <-started:
	default:
		t.Fatal("background training did not start once the session had been idle for train.idle_delay")
	}
}

// TestUnansweredMenuIsOneSignal (defect 4): an invoked menu of several
// suggestions, closed without a choice, is one weak piece of evidence about
// the set: its preferences weigh capture.evidence.ignored in all (0.5 when
// opened on a selection), and it counts once toward training.
func TestUnansweredMenuIsOneSignal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		selection bool
		want      float64
	}{{"at the cursor", false, 0.3}, {"on a selection", true, 0.5}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := startCapture(t)
			uri := "file:///w/menu.py"
			// Two suggestions on the line of the cursor.
			const src = "def f(x=[]): return x == None\n"
			if err := h.c.Open(ctx(t), uri, "python", src); err != nil {
				t.Fatal(err)
			}
			start, end := 0, 0
			if c.selection {
				end = len(src)
			}
			acts, err := suggestions(h.c.CodeActions(ctx(t), uri, start, end, protocol.CodeActionTriggerKindInvoked))
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) < 2 {
				t.Fatalf("%d suggestions in the menu; the test needs several", len(acts))
			}
			// Opened again at the same place: the same menu, not more evidence.
			if _, err := h.c.CodeActions(ctx(t), uri, start, end, protocol.CodeActionTriggerKindInvoked); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(2 * time.Minute)
			st := h.expectEvents(store.Ignored, int64(len(acts)))
			if st.Training == nil || st.Training.Pending != 1 {
				t.Fatalf("pending feedback %+v: an ignored menu counts once", st.Training)
			}
			var sum float64
			for _, p := range prefs(t, h.db()) {
				if p.Kind != store.Label || p.Desirable {
					t.Fatalf("preference %+v from an ignored menu", p)
				}
				sum += p.Weight
			}
			if math.Abs(sum-c.want) > 1e-9 {
				t.Fatalf("the ignored menu of %d weighs %v in all, want %v", len(acts), sum, c.want)
			}
		})
	}
}

// TestOffersRecordedOnce (defect 6): a menu opened again at the same place
// is the same offer, and a request without triggerKind (LSP 3.15 clients,
// lightbulb plugins) is automatic: filtered by the threshold, without a
// dismiss entry, not followed as a menu, and recorded once however often
// the cursor moves on the line.
func TestOffersRecordedOnce(t *testing.T) {
	t.Parallel()
	h := startCapture(t)
	uri := "file:///w/offers.py"
	if err := h.c.Open(ctx(t), uri, "python", pySrc); err != nil {
		t.Fatal(err)
	}
	at := strings.Index(pySrc, "yaml.load")
	first, err := suggestions(h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
	if err != nil {
		t.Fatal(err)
	}
	offered := h.status().Events[store.Offered]
	if offered == 0 {
		t.Fatal("the first menu recorded no offer")
	}
	for i := 0; i < 3; i++ {
		again, err := suggestions(h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(first) || string(again[0].Data) != string(first[0].Data) {
			t.Fatalf("the same menu at the same place changed: %s vs %s", again[0].Data, first[0].Data)
		}
	}
	if got := h.status().Events[store.Offered]; got != offered {
		t.Fatalf("opening the same menu 4 times recorded %d offers, want %d", got, offered)
	}
	// No triggerKind: automatic, on every cursor move along a line.
	line := strings.Index(pySrc, "    if data == None")
	var n int
	for col := 4; col < 18; col++ {
		acts, err := h.c.CodeActions(ctx(t), uri, line+col, line+col, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts {
			if a.Command.Command == "syntx.dismiss" && a.Edit == nil {
				t.Fatal("a request without triggerKind got the menu's dismiss entry")
			}
		}
		n = len(acts)
	}
	after := h.status().Events[store.Offered]
	if after-offered > int64(n) {
		t.Fatalf("14 cursor moves on one line recorded %d offers, want at most %d (one set)", after-offered, n)
	}
	h.clock.Advance(2 * time.Minute)
	h.expectEvents(store.Ignored, int64(len(first)))
}

// TestAcceptAfterForget: syntx forget deletes the suggestions a running
// server has just offered. Accepting one of them is answered with what
// happened (not a bare "not found" in the log), whether or not a tick
// noticed the forget first, and asking again gives fresh ids that record.
func TestAcceptAfterForget(t *testing.T) {
	t.Parallel()
	for _, ticked := range []bool{false, true} {
		t.Run(map[bool]string{false: "before a tick", true: "after a tick"}[ticked], func(t *testing.T) {
			t.Parallel()
			h := startCapture(t)
			uri := "file:///w/forget.py"
			if err := h.c.Open(ctx(t), uri, "python", pySrc); err != nil {
				t.Fatal(err)
			}
			at := strings.Index(pySrc, "yaml.load")
			acts, err := suggestions(h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
			if err != nil || len(acts) == 0 {
				t.Fatalf("%d actions, %v", len(acts), err)
			}
			var id string
			_ = jsonField(acts[0].Data, "suggestionId", &id)
			h.status() // the offer is written
			if _, err := h.db().Forget(context.Background(), store.ForgetSpec{All: true}, h.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if ticked {
				h.tick()
			}
			err = h.c.Command(ctx(t), "syntx.accept", nil, id)
			if errCode(err) != -32602 || !strings.Contains(err.Error(), "forgotten") {
				t.Fatalf("accepting a forgotten suggestion: %v, want InvalidParams saying it was forgotten", err)
			}
			again, err := suggestions(h.c.CodeActions(ctx(t), uri, at, at, protocol.CodeActionTriggerKindInvoked))
			if err != nil || len(again) == 0 {
				t.Fatalf("%d actions, %v", len(again), err)
			}
			var id2 string
			_ = jsonField(again[0].Data, "suggestionId", &id2)
			if id2 == id {
				t.Fatalf("the forgotten id %s was handed out again", id)
			}
			if err := h.c.Apply(ctx(t), again[0]); err != nil {
				t.Fatalf("accepting a fresh suggestion after the forget: %v", err)
			}
			h.expectEvents(store.Accepted, 1)
		})
	}
}
