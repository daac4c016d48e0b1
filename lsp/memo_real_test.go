package lsp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/corpus"
	"github.com/syntx/syntx/internal/lspclient"
	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// TestCodeActionsOnRealCodeMatchFresh is TestCodeActionsKeptAcrossEditsMatchFresh
// on real, unmodified files of the real-code corpus (skipped when it is not
// fetched, failed under SYNTX_REALCORPUS_REQUIRED=1), edited as a person
// edits (corpus.Typist): after each notification, the code actions the
// server gives around the change and over the whole file equal those of
// another server, in the same workspace folder (the package's root, so
// that both read the same project files: go.mod, package.json, tsconfig),
// that opens the current text afresh under the same URI.
//
// By default one file per language, drawn with seed 1, 12 notifications;
// SYNTX_REAL_MEMO_FILES, SYNTX_REAL_MEMO_STEPS and SYNTX_REAL_MEMO_SEED
// change that.
func TestCodeActionsOnRealCodeMatchFresh(t *testing.T) {
	c := realcorpus.Require(t)
	files := realcorpus.EnvCount(t, "SYNTX_REAL_MEMO_FILES", 1)
	steps := realcorpus.EnvCount(t, "SYNTX_REAL_MEMO_STEPS", 12)
	seed := uint64(realcorpus.EnvCount(t, "SYNTX_REAL_MEMO_SEED", 1))
	lib := rules.Load(rules.Source{Name: "builtin", FS: rules.Builtin()})
	langID := map[syntax.Grammar]string{syntax.Go: "go", syntax.Python: "python", syntax.JavaScript: "javascript",
		syntax.TypeScript: "typescript", syntax.TSX: "typescriptreact"}
	for _, g := range []syntax.Grammar{syntax.Go, syntax.Python, syntax.JavaScript, syntax.TypeScript, syntax.TSX} {
		// Files of up to 64 KB where some rule matches (else there is
		// nothing to compare).
		drawn, err := c.Sample(g, seed, files, func(_ realcorpus.File, src []byte) bool {
			return len(src) <= 64<<10 && ruleMatches(t, lib, g, src)
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range drawn {
			root, ok := c.Root(f.Source)
			if !ok {
				t.Fatalf("%s: no root for source %s", f.Rel, f.Source)
			}
			t.Run(string(g)+"/"+f.Package+"/"+f.Rel, func(t *testing.T) {
				editRealAndCompare(t, langID[g], root, f.Path, f.Src, seed*1000+uint64(i), steps)
			})
		}
	}
}

// ruleMatches reports whether a rule of lib matches somewhere in src.
func ruleMatches(t *testing.T, lib *rules.Library, g syntax.Grammar, src []byte) bool {
	tree, err := syntax.Parse(context.Background(), g, src)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	return len(rules.NewIndex(lib.Set(g), tree, syntax.NewText(src)).Matches(tree, syntax.NewText(src))) > 0
}

// editRealAndCompare opens file's text src in the workspace folder root,
// makes steps notifications of edits to it and compares the code actions
// after each with a fresh server's.
func editRealAndCompare(t *testing.T, lang, root, file string, src []byte, seed uint64, steps int) {
	h := start(t)
	h.initPatientIn(t, root)
	c := ctx(t)
	uri := "file://" + file
	if err := h.c.Open(c, uri, lang, string(src)); err != nil {
		t.Fatal(err)
	}
	wholeFileActions(t, h, uri) // keeps what every candidate derives
	ty := corpus.NewTypist(rand.New(rand.NewPCG(seed, 5)), src)
	var log []string
	for step := range steps {
		var edits []lspclient.Edit
		at := 0
		for _, ch := range ty.Next([]byte(h.c.Doc(uri).Text)) {
			edits = append(edits, lspclient.Edit{Start: ch.Start, End: ch.End, Text: ch.Text})
			log = append(log, fmt.Sprintf("step %d: %d-%d %q", step, ch.Start, ch.End, ch.Text))
			at = ch.Start
		}
		if err := h.c.Change(c, uri, edits...); err != nil {
			t.Fatal(err)
		}
		n := len(h.c.Doc(uri).Text)
		compareWithFresh(t, h, uri, uri, lang, root, max(0, at-1000), min(n, at+1000),
			fmt.Sprintf("seed %d step %d after\n%s\n", seed, step, strings.Join(log[max(0, len(log)-12):], "\n")))
	}
}
