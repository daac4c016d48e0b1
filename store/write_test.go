package store

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSuggestionRoundTrip(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	in := suggestion("s1", "set1", 0, 0)
	mustOffer(t, db, in, suggestion("s2", "set1", 1, 0))
	got, err := db.Suggestion(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	in.OriginalSHA256, in.SuggestedSHA256 = db.Hash(in.OriginalText), db.Hash(in.SuggestedText)
	in.CodeStored = true
	if !got.CreatedAt.Equal(in.CreatedAt) {
		t.Errorf("created %v, want %v", got.CreatedAt, in.CreatedAt)
	}
	got.CreatedAt = in.CreatedAt
	if string(got.Features) != string(in.Features) {
		t.Errorf("features %s", got.Features)
	}
	got.Features = in.Features
	if gb, _ := json.Marshal(got); string(gb) != string(must(json.Marshal(in))) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, in)
	}
	set, err := db.CandidateSet(ctx, "set1")
	if err != nil || len(set) != 2 || set[0].ID != "s1" || set[1].ID != "s2" {
		t.Errorf("CandidateSet = %v, %v", set, err)
	}
	if set, err := db.CandidateSet(ctx, "nope"); err != nil || set == nil || len(set) != 0 {
		t.Errorf("unknown set = %#v, %v; want empty non-nil", set, err)
	}
	if _, err := db.Suggestion(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing suggestion: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTextsAreRedacted(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	s := suggestion("s1", "set1", 0, 0)
	s.OriginalText = `client := github.NewClient(nil).WithAuthToken("ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8")`
	s.SuggestedText = `client := github.NewClient(nil).WithAuthToken(os.Getenv("GITHUB_TOKEN"))`
	mustOffer(t, db, s)
	final := `token := "ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8" // TODO`
	ev := mustEvent(t, db, Event{SuggestionID: "s1", Outcome: Edited, At: at(1), FinalText: final})
	mustPrefs(t, db, Preference{CreatedAt: at(1), Kind: Pair, Weight: 1, Persona: "developer", Provenance: []int64{ev},
		Chosen: Side{Text: final, Role: RoleDeveloper}, Rejected: Side{SuggestionID: "s1", Role: RoleSuggestion}})

	got, _ := db.Suggestion(ctx, "s1")
	if strings.Contains(got.OriginalText, "ghp_") || !strings.Contains(got.OriginalText, "<redacted:github-token>") {
		t.Errorf("original stored as %q", got.OriginalText)
	}
	if got.OriginalSHA256 != db.Hash(s.OriginalText) || got.OriginalSHA256 != db.Hash(got.OriginalText) || got.Redactions != 1 {
		t.Errorf("hash %s redactions %d", got.OriginalSHA256, got.Redactions)
	}
	db.Events(ctx, EventFilter{SuggestionID: "s1", Since: at(1)}, func(e Event) error {
		if strings.Contains(e.FinalText, "ghp_") || e.FinalSHA256 != db.Hash(final) {
			t.Errorf("event %+v", e)
		}
		return nil
	})
	db.Preferences(ctx, PreferenceFilter{}, func(p Preference) error {
		if strings.Contains(p.Chosen.Text, "ghp_") || p.Chosen.SHA256 != db.Hash(final) {
			t.Errorf("preference %+v", p)
		}
		return nil
	})
	if containsAny(t, db.Path(), [][]byte{[]byte("ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8")}) {
		t.Error("secret reached the database files")
	}
}

func TestCodeStorageOff(t *testing.T) {
	t.Parallel()
	base := openTest(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		db   *DB
	}{
		{"Options.DiscardCode", openTest(t, Options{DiscardCode: true})},
		{"WithCodeStorage(false)", base.WithCodeStorage(false)},
	} {
		db := tc.db
		if db.StoresCode() {
			t.Fatalf("%s: StoresCode", tc.name)
		}
		s := suggestion("s1", "set1", 0, 0)
		mustOffer(t, db, s)
		mustEvent(t, db, Event{SuggestionID: "s1", Outcome: Edited, At: at(1), FinalText: "mine()"})
		mustPrefs(t, db, Preference{CreatedAt: at(1), Kind: Pair, Weight: 1, Persona: "developer",
			Chosen: Side{Text: "mine()", Role: RoleDeveloper}, Rejected: Side{SuggestionID: "s1", Role: RoleSuggestion}})
		got, err := db.Suggestion(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if got.OriginalText != "" || got.SuggestedText != "" || got.CodeStored {
			t.Errorf("%s: texts stored: %+v", tc.name, got)
		}
		if got.Document != "hmac-sha256:"+db.Hash(s.Document) || got.OriginalSHA256 != db.Hash(s.OriginalText) || got.OriginalSHA256 == "" {
			t.Errorf("%s: document %q hash %q", tc.name, got.Document, got.OriginalSHA256)
		}
		db.Preferences(ctx, PreferenceFilter{}, func(p Preference) error {
			if p.Chosen.Text != "" || p.Chosen.SHA256 != db.Hash("mine()") {
				t.Errorf("%s: preference side %+v", tc.name, p.Chosen)
			}
			return nil
		})
		if containsAny(t, db.Path(), [][]byte{[]byte("db.Query"), []byte("query.go"), []byte("mine()")}) {
			t.Errorf("%s: code or path in the database files", tc.name)
		}
	}
	if !base.StoresCode() {
		t.Error("WithCodeStorage changed the original handle")
	}
}

func TestWritesRejectBadInput(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	mustOffer(t, db, suggestion("s1", "set1", 0, 0))
	okPair := Preference{CreatedAt: at(1), Kind: Pair, Weight: 1, Persona: "developer",
		Chosen: Side{SuggestionID: "s1", Role: RoleSuggestion}, Rejected: Side{Text: "x", Role: RoleOriginal}}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"unknown outcome", func() error {
			_, err := db.AddEvent(ctx, Event{SuggestionID: "s1", Outcome: "liked", At: at(1), Persona: "developer"})
			return err
		}, ErrInvalid},
		{"reason on accept", func() error {
			_, err := db.AddEvent(ctx, Event{SuggestionID: "s1", Outcome: Accepted, Reason: Wrong, At: at(1), Persona: "developer"})
			return err
		}, ErrInvalid},
		{"unknown reason", func() error {
			_, err := db.AddEvent(ctx, Event{SuggestionID: "s1", Outcome: Dismissed, Reason: "meh", At: at(1), Persona: "developer"})
			return err
		}, ErrInvalid},
		{"zero time", func() error {
			_, err := db.AddEvent(ctx, Event{SuggestionID: "s1", Outcome: Kept, Persona: "developer"})
			return err
		}, ErrInvalid},
		{"negative weight", func() error {
			_, err := db.AddEvent(ctx, Event{SuggestionID: "s1", Outcome: Kept, At: at(1), Persona: "developer", PersonaWeight: -1})
			return err
		}, ErrInvalid},
		{"no persona", func() error {
			_, err := db.AddEvent(ctx, Event{SuggestionID: "s1", Outcome: Kept, At: at(1)})
			return err
		}, ErrInvalid},
		{"event for unknown suggestion", func() error {
			_, err := db.AddEvent(ctx, Event{SuggestionID: "ghost", Outcome: Kept, At: at(1), Persona: "developer"})
			return err
		}, ErrNotFound},
		{"duplicate suggestion", func() error { return db.PutSuggestions(ctx, suggestion("s1", "set1", 0, 0)) }, nil},
		{"bad category", func() error {
			s := suggestion("s9", "set9", 0, 0)
			s.Category = "taste"
			return db.PutSuggestions(ctx, s)
		}, ErrInvalid},
		{"bad trigger", func() error {
			s := suggestion("s9", "set9", 0, 0)
			s.Trigger = "hover"
			return db.PutSuggestions(ctx, s)
		}, ErrInvalid},
		{"features not an object", func() error {
			s := suggestion("s9", "set9", 0, 0)
			s.Features = json.RawMessage(`[1,2`)
			return db.PutSuggestions(ctx, s)
		}, ErrInvalid},
		{"NaN score", func() error {
			s := suggestion("s9", "set9", 0, 0)
			s.Score = math.NaN()
			return db.PutSuggestions(ctx, s)
		}, ErrInvalid},
		{"zero preference weight", func() error {
			p := okPair
			p.Weight = 0
			_, err := db.AddPreferences(ctx, p)
			return err
		}, ErrInvalid},
		{"pair without a suggestion", func() error {
			p := okPair
			p.Chosen = Side{Text: "y", Role: RoleDeveloper}
			_, err := db.AddPreferences(ctx, p)
			return err
		}, ErrInvalid},
		{"side without role", func() error {
			p := okPair
			p.Rejected.Role = ""
			_, err := db.AddPreferences(ctx, p)
			return err
		}, ErrInvalid},
		{"label for unknown suggestion", func() error {
			_, err := db.AddPreferences(ctx, Preference{CreatedAt: at(1), Kind: Label, SuggestionID: "ghost", Weight: 1, Persona: "developer"})
			return err
		}, ErrNotFound},
		{"unknown kind", func() error {
			p := okPair
			p.Kind = "triple"
			_, err := db.AddPreferences(ctx, p)
			return err
		}, ErrInvalid},
		{"context not JSON", func() error {
			p := okPair
			p.Context = json.RawMessage(`{`)
			_, err := db.AddPreferences(ctx, p)
			return err
		}, ErrInvalid},
	}
	for _, tt := range tests {
		err := tt.do()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("%s: error %q lacks the package prefix", tt.name, err)
		}
	}
	// A failed batch writes nothing: not the good preference before the bad
	// one, nor its audit row.
	bad := okPair
	bad.Weight = -1
	if _, err := db.AddPreferences(ctx, okPair, bad); err == nil {
		t.Fatal("batch with a bad preference accepted")
	}
	st, _ := db.Status(ctx)
	if st.Preferences != 0 || st.AuditRows != 2 || st.Events[Offered] != 1 { // the suggestion and its offered event
		t.Errorf("after failed writes: %+v", st)
	}
	mustVerify(t, db)
}

