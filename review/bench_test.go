package review

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// history is a generated repository and what Learn must find in it.
type history struct {
	sparse           bool
	dir              string
	commits          int
	applied, reverts int
}

var (
	historyMu    sync.Mutex
	historyCache = map[string]*history{}
)

// benchFile renders one file of the generated repository.
func benchFile(n, version int, wrap, since bool) string {
	verb := "%v"
	if wrap {
		verb = "%w"
	}
	elapsed := "time.Now().Sub(start)"
	if since {
		elapsed = "time.Since(start)"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "package p%d\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"time\"\n)\n\nconst version = %d\n\n", n, version)
	fmt.Fprintf(&b, "func Load(name string) error {\n\tif _, err := os.Stat(name); err != nil {\n\t\treturn fmt.Errorf(\"load %%s: %s\", name, err)\n\t}\n\treturn nil\n}\n\n", verb)
	fmt.Fprintf(&b, "func Elapsed(start time.Time) time.Duration {\n\treturn %s\n}\n", elapsed)
	for k := range 8 {
		fmt.Fprintf(&b, "\n// Helper%d adds.\nfunc Helper%d(a, b int) int {\n\tif a > b {\n\t\treturn a - b + %d\n\t}\n\treturn a + b\n}\n", k, k, k)
	}
	return b.String()
}

// genHistory writes a repository of n commits on main with git
// fast-import: 100 Go files; commit i edits file i%100, in turn making its
// error wrapping a smell (a revert after the first round), fixing it,
// changing a constant, and toggling time.Since (applied, then reverted).
// A sparse history does the same in rounds 0 to 3 of every 10 and changes
// only the constant in the other six.
func genHistory(tb testing.TB, n int, sparse bool) *history {
	historyMu.Lock()
	defer historyMu.Unlock()
	key := fmt.Sprint(n, sparse)
	if h := historyCache[key]; h != nil {
		return h
	}
	dir, err := os.MkdirTemp("", "syntx-history-")
	if err != nil {
		tb.Fatal(err)
	}
	h := &history{dir: dir, commits: n, sparse: sparse}
	run := func(stdin []byte, args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Stdin = bytes.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run(nil, "init", "-q", "-b", "main")
	const files = 100
	type state struct {
		version     int
		wrap, since bool
	}
	st := make([]state, files)
	var s bytes.Buffer
	when := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	data := func(text string) { fmt.Fprintf(&s, "data %d\n%s\n", len(text), text) }
	for i := range n {
		fmt.Fprintf(&s, "commit refs/heads/main\nauthor Dev <dev@example.com> %d +0000\ncommitter Dev <dev@example.com> %d +0000\n", when+int64(i)*60, when+int64(i)*60)
		if i == 0 {
			data("initial")
			for f := range files {
				fmt.Fprintf(&s, "M 100644 inline pkg%02d/file.go\n", f)
				data(benchFile(f, 0, false, false))
			}
			continue
		}
		f := i % files
		x := &st[f]
		round := (i / files) % 4
		if sparse {
			round = 2
			if r := (i / files) % 10; r < 4 {
				round = r
			}
		}
		switch round {
		case 0:
			if x.wrap {
				h.reverts++
			} else {
				x.version++ // the first round: no smell to make, change something
			}
			x.wrap = false
		case 1:
			if !x.wrap {
				h.applied++
			}
			x.wrap = true
		case 2:
			x.version++
		case 3:
			x.since = !x.since
			if x.since {
				h.applied++
			} else {
				h.reverts++
			}
		}
		data(fmt.Sprintf("change %d", i))
		fmt.Fprintf(&s, "M 100644 inline pkg%02d/file.go\n", f)
		data(benchFile(f, x.version, x.wrap, x.since))
	}
	run(s.Bytes(), "fast-import", "--quiet")
	historyCache[key] = h
	return h
}

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkLearnGit mines generated histories and reports the time per run
// (s/run), the Go heap's peak (peak-heap-MB), the process's peak resident
// set during the run (peak-rss-MB, Linux only: the high-water mark is reset
// before each run, so generating the history does not count) and commits
// per second.
//
// Dense histories have a finding (a fix applied or reverted) in three
// commits out of four, sparse ones in three out of ten.
//
//	go test -run '^$' -bench 'LearnGit/commits=10000' -benchtime 1x ./review/
func BenchmarkLearnGit(b *testing.B) {
	for _, c := range []struct {
		n      int
		sparse bool
	}{{1000, false}, {10000, false}, {10000, true}} {
		name := fmt.Sprintf("commits=%d/dense", c.n)
		if c.sparse {
			name = fmt.Sprintf("commits=%d/sparse", c.n)
		}
		b.Run(name, func(b *testing.B) {
			h := genHistory(b, c.n, c.sparse)
			lib := testRules(b)
			var res *LearnResult
			var peak, rss uint64
			var secs float64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				home := b.TempDir()
				db := openStore(b, home, true)
				debug.FreeOSMemory()
				resetPeakRSS()
				stop := make(chan struct{})
				peaks := peakHeap(stop)
				b.StartTimer()
				start := time.Now()
				var err error
				res, err = Learn(context.Background(), LearnOptions{Dir: h.dir, DB: db, Home: home, Library: lib, Persona: "history", Weight: 0.5})
				if err != nil {
					b.Fatal(err)
				}
				secs += time.Since(start).Seconds()
				b.StopTimer()
				close(stop)
				peak = max(peak, <-peaks)
				rss = max(rss, peakRSS())
				db.Close()
				b.StartTimer()
			}
			b.StopTimer()
			var applied, reverted int
			for _, c := range res.Found {
				applied += c.Applied
				reverted += c.Reverted
			}
			if res.Commits != h.commits || applied != h.applied || reverted != h.reverts {
				b.Fatalf("read %d of %d commits, found %d applied and %d reverted, want %d and %d",
					res.Commits, h.commits, applied, reverted, h.applied, h.reverts)
			}
			b.ReportMetric(secs/float64(b.N), "s/run")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			if rss > 0 {
				b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
			}
			b.ReportMetric(float64(h.commits)*float64(b.N)/secs, "commits/s")
			b.ReportMetric(float64(applied+reverted), "findings")
		})
	}
}

// removeHistories deletes the generated repositories (they live outside
// any test's temporary directory because benchmark runs share them).
func removeHistories() {
	historyMu.Lock()
	defer historyMu.Unlock()
	for _, h := range historyCache {
		os.RemoveAll(filepath.Clean(h.dir))
	}
}

// resetPeakRSS resets the kernel's resident-set high-water mark of this
// process (Linux; elsewhere it does nothing).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns the resident-set high-water mark in bytes, or 0.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
