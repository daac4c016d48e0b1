package store

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkOfferAndOutcome measures the write path of one suggestion's life:
// an offer of a set of three, then a kept outcome with its two derived
// preferences (each write is its own transaction with its audit rows).
func BenchmarkOfferAndOutcome(b *testing.B) {
	db := openTest(b, Options{})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		set := fmt.Sprintf("set%d", i)
		ss := []Suggestion{
			suggestion(set+"a", set, 0, i), suggestion(set+"b", set, 1, i), suggestion(set+"c", set, 2, i),
		}
		if _, err := db.Offer(ctx, 1, ss...); err != nil {
			b.Fatal(err)
		}
		_, _, err := db.RecordOutcome(ctx, Event{SuggestionID: set + "a", Outcome: Kept, At: at(i + 1), Persona: "developer"},
			Preference{CreatedAt: at(i + 1), Kind: Pair, Weight: 1, Persona: "developer", Provenance: []int64{0},
				Chosen: Side{SuggestionID: set + "a", Role: RoleSuggestion}, Rejected: Side{SuggestionID: set + "b", Role: RoleCandidate}},
			Preference{CreatedAt: at(i + 1), Kind: Label, SuggestionID: set + "a", Desirable: true, Weight: 1,
				Persona: "developer", Provenance: []int64{0}})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkVerify measures verifying an audit chain of 1,250 rows (250
// suggestions and 1,000 events, each checked against its data row).
func BenchmarkVerify(b *testing.B) {
	db := openTest(b, Options{})
	ctx := context.Background()
	for i := range 250 {
		s := suggestion(fmt.Sprint(i), fmt.Sprint(i), 0, i)
		mustOffer(b, db, s)
		mustEvent(b, db, Event{SuggestionID: s.ID, Outcome: Accepted, At: at(i + 1)})
		mustEvent(b, db, Event{SuggestionID: s.ID, Outcome: Kept, At: at(i + 2)})
		mustEvent(b, db, Event{SuggestionID: s.ID, Outcome: Kept, At: at(i + 3)})
	}
	for b.Loop() {
		if rep, err := db.Verify(ctx); err != nil || !rep.OK || rep.Rows != 1250 { // 250 suggestions + 1000 events
			b.Fatal(rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
}