func TestEventAndPreferenceQueries(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	seed(t, db)
	var evs []Event
	db.Events(ctx, EventFilter{SuggestionID: "s2"}, func(e Event) error { evs = append(evs, e); return nil })
	if len(evs) != 2 || evs[1].Outcome != Dismissed || evs[1].Reason != Wrong || evs[1].PersonaWeight != 2 ||
		evs[0].PersonaWeight != 1 || !evs[1].At.Equal(at(2)) {
		t.Errorf("events of s2 = %+v", evs)
	}
	var ps []Preference
	db.Preferences(ctx, PreferenceFilter{Kind: Label}, func(p Preference) error { ps = append(ps, p); return nil })
	if len(ps) != 2 || ps[0].SuggestionID != "s1" || !ps[0].Desirable || ps[1].Desirable ||
		string(ps[1].Context) != `{"reason":"wrong"}` || ps[1].Weight != 2 || len(ps[1].Provenance) != 1 {
		t.Errorf("labels = %+v", ps)
	}
	ps = nil
	db.Preferences(ctx, PreferenceFilter{AfterID: 1}, func(p Preference) error { ps = append(ps, p); return nil })
	if len(ps) != 2 || ps[0].ID != 2 {
		t.Errorf("after id 1: %+v", ps)
	}
	ps = nil
	db.Preferences(ctx, PreferenceFilter{Kind: Pair}, func(p Preference) error { ps = append(ps, p); return nil })
	if len(ps) != 1 || ps[0].Chosen.SuggestionID != "s1" || ps[0].Rejected.Role != RoleCandidate || len(ps[0].Provenance) != 2 {
		t.Errorf("pairs = %+v", ps)
	}
}

