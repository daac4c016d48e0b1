package syntax

// A keystroke inside a name: most typing. tree-sitter's incremental reparse
// of it costs what the block around it costs (it takes a repetition back
// statement by statement, see shim.go), and the changed-range walk after it
// as much again, although the tree it builds is the edited tree itself: the
// same nodes, the name's leaf longer or shorter, everything after it
// shifted, which ts_tree_edit has already done. So when an edit stays
// inside one identifier leaf of a tree without errors and leaves a plain
// word that the grammar does not treat as a keyword, Reparse keeps the
// edited tree instead of parsing (wordEdit). The leaf keeps its
// has_changes mark, so the next real reparse lexes it again.
//
// What "plain" must exclude is what would make a full parse of the new
// text differ from the edited tree:
//   - a word that the grammar's keyword lexer takes as a keyword token,
//     before or after (Python's print and None, Go's make and nil,
//     JavaScript's get and undefined): the parser could take the keyword
//     where the name was, or the name is a keyword aliased to an
//     identifier. The keyword lexer is the grammar's own (TSLanguage's
//     keyword_lex_fn, run as the parser runs it); a grammar without one,
//     or of another language version than the mirror here knows, never
//     takes the fast path;
//   - anything but ASCII letters, digits and underscores, a leading digit,
//     an empty word;
//   - a word character or a quote right before or after the leaf (tokens
//     would join; Python's string prefixes, JavaScript's tagged templates);
//   - a word that starts with one of the language's ScannerPrefixes (the
//     language table): in JavaScript and TypeScript "in", because the
//     grammars' external scanners read the next word to decide on an
//     automatic semicolon, and treat "in" followed by a non-letter and
//     "instanceof" as the operator (scanner.c, "case 'i'");
//   - a tree with errors anywhere: error recovery can depend on any token;
//   - text inserted at the leaf's first byte: ts_tree_edit puts it in the
//     space before the leaf (and every node starting there), shifting them
//     instead of growing the leaf;
//   - more than one edit since the tree last matched its text.
// TestWordEditIsAReparse checks, on every corpus file and random edits of
// its names, that the kept tree is the tree a full parse of the new text
// builds, node for node, and that the fast path is taken.

/*
#include <stdint.h>
#include <stdbool.h>

typedef struct { uint32_t context[4]; const void *id; const void *tree; } TSNode;
TSNode ts_tree_root_node(const void *self);
TSNode ts_node_descendant_for_byte_range(TSNode self, uint32_t start, uint32_t end);
uint32_t ts_node_start_byte(TSNode self);
uint32_t ts_node_end_byte(TSNode self);
uint32_t ts_node_child_count(TSNode self);
uint16_t ts_node_symbol(TSNode self);
bool ts_node_is_named(TSNode self);
bool ts_node_has_error(TSNode self);

// A mirror of TSLexer (parser.h, language version 14) with the word it
// reads, and of TSLanguage up to the keyword lexer.
typedef struct syntx_lexer {
	int32_t lookahead;
	uint16_t result_symbol;
	void (*advance)(struct syntx_lexer *, bool);
	void (*mark_end)(struct syntx_lexer *);
	uint32_t (*get_column)(struct syntx_lexer *);
	bool (*is_at_included_range_start)(const struct syntx_lexer *);
	bool (*eof)(const struct syntx_lexer *);
	void (*log)(const struct syntx_lexer *, const char *, ...);
	const uint8_t *word;
	uint32_t len, pos, end;
} syntx_lexer;

static void syntx_lex_advance(syntx_lexer *l, bool skip) {
	if (l->pos < l->len) l->pos++;
	l->lookahead = l->pos < l->len ? l->word[l->pos] : 0;
}
static void syntx_lex_mark_end(syntx_lexer *l) { l->end = l->pos; }
static uint32_t syntx_lex_column(syntx_lexer *l) { return l->pos; }
static bool syntx_lex_range_start(const syntx_lexer *l) { return false; }
static bool syntx_lex_eof(const syntx_lexer *l) { return l->pos >= l->len; }
static void syntx_lex_log(const syntx_lexer *l, const char *fmt, ...) {}

typedef struct {
	uint32_t version, symbol_count, alias_count, token_count, external_token_count,
		state_count, large_state_count, production_id_count, field_count;
	uint16_t max_alias_sequence_length;
	const void *parse_table, *small_parse_table, *small_parse_table_map, *parse_actions,
		*symbol_names, *field_names, *field_map_slices, *field_map_entries, *symbol_metadata,
		*public_symbol_map, *alias_map, *alias_sequences, *lex_modes;
	bool (*lex_fn)(void *, uint16_t);
	bool (*keyword_lex_fn)(void *, uint16_t);
	uint16_t keyword_capture_token;
} syntx_language_head;

// syntx_keyword runs the grammar's keyword lexer over word, as the parser
// does after lexing a name: 1 when the whole word is a keyword token, 0
// when not, -1 when the grammar has no keyword lexer or a layout this
// mirror does not know.
static int syntx_keyword(const void *language, const uint8_t *word, uint32_t len) {
	const syntx_language_head *lang = language;
	if (lang->version != 14 || lang->keyword_lex_fn == 0) return -1;
	syntx_lexer l = {0};
	l.advance = syntx_lex_advance;
	l.mark_end = syntx_lex_mark_end;
	l.get_column = syntx_lex_column;
	l.is_at_included_range_start = syntx_lex_range_start;
	l.eof = syntx_lex_eof;
	l.log = syntx_lex_log;
	l.word = word;
	l.len = len;
	l.lookahead = len ? word[0] : 0;
	bool ok = lang->keyword_lex_fn(&l, 0);
	return ok && l.end == len ? 1 : 0;
}

// syntx_leaf_at finds the leaf holding [start, end) in a tree without
// errors: its symbol (0 when there is none) and span.
static uint16_t syntx_leaf_at(void *tree, uint32_t start, uint32_t end, uint32_t *span) {
	TSNode root = ts_tree_root_node(tree);
	if (ts_node_has_error(root)) return 0;
	TSNode n = ts_node_descendant_for_byte_range(root, start, end);
	if (n.id == 0 || ts_node_child_count(n) != 0 || !ts_node_is_named(n)) return 0;
	span[0] = ts_node_start_byte(n);
	span[1] = ts_node_end_byte(n);
	return ts_node_symbol(n);
}
*/
import "C"

