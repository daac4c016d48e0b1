package lsp

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/capture"
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

// keys returns the keys of the open documents.
func (d *documents) keys() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]string, 0, len(d.m))
	for k := range d.m {
		out = append(out, k)
	}
	return out
}

func (d *documents) count() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.m)
}

// closeAll closes every document. It takes their locks after releasing
// the map's: a request holds its document's lock while it asks for the
// others' buffers (buffersIn), which takes the map's.
func (d *documents) closeAll() {
	d.mu.Lock()
	docs := slices.Collect(maps.Values(d.m))
	clear(d.m)
	d.mu.Unlock()
	for _, doc := range docs {
		doc.mu.Lock()
		doc.close()
		doc.mu.Unlock()
	}
}

// buffersIn returns the text of each open document in dir, by cleaned
// path (rules.Projects.Buffers): what another file of a Go package says,
// saved or not. It reads each document's shared text, never its lock, so
// a request may call it with its own document's lock held.
func (d *documents) buffersIn(dir string) map[string]*syntax.Text {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := map[string]*syntax.Text{}
	for _, doc := range d.m {
		if doc.path == "" || filepath.Dir(doc.path) != dir {
			continue
		}
		if t := doc.shared.Load(); t != nil {
			out[filepath.Clean(doc.path)] = t
		}
	}
	return out
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
	// shared is text, for what other documents read of this one without
	// its lock (documents.buffersIn): the text is immutable, each edit
	// makes a new one.
	shared atomic.Pointer[syntax.Text]
	tree   *syntax.Tree
	index  *rules.Index // the rules offered per site (rules.Library.Sites)
	// migs matches the migration rules (rules.Library.Migrations): made
	// with index, but brought up to date only when asked for
	// (migrationIndex). They match at most declarations of a file, and are
	// offered as one source action per file, or per site only with
	// suggestions.migration_sites; matching them on every keystroke cost
	// most of a keystroke's re-matching in the bundles. Set with tree
	// (install, dropTree): non-nil exactly when tree is.
	migs *rules.Index
	// idle brings migs up to date once changes pause (refreshWhenIdle).
	idle      *time.Timer
	quiet     string // why the document gets no suggestions
	openedAt  time.Time
	analysing bool   // a background analysis is running
	failed    bool   // the last analysis failed (parse timeout, too deep): not retried on edits
	closed    bool   // closed or replaced: a background analysis discards its result
	dormant   bool   // its tree was dropped for memory: analysed again when next used
	gen       uint64 // counts text changes (the diagnostics' cache key)
	// since holds the edits made after the text the background analysis
	// works on, and sinceBytes the bytes they replaced and inserted;
	// sinceBytes < 0 when they cannot be replayed (the analysis starts over).
	since      []syntax.Edit
	sinceBytes int
	// ready, when set, is called (with mu held) when a background analysis
	// installs a tree, so that the server counts it (see memory.go).
	ready func(*document)
	// starting, when set, is called before a whole-file analysis starts
	// (the server releases the executable's pages then: memory.go).
	starting func()
	// supp answers suppression checks for the tree and text it was made
	// for (see suppressions).
	supp *rules.Suppressions
	// suppTree and suppText are the tree and text supp was made for.
	suppTree *syntax.Tree
	suppText *syntax.Text
	// migCache holds the migration candidates last built for this
	// document (migrations), for a request that asks again of the same
	// text.
	migCache *migrationCache
	// redacted is the redaction of the last text an offer from this
	// document was recorded with (on the recorder's goroutine): the next
	// offer's is Updated from it around what changed, instead of
	// redacting the whole document per offer. It goes with the document.
	redacted atomic.Pointer[capture.Redacted]
}

// suppressions returns the suppression checker of the document's current
// tree and text, made once per version: the whole-file comments
// (eslint-disable regions, //lint:file-ignore) are found once for all the
// matches a request or a diagnostics run checks, not once per match. Call
// with mu held and a tree.
func (d *document) suppressions() *rules.Suppressions {
	if d.supp == nil || d.suppTree != d.tree || d.suppText != d.text {
		d.supp, d.suppTree, d.suppText = rules.NewTextSuppressions(d.tree, d.text), d.tree, d.text
	}
	return d.supp
}

// syncAnalyseBytes is the size up to which a document is parsed and matched
// on the read loop (milliseconds). A larger one is analysed in the
// background, so that one big file cannot hold up the requests for the
// others (a dense 5 MB file takes seconds); until its analysis finishes it
// gets no suggestions.
const syncAnalyseBytes = 256 << 10

