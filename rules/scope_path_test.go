package rules

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/syntx/syntx/syntax"
)

// TestPathSharingIsExact: scopeIndex.path starts each walk from the part of
// the previous path that still spans the new range. Whatever the order of
// the lookups (text order, the order occurrences come in, or random), every
// path must be the one a walk from the top finds: the same nodes, fields
// and types, for leaves, for typed lookups (the outermost node of a type)
// and for zero-width spans, in a bundle-shaped file, nested functions and
// one huge class.
func TestPathSharingIsExact(t *testing.T) {
	var umd strings.Builder
	umd.WriteString("(function (global, factory) { factory(global); }(this, (function () { 'use strict';\n")
	for i := range 120 {
		fmt.Fprintf(&umd, "  function f%d(a, b) { if (a) { var x = a + %d; return [x, b.c, function () { return x; }]; } return Date.now(); }\n", i, i)
	}
	umd.WriteString("  var e = ``; return f1; })));\n")
	var class strings.Builder
	class.WriteString("class Big:\n")
	for i := range 120 {
		fmt.Fprintf(&class, "    def m%d(self, a):\n        if a:\n            return [a, self.x%d, lambda: a]\n        return None\n\n", i, i)
	}
	var goSrc strings.Builder
	goSrc.WriteString("package p\n\nfunc long() {\n")
	for i := range 120 {
		fmt.Fprintf(&goSrc, "\tif v%d := f(%d); v%d > 0 { g(v%d, \"\") }\n", i, i, i, i)
	}
	goSrc.WriteString("}\n")
	for _, tc := range []struct {
		g   syntax.Grammar
		src string
	}{{syntax.JavaScript, umd.String()}, {syntax.Python, class.String()}, {syntax.Go, goSrc.String()}} {
		t.Run(tc.g.RuleLanguage(), func(t *testing.T) {
			src := []byte(tc.src)
			tree, err := syntax.Parse(context.Background(), tc.g, src)
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			root := tree.Root()
			type lookup struct {
				start, end uint32
				typ        string
			}
			var lookups []lookup
			var walk func(n *sitter.Node)
			walk = func(n *sitter.Node) {
				lookups = append(lookups, lookup{n.StartByte(), n.EndByte(), n.Type()})
				if n.ChildCount() == 0 {
					lookups = append(lookups, lookup{n.StartByte(), n.EndByte(), ""})
				}
				for i := range int(n.ChildCount()) {
					walk(n.Child(i))
				}
			}
			walk(root)
			// zero-width spans between tokens, and spans nothing fits
			for i := 0; i < len(src); i += 97 {
				lookups = append(lookups, lookup{uint32(i), uint32(i), ""}, lookup{uint32(i), uint32(i + 3), ""})
			}
			want := func(l lookup) []step {
				return newScopeIndex(tc.g, root, syntax.NewText(src)).path(root, l.start, l.end, l.typ)
			}
			rng := rand.New(rand.NewSource(21))
			orders := map[string][]lookup{"text": lookups, "reversed": slices.Clone(lookups), "random": slices.Clone(lookups)}
			slices.Reverse(orders["reversed"])
			rng.Shuffle(len(orders["random"]), func(i, j int) { o := orders["random"]; o[i], o[j] = o[j], o[i] })
			for name, order := range orders {
				si := newScopeIndex(tc.g, root, syntax.NewText(src))
				shared := 0
				for i, l := range order {
					if i%7 == 0 {
						l = order[rng.Intn(len(order))] // revisit
					}
					if si.last.path != nil && si.last.top == root.ID() && l.start < l.end {
						shared++
					}
					got, exp := si.path(root, l.start, l.end, l.typ), want(l)
					if !samePath(got, exp) {
						t.Fatalf("%s order, lookup %d [%d,%d) %q: got %s, a walk from the top finds %s", name, i, l.start, l.end, l.typ, pathString(got), pathString(exp))
					}
				}
				if shared == 0 {
					t.Fatalf("%s order: no lookup started from a shared prefix", name)
				}
			}
		})
	}
}

func samePath(a, b []step) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].node.ID() != b[i].node.ID() || a[i].field != b[i].field || a[i].typ != b[i].typ {
			return false
		}
	}
	return true
}

func pathString(p []step) string {
	var parts []string
	for _, s := range p {
		parts = append(parts, fmt.Sprintf("%s:%s[%d,%d)", s.field, s.typ, s.node.StartByte(), s.node.EndByte()))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestLeafSharingIsExact: leafFinder starts each walk from the previous
// one's ancestors; in any order of offsets it must find the path a walk
// from the root finds, and commentsIn the same comments.
func TestLeafSharingIsExact(t *testing.T) {
	var b strings.Builder
	b.WriteString("(function (root) {\n")
	for i := range 150 {
		fmt.Fprintf(&b, "  // line %d: a comment\n  var v%d = root.f('//not', /\\/*x/, `/* ${%d} */`); /* block %d */\n", i, i, i, i)
	}
	b.WriteString("})(this);\n")
	src := []byte(b.String())
	tree, err := syntax.Parse(context.Background(), syntax.JavaScript, src)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	root := tree.Root()
	offsets := make([]uint32, 0, len(src))
	for i := range len(src) - 1 {
		offsets = append(offsets, uint32(i))
	}
	rng := rand.New(rand.NewSource(21))
	random := slices.Clone(offsets)
	rng.Shuffle(len(random), func(i, j int) { random[i], random[j] = random[j], random[i] })
	for name, order := range map[string][]uint32{"text": offsets, "random": random} {
		lf := &leafFinder{}
		for _, off := range order {
			got, want := lf.leafAt(root, off), (&leafFinder{}).leafAt(root, off)
			if !samePath(got, want) {
				t.Fatalf("%s order, offset %d: got %s, a walk from the root finds %s", name, off, pathString(got), pathString(want))
			}
		}
	}
	lf := &leafFinder{}
	var shared, fresh int
	for lo := 0; lo < len(src); lo += 40 {
		hi := min(lo+80, len(src))
		shared += len(commentsIn(root, syntax.NewText(src), lo, hi, syntax.JavaScript, lf))
		fresh += len(commentsIn(root, syntax.NewText(src), lo, hi, syntax.JavaScript, nil))
	}
	if shared != fresh || fresh < 300 {
		t.Fatalf("commentsIn found %d comments with shared walks and %d without (want the same, at least 300)", shared, fresh)
	}
}