import (
	"bytes"
	"strings"
	"sync"
	"unsafe"

	sitter "github.com/smacker/go-tree-sitter"
)

// wordEdit is the one edit recorded since the tree last matched its text,
// when it falls inside an identifier leaf whose word is plain.
type wordEdit struct {
	ok         bool
	start, end int // the leaf, in the text before the edit
	delta      int // the edit's change of length
}

// grammarWords are what wordEdit needs to know of a grammar.
type grammarWords struct {
	lang        unsafe.Pointer         // the TSLanguage
	identifiers map[sitter.Symbol]bool // named symbols that are names ("…identifier")
	prefixes    []string               // Language.ScannerPrefixes
}

var wordsOf sync.Map // Grammar -> *grammarWords

func wordsFor(g Grammar) *grammarWords {
	if w, ok := wordsOf.Load(g); ok {
		return w.(*grammarWords)
	}
	l, _ := LanguageOf(g)
	lang := g.Language()
	w := &grammarWords{lang: firstPointer(unsafe.Pointer(lang)), identifiers: map[sitter.Symbol]bool{},
		prefixes: l.ScannerPrefixes}
	for s := sitter.Symbol(0); uint32(s) < lang.SymbolCount(); s++ {
		if lang.SymbolType(s) == sitter.SymbolTypeRegular && strings.HasSuffix(lang.SymbolName(s), "identifier") {
			w.identifiers[s] = true
		}
	}
	wordsOf.Store(g, w)
	return w
}

func wordRune(r rune) bool {
	return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

// keyword reports whether the grammar's keyword lexer takes the whole
// word as a keyword token (true also when it cannot tell).
func (w *grammarWords) keyword(word []byte) bool {
	return C.syntx_keyword(w.lang, (*C.uint8_t)(unsafe.Pointer(&word[0])), C.uint32_t(len(word))) != 0
}

// plain reports whether word can be retyped without a parse (see above).
func (w *grammarWords) plain(word []byte) bool {
	if len(word) == 0 || ('0' <= word[0] && word[0] <= '9') {
		return false
	}
	for _, b := range word {
		if !wordRune(rune(b)) {
			return false
		}
	}
	for _, p := range w.prefixes {
		if bytes.HasPrefix(word, []byte(p)) {
			return false
		}
	}
	return !w.keyword(word)
}

// plainAt reports whether src[start:end] is a plain word (see above) with
// nothing beside it that could join it.
func (w *grammarWords) plainAt(src *Text, start, end int) bool {
	return start < end && end <= src.Len() && w.plain(src.Slice(start, end)) &&
		(start == 0 || !joins(src.At(start-1))) && (end == src.Len() || !joins(src.At(end)))
}

// joins reports whether b, next to a word, could join it or change how it
// lexes.
func joins(b byte) bool {
	return b >= 0x80 || b == '$' || b == '"' || b == '\'' || b == '`' || b == '#' || b == '\\' || wordRune(rune(b))
}

// wordEditAt describes e, about to be applied to t (whose tree matches
// t.text), when it stays inside one identifier leaf with a plain word.
func (t *Tree) wordEditAt(e Edit) wordEdit {
	src := t.text
	if src == nil || e.OldEndByte < e.StartByte || int(e.OldEndByte) > src.Len() {
		return wordEdit{}
	}
	var span [2]C.uint32_t
	tree := firstPointer(unsafe.Pointer(t.tree.BaseTree))
	sym := C.syntx_leaf_at(tree, C.uint32_t(e.StartByte), C.uint32_t(e.OldEndByte), &span[0])
	w := wordsFor(t.grammar)
	if !w.identifiers[sitter.Symbol(sym)] && e.OldEndByte == e.StartByte && e.StartByte > 0 {
		// Typed after a name's last character: the node at that byte is
		// the next token; the name ends there.
		sym = C.syntx_leaf_at(tree, C.uint32_t(e.StartByte-1), C.uint32_t(e.StartByte), &span[0])
	}
	if sym == 0 || !w.identifiers[sitter.Symbol(sym)] {
		return wordEdit{}
	}
	start, end := int(span[0]), int(span[1])
	// ts_tree_edit puts text inserted at a node's first byte in the
	// space before it, shifting the node: the leaf would not hold it.
	if start > int(e.StartByte) || (start == int(e.StartByte) && e.OldEndByte == e.StartByte) || int(e.OldEndByte) > end || !w.plainAt(src, start, end) {
		return wordEdit{}
	}
	return wordEdit{ok: true, start: start, end: end, delta: int(e.NewEndByte) - int(e.OldEndByte)}
}

// keepWordEdit returns the leaf's span in src when the one recorded edit was
// a word edit that leaves a plain word in src; Reparse then keeps the
// edited tree.
func (t *Tree) keepWordEdit(src *Text) (start, end int, ok bool) {
	we := t.word
	if t.pending != 1 || !we.ok {
		return 0, 0, false
	}
	start, end = we.start, we.end+we.delta
	if !wordsFor(t.grammar).plainAt(src, start, end) {
		return 0, 0, false
	}
	return start, end, true
}
