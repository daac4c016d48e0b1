package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/store"
)

// The forget tests (issue 15): after each form of `syntx forget`, nothing
// of the forgotten data is in any byte under $SYNTX_HOME, the active
// adapter was trained only on what remains (or is the base), and the
// output says which.

// workspaceData builds a repository under root named name, whose history
// applies the errorf-wrap fix by hand to n functions (learn --git finds
// them), with marker in every function name, string and path, and records
// it: learn --git, a review --record of an uncommitted change, and a
// server session that applies one fix.
func workspaceData(t *testing.T, root, home, name, marker string, n int, start time.Time) string {
	t.Helper()
	r := newDatedRepo(t, filepath.Join(root, name), start)
	var b strings.Builder
	b.WriteString("package " + strings.ReplaceAll(name, "-", "") + "\n\nimport \"fmt\"\n")
	for i := range n {
		fmt.Fprintf(&b, "\nfunc %s%d(err error) error {\n\treturn fmt.Errorf(\"%s step %d: %%v\", err)\n}\n", marker, i, marker, i)
	}
	r.write(marker+".go", b.String())
	r.commit("smelly")
	for i := range n {
		r.replace(marker+".go", fmt.Sprintf("%s step %d: %%v\", err)", marker, i), fmt.Sprintf("%s step %d: %%w\", err)", marker, i))
		r.commit(fmt.Sprintf("wrap %d", i))
	}
	var outputs []string
	cli(t, home, &outputs, "learn", "--git", "-C", r.dir)
	// An uncommitted change, reviewed and recorded.
	r.git("checkout", "-q", "-b", "feature")
	r.write(marker+"_review.go", fmt.Sprintf("package %s\n\nimport \"fmt\"\n\nfunc %sReview(err error) error {\n\treturn fmt.Errorf(\"%s review: %%v\", err)\n}\n",
		strings.ReplaceAll(name, "-", ""), marker, marker))
	cli(t, home, &outputs, "review", "--record", "-C", r.dir, "--base", "main")

	// An editor applies the same fix in a new file.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, cmd, stderr, err := startServeAt(ctx, home, r.dir, map[string]any{"capture": map[string]any{"checkpoints": []string{"40ms", "120ms"}}})
	if err != nil {
		t.Fatal(err)
	}
	uri := lspclient.FileURI(filepath.Join(r.dir, marker+"_editor.go"))
	src := fmt.Sprintf("package x\n\nimport \"fmt\"\n\nfunc %sEditor(err error) error {\n\treturn fmt.Errorf(\"%s editor: %%v\", err)\n}\n", marker, marker)
	if err := c.Open(ctx, uri, "go", src); err != nil {
		t.Fatal(err)
	}
	acts, err := c.CodeActions(ctx, uri, 0, len(src), protocol.CodeActionTriggerKindInvoked)
	if err != nil || len(acts) == 0 || acts[0].Edit == nil {
		t.Fatalf("no code action in the editor (%v)\n%s", err, stderr)
	}
	kept := status(t, home).Events["kept"]
	if err := c.Apply(ctx, acts[0]); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); status(t, home).Events["kept"] == kept; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the editor's fix was not recorded as kept within a minute")
		}
	}
	c.Shutdown(ctx)
	c.Close()
	cmd.Wait()
	return r.dir
}

