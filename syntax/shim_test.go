package syntax

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"
)

// These tests show that each go-tree-sitter defect shim.go works around is
// still there, and fail once upstream behaves (then delete the workaround
// the message names) or once go.mod moves to another version, so that a
// bump re-checks them.

func TestTreeSitterVersionIsTheCheckedOne(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "github.com/smacker/go-tree-sitter " + treeSitterChecked
	if !strings.Contains(string(gomod), want+"\n") {
		t.Fatalf("go.mod no longer requires %s: check each workaround in syntax/shim.go against the new version (its tests say which still apply), then update treeSitterChecked", want)
	}
}

// The binding's Tree.Edit passes the old end point as the new one: after
// inserting a line, the tree's end does not move down a row.
func TestUpstreamEditDropsNewEndPoint(t *testing.T) {
	src := []byte("package p\n")
	edit := func(apply func(*sitter.Tree, Edit)) sitter.Point {
		tr, err := Parse(context.Background(), Go, src)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		// Insert "\n" at the start: one more row.
		apply(tr.Sitter(), Edit{StartByte: 0, OldEndByte: 0, NewEndByte: 1,
			StartPoint: sitter.Point{}, OldEndPoint: sitter.Point{}, NewEndPoint: sitter.Point{Row: 1}})
		return tr.Root().EndPoint()
	}
	ours := edit(editTree)
	theirs := edit(func(t *sitter.Tree, e Edit) {
		t.Edit(sitter.EditInput{StartIndex: e.StartByte, OldEndIndex: e.OldEndByte, NewEndIndex: e.NewEndByte,
			StartPoint: e.StartPoint, OldEndPoint: e.OldEndPoint, NewEndPoint: e.NewEndPoint})
	})
	if ours.Row != 2 {
		t.Fatalf("editTree: the tree ends at row %d after inserting a line before row 1, want 2", ours.Row)
	}
	if theirs == ours {
		t.Fatalf("go-tree-sitter %s's Tree.Edit keeps NewEndPoint now: editTree can go, use Tree.Edit", treeSitterChecked)
	}
}

// The C functions shim.go calls directly have no binding.
func TestUpstreamLacksBindings(t *testing.T) {
	for _, c := range []struct {
		typ     any
		methods []string
		ours    string
	}{
		{&sitter.Tree{}, []string{"GetChangedRanges", "ChangedRanges"}, "changedRanges"},
		{&sitter.QueryCursor{}, []string{"SetByteRange"}, "SetByteRange"},
		{&sitter.QueryCursor{}, []string{"SetMatchLimit"}, "SetMatchLimit"},
		{&sitter.Query{}, []string{"StartByteForPattern", "PatternStart"}, "PatternStart"},
		{&sitter.QueryCursor{}, []string{"SetMaxStartDepth"}, "SetMaxStartDepth"},
	} {
		for _, m := range c.methods {
			if _, ok := reflect.TypeOf(c.typ).MethodByName(m); ok {
				t.Errorf("go-tree-sitter %s binds %T.%s now: %s in shim.go can use it", treeSitterChecked, c.typ, m, c.ours)
			}
		}
	}
}

// firstPointer reads the C pointer that the binding keeps as the first
// field of BaseTree, QueryCursor, Query and Language.
func TestUpstreamLayout(t *testing.T) {
	for _, v := range []any{sitter.BaseTree{}, sitter.QueryCursor{}, sitter.Query{}, sitter.Language{}} {
		f := reflect.TypeOf(v).Field(0)
		if k := f.Type.Kind(); k != reflect.Pointer && k != reflect.UnsafePointer || f.Offset != 0 {
			t.Errorf("go-tree-sitter %s: %T's first field is %s %s: firstPointer in shim.go no longer reads its C pointer", treeSitterChecked, v, f.Name, f.Type)
		}
	}
}

