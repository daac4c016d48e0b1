package syntax

// SiteContext walks the tree in C: one call per site instead of one cgo call,
// one lookup of the node from the root and one cached *sitter.Node per step
// (with many candidates, the binding's overhead was most of a whole-file
// code action).

/*
#include <stdint.h>
#include <stdbool.h>

// Mirrors of TSNode and TSTreeCursor of the runtime compiled into
// go-tree-sitter (api.h), and the prototypes used here.
typedef struct { uint32_t context[4]; const void *id; const void *tree; } TSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } TSTreeCursor;
TSNode ts_tree_root_node(const void *self);
TSTreeCursor ts_tree_cursor_new(TSNode node);
void ts_tree_cursor_delete(TSTreeCursor *self);
TSNode ts_tree_cursor_current_node(const TSTreeCursor *self);
bool ts_tree_cursor_goto_parent(TSTreeCursor *self);
int64_t ts_tree_cursor_goto_first_child_for_byte(TSTreeCursor *self, uint32_t goal_byte);
uint32_t ts_node_start_byte(TSNode self);
uint32_t ts_node_end_byte(TSNode self);
uint16_t ts_node_symbol(TSNode self);
bool ts_node_is_named(TSNode self);
bool ts_node_is_null(TSNode self);
TSNode ts_node_prev_sibling(TSNode self);
TSNode ts_node_next_sibling(TSNode self);
TSNode ts_node_prev_named_sibling(TSNode self);
TSNode ts_node_next_named_sibling(TSNode self);

// Item kinds, as ContextKind below.
enum { SYNTX_ANC, SYNTX_SIB_PREV, SYNTX_SIB_NEXT, SYNTX_NODE, SYNTX_TOK_PREV, SYNTX_TOK_NEXT };

#define SYNTX_RING 64

typedef struct {
	uint32_t *out;
	uint32_t n, cap;
	uint32_t lo, hi; // the bytes the nodes read span, ancestors aside
} syntx_items;

static void syntx_read(syntx_items *it, TSNode node) {
	uint32_t s = ts_node_start_byte(node), e = ts_node_end_byte(node);
	if (s < it->lo) it->lo = s;
	if (e > it->hi) it->hi = e;
}

static void syntx_put(syntx_items *it, uint32_t kind, TSNode node) {
	if (it->n < it->cap) {
		it->out[it->n++] = (kind << 16) | (uint32_t)ts_node_symbol(node);
	}
	if (kind != SYNTX_ANC) syntx_read(it, node);
}

// syntx_site_context lists the nodes around the node that spans [start, end)
// in the order capture.Context reads them; see SiteContext.
static uint32_t syntx_site_context(void *tree, uint32_t start, uint32_t end,
		uint32_t max_anc, uint32_t max_tok, uint32_t *out, uint32_t cap, uint32_t *span) {
	syntx_items it = {out, 0, cap, start, end};
	TSNode root = ts_tree_root_node(tree);
	TSTreeCursor c = ts_tree_cursor_new(root);
	// The path from below the root to the deepest node holding the span;
	// its last SYNTX_RING entries are kept.
	TSNode ring[SYNTX_RING];
	uint32_t depth = 0;
	while (ts_tree_cursor_goto_first_child_for_byte(&c, start) >= 0) {
		TSNode n = ts_tree_cursor_current_node(&c);
		if (ts_node_start_byte(n) > start || ts_node_end_byte(n) < end) {
			ts_tree_cursor_goto_parent(&c);
			break;
		}
		ring[depth % SYNTX_RING] = n;
		depth++;
	}
	if (depth == 0) {
		ts_tree_cursor_delete(&c);
		span[0] = start;
		span[1] = end;
		return 0;
	}
	TSNode node = ring[(depth - 1) % SYNTX_RING];
	// Ancestors, nearest first, named ones only.
	for (uint32_t k = 0; k < max_anc && k + 2 <= depth && k + 2 <= SYNTX_RING; k++) {
		TSNode a = ring[(depth - 2 - k) % SYNTX_RING];
		if (ts_node_is_named(a)) syntx_put(&it, SYNTX_ANC, a);
	}
	// The nearest named siblings of the node (not of a top-level node).
	// (The runtime's ts_tree_cursor_goto_previous_sibling misreads alias
	// sequences; the node functions are slower but right.)
	if (depth > 1) {
		TSNode p = ts_node_prev_named_sibling(node);
		if (!ts_node_is_null(p)) syntx_put(&it, SYNTX_SIB_PREV, p);
		TSNode n = ts_node_next_named_sibling(node);
		if (!ts_node_is_null(n)) syntx_put(&it, SYNTX_SIB_NEXT, n);
	}
	syntx_put(&it, SYNTX_NODE, node);
	// Tokens around the node and its two nearest ancestors below the top
	// level: up to max_tok before and max_tok after, nearest first.
	uint32_t before = 0, after = 0;
	for (uint32_t level = 0; level < 3 && depth - level >= 2; level++) {
		TSNode at = ring[(depth - 1 - level) % SYNTX_RING];
		for (TSNode p = ts_node_prev_sibling(at); !ts_node_is_null(p) && before < max_tok; p = ts_node_prev_sibling(p)) {
			syntx_put(&it, SYNTX_TOK_PREV, p);
			before++;
		}
		for (TSNode n = ts_node_next_sibling(at); !ts_node_is_null(n) && after < max_tok; n = ts_node_next_sibling(n)) {
			syntx_put(&it, SYNTX_TOK_NEXT, n);
			after++;
		}
	}
	ts_tree_cursor_delete(&c);
	span[0] = it.lo;
	span[1] = it.hi;
	return it.n;
}
*/
import "C"

