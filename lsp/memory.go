package lsp

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/syntx/syntx/syntax"
)

// Memory per open document. A tree-sitter tree costs about 35 times its
// text (every token and node is a C allocation of tens of bytes), so
// keeping one per open document made 8,000 open files (67 MB of text) cost
// 3.5 GB. The server keeps trees, and the rule matches built on them, only
// for the documents used most recently: at most maxTreeDocs documents and
// maxTreeBytes of their text (the document in use always keeps its tree).
// An older document's tree and index are dropped, in its own queue, and
// it is analysed again from its text when it is next edited or asked for
// code actions (a few milliseconds for an ordinary file); a document is
// first analysed that way too, not when it is opened. What an open document
// costs is then its text, its line index and a few hundred bytes.
//
// Opening, closing and dropping documents leaves garbage (the decoded
// messages, the trees) that Go's collector and glibc's malloc would keep as
// resident memory long after: once releaseBytes of text have gone through,
// the memory is collected and handed back to the operating system (Go's
// heap and the C heap), at most once per releaseEvery and once more after a
// burst ends.
const (
	maxTreeDocs  = 16
	maxTreeBytes = 4 << 20
	releaseBytes = 8 << 20
	releaseEvery = time.Second
)

// Keystroke garbage. A syntax.Text is immutable (requests and background
// analysis hold snapshots), so each keystroke copies the document's whole
// text: 3.4 MB in a 100,000-line bundle. At the collector's usual
// allowance (GOGC 50: the heap may grow by half its live size before the
// next collection) that started a collection every third keystroke in that
// bundle, each marking some 30 MB of rule matches, and the collector took
// most of the server's CPU. While a document holds a tree, the allowance
// is raised to gcKeystrokes copies of the largest such text (at most
// gcMaxPercent); with ordinary files the base allowance is larger and
// nothing changes.
const (
	gcKeystrokes = 8
	gcMaxPercent = 400
)

// The executable's pages. The server is one 50 MB executable (grammars,
// SQLite, the ONNX runtime, PostgreSQL's client); starting it runs every
// package's initialisers and compiles the rules, which touches most of its
// code and read-only data, and the kernel maps each touched page with its
// neighbours (fault-around): 27 MiB of the executable were resident once
// the rules were loaded, of a peak of 75 MiB with the four benchmark files
// open. Most of those pages are not used again, and a whole-file analysis
// touches code (and a grammar's parse tables) that keystrokes do not. Once
// initialized, and before and after each document's whole-file analysis
// (at most once per exeDropEvery), the server asks the kernel to unmap the
// executable's read-only, unmodified pages (dropExecutablePages); what is
// used again is mapped back from the page cache by a minor fault. The page
// cache may keep them: the process no longer holds them resident, and the
// kernel can reclaim them like any cached file.
const exeDropEvery = 100 * time.Millisecond

// exePages schedules dropExecutablePages.
type exePages struct {
	mu      sync.Mutex
	on      bool // serve turns it on (Options.ReleaseExecutable)
	last    time.Time
	pending bool
	// drop, in tests, replaces dropExecutablePages.
	drop func() (int, error)
	log  func(bytes int, err error)
}

// request asks for a drop: now if the last was at least exeDropEvery ago,
// else once that much time has passed (requests meanwhile join it). The
// drop runs on its own goroutine: reading smaps takes a millisecond or so.
func (e *exePages) request() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.on || e.pending {
		return
	}
	e.pending = true
	wait := max(0, exeDropEvery-time.Since(e.last))
	time.AfterFunc(wait, func() {
		drop := dropExecutablePages
		if e.drop != nil {
			drop = e.drop
		}
		n, err := drop()
		e.mu.Lock()
		e.pending, e.last = false, time.Now()
		log := e.log
		e.mu.Unlock()
		if log != nil {
			log(n, err)
		}
	})
}

// gcPercent is the GOGC that leaves room for gcKeystrokes copies of a text
// of biggest bytes over a live heap of live bytes, and at least base.
func gcPercent(base int, biggest int, live uint64) int {
	pct := base
	if live > 0 {
		pct = max(pct, int(100*gcKeystrokes*uint64(biggest)/live))
	}
	return min(pct, max(base, gcMaxPercent))
}