func TestRunsAdaptersAndPersonas(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	if _, ok, err := db.ActiveAdapter(ctx); ok || err != nil {
		t.Fatalf("fresh database has an active adapter (%v)", err)
	}
	id, err := db.RecordRun(ctx, Run{StartedAt: at(0), FinishedAt: at(3), Objective: "kl",
		Hyperparams: json.RawMessage(`{"r":4,"beta":0.1}`), DataCounts: json.RawMessage(`{"pairs":20}`),
		Metrics: json.RawMessage(`{"heldout_acc":0.71}`), Decision: RunAccepted, AdapterVersion: "v1", AdapterSHA256: "aa"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutAdapter(ctx, Adapter{Version: "v1", SHA256: "aa", RunID: id, State: AdapterActive}, at(3)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutAdapter(ctx, Adapter{Version: "v2", SHA256: "bb", State: AdapterActive}, at(9)); err != nil {
		t.Fatal(err)
	}
	a, ok, err := db.ActiveAdapter(ctx)
	if err != nil || !ok || a.Version != "v2" || !a.ActivatedAt.Equal(at(9)) {
		t.Errorf("active = %+v %v %v", a, ok, err)
	}
	// Rolling back re-activates v1 and retires v2.
	if err := db.PutAdapter(ctx, Adapter{Version: "v1", State: AdapterActive}, at(12)); err != nil {
		t.Fatal(err)
	}
	if a, _, _ := db.ActiveAdapter(ctx); a.Version != "v1" || a.SHA256 != "aa" || a.RunID != id {
		t.Errorf("after rollback: %+v", a)
	}
	if _, err := db.RecordRun(ctx, Run{StartedAt: at(20), Objective: "dpo", Decision: RunRejected,
		Metrics: json.RawMessage(`{"heldout_acc":0.52}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordRun(ctx, Run{StartedAt: at(20), Objective: "dpo", Decision: "maybe"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad decision: %v", err)
	}
	runs, err := db.Runs(ctx, 0)
	if err != nil || len(runs) != 2 || runs[0].Decision != RunRejected || runs[1].AdapterVersion != "v1" ||
		string(runs[1].Hyperparams) != `{"r":4,"beta":0.1}` || !runs[1].FinishedAt.Equal(at(3)) || !runs[0].FinishedAt.IsZero() {
		t.Errorf("runs = %+v, %v", runs, err)
	}
	if err := db.RecordPersona(ctx, "security-reviewer", 2, at(30)); err != nil {
		t.Fatal(err)
	}
	var kinds []AuditKind
	db.AuditLog(ctx, time.Time{}, func(r AuditRow) error { kinds = append(kinds, r.Kind); return nil })
	want := []AuditKind{AuditRun, AuditAdapter, AuditAdapter, AuditAdapter, AuditRun, AuditPersona}
	if strings.Join(toStrings(kinds), ",") != strings.Join(toStrings(want), ",") {
		t.Errorf("audit kinds = %v, want %v", kinds, want)
	}
	mustVerify(t, db)
}

func toStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func TestRecordOutcomeIsAtomic(t *testing.T) {
	t.Parallel()
	db := openTest(t, Options{})
	ctx := context.Background()
	mustOffer(t, db, suggestion("s1", "set1", 0, 0), suggestion("s2", "set1", 1, 0))
	accepted := mustEvent(t, db, Event{SuggestionID: "s1", Outcome: Accepted, At: at(1)})
	id, pids, err := db.RecordOutcome(ctx, Event{SuggestionID: "s1", Outcome: Kept, At: at(16), Persona: "developer"},
		Preference{CreatedAt: at(16), Kind: Pair, Weight: 1, Persona: "developer", Provenance: []int64{accepted, 0},
			Chosen: Side{SuggestionID: "s1", Role: RoleSuggestion}, Rejected: Side{SuggestionID: "s2", Role: RoleCandidate}},
		Preference{CreatedAt: at(16), Kind: Label, SuggestionID: "s1", Desirable: true, Weight: 1, Persona: "developer",
			Provenance: []int64{0}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 2 {
		t.Fatalf("preference ids = %v", pids)
	}
	var provs [][]int64
	db.Preferences(ctx, PreferenceFilter{}, func(p Preference) error { provs = append(provs, p.Provenance); return nil })
	if len(provs) != 2 || provs[0][0] != accepted || provs[0][1] != id || provs[1][0] != id {
		t.Errorf("provenance = %v (event %d)", provs, id)
	}
	// A bad derived preference rolls the event back too.
	_, _, err = db.RecordOutcome(ctx, Event{SuggestionID: "s2", Outcome: Dismissed, Reason: Style, At: at(20), Persona: "developer"},
		Preference{CreatedAt: at(20), Kind: Label, SuggestionID: "s2", Weight: 0, Persona: "developer"})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	st, _ := db.Status(ctx)
	if st.Events[Dismissed] != 0 || st.Preferences != 2 {
		t.Errorf("after failed outcome: %+v", st)
	}
	mustVerify(t, db)
}