// maxTreeDepth bounds the nesting of the syntax trees SyntX matches rules
// against. Matching costs grow faster than linearly with depth (80,000 nested
// parentheses in TypeScript, or a 70,000-term concatenation, keep the query
// cursor busy for minutes, and it cannot be interrupted); real code stays far
// below this. A deeper document is tracked as text only.
const maxTreeDepth = 4096

// analyse (re)builds the tree and matches from scratch, or records why the
// document is text only. Call with mu held.
func (d *document) analyse(ctx context.Context, lib *rules.Library, maxBytes int) {
	d.dropTree()
	d.failed, d.dormant = false, false
	g, quiet := d.precheck(maxBytes)
	if quiet != "" {
		d.quiet = quiet
		return
	}
	if d.starting != nil {
		d.starting()
	}
	if d.text.Len() <= syncAnalyseBytes {
		d.install(analyseText(ctx, g, d.text, lib))
		return
	}
	d.quiet = "being analysed"
	if !d.analysing {
		d.analysing = true
		go d.analyseInBackground(g, lib, maxBytes)
	}
}

// precheck returns the document's grammar, or why it is text only without
// parsing it. Call with mu held.
func (d *document) precheck(maxBytes int) (syntax.Grammar, string) {
	g := syntax.Detect(d.languageID, d.path)
	switch {
	case g == "":
		return "", fmt.Sprintf("language %q is not supported", d.languageID)
	case d.text.Len() > maxBytes:
		return "", fmt.Sprintf("document is %d bytes, over limits.max_document_bytes (%d)", d.text.Len(), maxBytes)
	case d.text.IndexByte(0, d.text.Len(), 0) >= 0:
		return "", "document looks binary (it contains NUL bytes)"
	}
	return g, ""
}

// analyseInBackground analyses the current text without holding mu, and
// installs the result. Edits that arrive meanwhile do not start it over: they
// are recorded (recordEdit) and replayed on the finished tree and index, an
// incremental reparse and re-match, so a document that is typed into while
// it is analysed gets its suggestions when the analysis ends. Only edits
// that replaced much of the text start it over. It ends when the document is
// closed, or was analysed on the read loop meanwhile (it shrank).
func (d *document) analyseInBackground(g syntax.Grammar, lib *rules.Library, maxBytes int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		if d.closed || d.tree != nil {
			d.analysing = false
			return
		}
		if _, quiet := d.precheck(maxBytes); quiet != "" {
			d.quiet, d.analysing = quiet, false
			return
		}
		text := d.text
		d.since, d.sinceBytes = nil, 0
		d.mu.Unlock()
		a := analyseText(context.Background(), g, text, lib)
		d.mu.Lock()
		if d.closed || d.tree != nil || d.sinceBytes < 0 || d.sinceBytes > syncAnalyseBytes {
			a.close()
			continue
		}
		if len(d.since) > 0 && a.tree != nil {
			if err := a.replay(d.since, d.text); err != nil {
				a.close()
				continue
			}
		}
		d.since, d.sinceBytes = nil, 0
		d.analysing = false
		d.install(a)
		if d.ready != nil && d.tree != nil {
			d.ready(d)
		}
		return
	}
}

// recordEdit notes an edit made while a background analysis runs. Call with
// mu held.
func (d *document) recordEdit(e syntax.Edit) {
	if !d.analysing || d.sinceBytes < 0 {
		return
	}
	d.since = append(d.since, e)
	d.sinceBytes += int(e.OldEndByte-e.StartByte) + int(e.NewEndByte-e.StartByte)
	if len(d.since) > maxReplayedEdits {
		d.since, d.sinceBytes = nil, -1
	}
}

// maxReplayedEdits bounds the edits kept for a background analysis; past it
// the analysis starts over with the current text.
const maxReplayedEdits = 1 << 16

// analysis is the result of parsing and matching one text.
type analysis struct {
	grammar syntax.Grammar
	tree    *syntax.Tree
	index   *rules.Index
	migs    *rules.Index
	quiet   string
}

func (a analysis) close() {
	if a.tree != nil {
		a.tree.Close()
	}
}

