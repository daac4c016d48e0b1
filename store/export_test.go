package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/store")

// seedExport stores the preferences of every outcome in the table of
// DESIGN.md, so the exports cover each shape of pair and label.
func seedExport(t *testing.T, db *DB) {
	t.Helper()
	seed(t, db) // kept s1 ≻ s3, labels s1 (desirable) and s2 (not)

	// Undone: original ≻ suggestion, by reference to the suggestion.
	u := suggestion("u1", "set-u", 0, 20)
	u.Language, u.RuleID, u.Category, u.Title = "python", "py.open-without-with", Correctness, "Use a with block so the file is closed"
	u.OriginalText, u.SuggestedText = "f = open(path)\ndata = f.read()", "with open(path) as f:\n    data = f.read()"
	mustOffer(t, db, u)
	ev := mustEvent(t, db, Event{SuggestionID: "u1", Outcome: Undone, At: at(22)})
	mustPrefs(t, db,
		Preference{CreatedAt: at(22), Kind: Pair, Weight: 1, Persona: "developer", Provenance: []int64{ev},
			Chosen:   Side{SuggestionID: "u1", Role: RoleOriginal},
			Rejected: Side{SuggestionID: "u1", Role: RoleSuggestion}},
		Preference{CreatedAt: at(22), Kind: Label, SuggestionID: "u1", Desirable: false, Weight: 1,
			Persona: "developer", Provenance: []int64{ev}})

	// Edited: developer's version ≻ suggestion, with a secret in the
	// developer's version that must not reach the export.
	e := suggestion("e1", "set-e", 0, 30)
	e.Language, e.RuleID, e.Category, e.Title = "typescript", "ts.fetch-no-timeout", Performance, ""
	e.OriginalText, e.SuggestedText = "await fetch(url)", "await fetch(url, { signal: AbortSignal.timeout(5000) })"
	mustOffer(t, db, e)
	dev := "await fetch(url, { signal: AbortSignal.timeout(2000), headers: { Authorization: \"Bearer tok_9f8e7d6c5b4a39281706ab\" } })"
	ev = mustEvent(t, db, Event{SuggestionID: "e1", Outcome: Edited, At: at(31), FinalText: dev})
	mustPrefs(t, db,
		Preference{CreatedAt: at(31), Kind: Pair, Weight: 1.5, Persona: "performance-auditor", Provenance: []int64{ev},
			Context:  json.RawMessage(`{"message":"fetch without a timeout can hang forever"}`),
			Chosen:   Side{Text: dev, Role: RoleDeveloper},
			Rejected: Side{SuggestionID: "e1", Role: RoleSuggestion}})
}

func TestExportGolden(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	seedExport(t, db)
	ctx := context.Background()
	tests := []struct {
		golden string
		export func(context.Context, *bytes.Buffer) (ExportStats, error)
		keys   []string
		rows   int
	}{
		{"dpo.jsonl", func(ctx context.Context, b *bytes.Buffer) (ExportStats, error) { return db.ExportDPO(ctx, b) },
			[]string{"chosen", "prompt", "rejected"}, 3},
		{"kto.jsonl", func(ctx context.Context, b *bytes.Buffer) (ExportStats, error) { return db.ExportKTO(ctx, b) },
			[]string{"completion", "label", "prompt"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			st, err := tt.export(ctx, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if st.Written != tt.rows || st.Skipped != 0 {
				t.Errorf("stats = %+v, want %d written", st, tt.rows)
			}
			// Each line is one JSON object with exactly TRL's keys.
			sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
			for sc.Scan() {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				var keys []string
				for k := range m {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if !slices.Equal(keys, tt.keys) {
					t.Errorf("keys %v, want %v", keys, tt.keys)
				}
				if l, ok := m["label"]; ok {
					if _, isBool := l.(bool); !isBool {
						t.Errorf("label %v is not a bool", l)
					}
				}
			}
			if bytes.Contains(buf.Bytes(), []byte("tok_9f8e7d6c5b4a39281706ab")) {
				t.Error("export leaks a secret")
			}
			golden := filepath.Join("..", "testdata", "store", tt.golden)
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("export differs from %s (run with -update to see)\n got: %s", golden, buf.Bytes())
			}
		})
	}
}

// Without stored code there is nothing to train on outside SyntX: the
// export skips the rows instead of writing empty texts.
func TestExportWithoutCode(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{DiscardCode: true})
	seedExport(t, db)
	var buf bytes.Buffer
	st, err := db.ExportDPO(context.Background(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 0 || st.Skipped != 3 || buf.Len() != 0 {
		t.Errorf("dpo without code: %+v %q", st, buf.String())
	}
	st, err = db.ExportKTO(context.Background(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 0 || st.Skipped != 3 || buf.Len() != 0 {
		t.Errorf("kto without code: %+v %q", st, buf.String())
	}
}