// The binding's Tree keeps a Go value for every node it hands out, in a map
// that only grows until the tree is freed: ForgetNodes swaps in a copy with
// an empty one.
func TestUpstreamCachesNodes(t *testing.T) {
	f, ok := reflect.TypeOf(sitter.Tree{}).FieldByName("cache")
	if !ok || f.Type.Kind() != reflect.Map {
		t.Fatalf("go-tree-sitter %s's Tree has no node cache map any more: Tree.ForgetNodes in shim.go may be unneeded", treeSitterChecked)
	}
	tr, err := Parse(context.Background(), Go, []byte("package p\n\nfunc f() { g(1, 2) }\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	cached := func() int { return reflect.ValueOf(tr.Sitter()).Elem().FieldByIndex(f.Index).Len() }
	walk(tr.Root(), func(*sitter.Node) {})
	if cached() < 5 {
		t.Fatalf("go-tree-sitter %s keeps %d nodes after a walk: it no longer caches them; Tree.ForgetNodes in shim.go can go", treeSitterChecked, cached())
	}
	before := tr.Root().String()
	tr.ForgetNodes()
	if n := cached(); n > 1 {
		t.Fatalf("after ForgetNodes the tree still keeps %d nodes", n)
	}
	if after := tr.Root().String(); after != before {
		t.Fatalf("ForgetNodes changed the tree:\n%s\n%s", before, after)
	}
}

func walk(n *sitter.Node, fn func(*sitter.Node)) {
	fn(n)
	for i := 0; i < int(n.ChildCount()); i++ {
		walk(n.Child(i), fn)
	}
}

// parse hands the parser the text in readChunk pieces (the binding's
// ParseCtx copies all of it into C memory on every parse): the pieces,
// with a UTF-8 character split across two of them, parse as the whole
// text does.
func TestChunkedInputParsesAsOneSlice(t *testing.T) {
	var b strings.Builder
	b.WriteString("package p\n\nvar s = \"")
	for b.Len() < readChunk-1 {
		b.WriteString("x")
	}
	b.WriteString("é€\"\n") // é straddles the first chunk's end
	for b.Len() < 3*readChunk {
		b.WriteString("func f() { g(\"ü\", 1) }\n")
	}
	src := []byte(b.String())
	if utf8.RuneStart(src[readChunk]) {
		t.Fatalf("the test text does not split a character at %d", readChunk)
	}
	ours, err := Parse(context.Background(), Go, src)
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	p := newParser(Go.Language())
	defer p.Close()
	whole, err := p.ParseCtx(context.Background(), nil, src)
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if ours.Root().String() != whole.RootNode().String() || ours.Root().EndByte() != whole.RootNode().EndByte() {
		t.Fatalf("the chunked parse differs from the whole-slice parse")
	}
	if ours.Root().HasError() {
		t.Fatalf("the chunked parse has errors")
	}
}

// SiteContext mirrors the runtime's TSNode in C: its ancestors must be the
// ones the binding finds walking up from the same node.
func TestSiteContextMatchesTheBinding(t *testing.T) {
	src := []byte("package p\n\nfunc f(xs []int) int {\n\tfor _, x := range xs {\n\t\tif x > 0 {\n\t\t\treturn g(x)\n\t\t}\n\t}\n\treturn 0\n}\n")
	tr, err := Parse(context.Background(), Go, src)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for _, site := range []string{"g(x)", "x > 0", "range xs", "return 0"} {
		start := strings.Index(string(src), site)
		end := start + len(site)
		items, _ := tr.SiteContext(start, end, 8, 3)
		var ours []string
		node := ""
		for _, it := range items {
			switch it.Kind {
			case ContextAncestor:
				ours = append(ours, it.Type)
			case ContextNode:
				node = it.Type
			}
		}
		// The deepest node below the root that holds the span.
		n := tr.Root()
		for down := true; down; {
			down = false
			for i := 0; i < int(n.ChildCount()); i++ {
				if c := n.Child(i); int(c.StartByte()) <= start && end <= int(c.EndByte()) {
					n, down = c, true
					break
				}
			}
		}
		var theirs []string
		for a := n.Parent(); a != nil && a.Parent() != nil && len(theirs) < 8; a = a.Parent() {
			if a.IsNamed() {
				theirs = append(theirs, a.Type())
			}
		}
		if node == "" || strings.Join(ours, " ") != strings.Join(theirs, " ") {
			t.Errorf("%q: SiteContext's node %q and ancestors %v, the binding's walk from %s: %v", site, node, ours, n.Type(), theirs)
		}
	}
}

// TestReparseKeepsRepetitionsBalanced: a block of thousands of statements
// is, inside tree-sitter, a tree of hidden repetition nodes, and finding
// the statement at a byte (goto_first_child_for_byte, which the rule index
// and the features use on every keystroke) goes down that tree. Typing in
// the middle of a bundle's factory, again and again, must leave it as
// shallow as a fresh parse of the same text leaves it (tree-sitter
// rebalances the repetitions it rebuilds), or every lookup would grow with
// the number of keystrokes.
func TestReparseKeepsRepetitionsBalanced(t *testing.T) {
	const statements = 20000
	var b strings.Builder
	b.WriteString("(function (root) {\n")
	for i := range statements {
		fmt.Fprintf(&b, "  var v%d = root.f(%d);\n", i, i)
	}
	b.WriteString("})(this);\n")
	src := b.String()
	goal := strings.Index(src, fmt.Sprintf("var v%d ", statements/2)) + len("var v")
	ctx := context.Background()
	tree, err := Parse(ctx, JavaScript, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	deepest := func(levels []int) int {
		d := 0
		for _, l := range levels {
			d = max(d, l)
		}
		return d
	}
	fresh := deepest(descentLevels(tree, uint32(goal)))
	t.Logf("the middle of %d statements: %d levels down after a fresh parse", statements, fresh)
	// A balanced tree of 20,000 statements is about 15 levels deep; a
	// chain would be thousands.
	if fresh < 10 || fresh > 40 {
		t.Fatalf("a fresh parse puts the middle statement %d levels down, want about log2(%d)", fresh, statements)
	}
	// Each keystroke adds a statement line before the middle one, and every
	// third removes one, so the final text has 20 statements more than src.
	line := goal - len("  var v")
	text := NewText([]byte(src))
	for i := range 60 {
		var e Edit
		if i%3 == 2 {
			end := line + strings.IndexByte(string(text.Bytes()[line:]), '\n') + 1
			text, e = text.Replace(line, end, nil)
		} else {
			text, e = text.Replace(line, line, fmt.Appendf(nil, "  var w%d = root.g(%d);\n", i, i))
		}
		tree.Edit(e)
		if _, err := tree.Reparse(ctx, text); err != nil {
			t.Fatal(err)
		}
		if d := deepest(descentLevels(tree, uint32(goal))); d > fresh+2 {
			t.Fatalf("after %d incremental reparses the middle statement is %d levels down, %d after a fresh parse: tree-sitter %s no longer rebalances repetitions", i+1, d, fresh, treeSitterChecked)
		}
	}
	if got, want := strings.Count(string(text.Bytes()), "\n"), strings.Count(src, "\n")+20; got != want {
		t.Fatalf("the edited text has %d lines, want %d", got, want)
	}
	again, err := Parse(ctx, JavaScript, text.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if tree.Root().String() != again.Root().String() {
		t.Fatal("the reparsed tree is not the tree of the edited text")
	}
	reparsed, want := deepest(descentLevels(tree, uint32(goal))), deepest(descentLevels(again, uint32(goal)))
	t.Logf("after the edits: %d levels down in the reparsed tree, %d after a fresh parse of the same text", reparsed, want)
	if reparsed > want+2 {
		t.Errorf("the reparsed tree puts the middle statement %d levels down, a fresh parse of the same text %d", reparsed, want)
	}
}

// TestUpstreamReparsesRepetitionsOneByOne documents a limit of the
// tree-sitter runtime as of treeSitterChecked, measured in what its parser
// does rather than in time: a node that holds part of a repetition (a
// block's statements, a module's definitions) is built while the parse
// table offers a second action beside the reduce (the repetition's own
// shift, which the parser never takes), so the runtime marks it fragile
// (parser.c: is_fragile = table_entry.action_count > 1), and an
// incremental parse never reuses a fragile node: it breaks the repetition
// down and takes its elements back one at a time. A one-character edit in
// the middle of n statements therefore costs the reparse about n reused
// statements (those before the edit as well as those after it), a new
// chain of repetition nodes and a rebalancing of it: linear in the size of
// the enclosing block, not in the depth of the edit. (The same holds in
// every grammar here: a Go function body, a Python class, a describe
// suite's callback.) This is what bounds the keystroke cost in a UMD bundle's factory
// (README "Performance": the reparse is most of it). No workaround is
// possible from outside the runtime; the test fails once upstream reuses
// balanced repetition subtrees, and the README's figures should then be
// measured again.
func TestUpstreamReparsesRepetitionsOneByOne(t *testing.T) {
	const n = 2000
	for _, shape := range []struct {
		name, head, tail string
	}{{"top level", "", ""}, {"a UMD factory", "(function (root) {\n", "})(this);\n"}} {
		var b strings.Builder
		b.WriteString(shape.head)
		for i := range n {
			fmt.Fprintf(&b, "  var v%d = root.f(%d);\n", i, i)
		}
		b.WriteString(shape.tail)
		src := []byte(b.String())
		at := strings.Index(string(src), fmt.Sprintf("var v%d ", n/2)) + len("var v")
		next, e := NewText(src).Replace(at, at, []byte("7"))
		reused, fragile := reparseReuse(JavaScript, src, next.Bytes(), e)
		t.Logf("%s: one character typed in the middle of %d statements: %d subtrees reused, %d refused as fragile", shape.name, n, reused, fragile)
		if reused < n/2 || fragile < n/4 {
			t.Errorf("%s: the reparse reused %d subtrees and refused %d as fragile, where this runtime takes the statements back one by one (>= %d and >= %d): "+
				"upstream may now reuse repetitions whole; measure the UMD series again (make bench-real) and update this test, shim.go and the README", shape.name, reused, fragile, n/2, n/4)
		}
	}
}

// refusedQuery is a query the runtime compiles and the binding's NewQuery
// refuses: its #eq? has one argument. The patterns before it give the
// compiled query some size.
func refusedQuery() string {
	return strings.Repeat("((identifier) @a (#match? @a \"^x\"))\n", 200) + "((identifier) @b (#eq? @b))\n"
}

// The binding's NewQuery refuses a query whose predicates it finds
// malformed without deleting what ts_query_new made: the C heap grows by
// the compiled query at each refusal. QueryRefusal refuses it first, and
// leaks nothing. Once the binding deletes what it refuses, the first half
// fails: QueryRefusal can go, and rules' combine can hand the binding
// every rule.
func TestUpstreamLeaksRefusedQueries(t *testing.T) {
	if CHeapInUse() < 0 {
		t.Skip("the C heap is measured with glibc's mallinfo2")
	}
	src := refusedQuery()
	lang := JavaScript.Language()
	// One thread: glibc counts the chunks each thread's cache keeps as in
	// use, and cgo calls from a goroutine may run on any thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const n = 60
	measure := func(f func()) int64 {
		f() // the runtime's first allocations for the language
		before := CHeapInUse()
		for range n {
			f()
		}
		return CHeapInUse() - before
	}
	leaked := measure(func() {
		if q, err := sitter.NewQuery([]byte(src), lang); err == nil {
			q.Close()
			t.Fatal("the binding accepted a query whose #eq? has one argument")
		}
	})
	if leaked < n*10_000 {
		t.Errorf("go-tree-sitter %s: %d refused queries left %d bytes of C heap: the binding now deletes what it refuses (remove QueryRefusal's workaround)", treeSitterChecked, n, leaked)
	}
	var err error
	ours := measure(func() { err = QueryRefusal(src, JavaScript) })
	if err == nil || !strings.Contains(err.Error(), "pattern 201: wrong number of arguments to `#eq?` predicate. Expected 2, got 1") {
		t.Errorf("QueryRefusal: %v", err)
	}
	t.Logf("%d refused queries: the binding left %d bytes of C heap, QueryRefusal %d", n, leaked, ours)
	if ours > leaked/4 {
		t.Errorf("QueryRefusal left %d bytes of C heap for %d checks (the binding %d)", ours, n, leaked)
	}
}

// QueryRefusal says what the binding's NewQuery would, for every predicate
// it checks, and nothing for what it accepts or for what the runtime
// itself refuses.
func TestQueryRefusal(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{`((identifier) @a (#eq? @a "x"))`, ""},
		{`((identifier) @a (#eq? @a @a))`, ""},
		{`((identifier) @a (#match? @a "^x"))`, ""},
		{`((identifier) @a (#set! safety "unsafe"))`, ""},
		{`((identifier) @a (#local-to-block? @a))`, ""},
		{`((identifier) @a (#any-of? @a "x" "y" "z"))`, ""},
		{`((identifier) @a (#eq? @a))`, "pattern 1: wrong number of arguments to `#eq?` predicate. Expected 2, got 1"},
		{`((identifier) @a (#not-eq? "x" @a))`, "pattern 1: first argument of `#not-eq?` predicate must be a capture"},
		{`((identifier) @a) ((identifier) @b (#match? @b @a))`, "pattern 2: second argument of `#match?` predicate must be a string"},
		{`((identifier) @a (#is? @a))`, "pattern 1: first argument of `#is?` predicate must be a string"},
		{`((identifier) @a (#set! "x" "y" "z"))`, "pattern 1: wrong number of arguments to `#set!` predicate. Expected 1 or 2, got 3"},
		{`((identifier) @a (#set! "x"))`, "pattern 1: second argument of `#set!` predicate must be a string"},
		{`((no_such_node) @a)`, ""},
	} {
		got := ""
		if err := QueryRefusal(c.query, JavaScript); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.query, got, c.want)
		}
		// The binding agrees: it refuses exactly these, with the same words.
		_, berr := sitter.NewQuery([]byte(c.query), JavaScript.Language())
		_, words, _ := strings.Cut(c.want, ": ")
		if c.want != "" && (berr == nil || !strings.HasPrefix(berr.Error(), words)) {
			t.Errorf("%s: the binding says %v, QueryRefusal %q", c.query, berr, c.want)
		}
		if c.want == "" && berr != nil && !strings.Contains(c.query, "no_such_node") {
			t.Errorf("%s: the binding refuses it (%v), QueryRefusal does not", c.query, berr)
		}
	}
}

// parentsOnPath calls fn for every node of t below the root with its parent
// on a cursor's path from the root, which is the tree's structure.
func parentsOnPath(t *Tree, fn func(n, parent *sitter.Node)) {
	c := sitter.NewTreeCursor(t.Root())
	defer c.Close()
	path := []*sitter.Node{t.Root()}
	for {
		if c.GoToFirstChild() {
			path = append(path, c.CurrentNode())
			fn(path[len(path)-1], path[len(path)-2])
			continue
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return
			}
			path = path[:len(path)-1]
		}
		path[len(path)-1] = c.CurrentNode()
		fn(path[len(path)-1], path[len(path)-2])
	}
}