// replay brings an analysis of an earlier text up to date with the edits
// made since, incrementally: text is the text after them.
func (a analysis) replay(edits []syntax.Edit, text *syntax.Text) error {
	for _, e := range edits {
		a.tree.Edit(e)
		a.index.Edit(e)
		a.migs.Edit(e)
	}
	changed, err := a.tree.Reparse(context.Background(), text)
	if err != nil {
		return err
	}
	a.index.Refresh(a.tree, text, changed)
	if a.migs.Postpone(changed) {
		a.migs.Refresh(a.tree, text, nil)
	}
	return nil
}

func analyseText(ctx context.Context, g syntax.Grammar, text *syntax.Text, lib *rules.Library) analysis {
	t, err := syntax.ParseText(ctx, g, text)
	if err != nil {
		return analysis{quiet: "parse failed: " + err.Error()}
	}
	if deeperThan(t.Root(), maxTreeDepth) {
		t.Close()
		return analysis{quiet: fmt.Sprintf("syntax tree nested deeper than %d levels", maxTreeDepth)}
	}
	// The migration rules are matched now, with the file, in the same
	// traversal: on a 100,000-line bundle they take seconds, which a
	// request must not wait for.
	ix, migs := rules.NewIndexes(lib, g, t, text)
	t.ForgetNodes() // the whole file's matching visited most of them
	return analysis{grammar: g, tree: t, index: ix, migs: migs}
}

// migrationIndex returns the index of the migration rules, refreshed with
// the edits made since it was last asked for (which the keystrokes only
// recorded: rules.Index.Postpone). Call with mu held and a tree.
func (d *document) migrationIndex() *rules.Index {
	if d.migs.Stale() {
		d.migs.Refresh(d.tree, d.text, nil)
	}
	return d.migs
}

// migrationIdle is how long after a document's last change its migration
// index is brought up to date.
const migrationIdle = 400 * time.Millisecond

// refreshWhenIdle brings doc's migration index up to date once its changes
// pause for Options.MigrationIdle, in the document's queue: the keystrokes
// only postponed its matching (rules.Index.Postpone), and until a source
// action is asked for it would keep the text of its last refresh (a second
// copy of a 3.4 MB bundle while it is typed in) and leave the catch-up to
// the first request after the burst (opening the menu, a save's "fix all").
// Call with doc.mu held.
func (s *Server) refreshWhenIdle(key string, doc *document) {
	delay := s.opts.MigrationIdle
	if delay == 0 {
		delay = migrationIdle
	}
	if delay < 0 || doc.migs == nil || !doc.migs.Stale() {
		return
	}
	if doc.idle != nil {
		doc.idle.Reset(delay)
		return
	}
	doc.idle = time.AfterFunc(delay, func() {
		s.queues.run(key, func() {
			doc.mu.Lock()
			defer doc.mu.Unlock()
			if !doc.closed && doc.tree != nil {
				doc.migrationIndex()
			}
		})
	})
}

// indexOf returns the index m came from, which keeps its memos. Call with
// mu held and a tree.
func (d *document) indexOf(m *rules.Match) *rules.Index {
	if m.Rule.Migration != "" {
		return d.migs
	}
	return d.index
}

// install makes a the document's analysis. Call with mu held.
func (d *document) install(a analysis) {
	d.dropTree()
	d.grammar, d.tree, d.index, d.migs, d.quiet = a.grammar, a.tree, a.index, a.migs, a.quiet
	d.failed = a.tree == nil
}

// deeperThan reports whether the tree under root is more than limit levels
// deep. In the grammars SyntX parses every level of nesting takes at least
// one byte, so a subtree too small to reach the limit is not walked: on
// ordinary code this visits only the few nodes larger than limit bytes.
func deeperThan(root *sitter.Node, limit int) bool {
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	depth := 0
	for {
		if depth > limit {
			return true
		}
		n := c.CurrentNode()
		if int(n.EndByte())-int(n.StartByte()) > limit-depth && c.GoToFirstChild() {
			depth++
			continue
		}
		for !c.GoToNextSibling() {
			if depth == 0 || !c.GoToParent() {
				return false
			}
			depth--
		}
	}
}

func (d *document) dropTree() {
	if d.tree != nil {
		d.tree.Close()
	}
	d.tree, d.index, d.migs, d.grammar = nil, nil, nil, ""
	d.supp, d.suppTree, d.suppText = nil, nil, nil
	d.migCache = nil
}

// close drops the tree for good: the document was closed or replaced. Call
// with mu held.
func (d *document) close() {
	if d.idle != nil {
		d.idle.Stop()
	}
	d.dropTree()
	d.closed = true
}
