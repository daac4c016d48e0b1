package train

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap samples the heap every few milliseconds until stop is called and
// returns the largest HeapAlloc seen.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// BenchmarkRun measures a whole training run (loading the preferences and
// their candidate sets from SQLite, the reward model, the KL policy, the
// gate and the commit) on synthetic histories of 1k, 10k and 100k
// preferences, without and (1k, 10k) with the refit of an accepted adapter
// on every preference, which the configuration turns on by default. Run it
// on one core with
//
//	go test -run '^$' -bench BenchmarkRun -benchtime 1x -cpu 1 ./train/
//
// It reports wall-clock and CPU seconds per run (they differ when other
// processes share the machine) and the peak heap in MB.
func BenchmarkRun(b *testing.B) {
	for _, c := range []struct {
		n     int
		refit bool
	}{{1_000, false}, {1_000, true}, {10_000, false}, {10_000, true}, {100_000, false}} {
		n := c.n
		b.Run(fmt.Sprintf("prefs=%d/refit=%v", n, c.refit), func(b *testing.B) {
			home := b.TempDir()
			db := openStore(b, home)
			fillStore(b, db, synthSpec{prefs: n, seed: 7})
			base := mustBase(b)
			runtime.GC()
			var peak uint64
			var secs, cpu float64
			i, refits := 0, 0
			for b.Loop() {
				stop := peakHeap()
				start, cpu0 := time.Now(), cpuTime()
				res, err := Run(context.Background(), Problem{Home: home, DB: db, Base: base}, Settings{Seed: uint64(i), Now: clock(t0.Add(time.Duration(i) * time.Hour)), Refit: c.refit})
				secs += time.Since(start).Seconds()
				cpu += (cpuTime() - cpu0).Seconds()
				peak = max(peak, stop())
				if err != nil {
					b.Fatal(err)
				}
				if res.Metrics.Refit != nil {
					refits++
				}
				i++
			}
			b.ReportMetric(secs/float64(i), "s/run")
			b.ReportMetric(cpu/float64(i), "cpu-s/run")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
			b.ReportMetric(float64(refits)/float64(i), "refitted")
		})
	}
}