// liveHeap is the heap the last collection found live (0 before one).
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// tuneGCLocked sets the collector's allowance for the documents that hold
// a tree now. Call with t.mu held. A change under a tenth is not made.
func (t *trees) tuneGCLocked() {
	if t.gcBase <= 0 {
		return
	}
	biggest := 0
	for _, n := range t.bytes {
		biggest = max(biggest, n)
	}
	live, set := liveHeap, debug.SetGCPercent
	if t.gcHooks != nil {
		live, set = t.gcHooks.live, t.gcHooks.set
	}
	pct := gcPercent(t.gcBase, biggest, live())
	if d := pct - t.gcSet; t.gcSet != 0 && 10*max(d, -d) < t.gcSet {
		return
	}
	set(pct)
	t.gcSet = pct
}

// trees tracks which documents hold a tree, most recently used last.
type trees struct {
	mu    sync.Mutex
	order []string       // keys, least recently used first
	bytes map[string]int // key -> text bytes
	total int

	released  int  // text bytes opened, closed or dropped since the last release
	releasing bool // a release is running or scheduled
	lastFree  time.Time

	// gcBase is the collector's GOGC when no large document holds a tree
	// (0: the server leaves the collector alone), gcSet the one it set.
	gcBase, gcSet int
	// gcHooks, in tests, replace reading the live heap and setting GOGC.
	gcHooks *gcHooks
	// exe drops the executable's pages when a document gets its tree
	// from a whole-file analysis (nil: never).
	exe *exePages
}

type gcHooks struct {
	live func() uint64
	set  func(int) int
}

// touch records that key, holding a tree over n bytes of text, was used,
// and returns the documents whose trees should be dropped.
func (t *trees) touch(key string, n int) (evict []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bytes == nil {
		t.bytes = map[string]int{}
	}
	if _, had := t.bytes[key]; !had && t.exe != nil {
		// A whole-file analysis just gave key its tree.
		t.exe.request()
	}
	t.removeLocked(key)
	t.order = append(t.order, key)
	t.bytes[key] = n
	t.total += n
	for len(t.order) > 1 && (len(t.order) > maxTreeDocs || t.total > maxTreeBytes) {
		victim := t.order[0]
		t.removeLocked(victim)
		evict = append(evict, victim)
	}
	t.tuneGCLocked()
	return evict
}

// forget records that key no longer holds a tree (closed, or dropped).
func (t *trees) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removeLocked(key)
	t.tuneGCLocked()
}

// holds reports whether key is among the documents that keep their tree.
func (t *trees) holds(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.bytes[key]
	return ok
}

func (t *trees) removeLocked(key string) {
	n, ok := t.bytes[key]
	if !ok {
		return
	}
	delete(t.bytes, key)
	t.total -= n
	for i, k := range t.order {
		if k == key {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
}

// churned records that n bytes of text were opened, closed or had their
// tree dropped, and hands memory back to the operating system once enough
// has gone through: at once, or releaseEvery after the last release (so a
// burst ends with one).
func (t *trees) churned(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.released += n
	if t.released < releaseBytes || t.releasing {
		return
	}
	t.releasing = true
	time.AfterFunc(max(0, releaseEvery-time.Since(t.lastFree)), func() {
		t.mu.Lock()
		t.released = 0
		t.mu.Unlock()
		debug.FreeOSMemory()
		syntax.ReleaseMemory()
		t.mu.Lock()
		t.releasing, t.lastFree = false, time.Now()
		t.mu.Unlock()
	})
}

// used records that doc, whose mu the caller holds, was just used: when it
// holds a tree, it becomes the most recent, and the trees of the documents
// used longest ago beyond the budget are dropped in their own queues.
func (s *Server) used(doc *document) {
	if doc.tree == nil {
		return
	}
	for _, key := range s.trees.touch(doc.key, doc.text.Len()) {
		s.queues.run(key, func() {
			d := s.docs.get(key)
			if d == nil || s.trees.holds(key) {
				return // closed, or used again since
			}
			d.mu.Lock()
			if d.tree != nil && !d.closed {
				n := d.text.Len()
				d.dropTree()
				d.dormant = true
				d.mu.Unlock()
				s.trees.churned(n)
				return
			}
			d.mu.Unlock()
		})
	}
}

// wake analyses a document whose tree was dropped for memory, before it is
// used. Call with doc.mu held.
func (s *Server) wake(doc *document) {
	if doc.dormant && doc.tree == nil && !doc.analysing {
		doc.analyse(context.Background(), s.library(), s.config().Limits.MaxDocumentBytes)
	}
}