import (
	"sync"
	"unsafe"

	sitter "github.com/smacker/go-tree-sitter"
)

// ContextKind says how a node of a site's context relates to the site.
type ContextKind uint8

// The kinds of SiteContext items.
const (
	ContextAncestor    ContextKind = iota // an ancestor of the site's node (named ones only)
	ContextPrevSibling                    // the nearest named sibling before it
	ContextNextSibling                    // the nearest named sibling after it
	ContextNode                           // the site's node itself
	ContextTokenBefore                    // a sibling before it or before one of its two nearest ancestors
	ContextTokenAfter                     // a sibling after it or after one of its two nearest ancestors
)

// ContextItem is one node of a site's context.
type ContextItem struct {
	Kind ContextKind
	Type string
}

// SiteContext describes the syntax around the span [start, end): its node is
// the deepest node below the root that holds the span. It lists, in this
// order, the node's named ancestors, nearest first, up to maxAncestors
// levels (below the root); unless the node is at the top level, its nearest
// named siblings before and after; the node; then the siblings (named or
// not) before and after the node, then before and after its parent, then its
// grandparent — not counting the top level — nearest first, at most
// maxTokens before and maxTokens after in all. The result is empty when no
// node below the root holds the span.
//
// read is the span of the nodes it looked at, the ancestors aside (and the
// siblings it stepped over to find the named ones): the context stays the
// same while an edit leaves that span and the ancestors' types alone. (An
// edit that changes an ancestor's type, or the nesting above the node,
// makes tree-sitter report the node as changed.)
func (t *Tree) SiteContext(start, end, maxAncestors, maxTokens int) (items []ContextItem, read [2]int) {
	var buf [64]C.uint32_t
	var span [2]C.uint32_t
	n := C.syntx_site_context(firstPointer(unsafe.Pointer(t.tree.BaseTree)), C.uint32_t(start), C.uint32_t(end),
		C.uint32_t(maxAncestors), C.uint32_t(maxTokens), &buf[0], C.uint32_t(len(buf)), &span[0])
	names := symbolNames(t.grammar)
	out := make([]ContextItem, n)
	for i := range out {
		v := uint32(buf[i])
		sym := v & 0xffff
		var name string
		switch {
		case int(sym) < len(names):
			name = names[sym]
		case sym == 0xffff: // ts_builtin_sym_error
			name = "ERROR"
		case sym == 0xfffe: // ts_builtin_sym_error_repeat
			name = "_ERROR"
		}
		out[i] = ContextItem{Kind: ContextKind(v >> 16), Type: name}
	}
	return out, [2]int{int(span[0]), int(span[1])}
}

// symbolTables holds each grammar's symbol names, built on first use and
// never changed after.
var symbolTables sync.Map // Grammar -> *symbolTable

type symbolTable struct {
	once  sync.Once
	names []string
}

func symbolNames(g Grammar) []string {
	v, _ := symbolTables.LoadOrStore(g, &symbolTable{})
	st := v.(*symbolTable)
	st.once.Do(func() {
		lang := g.Language()
		n := lang.SymbolCount()
		st.names = make([]string, n)
		for i := uint32(0); i < n; i++ {
			st.names[i] = lang.SymbolName(sitter.Symbol(i))
		}
	})
	return st.names
}
