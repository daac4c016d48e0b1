package lsp

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
)

// documents is the set of open documents.
type documents struct {
	mu sync.RWMutex
	m  map[string]*document
}

func (d *documents) get(key string) *document {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.m[key]
}

func (d *documents) put(key string, doc *document) (old *document) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old = d.m[key]
	d.m[key] = doc
	return old
}

func (d *documents) remove(key string) *document {
	d.mu.Lock()
	defer d.mu.Unlock()
	doc := d.m[key]
	delete(d.m, key)
	return doc
}

func (d *documents) count() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.m)
}

func (d *documents) closeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, doc := range d.m {
		doc.mu.Lock()
		doc.dropTree()
		doc.mu.Unlock()
		delete(d.m, k)
	}
}

// document is one open text document: its text, and when SyntX can offer
// suggestions for it, its syntax tree and rule matches. mu serialises all
// access (the tree is not safe for concurrent use).
type document struct {
	mu         sync.Mutex
	uri        string // as the client sent it
	key        string // normalised
	path       string
	languageID string
	grammar    syntax.Grammar // "" when not parsed
	version    int32
	text       *syntax.Text
	tree       *syntax.Tree
	index      *rules.Index
	quiet      string // why the document gets no suggestions
	openedAt   time.Time
}

// analyse (re)builds the tree and matches from scratch, or records why the
// document is text only. Call with mu held.
func (d *document) analyse(ctx context.Context, lib *rules.Library, maxBytes int) {
	d.dropTree()
	g := syntax.Detect(d.languageID, d.path)
	switch {
	case g == "":
		d.quiet = fmt.Sprintf("language %q is not supported", d.languageID)
		return
	case d.text.Len() > maxBytes:
		d.quiet = fmt.Sprintf("document is %d bytes, over limits.max_document_bytes (%d)", d.text.Len(), maxBytes)
		return
	case bytes.IndexByte(d.text.Bytes(), 0) >= 0:
		d.quiet = "document looks binary (it contains NUL bytes)"
		return
	}
	t, err := syntax.Parse(ctx, g, d.text.Bytes())
	if err != nil {
		d.quiet = "parse failed: " + err.Error()
		return
	}
	d.grammar, d.tree, d.quiet = g, t, ""
	d.index = rules.NewIndex(lib.Set(g), t, d.text.Bytes())
}

func (d *document) dropTree() {
	if d.tree != nil {
		d.tree.Close()
	}
	d.tree, d.index, d.grammar = nil, nil, ""
}
