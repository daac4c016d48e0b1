package rules

import (
	"runtime"
	"sync"
	"weak"
)

// weakTable shares values by key while something else holds them: it keeps
// weak references only, and a key's entry goes once its value has been
// collected (unless the key was stored again since). The regular
// expressions of the rules' predicates and the queries that hold a user's
// or a workspace's rule are shared this way.
type weakTable[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]weak.Pointer[V]
}

// get returns k's value, or nil when there is none still held.
func (t *weakTable[K, V]) get(k K) *V {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[k].Value()
}

// put stores v under k and returns it, or returns the value another
// caller stored under k meanwhile and still held (the one to use).
func (t *weakTable[K, V]) put(k K, v *V) *V {
	t.mu.Lock()
	defer t.mu.Unlock()
	if other := t.m[k].Value(); other != nil {
		return other
	}
	if t.m == nil {
		t.m = map[K]weak.Pointer[V]{}
	}
	t.m[k] = weak.Make(v)
	runtime.AddCleanup(v, t.forget, k)
	return v
}

// forget drops k's entry once its value has been collected, unless k was
// stored again since.
func (t *weakTable[K, V]) forget(k K) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w, ok := t.m[k]; ok && w.Value() == nil {
		delete(t.m, k)
	}
}

// count is the number of entries whose key satisfies keep (tests).
func (t *weakTable[K, V]) count(keep func(K) bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for k := range t.m {
		if keep(k) {
			n++
		}
	}
	return n
}

// each calls fn with every entry whose value is still held (tests).
func (t *weakTable[K, V]) each(fn func(K, *V)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, w := range t.m {
		if v := w.Value(); v != nil {
			fn(k, v)
		}
	}
}
