package lsp

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// queues runs the work of each document in wire order, off the read loop.
//
// The read loop only decodes a message and appends its work to the queue of
// the document it names (didOpen, didChange, didSave, didClose,
// codeAction, the accept that follows an applied edit); one goroutine per
// document drains that queue while it has work, and none exists while it is
// idle. So the edits a request follows are applied before it runs, as the
// protocol orders them, while a document whose work is slow (a minified
// megabyte, a hostile rule) holds up only itself: the read loop goes on
// reading, and other documents' requests are answered meanwhile.
type queues struct {
	log *slog.Logger
	mu  sync.Mutex
	m   map[string]*queue
}

type queue struct {
	jobs []func()
}

// run appends job to key's queue, starting its goroutine when idle.
func (q *queues) run(key string, job func()) {
	q.mu.Lock()
	if q.m == nil {
		q.m = map[string]*queue{}
	}
	if qu, ok := q.m[key]; ok {
		qu.jobs = append(qu.jobs, job)
		q.mu.Unlock()
		return
	}
	qu := &queue{}
	q.m[key] = qu
	q.mu.Unlock()
	go q.drain(key, qu, job)
}

func (q *queues) drain(key string, qu *queue, job func()) {
	for {
		q.safely(key, job)
		q.mu.Lock()
		if len(qu.jobs) == 0 {
			delete(q.m, key)
			q.mu.Unlock()
			return
		}
		job = qu.jobs[0]
		qu.jobs[0] = nil
		qu.jobs = qu.jobs[1:]
		q.mu.Unlock()
	}
}

// safely runs a job, logging a panic instead of ending the process: the
// document's later work still runs.
func (q *queues) safely(key string, job func()) {
	defer func() {
		if r := recover(); r != nil && q.log != nil {
			q.log.Error("document work panicked", "document", key, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	job()
}

// wait blocks until key's queue has run everything queued before the call,
// or ctx ends.
func (q *queues) wait(ctx context.Context, key string) error {
	done := make(chan struct{})
	q.run(key, func() { close(done) })
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// barrier waits until every queue has run what was queued before the call
// (so a command sees the effect of the edits sent before it), for at most
// limit: a document stuck in work that cannot be interrupted delays a
// command by limit, not forever. It reports whether every queue caught up.
func (q *queues) barrier(ctx context.Context, limit time.Duration) bool {
	q.mu.Lock()
	keys := make([]string, 0, len(q.m))
	for k := range q.m {
		keys = append(keys, k)
	}
	q.mu.Unlock()
	if len(keys) == 0 {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	ok := true
	for _, k := range keys {
		if q.wait(ctx, k) != nil {
			ok = false
		}
	}
	return ok
}
