package realcorpus

import "testing"

// BenchmarkOpen opens the fetched corpus: what every Require costs.
func BenchmarkOpen(b *testing.B) {
	c := Require(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Open(c.Dir(), c.Pins()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(c.Files(Filter{}))), "files")
}