// bytesUnder reports the files under dir that hold s (as is, or as JSON
// escapes it).
func bytesUnder(t *testing.T, dir, s string) []string {
	t.Helper()
	j, _ := json.Marshal(s)
	forms := [][]byte{[]byte(s), j[1 : len(j)-1]}
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, f := range forms {
			if bytes.Contains(b, f) {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	return out
}

// preferencesOf returns the ids of the preferences whose suggestions are
// in the workspace (or whose suggestions were made before cut, when cut is
// set), from the store itself.
func preferencesOf(t *testing.T, home, workspace string, cut time.Time) (ids []int64) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Preferences(ctx, store.PreferenceFilter{}, func(p store.Preference) error {
		for _, id := range []string{p.SuggestionID, p.Chosen.SuggestionID, p.Rejected.SuggestionID} {
			if id == "" {
				continue
			}
			s, err := db.Suggestion(ctx, id)
			if err != nil {
				return err
			}
			if (workspace != "" && s.Workspace == workspace) || (!cut.IsZero() && s.CreatedAt.Before(cut)) {
				ids = append(ids, p.ID)
				return nil
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkAdapters checks that every adapter left was trained only on
// preferences older than the first forgotten one, that no directory of a
// deleted one is left, and that ACTIVE names the store's active adapter.
func checkAdapters(t *testing.T, home string, firstForgotten int64) (active string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	byVersion := map[string]store.Run{}
	for _, r := range runs {
		byVersion[r.AdapterVersion] = r
	}
	as, err := db.Adapters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, a := range as {
		known[a.Version] = true
		if r := byVersion[a.Version]; r.LastPreferenceID == 0 || r.LastPreferenceID >= firstForgotten {
			t.Errorf("adapter %s (read preferences up to %d) survived a forget of preference %d", a.Version, r.LastPreferenceID, firstForgotten)
		}
		if a.State == store.AdapterActive {
			active = a.Version
		}
	}
	ents, _ := os.ReadDir(filepath.Join(home, "adapters"))
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), "v") && !known[e.Name()] {
			t.Errorf("directory of deleted adapter %s left", e.Name())
		}
	}
	ptr, _ := os.ReadFile(filepath.Join(home, "adapters", "ACTIVE"))
	if strings.TrimSpace(string(ptr)) != active {
		t.Errorf("ACTIVE names %q, the store %q", strings.TrimSpace(string(ptr)), active)
	}
	if rep, err := db.Verify(ctx); err != nil || !rep.OK {
		t.Errorf("audit chain after forget: %v %v", rep, err)
	}
	return active
}

func minID(ids []int64) int64 {
	m := ids[0]
	for _, id := range ids {
		m = min(m, id)
	}
	return m
}

func TestForgetWorkspaceThenAll(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	var outputs []string
	a := workspaceData(t, root, home, "ws-quokka", "quokkaMarkerAlpha", 14, time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC))
	cli(t, home, &outputs, "train", "--seed", "1")
	b := workspaceData(t, root, home, "ws-zebra", "zebraMarkerBeta", 14, time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC))
	cli(t, home, &outputs, "train", "--seed", "2")
	if len(bytesUnder(t, home, "zebraMarkerBeta")) == 0 || len(bytesUnder(t, filepath.Join(home, "review"), "ws-zebra")) == 0 {
		t.Fatal("test is broken: the workspace to forget left nothing under $SYNTX_HOME")
	}
	forgotten := preferencesOf(t, home, b, time.Time{})
	if len(forgotten) < 10 {
		t.Fatalf("test is broken: only %d preferences of %s", len(forgotten), b)
	}

	out := cli(t, home, &outputs, "forget", "--workspace", b)
	t.Logf("forget --workspace:\n%s", out)
	for _, m := range []string{"zebraMarkerBeta", "ws-zebra"} {
		if files := bytesUnder(t, home, m); len(files) > 0 {
			t.Errorf("after forget --workspace, %q is still in %v", m, files)
		}
	}
	if len(bytesUnder(t, home, "quokkaMarkerAlpha")) == 0 {
		t.Error("forget --workspace took the other workspace's data too")
	}
	active := checkAdapters(t, home, minID(forgotten))
	if want := "now active: " + active; active != "" && !strings.Contains(out, want) && !strings.Contains(out, active+" stays active") {
		t.Errorf("output does not say which adapter is active (%s):\n%s", active, out)
	}
	if active == "" && !strings.Contains(out, "base policy") {
		t.Errorf("output does not say the base policy is active:\n%s", out)
	}
	if st := status(t, home); (st.Adapter == nil) != (active == "") || (st.Adapter != nil && *st.Adapter != active) {
		t.Errorf("status reports adapter %v, want %q", st.Adapter, active)
	}
	cli(t, home, &outputs, "audit", "verify")

	key, err := os.ReadFile(filepath.Join(home, store.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	out = cli(t, home, &outputs, "forget", "--all")
	t.Logf("forget --all:\n%s", out)
	if files := bytesUnder(t, home, "quokkaMarkerAlpha"); len(files) > 0 {
		t.Errorf("after forget --all, the first workspace is still in %v", files)
	}
	if files := bytesUnder(t, home, filepath.Base(a)); len(files) > 0 {
		t.Errorf("after forget --all, its path is still in %v", files)
	}
	if newKey, _ := os.ReadFile(filepath.Join(home, store.KeyFile)); bytes.Equal(newKey, key) {
		t.Error("forget --all kept the hash key")
	}
	for _, d := range []string{"review", "learn"} {
		if _, err := os.Stat(filepath.Join(home, d)); !os.IsNotExist(err) {
			t.Errorf("%s/ left after forget --all", d)
		}
	}
	if active := checkAdapters(t, home, 1); active != "" {
		t.Errorf("an adapter is active after forget --all: %s", active)
	}
	st := status(t, home)
	if st.Preferences != 0 || st.Adapter != nil || st.Events["offered"] != 0 {
		t.Errorf("status after forget --all: %+v", st)
	}
	if !strings.Contains(out, "base policy") || !strings.Contains(out, "replaced the hash key") {
		t.Errorf("forget --all output:\n%s", out)
	}
	cli(t, home, &outputs, "audit", "verify")
}

func TestForgetBefore(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	var outputs []string
	workspaceData(t, root, home, "ws-old", "wombatMarkerOld", 12, time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	cli(t, home, &outputs, "train", "--seed", "1")
	workspaceData(t, root, home, "ws-new", "numbatMarkerNew", 12, time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC))
	cli(t, home, &outputs, "train", "--seed", "2")
	cut := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	forgotten := preferencesOf(t, home, "", cut)
	if len(forgotten) < 10 {
		t.Fatalf("test is broken: %d preferences before %s", len(forgotten), cut)
	}

	out := cli(t, home, &outputs, "forget", "--before", "2024-04-01")
	t.Logf("forget --before:\n%s", out)
	// What git history taught (suggestions dated by their commits in
	// March) is gone; what was recorded today (the review, the editor)
	// stays, whatever its workspace.
	for _, m := range []string{"wombatMarkerOld step"} {
		if files := bytesUnder(t, filepath.Join(home), m); len(files) > 0 {
			t.Errorf("after forget --before, %q is still in %v", m, files)
		}
	}
	if len(bytesUnder(t, home, "numbatMarkerNew step")) == 0 {
		t.Error("forget --before took newer data too")
	}
	active := checkAdapters(t, home, minID(forgotten))
	if active == "" && !strings.Contains(out, "base policy") {
		t.Errorf("output does not say the base policy is active:\n%s", out)
	}
	cli(t, home, &outputs, "audit", "verify")
}
