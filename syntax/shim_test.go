package syntax

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

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
		{&sitter.QueryCursor{}, []string{"DidExceedMatchLimit", "ExceededMatchLimit"}, "ExceededMatchLimit"},
		{&sitter.Query{}, []string{"StartByteForPattern", "PatternStart"}, "PatternStart"},
	} {
		for _, m := range c.methods {
			if _, ok := reflect.TypeOf(c.typ).MethodByName(m); ok {
				t.Errorf("go-tree-sitter %s binds %T.%s now: %s in shim.go can use it", treeSitterChecked, c.typ, m, c.ours)
			}
		}
	}
}

// firstPointer reads the C pointer that the binding keeps as the first
// field of BaseTree, QueryCursor and Query.
func TestUpstreamLayout(t *testing.T) {
	for _, v := range []any{sitter.BaseTree{}, sitter.QueryCursor{}, sitter.Query{}} {
		f := reflect.TypeOf(v).Field(0)
		if f.Type.Kind() != reflect.Pointer || f.Offset != 0 {
			t.Errorf("go-tree-sitter %s: %T's first field is %s %s: firstPointer in shim.go no longer reads its C pointer", treeSitterChecked, v, f.Name, f.Type)
		}
	}
}