// TestUpstreamParentOfZeroWidthNode: in h(g(x) with the outer ")"
// missing, Node.Parent names the inner argument list, which ends where the
// MISSING ")" sits, as that node's parent; it is the outer list's child.
// ParentWithin names the outer one.
func TestUpstreamParentOfZeroWidthNode(t *testing.T) {
	tr, err := Parse(context.Background(), Go, []byte("package p\n\nfunc f() {\n\th(g(x)\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	wrong := 0
	parentsOnPath(tr, func(n, parent *sitter.Node) {
		if p := n.Parent(); p == nil || p.ID() != parent.ID() {
			wrong++
		}
		if p := ParentWithin(tr.Root(), n); p == nil || p.ID() != parent.ID() {
			t.Errorf("ParentWithin(root, %s %d-%d) = %v, want %s %d-%d", n.Type(), n.StartByte(), n.EndByte(), p, parent.Type(), parent.StartByte(), parent.EndByte())
		}
	})
	if wrong == 0 {
		t.Fatalf("go-tree-sitter %s: Node.Parent answers right for zero-width nodes now; ParentWithin in shim.go is still faster below a bundle's root (see there)", treeSitterChecked)
	}
}

// TestUpstreamFirstChildForByteInHiddenText: on a string whose text between
// escape sequences is a hidden node, goto_first_child_for_byte finds no
// child for a byte of the closing quote.
func TestUpstreamFirstChildForByteInHiddenText(t *testing.T) {
	src := "package p\n\nvar s = \"ab\\ncd\\tx\"\n"
	tr, err := Parse(context.Background(), Go, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	quote := uint32(strings.LastIndex(src, "\""))
	var str *sitter.Node
	walk(tr.Root(), func(n *sitter.Node) {
		if n.Type() == "interpreted_string_literal" {
			str = n
		}
	})
	if str == nil || str.Child(int(str.ChildCount())-1).StartByte() != quote {
		t.Fatalf("no string ending with a quote at %d: %v", quote, tr.Root())
	}
	c := sitter.NewTreeCursor(str)
	defer c.Close()
	if i := c.GoToFirstChildForByte(quote); i >= 0 {
		t.Fatalf("go-tree-sitter %s: goto_first_child_for_byte finds child %d for the closing quote now; ParentWithin's fallback in shim.go can go", treeSitterChecked, i)
	}
	last := str.Child(int(str.ChildCount()) - 1)
	if p := ParentWithin(str, last); p == nil || p.ID() != str.ID() {
		t.Fatalf("ParentWithin(string, closing quote) = %v", p)
	}
}
